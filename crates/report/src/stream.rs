//! Incremental rendering for the formats whose size grows with the findings (JSON, SARIF).
//!
//! A scan hands each file's findings to [`FindingStream::chunk`] on the worker thread that
//! produced them, writes the chunks in order through a [`StreamWriter`], and drops the findings.
//! Memory then stays flat however many findings a scan has, and serializing them (often larger
//! than the input) runs on every core instead of after the scan on one.
//!
//! The document is the same pretty-printed JSON a whole-document serializer would write; the
//! list of findings comes first and the summary after it, because the summary is only known
//! once every finding has been written.

use crate::common::Tally;
use crate::{Format, ScanReport, json, sarif};
use palisade_engine::{Finding, RuleInfo};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};

/// Renders findings in pieces that can be produced on any thread
#[derive(Debug)]
pub struct FindingStream<'r> {
    kind: Kind<'r>,
}

#[derive(Debug)]
enum Kind<'r> {
    Json,
    Sarif {
        rules: Vec<Cow<'r, RuleInfo>>,
        index: HashMap<String, usize>,
    },
}

impl<'r> FindingStream<'r> {
    /// A stream for `format` over a run of `rules`; `None` for formats rendered as a whole
    pub fn new(format: Format, rules: &'r [RuleInfo]) -> Option<Self> {
        Self::with_rules(format, rules.iter().map(Cow::Borrowed).collect())
    }

    pub(crate) fn with_rules(format: Format, rules: Vec<Cow<'r, RuleInfo>>) -> Option<Self> {
        let kind = match format {
            Format::Json => Kind::Json,
            Format::Sarif => {
                let index = rules
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (r.id.to_string(), i))
                    .collect();
                Kind::Sarif { rules, index }
            }
            _ => return None,
        };
        Some(Self { kind })
    }

    /// Render `findings` (one file's, say) into a chunk for [`StreamWriter::write`]
    pub fn chunk(&self, findings: &[Finding]) -> Chunk {
        let mut chunk = Chunk::default();
        // About what a finding takes, so the buffer rarely grows
        chunk.bytes.reserve(findings.len() * 1024);
        for f in findings {
            chunk.tally.add(f);
            // Every finding is preceded by a separator; the writer drops the document's first.
            chunk.bytes.push(b',');
            match &self.kind {
                Kind::Json => {
                    chunk.bytes.extend_from_slice(b"\n    ");
                    write_nested(&json::FindingView(f), 2, &mut chunk.bytes);
                }
                Kind::Sarif { index, .. } => {
                    chunk.bytes.extend_from_slice(b"\n        ");
                    let rule_index = index.get(f.rule_id.as_ref()).copied();
                    write_nested(&sarif::result(f, rule_index), 4, &mut chunk.bytes);
                }
            }
        }
        chunk
    }

    fn head(&self, out: &mut dyn Write) -> io::Result<()> {
        match &self.kind {
            Kind::Json => write!(
                out,
                "{{\n  \"version\": {},\n  \"findings\": [",
                json::VERSION
            ),
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
        }
    }

    fn tail(&self, report: &ScanReport<'_>, any: bool, out: &mut dyn Write) -> io::Result<()> {
        let mut buf = Vec::new();
        match &self.kind {
            Kind::Json => {
                buf.extend_from_slice(if any { b"\n  ]" } else { b"]" });
                for (key, value) in json::trailer(report) {
                    buf.extend_from_slice(format!(",\n  \"{key}\": ").as_bytes());
                    write_nested(&value, 1, &mut buf);
                }
                buf.extend_from_slice(b"\n}\n");
            }
            Kind::Sarif { .. } => {
                buf.extend_from_slice(if any { b"\n      ]" } else { b"]" });
                buf.extend_from_slice(b",\n      \"invocations\": ");
                write_nested(&[sarif::invocation(report.diagnostics)], 3, &mut buf);
                buf.extend_from_slice(b"\n    }\n  ]\n}\n");
            }
        }
        out.write_all(&buf)
    }
}

/// Rendered findings, ready to write, with their counts
#[derive(Debug, Default)]
pub struct Chunk {
    bytes: Vec<u8>,
    tally: Tally,
}

/// Writes a [`FindingStream`]'s document: head, chunks in order, then the rest of the report
#[derive(Debug)]
pub struct StreamWriter<'s, 'r, W: Write> {
    stream: &'s FindingStream<'r>,
    out: W,
    any: bool,
    tally: Tally,
}

impl<'s, 'r, W: Write> StreamWriter<'s, 'r, W> {
    /// Start the document
    pub fn begin(stream: &'s FindingStream<'r>, mut out: W) -> io::Result<Self> {
        stream.head(&mut out)?;
        Ok(Self {
            stream,
            out,
            any: false,
            tally: Tally::default(),
        })
    }

    /// Write a chunk made by [`FindingStream::chunk`]; chunks are listed in the order written
    pub fn write(&mut self, chunk: &Chunk) -> io::Result<()> {
        self.tally = self.tally.plus(chunk.tally);
        let bytes = match chunk.bytes.split_first() {
            Some((b',', rest)) if !self.any => rest,
            Some(_) => &chunk.bytes,
            None => return Ok(()),
        };
        self.any = true;
        self.out.write_all(bytes)
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
        self.stream.tail(&report, self.any, &mut self.out)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Pretty JSON of `value` as it appears `depth` levels deep in a pretty-printed document
fn write_nested(value: &impl Serialize, depth: usize, buf: &mut Vec<u8>) {
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
        const SPACES: &[u8] = &[b' '; 64];
        w.write_all(b"\n")?;
        let mut n = 2 * self.depth;
        while n > 0 {
            let k = n.min(SPACES.len());
            w.write_all(SPACES.get(..k).unwrap_or_default())?;
            n -= k;
        }
        Ok(())
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

/// Render a whole report through the stream (the non-incremental entry point)
pub(crate) fn render_whole(
    stream: &FindingStream<'_>,
    report: &ScanReport<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut writer = StreamWriter::begin(stream, &mut *out)?;
    writer.write(&stream.chunk(report.findings))?;
    writer.finish(&ScanReport {
        findings: &[],
        ..*report
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Fixture;
    use serde_json::Value;

    fn whole(format: Format, report: &ScanReport<'_>) -> String {
        let mut buf = Vec::new();
        crate::render(format, report, &crate::RenderOptions::default(), &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

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

    #[test]
    fn chunks_written_one_file_at_a_time_make_the_same_document() {
        let fx = Fixture::new();
        let report = fx.report();
        for format in [Format::Json, Format::Sarif] {
            let stream = FindingStream::new(format, report.rules).unwrap();
            let mut writer = StreamWriter::begin(&stream, Vec::new()).unwrap();
            // an empty file first, then one finding per chunk, as a scan writes them
            writer.write(&stream.chunk(&[])).unwrap();
            for f in report.findings.chunks(1) {
                writer.write(&stream.chunk(f)).unwrap();
            }
            let out = writer
                .finish(&ScanReport {
                    findings: &[],
                    ..report
                })
                .unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), whole(format, &report));
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

    #[test]
    fn other_formats_are_not_streamed() {
        for format in Format::ALL {
            let streamed = FindingStream::new(format, &[]).is_some();
            assert_eq!(streamed, matches!(format, Format::Json | Format::Sarif));
        }
    }
}
