//! JSON output (`version: 1`); the YAML output renders the same document

use crate::common::{Counts, severities_desc};
use crate::compliance::View;
use crate::stream::render_whole;
use crate::{FindingStream, Format, ScanReport};
use palisade_engine::{Finding, Suppression};
use palisade_source::{Diagnostic, DiagnosticSeverity};
use serde_json::{Map, Value, json};

/// Version of the document shape; bumped on incompatible changes
pub(crate) const VERSION: u32 = 1;

/// Written through [`FindingStream`]: findings are converted one at a time, so memory stays
/// flat however many findings a scan has
pub(crate) fn render(report: &ScanReport<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    match FindingStream::new(Format::Json, report.rules) {
        Some(stream) => render_whole(&stream, report, out),
        None => Ok(()),
    }
}

/// The whole report as a JSON value, in the streamed document's key order
pub(crate) fn document(report: &ScanReport<'_>) -> Value {
    let mut doc = Map::new();
    doc.insert("version".into(), VERSION.into());
    doc.insert(
        "findings".into(),
        report.findings.iter().map(finding).collect(),
    );
    doc.extend(trailer(report).map(|(k, v)| (k.to_owned(), v)));
    Value::Object(doc)
}

/// What follows the findings: known only once every finding is written
pub(crate) fn trailer(report: &ScanReport<'_>) -> [(&'static str, Value); 3] {
    [
        (
            "diagnostics",
            report.diagnostics.iter().map(diagnostic).collect(),
        ),
        ("summary", summary(report)),
        (
            "compliance",
            View::of(report).map_or(Value::Null, |v| v.to_json()),
        ),
    ]
}

fn summary(report: &ScanReport<'_>) -> Value {
    let c = Counts::of(report);
    let by_severity: Map<String, Value> = severities_desc()
        .map(|s| (s.as_str().to_owned(), Value::from(c.severity(s))))
        .collect();
    json!({
        "filesScanned": report.files_scanned,
        "resourcesScanned": report.resources_scanned,
        "rulesRun": report.rules.len(),
        "findings": c.active,
        "suppressed": c.suppressed,
        "bySeverity": by_severity,
        "errors": c.errors,
        "warnings": c.warnings,
    })
}

pub(crate) fn finding(f: &Finding) -> Value {
    json!({
        "ruleId": f.rule_id,
        "ruleName": f.rule_name,
        "severity": f.severity.as_str(),
        "message": f.message,
        "resource": {
            "apiVersion": f.resource.api_version,
            "kind": f.resource.kind,
            "name": f.resource.name,
            "namespace": f.resource.namespace,
        },
        "location": {
            "file": f.file.name,
            "line": f.position.line,
            "column": f.position.column,
            "pointer": f.pointer,
        },
        "remediation": f.remediation,
        "controls": f.controls.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "suppressed": f.suppressed.as_ref().map(|s| json!({
            "kind": match s {
                Suppression::Annotation { .. } => "annotation",
                Suppression::Config { .. } => "config",
            },
            "reason": s.reason(),
        })),
    })
}

fn diagnostic(d: &Diagnostic) -> Value {
    json!({
        "code": d.code,
        "severity": match d.severity {
            DiagnosticSeverity::Error => "error",
            DiagnosticSeverity::Warning => "warning",
        },
        "message": d.message,
        "location": {
            "file": d.file,
            "line": d.position.map(|p| p.line),
            "column": d.position.map(|p| p.column),
        },
        "help": d.help,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Fixture;

    #[test]
    fn document_shape() {
        let fx = Fixture::new();
        let mut buf = Vec::new();
        render(&fx.report(), &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["version"], 1);
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "version",
                "findings",
                "diagnostics",
                "summary",
                "compliance"
            ]
        );
        assert_eq!(
            v["summary"],
            json!({
                "filesScanned": 3, "resourcesScanned": 4, "rulesRun": 5,
                "findings": 3, "suppressed": 1,
                "bySeverity": {"critical": 1, "high": 0, "medium": 1, "low": 1, "info": 0},
                "errors": 1, "warnings": 1,
            })
        );
        assert_eq!(v["findings"].as_array().unwrap().len(), 4);
    }

    #[test]
    fn finding_fields_and_suppression() {
        let fx = Fixture::new();
        let v = document(&fx.report());
        let f = &v["findings"][1];
        assert_eq!(f["ruleId"], "POD-001");
        assert_eq!(f["ruleName"], "privileged-container");
        assert_eq!(f["severity"], "critical");
        assert_eq!(
            f["resource"],
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "prod"})
        );
        assert_eq!(
            f["location"],
            json!({
                "file": "manifests/deploy.yaml", "line": 12, "column": 11,
                "pointer": "/spec/template/spec/containers/0/securityContext/privileged",
            })
        );
        assert_eq!(f["controls"], json!(["cis-1.12:5.2.2", "pss:privileged"]));
        assert_eq!(f["remediation"], "fix privileged-container");
        assert_eq!(f["suppressed"], Value::Null);
        let s = &v["findings"][2];
        assert_eq!(s["ruleId"], "POD-002");
        assert_eq!(
            s["suppressed"],
            json!({"kind": "annotation", "reason": "legacy & <ok>"})
        );
        // cluster-scoped resource: namespace is null
        assert_eq!(v["findings"][3]["resource"]["namespace"], Value::Null);
    }

    #[test]
    fn diagnostics_and_compliance() {
        let fx = Fixture::new();
        let v = document(&fx.report());
        assert_eq!(
            v["diagnostics"][0],
            json!({
                "code": "yaml-syntax", "severity": "error",
                "message": "mapping values are not allowed here",
                "location": {"file": "manifests/deploy.yaml", "line": 24, "column": 7},
                "help": "check the indentation",
            })
        );
        assert_eq!(v["diagnostics"][1]["location"]["line"], Value::Null);
        assert_eq!(v["diagnostics"][1]["help"], Value::Null);
        let c = &v["compliance"];
        assert_eq!(c["framework"], "cis-1.12");
        assert_eq!(c["scorePercent"], 50.0);
        assert_eq!(c["notCovered"], 1);
        assert_eq!(
            c["controls"][0],
            json!({
                "id": "5.2.2", "title": "Minimize privileged containers", "status": "failing",
                "rules": ["POD-001"], "failingFindings": 1, "suppressedFindings": 0,
            })
        );
        assert_eq!(c["controls"][2]["status"], "not-covered");
        assert_eq!(c["unknownControls"], json!(["cis-1.12:9.9"]));
        assert_eq!(document(&fx.clean_report())["compliance"], Value::Null);
    }

    #[test]
    fn escapes_survive() {
        let fx = Fixture::new();
        let mut buf = Vec::new();
        render(&fx.report(), &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(text.contains(r#"has no NetworkPolicy <&\"'>"#), "{text}");
        assert!(text.contains(r"mutable tag\nit may change"), "{text}");
    }
}
