//! Cross-check against real upstream cases: the CEL (`K8sNativeValidation`) code of every
//! Gatekeeper library template in `../shared/conformance/gatekeeper` (skipped when absent),
//! run through this CEL layer with the k8scel driver's conventions, against the template's
//! gator suite (`violations: yes|no|N`, `message` regex).
//!
//! Conventions (gatekeeper `pkg/drivers/k8scel`): `params` is the whole constraint,
//! `variables.params` its `spec.parameters` (or null), `variables.anyObject` the old object on
//! DELETE; gator's plain-object request has `operation: ""`; failurePolicy Fail makes errors
//! violations. Constraint matching: `kinds`, `namespaces`, `excludedNamespaces`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use palisade_cel::{Activation, CelEnv, Declarations, Limits, Program, Variable};
use palisade_source::{LoadLimits, SourceFile, load_str};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn load(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let file = SourceFile::new(path.to_string_lossy(), text);
    load_str(&file, &LoadLimits::default())
        .0
        .into_iter()
        .map(|d| d.value)
        .collect()
}

struct CelTemplate {
    vars: Vec<Variable>,
    conditions: Vec<Program>,
    validations: Vec<(Program, String, Option<Program>, Option<String>)>,
}

fn compile(env: &CelEnv, source: &Value, errors: &mut Vec<String>, what: &str) -> CelTemplate {
    let mut decls = Declarations {
        roots: [
            "object",
            "oldObject",
            "request",
            "params",
            "namespaceObject",
            "authorizer",
        ]
        .map(String::from)
        .to_vec(),
        variables: Vec::new(),
        typed_request: true,
    };
    let mut vars = Vec::new();
    let mut add = |name: &str, src: &str, decls: &mut Declarations, vars: &mut Vec<Variable>| {
        match env.compile(src, decls) {
            Ok(program) => vars.push(Variable {
                name: name.to_owned(),
                program,
            }),
            Err(e) => errors.push(format!("{what}: variable {name}: {e}")),
        }
        decls.variables.push(name.to_owned());
    };
    add(
        "anyObject",
        "has(request.operation) && request.operation == \"DELETE\" && object == null ? oldObject : object",
        &mut decls,
        &mut vars,
    );
    add(
        "params",
        "!has(params.spec) ? null : !has(params.spec.parameters) ? null : params.spec.parameters",
        &mut decls,
        &mut vars,
    );
    for v in source
        .get("variables")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = v["name"].as_str().unwrap_or_default();
        add(
            name,
            v["expression"].as_str().unwrap_or_default(),
            &mut decls,
            &mut vars,
        );
    }
    let mut compile_one = |src: &str| match env.compile(src, &decls) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.push(format!("{what}: `{src}`: {e}"));
            None
        }
    };
    let conditions = source
        .get("matchCondition")
        .or_else(|| source.get("matchConditions"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| compile_one(c["expression"].as_str().unwrap_or_default()))
        .collect();
    let mut validations = Vec::new();
    for v in source
        .get("validations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let expr = v["expression"].as_str().unwrap_or_default().to_owned();
        let Some(p) = compile_one(&expr) else {
            continue;
        };
        let me = v
            .get("messageExpression")
            .and_then(Value::as_str)
            .and_then(&mut compile_one);
        let msg = v.get("message").and_then(Value::as_str).map(str::to_owned);
        validations.push((p, expr, me, msg));
    }
    CelTemplate {
        vars,
        conditions,
        validations,
    }
}

fn wildcard(pattern: &str, s: &str) -> bool {
    match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
        (Some(rest), _) if rest.ends_with('*') => s.contains(rest.trim_end_matches('*')),
        (Some(suffix), _) => s.ends_with(suffix),
        (None, Some(prefix)) => s.starts_with(prefix),
        _ => pattern == s,
    }
}

fn matches(constraint: &Value, object: &Value) -> bool {
    let m = &constraint["spec"]["match"];
    let api = object["apiVersion"].as_str().unwrap_or_default();
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    let kind = object["kind"].as_str().unwrap_or_default();
    let any = |list: &Value, v: &str| {
        list.as_array()
            .is_none_or(|a| a.is_empty() || a.iter().any(|x| x == "*" || x == v))
    };
    let kinds_ok = m["kinds"].as_array().is_none_or(|ks| {
        ks.is_empty()
            || ks
                .iter()
                .any(|k| any(&k["apiGroups"], group) && any(&k["kinds"], kind))
    });
    let ns = object["metadata"]["namespace"].as_str().unwrap_or_default();
    let ns_ok = ns.is_empty()
        || m["namespaces"]
            .as_array()
            .is_none_or(|l| l.iter().any(|p| wildcard(p.as_str().unwrap_or(""), ns)));
    let excluded = !ns.is_empty()
        && m["excludedNamespaces"]
            .as_array()
            .is_some_and(|l| l.iter().any(|p| wildcard(p.as_str().unwrap_or(""), ns)));
    kinds_ok && ns_ok && !excluded
}

/// The violations' messages of one review
fn review(env: &CelEnv, t: &CelTemplate, constraint: &Value, doc: &Value) -> Vec<String> {
    let (object, old, operation, user) = if doc["kind"] == "AdmissionReview" {
        let r = &doc["request"];
        (
            r.get("object").filter(|v| !v.is_null()).cloned(),
            r.get("oldObject").filter(|v| !v.is_null()).cloned(),
            r["operation"].as_str().unwrap_or_default().to_owned(),
            r.get("userInfo").cloned().unwrap_or_else(|| json!({})),
        )
    } else {
        (Some(doc.clone()), None, String::new(), json!({}))
    };
    let subject = object
        .as_ref()
        .or(old.as_ref())
        .cloned()
        .unwrap_or(Value::Null);
    if !matches(constraint, &subject) {
        return Vec::new();
    }
    let api = subject["apiVersion"].as_str().unwrap_or_default();
    let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
    let request = json!({
        "uid": "", "kind": {"group": group, "version": version, "kind": subject["kind"]},
        "resource": {"group": "", "version": "", "resource": ""}, "subResource": "",
        "requestKind": null, "requestResource": null, "requestSubResource": "",
        "name": subject["metadata"]["name"], "namespace": subject["metadata"]["namespace"],
        "operation": operation, "userInfo": user, "dryRun": false, "options": null,
    });
    let object = if operation == "DELETE" { None } else { object };
    let mut act = Activation::new(env, Limits::default(), 10_000_000);
    act.bind_json("object", object.as_ref());
    act.bind_json("oldObject", old.as_ref());
    act.bind_json("request", Some(&request));
    act.bind_json("params", Some(constraint));
    act.bind_json("namespaceObject", None);
    act.set_variables(&t.vars);
    for c in &t.conditions {
        if act.eval_bool(c) == Ok(false) {
            return Vec::new();
        }
    }
    let mut out = Vec::new();
    for (p, expr, me, msg) in &t.validations {
        match act.eval_bool(p) {
            Ok(true) => {}
            Ok(false) => {
                let from_expr = me
                    .as_ref()
                    .and_then(|m| act.eval_string(m).ok().flatten())
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty() && !s.contains('\n'));
                out.push(
                    from_expr
                        .or_else(|| msg.clone())
                        .unwrap_or_else(|| format!("failed expression: {expr}")),
                );
            }
            Err(e) => out.push(format!(
                "expression '{expr}' resulted in error: {}",
                e.message
            )),
        }
    }
    out
}

#[test]
fn gatekeeper_library_cel_suites() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/gatekeeper/library");
    if !root.is_dir() {
        eprintln!(
            "gatekeeper library not found at {}, skipped",
            root.display()
        );
        return;
    }
    let env = CelEnv::kubernetes().unwrap();
    let mut suites: Vec<PathBuf> = walkdir::WalkDir::new(&root)
        .into_iter()
        .flatten()
        .map(|e| e.path().to_path_buf())
        .filter(|p| p.file_name().is_some_and(|n| n == "suite.yaml"))
        .collect();
    suites.sort();
    let (mut templates, mut cases, mut assertions) = (0, 0, 0);
    let mut failures = Vec::new();
    let mut compile_errors = Vec::new();
    for suite_path in suites {
        let dir = suite_path.parent().unwrap();
        let Some(suite) = load(&suite_path).into_iter().next() else {
            continue;
        };
        let mut compiled: Option<(PathBuf, CelTemplate)> = None;
        for test in suite["tests"].as_array().into_iter().flatten() {
            let tpath = dir.join(test["template"].as_str().unwrap_or_default());
            let Some(template) = load(&tpath).into_iter().next() else {
                continue;
            };
            let Some(source) = template["spec"]["targets"][0]["code"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["engine"] == "K8sNativeValidation")
                .map(|c| c["source"].clone())
            else {
                continue;
            };
            if compiled.as_ref().is_none_or(|(p, _)| *p != tpath) {
                templates += 1;
                let what = tpath
                    .strip_prefix(&root)
                    .unwrap_or(&tpath)
                    .display()
                    .to_string();
                compiled = Some((
                    tpath.clone(),
                    compile(&env, &source, &mut compile_errors, &what),
                ));
            }
            let Some((_, t)) = compiled.as_ref() else {
                continue;
            };
            let Some(constraint) = load(&dir.join(test["constraint"].as_str().unwrap_or_default()))
                .into_iter()
                .next()
            else {
                continue;
            };
            for case in test["cases"].as_array().into_iter().flatten() {
                if case["skip"] == true {
                    continue;
                }
                cases += 1;
                let Some(object) = load(&dir.join(case["object"].as_str().unwrap_or_default()))
                    .into_iter()
                    .next()
                else {
                    continue;
                };
                let got = review(&env, t, &constraint, &object);
                for a in case["assertions"].as_array().into_iter().flatten() {
                    assertions += 1;
                    let re = a["message"].as_str().map(|m| regex::Regex::new(m).unwrap());
                    let n = got
                        .iter()
                        .filter(|m| re.as_ref().is_none_or(|r| r.is_match(m)))
                        .count();
                    let ok = match &a["violations"] {
                        Value::Null => n >= 1,
                        Value::String(s) if s == "yes" => n >= 1,
                        Value::String(s) if s == "no" => n == 0,
                        Value::Number(k) => Some(n as u64) == k.as_u64(),
                        other => panic!("bad assertion {other}"),
                    };
                    if !ok {
                        failures.push(format!(
                            "{} / {} / {}: expected violations {} (message {:?}), got {got:?}",
                            dir.strip_prefix(&root).unwrap_or(dir).display(),
                            test["name"].as_str().unwrap_or_default(),
                            case["name"].as_str().unwrap_or_default(),
                            a["violations"],
                            a["message"]
                        ));
                    }
                }
            }
        }
    }
    eprintln!(
        "gatekeeper library CEL: {templates} templates, {cases} cases, {assertions} assertions, {} failed, {} compile errors",
        failures.len(),
        compile_errors.len()
    );
    assert!(templates > 0, "no CEL templates found");
    assert!(compile_errors.is_empty(), "{}", compile_errors.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
