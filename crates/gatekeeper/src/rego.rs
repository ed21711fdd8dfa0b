//! The Rego engine: a template compiled once into a regorus engine, evaluated per review.
//!
//! Each template gets its own engine (so packages of different templates never clash), holding
//! the main module (after the multi-body desugaring, see [`crate::rewrite`]) and its `libs`.
//! Evaluation sets `input = {"review": …, "parameters": …}`, adds `data.inventory`, and reads
//! `data.<package>.violation`: a set, so identical `{msg, details}` results collapse, as in
//! Gatekeeper. Builtin errors are not fatal (OPA's default), and any other evaluation error is
//! returned as text: the caller turns it into a violation, as Gatekeeper does.

use crate::GatekeeperError;
use crate::engine::{CompiledTemplate, EngineKind, Evaluator, RawViolation};
use crate::input_reads::Reads;
use crate::negation::hoist_negated_operands;
use crate::review::{Inventory, Review};
use crate::rewrite::desugar_multi_body_rules;
use crate::template::{Constraint, RegoSource, RegoVersion};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Module names used in compiler messages
const MAIN_MODULE: &str = "template.rego";

/// Builtins whose result is not a function of their arguments (two evaluations of one input
/// may differ)
const IMPURE_BUILTINS: &[&str] = &[
    "time.now_ns",
    "rand.intn",
    "uuid.rfc4122",
    "http.send",
    "opa.runtime",
];

/// Longest one evaluation may run: a template that loops (a large inventory joined with
/// itself, a runaway comprehension) fails with an error instead of holding its thread. Well
/// above the 3 s the API server gives Gatekeeper's webhook by default, so only runaways stop.
///
/// Set on every engine also because an engine without a limit of its own reads regorus's
/// process-wide fallback behind a lock on every evaluation: a write every evaluation thread
/// shares.
pub const EVALUATION_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The engine setting for a time limit: the clock is read every 256 units of work
fn time_limit(limit: std::time::Duration) -> regorus::utils::limits::ExecutionTimerConfig {
    regorus::utils::limits::ExecutionTimerConfig {
        limit,
        check_interval: std::num::NonZeroU32::MIN.saturating_add(255),
    }
}

/// A template compiled for the Rego engine
#[derive(Debug, Clone)]
pub struct RegoTemplate {
    engine: regorus::Engine,
    /// The parts of `input` the sources can read (see [`crate::input_reads`])
    reads: Arc<Reads>,
    rule: String,
    /// No impure builtin is named in the sources (see [`CompiledTemplate::parameters_only`])
    pure: bool,
}

impl RegoTemplate {
    /// Parse and prepare a template's Rego (`template` names it in errors)
    pub fn compile(template: &str, source: &RegoSource) -> Result<Self, GatekeeperError> {
        let compile_error = |e: &dyn std::fmt::Display| GatekeeperError::RegoCompile {
            name: template.to_owned(),
            message: compact_error(&e.to_string()),
        };
        let mut engine = regorus::Engine::new();
        engine.set_rego_v0(source.version == RegoVersion::V0);
        engine.set_strict_builtin_errors(false);
        engine.set_execution_timer_config(time_limit(EVALUATION_TIME_LIMIT));
        let main = prepare_source(&source.rego);
        let libs: Vec<String> = source.libs.iter().map(|l| prepare_source(l)).collect();
        let reads = Arc::new(Reads::of_sources(
            std::iter::once(main.as_str()).chain(libs.iter().map(String::as_str)),
        ));
        let package = engine
            .add_policy(MAIN_MODULE.to_owned(), main)
            .map_err(|e| compile_error(&e))?;
        for (i, lib) in libs.into_iter().enumerate() {
            let lib_package = engine
                .add_policy(format!("lib{i}.rego"), lib)
                .map_err(|e| compile_error(&e))?;
            if lib_package != "data.lib" && !lib_package.starts_with("data.lib.") {
                return Err(GatekeeperError::InvalidTemplate {
                    name: template.to_owned(),
                    reason: format!(
                        "library package `{}` must be `lib` or start with `lib.`",
                        lib_package.trim_start_matches("data.")
                    ),
                });
            }
        }
        let declares_violation = engine
            .has_declared_rule_rooted_at(MAIN_MODULE, "violation")
            .map_err(|e| compile_error(&e))?;
        if !declares_violation {
            return Err(GatekeeperError::InvalidTemplate {
                name: template.to_owned(),
                reason: "the Rego does not define a `violation` rule".into(),
            });
        }
        // analyse the modules once, so every evaluator cloned from here starts prepared
        engine
            .eval_query("true".to_owned(), false)
            .map_err(|e| compile_error(&e))?;
        let pure = !std::iter::once(&source.rego)
            .chain(&source.libs)
            .any(|src| IMPURE_BUILTINS.iter().any(|b| src.contains(b)));
        Ok(Self {
            engine,
            reads,
            rule: format!("{package}.violation"),
            pure,
        })
    }

    /// The same template given the whole review on every evaluation, as before the reads
    /// were narrowed (to compare the two)
    pub fn reading_the_whole_review(mut self) -> Self {
        self.reads = Arc::new(Reads::whole());
        self
    }

    /// True when evaluations convert only the parts of the review the sources can read
    pub fn reads_part_of_the_review(&self) -> bool {
        self.reads.review().is_some()
    }
}

impl CompiledTemplate for RegoTemplate {
    fn engine(&self) -> EngineKind {
        EngineKind::Rego
    }

    /// The input is `{review, parameters}`: nothing else of the constraint is visible
    fn parameters_only(&self) -> bool {
        self.pure
    }

    fn evaluator(&self, inventory: &Inventory) -> Result<Box<dyn Evaluator>, GatekeeperError> {
        let mut engine = self.engine.clone();
        if let Some(data) = inventory.to_data() {
            let mut root = Map::new();
            root.insert("inventory".into(), data);
            engine
                .add_data(regorus::Value::from(Value::Object(root)))
                .map_err(|e| GatekeeperError::Inventory(compact_error(&e.to_string())))?;
        }
        Ok(Box::new(RegoEvaluator {
            engine,
            reads: Arc::clone(&self.reads),
            rule: self.rule.clone(),
        }))
    }
}

/// A compiled template bound to one inventory
#[derive(Debug)]
struct RegoEvaluator {
    engine: regorus::Engine,
    reads: Arc<Reads>,
    rule: String,
}

impl Evaluator for RegoEvaluator {
    fn evaluate(
        &mut self,
        review: &Review<'_>,
        constraint: &Constraint,
    ) -> Result<Vec<RawViolation>, String> {
        // the review and the parameters are converted once (per request, per constraint) and
        // shared: the input object only points at them. A template that reads only parts of
        // the review gets those parts, converted once per review for this template.
        let review_value = review.rego_request_for(&self.reads);
        let parameters = constraint.rego_parameters.get(&constraint.parameters);
        let input = if review_value == regorus::Value::Undefined
            || *parameters == regorus::Value::Undefined
        {
            // what converting the whole input at once gives when a part does not convert
            regorus::Value::Undefined
        } else {
            let mut input = std::collections::BTreeMap::new();
            input.insert(regorus::Value::from("review"), review_value);
            input.insert(regorus::Value::from("parameters"), parameters.clone());
            regorus::Value::from(input)
        };
        self.engine.set_input(input);
        let result = self
            .engine
            .eval_rule(self.rule.clone())
            .map_err(|e| compact_error(&e.to_string()))?;
        if result == regorus::Value::Undefined {
            return Ok(Vec::new());
        }
        let json = serde_json::to_value(&result).map_err(|e| e.to_string())?;
        let Value::Array(items) = json else {
            return Err(format!(
                "`violation` must be a set of objects, got {}",
                compact_json(&json)
            ));
        };
        let mut out: Vec<RawViolation> = Vec::with_capacity(items.len());
        for item in items {
            // Gatekeeper's hook reads `r.msg`: results without one are dropped
            let Some(msg) = item.get("msg") else { continue };
            let msg = match msg {
                Value::String(s) => s.clone(),
                other => compact_json(other),
            };
            let details = item
                .get("details")
                .cloned()
                .unwrap_or_else(|| Value::Object(Map::new()));
            let v = RawViolation {
                msg,
                details,
                is_error: false,
            };
            // the hook's result set keeps only {msg, details}: equal pairs collapse
            if !out.contains(&v) {
                out.push(v);
            }
        }
        Ok(out)
    }
}

/// The two source passes that make regorus read a module as OPA does: the multi-body rule
/// desugaring ([`crate::rewrite`]) and the negated-operand hoisting ([`crate::negation`])
fn prepare_source(rego: &str) -> String {
    hoist_negated_operands(&desugar_multi_body_rules(rego))
}

/// A JSON document as a regorus value, read in place. Gives what `regorus::Value::from` gives
/// for the same document (scalars, arrays, objects with sorted keys), without the deep clone
/// it needs and without going through serde's visitor: on a Pod review this is about half the
/// cost of the serde path.
pub(crate) fn to_rego(v: &Value) -> regorus::Value {
    match v {
        Value::Null => regorus::Value::Null,
        Value::Bool(b) => regorus::Value::Bool(*b),
        // the serde path visits unsigned first, then signed, then floats (never non-finite in a
        // `serde_json::Value`)
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => regorus::Value::from(u),
            (None, Some(i), _) => regorus::Value::from(i),
            (None, None, Some(f)) => regorus::Value::from(f),
            (None, None, None) => regorus::Value::Undefined,
        },
        Value::String(s) => regorus::Value::from(s.as_str()),
        Value::Array(items) => regorus::Value::from(items.iter().map(to_rego).collect::<Vec<_>>()),
        Value::Object(map) => regorus::Value::from(
            map.iter()
                .map(|(k, v)| (regorus::Value::from(k.as_str()), to_rego(v)))
                .collect::<std::collections::BTreeMap<_, _>>(),
        ),
    }
}

fn compact_json(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// regorus renders errors rustc-style over several lines (location, snippet, caret,
/// `error: …`); keep `file:line:col: message` on one line
pub(crate) fn compact_error(text: &str) -> String {
    let location = text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("--> "))
        .map(str::trim);
    let message = text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("error: "))
        .map(str::trim);
    match (location, message) {
        (Some(loc), Some(msg)) => format!("{loc}: {msg}"),
        (None, Some(msg)) => msg.to_owned(),
        _ => text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn compile(rego: &str) -> Result<RegoTemplate, GatekeeperError> {
        RegoTemplate::compile(
            "t",
            &RegoSource {
                rego: rego.into(),
                libs: vec![],
                version: RegoVersion::V0,
            },
        )
    }

    fn constraint(params: Value) -> Constraint {
        Constraint {
            kind: "K".into(),
            name: "c".into(),
            object: json!({}),
            parameters: params,
            matcher: crate::matching::Match::default(),
            enforcement_action: crate::template::EnforcementAction::Deny,
            rego_parameters: Default::default(),
        }
    }

    #[test]
    fn a_runaway_evaluation_stops_at_the_time_limit() {
        // two million iterations: seconds of work (without the limit it ends, and the test
        // fails), stopped at the limit
        let mut t = compile(
            "package t\nviolation[{\"msg\": \"never\"}] { r := numbers.range(1, 1500); x := r[_]; y := r[_]; x + y < 0 }\n",
        )
        .unwrap();
        t.engine
            .set_execution_timer_config(time_limit(std::time::Duration::from_millis(20)));
        let mut ev = t.evaluator(&Inventory::new()).unwrap();
        let doc = json!({"apiVersion": "v1", "kind": "Pod"});
        let err = ev
            .evaluate(&Review::from_object(&doc), &constraint(json!({})))
            .unwrap_err();
        assert!(err.contains("time limit"), "{err}");
    }

    #[test]
    fn duplicate_violations_collapse_and_details_default() {
        let t = compile(
            "package t\nviolation[{\"msg\": m}] { m := \"same\"; input.review.object.a }\nviolation[{\"msg\": m, \"details\": {}}] { m := \"same\" }\nviolation[{\"msg\": m, \"details\": {\"k\": 1}}] { m := \"same\" }\n",
        )
        .unwrap();
        let mut ev = t.evaluator(&Inventory::new()).unwrap();
        let review_doc = json!({"apiVersion": "v1", "kind": "Pod", "a": true});
        let review = Review::from_object(&review_doc);
        let v = ev.evaluate(&review, &constraint(json!({}))).unwrap();
        // `{msg}` and `{msg, details: {}}` are the same result; other details are not
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(v.iter().all(|r| r.msg == "same"));
        assert!(v.iter().any(|r| r.details == json!({})));
        assert!(v.iter().any(|r| r.details == json!({"k": 1})));
    }

    #[test]
    fn sees_parameters_and_inventory() {
        let t = compile(
            "package t\nviolation[{\"msg\": msg}] {\n  other := data.inventory.namespace[ns][\"v1\"][\"Pod\"][name]\n  name != input.review.object.metadata.name\n  msg := sprintf(\"%v/%v %v\", [ns, name, input.parameters.tag])\n}\n",
        )
        .unwrap();
        let mut inventory = Inventory::new();
        inventory
            .add(&json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b", "namespace": "x"}}))
            .unwrap();
        let mut ev = t.evaluator(&inventory).unwrap();
        let review_doc = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}});
        let review = Review::from_object(&review_doc);
        let v = ev
            .evaluate(&review, &constraint(json!({"tag": "t1"})))
            .unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].msg, "x/b t1");
        // an evaluator without inventory sees `data.inventory` undefined
        let mut empty = t.evaluator(&Inventory::new()).unwrap();
        assert!(
            empty
                .evaluate(&review, &constraint(json!({})))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn direct_conversion_matches_serde() {
        let doc = json!({
            "z": 1, "a": [1, -2, 3.5, 1.0e300, 18446744073709551615u64, -9223372036854775808i64],
            "empty": {}, "none": [], "null": null, "t": true, "s": "é✓", "nested": {"b": {"c": [{}]}},
            "0.5": 0.5, "": ""
        });
        assert_eq!(to_rego(&doc), regorus::Value::from(doc.clone()));
        for scalar in [
            json!(null),
            json!(0),
            json!(-1),
            json!(2.25),
            json!("x"),
            json!([]),
        ] {
            assert_eq!(to_rego(&scalar), regorus::Value::from(scalar.clone()));
        }
    }

    #[test]
    fn one_review_many_constraints() {
        // the review is converted once and shared; each constraint still sees its parameters
        let t = compile(
            "package t\nviolation[{\"msg\": msg}] {\n  msg := sprintf(\"%v %v\", [input.review.object.metadata.name, input.parameters.tag])\n}\n",
        )
        .unwrap();
        let mut ev = t.evaluator(&Inventory::new()).unwrap();
        let review_doc = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}});
        let review = Review::from_object(&review_doc);
        for tag in ["t1", "t2", "t1"] {
            let c = constraint(json!({ "tag": tag }));
            let v = ev.evaluate(&review, &c).unwrap();
            assert_eq!(v[0].msg, format!("a {tag}"));
        }
        let other_doc = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}});
        let other = Review::from_object(&other_doc);
        let v = ev
            .evaluate(&other, &constraint(json!({"tag": "t3"})))
            .unwrap();
        assert_eq!(v[0].msg, "b t3");
    }

    #[test]
    fn a_sent_request_builds_its_fields_only_for_templates_that_read_them() {
        let sent = crate::review::CountingRequest::default();
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}});
        let review = Review::from_sent_request(&sent, Some(&pod), None).unwrap();
        let objects_only = compile(
            "package t\nviolation[{\"msg\": input.review.object.metadata.name}] { true }\n",
        )
        .unwrap();
        let v = objects_only
            .evaluator(&Inventory::new())
            .unwrap()
            .evaluate(&review, &constraint(json!({})))
            .unwrap();
        assert_eq!(v[0].msg, "a");
        assert_eq!(sent.builds(), 0);
        let who = compile(
            "package t\nviolation[{\"msg\": input.review.userInfo.username}] { input.review.operation == \"CREATE\" }\n",
        )
        .unwrap();
        let mut ev = who.evaluator(&Inventory::new()).unwrap();
        for _ in 0..2 {
            let v = ev.evaluate(&review, &constraint(json!({}))).unwrap();
            assert_eq!(v[0].msg, "alice");
        }
        assert_eq!(sent.builds(), 1);
    }

    #[test]
    fn impure_builtins_keep_evaluations_apart() {
        let pure =
            compile("package t\nviolation[{\"msg\": \"x\"}] { input.parameters.a }\n").unwrap();
        assert!(pure.parameters_only());
        let clock =
            compile("package t\nviolation[{\"msg\": \"x\"}] { time.now_ns() > 0 }\n").unwrap();
        assert!(!clock.parameters_only());
    }

    #[test]
    fn compile_and_eval_errors() {
        let err = compile("package t\nviolation[{\"msg\": m}] {\n  m := \n}\n").unwrap_err();
        assert!(matches!(err, GatekeeperError::RegoCompile { .. }), "{err}");
        assert!(err.to_string().contains("template.rego:"), "{err}");
        let missing = compile("package t\nallow { true }\n").unwrap_err();
        assert!(missing.to_string().contains("violation"), "{missing}");
        let bad_lib = RegoTemplate::compile(
            "t",
            &RegoSource {
                rego: "package t\nviolation[{\"msg\": \"x\"}] { false }\n".into(),
                libs: vec!["package helpers\nx := 1\n".into()],
                version: RegoVersion::V0,
            },
        );
        assert!(bad_lib.is_err());
        // a conflict at evaluation time is returned as text (a violation for the caller)
        let t = compile("package t\nx := 1 { true }\nx := 2 { true }\nviolation[{\"msg\": sprintf(\"%v\", [x])}] { true }\n").unwrap();
        let mut ev = t.evaluator(&Inventory::new()).unwrap();
        let review_doc = json!({"apiVersion": "v1", "kind": "Pod"});
        let review = Review::from_object(&review_doc);
        assert!(ev.evaluate(&review, &constraint(json!({}))).is_err());
    }

    #[test]
    fn builtin_errors_are_undefined_like_opa() {
        let t = compile("package t\nviolation[{\"msg\": \"n\"}] { to_number(\"abc\") > 1 }\nviolation[{\"msg\": \"ok\"}] { true }\n").unwrap();
        let mut ev = t.evaluator(&Inventory::new()).unwrap();
        let review_doc = json!({"apiVersion": "v1", "kind": "Pod"});
        let review = Review::from_object(&review_doc);
        let v = ev.evaluate(&review, &constraint(json!({}))).unwrap();
        assert_eq!(v.iter().map(|r| r.msg.as_str()).collect::<Vec<_>>(), ["ok"]);
    }

    /// OPA fails a rule body at an assignment of an undefined value, whether the variable is
    /// then unused, negated or read. regorus's register VM (0.14) lets the body go on, so
    /// `not f(r)` holds and this yields `a`, `b` and `d` besides `e`: the reason the templates
    /// stay on the interpreter (`k8spspallowedusers` with no `ranges` is the library's case).
    #[test]
    fn assigning_an_undefined_value_fails_the_body_like_opa() {
        let t = compile(
            "package t\n\
             violation[{\"msg\": \"a\"}] { r := input.parameters.ranges }\n\
             violation[{\"msg\": \"b\"}] { r := input.parameters.ranges; not f(r) }\n\
             violation[{\"msg\": \"c\"}] { r := input.parameters.ranges; f(r) }\n\
             violation[{\"msg\": \"d\"}] { not f(input.parameters.ranges) }\n\
             violation[{\"msg\": \"e\"}] { r := input.parameters.rule; not f(r) }\n\
             f(x) { x == 1 }\n",
        )
        .unwrap();
        let mut ev = t.evaluator(&Inventory::new()).unwrap();
        let review_doc = json!({"apiVersion": "v1", "kind": "Pod"});
        let review = Review::from_object(&review_doc);
        let v = ev
            .evaluate(&review, &constraint(json!({"rule": "RunAsAny"})))
            .unwrap();
        let mut msgs: Vec<&str> = v.iter().map(|r| r.msg.as_str()).collect();
        msgs.sort_unstable();
        // `d`: the negated-operand hoisting makes the undefined argument fail the body too
        assert_eq!(msgs, ["e"]);
    }

    #[test]
    fn rego_v1_sources() {
        let t = RegoTemplate::compile(
            "t",
            &RegoSource {
                rego: "package t\nviolation contains {\"msg\": \"v1\"} if { input.review.object.kind == \"Pod\" }\n".into(),
                libs: vec![],
                version: RegoVersion::V1,
            },
        )
        .unwrap();
        let mut ev = t.evaluator(&Inventory::new()).unwrap();
        let review_doc = json!({"apiVersion": "v1", "kind": "Pod"});
        let review = Review::from_object(&review_doc);
        assert_eq!(
            ev.evaluate(&review, &constraint(json!({}))).unwrap()[0].msg,
            "v1"
        );
    }

    #[test]
    fn compacts_regorus_errors() {
        let text = "\n--> p.rego:11:18\n   |\n11 | bad := x { x := 1/0 }\n   |                  ^\nerror: divide by zero";
        assert_eq!(compact_error(text), "p.rego:11:18: divide by zero");
        assert_eq!(compact_error("plain\n message"), "plain message");
    }
}
