//! The one place that reads `palisade_frameworks::ComplianceReport`; every renderer uses this view

use crate::ScanReport;
use palisade_engine::Framework;
use palisade_frameworks::{ComplianceReport, ControlStatus};
use serde_json::{Value, json};

/// Status of a control, as renderers spell it
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Passing,
    Failing,
    NotCovered,
}

impl Status {
    /// Machine spelling (JSON/YAML)
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Passing => "passing",
            Self::Failing => "failing",
            Self::NotCovered => "not-covered",
        }
    }

    /// Table spelling
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Passing => "PASS",
            Self::Failing => "FAIL",
            Self::NotCovered => "NOT COVERED",
        }
    }
}

/// One control's row
#[derive(Debug, Clone)]
pub(crate) struct ControlRow<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub status: Status,
    pub rules: &'a [String],
    pub failing_findings: usize,
    pub suppressed_findings: usize,
}

/// A framework's scores
#[derive(Debug, Clone)]
pub(crate) struct View<'a> {
    pub framework: Framework,
    pub score_percent: Option<f64>,
    pub passing: usize,
    pub failing: usize,
    pub not_covered: usize,
    pub controls: Vec<ControlRow<'a>>,
    /// `framework:id` of controls referenced by rules but absent from the catalog
    pub unknown_controls: Vec<String>,
}

impl<'a> View<'a> {
    pub(crate) fn of(report: &ScanReport<'a>) -> Option<Self> {
        report.compliance.map(Self::from_report)
    }

    fn from_report(c: &'a ComplianceReport) -> Self {
        Self {
            framework: c.framework,
            score_percent: c.score_percent(),
            passing: c.passing,
            failing: c.failing,
            not_covered: c.not_covered,
            controls: c
                .controls
                .iter()
                .map(|s| ControlRow {
                    id: s.id,
                    title: s.title,
                    status: match s.status {
                        ControlStatus::Passing => Status::Passing,
                        ControlStatus::Failing => Status::Failing,
                        ControlStatus::NotCovered => Status::NotCovered,
                    },
                    rules: &s.rules,
                    failing_findings: s.failing_findings,
                    suppressed_findings: s.suppressed_findings,
                })
                .collect(),
            unknown_controls: c.unknown_controls.iter().map(ToString::to_string).collect(),
        }
    }

    /// `75.0%`, or `n/a` when no control is covered
    pub(crate) fn score_label(&self) -> String {
        self.score_percent
            .map_or_else(|| "n/a".to_owned(), |p| format!("{p:.1}%"))
    }

    /// JSON form (shared by JSON and YAML)
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "framework": self.framework.id(),
            "title": self.framework.title(),
            "scorePercent": self.score_percent.map(|p| (p * 10.0).round() / 10.0),
            "passing": self.passing,
            "failing": self.failing,
            "notCovered": self.not_covered,
            "controls": self.controls.iter().map(|c| json!({
                "id": c.id,
                "title": c.title,
                "status": c.status.as_str(),
                "rules": c.rules,
                "failingFindings": c.failing_findings,
                "suppressedFindings": c.suppressed_findings,
            })).collect::<Vec<_>>(),
            "unknownControls": self.unknown_controls,
        })
    }
}
