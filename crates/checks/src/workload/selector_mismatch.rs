use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Deployments, StatefulSets, DaemonSets and ReplicaSets whose `spec.selector` does not
    /// select the labels of their own pod template (`matchLabels` and `matchExpressions`), or
    /// that have no or an empty selector in `apps/v1`; ReplicationControllers whose
    /// `spec.selector` map does not match the template labels; and Jobs with
    /// `manualSelector: true` whose selector does not match.
    ///
    /// ## Why it matters
    /// The API server rejects a controller whose selector misses its own template, so the
    /// deployment fails at apply time; with an overly broad selector a controller may adopt or
    /// delete pods of other workloads.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}     # fails: template says app: website
    ///   template:
    ///     metadata:
    ///       labels: {app: website}
    /// ```
    pub static META = CheckMeta {
        id: "WKL-017",
        name: "selector-mismatch",
        title: "Controller selector does not match its pod template",
        severity: Severity::Medium,
        tags: &["workload", "correctness"],
        kinds: &[
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "ReplicaSet",
            "ReplicationController",
            "Job",
        ],
        remediation: "make `spec.selector` select exactly the labels of `spec.template.metadata.labels`",
        controls: &[nist("CM-6"), soc2("CC8.1"), pci("2.2.1")],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    let labels: Vec<(&str, &str)> = res
        .pod_template()
        .and_then(|p| p.metadata)
        .and_then(|m| m.get("labels"))
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
        .collect();
    let pointer = JsonPointer::root().key("spec").key("selector");
    let selector = res.get("spec/selector").filter(|s| !s.is_null());
    let wrapped;
    let selector = match res.kind.as_str() {
        "ReplicationController" => match selector {
            Some(map) if map.as_object().is_some_and(|m| !m.is_empty()) => {
                wrapped = serde_json::json!({ "matchLabels": map });
                &wrapped
            }
            _ => return,
        },
        "Job" => {
            if bool_at(res.get("spec/manualSelector")) != Some(true) {
                return;
            }
            match selector {
                Some(s) => s,
                None => return,
            }
        }
        _ => {
            let strict = res.group() == "apps" && res.version() == "v1";
            let empty = selector.is_none_or(|s| {
                s.get("matchLabels")
                    .and_then(Value::as_object)
                    .is_none_or(serde_json::Map::is_empty)
                    && s.get("matchExpressions")
                        .and_then(Value::as_array)
                        .is_none_or(Vec::is_empty)
            });
            if empty {
                if strict {
                    ctx.report(
                        res,
                        &pointer,
                        format!(
                            "{} `{}` has no or an empty `spec.selector`",
                            res.kind, res.name
                        ),
                    );
                }
                return;
            }
            match selector {
                Some(s) => s,
                None => return,
            }
        }
    };
    if !selector_matches(selector, labels.iter().copied()) {
        ctx.report(
            res,
            &pointer,
            format!(
                "{} `{}` selector does not match its pod template labels",
                res.kind, res.name
            ),
        );
    }
}
