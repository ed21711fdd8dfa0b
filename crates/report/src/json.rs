//! JSON output (`version: 1`); the YAML output renders the same document

use crate::ScanReport;
use crate::common::{Counts, severities_desc};
use crate::compliance::View;
use crate::stream::Pretty;
use palisade_engine::{Finding, Suppression};
use palisade_source::{Diagnostic, DiagnosticSeverity};
use serde_json::ser::{CompactFormatter, Formatter as _};
use serde_json::{Map, Value, json};

/// Version of the document shape; bumped on incompatible changes
pub(crate) const VERSION: u32 = 1;

/// Depth of a finding's members in the document (see [`write_finding`])
pub(crate) const MEMBER_DEPTH: usize = 3;

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

/// Write a finding as the pretty-printed JSON document lists it: an item of the top-level
/// `findings` array, two levels deep.
///
/// By hand rather than through serde: scans write hundreds of thousands of findings, and
/// serde escapes every member name and value byte by byte, while here names are constants and
/// values are copied whole unless they need escaping. The layout is serde_json's pretty one
/// (a test re-prints documents through serde_json and compares). `fragments` are the finding's
/// rule's pre-rendered parts, used when the finding carries them unchanged.
pub(crate) fn write_finding(out: &mut Vec<u8>, f: &Finding, fragments: Option<&RuleFragments>) {
    const MEMBER: &[u8] = b"\n      ";
    const NESTED_MEMBER: &[u8] = b"\n        ";
    const NESTED_END: &[u8] = b"\n      }";
    // Member names are constants that need no escaping
    let name_of = |out: &mut Vec<u8>, name: &str| {
        out.push(b'"');
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\": ");
    };
    let member = |out: &mut Vec<u8>, first: bool, name: &str| {
        if !first {
            out.push(b',');
        }
        out.extend_from_slice(MEMBER);
        name_of(out, name);
    };
    let object = |out: &mut Vec<u8>, fields: &[(&str, Option<&str>)]| {
        out.push(b'{');
        for (i, (name, value)) in fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(NESTED_MEMBER);
            name_of(out, name);
            write_opt_str(out, *value);
        }
        out.extend_from_slice(NESTED_END);
    };
    out.push(b'{');
    member(out, true, "ruleId");
    write_str(out, &f.rule_id);
    member(out, false, "ruleName");
    write_str(out, &f.rule_name);
    member(out, false, "severity");
    write_str(out, f.severity.as_str());
    member(out, false, "message");
    write_str(out, &f.message);
    member(out, false, "resource");
    object(
        out,
        &[
            ("apiVersion", Some(&f.resource.api_version)),
            ("kind", Some(&f.resource.kind)),
            ("name", Some(&f.resource.name)),
            ("namespace", f.resource.namespace.as_deref()),
        ],
    );
    member(out, false, "location");
    out.push(b'{');
    out.extend_from_slice(NESTED_MEMBER);
    out.extend_from_slice(b"\"file\": ");
    write_str(out, &f.file.name);
    // Numbers through serde_json's formatter (core::fmt cost a tenth of writing a finding);
    // writing into a Vec cannot fail
    out.extend_from_slice(b",\n        \"line\": ");
    let _ = CompactFormatter.write_u32(out, f.position.line);
    out.extend_from_slice(b",\n        \"column\": ");
    let _ = CompactFormatter.write_u32(out, f.position.column);
    out.push(b',');
    out.extend_from_slice(NESTED_MEMBER);
    out.extend_from_slice(b"\"pointer\": ");
    write_str(out, &f.pointer);
    out.extend_from_slice(NESTED_END);
    let fragments = fragments.filter(|fr| fr.apply_to(f));
    member(out, false, "remediation");
    match fragments {
        Some(fr) => out.extend_from_slice(&fr.remediation),
        None => write_str(out, &f.remediation),
    }
    member(out, false, "controls");
    match fragments {
        Some(fr) => out.extend_from_slice(&fr.controls),
        None => write_controls(out, f.controls, MEMBER_DEPTH),
    }
    member(out, false, "suppressed");
    match &f.suppressed {
        None => out.extend_from_slice(b"null"),
        Some(s) => {
            let kind = match s {
                Suppression::Annotation { .. } => "annotation",
                Suppression::Config { .. } => "config",
            };
            object(out, &[("kind", Some(kind)), ("reason", Some(s.reason()))]);
        }
    }
    out.extend_from_slice(b"\n    }");
}

/// The parts of a finding's JSON (or SARIF result's) that only depend on its rule — the
/// remediation text and the controls — rendered once per rule. Escaping the same remediation and
/// formatting the same controls for each of a scan's findings was about half the cost of writing
/// them.
#[derive(Debug)]
pub(crate) struct RuleFragments {
    remediation_text: String,
    controls_source: &'static [palisade_engine::Control],
    pub(crate) remediation: Vec<u8>,
    pub(crate) controls: Vec<u8>,
}

impl RuleFragments {
    /// `member_depth`: the depth of the member holding the controls (as for [`write_controls`])
    pub(crate) fn of(rule: &palisade_engine::RuleInfo, member_depth: usize) -> Self {
        let mut remediation = Vec::new();
        write_str(&mut remediation, &rule.remediation);
        let mut controls = Vec::new();
        write_controls(&mut controls, rule.controls, member_depth);
        Self {
            remediation_text: rule.remediation.to_string(),
            controls_source: rule.controls,
            remediation,
            controls,
        }
    }

    /// True when `finding` carries exactly the rule's remediation and controls
    pub(crate) fn apply_to(&self, finding: &Finding) -> bool {
        std::ptr::eq(finding.controls, self.controls_source)
            && finding.remediation == self.remediation_text
    }
}

/// A `controls` array, as the value of a member `member_depth` levels deep
pub(crate) fn write_controls(
    out: &mut Vec<u8>,
    controls: &[palisade_engine::Control],
    member_depth: usize,
) {
    let mut array = Pretty::at(out, member_depth);
    array.open(b'[');
    for control in controls {
        array.item();
        write_str(array.out, &control.to_string());
    }
    array.close(b']');
}

pub(crate) fn write_opt_str(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(s) => write_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// A JSON string, byte for byte as serde_json writes it: the runs between bytes that need
/// escaping are copied whole and found a word at a time, where serde_json looks every byte up
/// in a table (webhook decision lines and scan messages quote names, so most strings of some
/// length hold a `"`)
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut run = 0;
    while let Some(at) = next_escape(bytes, run) {
        out.extend_from_slice(bytes.get(run..at).unwrap_or_default());
        if let Some(&byte) = bytes.get(at) {
            push_escaped(out, byte);
        }
        run = at + 1;
    }
    out.extend_from_slice(bytes.get(run..).unwrap_or_default());
    out.push(b'"');
}

/// The escape serde_json writes for a byte that needs one: the short forms, else `\u00xx`
fn push_escaped(out: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        0x08 => b'b',
        0x0c => b'f',
        _ => {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]);
            return;
        }
    };
    out.extend_from_slice(&[b'\\', short]);
}

/// Whether JSON needs any byte of `bytes` escaped (a control character, `"` or `\\`)
pub(crate) fn needs_escape(bytes: &[u8]) -> bool {
    next_escape(bytes, 0).is_some()
}

/// The first byte at or after `from` that JSON needs escaped.
///
/// Tested eight bytes at a time with word arithmetic: strings are a third of a scan's output,
/// and a per-byte test cost more than the rest of writing a finding.
fn next_escape(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // High bit set in a byte lane when that byte is below `n` (exact for n <= 0x80, and for
    // deciding "any" the borrow into higher lanes does not matter)
    let has_below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS;
    let has_byte = |word: u64, b: u8| has_below(word ^ (ONES * u64::from(b)), 1);
    let needs = |b: &u8| *b < 0x20 || *b == b'"' || *b == b'\\';
    let mut at = from;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut lanes = [0u8; 8];
        lanes.copy_from_slice(chunk);
        let word = u64::from_ne_bytes(lanes);
        if has_below(word, 0x20) | has_byte(word, b'"') | has_byte(word, b'\\') != 0
            && let Some(i) = chunk.iter().position(needs)
        {
            return Some(at + i);
        }
        at += 8;
    }
    // the tail, shorter than a word
    let tail = bytes.get(at..)?;
    tail.iter().position(needs).map(|i| at + i)
}

/// A finding as a JSON value (the YAML output and tests): the written finding read back, so
/// there is one definition of its shape
pub(crate) fn finding(f: &Finding) -> Value {
    let mut buf = Vec::with_capacity(1024);
    write_finding(&mut buf, f, None);
    serde_json::from_slice(&buf).unwrap_or(Value::Null)
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
    fn strings_are_escaped_exactly_like_serde_json() {
        // Every byte that may need escaping, at every offset of a word and in the tail,
        // among ASCII and multi-byte characters
        let mut cases = vec![String::new(), "plain text of some length".to_owned()];
        for special in (0u8..0x20)
            .map(char::from)
            .chain(['"', '\\', ' ', '\u{7f}', 'é', '→'])
        {
            for offset in 0..19 {
                let mut s: String = "é-abcdefghijklmnopq".chars().take(offset).collect();
                s.push(special);
                s.push_str("tail~");
                cases.push(s);
            }
        }
        // runs of escapes, next to each other and a word apart
        let every: String = (0u8..0x20).map(char::from).chain(['"', '\\']).collect();
        cases.push(every.clone());
        cases.push(every.chars().flat_map(|c| [c, 'x']).collect());
        cases.push(format!(
            "a \"quoted\" name, then\\n\"{every}\" and 12345678\"\\\\"
        ));
        for case in cases {
            let mut ours = Vec::new();
            write_str(&mut ours, &case);
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(&case).unwrap(),
                "{case:?}"
            );
        }
    }

    #[test]
    fn rule_fragments_render_like_the_fields() {
        let fx = Fixture::new();
        let report = fx.report();
        let mut with_controls = 0;
        for f in report.findings {
            let rule = report.rules.iter().find(|r| r.id == f.rule_id).unwrap();
            let fragments = RuleFragments::of(rule, MEMBER_DEPTH);
            let render = |fragments: Option<&RuleFragments>| {
                let mut buf = Vec::new();
                write_finding(&mut buf, f, fragments);
                String::from_utf8(buf).unwrap()
            };
            assert!(fragments.apply_to(f));
            assert_eq!(render(Some(&fragments)), render(None));
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
    fn findings_carry_every_field() {
        let fx = Fixture::new();
        let report = fx.report();
        for f in report.findings {
            let expected = json!({
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
            });
            assert_eq!(finding(f), expected);
        }
        assert!(report.findings.iter().any(|f| f.suppressed.is_some()));
    }

    #[test]
    fn strings_needing_escapes_are_escaped() {
        for s in [
            "plain",
            "",
            "q\"uote",
            "back\\slash",
            "tab\there",
            "\u{1}",
            "ünï €",
        ] {
            let mut buf = Vec::new();
            write_str(&mut buf, s);
            assert_eq!(
                String::from_utf8(buf).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
    }

    fn rendered(report: &ScanReport<'_>) -> String {
        crate::testutil::rendered(crate::Format::Json, report)
    }

    #[test]
    fn document_shape() {
        let text = rendered(&Fixture::new().report());
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
        let text = rendered(&Fixture::new().report());
        assert!(text.contains(r#"has no NetworkPolicy <&\"'>"#), "{text}");
        assert!(text.contains(r"mutable tag\nit may change"), "{text}");
    }
}
