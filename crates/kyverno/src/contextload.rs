//! Rule `context` entries as the Kyverno CLI loads them without a cluster.
//!
//! `variable` entries are queued and evaluated on first use. `configMap`, `apiCall`,
//! `imageRegistry` and `globalReference` entries are answered from provided data when the
//! caller supplies it ([`OfflineData`]); otherwise they are not loaded, exactly as `kyverno
//! test` does, so references to them must come from values files.

use crate::context::Context;
use crate::variables::{self, SubstitutionError};
use serde_json::Value;
use std::sync::Arc;

/// Data offline context entries are answered from. Shared (`Arc`): an [`Admission`] is built
/// per admission request and carries it, without copying every ConfigMap each time.
///
/// [`Admission`]: crate::engine::Admission
#[derive(Debug, Clone, Default)]
pub struct OfflineData {
    /// Resources the CLI was given as cluster state (ConfigMaps, …)
    pub cluster_resources: Arc<Vec<Value>>,
    /// Global context entries by name
    pub global_context: Arc<serde_json::Map<String, Value>>,
}

/// Queue or load the entries of a rule (or foreach) `context` list
pub fn load_entries(
    ctx: &mut Context,
    entries: &[Value],
    offline: &OfflineData,
) -> Result<(), String> {
    for entry in entries {
        let Some(name) = entry.get("name").and_then(Value::as_str) else {
            continue;
        };
        if entry.get("variable").is_some() {
            ctx.defer(name, Arc::new(entry.clone()));
        } else if let Some(cm) = entry.get("configMap") {
            if offline.cluster_resources.is_empty() {
                continue;
            }
            let cm = variables::substitute_all(ctx, cm).map_err(|e| e.to_string())?;
            let cm_name = cm.get("name").and_then(Value::as_str).unwrap_or_default();
            let cm_ns = cm
                .get("namespace")
                .and_then(Value::as_str)
                .unwrap_or("default");
            let found = offline.cluster_resources.iter().find(|r| {
                r.get("kind").and_then(Value::as_str) == Some("ConfigMap")
                    && r.pointer("/metadata/name").and_then(Value::as_str) == Some(cm_name)
                    && r.pointer("/metadata/namespace")
                        .and_then(Value::as_str)
                        .unwrap_or("default")
                        == cm_ns
            });
            match found {
                Some(r) => ctx.add_entry(name, r.clone()),
                None => {
                    return Err(format!(
                        "failed to get configmap {cm_ns}/{cm_name}: configmaps \"{cm_name}\" not found"
                    ));
                }
            }
        } else if let Some(g) = entry.get("globalReference") {
            let gname = g.get("name").and_then(Value::as_str).unwrap_or_default();
            let Some(data) = offline.global_context.get(gname) else {
                continue;
            };
            let mut value = data.clone();
            if let Some(jp) = g.get("jmesPath").and_then(Value::as_str) {
                value = crate::jmespath::search(jp, &value).map_err(|e| e.to_string())?;
            }
            ctx.add_entry(name, value);
        }
        // apiCall and imageRegistry: no cluster or registry offline, so not loaded
    }
    Ok(())
}

/// Evaluate a `variable` context entry (`value` → optional `jmesPath` → `default`)
pub fn evaluate_variable(ctx: &mut Context, entry: &Value) -> Result<Value, String> {
    let name = entry
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let var = entry.get("variable").cloned().unwrap_or(Value::Null);
    let fail = |what: &str, e: SubstitutionError| {
        format!("failed to substitute variables in context entry {name} {what}: {e}")
    };
    let mut path = String::new();
    if let Some(jp) = var.get("jmesPath").and_then(Value::as_str)
        && !jp.is_empty()
    {
        match variables::substitute_string(ctx, jp).map_err(|e| fail(jp, e))? {
            Value::String(s) => path = s,
            other => path = crate::value::go_sprint(&other),
        }
    }
    let mut default = Value::Null;
    if let Some(d) = var.get("default") {
        default = variables::substitute_all(ctx, d).map_err(|e| fail("default", e))?;
    }
    let mut output = default.clone();
    if let Some(v) = var.get("value") {
        let value = variables::substitute_all(ctx, v).map_err(|e| fail("value", e))?;
        if path.is_empty() {
            output = value;
        } else {
            match crate::jmespath::search(&path, &value) {
                Ok(r) => output = r,
                Err(e) => {
                    if default.is_null() {
                        return Err(format!(
                            "failed to apply jmespath {path} to variable {}: {e}",
                            crate::value::go_sprint(&value)
                        ));
                    }
                }
            }
        }
    } else if !path.is_empty() {
        match ctx.query(&path) {
            Ok(r) => {
                if !r.is_null() {
                    output = r;
                }
            }
            Err(e) => {
                if default.is_null() {
                    return Err(format!("failed to apply jmespath {path} to variable: {e}"));
                }
            }
        }
    }
    if output.is_null() {
        return Err(format!(
            "unable to add context entry for variable {name} since it evaluated to nil"
        ));
    }
    Ok(output)
}
