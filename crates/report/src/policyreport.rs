//! Kyverno-compatible `wgpolicyk8s.io/v1alpha2` reports: one `PolicyReport` per namespace and
//! one `ClusterPolicyReport` for cluster-scoped resources, as a multi-document YAML stream.
//!
//! A namespaced resource written without `metadata.namespace` lands in `default`, where
//! `kubectl apply` would put it without `-n`. Only results with findings are listed (`fail`, or
//! `skip` when suppressed): the scan does not record which rules passed on which resource, so
//! `summary.pass` stays 0.
//!
//! A document's summary comes before its results, so the documents are laid out once every
//! finding is known. A streamed scan keeps each finding as the YAML of its result, rendered on
//! the worker ([`held`]), rather than the finding.

use crate::stream::Held;
use crate::yaml::{to_yaml, write_item};
use palisade_engine::Finding;
use palisade_model::ResourceRef;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::io::{self, Write};

const API_VERSION: &str = "wgpolicyk8s.io/v1alpha2";
const DEFAULT_NAMESPACE: &str = "default";

/// Built-in cluster-scoped kinds (any kind starting with `Cluster` is taken as cluster-scoped too)
const CLUSTER_SCOPED_KINDS: &[&str] = &[
    "APIService",
    "CSIDriver",
    "CSINode",
    "CertificateSigningRequest",
    "ComponentStatus",
    "CustomResourceDefinition",
    "FlowSchema",
    "IngressClass",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

fn is_cluster_scoped(kind: &str) -> bool {
    kind.starts_with("Cluster") || CLUSTER_SCOPED_KINDS.contains(&kind)
}

/// The namespace whose report a resource's findings go in (`None`: the cluster report)
fn report_namespace(r: &ResourceRef) -> Option<&str> {
    if is_cluster_scoped(&r.kind) {
        return None;
    }
    Some(r.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE))
}

/// A finding as the YAML of its result, an item of its report's `results`
pub(crate) fn held(f: &Finding) -> Held {
    let mut text = String::new();
    write_item(&mut text, &result(f, report_namespace(&f.resource)));
    Held::new(f, text, [0; 4])
}

/// The documents of the findings `held` (in report order): the cluster report first (when
/// there are cluster-scoped findings), then one report per namespace in name order
pub(crate) fn write(out: &mut dyn Write, held: Vec<Held>) -> io::Result<()> {
    let mut cluster: Vec<&Held> = Vec::new();
    let mut namespaced: BTreeMap<&str, Vec<&Held>> = BTreeMap::new();
    for h in &held {
        match report_namespace(&h.resource) {
            None => cluster.push(h),
            Some(ns) => namespaced.entry(ns).or_default().push(h),
        }
    }
    if cluster.is_empty() && namespaced.is_empty() {
        return out.write_all(b"# palisade: no findings, no policy reports\n");
    }
    let groups = (!cluster.is_empty())
        .then_some((None, cluster))
        .into_iter()
        .chain(namespaced.into_iter().map(|(ns, h)| (Some(ns), h)));
    for (namespace, results) in groups {
        let fail = results.iter().filter(|h| h.active).count();
        let mut head = String::from("---\n");
        head.push_str(&to_yaml(&header(namespace, fail, results.len() - fail)));
        head.push_str("results:\n");
        out.write_all(head.as_bytes())?;
        for h in results {
            out.write_all(h.text.as_bytes())?;
        }
    }
    Ok(())
}

/// Everything of a report but its results
fn header(namespace: Option<&str>, fail: usize, skip: usize) -> Value {
    let mut metadata = Map::new();
    match namespace {
        Some(ns) => {
            metadata.insert("name".into(), json!(report_name(ns)));
            metadata.insert("namespace".into(), json!(ns));
        }
        None => {
            metadata.insert("name".into(), json!("palisade-cluster"));
        }
    }
    metadata.insert(
        "labels".into(),
        json!({ "app.kubernetes.io/managed-by": "palisade" }),
    );
    json!({
        "apiVersion": API_VERSION,
        "kind": if namespace.is_some() { "PolicyReport" } else { "ClusterPolicyReport" },
        "metadata": metadata,
        "summary": {
            "pass": 0,
            "fail": fail,
            "warn": 0,
            "error": 0,
            "skip": skip,
        },
    })
}

/// The cluster report first (when there are cluster-scoped findings), then one report per
/// namespace in name order, as values (tests compare the YAML with them)
#[cfg(test)]
pub(crate) fn documents(report: &crate::ScanReport<'_>) -> Vec<Value> {
    let mut cluster: Vec<&Finding> = Vec::new();
    let mut namespaced: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in report.findings {
        match report_namespace(&f.resource) {
            None => cluster.push(f),
            Some(ns) => namespaced.entry(ns).or_default().push(f),
        }
    }
    let mut docs = Vec::new();
    if !cluster.is_empty() {
        docs.push(document(None, &cluster));
    }
    for (ns, findings) in namespaced {
        docs.push(document(Some(ns), &findings));
    }
    docs
}

#[cfg(test)]
fn document(namespace: Option<&str>, findings: &[&Finding]) -> Value {
    let fail = findings.iter().filter(|f| f.is_active()).count();
    let mut doc = header(namespace, fail, findings.len() - fail);
    if let Value::Object(m) = &mut doc {
        m.insert(
            "results".into(),
            findings.iter().map(|f| result(f, namespace)).collect(),
        );
    }
    doc
}

/// `palisade-<namespace>`, within the 253-character limit of object names
fn report_name(ns: &str) -> String {
    let mut name = format!("palisade-{ns}");
    name.truncate(253);
    name
}

fn result(f: &Finding, namespace: Option<&str>) -> Value {
    let mut resource = Map::new();
    resource.insert("apiVersion".into(), json!(f.resource.api_version));
    resource.insert("kind".into(), json!(f.resource.kind));
    resource.insert("name".into(), json!(f.resource.name));
    if let Some(ns) = namespace {
        resource.insert("namespace".into(), json!(ns));
    }
    // `properties` is a map of strings in the CRD
    let mut properties = Map::new();
    properties.insert("file".into(), json!(f.file.name));
    properties.insert("line".into(), json!(f.position.line.to_string()));
    properties.insert("column".into(), json!(f.position.column.to_string()));
    properties.insert("pointer".into(), json!(f.pointer));
    if let Some(s) = &f.suppressed {
        properties.insert("suppressedReason".into(), json!(s.reason()));
    }
    json!({
        "policy": f.rule_id,
        "rule": f.rule_name,
        "result": if f.is_active() { "fail" } else { "skip" },
        "severity": f.severity.as_str(),
        "message": f.message,
        "category": f.tags.first().copied().unwrap_or("palisade"),
        "source": "palisade",
        "scored": true,
        "resources": [Value::Object(resource)],
        "properties": properties,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScanReport;
    use crate::testutil::Fixture;

    fn render(report: &ScanReport<'_>) -> String {
        crate::testutil::rendered(crate::Format::PolicyReport, report)
    }
    use palisade_source::{LoadLimits, SourceFile, load_str};

    fn reparse(text: &str) -> Vec<Value> {
        let file = SourceFile::new("reports.yaml", text);
        let (docs, diags) = load_str(&file, &LoadLimits::default());
        assert!(diags.is_empty(), "{diags:?}\n{text}");
        docs.into_iter().map(|d| d.value).collect()
    }

    #[test]
    fn one_report_per_namespace_plus_cluster() {
        let fx = Fixture::new();
        let text = render(&fx.report());
        assert!(
            text.starts_with(
                "---\napiVersion: wgpolicyk8s.io/v1alpha2\nkind: ClusterPolicyReport\n"
            ),
            "{text}"
        );
        let docs = reparse(&text);
        assert_eq!(docs, documents(&fx.report()));
        let heads: Vec<(String, String)> = docs
            .iter()
            .map(|d| {
                (
                    d["kind"].as_str().unwrap().to_owned(),
                    d["metadata"]["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            heads,
            [
                (
                    "ClusterPolicyReport".to_owned(),
                    "palisade-cluster".to_owned()
                ),
                ("PolicyReport".to_owned(), "palisade-dev".to_owned()),
                ("PolicyReport".to_owned(), "palisade-prod".to_owned()),
            ]
        );
        assert!(docs[0]["metadata"].get("namespace").is_none());
        assert_eq!(docs[2]["metadata"]["namespace"], "prod");
    }

    #[test]
    fn results_and_summary() {
        let fx = Fixture::new();
        let docs = documents(&fx.report());
        let prod = &docs[2];
        assert_eq!(
            prod["summary"],
            json!({"pass": 0, "fail": 1, "warn": 0, "error": 0, "skip": 1})
        );
        assert_eq!(
            prod["results"][0],
            json!({
                "policy": "POD-001", "rule": "privileged-container", "result": "fail",
                "severity": "critical", "message": "container `app` runs privileged",
                "category": "pod-security", "source": "palisade", "scored": true,
                "resources": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "prod"}],
                "properties": {
                    "file": "manifests/deploy.yaml", "line": "12", "column": "11",
                    "pointer": "/spec/template/spec/containers/0/securityContext/privileged",
                },
            })
        );
        let skipped = &prod["results"][1];
        assert_eq!(skipped["result"], "skip");
        assert_eq!(skipped["properties"]["suppressedReason"], "legacy & <ok>");
        let cluster = &docs[0];
        assert_eq!(cluster["summary"]["fail"], 1);
        assert_eq!(
            cluster["results"][0]["resources"],
            json!([{"apiVersion": "v1", "kind": "Namespace", "name": "prod"}])
        );
    }

    #[test]
    fn namespaceless_namespaced_resources_go_to_default() {
        let fx = Fixture::new();
        let mut f = fx.findings[0].clone();
        std::sync::Arc::make_mut(&mut f.resource).namespace = None;
        let mut crb = fx.findings[0].clone();
        std::sync::Arc::make_mut(&mut crb.resource).kind = "ClusterRoleBinding".into();
        std::sync::Arc::make_mut(&mut crb.resource).namespace = None;
        let findings = [f, crb];
        let report = ScanReport {
            findings: &findings,
            streamed: Default::default(),
            ..fx.report()
        };
        let docs = documents(&report);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0]["kind"], "ClusterPolicyReport");
        assert_eq!(docs[1]["metadata"]["namespace"], "default");
        assert_eq!(
            docs[1]["results"][0]["resources"][0]["namespace"],
            "default"
        );
    }

    #[test]
    fn nothing_found() {
        let fx = Fixture::new();
        let text = render(&fx.clean_report());
        assert!(text.starts_with('#'));
        let file = SourceFile::new("r.yaml", text.as_str());
        assert!(load_str(&file, &LoadLimits::default()).0.is_empty());
    }
}
