//! `palisade apply` for Kubernetes admission policies: ValidatingAdmissionPolicy,
//! MutatingAdmissionPolicy, their bindings and their param objects, found in the policy files.
//!
//! Every resource becomes a `CREATE` request (an `AdmissionReview` document is used as the
//! request it holds: operation, user, old object), is run through the mutating policies and
//! then the validating policies, and every matching binding's decision is reported. Params and
//! Namespaces are looked up among all the documents given. An `AuthorizerRules` document
//! (`palisade.dev/v1alpha1`) in the policy files answers `authorizer` checks; without one
//! they are allowed.
//!
//! Exit status: 1 when any binding denies any resource, 0 otherwise, 2 on input or policy
//! errors (CEL compile errors included).

use crate::args::{ApplyArgs, ApplyFormat};
use anyhow::Result;
use palisade_cel::AuthorizerConfig;
use palisade_model::{Resource, resources_from_document};
use palisade_source::{Diagnostic, LoadedDocument};
use palisade_vap::{Admission, AdmissionRequest, Options, PolicySet, Verdict};
use serde_json::{Value, json};
use std::io::Write;

/// Whether any of these documents is an admission policy or binding
pub fn has_admission_policies(docs: &[LoadedDocument]) -> bool {
    docs.iter().any(|d| is_admission_document(&d.value))
}

/// Whether a document is an admission policy or binding
pub fn is_admission_document(v: &Value) -> bool {
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
    palisade_vap::PolicyKind::of(s("apiVersion"), s("kind")).is_some()
}

fn is_authorizer_rules(v: &Value) -> bool {
    v.get("kind").and_then(Value::as_str) == Some("AuthorizerRules")
        && v.get("apiVersion").and_then(Value::as_str) == Some("palisade.dev/v1alpha1")
}

/// One resource and what admission made of it
struct Decided {
    resource: Resource,
    before: Option<Value>,
    admission: Admission,
}

/// Run `apply` over admission policies; returns the exit code
pub fn run(
    args: &ApplyArgs,
    policy_docs: Vec<LoadedDocument>,
    resource_docs: Vec<LoadedDocument>,
    mut diagnostics: Vec<Diagnostic>,
) -> Result<u8> {
    let mut authorizer = AuthorizerConfig::allow_all();
    let mut policy_resources = Vec::new();
    for doc in policy_docs {
        if is_authorizer_rules(&doc.value) {
            match AuthorizerConfig::from_json(&doc.value) {
                Ok(a) => authorizer = a,
                Err(e) => diagnostics.push(Diagnostic::error(
                    "authorizer-rules",
                    &doc.file.name,
                    Some(doc.start),
                    e.to_string(),
                )),
            }
            continue;
        }
        let (mut r, mut d) = resources_from_document(doc);
        policy_resources.append(&mut r);
        diagnostics.append(&mut d);
    }
    let mut resources = Vec::new();
    for doc in resource_docs {
        let (mut r, mut d) = resources_from_document(doc);
        resources.append(&mut r);
        diagnostics.append(&mut d);
    }
    let inventory: Vec<Value> = resources
        .iter()
        .filter(|r| r.kind != "AdmissionReview")
        .map(|r| r.value.clone())
        .collect();
    let (set, mut diags) = PolicySet::load(
        &policy_resources,
        inventory,
        Options {
            authorizer,
            ..Options::default()
        },
    )?;
    diagnostics.append(&mut diags);

    let mut decided = Vec::with_capacity(resources.len());
    for r in resources {
        let req = if r.kind == "AdmissionReview" {
            match AdmissionRequest::from_admission_review(&r.value) {
                Ok(req) => req,
                Err(e) => {
                    diagnostics.push(Diagnostic::error("admission-review", &r.file.name, None, e));
                    continue;
                }
            }
        } else {
            AdmissionRequest::for_object(r.value.clone(), "CREATE", None)
        };
        let before = req.object.clone();
        let admission = set.admit(&req);
        decided.push(Decided {
            resource: r,
            before,
            admission,
        });
    }

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.output {
        ApplyFormat::Table => out.write_all(table(&decided).as_bytes())?,
        ApplyFormat::Json => {
            let doc = document(&decided, &set);
            out.write_all((serde_json::to_string_pretty(&doc)? + "\n").as_bytes())?;
        }
        ApplyFormat::Yaml => {
            // the resources after mutation; decisions that deny or warn go to stderr
            for d in &decided {
                if let Some(obj) = &d.admission.object {
                    out.write_all(b"---\n")?;
                    out.write_all(palisade_report::to_yaml(obj).as_bytes())?;
                }
            }
            for line in deny_warn_lines(&decided) {
                eprintln!("{line}");
            }
        }
    }
    out.flush()?;
    for d in &diagnostics {
        eprintln!("{d}");
    }
    Ok(if diagnostics.iter().any(Diagnostic::is_error) {
        2
    } else if decided.iter().any(|d| {
        d.admission
            .results
            .iter()
            .any(|r| r.verdict == Verdict::Deny)
    }) {
        1
    } else {
        0
    })
}

fn resource_label(d: &Decided) -> String {
    d.resource.reference().to_string()
}

fn actions_of(r: &palisade_vap::BindingResult) -> String {
    match r.policy_type {
        palisade_vap::PolicyType::Mutating => "Mutate".into(),
        palisade_vap::PolicyType::Validating => r.actions.join(","),
    }
}

fn deny_warn_lines(decided: &[Decided]) -> Vec<String> {
    let mut lines = Vec::new();
    for d in decided {
        let label = resource_label(d);
        for r in &d.admission.results {
            if matches!(r.verdict, Verdict::Deny | Verdict::Warn) {
                for m in &r.messages {
                    lines.push(format!(
                        "{label}: {} {}/{}: {m}",
                        r.verdict.as_str(),
                        r.policy,
                        r.binding
                    ));
                }
            }
        }
    }
    lines
}

fn table(decided: &[Decided]) -> String {
    let mut lines: Vec<[String; 5]> = vec![[
        "RESOURCE".into(),
        "POLICY/BINDING".into(),
        "ACTION".into(),
        "RESULT".into(),
        "MESSAGE".into(),
    ]];
    for d in decided {
        let resource = resource_label(d);
        for r in &d.admission.results {
            let binding = match &r.param {
                Some(p) => format!("{}/{} [{p}]", r.policy, r.binding),
                None => format!("{}/{}", r.policy, r.binding),
            };
            let action = actions_of(r);
            let mut messages: Vec<String> = r.messages.clone();
            if messages.is_empty() {
                messages.push(r.skip_reason.clone().unwrap_or_default());
            }
            for m in messages {
                lines.push([
                    resource.clone(),
                    binding.clone(),
                    action.clone(),
                    r.verdict.as_str().into(),
                    m.replace('\n', " "),
                ]);
            }
        }
    }
    let mut out = crate::table::aligned(&lines);
    for d in decided {
        if d.admission.mutated
            && let (Some(before), Some(after)) = (&d.before, &d.admission.object)
        {
            out.push_str(&mutation_diff(&resource_label(d), before, after));
        }
    }
    let denied = decided.iter().filter(|d| !d.admission.allowed).count();
    let warned: usize = decided.iter().map(|d| d.admission.warnings.len()).sum();
    let mutated = decided.iter().filter(|d| d.admission.mutated).count();
    let results: usize = decided.iter().map(|d| d.admission.results.len()).sum();
    out.push_str(&format!(
        "\n{} resources, {results} binding decisions, {denied} denied, {warned} warnings, {mutated} mutated\n",
        decided.len()
    ));
    out
}

/// The table section of one mutated resource: a heading, then the diff of its YAML. Every
/// mutating dialect of `apply` prints mutations this way.
pub(crate) fn mutation_diff(label: &str, before: &Value, after: &Value) -> String {
    format!(
        "\n{label} (mutated):\n{}",
        diff(
            &palisade_report::to_yaml(before),
            &palisade_report::to_yaml(after),
        )
    )
}

/// A unified diff of a resource before and after mutation (2 lines of context)
fn diff(before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(2)
        .header("before", "after")
        .to_string()
}

fn document(decided: &[Decided], set: &PolicySet) -> Value {
    let results: Vec<Value> = decided
        .iter()
        .map(|d| {
            let r = &d.resource;
            let a = &d.admission;
            let mut entry = json!({
                "resource": {
                    "apiVersion": r.api_version,
                    "kind": r.kind,
                    "namespace": r.namespace,
                    "name": r.name,
                    "file": r.file.name,
                },
                "allowed": a.allowed,
                "message": a.message,
                "code": a.code,
                "warnings": a.warnings,
                "auditAnnotations": a.audit_annotations,
                "mutated": a.mutated,
                "bindings": a.results.iter().map(|b| {
                    let mut v = json!({
                        "type": match b.policy_type {
                            palisade_vap::PolicyType::Validating => "ValidatingAdmissionPolicy",
                            palisade_vap::PolicyType::Mutating => "MutatingAdmissionPolicy",
                        },
                        "policy": b.policy,
                        "binding": b.binding,
                        "validationActions": b.actions,
                        "result": b.verdict.as_str(),
                        "messages": b.messages,
                    });
                    if let Some(p) = &b.param {
                        v["param"] = json!(p);
                    }
                    if let Some(reason) = &b.reason {
                        v["reason"] = json!(reason);
                    }
                    if let Some(s) = &b.skip_reason {
                        v["skipReason"] = json!(s);
                    }
                    v
                }).collect::<Vec<_>>(),
            });
            if a.mutated {
                entry["object"] = a.object.clone().unwrap_or(Value::Null);
            }
            entry
        })
        .collect();
    let (validating, mutating, bindings) = set.counts();
    json!({
        "summary": {
            "validatingPolicies": validating,
            "mutatingPolicies": mutating,
            "bindings": bindings,
            "resources": decided.len(),
            "denied": decided.iter().filter(|d| !d.admission.allowed).count(),
            "warnings": decided.iter().map(|d| d.admission.warnings.len()).sum::<usize>(),
            "mutated": decided.iter().filter(|d| d.admission.mutated).count(),
        },
        "results": results,
    })
}

#[cfg(test)]
mod tests {
    use super::diff;

    #[test]
    fn diff_marks_changed_lines_with_context() {
        let d = diff("a\nb\nc\nd\ne\nf\ng\n", "a\nb\nc\nX\ne\nf\ng\n");
        assert_eq!(
            d,
            "--- before\n+++ after\n@@ -2,5 +2,5 @@\n b\n c\n-d\n+X\n e\n f\n"
        );
    }
}
