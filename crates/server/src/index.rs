//! Per-request policy selection.
//!
//! Every policy is filed under the (group, kind) pairs it matches — or under a wildcard — and,
//! when it lists namespaces, under each of them. A request looks up at most four buckets
//! (exact group+kind, kind in any group, any kind in the group, anything) and reads the
//! namespace-independent entries plus those filed under its own namespace, so with 1,000
//! policies loaded a Pod request touches only the policies that can apply to Pods there.

use crate::policy::{MatchSpec, PolicySet};
use crate::review::Operation;
use std::collections::HashMap;
use std::sync::Arc;

/// One indexed policy
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Index of the set in load order
    pub set: usize,
    /// Index of the policy in its set
    pub policy: usize,
    operations: u8,
    excluded_namespaces: Vec<String>,
    subresources: bool,
}

#[derive(Debug, Default)]
struct Bucket {
    any_namespace: Vec<u32>,
    by_namespace: HashMap<String, Vec<u32>>,
}

impl Bucket {
    fn add(&mut self, id: u32, spec: &MatchSpec) {
        if spec.namespaces.is_empty() {
            self.any_namespace.push(id);
        } else {
            for ns in &spec.namespaces {
                self.by_namespace.entry(ns.clone()).or_default().push(id);
            }
        }
    }

    fn collect(&self, namespace: &str, out: &mut IdSet) {
        out.insert_all(&self.any_namespace);
        if !namespace.is_empty()
            && let Some(ids) = self.by_namespace.get(namespace)
        {
            out.insert_all(ids);
        }
    }
}

/// Policy IDs as a bit set: a policy filed under several buckets is seen once, and reading the
/// set gives load order, with no sort (sorting and deduplicating the IDs of a Pod's ~60
/// policies was half the cost of a selection)
struct IdSet(Vec<u64>);

impl IdSet {
    /// An empty set for the IDs below `len` (the index's entries; no other ID is inserted)
    fn new(len: usize) -> Self {
        Self(vec![0; len.div_ceil(64)])
    }

    fn insert_all(&mut self, ids: &[u32]) {
        for &id in ids {
            let id = id as usize;
            if let Some(word) = self.0.get_mut(id / 64) {
                *word |= 1 << (id % 64);
            }
        }
    }

    /// The IDs in increasing order
    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().enumerate().flat_map(|(i, &word)| {
            let base = i as u32 * 64;
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros();
                    rest &= rest - 1;
                    base + bit
                })
            })
        })
    }
}

/// The index over the policies served on one endpoint
#[derive(Debug, Default)]
pub(crate) struct PolicyIndex {
    entries: Vec<Entry>,
    /// group → kind → bucket
    exact: HashMap<String, HashMap<String, Bucket>>,
    /// kind (any group) → bucket
    any_group: HashMap<String, Bucket>,
    /// group (any kind) → bucket
    any_kind: HashMap<String, Bucket>,
    anything: Bucket,
}

/// What a request is, as far as selection goes
#[derive(Debug, Clone, Copy)]
pub(crate) struct Key<'a> {
    pub group: &'a str,
    pub kind: &'a str,
    pub operation: Operation,
    pub namespace: &'a str,
    pub subresource: &'a str,
}

impl PolicyIndex {
    /// Index the policies of `sets` for which `include` holds (e.g. only mutating ones)
    pub fn build(sets: &[Arc<dyn PolicySet>], include: impl Fn(bool) -> bool) -> Self {
        let mut index = Self::default();
        for (set_idx, set) in sets.iter().enumerate() {
            for (policy_idx, meta) in set.policies().iter().enumerate() {
                if !include(meta.mutating) {
                    continue;
                }
                let Ok(id) = u32::try_from(index.entries.len()) else {
                    continue;
                };
                let spec = &meta.matches;
                let operations = if spec.operations.is_empty() {
                    Operation::ALL.iter().fold(0, |m, o| m | o.bit())
                } else {
                    spec.operations.iter().fold(0, |m, o| m | o.bit())
                };
                index.entries.push(Entry {
                    set: set_idx,
                    policy: policy_idx,
                    operations,
                    excluded_namespaces: spec.excluded_namespaces.clone(),
                    subresources: spec.subresources,
                });
                if spec.kinds.is_empty() {
                    index.anything.add(id, spec);
                }
                for k in &spec.kinds {
                    let bucket = match (&k.group, &k.kind) {
                        (Some(g), Some(kind)) => index
                            .exact
                            .entry(g.clone())
                            .or_default()
                            .entry(kind.clone())
                            .or_default(),
                        (None, Some(kind)) => index.any_group.entry(kind.clone()).or_default(),
                        (Some(g), None) => index.any_kind.entry(g.clone()).or_default(),
                        (None, None) => &mut index.anything,
                    };
                    bucket.add(id, spec);
                }
            }
        }
        index
    }

    /// Number of indexed policies
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entry of an ID returned by [`Self::select`]
    pub fn entry(&self, id: u32) -> Option<&Entry> {
        self.entries.get(usize::try_from(id).ok()?)
    }

    /// IDs of the policies that may apply, in load order, without duplicates
    pub fn select(&self, key: &Key<'_>) -> Vec<u32> {
        let mut ids = IdSet::new(self.entries.len());
        if let Some(b) = self
            .exact
            .get(key.group)
            .and_then(|kinds| kinds.get(key.kind))
        {
            b.collect(key.namespace, &mut ids);
        }
        if let Some(b) = self.any_group.get(key.kind) {
            b.collect(key.namespace, &mut ids);
        }
        if let Some(b) = self.any_kind.get(key.group) {
            b.collect(key.namespace, &mut ids);
        }
        self.anything.collect(key.namespace, &mut ids);
        let bit = key.operation.bit();
        ids.iter()
            .filter(|id| {
                self.entry(*id).is_some_and(|e| {
                    e.operations & bit != 0
                        && (e.subresources || key.subresource.is_empty())
                        && !e.excluded_namespaces.iter().any(|n| n == key.namespace)
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Decisions, FailurePolicy, KindMatch, PolicyMeta, Request};

    #[derive(Debug)]
    struct Fixed(Vec<PolicyMeta>);
    impl PolicySet for Fixed {
        fn policies(&self) -> &[PolicyMeta] {
            &self.0
        }
        fn evaluate(&self, _: &Request<'_>, _: &[usize], _: &mut Decisions) {}
    }

    fn meta(name: &str, matches: MatchSpec) -> PolicyMeta {
        PolicyMeta {
            name: name.into(),
            matches,
            failure_policy: FailurePolicy::Fail,
            mutating: false,
        }
    }

    fn key<'a>(group: &'a str, kind: &'a str, ns: &'a str, op: Operation) -> Key<'a> {
        Key {
            group,
            kind,
            operation: op,
            namespace: ns,
            subresource: "",
        }
    }

    #[test]
    fn selects_by_kind_namespace_and_operation() {
        let pods = MatchSpec {
            kinds: vec![KindMatch::new("", "Pod")],
            operations: vec![Operation::Create],
            ..MatchSpec::default()
        };
        let deploys_in_team = MatchSpec {
            kinds: vec![KindMatch::new("apps", "Deployment")],
            namespaces: vec!["team".into()],
            ..MatchSpec::default()
        };
        let everything_but_system = MatchSpec {
            excluded_namespaces: vec!["kube-system".into()],
            ..MatchSpec::default()
        };
        let any_group_pod = MatchSpec {
            kinds: vec![KindMatch::any_group("Pod"), KindMatch::new("", "Pod")],
            ..MatchSpec::default()
        };
        let sets: Vec<Arc<dyn PolicySet>> = vec![
            Arc::new(Fixed(vec![
                meta("pods", pods),
                meta("deploys", deploys_in_team),
            ])),
            Arc::new(Fixed(vec![
                meta("all", everything_but_system),
                meta("podany", any_group_pod),
            ])),
        ];
        let index = PolicyIndex::build(&sets, |_| true);
        let names = |ids: Vec<u32>| -> Vec<String> {
            ids.into_iter()
                .map(|id| {
                    let e = index.entry(id).unwrap();
                    sets[e.set].policies()[e.policy].name.to_string()
                })
                .collect()
        };
        assert_eq!(
            names(index.select(&key("", "Pod", "team", Operation::Create))),
            ["pods", "all", "podany"]
        );
        assert_eq!(
            names(index.select(&key("", "Pod", "team", Operation::Update))),
            ["all", "podany"]
        );
        assert_eq!(
            names(index.select(&key("apps", "Deployment", "team", Operation::Create))),
            ["deploys", "all"]
        );
        assert_eq!(
            names(index.select(&key("apps", "Deployment", "other", Operation::Create))),
            ["all"]
        );
        assert!(
            names(index.select(&key("apps", "Deployment", "kube-system", Operation::Create)))
                .is_empty()
        );
        let mut sub = key("", "Pod", "team", Operation::Create);
        sub.subresource = "status";
        assert!(index.select(&sub).is_empty());
    }

    #[test]
    fn a_thousand_policies_cost_only_the_matching_ones() {
        let metas = (0..1000)
            .map(|i| {
                meta(
                    &format!("p{i}"),
                    MatchSpec {
                        kinds: vec![KindMatch::new("", &format!("Kind{}", i % 100))],
                        ..MatchSpec::default()
                    },
                )
            })
            .collect();
        let sets: Vec<Arc<dyn PolicySet>> = vec![Arc::new(Fixed(metas))];
        let index = PolicyIndex::build(&sets, |_| true);
        assert_eq!(index.len(), 1000);
        assert_eq!(
            index
                .select(&key("", "Kind7", "ns", Operation::Create))
                .len(),
            10
        );
    }
}
