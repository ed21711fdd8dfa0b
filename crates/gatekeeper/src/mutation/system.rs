//! The mutation system (`pkg/mutation/system.go`): mutators in Gatekeeper's order — by kind,
//! then by name — applied to an object pass after pass. A pass runs every mutator that matches
//! the object as it is at that moment. The object converges when a pass leaves it unchanged;
//! a pass that brings it back to the original (after an earlier pass changed it) is an
//! oscillation; after `mutators + 1` passes without converging, the mutation fails. Mutators
//! in a schema conflict are not applied (see `schema.rs`).

use super::{MutationError, Mutator, schema};
use crate::review::str_at;
use serde_json::Value;

/// Two mutators that disagree on the schema of a kind; neither is applied
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// `Kind/name` of the first
    pub first: String,
    /// `Kind/name` of the second
    pub second: String,
    /// The group/version/kind both apply to
    pub kind: String,
    /// The node they disagree on
    pub reason: String,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} and {} conflict on {}: {}; neither is applied",
            self.first, self.second, self.kind, self.reason
        )
    }
}

/// Loaded mutators, ready to mutate objects
#[derive(Debug, Clone, Default)]
pub struct MutationSystem {
    /// Sorted by kind then name; conflicted ones removed
    active: Vec<Mutator>,
    conflicts: Vec<Conflict>,
}

impl MutationSystem {
    /// Order the mutators and set aside the conflicting ones. A later mutator with the same
    /// kind and name replaces an earlier one, as an update of the resource would.
    pub fn new(mutators: Vec<Mutator>) -> Self {
        let mut mutators = mutators;
        // stable sort + keep the last of equal keys = last definition wins
        mutators.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
        let mut deduped: Vec<Mutator> = Vec::with_capacity(mutators.len());
        for m in mutators {
            match deduped.last_mut() {
                Some(last) if last.kind == m.kind && last.name == m.name => *last = m,
                _ => deduped.push(m),
            }
        }
        let found = schema::conflicts(&deduped);
        let mut excluded = vec![false; deduped.len()];
        let conflicts = found
            .into_iter()
            .map(|(i, j, kind, reason)| {
                excluded[i] = true;
                excluded[j] = true;
                Conflict {
                    first: deduped[i].id(),
                    second: deduped[j].id(),
                    kind,
                    reason,
                }
            })
            .collect();
        let active = deduped
            .into_iter()
            .zip(excluded)
            .filter_map(|(m, ex)| (!ex).then_some(m))
            .collect();
        Self { active, conflicts }
    }

    /// No mutator will be applied
    pub fn is_empty(&self) -> bool {
        self.active.is_empty()
    }

    /// The mutators that will be applied, in order
    pub fn mutators(&self) -> &[Mutator] {
        &self.active
    }

    /// Conflicting pairs (not applied)
    pub fn conflicts(&self) -> &[Conflict] {
        &self.conflicts
    }

    /// Mutate a copy of `object`; `Ok(None)` when no mutator changed it. `namespace` is the
    /// object's Namespace, for `namespaceSelector`.
    pub fn mutate(
        &self,
        object: &Value,
        namespace: Option<&Value>,
    ) -> Result<Option<Value>, MutationError> {
        let mut current = object.clone();
        let passes = self.active.len() + 1;
        for pass in 0..passes {
            let before = current.clone();
            for m in &self.active {
                let matched =
                    m.matches(&current, namespace)
                        .map_err(|reason| MutationError::Match {
                            mutator: m.id(),
                            resource: describe(&current),
                            reason,
                        })?;
                if matched {
                    m.mutate(&mut current)
                        .map_err(|reason| MutationError::Failed {
                            mutator: m.id(),
                            resource: describe(&current),
                            reason,
                        })?;
                }
            }
            if current == before {
                if pass == 0 {
                    return Ok(None);
                }
                if current == *object {
                    return Err(MutationError::Oscillating {
                        resource: describe(object),
                    });
                }
                return Ok(Some(current));
            }
        }
        Err(MutationError::NotConverging {
            resource: describe(object),
            iterations: passes,
        })
    }
}

/// `Kind/namespace/name` of an object, for messages
fn describe(object: &Value) -> String {
    let kind = str_at(object, &["kind"]);
    let name = str_at(object, &["metadata", "name"]);
    match str_at(object, &["metadata", "namespace"]) {
        "" => format!("{kind}/{name}"),
        ns => format!("{kind}/{ns}/{name}"),
    }
}
