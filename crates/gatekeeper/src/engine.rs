//! Engines, engine selection, and reviewing objects against a set of templates + constraints.
//!
//! A template is compiled once into a [`CompiledTemplate`] by the engine chosen for it; per
//! inventory it yields an [`Evaluator`] that runs one review against one constraint. Rego is
//! built in ([`crate::rego`]); CEL (`K8sNativeValidation`) plugs in through [`CelBackend`], and
//! [`crate::CelEngine`] is the built-in one (on palisade-cel). Without a backend, a template
//! whose selected engine is CEL is reported *skipped* ("CEL engine not available"), never
//! evaluated with a stand-in.
//!
//! Selection follows gator: by default ([`EngineChoice::Auto`], gator's
//! `--enable-k8s-native-validation=true`) a template that has CEL code runs on CEL, otherwise on
//! Rego. [`EngineChoice::Rego`] and [`EngineChoice::Cel`] force one engine: a template without
//! code for it is skipped with [`NO_REGO_CODE`] / [`NO_CEL_CODE`]. There is no fallback from one
//! engine to the other at evaluation.

use crate::GatekeeperError;
use crate::cel_backend::{CelCompileError, CelEngine};
use crate::matching::{Source, Target};
use crate::rego::RegoTemplate;
use crate::review::{Inventory, Review};
use crate::template::{Constraint, ConstraintTemplate};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

/// Reason given for templates that need the CEL engine when no [`CelBackend`] is registered
pub const CEL_UNAVAILABLE: &str = "CEL engine not available";
/// Reason given, under [`EngineChoice::Rego`], for templates without Rego code
pub const NO_REGO_CODE: &str = "no Rego code in the template (engine forced to rego)";
/// Reason given, under [`EngineChoice::Cel`], for templates without `K8sNativeValidation` code
pub const NO_CEL_CODE: &str = "no K8sNativeValidation code in the template (engine forced to cel)";

/// An evaluation engine of ConstraintTemplates
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EngineKind {
    /// Rego (OPA), through regorus
    Rego,
    /// `K8sNativeValidation` (CEL)
    Cel,
}

impl fmt::Display for EngineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Rego => "Rego",
            Self::Cel => "K8sNativeValidation",
        })
    }
}

/// Which engine runs a template
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EngineChoice {
    /// CEL when the template has CEL code (it wins over Rego), else Rego: gator's default
    /// (`--enable-k8s-native-validation=true`). Without a CEL backend, templates with Rego
    /// code run on Rego and CEL-only ones are skipped ([`CEL_UNAVAILABLE`]).
    #[default]
    Auto,
    /// Rego only (gator `--enable-k8s-native-validation=false`); templates without Rego code
    /// are skipped ([`NO_REGO_CODE`])
    Rego,
    /// CEL only; templates without `K8sNativeValidation` code are skipped ([`NO_CEL_CODE`])
    Cel,
}

/// A CEL (`K8sNativeValidation`) engine, provided by the CEL layer.
///
/// `compile` gets the template and the `source` of its `K8sNativeValidation` entry
/// (`validations`, `variables`, `matchCondition`, `failurePolicy`). The evaluator it yields
/// must follow Gatekeeper's k8scel driver: `params` is the whole constraint
/// ([`Constraint::object`]), `variables.params` its `spec.parameters` (or null),
/// `variables.anyObject` the old object on `DELETE`, the object otherwise; on `DELETE`,
/// `object` is null (use [`Review::object`], not the Rego form in [`Review::request`]); and with
/// `failurePolicy: Fail` (the default) compile/runtime errors are violations.
pub trait CelBackend: Send + Sync + fmt::Debug {
    /// Compile a template's CEL source
    fn compile(
        &self,
        template: &ConstraintTemplate,
        source: &Value,
    ) -> Result<Arc<dyn CompiledTemplate>, GatekeeperError>;
}

/// A template compiled by one engine
pub trait CompiledTemplate: Send + Sync + fmt::Debug {
    /// The engine that compiled it
    fn engine(&self) -> EngineKind;
    /// An evaluator that sees `inventory` as `data.inventory` (Rego) or its equivalent
    fn evaluator(&self, inventory: &Inventory) -> Result<Box<dyn Evaluator>, GatekeeperError>;
    /// CEL expressions that did not compile. They do not reject the template (Gatekeeper's
    /// driver cannot tell): each fails where it is evaluated. Empty for Rego.
    fn cel_compile_errors(&self) -> &[CelCompileError] {
        &[]
    }
    /// True when a constraint's violations are a function of the review, the constraint's
    /// `spec.parameters` and the inventory only: constraints of the template with equal
    /// parameters may then share one evaluation of a review. False unless the engine knows.
    fn parameters_only(&self) -> bool {
        false
    }
}

/// Runs reviews against constraints of one template
pub trait Evaluator: Send + fmt::Debug {
    /// The violations of `review` under `constraint`. `Err` is an evaluation error; the caller
    /// reports it as a violation carrying the text, as Gatekeeper does.
    fn evaluate(
        &mut self,
        review: &Review<'_>,
        constraint: &Constraint,
    ) -> Result<Vec<RawViolation>, String>;
}

/// A violation as the engine produced it
#[derive(Debug, Clone, PartialEq)]
pub struct RawViolation {
    /// `msg`
    pub msg: String,
    /// `details` (`{}` when absent)
    pub details: Value,
    /// True when it reports an evaluation error (e.g. a CEL error under `failurePolicy: Fail`)
    pub is_error: bool,
}

/// Engine selection and the optional CEL backend
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// Which engine runs a template
    pub choice: EngineChoice,
    /// The CEL backend; `None` leaves CEL templates unevaluated ([`CEL_UNAVAILABLE`])
    pub cel: Option<Arc<dyn CelBackend>>,
}

impl EngineOptions {
    /// `choice` with the built-in CEL engine ([`CelEngine`], Gatekeeper's defaults)
    pub fn with_cel_engine(choice: EngineChoice) -> Result<Self, GatekeeperError> {
        Ok(Self {
            choice,
            cel: Some(Arc::new(CelEngine::new()?)),
        })
    }
}

/// A template after engine selection
#[derive(Debug, Clone)]
pub enum Backend {
    /// Compiled and ready
    Ready(Arc<dyn CompiledTemplate>),
    /// Cannot run in this build or with this choice; the reason
    Unavailable(String),
}

/// Pick the engine for a template and compile it
pub fn compile_template(
    template: &ConstraintTemplate,
    options: &EngineOptions,
) -> Result<Backend, GatekeeperError> {
    let has_cel = template.cel.is_some();
    let engine = match options.choice {
        EngineChoice::Auto if has_cel && (options.cel.is_some() || template.rego.is_none()) => {
            EngineKind::Cel
        }
        EngineChoice::Auto | EngineChoice::Rego => EngineKind::Rego,
        EngineChoice::Cel => EngineKind::Cel,
    };
    let forced = options.choice != EngineChoice::Auto;
    match engine {
        EngineKind::Cel => match (&template.cel, &options.cel) {
            (Some(source), Some(backend)) => backend.compile(template, source).map(Backend::Ready),
            (Some(_), None) => Ok(Backend::Unavailable(CEL_UNAVAILABLE.into())),
            (None, _) => Ok(Backend::Unavailable(NO_CEL_CODE.into())),
        },
        EngineKind::Rego => match &template.rego {
            Some(rego) => {
                RegoTemplate::compile(&template.name, rego).map(|t| Backend::Ready(Arc::new(t)))
            }
            None if forced => Ok(Backend::Unavailable(NO_REGO_CODE.into())),
            None => Ok(Backend::Unavailable(format!(
                "no supported engine: the template's code is for {}",
                template.other_engines.join(", ")
            ))),
        },
    }
}

/// One result of a review: a violation of a constraint
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The message as the template produced it (what gator's `message` regexes match)
    pub msg: String,
    /// `details`
    pub details: Value,
    /// True when it reports an evaluation or matching error rather than a policy verdict
    pub is_error: bool,
}

impl Violation {
    /// The message as the admission webhook shows it: `[<constraint>] <msg>`
    pub fn rendered(&self, constraint: &str) -> String {
        format!("[{constraint}] {}", self.msg)
    }
}

/// The decision of one constraint on one review
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Constraint kind
    pub kind: String,
    /// Constraint name
    pub constraint: String,
    /// Enforcement actions at the enforcement point (`deny`, `dryrun`, `warn`)
    pub actions: Vec<String>,
    /// What happened
    pub outcome: Outcome,
}

/// How a matched constraint decided
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Evaluated: the violations (none means allowed), sorted by message
    Evaluated(Vec<Violation>),
    /// Not evaluated; why (e.g. [`CEL_UNAVAILABLE`])
    Skipped(String),
}

impl Decision {
    /// The violations (empty when allowed or skipped)
    pub fn violations(&self) -> &[Violation] {
        match &self.outcome {
            Outcome::Evaluated(v) => v,
            Outcome::Skipped(_) => &[],
        }
    }

    /// True when a `deny` action has a violation
    pub fn denies(&self) -> bool {
        self.actions.iter().any(|a| a == "deny") && !self.violations().is_empty()
    }
}

#[derive(Debug, Clone)]
struct TemplateEntry {
    template: ConstraintTemplate,
    backend: Backend,
}

/// Compiled templates and their constraints
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    templates: BTreeMap<String, TemplateEntry>,
    constraints: Vec<Constraint>,
}

impl PolicySet {
    /// An empty set
    pub fn new() -> Self {
        Self::default()
    }

    /// Compile and add a template (replacing one of the same kind)
    pub fn add_template(
        &mut self,
        template: ConstraintTemplate,
        options: &EngineOptions,
    ) -> Result<(), GatekeeperError> {
        let backend = compile_template(&template, options)?;
        self.templates
            .insert(template.kind.clone(), TemplateEntry { template, backend });
        Ok(())
    }

    /// Add a constraint document; its template must have been added
    pub fn add_constraint(&mut self, doc: &Value) -> Result<(), GatekeeperError> {
        let kind = crate::review::str_at(doc, &["kind"]);
        let entry =
            self.templates
                .get(kind)
                .ok_or_else(|| GatekeeperError::UnknownConstraintKind {
                    kind: kind.to_owned(),
                })?;
        let constraint = Constraint::parse(doc, &entry.template)?;
        self.constraints
            .retain(|c| !(c.kind == constraint.kind && c.name == constraint.name));
        self.constraints.push(constraint);
        Ok(())
    }

    /// The templates, by constraint kind
    pub fn templates(&self) -> impl Iterator<Item = (&ConstraintTemplate, &Backend)> {
        self.templates.values().map(|e| (&e.template, &e.backend))
    }

    /// The CEL expressions of the template of constraint kind `kind` that did not compile
    /// (empty when it runs on Rego or is unknown)
    pub fn cel_compile_errors(&self, kind: &str) -> &[CelCompileError] {
        match self.templates.get(kind).map(|e| &e.backend) {
            Some(Backend::Ready(compiled)) => compiled.cel_compile_errors(),
            _ => &[],
        }
    }

    /// The constraints, in the order added
    pub fn constraints(&self) -> &[Constraint] {
        &self.constraints
    }

    /// A review session over `inventory`
    pub fn session<'p>(&'p self, inventory: &'p Inventory) -> Session<'p> {
        Session {
            set: self,
            inventory,
            evaluators: HashMap::new(),
        }
    }
}

/// Reviews against a [`PolicySet`] with one inventory; evaluators are created on first use
#[derive(Debug)]
pub struct Session<'p> {
    set: &'p PolicySet,
    inventory: &'p Inventory,
    evaluators: HashMap<String, Result<Box<dyn Evaluator>, String>>,
}

impl Session<'_> {
    /// Decide every constraint that matches the review at enforcement point `point`.
    /// Constraints that do not match, or do not apply at `point`, are left out.
    pub fn review(&mut self, review: &Review<'_>, point: &str) -> Vec<Decision> {
        let namespace = Some(review.namespace.as_str())
            .filter(|n| !n.is_empty())
            .and_then(|n| self.inventory.namespace(n));
        let targets: Vec<Target<'_>> = [review.object(), review.old_object()]
            .into_iter()
            .flatten()
            .map(|o| Target::new(o, namespace))
            .collect();
        let mut out = Vec::new();
        for constraint in &self.set.constraints {
            let actions = constraint.enforcement_action.actions_at(point);
            if actions.is_empty() {
                continue;
            }
            let decision = |outcome| Decision {
                kind: constraint.kind.clone(),
                constraint: constraint.name.clone(),
                actions: actions.clone(),
                outcome,
            };
            match constraint
                .matcher
                .matches_targets(&targets, Source::Original)
            {
                Ok(false) => continue,
                Ok(true) => {}
                Err(e) => {
                    out.push(decision(Outcome::Evaluated(vec![Violation {
                        msg: format!("unable to match constraints: {}", e.0),
                        details: Value::Object(serde_json::Map::new()),
                        is_error: true,
                    }])));
                    continue;
                }
            }
            let Some(entry) = self.set.templates.get(&constraint.kind) else {
                continue;
            };
            let compiled = match &entry.backend {
                Backend::Ready(c) => c,
                Backend::Unavailable(reason) => {
                    out.push(decision(Outcome::Skipped(reason.clone())));
                    continue;
                }
            };
            let evaluator = self
                .evaluators
                .entry(constraint.kind.clone())
                .or_insert_with(|| {
                    compiled
                        .evaluator(self.inventory)
                        .map_err(|e| e.to_string())
                });
            let violations = match evaluator {
                Ok(ev) => match ev.evaluate(review, constraint) {
                    Ok(raw) => {
                        let mut v: Vec<Violation> = raw
                            .into_iter()
                            .map(|r| Violation {
                                msg: r.msg,
                                details: r.details,
                                is_error: r.is_error,
                            })
                            .collect();
                        v.sort_by(|a, b| a.msg.cmp(&b.msg));
                        v
                    }
                    Err(error) => vec![error_violation(error)],
                },
                Err(error) => vec![error_violation(error.clone())],
            };
            out.push(decision(Outcome::Evaluated(violations)));
        }
        out
    }
}

fn error_violation(msg: String) -> Violation {
    Violation {
        msg,
        details: Value::Object(serde_json::Map::new()),
        is_error: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::enforcement_points::GATOR;
    use serde_json::json;

    fn template(code: Value) -> ConstraintTemplate {
        ConstraintTemplate::parse(&json!({
            "apiVersion": "templates.gatekeeper.sh/v1",
            "kind": "ConstraintTemplate",
            "metadata": {"name": "k8sdemo"},
            "spec": {"crd": {"spec": {"names": {"kind": "K8sDemo"}}},
                     "targets": [{"target": "admission.k8s.gatekeeper.sh", "code": code}]}
        }))
        .unwrap()
    }

    const REGO: &str =
        "package d\nviolation[{\"msg\": \"from rego\"}] { input.review.object.kind == \"Pod\" }\n";

    #[derive(Debug)]
    struct FakeCel;
    #[derive(Debug)]
    struct FakeCompiled;
    #[derive(Debug)]
    struct FakeEval;
    impl CelBackend for FakeCel {
        fn compile(
            &self,
            _: &ConstraintTemplate,
            _: &Value,
        ) -> Result<Arc<dyn CompiledTemplate>, GatekeeperError> {
            Ok(Arc::new(FakeCompiled))
        }
    }
    impl CompiledTemplate for FakeCompiled {
        fn engine(&self) -> EngineKind {
            EngineKind::Cel
        }
        fn evaluator(&self, _: &Inventory) -> Result<Box<dyn Evaluator>, GatekeeperError> {
            Ok(Box::new(FakeEval))
        }
    }
    impl Evaluator for FakeEval {
        fn evaluate(
            &mut self,
            _: &Review<'_>,
            c: &Constraint,
        ) -> Result<Vec<RawViolation>, String> {
            Ok(vec![RawViolation {
                msg: format!("from cel {}", c.object["metadata"]["name"]),
                details: json!({}),
                is_error: false,
            }])
        }
    }

    fn engine_of(b: &Backend) -> Option<EngineKind> {
        match b {
            Backend::Ready(c) => Some(c.engine()),
            Backend::Unavailable(_) => None,
        }
    }

    #[test]
    fn engine_selection() {
        let dual = template(json!([
            {"engine": "K8sNativeValidation", "source": {}},
            {"engine": "Rego", "source": {"rego": REGO}}
        ]));
        let cel_only = template(json!([{"engine": "K8sNativeValidation", "source": {}}]));
        let rego_only = template(json!([{"engine": "Rego", "source": {"rego": REGO}}]));
        let with = |choice, cel: bool| EngineOptions {
            choice,
            cel: cel.then(|| Arc::new(FakeCel) as Arc<dyn CelBackend>),
        };
        let pick =
            |t: &ConstraintTemplate, o: &EngineOptions| engine_of(&compile_template(t, o).unwrap());
        // no CEL backend: Auto runs dual templates on Rego, CEL-only ones are skipped
        assert_eq!(
            pick(&dual, &with(EngineChoice::Auto, false)),
            Some(EngineKind::Rego)
        );
        assert_eq!(pick(&cel_only, &with(EngineChoice::Auto, false)), None);
        assert_eq!(pick(&dual, &with(EngineChoice::Cel, false)), None);
        // with a backend, CEL wins when present (gator's default)
        assert_eq!(
            pick(&dual, &with(EngineChoice::Auto, true)),
            Some(EngineKind::Cel)
        );
        assert_eq!(
            pick(&dual, &with(EngineChoice::Cel, true)),
            Some(EngineKind::Cel)
        );
        assert_eq!(
            pick(&dual, &with(EngineChoice::Rego, true)),
            Some(EngineKind::Rego)
        );
        assert_eq!(
            pick(&rego_only, &with(EngineChoice::Auto, true)),
            Some(EngineKind::Rego)
        );
        assert_eq!(
            pick(&cel_only, &with(EngineChoice::Auto, true)),
            Some(EngineKind::Cel)
        );
        // a forced engine skips templates without code for it
        let reason = |t: &ConstraintTemplate, o: &EngineOptions| match compile_template(t, o) {
            Ok(Backend::Unavailable(reason)) => reason,
            other => panic!("expected a skip, got {other:?}"),
        };
        assert_eq!(
            reason(&rego_only, &with(EngineChoice::Cel, true)),
            NO_CEL_CODE
        );
        assert_eq!(
            reason(&cel_only, &with(EngineChoice::Rego, true)),
            NO_REGO_CODE
        );
        assert_eq!(
            reason(&cel_only, &with(EngineChoice::Auto, false)),
            CEL_UNAVAILABLE
        );
        assert_eq!(
            reason(&dual, &with(EngineChoice::Cel, false)),
            CEL_UNAVAILABLE
        );
    }

    fn constraint_doc(name: &str, spec: Value) -> Value {
        json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sDemo",
               "metadata": {"name": name}, "spec": spec})
    }

    #[test]
    fn session_reviews_matching_constraints() {
        let mut set = PolicySet::new();
        set.add_template(
            template(json!([{"engine": "Rego", "source": {"rego": REGO}}])),
            &EngineOptions::default(),
        )
        .unwrap();
        set.add_constraint(&constraint_doc(
            "pods",
            json!({"match": {"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}]}}),
        ))
        .unwrap();
        set.add_constraint(&constraint_doc(
            "deploys",
            json!({"match": {"kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}]}}),
        ))
        .unwrap();
        set.add_constraint(&constraint_doc(
            "warn-only",
            json!({"enforcementAction": "warn"}),
        ))
        .unwrap();
        // a selector outside `spec.match` is not a match criterion
        set.add_constraint(&constraint_doc(
            "no-match",
            json!({"namespaceSelector": {"matchLabels": {"a": "b"}}}),
        ))
        .unwrap();
        set.add_constraint(&constraint_doc(
            "ns-selector",
            json!({"match": {"namespaceSelector": {"matchLabels": {"a": "b"}}}}),
        ))
        .unwrap();
        let inventory = Inventory::new();
        let mut session = set.session(&inventory);
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ghost"}});
        let decisions = session.review(&Review::from_object(&pod), GATOR);
        let names: Vec<&str> = decisions.iter().map(|d| d.constraint.as_str()).collect();
        assert_eq!(names, ["pods", "warn-only", "no-match", "ns-selector"]);
        assert!(decisions[0].denies());
        assert_eq!(
            decisions[0].violations()[0].rendered("pods"),
            "[pods] from rego"
        );
        assert!(!decisions[1].denies());
        // unknown Namespace with a namespaceSelector: autoreject
        let auto = &decisions[3].violations()[0];
        assert!(
            auto.is_error && auto.msg.starts_with("unable to match constraints:"),
            "{auto:?}"
        );
    }

    #[test]
    fn cel_backend_plugs_in() {
        let mut set = PolicySet::new();
        let options = EngineOptions {
            choice: EngineChoice::Auto,
            cel: Some(Arc::new(FakeCel)),
        };
        set.add_template(
            template(json!([{"engine": "K8sNativeValidation", "source": {}}])),
            &options,
        )
        .unwrap();
        set.add_constraint(&constraint_doc("c1", json!({})))
            .unwrap();
        let inventory = Inventory::new();
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}});
        let decisions = set
            .session(&inventory)
            .review(&Review::from_object(&pod), GATOR);
        assert_eq!(decisions[0].violations()[0].msg, "from cel \"c1\"");
    }
}
