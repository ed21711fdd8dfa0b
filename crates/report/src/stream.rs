//! Incremental rendering, for every format.
//!
//! A scan hands each file's findings to [`FindingStream::chunk`] on the worker thread that
//! produced them, writes the chunks in order through a [`StreamWriter`], and drops the findings.
//! What a chunk holds depends on the format:
//!
//! * JSON, SARIF, YAML and human output are written as they come: the list of findings comes
//!   first and the summary after it, because the summary is only known once every finding has
//!   been written. Memory then stays flat however many findings a scan has, and rendering them
//!   (often larger than the input) runs on every core instead of after the scan on one.
//! * Table, JUnit and PolicyReport output need every finding before their first line (column
//!   widths, per-rule and per-namespace counts). Their chunks hold one compact record per
//!   finding, its text already rendered on the worker ([`Held`]); the writer keeps the records
//!   and lays them out at the end, in the order of a whole (sorted) report.
//!
//! A whole report is the same stream fed with one chunk ([`render_whole`]).

use crate::common::{Style, Tally};
use crate::{
    Format, RenderOptions, ScanReport, human, json, junit, policyreport, sarif, table, yaml,
};
use palisade_engine::{Finding, RuleInfo, Severity};
use palisade_model::ResourceRef;
use palisade_source::SourceFile;
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter as _};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

/// Renders findings in pieces that can be produced on any thread
#[derive(Debug)]
pub struct FindingStream<'r> {
    kind: Kind<'r>,
}

#[derive(Debug)]
enum Kind<'r> {
    Json {
        fragments: HashMap<String, json::RuleFragments>,
    },
    Yaml,
    Sarif {
        rules: Vec<Cow<'r, RuleInfo>>,
        parts: HashMap<String, sarif::RuleParts>,
    },
    Human {
        style: Style,
        show_suppressed: bool,
    },
    Table {
        style: Style,
        show_suppressed: bool,
    },
    Junit,
    PolicyReport,
}

impl<'r> FindingStream<'r> {
    /// A stream writing `format` for a run of `rules`
    pub fn new(format: Format, rules: &'r [RuleInfo], opts: &RenderOptions) -> Self {
        Self::with_rules(format, rules.iter().map(Cow::Borrowed).collect(), opts)
    }

    pub(crate) fn with_rules(
        format: Format,
        rules: Vec<Cow<'r, RuleInfo>>,
        opts: &RenderOptions,
    ) -> Self {
        let style = Style { color: opts.color };
        let show_suppressed = opts.show_suppressed;
        let kind = match format {
            Format::Json => Kind::Json {
                fragments: rules
                    .iter()
                    .map(|r| {
                        let fragments = json::RuleFragments::of(r, json::MEMBER_DEPTH);
                        (r.id.to_string(), fragments)
                    })
                    .collect(),
            },
            Format::Yaml => Kind::Yaml,
            Format::Sarif => {
                let parts = rules
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (r.id.to_string(), sarif::RuleParts::of(i, r)))
                    .collect();
                Kind::Sarif { rules, parts }
            }
            Format::Human => Kind::Human {
                style,
                show_suppressed,
            },
            Format::Table => Kind::Table {
                style,
                show_suppressed,
            },
            Format::Junit => Kind::Junit,
            Format::PolicyReport => Kind::PolicyReport,
        };
        Self { kind }
    }

    /// Render `findings` (one file's, say) into a chunk for [`StreamWriter::write`]
    pub fn chunk(&self, findings: &[Finding]) -> Chunk {
        self.chunk_in(findings, Vec::new())
    }

    /// [`Self::chunk`], rendering into `buffer` (an emptied one [`StreamWriter::write`] gave
    /// back). A scan writes a file's findings in a buffer of a megabyte or two: new ones were
    /// fresh memory each time, which the kernel had to hand over and the caches to fetch.
    pub fn chunk_in(&self, findings: &[Finding], mut buffer: Vec<u8>) -> Chunk {
        buffer.clear();
        let mut chunk = Chunk {
            bytes: buffer,
            ..Chunk::default()
        };
        for f in findings {
            chunk.tally.add(f);
        }
        match &self.kind {
            Kind::Json { fragments } => {
                // About what a finding takes, so the buffer rarely grows
                chunk.bytes.reserve(findings.len() * 1024);
                for f in findings {
                    // Every finding is preceded by a separator; the writer drops the
                    // document's first.
                    chunk.bytes.extend_from_slice(b",\n    ");
                    let fragments = fragments.get(f.rule_id.as_ref());
                    json::write_finding(&mut chunk.bytes, f, fragments);
                }
            }
            Kind::Sarif { parts, .. } => {
                // Results take more than findings, but reserving for that held 20 MB more at
                // the end of a scan (the one chunk of cross-resource findings); it grows instead
                chunk.bytes.reserve(findings.len() * 1024);
                let mut results = sarif::ResultWriter::default();
                for f in findings {
                    // As for JSON: a separator the writer drops before the document's first
                    chunk.bytes.extend_from_slice(b",\n        ");
                    results.write(&mut chunk.bytes, f, parts.get(f.rule_id.as_ref()));
                }
            }
            Kind::Yaml => {
                let mut text = reuse_as_text(std::mem::take(&mut chunk.bytes));
                text.reserve(findings.len() * 768);
                for f in findings {
                    yaml::write_item(&mut text, &json::finding(f));
                }
                chunk.bytes = text.into_bytes();
            }
            Kind::Human {
                style,
                show_suppressed,
            } => {
                let mut text = reuse_as_text(std::mem::take(&mut chunk.bytes));
                text.reserve(findings.len() * 512);
                let mut deferred = String::new();
                for f in findings {
                    if f.is_active() {
                        human::write_finding(&mut text, *style, f);
                        text.push('\n');
                    } else if *show_suppressed {
                        human::write_suppressed_line(&mut deferred, *style, f);
                    }
                }
                chunk.bytes = text.into_bytes();
                chunk.deferred = deferred.into_bytes();
            }
            Kind::Table {
                show_suppressed, ..
            } => {
                chunk.held = findings
                    .iter()
                    .filter(|f| f.is_active() || *show_suppressed)
                    .map(table::held)
                    .collect();
            }
            Kind::Junit => chunk.held = findings.iter().map(junit::held).collect(),
            Kind::PolicyReport => chunk.held = findings.iter().map(policyreport::held).collect(),
        }
        chunk
    }

    fn head(&self, out: &mut dyn Write) -> io::Result<()> {
        match &self.kind {
            Kind::Json { .. } => write!(
                out,
                "{{\n  \"version\": {},\n  \"findings\": [",
                json::VERSION
            ),
            Kind::Yaml => write!(out, "version: {}\nfindings:", json::VERSION),
            Kind::Sarif { rules, .. } => {
                let mut buf = Vec::new();
                write_nested(&sarif::tool(rules), 3, &mut buf);
                write!(
                    out,
                    "{{\n  \"$schema\": \"{}\",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {{\n      \"tool\": ",
                    sarif::SCHEMA
                )?;
                out.write_all(&buf)?;
                out.write_all(
                    b",\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": [",
                )
            }
            Kind::Human { .. } | Kind::Table { .. } | Kind::Junit | Kind::PolicyReport => Ok(()),
        }
    }

    /// What comes before the first finding written, given the chunk's first bytes: JSON and
    /// SARIF findings each start with a separator the first one drops; the YAML list starts on
    /// the line after its key
    fn first_bytes<'b>(&self, bytes: &'b [u8]) -> (&'static [u8], &'b [u8]) {
        match (&self.kind, bytes.split_first()) {
            (Kind::Json { .. } | Kind::Sarif { .. }, Some((b',', rest))) => (b"", rest),
            (Kind::Yaml, _) => (b"\n", bytes),
            _ => (b"", bytes),
        }
    }

    fn tail(&self, report: &ScanReport<'_>, kept: Kept, out: &mut dyn Write) -> io::Result<()> {
        let mut buf = Vec::new();
        match &self.kind {
            Kind::Json { .. } => {
                buf.extend_from_slice(if kept.any { b"\n  ]" } else { b"]" });
                for (key, value) in json::trailer(report) {
                    buf.extend_from_slice(format!(",\n  \"{key}\": ").as_bytes());
                    write_nested(&value, 1, &mut buf);
                }
                buf.extend_from_slice(b"\n}\n");
            }
            Kind::Sarif { .. } => {
                buf.extend_from_slice(if kept.any { b"\n      ]" } else { b"]" });
                buf.extend_from_slice(b",\n      \"invocations\": ");
                write_nested(&[sarif::invocation(report.diagnostics)], 3, &mut buf);
                buf.extend_from_slice(b"\n    }\n  ]\n}\n");
            }
            Kind::Yaml => {
                let mut text = String::from(if kept.any { "" } else { " []\n" });
                let trailer = json::trailer(report)
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect();
                text.push_str(&yaml::to_yaml(&serde_json::Value::Object(trailer)));
                buf = text.into_bytes();
            }
            Kind::Human {
                style,
                show_suppressed,
            } => {
                let mut sources: HashMap<&str, &SourceFile> = HashMap::new();
                for file in &kept.sources {
                    sources.insert(&file.name, file);
                }
                let suppressed = String::from_utf8_lossy(&kept.deferred);
                let mut text = String::new();
                human::write_tail(
                    &mut text,
                    report,
                    *style,
                    &sources,
                    show_suppressed.then_some(&*suppressed),
                );
                buf = text.into_bytes();
            }
            Kind::Table { style, .. } => return table::write(out, report, *style, kept.held),
            Kind::Junit => return junit::write(out, report, kept.held),
            Kind::PolicyReport => return policyreport::write(out, kept.held),
        }
        out.write_all(&buf)
    }
}

/// Rendered findings, ready to write, with their counts
#[derive(Debug, Default)]
pub struct Chunk {
    /// Written as they come
    bytes: Vec<u8>,
    /// Written before the summary (suppressed findings in human output)
    deferred: Vec<u8>,
    /// Kept until the end (table, JUnit, PolicyReport)
    held: Vec<Held>,
    /// Files whose text diagnostics may show
    sources: Vec<Arc<SourceFile>>,
    tally: Tally,
}

impl Chunk {
    /// Keep `file` for the diagnostics of the human output: a whole report shows a diagnostic's
    /// snippet when a finding's file has the text at hand, and a streamed one keeps only the
    /// files it is given here
    pub fn keep_source(&mut self, file: Arc<SourceFile>) {
        if !self.sources.iter().any(|s| Arc::ptr_eq(s, &file)) {
            self.sources.push(file);
        }
    }
}

/// What a finding is kept as by the formats laid out at the end: where it sorts, what it is
/// grouped by, and its text rendered on the worker. `text` and `cuts` are the format's own
/// (table: the cells and where they end; JUnit: the message and the pointer, or the
/// suppression reason; PolicyReport: the YAML of the result).
#[derive(Debug)]
pub(crate) struct Held {
    pub(crate) key: SortKey,
    pub(crate) resource: Arc<ResourceRef>,
    pub(crate) rule_name: Cow<'static, str>,
    /// JUnit: the remediation (the rule's, shared)
    pub(crate) help: Cow<'static, str>,
    pub(crate) severity: Severity,
    pub(crate) active: bool,
    pub(crate) text: Box<str>,
    pub(crate) cuts: [u32; 4],
}

impl Held {
    /// A record of `f` with its rendered text
    pub(crate) fn new(f: &Finding, text: String, cuts: [u32; 4]) -> Self {
        Self {
            key: SortKey {
                file: Arc::clone(&f.file),
                line: f.position.line,
                column: f.position.column,
                rule: f.rule_id.clone(),
            },
            resource: Arc::clone(&f.resource),
            rule_name: f.rule_name.clone(),
            help: Cow::Borrowed(""),
            severity: f.severity,
            active: f.is_active(),
            text: text.into_boxed_str(),
            cuts,
        }
    }

    /// `text[cuts[from]..cuts[to]]` (`from` = `None`: from the start)
    pub(crate) fn part(&self, from: Option<usize>, to: usize) -> &str {
        let cut = |i: usize| {
            self.cuts
                .get(i)
                .and_then(|c| usize::try_from(*c).ok())
                .unwrap_or_default()
        };
        let start = from.map_or(0, cut);
        self.text.get(start..cut(to)).unwrap_or_default()
    }

    /// `text` after `cuts[from]`
    pub(crate) fn rest(&self, from: usize) -> &str {
        let start = self
            .cuts
            .get(from)
            .and_then(|c| usize::try_from(*c).ok())
            .unwrap_or_default();
        self.text.get(start..).unwrap_or_default()
    }
}

/// A finding's place in a whole report: [`Finding::sort_key`]
#[derive(Debug)]
pub(crate) struct SortKey {
    pub(crate) file: Arc<SourceFile>,
    pub(crate) line: u32,
    pub(crate) column: u32,
    pub(crate) rule: Cow<'static, str>,
}

impl SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.file.name.as_str(), self.line, self.column, &*self.rule).cmp(&(
            other.file.name.as_str(),
            other.line,
            other.column,
            &*other.rule,
        ))
    }
}

/// `text` offset as a cut
pub(crate) fn cut(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// An emptied byte buffer as an empty `String` with its capacity (an empty buffer is valid
/// UTF-8, so nothing is ever lost here)
fn reuse_as_text(mut buffer: Vec<u8>) -> String {
    buffer.clear();
    String::from_utf8(buffer).unwrap_or_default()
}

/// What a writer keeps until the end
#[derive(Debug, Default)]
struct Kept {
    any: bool,
    deferred: Vec<u8>,
    held: Vec<Held>,
    sources: Vec<Arc<SourceFile>>,
}

/// Writes a [`FindingStream`]'s document: head, chunks in order, then the rest of the report
#[derive(Debug)]
pub struct StreamWriter<'s, 'r, W: Write> {
    stream: &'s FindingStream<'r>,
    out: W,
    kept: Kept,
    tally: Tally,
}

impl<'s, 'r, W: Write> StreamWriter<'s, 'r, W> {
    /// Start the document
    pub fn begin(stream: &'s FindingStream<'r>, mut out: W) -> io::Result<Self> {
        stream.head(&mut out)?;
        Ok(Self {
            stream,
            out,
            kept: Kept::default(),
            tally: Tally::default(),
        })
    }

    /// Write a chunk made by [`FindingStream::chunk`]; chunks are listed in the order written
    /// (and the formats laid out at the end list them in report order: file, line, column).
    /// Gives back the chunk's byte buffer for [`FindingStream::chunk_in`].
    pub fn write(&mut self, chunk: Chunk) -> io::Result<Vec<u8>> {
        self.tally = self.tally.plus(chunk.tally);
        self.kept.deferred.extend_from_slice(&chunk.deferred);
        self.kept.held.extend(chunk.held);
        for file in chunk.sources {
            if !self.kept.sources.iter().any(|s| Arc::ptr_eq(s, &file)) {
                self.kept.sources.push(file);
            }
        }
        if chunk.bytes.is_empty() {
            return Ok(chunk.bytes);
        }
        let bytes = if self.kept.any {
            &chunk.bytes[..]
        } else {
            let (lead, rest) = self.stream.first_bytes(&chunk.bytes);
            self.out.write_all(lead)?;
            rest
        };
        self.kept.any = true;
        self.out.write_all(bytes)?;
        Ok(chunk.bytes)
    }

    /// The findings written so far, counted
    pub fn tally(&self) -> Tally {
        self.tally
    }

    /// Finish the document with the summary, diagnostics and compliance of `report`, whose
    /// own `findings` must be empty (they were all written through this writer)
    pub fn finish(mut self, report: &ScanReport<'_>) -> io::Result<W> {
        let report = ScanReport {
            streamed: self.tally.plus(report.streamed),
            ..*report
        };
        let mut kept = std::mem::take(&mut self.kept);
        // Stable: findings that sort equal stay in the order written, as in a whole report
        kept.held.sort_by(|a, b| a.key.cmp(&b.key));
        self.stream.tail(&report, kept, &mut self.out)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Pretty JSON of `value` as it appears `depth` levels deep in a pretty-printed document
pub(crate) fn write_nested(value: &impl Serialize, depth: usize, buf: &mut Vec<u8>) {
    let mut ser = serde_json::Serializer::with_formatter(&mut *buf, Nested::at(depth));
    // Writing plain data into memory cannot fail; keep the document valid if it ever did.
    if value.serialize(&mut ser).is_err() {
        buf.extend_from_slice(b"null");
    }
}

/// serde_json's pretty layout (two-space indent) starting `depth` levels in. serde_json's
/// `PrettyFormatter` always starts at the left margin, and re-indenting its output cost a copy
/// of every finding, the largest part of a streamed scan's output time.
struct Nested {
    depth: usize,
    has_value: bool,
}

impl Nested {
    fn at(depth: usize) -> Self {
        Self {
            depth,
            has_value: false,
        }
    }

    fn newline<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        line_break(w, self.depth)
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.newline(w)?;
        }
        w.write_all(bracket)
    }

    fn item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.newline(w)
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// A line break and the indentation of `depth` levels of serde_json's pretty layout
fn line_break<W: ?Sized + Write>(w: &mut W, depth: usize) -> io::Result<()> {
    // The line break and the indentation in one write: this runs for every member written
    const BREAK: &[u8; 65] = b"\n                                                                ";
    let indent = 2 * depth;
    match BREAK.get(..=indent) {
        Some(line) => w.write_all(line),
        None => {
            w.write_all(BREAK)?;
            (BREAK.len() - 1..indent).try_for_each(|_| w.write_all(b" "))
        }
    }
}

/// serde_json's pretty layout written by hand, member by member, for documents written
/// straight from a finding's fields (building a `Value` per finding and printing it cost more
/// than the rest of a scan's output). It keeps the depth and the separators; the caller writes
/// the names (constants) and the values.
pub(crate) struct Pretty<'o> {
    pub(crate) out: &'o mut Vec<u8>,
    depth: usize,
    /// Nothing written yet in the innermost object or array
    empty: bool,
}

impl<'o> Pretty<'o> {
    /// Writing a value that starts `depth` levels deep (as [`write_nested`] would)
    pub(crate) fn at(out: &'o mut Vec<u8>, depth: usize) -> Self {
        Self {
            out,
            depth,
            empty: true,
        }
    }

    /// Open an object (`{`) or an array (`[`)
    pub(crate) fn open(&mut self, bracket: u8) {
        self.out.push(bracket);
        self.depth += 1;
        self.empty = true;
    }

    /// Close the innermost object (`}`) or array (`]`)
    pub(crate) fn close(&mut self, bracket: u8) {
        self.depth = self.depth.saturating_sub(1);
        if !self.empty {
            self.line_break();
        }
        self.out.push(bracket);
        self.empty = false;
    }

    /// Start an array item (or a member) on a line of its own
    pub(crate) fn item(&mut self) {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        self.line_break();
    }

    /// Start a member: its name (a constant, which needs no escaping), then the caller writes
    /// its value
    pub(crate) fn key(&mut self, name: &str) {
        debug_assert!(!json::needs_escape(name.as_bytes()), "{name}");
        self.item();
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\": ");
    }

    pub(crate) fn str_member(&mut self, name: &str, value: &str) {
        self.key(name);
        json::write_str(self.out, value);
    }

    /// A member whose value is a number, formatted by serde_json's own formatter
    pub(crate) fn num_member(&mut self, name: &str, value: impl Into<u64>) {
        self.key(name);
        // Writing into a Vec cannot fail
        let _ = CompactFormatter.write_u64(self.out, value.into());
    }

    /// A member whose value is already rendered JSON
    pub(crate) fn raw_member(&mut self, name: &str, value: &[u8]) {
        self.key(name);
        self.out.extend_from_slice(value);
    }

    /// A member whose value is an object or array, opened (the caller closes it)
    pub(crate) fn open_member(&mut self, name: &str, bracket: u8) {
        self.key(name);
        self.open(bracket);
    }

    fn line_break(&mut self) {
        // Writing into a Vec cannot fail
        let _ = line_break(self.out, self.depth);
    }
}

/// Render a whole report through the stream (the non-incremental entry point)
pub(crate) fn render_whole(
    stream: &FindingStream<'_>,
    report: &ScanReport<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut writer = StreamWriter::begin(stream, &mut *out)?;
    let mut chunk = stream.chunk(report.findings);
    // Findings are sorted by file: each file's first finding brings it
    let mut last: Option<&Arc<SourceFile>> = None;
    for f in report.findings {
        if last.is_none_or(|l| !Arc::ptr_eq(l, &f.file)) {
            chunk.keep_source(Arc::clone(&f.file));
            last = Some(&f.file);
        }
    }
    writer.write(chunk)?;
    writer.finish(&ScanReport {
        findings: &[],
        ..*report
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RenderOptions;
    use crate::testutil::Fixture;
    use serde_json::Value;

    use crate::testutil::{rendered as whole, rendered_with as whole_with};

    #[test]
    fn streamed_documents_are_the_pretty_printed_documents() {
        let fx = Fixture::new();
        for report in [fx.report(), fx.clean_report()] {
            for format in [Format::Json, Format::Sarif] {
                let text = whole(format, &report);
                let parsed: Value = serde_json::from_str(&text).unwrap();
                let pretty = serde_json::to_string_pretty(&parsed).unwrap() + "\n";
                assert_eq!(text, pretty, "{format}");
            }
        }
        let json: Value = serde_json::from_str(&whole(Format::Json, &fx.report())).unwrap();
        assert_eq!(json, json::document(&fx.report()));
    }

    /// Every format with every option that changes what a chunk holds
    fn variants() -> Vec<(Format, RenderOptions)> {
        let mut all = Vec::new();
        for format in Format::ALL {
            for (color, show_suppressed) in [(false, false), (true, true)] {
                all.push((
                    format,
                    RenderOptions {
                        color,
                        show_suppressed,
                    },
                ));
            }
        }
        all
    }

    /// `findings` written in chunks of `size`, in `order`, as a scan writes them
    fn streamed(
        format: Format,
        opts: &RenderOptions,
        report: &ScanReport<'_>,
        chunks: &[&[Finding]],
    ) -> String {
        let stream = FindingStream::new(format, report.rules, opts);
        let mut writer = StreamWriter::begin(&stream, Vec::new()).unwrap();
        // an empty file first, then the chunks
        writer.write(stream.chunk(&[])).unwrap();
        for findings in chunks {
            let mut chunk = stream.chunk(findings);
            for f in *findings {
                chunk.keep_source(Arc::clone(&f.file));
            }
            writer.write(chunk).unwrap();
        }
        let out = writer
            .finish(&ScanReport {
                findings: &[],
                ..*report
            })
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn nested_layout_is_serde_jsons_pretty_layout_at_any_depth() {
        let mut deep = serde_json::json!({"leaf": [1, "two", null]});
        for i in 0..40 {
            deep = serde_json::json!({ format!("level{i}"): [deep, {}] });
        }
        let mut buf = Vec::new();
        write_nested(&deep, 0, &mut buf);
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            serde_json::to_string_pretty(&deep).unwrap()
        );
    }

    #[test]
    fn chunks_written_one_file_at_a_time_make_the_same_document() {
        let fx = Fixture::new();
        for report in [fx.report(), fx.clean_report()] {
            let chunks: Vec<&[Finding]> = report.findings.chunks(1).collect();
            for (format, opts) in variants() {
                assert_eq!(
                    streamed(format, &opts, &report, &chunks),
                    whole_with(format, &opts, &report),
                    "{format} {opts:?}"
                );
            }
        }
    }

    #[test]
    fn formats_laid_out_at_the_end_list_findings_in_report_order() {
        // A scan writes cross-resource findings after every file's, and files in input order:
        // the table, JUnit and PolicyReport documents are still those of the sorted report.
        let fx = Fixture::new();
        let report = fx.report();
        let chunks: Vec<&[Finding]> = report.findings.chunks(1).rev().collect();
        for (format, opts) in variants() {
            if matches!(format, Format::Table | Format::Junit | Format::PolicyReport) {
                assert_eq!(
                    streamed(format, &opts, &report, &chunks),
                    whole_with(format, &opts, &report),
                    "{format} {opts:?}"
                );
            }
        }
    }

    #[test]
    fn streamed_human_output_lists_findings_in_the_order_written() {
        let fx = Fixture::new();
        let report = fx.report();
        let opts = RenderOptions {
            color: false,
            show_suppressed: true,
        };
        let chunks: Vec<&[Finding]> = report.findings.chunks(1).rev().collect();
        let text = streamed(Format::Human, &opts, &report, &chunks);
        let net = text.find("medium[NET-001]").unwrap();
        let pod = text.find("critical[POD-001]").unwrap();
        let img = text.find("low[IMG-001]").unwrap();
        assert!(net < pod && pod < img, "{text}");
        // same text, other order: the summary and the rest are unchanged
        let whole = whole_with(Format::Human, &opts, &report);
        let summary = |t: &str| t[t.find("error[yaml-syntax]").unwrap()..].to_owned();
        assert_eq!(summary(&text), summary(&whole));
        assert_eq!(text.len(), whole.len());
    }

    #[test]
    fn streamed_yaml_is_the_json_document() {
        let fx = Fixture::new();
        for report in [fx.report(), fx.clean_report()] {
            let chunks: Vec<&[Finding]> = report.findings.chunks(1).collect();
            let opts = RenderOptions::default();
            let text = streamed(Format::Yaml, &opts, &report, &chunks);
            let file = SourceFile::new("report.yaml", text.as_str());
            let (docs, diags) =
                palisade_source::load_str(&file, &palisade_source::LoadLimits::default());
            assert!(diags.is_empty(), "{diags:?}");
            let json: Value =
                serde_json::from_str(&streamed(Format::Json, &opts, &report, &chunks)).unwrap();
            assert_eq!(
                docs.into_iter().map(|d| d.value).collect::<Vec<_>>(),
                [json]
            );
        }
    }

    #[test]
    fn streamed_findings_are_counted_in_the_summary() {
        let fx = Fixture::new();
        let report = fx.report();
        let json: Value = serde_json::from_str(&whole(Format::Json, &report)).unwrap();
        assert_eq!(json["summary"]["findings"], 3);
        assert_eq!(json["summary"]["suppressed"], 1);
        assert_eq!(json["findings"].as_array().map(Vec::len), Some(4));
    }
}
