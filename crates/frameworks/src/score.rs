//! Per-control compliance scoring of one run

use crate::{controls, resolve};
use palisade_engine::{Control, Finding, Framework, RuleInfo};
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// Status of one control in a run
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlStatus {
    /// At least one rule that ran maps to the control, and no active finding does
    Passing,
    /// At least one active (not suppressed) finding maps to the control
    Failing,
    /// No rule that ran maps to the control: nothing was checked, so it is never "passing"
    NotCovered,
}

impl ControlStatus {
    /// Stable identifier for outputs: `passing`, `failing`, `not-covered`
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passing => "passing",
            Self::Failing => "failing",
            Self::NotCovered => "not-covered",
        }
    }
}

impl fmt::Display for ControlStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One control's result
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlScore {
    /// Catalog ID
    pub id: &'static str,
    /// Our own short title
    pub title: &'static str,
    /// Passing, failing or not covered
    pub status: ControlStatus,
    /// IDs of the rules that ran and map to this control, in run order, without duplicates
    pub rules: Vec<String>,
    /// Active (not suppressed) findings that map to this control
    pub failing_findings: usize,
    /// Suppressed findings that map to this control (shown, but they do not fail it)
    pub suppressed_findings: usize,
}

/// Compliance of one run against one framework
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplianceReport {
    /// The framework
    pub framework: Framework,
    /// Every control of the framework's catalog, in the framework's order
    pub controls: Vec<ControlScore>,
    /// Controls with status [`ControlStatus::Passing`]
    pub passing: usize,
    /// Controls with status [`ControlStatus::Failing`]
    pub failing: usize,
    /// Controls with status [`ControlStatus::NotCovered`]
    pub not_covered: usize,
    /// Controls of this framework that rules or findings reference but the catalog does not
    /// list, sorted, without duplicates (reported, never silently dropped)
    pub unknown_controls: Vec<Control>,
}

impl ComplianceReport {
    /// Controls some rule that ran evidences (`passing + failing`)
    pub fn covered(&self) -> usize {
        self.passing + self.failing
    }

    /// Passing controls as a percentage (0–100) of covered ones; `None` when nothing is covered.
    /// Not-covered controls never count for or against the score.
    pub fn score_percent(&self) -> Option<f64> {
        let covered = self.covered();
        if covered == 0 {
            return None;
        }
        Some(100.0 * self.passing as f64 / covered as f64)
    }

    /// The result for a catalog ID
    pub fn get(&self, id: &str) -> Option<&ControlScore> {
        self.controls.iter().find(|c| c.id == id)
    }
}

/// Score a run against `framework`.
///
/// `rules` are the rules that ran and `findings` what they reported (suppressed ones included).
/// References are matched to the catalog as [`crate::control`] does, so aliases count for their
/// catalog control. A control is:
/// - [`Failing`](ControlStatus::Failing) when an active finding maps to it;
/// - else [`NotCovered`](ControlStatus::NotCovered) when no rule that ran maps to it;
/// - else [`Passing`](ControlStatus::Passing).
///
/// A finding is evidence that its rule ran: its rule ID is added to the controls it maps to even
/// if `rules` lacks it, so a failing control always names a rule.
pub fn score(framework: Framework, rules: &[RuleInfo], findings: &[Finding]) -> ComplianceReport {
    let catalog = controls(framework);
    let mut cache: HashMap<&'static str, Option<usize>> = HashMap::new();
    let mut index = |id: &'static str| *cache.entry(id).or_insert_with(|| resolve(framework, id));

    let mut scores: Vec<ControlScore> = catalog
        .iter()
        .map(|info| ControlScore {
            id: info.id,
            title: info.title,
            status: ControlStatus::NotCovered,
            rules: Vec::new(),
            failing_findings: 0,
            suppressed_findings: 0,
        })
        .collect();
    let mut unknown = BTreeSet::new();

    for rule in rules {
        for c in rule.controls.iter().filter(|c| c.framework == framework) {
            match index(c.id).and_then(|i| scores.get_mut(i)) {
                Some(score) => add_rule(&mut score.rules, &rule.id),
                None => {
                    unknown.insert(*c);
                }
            }
        }
    }

    let mut hit = Vec::new();
    for finding in findings {
        hit.clear();
        for c in finding.controls.iter().filter(|c| c.framework == framework) {
            match index(c.id) {
                Some(i) if !hit.contains(&i) => hit.push(i),
                Some(_) => {}
                None => {
                    unknown.insert(*c);
                }
            }
        }
        for &i in &hit {
            let Some(score) = scores.get_mut(i) else {
                continue;
            };
            add_rule(&mut score.rules, &finding.rule_id);
            if finding.is_active() {
                score.failing_findings += 1;
            } else {
                score.suppressed_findings += 1;
            }
        }
    }

    let (mut passing, mut failing, mut not_covered) = (0, 0, 0);
    for score in &mut scores {
        score.status = if score.failing_findings > 0 {
            failing += 1;
            ControlStatus::Failing
        } else if score.rules.is_empty() {
            not_covered += 1;
            ControlStatus::NotCovered
        } else {
            passing += 1;
            ControlStatus::Passing
        };
    }

    ComplianceReport {
        framework,
        controls: scores,
        passing,
        failing,
        not_covered,
        unknown_controls: unknown.into_iter().collect(),
    }
}

fn add_rule(rules: &mut Vec<String>, id: &str) {
    if !rules.iter().any(|r| r == id) {
        rules.push(id.to_owned());
    }
}
