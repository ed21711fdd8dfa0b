//! `palisade apply` for Kyverno policies (kyverno.io ClusterPolicy / Policy and the CEL-based
//! `policies.kyverno.io` kinds), like `kyverno apply`: per rule × resource results, mutated
//! and generated resources, exit 1 when a rule of an Enforce policy fails.

use crate::args::{ApplyArgs, ApplyFormat};
use anyhow::Result;
use palisade_kyverno::engine::{self, EngineResponse, RuleStatus, RuleType};
use palisade_kyverno::testsuite::{
    CelData, Values, load_userinfo, load_values, normalize_resource,
};
use palisade_kyverno::{FailureAction, Policy, validate_policy};
use palisade_source::{Diagnostic, LoadedDocument};
use serde_json::{Map, Value, json};
use std::io::Write;
use std::path::Path;

/// Whether any document is a Kyverno policy
pub fn has_kyverno_policies(docs: &[LoadedDocument]) -> bool {
    docs.iter().any(|d| is_kyverno_doc(&d.value))
}

fn is_kyverno_doc(v: &Value) -> bool {
    let api = v
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = v.get("kind").and_then(Value::as_str).unwrap_or_default();
    (api.starts_with("kyverno.io/") && matches!(kind, "ClusterPolicy" | "Policy"))
        || api.starts_with("policies.kyverno.io/")
}

struct Row {
    resource: String,
    kind: String,
    policy: String,
    rule: String,
    rule_type: RuleType,
    status: RuleStatus,
    message: String,
    enforce: bool,
}

/// Run `apply` with Kyverno policies; returns the exit code
pub fn run(
    args: &ApplyArgs,
    policy_docs: Vec<LoadedDocument>,
    resource_docs: Vec<LoadedDocument>,
    mut diagnostics: Vec<Diagnostic>,
) -> Result<u8> {
    let mut policies = Vec::new();
    for doc in &policy_docs {
        if !is_kyverno_doc(&doc.value) {
            diagnostics.push(Diagnostic::warning(
                "not-a-policy",
                &doc.file.name,
                Some(doc.start),
                "document is not a Kyverno policy; ignored",
            ));
            continue;
        }
        let Some(p) = Policy::from_document(doc) else {
            continue;
        };
        let errs = validate_policy(&p);
        if errs.is_empty() {
            policies.push(p);
        } else {
            diagnostics.extend(errs);
        }
    }
    let values = match &args.values_file {
        Some(f) => load_values(Path::new(f), &mut diagnostics),
        None => Values::default(),
    };
    let user = args
        .userinfo
        .as_ref()
        .and_then(|f| load_userinfo(Path::new(f), &mut diagnostics));
    let mut resources = Vec::new();
    for doc in resource_docs {
        let v = doc.value;
        let kind = v.get("kind").and_then(Value::as_str).unwrap_or_default();
        if kind.ends_with("List")
            && let Some(items) = v.get("items").and_then(Value::as_array)
        {
            resources.extend(items.iter().cloned().map(normalize_resource));
        } else if v.get("kind").is_some() {
            resources.push(normalize_resource(v));
        }
    }
    let refs: Vec<&Policy> = policies.iter().collect();
    let mut rows = Vec::new();
    let mut mutated = Vec::new();
    let mut generated = Vec::new();
    // As `kyverno apply`: the resources given are also the existing resources that
    // mutate-existing rules target and that `paramRef` selects params from
    let cel_data = CelData::from_resources(&resources);
    for res in &resources {
        // every policy sees its own values; stages run in the Kyverno CLI's order
        let adm_for = |p: &Policy| values.admission(p, res, user.as_ref(), &cel_data);
        let responses: Vec<EngineResponse> = engine::apply_policies_with(&refs, res, &adm_for);
        let mut current = res.clone();
        for r in &responses {
            if r.rules
                .iter()
                .any(|x| x.rule_type == RuleType::Mutation && x.status == RuleStatus::Pass)
            {
                current = r.patched.clone();
            }
        }
        let label = resource_label(res);
        let kind = res
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        for r in &responses {
            let policy = policies.iter().find(|p| p.name == r.policy);
            for rr in &r.rules {
                let enforce = match policy {
                    Some(p) if p.is_kyverno() => rr.failure_action == FailureAction::Enforce,
                    Some(p) => cel_enforces(p),
                    None => false,
                };
                rows.push(Row {
                    resource: label.clone(),
                    kind: kind.clone(),
                    policy: r.policy.clone(),
                    rule: rr.name.clone(),
                    rule_type: rr.rule_type,
                    status: rr.status,
                    message: rr.message.clone(),
                    enforce,
                });
                generated.extend(rr.generated.iter().cloned());
                mutated.extend(rr.patched_targets.iter().cloned());
            }
        }
        if current != *res {
            mutated.push(current);
        }
    }
    let text = match args.output {
        ApplyFormat::Table => table(&rows, &mutated, &generated, policies.len(), resources.len()),
        ApplyFormat::Json => {
            serde_json::to_string_pretty(&document(&rows, &mutated, &generated))? + "\n"
        }
        ApplyFormat::Yaml => palisade_report::to_yaml(&document(&rows, &mutated, &generated)),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    for d in &diagnostics {
        eprintln!("{d}");
    }
    Ok(if diagnostics.iter().any(Diagnostic::is_error) {
        2
    } else if rows
        .iter()
        .any(|r| r.enforce && r.status == RuleStatus::Fail)
    {
        1
    } else {
        0
    })
}

/// A CEL policy blocks when its `validationActions` include `Deny` (the default)
fn cel_enforces(p: &Policy) -> bool {
    match p
        .value
        .pointer("/spec/validationActions")
        .and_then(Value::as_array)
    {
        Some(a) => a.iter().any(|x| x.as_str() == Some("Deny")),
        None => p.kind.ends_with("ValidatingPolicy"),
    }
}

fn resource_label(r: &Value) -> String {
    let kind = r.get("kind").and_then(Value::as_str).unwrap_or_default();
    let name = r
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match r.pointer("/metadata/namespace").and_then(Value::as_str) {
        Some(ns) if !ns.is_empty() => format!("{ns}/{kind}/{name}"),
        _ => format!("{kind}/{name}"),
    }
}

fn counts(rows: &[Row]) -> Map<String, Value> {
    let mut m = Map::new();
    for s in ["pass", "fail", "warn", "error", "skip"] {
        let n = rows.iter().filter(|r| r.status.as_str() == s).count();
        m.insert(s.to_owned(), json!(n));
    }
    m
}

fn document(rows: &[Row], mutated: &[Value], generated: &[Value]) -> Value {
    let results: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "resource": r.resource,
                "kind": r.kind,
                "policy": r.policy,
                "rule": r.rule,
                "type": r.rule_type.as_str(),
                "result": r.status.as_str(),
                "message": r.message,
                "enforce": r.enforce,
            })
        })
        .collect();
    json!({
        "results": results,
        "mutatedResources": mutated,
        "generatedResources": generated,
        "summary": counts(rows),
    })
}

fn table(
    rows: &[Row],
    mutated: &[Value],
    generated: &[Value],
    policies: usize,
    resources: usize,
) -> String {
    let mut lines: Vec<[String; 6]> = vec![[
        "RESOURCE".into(),
        "POLICY".into(),
        "RULE".into(),
        "TYPE".into(),
        "RESULT".into(),
        "MESSAGE".into(),
    ]];
    for r in rows {
        lines.push([
            r.resource.clone(),
            r.policy.clone(),
            if r.rule.is_empty() {
                "-".into()
            } else {
                r.rule.clone()
            },
            r.rule_type.as_str().into(),
            r.status.as_str().into(),
            r.message.replace('\n', " "),
        ]);
    }
    let mut out = format!("Applying {policies} policy(ies) to {resources} resource(s)...\n\n");
    out.push_str(&crate::table::aligned(&lines));
    for m in mutated {
        out.push_str(&format!("\nmutated resource {}:\n", resource_label(m)));
        out.push_str(&palisade_report::to_yaml(m));
    }
    for g in generated {
        out.push_str(&format!("\ngenerated resource {}:\n", resource_label(g)));
        out.push_str(&palisade_report::to_yaml(g));
    }
    let c = counts(rows);
    out.push_str(&format!(
        "\npass: {}, fail: {}, warn: {}, error: {}, skip: {}\n",
        c["pass"], c["fail"], c["warn"], c["error"], c["skip"]
    ));
    out
}
