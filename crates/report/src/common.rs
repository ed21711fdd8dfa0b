//! Helpers shared by the renderers: counting, terminal-safe text, ANSI styles

use crate::ScanReport;
use palisade_engine::{Finding, Severity};
use palisade_model::ResourceRef;
use std::borrow::Cow;
use std::fmt::Write as _;

/// Findings counted by severity and suppression; also what a [`crate::StreamWriter`] keeps of
/// the findings it has written
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Active findings by severity, indexed like [`Severity::ALL`]
    by_severity: [usize; 5],
    /// Suppressed findings
    suppressed: usize,
}

impl Tally {
    /// Count one finding
    pub fn add(&mut self, f: &Finding) {
        if f.is_active() {
            if let Some(n) = self.by_severity.get_mut(severity_index(f.severity)) {
                *n += 1;
            }
        } else {
            self.suppressed += 1;
        }
    }

    /// Both counts together
    #[must_use]
    pub fn plus(mut self, other: Self) -> Self {
        for (a, b) in self.by_severity.iter_mut().zip(other.by_severity) {
            *a += b;
        }
        self.suppressed += other.suppressed;
        self
    }

    /// Active findings of one severity
    pub fn severity(&self, s: Severity) -> usize {
        self.by_severity
            .get(severity_index(s))
            .copied()
            .unwrap_or_default()
    }

    /// Active findings
    pub fn active(&self) -> usize {
        self.by_severity.iter().sum()
    }

    /// Suppressed findings
    pub fn suppressed(&self) -> usize {
        self.suppressed
    }

    /// Is any active finding at least this severe?
    pub fn any_at_least(&self, threshold: Severity) -> bool {
        Severity::ALL
            .into_iter()
            .any(|s| s >= threshold && self.severity(s) > 0)
    }
}

/// Counts every renderer reports the same way
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    findings: Tally,
    /// Active findings
    pub active: usize,
    /// Suppressed findings
    pub suppressed: usize,
    /// Error diagnostics
    pub errors: usize,
    /// Warning diagnostics
    pub warnings: usize,
}

impl Counts {
    pub(crate) fn of(report: &ScanReport<'_>) -> Self {
        let mut findings = report.streamed;
        for f in report.findings {
            findings.add(f);
        }
        let errors = report.diagnostics.iter().filter(|d| d.is_error()).count();
        Self {
            findings,
            active: findings.active(),
            suppressed: findings.suppressed(),
            errors,
            warnings: report.diagnostics.len() - errors,
        }
    }

    /// Active findings of one severity
    pub(crate) fn severity(&self, s: Severity) -> usize {
        self.findings.severity(s)
    }
}

fn severity_index(s: Severity) -> usize {
    Severity::ALL
        .iter()
        .position(|x| *x == s)
        .unwrap_or_default()
}

/// Severities, most severe first (report order)
pub(crate) fn severities_desc() -> impl Iterator<Item = Severity> {
    Severity::ALL.into_iter().rev()
}

/// `Kind/namespace/name` (or `Kind/name`), made terminal-safe
pub(crate) fn resource_label(r: &ResourceRef) -> String {
    terminal_safe(&r.to_string()).into_owned()
}

/// `file:line:col` of a finding (`file` alone when the position is unknown)
pub(crate) fn location(f: &Finding) -> String {
    location_of(&f.file.name, Some((f.position.line, f.position.column)))
}

/// `file:line:col`, `file:line` or `file`
pub(crate) fn location_of(file: &str, pos: Option<(u32, u32)>) -> String {
    let file = terminal_safe(file);
    match pos {
        Some((line, col)) if line > 0 && col > 0 => format!("{file}:{line}:{col}"),
        Some((line, _)) if line > 0 => format!("{file}:{line}"),
        _ => file.into_owned(),
    }
}

/// Replace control characters (escape sequences, carriage returns, …) that come from scanned
/// files, so that a hostile manifest cannot drive the terminal. Tabs are kept.
pub(crate) fn terminal_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_safe_char(&mut out, c);
    }
    Cow::Owned(out)
}

fn is_unsafe_char(c: char) -> bool {
    c != '\t' && (c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
}

/// Push `c`, or its visible escape when it is unsafe for a terminal; returns the number of
/// terminal cells pushed (1 per char)
pub(crate) fn push_safe_char(out: &mut String, c: char) -> usize {
    if is_unsafe_char(c) {
        let before = out.len();
        let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        out.len() - before
    } else {
        out.push(c);
        1
    }
}

/// End (exclusive byte offset) of the token of a YAML line that starts at byte offset `start`:
/// a key up to its `:`, or a scalar up to whitespace or a flow delimiter
pub(crate) fn token_end(line: &str, start: usize) -> usize {
    let Some(rest) = line.get(start..) else {
        return start;
    };
    let mut chars = rest.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, next)| next);
        let ends_key = c == ':' && next.is_none_or(char::is_whitespace);
        if c.is_whitespace() || ends_key || (at > 0 && matches!(c, ',' | ']' | '}')) {
            return start + at;
        }
    }
    line.len()
}

/// Markdown docs from `///` comments carry one leading space per line; remove it
pub(crate) fn dedent_doc(doc: &str) -> String {
    let all_indented = doc
        .lines()
        .filter(|l| !l.trim().is_empty())
        .all(|l| l.starts_with(' '));
    let lines: Vec<&str> = doc
        .lines()
        .map(|l| {
            if all_indented {
                l.strip_prefix(' ').unwrap_or(l)
            } else {
                l
            }
        })
        .collect();
    lines.join("\n").trim().to_owned()
}

/// `Some(plural)` helper: `1 finding`, `2 findings`
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Minimal ANSI styling; every method is the identity when colors are off
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub color: bool,
}

impl Style {
    pub(crate) const RESET: &'static str = "\x1b[0m";
    pub(crate) const BOLD: &'static str = "\x1b[1m";
    pub(crate) const DIM: &'static str = "\x1b[2m";
    pub(crate) const RED: &'static str = "\x1b[31m";
    pub(crate) const GREEN: &'static str = "\x1b[32m";
    pub(crate) const YELLOW: &'static str = "\x1b[33m";
    pub(crate) const BLUE: &'static str = "\x1b[34m";
    pub(crate) const MAGENTA: &'static str = "\x1b[35m";
    pub(crate) const CYAN: &'static str = "\x1b[36m";

    /// Wrap `text` in the given SGR codes
    pub(crate) fn paint(self, codes: &[&str], text: &str) -> String {
        if !self.color || codes.is_empty() {
            return text.to_owned();
        }
        let mut s = codes.concat();
        s.push_str(text);
        s.push_str(Self::RESET);
        s
    }

    /// Colour of a severity
    pub(crate) fn severity_codes(s: Severity) -> &'static [&'static str] {
        match s {
            Severity::Critical => &[Self::BOLD, Self::MAGENTA],
            Severity::High => &[Self::BOLD, Self::RED],
            Severity::Medium => &[Self::BOLD, Self::YELLOW],
            Severity::Low => &[Self::BOLD, Self::CYAN],
            Severity::Info => &[Self::BOLD, Self::GREEN],
        }
    }

    pub(crate) fn severity(self, s: Severity, text: &str) -> String {
        self.paint(Self::severity_codes(s), text)
    }

    pub(crate) fn bold(self, text: &str) -> String {
        self.paint(&[Self::BOLD], text)
    }

    /// The gutter (`|`, `-->`, line numbers)
    pub(crate) fn gutter(self, text: &str) -> String {
        self.paint(&[Self::BOLD, Self::BLUE], text)
    }

    pub(crate) fn dim(self, text: &str) -> String {
        self.paint(&[Self::DIM], text)
    }
}

/// Left-aligned table with columns padded to the widest cell (in chars); the last column is not
/// padded. `paint(column, row, cell)` styles a cell (`row` is `None` for the header) before the
/// padding is added, so escape codes never disturb alignment.
pub(crate) fn write_table(
    out: &mut String,
    indent: &str,
    header: &[&str],
    rows: &[Vec<String>],
    paint: &dyn Fn(usize, Option<usize>, &str) -> String,
) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    let all =
        std::iter::once((None, &header)).chain(rows.iter().enumerate().map(|(i, r)| (Some(i), r)));
    for (r, row) in all {
        out.push_str(indent);
        let last = row.len().saturating_sub(1);
        for (i, cell) in row.iter().enumerate() {
            out.push_str(&paint(i, r, cell));
            if i < last {
                let width = widths.get(i).copied().unwrap_or_default();
                let pad = width.saturating_sub(cell.chars().count()) + 2;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::token_end;

    #[test]
    fn tokens_end_at_whitespace_key_colons_and_flow_delimiters() {
        // (line, token start, the token)
        for (line, start, token) in [
            ("  privileged: true", 2, "privileged"),
            ("  privileged: true", 14, "true"),
            ("  image: nginx:latest", 9, "nginx:latest"),
            ("- {a: 1, b: 2}", 2, "{a"),
            ("- {app: ✓ok, b: x}", 8, "✓ok"),
            ("  nämé: \"wéb→x\"  # é", 2, "nämé"),
            ("  nämé: \"wéb→x\"  # é", 10, "\"wéb→x\""),
            ("key:", 3, ""),
            ("a: [x]", 4, "x"),
            ("a: ]x", 3, "]x"),
            ("tail", 4, ""),
            ("tail", 9, ""),
        ] {
            let end = token_end(line, start);
            assert_eq!(line.get(start..end).unwrap_or_default(), token, "{line:?}");
        }
    }
}
