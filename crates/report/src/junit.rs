//! JUnit XML output: one `<testsuite>` per rule that ran, one `<testcase>` per (rule, resource)
//! with findings (failing, or skipped when every finding is suppressed), one passing testcase
//! for a rule without findings, and a `palisade/load` suite for load diagnostics.
//!
//! The totals head the document, so it is laid out once every finding is known. A streamed scan
//! keeps each finding as the text its testcase shows, rendered on the worker ([`held`]), rather
//! than the finding.

use crate::ScanReport;
use crate::common::location_of;
use crate::stream::{Held, cut};
use palisade_engine::Finding;
use palisade_model::ResourceRef;
use palisade_source::Diagnostic;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

/// What a testcase shows of a finding that is not in its sort key: for an active one the
/// message then the pointer (`cuts[0]`: where the message ends), the help being the rule's; for
/// a suppressed one the reason
pub(crate) fn held(f: &Finding) -> Held {
    match &f.suppressed {
        None => {
            let mut text = f.message.clone();
            let end = cut(text.len());
            text.push_str(&f.pointer);
            let mut held = Held::new(f, text, [end, 0, 0, 0]);
            held.help = f.remediation.clone();
            held
        }
        Some(s) => Held::new(f, s.reason().to_owned(), [0; 4]),
    }
}

/// `location: message`, the pointer and the help of an active finding
fn write_failure_text(out: &mut String, f: &Held) {
    let k = &f.key;
    escape_into(
        out,
        &location_of(&k.file.name, Some((k.line, k.column))),
        false,
    );
    out.push_str(": ");
    escape_into(out, f.part(None, 0), false);
    out.push_str("\n  pointer: ");
    escape_into(out, f.rest(0), false);
    out.push_str("\n  help: ");
    escape_into(out, &f.help, false);
}

/// One (rule, resource, file) with its findings
struct Case<'a> {
    resource: &'a ResourceRef,
    file: &'a str,
    findings: Vec<&'a Held>,
}

impl Case<'_> {
    fn active(&self) -> impl Iterator<Item = &&Held> {
        self.findings.iter().filter(|f| f.active)
    }
}

struct Suite<'a> {
    id: &'a str,
    name: &'a str,
    cases: Vec<Case<'a>>,
}

/// The document of `report` with the findings `held` (in report order)
pub(crate) fn write(
    out: &mut dyn Write,
    report: &ScanReport<'_>,
    held: Vec<Held>,
) -> io::Result<()> {
    let suites = suites(report, &held);
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    for s in &suites {
        let (t, f, k) = suite_counts(s);
        tests += t;
        failures += f;
        skipped += k;
    }
    let errors = report.diagnostics.iter().filter(|d| d.is_error()).count();
    tests += report.diagnostics.len();
    let mut text = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        text,
        "<testsuites name=\"palisade\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"0\">"
    );
    for s in &suites {
        write_suite(&mut text, s);
        if text.len() >= FLUSH_BYTES {
            out.write_all(text.as_bytes())?;
            text.clear();
        }
    }
    if !report.diagnostics.is_empty() {
        write_load_suite(&mut text, report.diagnostics, errors);
    }
    text.push_str("</testsuites>\n");
    out.write_all(text.as_bytes())
}

/// Written out once this much is rendered
const FLUSH_BYTES: usize = 1 << 16;

/// Suites in rule order (rules that ran, then any other rule a finding names); cases in the
/// order of their first finding
fn suites<'a>(report: &'a ScanReport<'_>, held: &'a [Held]) -> Vec<Suite<'a>> {
    let mut suites: Vec<Suite<'a>> = report
        .rules
        .iter()
        .map(|r| Suite {
            id: &r.id,
            name: &r.name,
            cases: Vec::new(),
        })
        .collect();
    let mut by_rule: HashMap<&str, usize> =
        suites.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let mut by_case: HashMap<(usize, &ResourceRef, &str), usize> = HashMap::new();
    for f in held {
        let si = *by_rule.entry(&f.key.rule).or_insert_with(|| {
            suites.push(Suite {
                id: &f.key.rule,
                name: &f.rule_name,
                cases: Vec::new(),
            });
            suites.len() - 1
        });
        let Some(suite) = suites.get_mut(si) else {
            continue;
        };
        let key = (si, &*f.resource, f.key.file.name.as_str());
        let ci = *by_case.entry(key).or_insert_with(|| {
            suite.cases.push(Case {
                resource: &f.resource,
                file: &f.key.file.name,
                findings: Vec::new(),
            });
            suite.cases.len() - 1
        });
        if let Some(case) = suite.cases.get_mut(ci) {
            case.findings.push(f);
        }
    }
    suites
}

/// (tests, failures, skipped)
fn suite_counts(s: &Suite<'_>) -> (usize, usize, usize) {
    if s.cases.is_empty() {
        return (1, 0, 0);
    }
    let failures = s
        .cases
        .iter()
        .filter(|c| c.active().next().is_some())
        .count();
    (s.cases.len(), failures, s.cases.len() - failures)
}

fn write_suite(out: &mut String, s: &Suite<'_>) {
    let (tests, failures, skipped) = suite_counts(s);
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"0\">",
        attr(&format!("{} {}", s.id, s.name)),
    );
    let classname = attr(s.id);
    if s.cases.is_empty() {
        let _ = writeln!(
            out,
            "    <testcase name=\"{}\" classname=\"{classname}\" time=\"0\"/>",
            attr(&format!("{}: no findings", s.name)),
        );
    }
    for c in &s.cases {
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"{classname}\" file=\"{}\" time=\"0\">",
            attr(&c.resource.to_string()),
            attr(c.file),
        );
        let mut active = c.active().peekable();
        match active.peek() {
            Some(first) => {
                let _ = write!(
                    out,
                    "\n      <failure message=\"{}\" type=\"{}\">",
                    attr(first.part(None, 0)),
                    first.severity,
                );
                for (i, f) in active.enumerate() {
                    if i > 0 {
                        out.push('\n');
                    }
                    write_failure_text(out, f);
                }
                out.push_str("</failure>\n    ");
            }
            None => {
                let reasons: Vec<&str> = c.findings.iter().map(|f| &*f.text).collect();
                let _ = write!(
                    out,
                    "\n      <skipped message=\"{}\"/>\n    ",
                    attr(&format!("suppressed: {}", reasons.join("; "))),
                );
            }
        }
        out.push_str("</testcase>\n");
    }
    out.push_str("  </testsuite>\n");
}

fn write_load_suite(out: &mut String, diagnostics: &[Diagnostic], errors: usize) {
    let _ = writeln!(
        out,
        "  <testsuite name=\"palisade/load\" tests=\"{}\" failures=\"0\" errors=\"{errors}\" skipped=\"0\" time=\"0\">",
        diagnostics.len(),
    );
    for d in diagnostics {
        let at = d
            .position
            .map(|p| format!("{}:{}:{}", d.file, p.line, p.column))
            .unwrap_or_else(|| d.file.clone());
        let mut body = format!("{at}: {}", d.message);
        if let Some(help) = &d.help {
            body.push_str(&format!("\n  help: {help}"));
        }
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"palisade/load\" file=\"{}\" time=\"0\">",
            attr(&format!("{} {}", d.code, at)),
            attr(&d.file),
        );
        if d.is_error() {
            let _ = write!(
                out,
                "\n      <error message=\"{}\" type=\"{}\">{}</error>\n    ",
                attr(&d.message),
                attr(d.code),
                text(&body),
            );
        } else {
            let _ = write!(
                out,
                "\n      <system-out>{}</system-out>\n    ",
                text(&body)
            );
        }
        out.push_str("</testcase>\n");
    }
    out.push_str("  </testsuite>\n");
}

/// Escape character data
fn text(s: &str) -> String {
    escape(s, false)
}

/// Escape an attribute value (line breaks and tabs kept as character references)
fn attr(s: &str) -> String {
    escape(s, true)
}

/// XML 1.0 escaping; characters XML 1.0 cannot carry at all (most C0 controls, lone
/// surrogates cannot occur in `str`, U+FFFE/U+FFFF) become U+FFFD
fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s, attribute);
    out
}

fn escape_into(out: &mut String, s: &str, attribute: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\t' | '\n' => out.push(c),
            c if u32::from(c) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Fixture;

    fn render(report: &ScanReport<'_>) -> String {
        crate::testutil::rendered(crate::Format::Junit, report)
    }

    #[test]
    fn suites_per_rule_and_totals() {
        let fx = Fixture::new();
        let out = render(&fx.report());
        assert!(out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"palisade\" tests=\"7\" failures=\"3\" errors=\"1\" skipped=\"1\" time=\"0\">\n"), "{out}");
        assert_eq!(
            out.matches("<testsuite ").count(),
            6,
            "5 rules + load: {out}"
        );
        assert!(out.ends_with("</testsuites>\n"));
        assert!(out.contains(
            "  <testsuite name=\"POD-001 privileged-container\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"0\">\n    <testcase name=\"Deployment/prod/web\" classname=\"POD-001\" file=\"manifests/deploy.yaml\" time=\"0\">\n      <failure message=\"container `app` runs privileged\" type=\"critical\">manifests/deploy.yaml:12:11: container `app` runs privileged\n  pointer: /spec/template/spec/containers/0/securityContext/privileged\n  help: fix privileged-container</failure>\n    </testcase>\n  </testsuite>\n"
        ), "{out}");
    }

    #[test]
    fn passing_rule_has_one_passing_case() {
        let fx = Fixture::new();
        let out = render(&fx.report());
        assert!(out.contains(
            "  <testsuite name=\"POD-003 host-network\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\" time=\"0\">\n    <testcase name=\"host-network: no findings\" classname=\"POD-003\" time=\"0\"/>\n  </testsuite>\n"
        ), "{out}");
    }

    #[test]
    fn suppressed_cases_are_skipped() {
        let fx = Fixture::new();
        let out = render(&fx.report());
        assert!(out.contains(
            "<testsuite name=\"POD-002 host-pid\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\" time=\"0\">\n    <testcase name=\"Deployment/prod/api\" classname=\"POD-002\" file=\"manifests/deploy.yaml\" time=\"0\">\n      <skipped message=\"suppressed: legacy &amp; &lt;ok&gt;\"/>\n    </testcase>"
        ), "{out}");
    }

    #[test]
    fn escaping() {
        let fx = Fixture::new();
        let out = render(&fx.report());
        assert!(
            out.contains(
                "message=\"namespace `prod` has no NetworkPolicy &lt;&amp;&quot;&apos;&gt;\""
            ),
            "{out}"
        );
        assert!(out.contains(">ns dir/namespace.yaml:4:3: namespace `prod` has no NetworkPolicy &lt;&amp;\"'&gt;\n"), "{out}");
        assert!(
            out.contains(
                "message=\"image `nginx:latest` uses a mutable tag&#10;it may change: yes\""
            ),
            "{out}"
        );
        assert_eq!(attr("a\x01b\r\t"), "a\u{fffd}b&#13;&#9;");
        assert_eq!(text("]]> a\nb"), "]]&gt; a\nb");
    }

    #[test]
    fn diagnostics_suite() {
        let fx = Fixture::new();
        let out = render(&fx.report());
        assert!(out.contains("<testsuite name=\"palisade/load\" tests=\"2\" failures=\"0\" errors=\"1\" skipped=\"0\" time=\"0\">"), "{out}");
        assert!(out.contains("<error message=\"mapping values are not allowed here\" type=\"yaml-syntax\">manifests/deploy.yaml:24:7: mapping values are not allowed here\n  help: check the indentation</error>"), "{out}");
        assert!(
            out.contains("<system-out>empty.yaml: file contains no documents</system-out>"),
            "{out}"
        );
    }

    #[test]
    fn several_findings_on_one_resource_make_one_case() {
        let fx = Fixture::new();
        let mut findings = fx.findings.clone();
        let mut again = findings[1].clone();
        again.message = "second".into();
        findings.insert(2, again);
        let report = ScanReport {
            findings: &findings,
            streamed: Default::default(),
            ..fx.report()
        };
        let out = render(&report);
        assert!(
            out.contains(
                "<testsuite name=\"POD-001 privileged-container\" tests=\"1\" failures=\"1\""
            ),
            "{out}"
        );
        assert!(
            out.contains("help: fix privileged-container\nmanifests/deploy.yaml:12:11: second\n"),
            "{out}"
        );
    }

    #[test]
    fn well_formed() {
        let fx = Fixture::new();
        for report in [fx.report(), fx.clean_report()] {
            check_well_formed(&render(&report));
        }
        check_well_formed(&format!(
            "<a x=\"{}\">{}</a>",
            attr("<&\"'>\n\x00"),
            text("<&]]>")
        ));
    }

    /// A small XML well-formedness check: balanced tags, quoted attributes without raw `<`,
    /// and `&` only as an entity or character reference
    fn check_well_formed(xml: &str) {
        let body = xml
            .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
            .unwrap_or(xml);
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = body;
        while let Some(lt) = rest.find('<') {
            check_refs(&rest[..lt]);
            let gt = rest[lt..].find('>').map(|i| lt + i).expect("unclosed tag");
            let tag = &rest[lt + 1..gt];
            assert!(!tag.contains('<'), "raw < in tag {tag}");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(name), "mismatched </{name}>");
            } else {
                let self_closing = tag.ends_with('/');
                let tag = tag.trim_end_matches('/');
                let name = tag.split_whitespace().next().expect("empty tag");
                let attrs = &tag[name.len()..];
                assert_eq!(
                    attrs.matches('"').count() % 2,
                    0,
                    "unbalanced quotes in {tag}"
                );
                check_refs(attrs);
                if !self_closing {
                    stack.push(name);
                }
            }
            rest = &rest[gt + 1..];
        }
        check_refs(rest);
        assert!(stack.is_empty(), "unclosed {stack:?}");
    }

    fn check_refs(s: &str) {
        for (i, _) in s.match_indices('&') {
            let tail = &s[i + 1..];
            let end = tail.find(';').expect("bare &");
            let name = &tail[..end];
            assert!(
                ["amp", "lt", "gt", "quot", "apos"].contains(&name)
                    || name
                        .strip_prefix('#')
                        .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit())),
                "bad reference &{name};"
            );
        }
        assert!(
            !s.chars()
                .any(|c| u32::from(c) < 0x20 && !matches!(c, '\n' | '\t')),
            "control char in {s:?}"
        );
    }
}
