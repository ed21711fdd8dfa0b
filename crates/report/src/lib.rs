//! Report renderers. Each output format is one module rendering the same [`ScanReport`];
//! none recomputes anything.
//!
//! ```text
//! render(Format::Sarif, &report, &RenderOptions::default(), &mut std::io::stdout().lock())?;
//! ```

mod common;
mod compliance;
mod human;
mod json;
mod junit;
mod policyreport;
mod sarif;
mod stream;
mod table;
#[cfg(test)]
mod testutil;
mod yaml;

pub use common::Tally;
/// A string as JSON, appended to a buffer: the renderers' escaper, also used by the webhook's
/// decision log lines
pub use json::write_str as write_json_string;
pub use stream::{Chunk, FindingStream, StreamWriter};
pub use yaml::to_yaml;

use palisade_engine::{Finding, RuleInfo};
use palisade_source::Diagnostic;
use std::fmt;
use std::str::FromStr;

/// Everything a run produced, ready to render
#[derive(Debug, Clone, Copy)]
pub struct ScanReport<'a> {
    /// Findings, sorted by file, line, column, rule (suppressed ones included, marked)
    pub findings: &'a [Finding],
    /// Findings already written through a [`StreamWriter`]: counted in summaries, not listed
    pub streamed: Tally,
    /// Problems with the input (malformed files, non-Kubernetes documents, bad config)
    pub diagnostics: &'a [Diagnostic],
    /// Every rule that ran
    pub rules: &'a [RuleInfo],
    /// Files read
    pub files_scanned: usize,
    /// Kubernetes resources evaluated
    pub resources_scanned: usize,
    /// Per-control compliance, when a framework was requested
    pub compliance: Option<&'a palisade_frameworks::ComplianceReport>,
}

/// An output format
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// rustc-style annotated snippets plus a summary, for terminals
    #[default]
    Human,
    /// One aligned row per finding plus a summary
    Table,
    /// Machine-readable JSON (`version: 1`)
    Json,
    /// The JSON document as YAML
    Yaml,
    /// SARIF 2.1.0, for code scanning (GitHub, Azure DevOps, …)
    Sarif,
    /// JUnit XML, one test suite per rule, for CI test reporters
    Junit,
    /// Kyverno-compatible `wgpolicyk8s.io/v1alpha2` PolicyReport / ClusterPolicyReport documents
    PolicyReport,
}

impl Format {
    /// Every format, in the order shown in help texts
    pub const ALL: [Self; 7] = [
        Self::Human,
        Self::Table,
        Self::Json,
        Self::Yaml,
        Self::Sarif,
        Self::Junit,
        Self::PolicyReport,
    ];

    /// The name used on the command line (`human`, `table`, `json`, `yaml`, `sarif`, `junit`,
    /// `policyreport`); suitable for `clap::ValueEnum::to_possible_value`
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Human => "human",
            Self::Table => "table",
            Self::Json => "json",
            Self::Yaml => "yaml",
            Self::Sarif => "sarif",
            Self::Junit => "junit",
            Self::PolicyReport => "policyreport",
        }
    }

    /// True for formats meant for people (they honour colors)
    pub fn is_human(self) -> bool {
        matches!(self, Self::Human | Self::Table)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown output format name
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatParseError(String);

impl fmt::Display for FormatParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown output format `{}` (expected one of: {})",
            self.0,
            Format::ALL.map(Format::as_str).join(", ")
        )
    }
}

impl std::error::Error for FormatParseError {}

impl FromStr for Format {
    type Err = FormatParseError;

    /// Case-insensitive; also accepts `policy-report` and `yml`
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let alias = match lower.as_str() {
            "policy-report" => Some(Self::PolicyReport),
            "yml" => Some(Self::Yaml),
            _ => None,
        };
        alias
            .or_else(|| Self::ALL.into_iter().find(|f| f.as_str() == lower))
            .ok_or_else(|| FormatParseError(s.to_owned()))
    }
}

/// How to render
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Use ANSI colors (human and table formats only)
    pub color: bool,
    /// List suppressed findings (human and table formats; machine formats always include them,
    /// marked)
    pub show_suppressed: bool,
}

/// Render `report` as `format` into `out`: the stream of every format (see [`FindingStream`])
/// fed with all the findings at once
pub fn render(
    format: Format,
    report: &ScanReport<'_>,
    opts: &RenderOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let stream = match format {
        // A whole report lists every rule a finding names, even one that did not run
        Format::Sarif => FindingStream::with_rules(format, sarif::rule_list(report), opts),
        _ => FindingStream::new(format, report.rules, opts),
    };
    stream::render_whole(&stream, report, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
            assert_eq!(f.to_string(), f.as_str());
        }
        assert_eq!("SARIF".parse::<Format>(), Ok(Format::Sarif));
        assert_eq!("policy-report".parse::<Format>(), Ok(Format::PolicyReport));
        let err = "xml".parse::<Format>().unwrap_err().to_string();
        assert!(
            err.contains("`xml`") && err.contains("policyreport"),
            "{err}"
        );
    }

    #[test]
    fn render_writes_every_format() {
        let fx = testutil::Fixture::new();
        let report = fx.report();
        for f in Format::ALL {
            let mut buf = Vec::new();
            render(f, &report, &RenderOptions::default(), &mut buf).unwrap();
            assert!(!buf.is_empty(), "{f} rendered nothing");
            assert!(String::from_utf8(buf).is_ok(), "{f} is not UTF-8");
        }
    }
}
