//! `validate.podSecurity`: Pod Security Standards checks from `palisade-pss`, with Kyverno's
//! `exclude` entries (per control, optionally per container image).

use crate::engine::{RuleResponse, RuleStatus, RuleType};
use palisade_model::PodTemplate;
use palisade_pss::{Level, Version, Violation};
use serde_json::{Value, json};

/// Check IDs of a Kyverno `controlName`
fn control_checks(control: &str) -> &'static [&'static str] {
    match control {
        "HostProcess" => &["windowsHostProcess"],
        "Host Namespaces" => &["hostNamespaces"],
        "Privileged Containers" => &["privileged"],
        "Capabilities" => &["capabilities_baseline", "capabilities_restricted"],
        "HostPath Volumes" => &["hostPathVolumes"],
        "Host Ports" => &["hostPorts"],
        "AppArmor" => &["appArmorProfile"],
        "SELinux" => &["seLinuxOptions"],
        "/proc Mount Type" => &["procMount", "procMount_restricted"],
        "Seccomp" => &["seccompProfile_baseline", "seccompProfile_restricted"],
        "Sysctls" => &["sysctls"],
        "Volume Types" => &["restrictedVolumes"],
        "Privilege Escalation" => &["allowPrivilegeEscalation"],
        "Running as Non-root" => &["runAsNonRoot"],
        "Running as Non-root user" => &["runAsUser"],
        "Host Probes / Lifecycle Hooks" => &["hostProbesAndHostLifecycle"],
        _ => &[],
    }
}

fn response(name: &str, status: RuleStatus, message: String) -> RuleResponse {
    RuleResponse::new(name, RuleType::Validation, status, message)
}

fn evaluate(
    kind: &str,
    resource: &Value,
    level: Level,
    version: Version,
) -> Option<Vec<Violation>> {
    let t = PodTemplate::of(kind, resource)?;
    Some(palisade_pss::evaluate(&t, level, version))
}

/// The pod spec of a resource, as a `Pod`
fn as_pod(kind: &str, resource: &Value) -> Option<Value> {
    let t = PodTemplate::of(kind, resource)?;
    Some(
        json!({"kind": "Pod", "metadata": t.metadata.cloned().unwrap_or(Value::Null), "spec": t.spec.clone()}),
    )
}

/// Evaluate a `podSecurity` subrule
pub fn validate(rule: &str, ps: &Value, resource: &Value) -> RuleResponse {
    let kind = resource
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let level_s = ps
        .get("level")
        .and_then(Value::as_str)
        .unwrap_or("baseline");
    let version_s = ps
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or("latest");
    let Ok(level) = level_s.parse::<Level>() else {
        return response(
            rule,
            RuleStatus::Error,
            format!("failed to parse pod security level {level_s:?}"),
        );
    };
    let version = if version_s.is_empty() {
        Ok(Version::Latest)
    } else {
        version_s.parse::<Version>()
    };
    let Ok(version) = version else {
        return response(
            rule,
            RuleStatus::Error,
            format!("failed to parse pod security api version {version_s:?}"),
        );
    };
    let Some(pod) = as_pod(kind, resource) else {
        return response(
            rule,
            RuleStatus::Error,
            format!("Error while getting new resource: kind {kind} has no pod spec"),
        );
    };
    let Some(mut violations) = evaluate("Pod", &pod, level, version) else {
        return response(
            rule,
            RuleStatus::Error,
            "Error while getting new resource".to_owned(),
        );
    };
    for ex in ps
        .get("exclude")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let control = ex
            .get("controlName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let ids = control_checks(control);
        let images: Vec<&str> = ex
            .get("images")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let subset = if images.is_empty() {
            let mut p = pod.clone();
            if let Some(spec) = p.get_mut("spec").and_then(Value::as_object_mut) {
                spec.insert("containers".into(), json!([{"name": "fake"}]));
                spec.shift_remove("initContainers");
                spec.shift_remove("ephemeralContainers");
            }
            p
        } else {
            let mut spec = serde_json::Map::new();
            for field in ["containers", "initContainers", "ephemeralContainers"] {
                let list: Vec<Value> = pod
                    .pointer(&format!("/spec/{field}"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|c| {
                        let img = c.get("image").and_then(Value::as_str).unwrap_or_default();
                        images.iter().any(|p| crate::wildcard::matches(p, img))
                    })
                    .cloned()
                    .collect();
                if !list.is_empty() {
                    spec.insert(field.into(), Value::Array(list));
                }
            }
            json!({"kind": "Pod", "spec": Value::Object(spec)})
        };
        let excluded = evaluate("Pod", &subset, level, version).unwrap_or_default();
        // the control is exempt when the excluded part alone violates it too
        let exempt = excluded.iter().any(|e| ids.contains(&e.check_id));
        violations.retain(|v| !(exempt && ids.contains(&v.check_id)));
    }
    if violations.is_empty() {
        return response(
            rule,
            RuleStatus::Pass,
            format!("Validation rule '{rule}' passed."),
        );
    }
    let checks: Vec<String> = violations
        .iter()
        .map(|v| format!("\n({} : {})", v.reason, v.detail))
        .collect();
    response(
        rule,
        RuleStatus::Fail,
        format!(
            "Validation rule '{rule}' failed. It violates PodSecurity \"{level_s}:{version_s}\": {}",
            checks.join("")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn excludes_by_control() {
        let pod = json!({"kind": "Pod", "metadata": {"name": "p"}, "spec": {
            "securityContext": {"seccompProfile": {"type": "Unconfined"}},
            "containers": [{"name": "c", "image": "busybox", "securityContext": {
                "allowPrivilegeEscalation": false, "runAsNonRoot": true, "capabilities": {"drop": ["ALL"]}}}]}});
        let ps = json!({"level": "restricted", "version": "latest", "exclude": [
            {"controlName": "Seccomp"}, {"controlName": "Seccomp", "images": ["*"]}]});
        let r = validate("r", &ps, &pod);
        assert_eq!(r.status, RuleStatus::Pass, "{}", r.message);
        let ps = json!({"level": "restricted", "version": "latest"});
        assert_eq!(validate("r", &ps, &pod).status, RuleStatus::Fail);
    }
}
