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
        for f in findings {
            chunk.tally.add(f);
            // Every finding is preceded by a separator; the writer drops the document's first.
            chunk.bytes.push(b',');
            match &self.kind {
                Kind::Json => {
                    chunk.bytes.extend_from_slice(b"\n    ");
                    write_nested(&json::finding(f), 2, &mut chunk.bytes);
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
    let mut own = Vec::new();
    // Serializing a `Value` or plain data into memory cannot fail.
    if serde_json::to_writer_pretty(&mut own, value).is_err() {
        own = b"null".to_vec();
    }
    // A newline in pretty JSON is always layout: newlines inside strings are escaped.
    let indent = 2 * depth;
    let mut lines = own.split(|b| *b == b'\n');
    if let Some(first) = lines.next() {
        buf.extend_from_slice(first);
    }
    for line in lines {
        buf.push(b'\n');
        buf.resize(buf.len() + indent, b' ');
        buf.extend_from_slice(line);
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
