//! The scan pipeline: load every input in parallel, run per-resource rules while each file is
//! in hand, then the cross-resource rules over the inventory, then suppressions and config.

use crate::input::Input;
use palisade_checks::{pss_rules, run_inventory_checks, run_resource_checks};
use palisade_engine::{
    Check, Config, Finding, IGNORE_ANNOTATION_PREFIX, Inventory, RuleInfo,
    apply_annotation_suppression,
};
use palisade_model::{Resource, ResourceRef, resources_from_document};
use palisade_pss::{Level, Version};
use palisade_source::{Diagnostic, LoadLimits, SourceFile, load_bytes};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// What to run
#[derive(Debug)]
pub struct Plan {
    /// Enabled built-in checks
    pub checks: Vec<&'static Check>,
    /// PSS level and version, when any PSS rule is enabled
    pub pss: Option<(Level, Version)>,
    /// IDs of the enabled PSS rules
    pub pss_rule_ids: HashSet<String>,
    /// Every rule that runs (for reports and scoring)
    pub rules: Vec<RuleInfo>,
    /// Severity overrides and excludes
    pub config: Config,
    /// Input limits
    pub limits: LoadLimits,
    /// Keep file text for source snippets (human output); otherwise dropped after each file
    pub keep_source: bool,
}

/// What a scan produced
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings, sorted, suppressed ones included
    pub findings: Vec<Finding>,
    /// Input problems
    pub diagnostics: Vec<Diagnostic>,
    /// Inputs read
    pub files: usize,
    /// Resources evaluated
    pub resources: usize,
}

#[derive(Default)]
struct FileResult {
    findings: Vec<Finding>,
    diagnostics: Vec<Diagnostic>,
    inventory: Inventory,
    resources: usize,
    /// `ignore.palisade.dev/*` annotations, for suppressing cross-resource findings later
    ignore_annotations: Vec<(ResourceRef, serde_json::Value)>,
}

/// Run the plan over the inputs; `tick` is called once per finished input (progress)
pub fn run(plan: &Plan, inputs: &[Input], tick: &(dyn Fn() + Sync)) -> Outcome {
    let results: Vec<FileResult> = inputs
        .par_iter()
        .map(|input| {
            let r = scan_input(plan, input);
            tick();
            r
        })
        .collect();

    let mut outcome = Outcome {
        files: inputs.len(),
        ..Outcome::default()
    };
    let mut inventory = Inventory::default();
    let mut ignores: HashMap<ResourceRef, serde_json::Value> = HashMap::new();
    // Sized once: findings dominate memory on large scans, and doubling growth would hold
    // up to twice their size.
    let total: usize = results.iter().map(|r| r.findings.len()).sum();
    outcome.findings.reserve_exact(total);
    for r in results {
        outcome.findings.extend(r.findings);
        outcome.diagnostics.extend(r.diagnostics);
        outcome.resources += r.resources;
        inventory.merge(r.inventory);
        ignores.extend(r.ignore_annotations);
    }

    let mut cross = Vec::new();
    run_inventory_checks(&plan.checks, &inventory, &mut cross);
    for f in &mut cross {
        apply_annotation_suppression(f, ignores.get(&f.resource));
    }
    outcome.findings.extend(cross);
    for f in &mut outcome.findings {
        plan.config.apply(f);
    }
    outcome
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    outcome
}

fn scan_input(plan: &Plan, input: &Input) -> FileResult {
    let mut out = FileResult::default();
    let name = input.name();
    let bytes = match input.read() {
        Ok(b) => b,
        Err(d) => {
            out.diagnostics.push(d);
            return out;
        }
    };
    let (file, docs, diags) = load_bytes(&name, bytes, &plan.limits);
    out.diagnostics = diags;
    for doc in docs {
        let (resources, diags) = resources_from_document(doc);
        out.diagnostics.extend(diags);
        for resource in resources {
            evaluate(plan, &resource, &mut out);
        }
    }
    if let (Some(file), false) = (file, plan.keep_source) {
        // Findings outlive the file; without snippets to show they only need its name.
        let stub = SourceFile::new(file.name.clone(), String::new());
        for f in &mut out.findings {
            f.file = Arc::clone(&stub);
        }
    }
    out
}

fn evaluate(plan: &Plan, resource: &Resource, out: &mut FileResult) {
    let start = out.findings.len();
    run_resource_checks(&plan.checks, resource, &mut out.findings);
    if let Some((level, version)) = plan.pss {
        let before = out.findings.len();
        pss_rules::evaluate(resource, level, version, &mut out.findings);
        let mut i = before;
        while i < out.findings.len() {
            if plan.pss_rule_ids.contains(out.findings[i].rule_id.as_ref()) {
                i += 1;
            } else {
                out.findings.swap_remove(i);
            }
        }
    }
    let annotations = resource.value.pointer("/metadata/annotations");
    let has_ignores = annotations
        .and_then(serde_json::Value::as_object)
        .is_some_and(|m| m.keys().any(|k| k.starts_with(IGNORE_ANNOTATION_PREFIX)));
    if has_ignores {
        for f in &mut out.findings[start..] {
            apply_annotation_suppression(f, annotations);
        }
        if let Some(a) = annotations {
            out.ignore_annotations
                .push((resource.reference(), a.clone()));
        }
    }
    out.inventory.observe(resource);
    out.resources += 1;
}
