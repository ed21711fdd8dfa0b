//! `palisade apply`: decide resources against Gatekeeper ConstraintTemplates + Constraints, as
//! `gator test` does: every resource is reviewed by every matching constraint, and every
//! resource is also in `data.inventory` (so referential templates see the whole set).
//! Gatekeeper mutators (Assign, AssignMetadata, ModifySet, AssignImage) among the policies run
//! first, as in a cluster: constraints and the inventory see the mutated resources.

use crate::args::{ApplyArgs, ApplyFormat};
use crate::commands::test::engine_choice;
use crate::input;
use anyhow::Result;
use palisade_gatekeeper::{
    Constraint, ConstraintTemplate, Decision, EngineOptions, Inventory, MutationError,
    MutationSystem, Mutator, Outcome, PolicySet, Review, enforcement_points,
};
use palisade_model::{Resource, resources_from_document};
use palisade_source::{Diagnostic, LoadLimits, LoadedDocument, load_bytes};
use serde_json::{Value, json};
use std::io::Write;

/// One resource × constraint decision
#[derive(Debug)]
struct Row<'r> {
    resource: &'r Resource,
    decision: Decision,
}

/// A resource the mutators changed: its index among the resources and the object before
struct Mutated {
    index: usize,
    before: Value,
}

/// Run `apply`: the policy files may mix dialects; each dialect decides the resources against
/// its own policies and prints its own section. Returns the worst exit code.
pub fn run(args: &ApplyArgs) -> Result<u8> {
    let mut diagnostics = Vec::new();
    let policy_docs = load_all(&args.policies, &mut diagnostics);
    let resource_docs = load_all(&args.resources, &mut diagnostics);

    let (kyverno, rest): (Vec<_>, Vec<_>) = policy_docs
        .into_iter()
        .partition(|d| super::apply_kyverno::has_kyverno_policies(std::slice::from_ref(d)));
    let (gatekeeper, rest): (Vec<_>, Vec<_>) = rest
        .into_iter()
        .partition(|d| is_gatekeeper_document(&d.value));
    // Documents of no dialect are the admission policies' params when there are admission
    // policies; otherwise they are reported by the Gatekeeper pass as not being policies.
    let vap_present = super::apply_vap::has_admission_policies(&rest);
    let (vap, gatekeeper) = if vap_present {
        (rest, gatekeeper)
    } else {
        (Vec::new(), gatekeeper.into_iter().chain(rest).collect())
    };

    // Load problems are reported once, by the first dialect that runs.
    let mut load_diagnostics = Some(diagnostics);
    let mut code = 0;
    if !kyverno.is_empty() {
        let diags = load_diagnostics.take().unwrap_or_default();
        code = code.max(super::apply_kyverno::run(
            args,
            kyverno,
            resource_docs.clone(),
            diags,
        )?);
    }
    if !vap.is_empty() {
        let diags = load_diagnostics.take().unwrap_or_default();
        code = code.max(super::apply_vap::run(
            args,
            vap,
            resource_docs.clone(),
            diags,
        )?);
    }
    if !gatekeeper.is_empty() || load_diagnostics.is_some() {
        let diags = load_diagnostics.take().unwrap_or_default();
        code = code.max(run_gatekeeper(args, gatekeeper, resource_docs, diags)?);
    }
    Ok(code)
}

/// Gatekeeper's API groups (templates, constraints, mutations, config)
fn is_gatekeeper_document(v: &Value) -> bool {
    v.get("apiVersion")
        .and_then(Value::as_str)
        .and_then(|api| api.split_once('/'))
        .is_some_and(|(group, _)| group == "gatekeeper.sh" || group.ends_with(".gatekeeper.sh"))
}

/// Decide resources against ConstraintTemplates + Constraints
fn run_gatekeeper(
    args: &ApplyArgs,
    policy_docs: Vec<LoadedDocument>,
    resource_docs: Vec<LoadedDocument>,
    mut diagnostics: Vec<Diagnostic>,
) -> Result<u8> {
    let options = EngineOptions::with_cel_engine(engine_choice(args.engine))?;
    let mut set = PolicySet::new();
    let mut constraints = Vec::new();
    let mut mutators = Vec::new();
    for doc in &policy_docs {
        if ConstraintTemplate::is_template(&doc.value) {
            let added = ConstraintTemplate::parse(&doc.value).and_then(|t| {
                let kind = t.kind.clone();
                set.add_template(t, &options).map(|()| kind)
            });
            match added {
                // CEL expressions that do not compile fail where evaluated (as in Gatekeeper);
                // point at them too
                Ok(kind) => diagnostics.extend(
                    set.cel_compile_errors(&kind)
                        .iter()
                        .map(|e| e.diagnostic(doc)),
                ),
                Err(e) => diagnostics.push(policy_error(doc, &e.to_string())),
            }
        } else if Constraint::is_constraint(&doc.value) {
            constraints.push(doc);
        } else if Mutator::is_mutator(&doc.value) {
            match Mutator::parse(&doc.value) {
                Ok(m) => mutators.push((m, doc)),
                Err(e @ MutationError::Unsupported { .. }) => {
                    diagnostics.push(Diagnostic::warning(
                        "gatekeeper-mutation",
                        &doc.file.name,
                        Some(doc.start),
                        e.to_string(),
                    ))
                }
                Err(e) => diagnostics.push(policy_error(doc, &e.to_string())),
            }
        } else {
            diagnostics.push(Diagnostic::warning(
                "not-a-policy",
                &doc.file.name,
                Some(doc.start),
                "document is not a Gatekeeper ConstraintTemplate, Constraint or mutator; ignored",
            ));
        }
    }
    for doc in constraints {
        if let Err(e) = set.add_constraint(&doc.value) {
            diagnostics.push(policy_error(doc, &e.to_string()));
        }
    }

    let mut resources = Vec::new();
    for doc in resource_docs {
        let (mut r, mut d) = resources_from_document(doc);
        resources.append(&mut r);
        diagnostics.append(&mut d);
    }
    let mutation = mutation_system(mutators, &mut diagnostics);
    let mut inventory = inventory_of(&resources, &mut diagnostics);
    let mutated = mutate(&mutation, &inventory, &mut resources, &mut diagnostics);
    if !mutated.is_empty() {
        // referential constraints see the mutated objects, as they would be stored
        inventory = inventory_of(&resources, &mut Vec::new());
    }
    let mut session = set.session(&inventory);
    let mut rows = Vec::new();
    for r in &resources {
        let review = Review::from_object(&r.value);
        for decision in session.review(&review, enforcement_points::GATOR) {
            rows.push(Row {
                resource: r,
                decision,
            });
        }
    }

    let mutations = Mutations {
        system: &mutation,
        mutated: &mutated,
        resources: &resources,
    };
    let text = match args.output {
        ApplyFormat::Table => table(&rows, &mutations),
        ApplyFormat::Json => {
            serde_json::to_string_pretty(&document(&rows, &set, &mutations))? + "\n"
        }
        ApplyFormat::Yaml => palisade_report::to_yaml(&document(&rows, &set, &mutations)),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    for d in &diagnostics {
        eprintln!("{d}");
    }
    Ok(if diagnostics.iter().any(Diagnostic::is_error) {
        2
    } else if rows.iter().any(|r| r.decision.denies()) {
        1
    } else {
        0
    })
}

/// The mutators in Gatekeeper's order; pairs in a schema conflict are reported and left out
fn mutation_system(
    mutators: Vec<(Mutator, &LoadedDocument)>,
    diagnostics: &mut Vec<Diagnostic>,
) -> MutationSystem {
    let docs: Vec<(String, &LoadedDocument)> =
        mutators.iter().map(|(m, doc)| (m.id(), *doc)).collect();
    let system = MutationSystem::new(mutators.into_iter().map(|(m, _)| m).collect());
    for conflict in system.conflicts() {
        if let Some((_, doc)) = docs.iter().find(|(id, _)| *id == conflict.first) {
            diagnostics.push(Diagnostic::warning(
                "gatekeeper-mutation",
                &doc.file.name,
                Some(doc.start),
                conflict.to_string(),
            ));
        }
    }
    system
}

/// `data.inventory` (and the Namespace cache) of the resources
fn inventory_of(resources: &[Resource], diagnostics: &mut Vec<Diagnostic>) -> Inventory {
    let mut inventory = Inventory::new();
    for r in resources {
        if let Err(e) = inventory.add(&r.value) {
            diagnostics.push(Diagnostic::error(
                "inventory",
                &r.file.name,
                None,
                e.to_string(),
            ));
        }
    }
    inventory
}

/// Run the mutators over every resource in place; a resource whose mutation fails keeps its
/// original form (and the failure is an error, as the webhook would reject the request)
fn mutate(
    system: &MutationSystem,
    inventory: &Inventory,
    resources: &mut [Resource],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Mutated> {
    let mut mutated = Vec::new();
    if system.is_empty() {
        return mutated;
    }
    for (index, r) in resources.iter_mut().enumerate() {
        // an AdmissionReview document is a request to review, not an object to store
        if r.kind == "AdmissionReview" {
            continue;
        }
        let namespace = r
            .namespace
            .as_deref()
            .and_then(|ns| inventory.namespace(ns));
        match system.mutate(&r.value, namespace) {
            Ok(Some(after)) => {
                let before = std::mem::replace(&mut r.value, after);
                mutated.push(Mutated { index, before });
            }
            Ok(None) => {}
            Err(e) => diagnostics.push(Diagnostic::error(
                "gatekeeper-mutation",
                &r.file.name,
                None,
                e.to_string(),
            )),
        }
    }
    mutated
}

/// What the mutators did, for the renderers
struct Mutations<'a> {
    system: &'a MutationSystem,
    mutated: &'a [Mutated],
    resources: &'a [Resource],
}

impl Mutations<'_> {
    fn each(&self) -> impl Iterator<Item = (&Resource, &Value)> {
        self.mutated
            .iter()
            .filter_map(|m| Some((self.resources.get(m.index)?, &m.before)))
    }
}

fn policy_error(doc: &LoadedDocument, message: &str) -> Diagnostic {
    Diagnostic::error(
        "gatekeeper-policy",
        &doc.file.name,
        Some(doc.start),
        message,
    )
}

/// Every document of every input (files, directories, `-`)
fn load_all(paths: &[String], diagnostics: &mut Vec<Diagnostic>) -> Vec<LoadedDocument> {
    let (inputs, mut diags) = input::collect(paths);
    diagnostics.append(&mut diags);
    let mut docs = Vec::new();
    for inp in inputs {
        match inp.read() {
            Ok(bytes) => {
                let (_, mut d, mut diags) = load_bytes(&inp.name(), bytes, &LoadLimits::default());
                diagnostics.append(&mut diags);
                d.retain(|doc| !doc.value.is_null());
                docs.append(&mut d);
            }
            Err(d) => diagnostics.push(d),
        }
    }
    docs
}

fn result_word(d: &Decision) -> &'static str {
    match &d.outcome {
        Outcome::Skipped(_) => "skip",
        Outcome::Evaluated(v) if v.is_empty() => "pass",
        Outcome::Evaluated(_) => "fail",
    }
}

fn table(rows: &[Row<'_>], mutations: &Mutations<'_>) -> String {
    let mut lines: Vec<[String; 5]> = vec![[
        "RESOURCE".into(),
        "CONSTRAINT".into(),
        "ACTION".into(),
        "RESULT".into(),
        "MESSAGE".into(),
    ]];
    for row in rows {
        let d = &row.decision;
        let resource = row.resource.reference().to_string();
        let constraint = format!("{}/{}", d.kind, d.constraint);
        let action = d.actions.join(",");
        let messages: Vec<String> = match &d.outcome {
            Outcome::Skipped(reason) => vec![reason.clone()],
            Outcome::Evaluated(v) if v.is_empty() => vec![String::new()],
            Outcome::Evaluated(v) => v.iter().map(|x| x.rendered(&d.constraint)).collect(),
        };
        for m in messages {
            lines.push([
                resource.clone(),
                constraint.clone(),
                action.clone(),
                result_word(d).into(),
                m.replace('\n', " "),
            ]);
        }
    }
    let mut out = crate::table::aligned(&lines);
    let denied = rows.iter().filter(|r| r.decision.denies()).count();
    let failed = rows
        .iter()
        .filter(|r| !r.decision.violations().is_empty())
        .count();
    for (r, before) in mutations.each() {
        out.push_str(&super::apply_vap::mutation_diff(
            &r.reference().to_string(),
            before,
            &r.value,
        ));
    }
    out.push_str(&format!(
        "\n{} decisions, {failed} with violations, {denied} denied\n",
        rows.len()
    ));
    if !mutations.system.is_empty() {
        out.push_str(&format!(
            "{} mutators, {} resources mutated\n",
            mutations.system.mutators().len(),
            mutations.mutated.len()
        ));
    }
    out
}

fn document(rows: &[Row<'_>], set: &PolicySet, mutations: &Mutations<'_>) -> Value {
    let resources = mutations.resources;
    let results: Vec<Value> = rows
        .iter()
        .map(|row| {
            let r = row.resource;
            let d = &row.decision;
            let mut entry = json!({
                "resource": {
                    "apiVersion": r.api_version,
                    "kind": r.kind,
                    "namespace": r.namespace,
                    "name": r.name,
                    "file": r.file.name,
                },
                "constraint": {"kind": d.kind, "name": d.constraint},
                "enforcementActions": d.actions,
                "result": result_word(d),
                "violations": d.violations().iter().map(|v| json!({
                    "message": v.rendered(&d.constraint),
                    "msg": v.msg,
                    "details": v.details,
                    "error": v.is_error,
                })).collect::<Vec<_>>(),
            });
            if let Outcome::Skipped(reason) = &d.outcome {
                entry["reason"] = json!(reason);
            }
            entry
        })
        .collect();
    let count = |w: &str| {
        rows.iter()
            .filter(|r| result_word(&r.decision) == w)
            .count()
    };
    json!({
        "summary": {
            "templates": set.templates().count(),
            "constraints": set.constraints().len(),
            "resources": resources.len(),
            "decisions": rows.len(),
            "pass": count("pass"),
            "fail": count("fail"),
            "skip": count("skip"),
            "denied": rows.iter().filter(|r| r.decision.denies()).count(),
            "mutators": mutations.system.mutators().len(),
            "mutated": mutations.mutated.len(),
        },
        "results": results,
        "mutatedResources": mutations.each().map(|(r, _)| r.value.clone()).collect::<Vec<_>>(),
    })
}
