//! `generate` rules offline: the resources `data`, `clone`, `cloneList` and `foreach` would
//! create, built from the rule (and, for clones, from provided resources).

use crate::context::Context;
use crate::engine::{Admission, RuleResponse, RuleStatus, RuleType};
use crate::variables;
use serde_json::{Map, Value};

fn response(
    name: &str,
    status: RuleStatus,
    message: String,
    generated: Vec<Value>,
) -> RuleResponse {
    let mut r = RuleResponse::new(name, RuleType::Generation, status, message);
    r.generated = generated;
    r
}

/// Evaluate one generate rule
pub fn generate_rule(
    rule: &Value,
    g: &Value,
    ctx: &mut Context,
    adm: &Admission<'_>,
    load_context: impl Fn(&mut Context, &Value) -> Result<(), String>,
) -> RuleResponse {
    let name = rule.get("name").and_then(Value::as_str).unwrap_or_default();
    if let Err(e) = load_context(ctx, rule) {
        return response(
            name,
            RuleStatus::Error,
            format!("failed to load context: {e}"),
            Vec::new(),
        );
    }
    match crate::conditions::check_preconditions(ctx, rule.get("preconditions")) {
        Err(e) => {
            return response(
                name,
                RuleStatus::Error,
                format!("failed to evaluate preconditions: {e}"),
                Vec::new(),
            );
        }
        Ok((false, msg)) => {
            let m = if msg.is_empty() {
                "preconditions not met".to_owned()
            } else {
                format!("preconditions not met; {msg}")
            };
            return response(name, RuleStatus::Skip, m, Vec::new());
        }
        Ok((true, _)) => {}
    }
    let policy_labels = generate_labels(rule, ctx);
    let mut generated = Vec::new();
    if let Some(Value::Array(items)) = g.get("foreach") {
        for fe in items {
            let list = fe.get("list").and_then(Value::as_str).unwrap_or_default();
            let elements = match ctx.query(list) {
                Ok(Value::Array(a)) => a,
                Ok(other) => vec![other],
                Err(e) => {
                    return response(
                        name,
                        RuleStatus::Error,
                        format!("failed to evaluate list {list}: {e}"),
                        Vec::new(),
                    );
                }
            };
            ctx.checkpoint();
            for (i, el) in elements.iter().enumerate() {
                ctx.reset();
                ctx.add_variable("element", el.clone());
                ctx.add_variable("element0", el.clone());
                ctx.add_variable("elementIndex", Value::from(i));
                ctx.add_variable("elementIndex0", Value::from(i));
                match crate::conditions::check_preconditions(ctx, fe.get("preconditions")) {
                    Ok((true, _)) => {}
                    _ => continue,
                }
                match build(fe, g, ctx, adm, &policy_labels) {
                    Ok(mut v) => generated.append(&mut v),
                    Err(e) => {
                        ctx.restore();
                        return response(name, RuleStatus::Error, e, Vec::new());
                    }
                }
            }
            ctx.restore();
        }
    } else {
        match build(g, g, ctx, adm, &policy_labels) {
            Ok(v) => generated = v,
            Err(e) => return response(name, RuleStatus::Error, e, Vec::new()),
        }
    }
    let msg = generated
        .iter()
        .map(|r| {
            format!(
                "created {} {}",
                r.get("kind").and_then(Value::as_str).unwrap_or_default(),
                r.pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    response(name, RuleStatus::Pass, msg, generated)
}

fn generate_labels(rule: &Value, ctx: &mut Context) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "app.kubernetes.io/managed-by".into(),
        Value::String("kyverno".into()),
    );
    m.insert(
        "generate.kyverno.io/rule-name".into(),
        rule.get("name").cloned().unwrap_or(Value::Null),
    );
    if let Ok(Value::String(kind)) = ctx.query("request.object.kind") {
        m.insert(
            "generate.kyverno.io/trigger-kind".into(),
            Value::String(kind),
        );
    }
    if let Ok(Value::String(n)) = ctx.query("request.object.metadata.name") {
        m.insert("generate.kyverno.io/trigger-name".into(), Value::String(n));
    }
    m
}

/// Resources for one generate spec (`spec` holds apiVersion/kind/name/namespace/data/clone)
fn build(
    spec: &Value,
    g: &Value,
    ctx: &mut Context,
    adm: &Admission<'_>,
    labels: &Map<String, Value>,
) -> Result<Vec<Value>, String> {
    let field = |k: &str| {
        spec.get(k)
            .or_else(|| g.get(k))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let mut head = Map::new();
    for k in ["apiVersion", "kind", "name", "namespace"] {
        head.insert(k.into(), field(k));
    }
    let head = variables::substitute_all(ctx, &Value::Object(head))
        .map_err(|e| format!("variable substitution failed: {e}"))?;
    let s = |k: &str| {
        head.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (api, kind, name, ns) = (s("apiVersion"), s("kind"), s("name"), s("namespace"));
    if let Some(data) = spec.get("data").filter(|d| !d.is_null()) {
        let data = variables::substitute_all(ctx, data)
            .map_err(|e| format!("variable substitution failed: {e}"))?;
        return Ok(vec![finish(data, &api, &kind, &name, &ns, labels)]);
    }
    if let Some(clone) = spec.get("clone").filter(|c| !c.is_null()) {
        let clone = variables::substitute_all(ctx, clone)
            .map_err(|e| format!("variable substitution failed: {e}"))?;
        let cname = clone
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let cns = clone
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let src = adm.cluster_resources.iter().find(|r| {
            r.get("kind").and_then(Value::as_str) == Some(kind.as_str())
                && r.pointer("/metadata/name").and_then(Value::as_str) == Some(cname)
                && r.pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    == cns
        });
        let Some(src) = src else {
            return Err(format!("source resource {kind} {cns}/{cname} not found"));
        };
        return Ok(vec![finish(
            clean_source(src),
            &api,
            &kind,
            &name,
            &ns,
            labels,
        )]);
    }
    if let Some(list) = spec.get("cloneList").filter(|c| !c.is_null()) {
        let list = variables::substitute_all(ctx, list)
            .map_err(|e| format!("variable substitution failed: {e}"))?;
        let kinds: Vec<String> = list
            .get("kinds")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|k| k.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let src_ns = list
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut out = Vec::new();
        for r in &adm.cluster_resources {
            let rk = r.get("kind").and_then(Value::as_str).unwrap_or_default();
            let rapi = r
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let kind_ok = kinds.iter().any(|k| {
                let (g, v, kk, _) = crate::matching::parse_kind_selector(k);
                let (rg, rv) = rapi.rsplit_once('/').unwrap_or(("", rapi));
                crate::wildcard::matches(&kk, rk)
                    && crate::wildcard::matches(&g, rg)
                    && crate::wildcard::matches(&v, rv)
            });
            let ns_ok = r
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("")
                == src_ns;
            let sel_ok = match list.get("selector") {
                Some(sel) if !sel.is_null() => {
                    let labels = r
                        .pointer("/metadata/labels")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    crate::matching::selector_matches(sel, &labels, true).unwrap_or(false)
                }
                _ => true,
            };
            if kind_ok && ns_ok && sel_ok {
                let rname = r
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let rapi = rapi.to_owned();
                out.push(finish(clean_source(r), &rapi, rk, rname, &ns, labels));
            }
        }
        return Ok(out);
    }
    Err("generate rule needs data, clone or cloneList".to_owned())
}

fn clean_source(src: &Value) -> Value {
    let mut v = src.clone();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "managedFields",
            "ownerReferences",
            "generation",
            "selfLink",
        ] {
            meta.shift_remove(k);
        }
    }
    if let Some(o) = v.as_object_mut() {
        o.shift_remove("status");
    }
    v
}

fn finish(
    data: Value,
    api: &str,
    kind: &str,
    name: &str,
    ns: &str,
    labels: &Map<String, Value>,
) -> Value {
    let mut obj = match data {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    obj.insert("apiVersion".into(), Value::String(api.to_owned()));
    obj.insert("kind".into(), Value::String(kind.to_owned()));
    let meta = obj
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    if let Value::Object(m) = meta {
        m.insert("name".into(), Value::String(name.to_owned()));
        if ns.is_empty() {
            m.shift_remove("namespace");
        } else {
            m.insert("namespace".into(), Value::String(ns.to_owned()));
        }
        let l = m
            .entry("labels")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(l) = l {
            for (k, v) in labels {
                l.insert(k.clone(), v.clone());
            }
        }
    }
    // keep apiVersion/kind/metadata first, like the API server
    let mut ordered = Map::new();
    for k in ["apiVersion", "kind", "metadata"] {
        if let Some(v) = obj.shift_remove(k) {
            ordered.insert(k.into(), v);
        }
    }
    for (k, v) in obj {
        ordered.insert(k, v);
    }
    Value::Object(ordered)
}
