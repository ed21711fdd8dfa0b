//! SARIF 2.1.0 output, for GitHub code scanning and other SARIF consumers

#[cfg(test)]
use crate::Format;
use crate::ScanReport;
use crate::common::{dedent_doc, token_end};
use crate::json::{RuleFragments, write_controls, write_opt_str, write_str};
use crate::stream::Pretty;
use palisade_engine::{Finding, RuleInfo, Severity, Suppression};
use palisade_source::{Diagnostic, DiagnosticSeverity, Position};
use serde_json::{Map, Value, json};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write as _;

pub(crate) const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");
const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Key of our entry in `partialFingerprints`
const FINGERPRINT_KEY: &str = "palisadeFindingHash/v1";

/// The whole log as a value (tests inspect it)
#[cfg(test)]
pub(crate) fn document(report: &ScanReport<'_>) -> Value {
    serde_json::from_str(&crate::testutil::rendered(Format::Sarif, report)).unwrap_or(Value::Null)
}

/// `runs[0].tool`: the driver and every rule that ran
pub(crate) fn tool(rules: &[Cow<'_, RuleInfo>]) -> Value {
    json!({
        "driver": {
            "name": "palisade",
            "informationUri": INFORMATION_URI,
            "version": TOOL_VERSION,
            "semanticVersion": TOOL_VERSION,
            "rules": rules.iter().map(|r| rule_descriptor(r)).collect::<Vec<_>>(),
        }
    })
}

/// Every rule that ran, plus (defensively) any rule a finding names that is not among them, so
/// that every result has a `ruleIndex`
pub(crate) fn rule_list<'r>(report: &'r ScanReport<'_>) -> Vec<Cow<'r, RuleInfo>> {
    let mut rules: Vec<Cow<'r, RuleInfo>> = report.rules.iter().map(Cow::Borrowed).collect();
    let mut known: std::collections::HashSet<&str> =
        report.rules.iter().map(|r| r.id.as_ref()).collect();
    for f in report.findings {
        if known.insert(f.rule_id.as_ref()) {
            rules.push(Cow::Owned(RuleInfo {
                id: f.rule_id.clone(),
                name: f.rule_name.clone(),
                title: f.rule_name.clone(),
                severity: f.severity,
                doc: Cow::Borrowed(""),
                remediation: f.remediation.clone(),
                tags: f.tags,
                controls: f.controls,
            }));
        }
    }
    rules
}

/// SARIF level of a severity
pub(crate) fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` (CVSS-like 0–10, as a string)
pub(crate) fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn rule_descriptor(r: &RuleInfo) -> Value {
    let doc = dedent_doc(&r.doc);
    let full = if doc.is_empty() {
        r.title.to_string()
    } else {
        doc.clone()
    };
    let mut help_text = full.clone();
    let mut help_md = full.clone();
    if !r.remediation.is_empty() {
        help_text.push_str(&format!("\n\nRemediation: {}", r.remediation));
        help_md.push_str(&format!("\n\n## Remediation\n{}", r.remediation));
    }
    let mut tags: Vec<String> = vec!["security".to_owned()];
    tags.extend(r.tags.iter().map(|t| (*t).to_owned()));
    tags.extend(r.controls.iter().map(ToString::to_string));
    json!({
        "id": r.id,
        "name": r.name,
        "shortDescription": { "text": r.title },
        "fullDescription": { "text": full, "markdown": full },
        "help": { "text": help_text, "markdown": help_md },
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": {
            "tags": tags,
            "precision": "high",
            "problem.severity": problem_severity(r.severity),
            "security-severity": security_severity(r.severity),
            "severity": r.severity.as_str(),
        },
    })
}

/// GitHub's `problem.severity` (used when `security-severity` is not shown)
fn problem_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "recommendation",
    }
}

/// Depth of a result in the document: an item of `runs[0].results`
const RESULT_DEPTH: usize = 4;
/// Depth of the members of a result's `properties`
const PROPERTIES_MEMBER_DEPTH: usize = RESULT_DEPTH + 2;

/// What results take from their rule: its index in the driver's rules, and the parts of a result
/// that only depend on the rule, rendered once
#[derive(Debug)]
pub(crate) struct RuleParts {
    index: u64,
    fragments: RuleFragments,
}

impl RuleParts {
    pub(crate) fn of(index: usize, rule: &RuleInfo) -> Self {
        Self {
            index: u64::try_from(index).unwrap_or(u64::MAX),
            fragments: RuleFragments::of(rule, PROPERTIES_MEMBER_DEPTH),
        }
    }
}

/// Writes results as the pretty-printed log lists them, [`RESULT_DEPTH`] levels deep, straight
/// from the findings (as [`crate::json::write_finding`] does, and for the same reason), and
/// keeps what consecutive results share: a scan writes one file's findings together.
#[derive(Debug, Default)]
pub(crate) struct ResultWriter<'f> {
    /// The file of the last result written, and its URI as a JSON string
    uri_file: Option<&'f str>,
    uri: Vec<u8>,
    /// Reused for text put together from parts (qualified names, context snippets)
    scratch: String,
}

impl<'f> ResultWriter<'f> {
    /// Write `f` as a result; `rule` is absent when the finding's rule is not in the driver's
    /// list (the result then has no `ruleIndex`)
    pub(crate) fn write(&mut self, out: &mut Vec<u8>, f: &'f Finding, rule: Option<&RuleParts>) {
        let message = if f.message.trim().is_empty() {
            &f.rule_name
        } else {
            f.message.as_str()
        };
        let mut p = Pretty::at(out, RESULT_DEPTH);
        p.open(b'{');
        p.str_member("ruleId", &f.rule_id);
        if let Some(rule) = rule {
            p.num_member("ruleIndex", rule.index);
        }
        p.str_member("level", level(f.severity));
        p.open_member("message", b'{');
        p.str_member("text", message);
        p.close(b'}');
        p.open_member("locations", b'[');
        p.item();
        p.open(b'{');
        p.open_member("physicalLocation", b'{');
        self.write_physical_location(&mut p, f);
        p.close(b'}');
        p.open_member("logicalLocations", b'[');
        self.write_logical_location(&mut p, f);
        p.close(b']');
        p.close(b'}');
        p.close(b']');
        p.open_member("partialFingerprints", b'{');
        p.key(FINGERPRINT_KEY);
        // Writing into a Vec cannot fail
        let _ = write!(p.out, "\"{:016x}\"", fingerprint(f));
        p.close(b'}');
        if let Some(s) = &f.suppressed {
            let kind = match s {
                Suppression::Annotation { .. } => "inSource",
                Suppression::Config { .. } => "external",
            };
            p.open_member("suppressions", b'[');
            p.item();
            p.open(b'{');
            p.str_member("kind", kind);
            p.str_member("status", "accepted");
            p.str_member("justification", s.reason());
            p.close(b'}');
            p.close(b']');
        }
        p.open_member("properties", b'{');
        p.str_member("severity", f.severity.as_str());
        p.str_member("pointer", &f.pointer);
        match rule.map(|r| &r.fragments).filter(|fr| fr.apply_to(f)) {
            Some(fragments) => {
                p.raw_member("remediation", &fragments.remediation);
                p.raw_member("controls", &fragments.controls);
            }
            None => {
                p.str_member("remediation", &f.remediation);
                p.key("controls");
                write_controls(p.out, f.controls, PROPERTIES_MEMBER_DEPTH);
            }
        }
        p.close(b'}');
        p.close(b'}');
    }

    /// The members of a result's `physicalLocation`: the file; with a known line, the region;
    /// with the source text at hand, the region's end (the offending token: a key up to its
    /// `:`, or a scalar), its `snippet`, and a `contextRegion` (the line before and the
    /// offending line)
    fn write_physical_location(&mut self, p: &mut Pretty<'_>, f: &'f Finding) {
        let at = f.position;
        p.open_member("artifactLocation", b'{');
        p.raw_member("uri", self.uri_of(&f.file.name));
        p.close(b'}');
        if at.line == 0 {
            return;
        }
        let line = f.file.line_text(at.line);
        p.open_member("region", b'{');
        p.num_member("startLine", at.line);
        if at.column > 0 {
            p.num_member("startColumn", at.column);
        }
        if let Some((token, end_column)) = line.and_then(|line| token_at(line, at.column)) {
            p.num_member("endLine", at.line);
            p.num_member("endColumn", end_column);
            p.open_member("snippet", b'{');
            p.str_member("text", token);
            p.close(b'}');
        }
        p.close(b'}');
        // the context must be a proper superset of the region: only with a line before
        if line.is_none() || at.line < 2 {
            return;
        }
        let first = at.line - 1;
        self.scratch.clear();
        for t in (first..=at.line).filter_map(|n| f.file.line_text(n)) {
            self.scratch.push_str(t);
            self.scratch.push('\n');
        }
        p.open_member("contextRegion", b'{');
        p.num_member("startLine", first);
        p.num_member("endLine", at.line);
        p.open_member("snippet", b'{');
        p.str_member("text", &self.scratch);
        p.close(b'}');
        p.close(b'}');
    }

    /// The resource, as the one item of a result's `logicalLocations`
    fn write_logical_location(&mut self, p: &mut Pretty<'_>, f: &Finding) {
        let resource = &f.resource;
        p.item();
        p.open(b'{');
        p.str_member("name", &resource.name);
        self.scratch.clear();
        // Writing into a String cannot fail
        let _ = write!(self.scratch, "{resource}");
        p.str_member("fullyQualifiedName", &self.scratch);
        p.str_member("kind", "resource");
        p.open_member("properties", b'{');
        p.str_member("apiVersion", &resource.api_version);
        p.str_member("kind", &resource.kind);
        p.key("namespace");
        write_opt_str(p.out, resource.namespace.as_deref());
        p.close(b'}');
        p.close(b'}');
    }

    /// `file`'s URI as a JSON string, computed again only when the file changes
    fn uri_of(&mut self, file: &'f str) -> &[u8] {
        if self.uri_file != Some(file) {
            self.uri.clear();
            write_str(&mut self.uri, &artifact_uri(file));
            self.uri_file = Some(file);
        }
        &self.uri
    }
}

/// The token of `line` that starts at 1-based char `column` (`0`: none), at least one char, and
/// the char column just past it
fn token_at(line: &str, column: u32) -> Option<(&str, u64)> {
    let start_char = usize::try_from(column.checked_sub(1)?).ok()?;
    let (start, first) = line.char_indices().nth(start_char)?;
    let end = token_end(line, start).max(start + first.len_utf8());
    let token = line.get(start..end)?;
    let token_chars = u64::try_from(token.chars().count()).ok()?;
    Some((token, u64::from(column) + token_chars))
}

/// `{ artifactLocation: { uri }, region? }`; the region is left out when the position is unknown
fn physical_location(file: &str, position: Option<Position>) -> Value {
    let mut p = Map::new();
    p.insert(
        "artifactLocation".into(),
        json!({ "uri": artifact_uri(file) }),
    );
    if let Some(pos) = position.filter(|p| p.line > 0) {
        let mut region = Map::new();
        region.insert("startLine".into(), json!(pos.line));
        if pos.column > 0 {
            region.insert("startColumn".into(), json!(pos.column));
        }
        p.insert("region".into(), Value::Object(region));
    }
    Value::Object(p)
}

/// A file name as the user gave it, as a SARIF URI reference: forward slashes, no leading `./`,
/// percent-encoded (spaces and every other byte outside RFC 3986 unreserved characters and `/`).
/// Absolute paths become `file://` URIs.
pub(crate) fn artifact_uri(path: &str) -> String {
    let slashed = path.replace('\\', "/");
    let mut rel = slashed.as_str();
    while let Some(rest) = rel.strip_prefix("./") {
        rel = rest.trim_start_matches('/');
    }
    let bytes = rel.as_bytes();
    let drive = bytes.len() >= 3
        && bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.get(1) == Some(&b':')
        && bytes.get(2) == Some(&b'/');
    let (prefix, rest) = if drive {
        let (d, r) = rel.split_at(2);
        (format!("file:///{d}"), r)
    } else if rel.starts_with('/') {
        ("file://".to_owned(), rel)
    } else {
        (String::new(), rel)
    };
    let mut out = prefix;
    for b in rest.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Stable across runs and line moves: rule, resource identity and JSON pointer (FNV-1a, 64 bit)
fn fingerprint(f: &Finding) -> u64 {
    let r = &f.resource;
    let parts = [
        f.rule_id.as_ref(),
        r.api_version.as_str(),
        r.kind.as_str(),
        r.namespace.as_deref().unwrap_or(""),
        r.name.as_str(),
        f.pointer.as_str(),
    ];
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

pub(crate) fn invocation(diagnostics: &[Diagnostic]) -> Value {
    let notifications: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str(&format!(" (help: {help})"));
            }
            json!({
                "level": match d.severity {
                    DiagnosticSeverity::Error => "error",
                    DiagnosticSeverity::Warning => "warning",
                },
                "message": { "text": text },
                "descriptor": { "id": d.code },
                "locations": [{ "physicalLocation": physical_location(&d.file, d.position) }],
            })
        })
        .collect();
    json!({
        "executionSuccessful": !diagnostics.iter().any(Diagnostic::is_error),
        "toolExecutionNotifications": notifications,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::write_nested;
    use crate::testutil::{Fixture, pos_of};
    use palisade_source::SourceFile;

    fn run(v: &Value) -> &Value {
        &v["runs"][0]
    }

    #[test]
    fn header_and_driver() {
        let fx = Fixture::new();
        let v = document(&fx.report());
        assert_eq!(v["$schema"], SCHEMA);
        assert_eq!(v["version"], "2.1.0");
        assert_eq!(v["runs"].as_array().unwrap().len(), 1);
        let driver = &run(&v)["tool"]["driver"];
        assert_eq!(driver["name"], "palisade");
        assert!(
            driver["informationUri"]
                .as_str()
                .unwrap()
                .starts_with("https://")
        );
        let rules = driver["rules"].as_array().unwrap();
        assert_eq!(
            rules.len(),
            5,
            "every rule that ran, with or without findings"
        );
        let pod1 = &rules[0];
        assert_eq!(pod1["id"], "POD-001");
        assert_eq!(pod1["name"], "privileged-container");
        assert_eq!(
            pod1["shortDescription"]["text"],
            "Container runs privileged"
        );
        assert_eq!(
            pod1["fullDescription"]["text"],
            "## What it checks\nContainer runs privileged.\n\n## Example\n```yaml\nx: 1\n```"
        );
        assert!(
            pod1["help"]["text"]
                .as_str()
                .unwrap()
                .ends_with("\n\nRemediation: fix privileged-container")
        );
        assert!(
            pod1["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("## Remediation\nfix privileged-container")
        );
        assert_eq!(pod1["defaultConfiguration"]["level"], "error");
        assert_eq!(pod1["properties"]["security-severity"], "9.5");
        assert_eq!(
            pod1["properties"]["tags"],
            json!([
                "security",
                "pod-security",
                "pss-baseline",
                "cis-1.12:5.2.2",
                "pss:privileged"
            ])
        );
        let levels: Vec<&str> = rules
            .iter()
            .map(|r| r["defaultConfiguration"]["level"].as_str().unwrap())
            .collect();
        assert_eq!(levels, ["error", "error", "warning", "note", "error"]);
        assert_eq!(rules[2]["properties"]["security-severity"], "5.5");
        assert_eq!(rules[3]["properties"]["security-severity"], "3.0");
    }

    #[test]
    fn results_point_at_files_and_resources() {
        let fx = Fixture::new();
        let v = document(&fx.report());
        let results = run(&v)["results"].as_array().unwrap();
        assert_eq!(results.len(), 4, "suppressed findings are results too");
        let img = &results[0];
        assert_eq!(img["ruleId"], "IMG-001");
        assert_eq!(img["ruleIndex"], 3);
        assert_eq!(img["level"], "note");
        let loc = &img["locations"][0];
        assert_eq!(
            loc["physicalLocation"]["artifactLocation"]["uri"],
            "pods/pod.yaml"
        );
        assert_eq!(
            loc["physicalLocation"]["region"],
            json!({"startLine": 9, "startColumn": 5, "endLine": 9, "endColumn": 10, "snippet": {"text": "image"}})
        );
        assert_eq!(
            loc["physicalLocation"]["contextRegion"],
            json!({"startLine": 8, "endLine": 9, "snippet": {"text": "  - name: c\n    image: nginx:latest\n"}})
        );
        assert_eq!(
            loc["logicalLocations"][0],
            json!({
                "name": "p", "fullyQualifiedName": "Pod/dev/p", "kind": "resource",
                "properties": {"apiVersion": "v1", "kind": "Pod", "namespace": "dev"},
            })
        );
        let ns = &results[3];
        assert_eq!(
            ns["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "ns%20dir/namespace.yaml"
        );
        assert_eq!(
            ns["message"]["text"],
            "namespace `prod` has no NetworkPolicy <&\"'>"
        );
        assert!(results.iter().all(|r| {
            r["partialFingerprints"][FINGERPRINT_KEY]
                .as_str()
                .is_some_and(|h| h.len() == 16)
        }));
    }

    #[test]
    fn suppressions() {
        let fx = Fixture::new();
        let v = document(&fx.report());
        let results = run(&v)["results"].as_array().unwrap();
        assert_eq!(
            results[2]["suppressions"],
            json!([{"kind": "inSource", "status": "accepted", "justification": "legacy & <ok>"}])
        );
        assert!(results[1].get("suppressions").is_none());
        let mut f = fx.findings[1].clone();
        f.suppressed = Some(Suppression::Config {
            reason: "path excluded".into(),
        });
        let result: Value = serde_json::from_str(&written(&f, None)).unwrap();
        assert_eq!(result["suppressions"][0]["kind"], "external");
    }

    #[test]
    fn fingerprints_are_stable_and_ignore_lines() {
        let fx = Fixture::new();
        let a = fingerprint(&fx.findings[1]);
        let mut moved = fx.findings[1].clone();
        moved.position.line += 10;
        assert_eq!(fingerprint(&moved), a);
        moved.pointer.push_str("/x");
        assert_ne!(fingerprint(&moved), a);
        // pinned: the value must not change between releases
        assert_eq!(format!("{a:016x}"), "539aee37cbf252cf");
        let result: Value = serde_json::from_str(&written(&fx.findings[1], None)).unwrap();
        assert_eq!(
            result["partialFingerprints"][FINGERPRINT_KEY],
            "539aee37cbf252cf"
        );
    }

    #[test]
    fn diagnostics_are_notifications() {
        let fx = Fixture::new();
        let v = document(&fx.report());
        let inv = &run(&v)["invocations"][0];
        assert_eq!(inv["executionSuccessful"], false);
        let n = inv["toolExecutionNotifications"].as_array().unwrap();
        assert_eq!(n[0]["level"], "error");
        assert_eq!(n[0]["descriptor"]["id"], "yaml-syntax");
        assert_eq!(
            n[0]["message"]["text"],
            "mapping values are not allowed here (help: check the indentation)"
        );
        assert_eq!(
            n[0]["locations"][0]["physicalLocation"],
            json!({"artifactLocation": {"uri": "manifests/deploy.yaml"}, "region": {"startLine": 24, "startColumn": 7}})
        );
        assert_eq!(n[1]["level"], "warning");
        assert!(
            n[1]["locations"][0]["physicalLocation"]
                .get("region")
                .is_none()
        );
        let clean = document(&fx.clean_report());
        assert_eq!(run(&clean)["invocations"][0]["executionSuccessful"], true);
        assert_eq!(run(&clean)["results"], json!([]));
    }

    #[test]
    fn uris() {
        assert_eq!(artifact_uri("a/b.yaml"), "a/b.yaml");
        assert_eq!(artifact_uri("./a/b.yaml"), "a/b.yaml");
        assert_eq!(artifact_uri("././a b/c#1.yaml"), "a%20b/c%231.yaml");
        assert_eq!(artifact_uri("dir\\win.yaml"), "dir/win.yaml");
        assert_eq!(artifact_uri("/abs/x.yaml"), "file:///abs/x.yaml");
        assert_eq!(artifact_uri("C:\\x\\y.yaml"), "file:///C:/x/y.yaml");
        assert_eq!(artifact_uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(artifact_uri("é.yaml"), "%C3%A9.yaml");
    }

    #[test]
    fn unknown_rules_still_get_an_index() {
        let fx = Fixture::new();
        let report = ScanReport {
            rules: &[],
            ..fx.report()
        };
        let v = document(&report);
        let rules = run(&v)["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 4);
        for r in run(&v)["results"].as_array().unwrap() {
            let i = usize::try_from(r["ruleIndex"].as_u64().unwrap()).unwrap();
            assert_eq!(rules[i]["id"], r["ruleId"]);
        }
    }

    /// Edge cases for the validator: odd paths, unknown positions, no source text
    fn edge_findings(fx: &Fixture) -> Vec<Finding> {
        let mut out = Vec::new();
        for (name, text, line) in [
            ("<stdin>", "", 0),
            ("/abs/dir/x y.yaml", "a: 1\n", 1),
            ("C:\\work\\k8s.yaml", "a: 1\n", 1),
            ("./é/ü.yaml", "", 3),
        ] {
            let mut f = fx.findings[1].clone();
            f.file = palisade_source::SourceFile::new(name, text);
            f.position = Position { line, column: 0 };
            out.push(f);
        }
        out
    }

    /// `f` written as a result by a fresh writer
    fn written(f: &Finding, rule: Option<&RuleParts>) -> String {
        let mut buf = Vec::new();
        ResultWriter::default().write(&mut buf, f, rule);
        String::from_utf8(buf).unwrap()
    }

    /// A result as a value, member by member: the shape the written results must have (how
    /// results were rendered before they were written by hand)
    fn reference_result(f: &Finding, rule_index: Option<u64>) -> Value {
        let message = if f.message.trim().is_empty() {
            f.rule_name.to_string()
        } else {
            f.message.clone()
        };
        let mut physical = physical_location(&f.file.name, Some(f.position));
        reference_snippets(&mut physical, &f.file, f.position);
        let mut r = Map::new();
        r.insert("ruleId".into(), json!(f.rule_id));
        if let Some(i) = rule_index {
            r.insert("ruleIndex".into(), json!(i));
        }
        r.insert("level".into(), json!(level(f.severity)));
        r.insert("message".into(), json!({ "text": message }));
        r.insert(
            "locations".into(),
            json!([{
                "physicalLocation": physical,
                "logicalLocations": [{
                    "name": f.resource.name,
                    "fullyQualifiedName": f.resource.to_string(),
                    "kind": "resource",
                    "properties": {
                        "apiVersion": f.resource.api_version,
                        "kind": f.resource.kind,
                        "namespace": f.resource.namespace,
                    },
                }],
            }]),
        );
        r.insert(
            "partialFingerprints".into(),
            json!({ FINGERPRINT_KEY: format!("{:016x}", fingerprint(f)) }),
        );
        if let Some(s) = &f.suppressed {
            let kind = match s {
                Suppression::Annotation { .. } => "inSource",
                Suppression::Config { .. } => "external",
            };
            r.insert(
                "suppressions".into(),
                json!([{ "kind": kind, "status": "accepted", "justification": s.reason() }]),
            );
        }
        r.insert(
            "properties".into(),
            json!({
                "severity": f.severity.as_str(),
                "pointer": f.pointer,
                "remediation": f.remediation,
                "controls": f.controls.iter().map(ToString::to_string).collect::<Vec<_>>(),
            }),
        );
        Value::Object(r)
    }

    /// The region's end and snippet, and the context region, found on a line of chars
    fn reference_snippets(physical: &mut Value, file: &SourceFile, at: Position) {
        let Some(line) = file.line_text(at.line).filter(|_| at.line > 0) else {
            return;
        };
        let chars: Vec<char> = line.chars().collect();
        let start = usize::try_from(at.column.saturating_sub(1)).unwrap();
        if at.column > 0 && start < chars.len() {
            let start_byte: usize = chars[..start].iter().map(|c| c.len_utf8()).sum();
            let token_chars = line[start_byte..token_end(line, start_byte)]
                .chars()
                .count();
            let end = (start + token_chars).max(start + 1);
            let token: String = chars[start..end].iter().collect();
            let region = physical["region"].as_object_mut().unwrap();
            region.insert("endLine".into(), json!(at.line));
            region.insert("endColumn".into(), json!(end + 1));
            region.insert("snippet".into(), json!({ "text": token }));
        }
        if at.line < 2 {
            return;
        }
        let first = at.line - 1;
        let context: String = (first..=at.line)
            .filter_map(|n| file.line_text(n))
            .map(|t| format!("{t}\n"))
            .collect();
        physical.as_object_mut().unwrap().insert(
            "contextRegion".into(),
            json!({ "startLine": first, "endLine": at.line, "snippet": { "text": context } }),
        );
    }

    const ODD: &str = "# ünï → ✓\nmetadata:\n  name: \"wéb→x\"  # é\n  labels: {app: ✓ok, b: \"x\"}\né: 1\ntab:\t\"x\\\"y\" \u{1}\n";

    /// Findings whose every written part takes a path of its own: multi-byte lines and tokens,
    /// tokens ending at `:` or a flow delimiter, columns past the line, lines past the file,
    /// CRLF line breaks, blank messages, strings needing escapes, a config suppression, a rule
    /// the run does not know, and fields that differ from their rule's
    fn odd_findings(fx: &Fixture) -> Vec<Finding> {
        let odd = SourceFile::new("dir/ü \"q\".yaml", ODD);
        let crlf = SourceFile::new("crlf.yaml", "a: 1\r\nb: \"q\"\r\n");
        let at = |line, column| Position { line, column };
        let mut out = Vec::new();
        for position in [
            pos_of(ODD, "\"wéb"),
            pos_of(ODD, "✓ok"),
            pos_of(ODD, "é: 1"),
            pos_of(ODD, ": 1"),
            pos_of(ODD, "\t"),
            pos_of(ODD, "# ü"),
            at(1, 3),
            at(3, 0),
            at(3, 40),
            at(2, 9),
            at(40, 2),
        ] {
            let mut f = fx.findings[0].clone();
            f.file = std::sync::Arc::clone(&odd);
            f.position = position;
            out.push(f);
        }
        let mut f = fx.findings[2].clone();
        f.file = crlf;
        f.position = at(2, 4);
        f.message = " \t\n".into();
        f.pointer = "/a~1b/\"c\"".into();
        f.resource = palisade_model::ResourceRef {
            api_version: "x/v1\u{7f}".into(),
            kind: "Kind\"Q\"".into(),
            name: "tab\there→".into(),
            namespace: None,
        }
        .into();
        f.suppressed = Some(Suppression::Config {
            reason: "excluded: \"ns\\*\"\n".into(),
        });
        out.push(f);
        let mut f = fx.findings[0].clone();
        f.message = "escapes \"\\\u{8}\u{c}\u{1f}\" and é".into();
        f.remediation = "another \"fix\"".into();
        f.severity = Severity::Info;
        out.push(f);
        let mut f = fx.findings[1].clone();
        f.controls = fx.rules[0].controls;
        out.push(f);
        let mut f = fx.findings[3].clone();
        f.rule_id = "X-999".into();
        f.message = String::new();
        out.push(f);
        out
    }

    #[test]
    fn written_results_are_the_results_pretty_printed() {
        let fx = Fixture::new();
        let mut findings = fx.findings.clone();
        findings.extend(edge_findings(&fx));
        findings.extend(odd_findings(&fx));
        // and back to the first file: the writer must not keep the last file's URI
        findings.push(fx.findings[0].clone());
        let mut writer = ResultWriter::default();
        let (mut with_snippet, mut with_context, mut from_fragments) = (0, 0, 0);
        for f in &findings {
            let rule = fx.rules.iter().position(|r| r.id == f.rule_id);
            let parts = rule.map(|i| RuleParts::of(i, &fx.rules[i]));
            for parts in [parts.as_ref(), None] {
                let mut ours = Vec::new();
                writer.write(&mut ours, f, parts);
                let reference = reference_result(f, parts.map(|p| p.index));
                let mut expected = Vec::new();
                write_nested(&reference, RESULT_DEPTH, &mut expected);
                assert_eq!(
                    String::from_utf8(ours).unwrap(),
                    String::from_utf8(expected).unwrap(),
                    "{f:?}"
                );
                let physical = &reference["locations"][0]["physicalLocation"];
                with_snippet += usize::from(physical["region"].get("snippet").is_some());
                with_context += usize::from(physical.get("contextRegion").is_some());
                from_fragments += usize::from(parts.is_some_and(|p| p.fragments.apply_to(f)));
            }
        }
        assert!(with_snippet > 5 && with_context > 5 && from_fragments > 5);
    }

    #[test]
    fn edge_positions_stay_valid() {
        let fx = Fixture::new();
        let findings = edge_findings(&fx);
        let report = ScanReport {
            findings: &findings,
            streamed: Default::default(),
            ..fx.report()
        };
        let v = document(&report);
        let results = run(&v)["results"].as_array().unwrap();
        let phys = |i: usize| &results[i]["locations"][0]["physicalLocation"];
        assert!(phys(0).get("region").is_none());
        assert_eq!(phys(0)["artifactLocation"]["uri"], "%3Cstdin%3E");
        assert_eq!(phys(1)["region"], json!({"startLine": 1}));
        assert!(phys(1).get("contextRegion").is_none());
        assert_eq!(
            phys(1)["artifactLocation"]["uri"],
            "file:///abs/dir/x%20y.yaml"
        );
        assert_eq!(
            phys(2)["artifactLocation"]["uri"],
            "file:///C:/work/k8s.yaml"
        );
        assert_eq!(phys(3)["region"], json!({"startLine": 3}));
    }

    /// Writes SARIF samples into the directory `$PALISADE_SARIF_OUT` (for validating with the
    /// SARIF multitool by hand)
    #[test]
    fn write_samples_when_asked() {
        if let Ok(dir) = std::env::var("PALISADE_SARIF_OUT") {
            let dir = std::path::Path::new(&dir);
            let fx = Fixture::new();
            let edge = edge_findings(&fx);
            let edge_report = ScanReport {
                findings: &edge,
                streamed: Default::default(),
                rules: &[],
                ..fx.report()
            };
            for (name, report) in [
                ("fixture.sarif", fx.report()),
                ("clean.sarif", fx.clean_report()),
                ("edge.sarif", edge_report),
            ] {
                let text = crate::testutil::rendered(Format::Sarif, &report);
                std::fs::write(dir.join(name), text).unwrap();
            }
        }
    }
}
