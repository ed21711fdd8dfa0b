//! `CheckPolicy`: a `.palisade.yaml`-style selection of the built-in checks, served as
//! admission policy with a rollout mode.
//!
//! ```yaml
//! apiVersion: palisade.dev/v1alpha1
//! kind: CheckPolicy
//! metadata:
//!   name: workload-hardening
//! spec:
//!   mode: advisory            # advisory (warn) | mandatory (deny)
//!   select: [POD, PSR]        # like --select / .palisade.yaml `select` (default: every check)
//!   ignore: [PSR-008]         # like --ignore
//!   failOn: high              # mandatory mode only: findings below this severity just warn
//!   checks:                   # per-check overrides, by ID or name
//!     POD-001: { mode: mandatory }
//!     IMG-002: { enabled: false }
//!   failurePolicy: Fail       # Fail | Ignore: when evaluation errors or misses the deadline
//!   match:
//!     operations: [CREATE, UPDATE]   # default
//!     namespaces: []                 # default: every namespace
//!     excludedNamespaces: [kube-system]
//! ```
//!
//! Only per-resource checks run at admission (cross-resource ones need the whole cluster).
//! Each check runs once per request however many policies select it; policies then map its
//! findings to their own mode. Findings suppressed on the object with
//! `ignore.palisade.dev/<ID>: <reason>` are logged as suppressed and do not act.

use crate::policy::{
    Action, Decisions, Dialect, FailurePolicy, KindMatch, MatchSpec, PolicyLoadError, PolicyMeta,
    PolicySet, Request,
};
use crate::review::Operation;
use palisade_engine::{
    Check, CheckCtx, CheckFn, Finding, Selector, Severity, apply_annotation_suppression,
};
use palisade_model::Resource;
use palisade_source::JsonPointer;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// `apiVersion` of Palisade's own policy kinds
pub const API_VERSION: &str = "palisade.dev/v1alpha1";
/// `kind` of a built-in check selection
pub const KIND: &str = "CheckPolicy";

/// The built-in checks as a dialect
#[derive(Debug, Default, Clone, Copy)]
pub struct BuiltinChecks;

/// Rollout mode of a check in a policy
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Warn (and log); never block
    #[default]
    Advisory,
    /// Deny the request
    Mandatory,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Spec {
    #[serde(default)]
    mode: Mode,
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    checks: BTreeMap<String, Setting>,
    fail_on: Option<Severity>,
    #[serde(default)]
    failure_policy: FailurePolicy,
    #[serde(default, rename = "match")]
    matches: MatchDoc,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct MatchDoc {
    #[serde(default)]
    operations: Vec<Operation>,
    #[serde(default)]
    namespaces: Vec<String>,
    #[serde(default)]
    excluded_namespaces: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Setting {
    enabled: Option<bool>,
    severity: Option<Severity>,
    mode: Option<Mode>,
}

/// One check as one policy runs it
#[derive(Debug)]
struct Entry {
    /// Index into [`CheckSet::checks`]
    check: usize,
    severity: Severity,
    mode: Mode,
}

#[derive(Debug)]
struct CompiledPolicy {
    entries: Vec<Entry>,
    /// kind → indices into `entries` (checks for that kind plus the any-kind ones); looked up
    /// per request by kind name, our own keys: foldhash
    by_kind: foldhash::HashMap<&'static str, Vec<usize>>,
    /// indices into `entries` of checks that look at every kind
    any_kind: Vec<usize>,
    fail_on: Option<Severity>,
}

/// Compiled `CheckPolicy` documents
#[derive(Debug)]
pub struct CheckSet {
    metas: Vec<PolicyMeta>,
    policies: Vec<CompiledPolicy>,
    /// Every distinct check any policy uses
    checks: Vec<&'static Check>,
}

impl Dialect for BuiltinChecks {
    fn name(&self) -> &'static str {
        "checks"
    }

    fn claims(&self, api_version: &str, kind: &str) -> bool {
        api_version == API_VERSION && kind == KIND
    }

    fn compile(&self, documents: &[Resource]) -> Result<Arc<dyn PolicySet>, Vec<PolicyLoadError>> {
        let mut set = CheckSet {
            metas: Vec::new(),
            policies: Vec::new(),
            checks: Vec::new(),
        };
        let mut check_slots: HashMap<&'static str, usize> = HashMap::new();
        let mut errors = Vec::new();
        let mut names: HashMap<&str, &Resource> = HashMap::new();
        for doc in documents {
            if let Some(first) = names.get(doc.name.as_str()) {
                let at = first.locate(&JsonPointer::root());
                errors.push(PolicyLoadError::at(
                    doc,
                    &JsonPointer::root().key("metadata").key("name"),
                    format!(
                        "{KIND} `{}` is defined twice (first in {}:{})",
                        doc.name, first.file.name, at.line
                    ),
                ));
                continue;
            }
            if !doc.name.is_empty() {
                names.insert(doc.name.as_str(), doc);
            }
            match compile_one(doc, &mut set.checks, &mut check_slots) {
                Ok((meta, policy)) => {
                    set.metas.push(meta);
                    set.policies.push(policy);
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        if errors.is_empty() {
            Ok(Arc::new(set))
        } else {
            Err(errors)
        }
    }
}

fn compile_one(
    doc: &Resource,
    checks: &mut Vec<&'static Check>,
    slots: &mut HashMap<&'static str, usize>,
) -> Result<(PolicyMeta, CompiledPolicy), Vec<PolicyLoadError>> {
    let spec_ptr = JsonPointer::root().key("spec");
    let err = |ptr: &JsonPointer, msg: String| PolicyLoadError::at(doc, ptr, msg);
    if doc.name.is_empty() {
        return Err(vec![err(
            &JsonPointer::root().key("metadata"),
            format!("{KIND} has no `metadata.name`"),
        )]);
    }
    let spec_value = doc.value.get("spec").cloned().unwrap_or_default();
    let spec_value = if spec_value.is_null() {
        serde_json::json!({})
    } else {
        spec_value
    };
    let spec: Spec = serde_json::from_value(spec_value).map_err(|e| {
        vec![err(
            &spec_ptr,
            format!("invalid {KIND} `{}`: {e}", doc.name),
        )]
    })?;

    let mut errors = Vec::new();
    let selector = Selector::new(&spec.select, &spec.ignore);
    let known = palisade_checks::all().map(|c| (c.meta.id, c.meta.name, c.meta.tags));
    for e in selector.unknown_tokens(known) {
        errors.push(err(
            &spec_ptr,
            format!("{KIND} `{}`: {e}; see `palisade checks`", doc.name),
        ));
    }
    let mut overrides: HashMap<&'static str, &Setting> = HashMap::new();
    for (key, setting) in &spec.checks {
        match palisade_checks::find(key) {
            Some(c) => {
                overrides.insert(c.meta.id, setting);
            }
            None => errors.push(err(
                &spec_ptr.key("checks").key(key),
                format!(
                    "{KIND} `{}`: `{key}` is not a built-in check ID or name",
                    doc.name
                ),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut entries = Vec::new();
    for check in palisade_checks::all() {
        let m = check.meta;
        if !matches!(check.run, CheckFn::Resource(_)) {
            continue;
        }
        let setting = overrides.get(m.id);
        let explicitly_enabled = setting.and_then(|s| s.enabled) == Some(true);
        if setting.and_then(|s| s.enabled) == Some(false)
            || !(explicitly_enabled || selector.enabled(m.id, m.name, m.tags))
        {
            continue;
        }
        let slot = *slots.entry(m.id).or_insert_with(|| {
            checks.push(check);
            checks.len() - 1
        });
        entries.push(Entry {
            check: slot,
            severity: setting.and_then(|s| s.severity).unwrap_or(m.severity),
            mode: setting.and_then(|s| s.mode).unwrap_or(spec.mode),
        });
    }

    let mut any_kind = Vec::new();
    let mut by_kind: foldhash::HashMap<&'static str, Vec<usize>> = foldhash::HashMap::default();
    for (i, e) in entries.iter().enumerate() {
        let Some(check) = checks.get(e.check) else {
            continue;
        };
        if check.meta.kinds.is_empty() {
            any_kind.push(i);
        } else {
            for kind in check.meta.kinds {
                by_kind.entry(kind).or_default().push(i);
            }
        }
    }
    for list in by_kind.values_mut() {
        list.extend_from_slice(&any_kind);
        list.sort_unstable();
    }
    let kinds = if any_kind.is_empty() {
        by_kind
            .keys()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|k| KindMatch::any_group(k))
            .collect()
    } else {
        Vec::new()
    };
    let operations = if spec.matches.operations.is_empty() {
        vec![Operation::Create, Operation::Update]
    } else {
        spec.matches.operations
    };
    let meta = PolicyMeta {
        name: Arc::from(doc.name.as_str()),
        matches: MatchSpec {
            operations,
            // A policy with no per-resource check matches nothing; keep it out of the index.
            kinds: if entries.is_empty() {
                vec![KindMatch::new("", "")]
            } else {
                kinds
            },
            namespaces: spec.matches.namespaces,
            excluded_namespaces: spec.matches.excluded_namespaces,
            subresources: false,
        },
        failure_policy: spec.failure_policy,
        mutating: false,
    };
    Ok((
        meta,
        CompiledPolicy {
            entries,
            by_kind,
            any_kind,
            fail_on: spec.fail_on,
        },
    ))
}

impl PolicySet for CheckSet {
    fn policies(&self) -> &[PolicyMeta] {
        &self.metas
    }

    /// Native checks, linear in the size of the object
    fn bounded_cost(&self) -> bool {
        true
    }

    fn evaluate(&self, request: &Request<'_>, selected: &[usize], out: &mut Decisions) {
        let Some(object) = request.object else {
            return;
        };
        let kind = object.kind.as_str();
        let annotations = palisade_model::field_path(&object.value, "metadata/annotations");
        // Findings of each check, computed on first use: (start, end) in `findings`.
        let mut memo: Vec<Option<(usize, usize)>> = vec![None; self.checks.len()];
        let mut findings: Vec<Finding> = Vec::new();
        // Per finding: the policies that act on it, with their severity and whether they deny.
        let mut deciders: Vec<Vec<(usize, Severity, bool)>> = Vec::new();
        for &p in selected {
            let Some(policy) = self.policies.get(p) else {
                continue;
            };
            let list = policy.by_kind.get(kind).unwrap_or(&policy.any_kind);
            for entry in list.iter().filter_map(|&i| policy.entries.get(i)) {
                let Some((start, end)) = findings_of(
                    self.checks.get(entry.check).copied(),
                    entry.check,
                    object,
                    annotations,
                    &mut memo,
                    &mut findings,
                ) else {
                    continue;
                };
                if deciders.len() < end {
                    deciders.resize_with(end, Vec::new);
                }
                let deny = entry.mode == Mode::Mandatory
                    && policy.fail_on.is_none_or(|t| entry.severity >= t);
                for d in deciders.iter_mut().take(end).skip(start) {
                    d.push((p, entry.severity, deny));
                }
            }
        }
        let mut violations: Vec<String> = Vec::new();
        for (finding, who) in findings.iter().zip(&deciders) {
            if who.is_empty() {
                continue;
            }
            self.decide(finding, who, out, &mut violations);
        }
        if !violations.is_empty() {
            out.annotate("checks-violations", violations.join(", "));
        }
    }
}

impl CheckSet {
    /// One finding, acted on by several policies: a decision per policy, one response line
    fn decide(
        &self,
        finding: &Finding,
        who: &[(usize, Severity, bool)],
        out: &mut Decisions,
        violations: &mut Vec<String>,
    ) {
        let rule = finding.rule_id.clone();
        if let Some(s) = &finding.suppressed {
            let text: Arc<str> = format!(
                "{} {}: {} [suppressed: {}]",
                finding.rule_id,
                finding.rule_name,
                finding.message,
                s.reason()
            )
            .into();
            for (p, _, _) in who {
                out.record(*p, rule.clone(), Action::Suppressed, Arc::clone(&text));
            }
            return;
        }
        // `concat` rather than `format!`: these are built for every finding of every review,
        // and the formatting machinery cost several times the copying
        let base = [
            &*finding.rule_id,
            " ",
            &*finding.rule_name,
            ": ",
            &*finding.message,
        ]
        .concat();
        let text: Arc<str> = base.as_str().into();
        let severity = who
            .iter()
            .map(|(_, s, _)| *s)
            .max()
            .unwrap_or(finding.severity);
        // the first five policy names, then a count of the rest: written straight into one
        // string, as the message itself, since this runs for every finding
        let names = |deny: bool| -> (usize, String) {
            const SHOWN: usize = 5;
            let mut count = 0;
            let mut text = String::new();
            for (p, _, _) in who.iter().filter(|(_, _, d)| *d == deny) {
                let Some(meta) = self.metas.get(*p) else {
                    continue;
                };
                if count < SHOWN {
                    if count > 0 {
                        text.push_str(", ");
                    }
                    text.push_str(&meta.name);
                }
                count += 1;
            }
            if count > SHOWN {
                text.push_str(" and ");
                text.push_str(itoa::Buffer::new().format(count - SHOWN));
                text.push_str(" more");
            }
            (count, text)
        };
        for (p, _, deny) in who {
            let action = if *deny { Action::Deny } else { Action::Warn };
            out.record(*p, rule.clone(), action, Arc::clone(&text));
            if let Some(m) = self.metas.get(*p) {
                violations.push([&*m.name, "/", &*finding.rule_id].concat());
            }
        }
        let respond = |mode: &str, (count, names): (usize, String)| {
            let policy = if count == 1 { "policy" } else { "policies" };
            [
                &*base,
                " (",
                severity.as_str(),
                "; ",
                mode,
                " in ",
                policy,
                " ",
                &names,
                ")",
            ]
            .concat()
        };
        let denying = names(true);
        if denying.0 > 0 {
            out.respond_deny(403, respond("mandatory", denying));
        } else {
            out.respond_warn(respond("advisory", names(false)));
        }
    }
}

/// Run a check once per request; later policies reuse its findings
fn findings_of(
    check: Option<&'static Check>,
    slot: usize,
    object: &Resource,
    annotations: Option<&serde_json::Value>,
    memo: &mut [Option<(usize, usize)>],
    findings: &mut Vec<Finding>,
) -> Option<(usize, usize)> {
    let cached = memo.get_mut(slot)?;
    if let Some(range) = *cached {
        return Some(range);
    }
    let check = check?;
    let start = findings.len();
    if let CheckFn::Resource(run) = check.run
        && check.meta.applies_to(&object.kind)
    {
        run(&mut CheckCtx::new(check.meta, findings), object);
    }
    for f in findings.iter_mut().skip(start) {
        apply_annotation_suppression(f, annotations);
    }
    let range = (start, findings.len());
    *cached = Some(range);
    Some(range)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(value: serde_json::Value) -> Resource {
        Resource::from_value(value, "policy.yaml").unwrap()
    }

    fn policy(name: &str, spec: serde_json::Value) -> Resource {
        doc(
            json!({"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": name}, "spec": spec}),
        )
    }

    fn run(set: &Arc<dyn PolicySet>, object: serde_json::Value) -> Decisions {
        super::super::evaluate_all(set.as_ref(), object)
    }

    fn privileged_pod(annotations: serde_json::Value) -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "team", "annotations": annotations},
            "spec": {"containers": [{"name": "app", "image": "nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000",
                "securityContext": {"privileged": true}}]}})
    }

    #[test]
    fn a_response_line_names_five_policies_then_counts_the_rest() {
        let strict: Vec<Resource> = (1..=7)
            .map(|i| {
                policy(
                    &format!("p{i}"),
                    json!({"mode": "mandatory", "select": ["POD-001"]}),
                )
            })
            .collect();
        let set = BuiltinChecks.compile(&strict).unwrap();
        let out = run(&set, privileged_pod(json!({})));
        assert!(
            out.denials()[0]
                .1
                .ends_with("(critical; mandatory in policies p1, p2, p3, p4, p5 and 2 more)"),
            "{:?}",
            out.denials()
        );
        let set = BuiltinChecks
            .compile(&[policy("soft", json!({"select": ["POD-001"]}))])
            .unwrap();
        let out = run(&set, privileged_pod(json!({})));
        assert!(
            out.warnings()[0].ends_with("(critical; advisory in policy soft)"),
            "{:?}",
            out.warnings()
        );
    }

    #[test]
    fn modes_map_findings_to_deny_or_warn() {
        let set = BuiltinChecks
            .compile(&[
                policy("strict", json!({"mode": "mandatory", "select": ["POD-001"]})),
                policy("soft", json!({"select": ["POD-001"]})),
                policy(
                    "mixed",
                    json!({"select": ["POD-001"], "checks": {"privileged-container": {"mode": "mandatory"}}}),
                ),
            ])
            .unwrap();
        assert_eq!(set.policies().len(), 3);
        assert_eq!(
            set.policies()[0].matches.kinds,
            palisade_checks::find("POD-001")
                .unwrap()
                .meta
                .kinds
                .iter()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .map(|k| KindMatch::any_group(k))
                .collect::<Vec<_>>()
        );
        let out = run(&set, privileged_pod(json!({})));
        let actions: Vec<_> = out
            .outcomes()
            .iter()
            .map(|o| (o.policy, o.rule.to_string(), o.action))
            .collect();
        assert_eq!(
            actions,
            [
                (0, "POD-001".to_owned(), Action::Deny),
                (1, "POD-001".to_owned(), Action::Warn),
                (2, "POD-001".to_owned(), Action::Deny),
            ]
        );
        assert_eq!(out.denials().len(), 1, "one response line per finding");
        assert!(
            out.denials()[0]
                .1
                .ends_with("(critical; mandatory in policies strict, mixed)"),
            "{:?}",
            out.denials()
        );
        assert!(
            out.warnings().is_empty(),
            "denied findings are not also warned about"
        );
        let out = run(
            &set,
            privileged_pod(json!({"ignore.palisade.dev/POD-001": "CNI agent"})),
        );
        assert!(
            out.outcomes()
                .iter()
                .all(|o| o.action == Action::Suppressed)
        );
    }

    #[test]
    fn fail_on_limits_denials_to_severe_findings() {
        let set = BuiltinChecks
            .compile(&[policy(
                "p",
                json!({"mode": "mandatory", "select": ["POD-001"], "failOn": "critical",
                       "checks": {"POD-001": {"severity": "high"}}}),
            )])
            .unwrap();
        let out = run(&set, privileged_pod(json!({})));
        assert_eq!(out.outcomes()[0].action, Action::Warn);
        assert_eq!(
            out.warnings(),
            [
                "POD-001 privileged-container: container `app` runs privileged (high; advisory in policy p)"
            ]
        );
    }

    #[test]
    fn reports_every_problem_with_positions() {
        let errs = BuiltinChecks
            .compile(&[
                policy("a", json!({"select": ["NOPE-999"]})),
                policy("b", json!({"checks": {"not-a-check": {}}})),
                policy("c", json!({"mode": "sometimes"})),
                doc(json!({"apiVersion": API_VERSION, "kind": KIND, "spec": {}})),
            ])
            .unwrap_err();
        assert_eq!(errs.len(), 4, "{errs:?}");
        assert!(
            errs[0].message.contains("`NOPE-999` matches no rule"),
            "{}",
            errs[0]
        );
        assert!(errs[1].message.contains("`not-a-check`"), "{}", errs[1]);
        assert!(
            errs[2].message.contains("unknown variant `sometimes`"),
            "{}",
            errs[2]
        );
        assert!(errs[3].message.contains("metadata.name"), "{}", errs[3]);
    }
}
