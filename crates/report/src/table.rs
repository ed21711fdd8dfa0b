//! Table output: one aligned row per finding, then the summary.
//!
//! Columns are as wide as their widest cell, so nothing is written before the last finding is
//! known. A streamed scan keeps each finding as its row's text, rendered on the worker (one
//! string per row, see [`held`]), and lays the rows out at the end.

use crate::ScanReport;
use crate::common::{Style, location, resource_label, terminal_safe};
use crate::human::write_summary;
use crate::stream::{Held, cut};
use palisade_engine::Finding;
use std::io::{self, Write};

const HEADER: [&str; COLUMNS] = ["SEVERITY", "RULE", "RESOURCE", "LOCATION", "MESSAGE"];
const COLUMNS: usize = 5;

/// A finding's row: the cells one after another, `cuts` where each but the last ends
pub(crate) fn held(f: &Finding) -> Held {
    let mut text = String::new();
    let mut cuts = [0; COLUMNS - 1];
    let cells = row(f);
    for (i, cell) in cells.iter().enumerate() {
        text.push_str(cell);
        if let Some(c) = cuts.get_mut(i) {
            *c = cut(text.len());
        }
    }
    Held::new(f, text, cuts)
}

fn cells(h: &Held) -> [&str; COLUMNS] {
    [
        h.part(None, 0),
        h.part(Some(0), 1),
        h.part(Some(1), 2),
        h.part(Some(2), 3),
        h.rest(3),
    ]
}

/// The rows (in report order), a blank line and the summary
pub(crate) fn write(
    out: &mut dyn Write,
    report: &ScanReport<'_>,
    style: Style,
    rows: Vec<Held>,
) -> io::Result<()> {
    let mut text = String::new();
    if rows.is_empty() {
        text.push_str("no findings\n");
    } else {
        let mut widths = HEADER.map(|h| h.chars().count());
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(cells(r)) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let header = HEADER.map(|h| style.bold(h));
        write_row(&mut text, &HEADER, &header, &widths);
        for r in &rows {
            let plain = cells(r);
            let painted = plain.map(|cell| cell.to_owned());
            let painted = if !r.active {
                painted.map(|cell| style.dim(&cell))
            } else {
                let [severity, rest @ ..] = painted;
                let [a, b, c, d] = rest;
                [style.severity(r.severity, &severity), a, b, c, d]
            };
            write_row(&mut text, &plain, &painted, &widths);
            if text.len() >= FLUSH_BYTES {
                out.write_all(text.as_bytes())?;
                text.clear();
            }
        }
    }
    drop(rows);
    text.push('\n');
    write_summary(&mut text, report, style);
    out.write_all(text.as_bytes())
}

/// Written out once this much is rendered
const FLUSH_BYTES: usize = 1 << 16;

/// One row: each cell painted, then padded (by its plain width) to its column's width plus
/// two spaces; the last cell is not padded
fn write_row<S: AsRef<str>>(
    out: &mut String,
    plain: &[&str; COLUMNS],
    painted: &[S; COLUMNS],
    widths: &[usize; COLUMNS],
) {
    for (i, (cell, shown)) in plain.iter().zip(painted).enumerate() {
        out.push_str(shown.as_ref());
        if i + 1 < COLUMNS {
            let width = widths.get(i).copied().unwrap_or_default();
            let pad = width.saturating_sub(cell.chars().count()) + 2;
            out.extend(std::iter::repeat_n(' ', pad));
        }
    }
    out.push('\n');
}

fn row(f: &Finding) -> [String; COLUMNS] {
    let severity = if f.is_active() {
        f.severity.as_str().to_owned()
    } else {
        format!("{} (suppressed)", f.severity)
    };
    // one line per row: message lines are joined
    let mut message = f.message.lines().collect::<Vec<_>>().join(" ");
    if let Some(s) = &f.suppressed {
        message.push_str(&format!(" [suppressed: {}]", s.reason()));
    }
    [
        severity,
        terminal_safe(&f.rule_id).into_owned(),
        resource_label(&f.resource),
        location(f),
        terminal_safe(&message).into_owned(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RenderOptions;
    use crate::testutil::Fixture;

    fn render(report: &ScanReport<'_>, opts: &RenderOptions) -> String {
        crate::testutil::rendered_with(crate::Format::Table, opts, report)
    }

    #[test]
    fn rows_are_aligned_and_followed_by_the_summary() {
        let fx = Fixture::new();
        let out = render(&fx.report(), &RenderOptions::default());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "SEVERITY  RULE     RESOURCE             LOCATION                     MESSAGE"
        );
        assert_eq!(
            lines[1],
            "low       IMG-001  Pod/dev/p            ./pods/pod.yaml:9:5          image `nginx:latest` uses a mutable tag it may change: yes"
        );
        assert_eq!(
            lines[2],
            "critical  POD-001  Deployment/prod/web  manifests/deploy.yaml:12:11  container `app` runs privileged"
        );
        assert_eq!(
            lines[3],
            "medium    NET-001  Namespace/prod       ns dir/namespace.yaml:4:3    namespace `prod` has no NetworkPolicy <&\"'>"
        );
        assert_eq!(lines[4], "");
        assert_eq!(lines[5], "summary");
        assert!(!out.contains("(suppressed)"), "{out}");
    }

    #[test]
    fn suppressed_rows_on_request() {
        let fx = Fixture::new();
        let out = render(
            &fx.report(),
            &RenderOptions {
                color: true,
                show_suppressed: true,
            },
        );
        assert!(
            out.contains("POD-002") && out.contains("high (suppressed)"),
            "{out}"
        );
        assert!(out.contains("[suppressed: legacy & <ok>]"), "{out}");
    }

    #[test]
    fn empty_table() {
        let fx = Fixture::new();
        let out = render(&fx.clean_report(), &RenderOptions::default());
        assert!(out.starts_with("no findings\n\nsummary\n"), "{out}");
    }
}
