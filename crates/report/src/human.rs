//! Human output: rustc-style annotated snippets, then a summary

use crate::ScanReport;
use crate::common::{
    Counts, Style, location_of, plural, push_safe_char, resource_label, severities_desc,
    terminal_safe, token_end, write_table,
};
use crate::compliance::{Status, View};
use palisade_engine::Finding;
use palisade_source::{Diagnostic, DiagnosticSeverity, Position, SourceFile};
use std::collections::HashMap;
use std::fmt::Write as _;

/// What follows the findings: diagnostics (with a snippet when `sources` has their file's
/// text), the suppressed-finding lines when listed, and the summary
pub(crate) fn write_tail(
    out: &mut String,
    report: &ScanReport<'_>,
    style: Style,
    sources: &HashMap<&str, &SourceFile>,
    suppressed: Option<&str>,
) {
    for d in report.diagnostics {
        write_diagnostic(out, style, d, sources.get(d.file.as_str()).copied());
        out.push('\n');
    }
    if let Some(lines) = suppressed.filter(|l| !l.is_empty()) {
        out.push_str(lines);
        out.push('\n');
    }
    write_summary(out, report, style);
}

/// `suppressed RULE-ID file:line — reason`
pub(crate) fn write_suppressed_line(out: &mut String, style: Style, f: &Finding) {
    let line = (f.position.line > 0).then_some((f.position.line, 0));
    let reason = f.suppressed.as_ref().map_or("", |s| s.reason());
    let _ = writeln!(
        out,
        "{} {} {} — {}",
        style.dim("suppressed"),
        style.bold(&terminal_safe(&f.rule_id)),
        location_of(&f.file.name, line),
        terminal_safe(reason),
    );
}

/// One active finding: header, location, snippet, note and help
pub(crate) fn write_finding(out: &mut String, style: Style, f: &Finding) {
    let codes = Style::severity_codes(f.severity);
    write_header(
        out,
        style,
        codes,
        f.severity.as_str(),
        &f.rule_id,
        &f.message,
    );
    let at = (f.position.line > 0).then_some(f.position);
    let w = gutter_width(at);
    write_arrow(out, style, w, &f.file.name, at);
    if let Some(p) = at {
        write_snippet(out, style, w, codes, &f.file, p);
    }
    let pad = " ".repeat(w + 1);
    let _ = writeln!(
        out,
        "{pad}{} resource {}",
        style.gutter("= note:"),
        resource_label(&f.resource)
    );
    if !f.remediation.is_empty() {
        let _ = writeln!(
            out,
            "{pad}{} {}",
            style.gutter("= help:"),
            terminal_safe(&f.remediation)
        );
    }
}

fn write_diagnostic(out: &mut String, style: Style, d: &Diagnostic, source: Option<&SourceFile>) {
    let (level, codes): (&str, &[&str]) = match d.severity {
        DiagnosticSeverity::Error => ("error", &[Style::BOLD, Style::RED]),
        DiagnosticSeverity::Warning => ("warning", &[Style::BOLD, Style::YELLOW]),
    };
    write_header(out, style, codes, level, d.code, &d.message);
    let at = d.position.filter(|p| p.line > 0);
    let w = gutter_width(at);
    write_arrow(out, style, w, &d.file, at);
    if let (Some(p), Some(src)) = (at, source) {
        write_snippet(out, style, w, codes, src, p);
    }
    if let Some(help) = &d.help {
        let _ = writeln!(
            out,
            "{}{} {}",
            " ".repeat(w + 1),
            style.gutter("= help:"),
            terminal_safe(help)
        );
    }
}

/// `severity[ID]: message` (further message lines indented under it)
fn write_header(out: &mut String, style: Style, codes: &[&str], level: &str, id: &str, msg: &str) {
    let mut lines = msg.lines();
    let first = lines.next().unwrap_or_default();
    let _ = writeln!(
        out,
        "{}{}",
        style.paint(codes, &format!("{level}[{}]", terminal_safe(id))),
        style.bold(&format!(": {}", terminal_safe(first)))
    );
    for more in lines {
        let _ = writeln!(out, "  {}", style.bold(&terminal_safe(more)));
    }
}

/// Width of the line-number gutter
fn gutter_width(at: Option<Position>) -> usize {
    at.map_or(1, |p| p.line.to_string().len())
}

fn write_arrow(out: &mut String, style: Style, w: usize, file: &str, at: Option<Position>) {
    let _ = writeln!(
        out,
        "{}{} {}",
        " ".repeat(w),
        style.gutter("-->"),
        location_of(file, at.map(|p| (p.line, p.column)))
    );
}

/// The line before and the offending line, with a gutter, and carets under the offending token
fn write_snippet(
    out: &mut String,
    style: Style,
    w: usize,
    codes: &[&str],
    src: &SourceFile,
    at: Position,
) {
    let Some(text) = src.line_text(at.line) else {
        return;
    };
    let pad = " ".repeat(w + 1);
    let bar = style.gutter("|");
    let _ = writeln!(out, "{pad}{bar}");
    let prev = at.line.saturating_sub(1);
    if let Some(prev_text) = src.line_text(prev).filter(|_| prev > 0) {
        let (shown, _) = display_line(prev_text, 0);
        let _ = writeln!(
            out,
            "{} {bar} {}",
            style.gutter(&format!("{prev:>w$}")),
            shown
        );
    }
    let column = usize::try_from(at.column).unwrap_or(1).max(1);
    let (shown, marker) = display_line(text, column);
    let _ = writeln!(
        out,
        "{} {bar} {}",
        style.gutter(&format!("{:>w$}", at.line)),
        shown
    );
    let _ = writeln!(
        out,
        "{pad}{bar} {}{}",
        marker.indent,
        style.paint(codes, &"^".repeat(marker.len))
    );
}

/// Where the carets go on a displayed line
#[derive(Debug, Default, PartialEq, Eq)]
struct Marker {
    /// Whitespace up to the offending column (tabs kept, so it lines up)
    indent: String,
    /// Number of carets
    len: usize,
}

/// A source line made terminal-safe, and the marker under 1-based char column `column`
/// (`0`: no marker needed). The marker covers the token starting at the column (a key up to its
/// `:`, or a scalar up to whitespace), at least one char.
fn display_line(line: &str, column: usize) -> (String, Marker) {
    let start = line
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line.len(), |(at, _)| at);
    let mut shown = String::with_capacity(line.len());
    let mut marker = Marker::default();
    let token_end = token_end(line, start);
    for (i, c) in line.char_indices() {
        let cells = push_safe_char(&mut shown, c);
        if column > 0 {
            if i < start {
                let fill = if c == '\t' { "\t" } else { " " };
                marker.indent.push_str(&fill.repeat(cells));
            } else if i < token_end {
                marker.len += cells;
            }
        }
    }
    marker.len = marker.len.max(1);
    (shown, marker)
}

/// Counts, scanned totals, the compliance table, and a closing one-line verdict
pub(crate) fn write_summary(out: &mut String, report: &ScanReport<'_>, style: Style) {
    let c = Counts::of(report);
    let _ = writeln!(out, "{}", style.bold("summary"));
    let row = |out: &mut String, label: String, value: String| {
        let _ = writeln!(out, "  {label}{value}");
    };
    for s in severities_desc() {
        let n = c.severity(s);
        let label = format!("{:<13}", s.as_str());
        let label = if n > 0 {
            style.severity(s, &label)
        } else {
            label
        };
        row(out, label, n.to_string());
    }
    row(
        out,
        format!("{:<13}", "suppressed"),
        c.suppressed.to_string(),
    );
    row(
        out,
        format!("{:<13}", "files"),
        report.files_scanned.to_string(),
    );
    row(
        out,
        format!("{:<13}", "resources"),
        report.resources_scanned.to_string(),
    );
    row(
        out,
        format!("{:<13}", "diagnostics"),
        format!(
            "{}, {}",
            plural(c.errors, "error", "errors"),
            plural(c.warnings, "warning", "warnings")
        ),
    );
    if let Some(view) = View::of(report) {
        out.push('\n');
        write_compliance(out, &view, style);
    }
    out.push('\n');
    let scanned = format!(
        "in {} from {}",
        plural(report.resources_scanned, "resource", "resources"),
        plural(report.files_scanned, "file", "files")
    );
    let suppressed = if c.suppressed > 0 {
        format!(", {} suppressed", c.suppressed)
    } else {
        String::new()
    };
    let verdict = if c.active == 0 {
        style.paint(
            &[Style::BOLD, Style::GREEN],
            &format!("no findings {scanned}{suppressed}"),
        )
    } else {
        let parts: Vec<String> = severities_desc()
            .filter(|s| c.severity(*s) > 0)
            .map(|s| format!("{} {s}", c.severity(s)))
            .collect();
        style.paint(
            &[Style::BOLD, Style::RED],
            &format!(
                "{} ({}) {scanned}{suppressed}",
                plural(c.active, "finding", "findings"),
                parts.join(", ")
            ),
        )
    };
    let _ = writeln!(out, "{verdict}");
}

fn write_compliance(out: &mut String, view: &View<'_>, style: Style) {
    let _ = writeln!(
        out,
        "{} {} ({}): score {}, {} passing, {} failing, {} not covered",
        style.bold("compliance:"),
        view.framework.title(),
        view.framework.id(),
        style.bold(&view.score_label()),
        view.passing,
        view.failing,
        view.not_covered,
    );
    let rows: Vec<Vec<String>> = view
        .controls
        .iter()
        .map(|c| {
            let mut status = match c.status {
                Status::Failing => format!("{} ({})", c.status.label(), c.failing_findings),
                _ => c.status.label().to_owned(),
            };
            if c.suppressed_findings > 0 {
                status.push_str(&format!(" +{} suppressed", c.suppressed_findings));
            }
            let rules = if c.rules.is_empty() {
                "-".to_owned()
            } else {
                c.rules.join(", ")
            };
            vec![
                status,
                terminal_safe(c.id).into_owned(),
                terminal_safe(c.title).into_owned(),
                terminal_safe(&rules).into_owned(),
            ]
        })
        .collect();
    let statuses: Vec<Status> = view.controls.iter().map(|c| c.status).collect();
    write_table(
        out,
        "  ",
        &["STATUS", "CONTROL", "TITLE", "RULES"],
        &rows,
        &|col, row, cell| match (col, row) {
            (_, None) => style.bold(cell),
            (0, Some(r)) => match statuses.get(r) {
                Some(Status::Failing) => style.paint(&[Style::BOLD, Style::RED], cell),
                Some(Status::Passing) => style.paint(&[Style::GREEN], cell),
                _ => style.dim(cell),
            },
            _ => cell.to_owned(),
        },
    );
    if !view.unknown_controls.is_empty() {
        let _ = writeln!(
            out,
            "  rules reference controls missing from the catalog: {}",
            terminal_safe(&view.unknown_controls.join(", "))
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Fixture;

    use crate::RenderOptions;

    fn render(report: &ScanReport<'_>, opts: &RenderOptions) -> String {
        crate::testutil::rendered_with(crate::Format::Human, opts, report)
    }

    fn render_plain(report: &ScanReport<'_>, show_suppressed: bool) -> String {
        render(
            report,
            &RenderOptions {
                color: false,
                show_suppressed,
            },
        )
    }

    #[test]
    fn finding_has_header_arrow_snippet_marker_and_help() {
        let fx = Fixture::new();
        let out = render_plain(&fx.report(), false);
        let expected = "\
critical[POD-001]: container `app` runs privileged
  --> manifests/deploy.yaml:12:11
   |
11 |         securityContext:
12 |           privileged: true
   |           ^^^^^^^^^^
   = note: resource Deployment/prod/web
   = help: fix privileged-container
";
        assert!(out.contains(expected), "{out}");
    }

    #[test]
    fn first_line_has_no_previous_line_and_multiline_messages_indent() {
        let fx = Fixture::new();
        let out = render_plain(&fx.report(), false);
        let expected = "\
low[IMG-001]: image `nginx:latest` uses a mutable tag
  it may change: yes
 --> ./pods/pod.yaml:9:5
  |
8 |   - name: c
9 |     image: nginx:latest
  |     ^^^^^
";
        assert!(out.contains(expected), "{out}");
    }

    #[test]
    fn diagnostics_render_in_the_same_style() {
        let fx = Fixture::new();
        let out = render_plain(&fx.report(), false);
        let expected = "\
error[yaml-syntax]: mapping values are not allowed here
  --> manifests/deploy.yaml:24:7
   |
23 |     spec:
24 |       hostPID: true
   |       ^^^^^^^
   = help: check the indentation
";
        assert!(out.contains(expected), "{out}");
        assert!(
            out.contains("warning[empty-input]: file contains no documents\n --> empty.yaml\n"),
            "{out}"
        );
    }

    #[test]
    fn suppressed_findings_are_counted_and_listed_on_request() {
        let fx = Fixture::new();
        let hidden = render_plain(&fx.report(), false);
        assert!(!hidden.contains("suppressed POD-002"), "{hidden}");
        assert!(hidden.contains("  suppressed   1\n"), "{hidden}");
        let shown = render_plain(&fx.report(), true);
        assert!(
            shown.contains("suppressed POD-002 manifests/deploy.yaml:24 — legacy & <ok>\n"),
            "{shown}"
        );
        // the suppressed finding has no snippet of its own
        assert!(!shown.contains("high[POD-002]"), "{shown}");
    }

    #[test]
    fn summary_counts_and_compliance_table() {
        let fx = Fixture::new();
        let out = render_plain(&fx.report(), false);
        for line in [
            "  critical     1\n",
            "  high         0\n",
            "  medium       1\n",
            "  low          1\n",
            "  info         0\n",
            "  files        3\n",
            "  resources    4\n",
            "  diagnostics  1 error, 1 warning\n",
            "compliance: CIS Kubernetes Benchmark v1.12 (cis-1.12): score 50.0%, 1 passing, 1 failing, 1 not covered\n",
            "  STATUS              CONTROL  TITLE                           RULES\n",
            "  FAIL (1)            5.2.2    Minimize privileged containers  POD-001\n",
            "  PASS +1 suppressed  5.2.3    Minimize host PID sharing       POD-002\n",
            "  NOT COVERED         5.1.1    Limit cluster-admin use         -\n",
            "  rules reference controls missing from the catalog: cis-1.12:9.9\n",
            "3 findings (1 critical, 1 medium, 1 low) in 4 resources from 3 files, 1 suppressed\n",
        ] {
            assert!(out.contains(line), "missing {line:?} in\n{out}");
        }
    }

    #[test]
    fn no_color_codes_unless_asked() {
        let fx = Fixture::new();
        let plain = render_plain(&fx.report(), true);
        assert!(!plain.contains('\x1b'), "{plain}");
        let colored = render(
            &fx.report(),
            &RenderOptions {
                color: true,
                show_suppressed: true,
            },
        );
        assert!(
            colored.contains("\x1b[1m\x1b[35mcritical[POD-001]\x1b[0m"),
            "{colored}"
        );
        // carets still line up: same text once the escapes are removed
        assert_eq!(strip_ansi(&colored), plain);
    }

    #[test]
    fn clean_run_says_so() {
        let fx = Fixture::new();
        let out = render_plain(&fx.clean_report(), false);
        assert!(out.starts_with("summary\n"), "{out}");
        assert!(
            out.ends_with("no findings in 1 resource from 1 file\n"),
            "{out}"
        );
    }

    #[test]
    fn control_characters_from_input_are_neutralised() {
        let (shown, marker) = display_line("a: \x1b[31mred\tx", 4);
        assert_eq!(shown, "a: \\u{1b}[31mred\tx");
        assert_eq!(marker.indent, "   ");
        assert_eq!(marker.len, "\\u{1b}[31mred".len());
        assert_eq!(terminal_safe("ok\r\x07"), "ok\\u{d}\\u{7}");
    }

    #[test]
    fn markers_keep_tabs_and_clamp_columns() {
        let (_, m) = display_line("\tkey: value", 2);
        assert_eq!(
            m,
            Marker {
                indent: "\t".into(),
                len: 3
            }
        );
        let (_, m) = display_line("- {a: 1, b: 2}", 4);
        assert_eq!(m.len, 1);
        let (_, m) = display_line("short", 40);
        assert_eq!(
            m,
            Marker {
                indent: "     ".into(),
                len: 1
            }
        );
    }

    fn strip_ansi(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}
