//! JSON output (`version: 1`); the YAML output renders the same document

use crate::ScanReport;
use crate::common::{Counts, severities_desc};
use crate::compliance::View;
use palisade_engine::{Finding, Suppression};
use palisade_source::{Diagnostic, DiagnosticSeverity};
use serde_json::{Map, Value, json};

/// Version of the document shape; bumped on incompatible changes
pub(crate) const VERSION: u32 = 1;

/// The whole report as a JSON value, in the streamed document's key order (tests compare the
/// rendered documents with it)
#[cfg(test)]
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

/// A finding as the JSON document lists it, serialized straight from the finding (scans write
/// hundreds of thousands; building a `Value` first doubled the cost)
pub(crate) struct FindingView<'a> {
    finding: &'a Finding,
    /// Its rule's pre-rendered parts, when the finding is written at [`RuleFragments::DEPTH`]
    fragments: Option<&'a RuleFragments>,
}

impl<'a> FindingView<'a> {
    /// A finding serialized field by field
    pub(crate) fn new(finding: &'a Finding) -> Self {
        Self {
            finding,
            fragments: None,
        }
    }

    /// A finding of a streamed document, reusing its rule's `fragments` where they apply
    pub(crate) fn with_fragments(
        finding: &'a Finding,
        fragments: Option<&'a RuleFragments>,
    ) -> Self {
        Self {
            finding,
            fragments: fragments.filter(|fr| fr.apply_to(finding)),
        }
    }
}

/// The parts of a finding's JSON that only depend on its rule — the remediation text and the
/// controls — rendered once per rule. Escaping the same remediation and formatting the same
/// controls for each of a scan's findings was about half the cost of writing them.
#[derive(Debug)]
pub(crate) struct RuleFragments {
    remediation_text: String,
    controls_source: &'static [palisade_engine::Control],
    remediation: Box<serde_json::value::RawValue>,
    controls: Box<serde_json::value::RawValue>,
}

impl RuleFragments {
    /// Nesting depth of the findings the fragments are laid out for (items of a top-level
    /// array): the controls array spans lines, indented for this depth
    pub(crate) const DEPTH: usize = 2;

    pub(crate) fn of(rule: &palisade_engine::RuleInfo) -> Option<Self> {
        Some(Self {
            remediation_text: rule.remediation.to_string(),
            controls_source: rule.controls,
            remediation: Self::raw(&rule.remediation)?,
            controls: Self::raw(&Controls(rule.controls))?,
        })
    }

    /// `value` as it is written as a member of a finding at [`Self::DEPTH`]
    fn raw(value: &impl serde::Serialize) -> Option<Box<serde_json::value::RawValue>> {
        let mut buf = Vec::new();
        crate::stream::write_nested(value, Self::DEPTH + 1, &mut buf);
        let text = String::from_utf8(buf).ok()?;
        serde_json::value::RawValue::from_string(text).ok()
    }

    /// True when `finding` carries exactly the rule's remediation and controls
    fn apply_to(&self, finding: &Finding) -> bool {
        std::ptr::eq(finding.controls, self.controls_source)
            && finding.remediation == self.remediation_text
    }
}

impl serde::Serialize for FindingView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let f = self.finding;
        let mut map = s.serialize_map(Some(9))?;
        map.serialize_entry("ruleId", &f.rule_id)?;
        map.serialize_entry("ruleName", &f.rule_name)?;
        map.serialize_entry("severity", f.severity.as_str())?;
        map.serialize_entry("message", &f.message)?;
        map.serialize_entry(
            "resource",
            &Entries(&[
                ("apiVersion", Some(f.resource.api_version.as_str())),
                ("kind", Some(f.resource.kind.as_str())),
                ("name", Some(f.resource.name.as_str())),
                ("namespace", f.resource.namespace.as_deref()),
            ]),
        )?;
        map.serialize_entry("location", &Location(f))?;
        match self.fragments {
            Some(fragments) => {
                map.serialize_entry("remediation", &fragments.remediation)?;
                map.serialize_entry("controls", &fragments.controls)?;
            }
            None => {
                map.serialize_entry("remediation", &f.remediation)?;
                map.serialize_entry("controls", &Controls(f.controls))?;
            }
        }
        map.serialize_entry("suppressed", &f.suppressed.as_ref().map(Suppressed))?;
        map.end()
    }
}

struct Suppressed<'a>(&'a Suppression);

impl serde::Serialize for Suppressed<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let kind = match self.0 {
            Suppression::Annotation { .. } => "annotation",
            Suppression::Config { .. } => "config",
        };
        Entries(&[("kind", Some(kind)), ("reason", Some(self.0.reason()))]).serialize(s)
    }
}

/// An object of string (or null) fields
struct Entries<'a, const N: usize>(&'a [(&'static str, Option<&'a str>); N]);

impl<const N: usize> serde::Serialize for Entries<'_, N> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

struct Location<'a>(&'a Finding);

impl serde::Serialize for Location<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let f = self.0;
        let mut map = s.serialize_map(Some(4))?;
        map.serialize_entry("file", &f.file.name)?;
        map.serialize_entry("line", &f.position.line)?;
        map.serialize_entry("column", &f.position.column)?;
        map.serialize_entry("pointer", &f.pointer)?;
        map.end()
    }
}

struct Controls(&'static [palisade_engine::Control]);

impl serde::Serialize for Controls {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for c in self.0 {
            seq.serialize_element(&format_args!("{c}"))?;
        }
        seq.end()
    }
}

/// A finding as a JSON value (the YAML output and tests)
pub(crate) fn finding(f: &Finding) -> Value {
    serde_json::to_value(FindingView::new(f)).unwrap_or(Value::Null)
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
    fn rule_fragments_render_like_the_fields() {
        let fx = Fixture::new();
        let report = fx.report();
        let mut with_controls = 0;
        for f in report.findings {
            let rule = report.rules.iter().find(|r| r.id == f.rule_id).unwrap();
            let fragments = RuleFragments::of(rule).unwrap();
            let render = |view: FindingView<'_>| {
                let mut buf = Vec::new();
                crate::stream::write_nested(&view, RuleFragments::DEPTH, &mut buf);
                String::from_utf8(buf).unwrap()
            };
            assert!(fragments.apply_to(f));
            assert_eq!(
                render(FindingView::with_fragments(f, Some(&fragments))),
                render(FindingView::new(f))
            );
            with_controls += usize::from(!f.controls.is_empty());
            let mut changed = f.clone();
            changed.remediation = "something else".into();
            assert!(!fragments.apply_to(&changed));
        }
        assert!(
            with_controls > 0,
            "the fixture should exercise a controls array"
        );
    }

    #[test]
    fn document_shape() {
        let fx = Fixture::new();
        let mut buf = Vec::new();
        crate::render(
            crate::Format::Json,
            &fx.report(),
            &crate::RenderOptions::default(),
            &mut buf,
        )
        .unwrap();
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
        crate::render(
            crate::Format::Json,
            &fx.report(),
            &crate::RenderOptions::default(),
            &mut buf,
        )
        .unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(text.contains(r#"has no NetworkPolicy <&\"'>"#), "{text}");
        assert!(text.contains(r"mutable tag\nit may change"), "{text}");
    }
}
