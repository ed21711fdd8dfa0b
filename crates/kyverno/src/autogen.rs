//! Autogen: Pod rules applied to pod controllers (`pkg/autogen/v1`).
//!
//! For a controller resource, each rule matching `Pod` yields `autogen-<name>` (patterns
//! wrapped in `spec.template`) or `autogen-cronjob-<name>` (wrapped again in
//! `spec.jobTemplate`), with `request.object.spec|metadata` rewritten textually in the rule.

use serde_json::{Map, Value, json};

/// Controllers autogen supports
pub const POD_CONTROLLERS: &[&str] = &[
    "DaemonSet",
    "Deployment",
    "Job",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
    "CronJob",
];

/// The annotation selecting controllers
pub const ANNOTATION: &str = "pod-policies.kyverno.io/autogen-controllers";

fn gvk(kind: &str) -> String {
    match kind {
        "DaemonSet" | "Deployment" | "StatefulSet" | "ReplicaSet" => format!("apps/v1/{kind}"),
        "Job" | "CronJob" => format!("batch/v1/{kind}"),
        "ReplicationController" | "Pod" => format!("v1/{kind}"),
        other => other.to_owned(),
    }
}

fn kinds_of(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// `ContainsKind`: a kind list mentions `kind` (ignoring group/version/subresource)
pub fn contains_kind(kinds: &[String], kind: &str) -> bool {
    kinds.iter().any(|k| {
        let (_, _, kk, _) = crate::matching::parse_kind_selector(k);
        kk == kind
    })
}

fn descriptions(block: Option<&Value>) -> Vec<Value> {
    let Some(b) = block.filter(|b| !b.is_null()) else {
        return Vec::new();
    };
    let mut out = vec![b.get("resources").cloned().unwrap_or(Value::Null)];
    for key in ["any", "all"] {
        if let Some(Value::Array(list)) = b.get(key) {
            for f in list {
                out.push(f.get("resources").cloned().unwrap_or(Value::Null));
            }
        }
    }
    out
}

/// `CanAutoGen`: whether autogen applies to the policy's rules
pub fn can_autogen(rules: &[Value]) -> bool {
    let mut needed = false;
    for rule in rules {
        if rule.get("generate").is_some_and(|g| !g.is_null()) {
            return false;
        }
        if let Some(m) = rule.get("mutate") {
            if m.get("patchesJson6902")
                .is_some_and(|p| p.as_str() != Some(""))
            {
                return false;
            }
            if let Some(Value::Array(fe)) = m.get("foreach")
                && fe.iter().any(|f| {
                    f.get("patchesJson6902")
                        .is_some_and(|p| p.as_str() != Some(""))
                })
            {
                return false;
            }
        }
        for d in descriptions(rule.get("match"))
            .into_iter()
            .chain(descriptions(rule.get("exclude")))
        {
            let kinds = kinds_of(d.get("kinds"));
            let has = |k: &str| d.get(k).is_some_and(|v| !v.is_null());
            if d.get("name")
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty())
                || d.get("names")
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty())
                || has("selector")
                || has("annotations")
                || (kinds.len() > 1 && contains_kind(&kinds, "Pod"))
            {
                return false;
            }
            if kinds
                .iter()
                .any(|k| k == "Pod" || POD_CONTROLLERS.contains(&k.as_str()))
            {
                needed = true;
            }
        }
    }
    needed
}

/// The rules to evaluate for a resource of `kind` (`ComputeRules`)
pub fn compute_rules(
    rules: &[Value],
    annotations: Option<&Map<String, Value>>,
    kind: &str,
) -> Vec<Value> {
    let apply = can_autogen(rules);
    let actual: Vec<String> = match annotations
        .and_then(|a| a.get(ANNOTATION))
        .and_then(Value::as_str)
    {
        Some(s) if apply => s.split(',').map(str::to_owned).collect(),
        _ => {
            if apply {
                POD_CONTROLLERS.iter().map(|s| (*s).to_owned()).collect()
            } else {
                vec!["none".to_owned()]
            }
        }
    };
    if !actual.iter().any(|c| c == kind) {
        return rules.to_vec();
    }
    let mut generated = Vec::new();
    for rule in rules {
        let stripped = if kind == "CronJob" { "" } else { kind };
        if let Some(r) = generate_for_controllers(rule, stripped) {
            generated.push(convert(&create_rule(&r), false));
        }
        if let Some(r) = generate_cronjob(rule, kind) {
            generated.push(convert(&create_rule(&r), true));
        }
    }
    if generated.is_empty() {
        return rules.to_vec();
    }
    let mut out: Vec<Value> = rules
        .iter()
        .filter(|r| {
            !r.get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .starts_with("autogen-")
        })
        .cloned()
        .collect();
    out.extend(generated);
    out
}

fn autogen_name(prefix: &str, name: &str) -> String {
    let mut n = format!("{prefix}-{name}");
    if n.len() > 63 {
        let mut end = 63;
        while !n.is_char_boundary(end) {
            end -= 1;
        }
        n.truncate(end);
    }
    n
}

fn rule_name(rule: &Value) -> &str {
    rule.get("name").and_then(Value::as_str).unwrap_or_default()
}

fn block_kinds(block: Option<&Value>) -> Vec<String> {
    // `GetKinds`: kinds of the plain block plus any/all filters
    let mut out = Vec::new();
    if let Some(b) = block {
        out.extend(kinds_of(b.pointer("/resources/kinds")));
        for key in ["any", "all"] {
            if let Some(Value::Array(list)) = b.get(key) {
                for f in list {
                    out.extend(kinds_of(f.pointer("/resources/kinds")));
                }
            }
        }
    }
    out
}

fn generate_for_controllers(rule: &Value, controllers: &str) -> Option<Value> {
    let name = rule_name(rule);
    if name.starts_with("autogen-") || controllers.is_empty() {
        return None;
    }
    let match_kinds = block_kinds(rule.get("match"));
    let exclude_kinds = block_kinds(rule.get("exclude"));
    if !contains_kind(&match_kinds, "Pod")
        || (!exclude_kinds.is_empty() && !contains_kind(&exclude_kinds, "Pod"))
    {
        return None;
    }
    let supported = [
        "DaemonSet",
        "Deployment",
        "Job",
        "StatefulSet",
        "ReplicaSet",
        "ReplicationController",
    ];
    let mut list: Vec<String> = if controllers == "all" {
        supported.iter().map(|s| (*s).to_owned()).collect()
    } else {
        let validated: Vec<String> = controllers
            .split(',')
            .filter(|c| supported.contains(c))
            .map(str::to_owned)
            .collect();
        if validated.is_empty() {
            controllers.split(',').map(str::to_owned).collect()
        } else {
            validated
        }
    };
    list.sort();
    generate_rule(
        &autogen_name("autogen", name),
        rule,
        "template",
        &list,
        |filters, kinds| {
            filters
                .iter()
                .map(|f| {
                    let mut f = f.clone();
                    let ks = kinds_of(f.pointer("/resources/kinds"));
                    if contains_kind(&ks, "Pod")
                        && let Some(r) = f.get_mut("resources").and_then(Value::as_object_mut)
                    {
                        r.insert("kinds".into(), kinds_value(kinds));
                    }
                    f
                })
                .collect()
        },
    )
}

fn generate_cronjob(rule: &Value, controllers: &str) -> Option<Value> {
    if !(controllers.contains("CronJob") || controllers.contains("all")) {
        return None;
    }
    let base = generate_for_controllers(rule, controllers)?;
    generate_rule(
        &autogen_name("autogen-cronjob", rule_name(rule)),
        &base,
        "jobTemplate",
        &["CronJob".to_owned()],
        |filters, kinds| {
            filters
                .iter()
                .map(|f| {
                    let mut f = f.clone();
                    if let Some(obj) = f.as_object_mut() {
                        let r = obj
                            .entry("resources")
                            .or_insert_with(|| Value::Object(Map::new()));
                        if let Some(r) = r.as_object_mut() {
                            r.insert("kinds".into(), kinds_value(kinds));
                        }
                    }
                    f
                })
                .collect()
        },
    )
}

fn kinds_value(kinds: &[String]) -> Value {
    Value::Array(kinds.iter().map(|k| Value::String(gvk(k))).collect())
}

fn wrap(tpl: &str, v: &Value) -> Value {
    json!({"spec": {tpl: v}})
}

fn generate_rule(
    name: &str,
    rule: &Value,
    tpl: &str,
    kinds: &[String],
    grf: impl Fn(&[Value], &[String]) -> Vec<Value>,
) -> Option<Value> {
    let mut rule = rule.as_object()?.clone();
    rule.insert("name".into(), Value::String(name.to_owned()));
    // match
    let mut m = rule
        .get("match")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let nonempty = |m: &Map<String, Value>, k: &str| {
        m.get(k)
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .cloned()
    };
    if let Some(any) = nonempty(&m, "any") {
        m.insert("any".into(), Value::Array(grf(&any, kinds)));
    } else if let Some(all) = nonempty(&m, "all") {
        m.insert("all".into(), Value::Array(grf(&all, kinds)));
    } else {
        let r = m
            .entry("resources")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(r) = r.as_object_mut() {
            r.insert("kinds".into(), kinds_value(kinds));
        }
    }
    rule.insert("match".into(), Value::Object(m));
    if let Some(Value::Object(x)) = rule.get("exclude").cloned() {
        let mut x = x;
        if let Some(any) = nonempty(&x, "any") {
            x.insert("any".into(), Value::Array(grf(&any, kinds)));
        } else if let Some(all) = nonempty(&x, "all") {
            x.insert("all".into(), Value::Array(grf(&all, kinds)));
        } else if let Some(Value::Object(r)) = x.get_mut("resources")
            && r.get("kinds")
                .and_then(Value::as_array)
                .is_some_and(|k| !k.is_empty())
        {
            r.insert("kinds".into(), kinds_value(kinds));
        }
        rule.insert("exclude".into(), Value::Object(x));
    }
    // mutate
    if let Some(Value::Object(mutate)) = rule.get("mutate").cloned() {
        if let Some(psm) = mutate.get("patchStrategicMerge").filter(|p| !p.is_null()) {
            rule.insert(
                "mutate".into(),
                json!({"patchStrategicMerge": wrap(tpl, psm)}),
            );
            return Some(Value::Object(rule));
        }
        if let Some(Value::Array(fe)) = mutate.get("foreach")
            && !fe.is_empty()
        {
            let list: Vec<Value> = fe
                .iter()
                .map(|f| {
                    let mut t = Map::new();
                    for k in ["list", "context", "preconditions"] {
                        if let Some(v) = f.get(k) {
                            t.insert(k.into(), v.clone());
                        }
                    }
                    t.insert(
                        "patchStrategicMerge".into(),
                        wrap(tpl, f.get("patchStrategicMerge").unwrap_or(&Value::Null)),
                    );
                    Value::Object(t)
                })
                .collect();
            rule.insert("mutate".into(), json!({"foreach": list}));
            return Some(Value::Object(rule));
        }
    }
    // validate
    if let Some(Value::Object(val)) = rule.get("validate").cloned() {
        let mut base = Map::new();
        let shift = |kind: &str| {
            val.get("message")
                .and_then(Value::as_str)
                .map(|m| shift_references(m, &format!("spec/{tpl}"), kind))
        };
        let keep = |base: &mut Map<String, Value>| {
            for k in [
                "failureAction",
                "failureActionOverrides",
                "allowExistingViolations",
            ] {
                if let Some(v) = val.get(k) {
                    base.insert(k.into(), v.clone());
                }
            }
        };
        if let Some(p) = val.get("pattern").filter(|p| !p.is_null()) {
            if let Some(m) = shift("pattern") {
                base.insert("message".into(), Value::String(m));
            }
            keep(&mut base);
            base.insert("pattern".into(), wrap(tpl, p));
            rule.insert("validate".into(), Value::Object(base));
            return Some(Value::Object(rule));
        }
        if let Some(d) = val.get("deny").filter(|p| !p.is_null()) {
            if let Some(m) = shift("deny") {
                base.insert("message".into(), Value::String(m));
            }
            base.insert("deny".into(), d.clone());
            keep(&mut base);
            rule.insert("validate".into(), Value::Object(base));
            return Some(Value::Object(rule));
        }
        if let Some(ps) = val.get("podSecurity").filter(|p| !p.is_null()) {
            if let Some(m) = shift("podSecurity") {
                base.insert("message".into(), Value::String(m));
            }
            base.insert("podSecurity".into(), ps.clone());
            keep(&mut base);
            rule.insert("validate".into(), Value::Object(base));
            return Some(Value::Object(rule));
        }
        if let Some(Value::Array(ap)) = val.get("anyPattern") {
            if let Some(m) = shift("anyPattern") {
                base.insert("message".into(), Value::String(m));
            }
            keep(&mut base);
            base.insert(
                "anyPattern".into(),
                Value::Array(ap.iter().map(|p| wrap(tpl, p)).collect()),
            );
            rule.insert("validate".into(), Value::Object(base));
            return Some(Value::Object(rule));
        }
        if let Some(Value::Array(fe)) = val.get("foreach")
            && !fe.is_empty()
        {
            if let Some(m) = shift("pattern") {
                base.insert("message".into(), Value::String(m));
            }
            base.insert("foreach".into(), Value::Array(fe.clone()));
            keep(&mut base);
            rule.insert("validate".into(), Value::Object(base));
            return Some(Value::Object(rule));
        }
        if val.get("cel").is_some_and(|c| !c.is_null()) {
            return Some(Value::Object(rule));
        }
        if let Some(assert) = val.get("assert").filter(|a| !a.is_null()) {
            let mut a = assert.clone();
            if let Some(obj) = a.as_object_mut() {
                for n in ["object", "oldObject"] {
                    if let Some(o) = obj.get(n).cloned().filter(Value::is_object) {
                        obj.insert(n.into(), wrap(tpl, &o));
                    }
                }
            }
            let mut v = val.clone();
            v.insert("assert".into(), a);
            rule.insert("validate".into(), Value::Object(v));
            return Some(Value::Object(rule));
        }
    }
    if rule.get("verifyImages").is_some_and(|v| !v.is_null()) {
        return Some(Value::Object(rule));
    }
    None
}

/// `FindAndShiftReferences`: `$(./…)` references in messages move under the template
fn shift_references(msg: &str, shift: &str, pivot: &str) -> String {
    let mut out = msg.to_owned();
    let mut search = 0;
    while let Some(start) = out[search..].find("$(") {
        let s = search + start;
        let end = out[s..].find(')').map_or(out.len(), |e| s + e + 1);
        let reference = out[s..end].to_owned();
        let mut pv = pivot.to_owned();
        if let Some(idx) = reference.find(pivot) {
            if pivot == "anyPattern" {
                let rest = &reference[idx + pivot.len()..];
                let rule_index = rest.trim_start_matches('/').split('/').next().unwrap_or("");
                pv = format!("{pivot}/{rule_index}");
            }
            let shifted = reference.replacen(&pv, &format!("{pv}/{shift}"), 1);
            out.replace_range(s..end, &shifted);
            search = s + shifted.len();
        } else {
            search = end;
        }
    }
    out
}

/// `createRule`: keep only the fields an autogen rule carries
fn create_rule(rule: &Value) -> Value {
    let mut out = Map::new();
    for k in [
        "name",
        "match",
        "exclude",
        "celPreconditions",
        "context",
        "preconditions",
        "mutate",
        "validate",
        "verifyImages",
        "skipBackgroundRequests",
        "reportProperties",
    ] {
        if let Some(v) = rule.get(k)
            && !v.is_null()
        {
            out.insert(k.into(), v.clone());
        }
    }
    Value::Object(out)
}

/// Textual rewrite of `request.object.spec` etc. (`updateFields`)
fn convert(rule: &Value, cronjob: bool) -> Value {
    let cel = rule.pointer("/validate/cel").is_some_and(|c| !c.is_null());
    let mut text = rule.to_string();
    let (spec, meta) = if cronjob {
        (
            "spec.jobTemplate.spec.template.spec",
            "spec.jobTemplate.spec.template.metadata",
        )
    } else {
        ("spec.template.spec", "spec.template.metadata")
    };
    let prefixes: &[&str] = if cel {
        &["object", "oldObject"]
    } else {
        &["request.object", "request.oldObject"]
    };
    for p in prefixes {
        text = text.replace(&format!("{p}.spec"), &format!("{p}.{spec}"));
    }
    for p in prefixes {
        text = text.replace(&format!("{p}.metadata"), &format!("{p}.{meta}"));
    }
    serde_json::from_str(&text).unwrap_or_else(|_| rule.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod_rule() -> Value {
        json!({"name": "check", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
            "validate": {"message": "{{request.object.metadata.name}} bad", "pattern": {"spec": {"containers": [{"image": "!*:latest"}]}}}})
    }

    #[test]
    fn generates_controller_rules() {
        let rules = vec![pod_rule()];
        assert_eq!(compute_rules(&rules, None, "Pod").len(), 1);
        let d = compute_rules(&rules, None, "Deployment");
        assert_eq!(d.len(), 2);
        assert_eq!(d[1]["name"], "autogen-check");
        assert_eq!(
            d[1]["match"]["any"][0]["resources"]["kinds"],
            json!(["apps/v1/Deployment"])
        );
        assert_eq!(
            d[1]["validate"]["pattern"],
            json!({"spec": {"template": {"spec": {"containers": [{"image": "!*:latest"}]}}}})
        );
        assert_eq!(
            d[1]["validate"]["message"],
            "{{request.object.spec.template.metadata.name}} bad"
        );
        let c = compute_rules(&rules, None, "CronJob");
        assert_eq!(c.len(), 2);
        assert_eq!(c[1]["name"], "autogen-cronjob-check");
        assert_eq!(
            c[1]["match"]["any"][0]["resources"]["kinds"],
            json!(["batch/v1/CronJob"])
        );
        assert_eq!(
            c[1]["validate"]["pattern"]["spec"]["jobTemplate"]["spec"]["template"]["spec"],
            json!({"containers": [{"image": "!*:latest"}]})
        );
        assert_eq!(
            c[1]["validate"]["message"],
            "{{request.object.spec.jobTemplate.spec.template.metadata.name}} bad"
        );
    }

    #[test]
    fn annotation_and_unsupported() {
        let rules = vec![pod_rule()];
        let mut ann = Map::new();
        ann.insert(ANNOTATION.into(), json!("none"));
        assert_eq!(compute_rules(&rules, Some(&ann), "Deployment").len(), 1);
        ann.insert(ANNOTATION.into(), json!("Deployment,StatefulSet"));
        assert_eq!(compute_rules(&rules, Some(&ann), "Deployment").len(), 2);
        assert_eq!(compute_rules(&rules, Some(&ann), "Job").len(), 1);
        let named = vec![
            json!({"name": "x", "match": {"any": [{"resources": {"kinds": ["Pod"], "names": ["a"]}}]},
            "validate": {"pattern": {"spec": {}}}}),
        ];
        assert!(!can_autogen(&named));
        let mixed = vec![
            json!({"name": "x", "match": {"any": [{"resources": {"kinds": ["Pod", "Deployment"]}}]},
            "validate": {"pattern": {"spec": {}}}}),
        ];
        assert!(!can_autogen(&mixed));
        let long = "a".repeat(70);
        assert_eq!(autogen_name("autogen", &long).len(), 63);
    }
}
