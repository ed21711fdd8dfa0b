//! Evaluating programs against one set of inputs.

use crate::budget::{self, Exhausted, Limits};
use crate::fast::{Documents, V, to_val};
use crate::json::{json_val, val_to_json, value_size};
use crate::k8s::authz::Authorizer;
use crate::program::{CelEnv, Program};
use crate::util::type_name;
use cel::common::types::{CelBool, CelNull, CelString, Kind};
use cel::common::value::Val;
use cel::{Context, ExecutionError};
use serde_json::Value;

/// A composited variable: `variables.<name>`
#[derive(Debug, Clone)]
pub struct Variable {
    /// Its name
    pub name: String,
    /// Its expression
    pub program: Program,
}

/// Why an evaluation failed
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalErrorKind {
    /// A runtime error (no such key, no matching overload, division by zero, …)
    Runtime,
    /// The result has the wrong type for its use
    Type,
    /// The cost budget ran out
    CostLimit,
    /// The evaluation took too long
    Timeout,
}

/// An evaluation error: an error *value*, which the caller's failure policy decides about
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct EvalError {
    /// What went wrong
    pub message: String,
    /// Its class
    pub kind: EvalErrorKind,
}

impl EvalError {
    fn runtime(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            kind: EvalErrorKind::Runtime,
        }
    }

    fn of(e: &ExecutionError, tripped: Option<Exhausted>) -> Self {
        match tripped {
            Some(Exhausted::Cost) => Self {
                message: "operation cancelled: actual cost limit exceeded".into(),
                kind: EvalErrorKind::CostLimit,
            },
            Some(Exhausted::Timeout) => Self {
                message: "operation cancelled: evaluation timed out".into(),
                kind: EvalErrorKind::Timeout,
            },
            None => Self::runtime(error_message(e)),
        }
    }
}

/// An execution error in cel-go's words where they differ
fn error_message(e: &ExecutionError) -> String {
    match e {
        ExecutionError::NoSuchKey(k) => format!("no such key: {k}"),
        ExecutionError::UndeclaredReference(r) => format!("undeclared reference to '{r}'"),
        ExecutionError::FunctionError { function, message } if function == "cost" => {
            message.clone()
        }
        ExecutionError::FunctionError { message, .. } => message.clone(),
        ExecutionError::DivisionByZero(_) => "division by zero".into(),
        ExecutionError::RemainderByZero(_) => "modulus by zero".into(),
        ExecutionError::IndexOutOfBounds(i) => format!("index out of bounds: {i:?}"),
        other => other.to_string(),
    }
}

/// The context in `slot`, made for `env` if there is none yet
fn context<'s, 'd>(slot: &'s mut Option<Context<'d, 'd>>, env: &CelEnv) -> &'s mut Context<'d, 'd> {
    slot.get_or_insert_with(|| Context::with_env(std::sync::Arc::clone(&env.env)))
}

/// A document (or null) as the general evaluator reads it
fn view<'d>(value: Option<&'d Value>) -> Box<dyn Val + 'd> {
    match value {
        Some(v) => json_val(v),
        None => Box::new(CelNull),
    }
}

enum VarState {
    Pending,
    /// Evaluated by the direct evaluator (and charged), not yet given to the general one
    Direct,
    Bound,
    Failed(String),
}

/// The inputs of one evaluation (`object`, `request`, `params`, … and composited variables),
/// against which any number of programs run. Documents are viewed, not converted: binding a
/// document costs nothing, reading a field costs that field. Composited variables are
/// evaluated at most once, when an expression refers to them; an error in one surfaces only
/// when an expression that needs it runs.
pub struct Activation<'d> {
    env: &'d CelEnv,
    /// The general evaluator's context, made when something is first bound for it or it first
    /// runs: most expressions are answered by the direct evaluator, and making one clones the
    /// environment's shared reference count, a write every evaluation thread makes
    ctx: Option<Context<'d, 'd>>,
    /// The bound documents, for programs the direct evaluator covers ([`crate::fast`])
    documents: Documents<'d>,
    /// What the environment's host functions read ([`Self::bind_host_data`])
    host_data: Option<std::sync::Arc<dyn std::any::Any + Send + Sync>>,
    vars: &'d [Variable],
    state: Vec<VarState>,
    /// Values of the composited variables the direct evaluator computed, by index of `vars`
    direct: Vec<Option<V<'d>>>,
    limits: Limits,
    remaining: u64,
    used: u64,
}

impl<'d> Activation<'d> {
    /// An empty activation; `total_budget` caps the cost of all its evaluations together
    /// (Kubernetes: 10,000,000 per policy × binding × param evaluation)
    pub fn new(env: &'d CelEnv, limits: Limits, total_budget: u64) -> Self {
        Self {
            env,
            ctx: None,
            documents: Documents::default(),
            host_data: None,
            vars: &[],
            state: Vec::new(),
            direct: Vec::new(),
            limits,
            remaining: total_budget,
            used: 0,
        }
    }

    /// The general evaluator's context, made on first use
    fn ctx(&mut self) -> &mut Context<'d, 'd> {
        context(&mut self.ctx, self.env)
    }

    /// Bind `name` to a document (or to null)
    pub fn bind_json(&mut self, name: &str, value: Option<&'d Value>) {
        // the usual documents reach the general evaluator only if it runs (most expressions
        // are answered by the direct one, and boxing the views cost as much as answering)
        if !self.documents.bind(name, value) {
            self.ctx().add_variable_as_val(name, view(value));
        }
    }

    /// Bind `name` to a full conversion of a document into CEL values (what evaluators that
    /// cannot view documents do on every evaluation; kept as a baseline for measurements)
    pub fn bind_converted(&mut self, name: &str, value: &Value) {
        self.documents.unbind(name);
        self.ctx()
            .add_variable_as_val(name, crate::json::json_to_owned(value));
    }

    /// Bind `authorizer`
    pub fn bind_authorizer(&mut self, authorizer: Authorizer) {
        self.ctx()
            .add_variable_as_val("authorizer", Box::new(authorizer));
    }

    /// Bind the data the environment's host functions read ([`crate::HostCall::data`])
    pub fn bind_host_data(&mut self, data: std::sync::Arc<dyn std::any::Any + Send + Sync>) {
        self.host_data = Some(data);
    }

    /// Declare the composited variables (evaluated lazily)
    pub fn set_variables(&mut self, vars: &'d [Variable]) {
        self.vars = vars;
        self.state = vars.iter().map(|_| VarState::Pending).collect();
        self.direct = vec![None; vars.len()];
    }

    /// Cost used so far by this activation's evaluations
    pub fn cost_used(&self) -> u64 {
        self.used
    }

    fn ensure_vars(&mut self, names: &[String], depth: usize) {
        if depth > 64 {
            return;
        }
        for name in names {
            let Some(i) = self.vars.iter().position(|v| v.name == *name) else {
                continue;
            };
            let vars: &'d [Variable] = self.vars;
            let Some(var) = vars.get(i) else {
                continue;
            };
            match self.state.get(i) {
                Some(VarState::Pending) => {}
                // charged when the direct evaluator computed it
                Some(VarState::Direct) => {
                    if let Some(Some(v)) = self.direct.get(i) {
                        let value = to_val(v);
                        self.ctx()
                            .add_variable_as_val(format!("variables.{}", var.name), value);
                    }
                    if let Some(s) = self.state.get_mut(i) {
                        *s = VarState::Bound;
                    }
                    continue;
                }
                _ => continue,
            }
            self.ensure_vars(&var.program.variables, depth + 1);
            let state = match self.run(&var.program) {
                Ok(val) => {
                    let size = value_size(val.as_ref(), self.limits.cost);
                    self.charge(size);
                    if size > self.remaining {
                        VarState::Failed("operation cancelled: actual cost limit exceeded".into())
                    } else {
                        self.ctx()
                            .add_variable_as_val(format!("variables.{}", var.name), val);
                        VarState::Bound
                    }
                }
                Err(e) => VarState::Failed(e.message),
            };
            if let Some(s) = self.state.get_mut(i) {
                *s = state;
            }
        }
    }

    /// The composited variables `names` (and those they refer to) by the direct evaluator, as
    /// [`Self::ensure_vars`] evaluates them for the general one: in the same order, each under
    /// its own budget, charged the same. `None` when one of them is not for the direct evaluator
    /// (not covered, not decided, already evaluated by the general one, failed).
    fn ensure_direct(&mut self, names: &[String], depth: usize) -> Option<()> {
        if depth > 64 {
            return None;
        }
        for name in names {
            let i = self.vars.iter().position(|v| v.name == *name)?;
            if self.direct.get(i)?.is_some() {
                continue;
            }
            if !matches!(self.state.get(i)?, VarState::Pending) {
                return None;
            }
            let vars: &'d [Variable] = self.vars;
            let var = vars.get(i)?;
            let fast = var.program.fast.as_deref()?;
            self.ensure_direct(&var.program.variables, depth + 1)?;
            if self.remaining == 0 {
                return None;
            }
            let guard = budget::start(self.limits.cost.min(self.remaining), self.limits.timeout);
            let value = fast.eval(&self.documents, &|n| self.direct_variable(n));
            let (used, _) = guard.finish();
            let value = value?;
            self.charge(used);
            let size = crate::fast::value_size(&value, self.limits.cost);
            self.charge(size);
            if size > self.remaining {
                *self.state.get_mut(i)? =
                    VarState::Failed("operation cancelled: actual cost limit exceeded".into());
                return None;
            }
            *self.direct.get_mut(i)? = Some(value);
            *self.state.get_mut(i)? = VarState::Direct;
        }
        Some(())
    }

    /// `variables.<name>` as the direct evaluator computed it
    fn direct_variable(&self, name: &str) -> Option<V<'d>> {
        let i = self.vars.iter().position(|v| v.name == name)?;
        self.direct.get(i)?.clone()
    }

    fn charge(&mut self, units: u64) {
        self.remaining = self.remaining.saturating_sub(units);
        self.used = self.used.saturating_add(units);
    }

    /// Evaluate `program` to an owned value
    fn run(&mut self, program: &Program) -> Result<Box<dyn Val + 'd>, EvalError> {
        // the slot, not `self.ctx()`: the documents and the budget are read while it is held
        let ctx = context(&mut self.ctx, self.env);
        self.documents
            .sync(|name, value| ctx.add_variable_as_val(name, view(value)));
        if self.remaining == 0 {
            return Err(EvalError {
                message: "validation failed due to running out of cost budget, no further validation rules will be run".into(),
                kind: EvalErrorKind::CostLimit,
            });
        }
        let guard = budget::start(self.limits.cost.min(self.remaining), self.limits.timeout);
        let _host = crate::host::enter(crate::host::Scope {
            functions: self.env.host.clone(),
            data: self.host_data.clone(),
        });
        let result = cel::Value::resolve_val(&program.expr, ctx).map(|v| v.into_owned());
        let tripped = budget::tripped();
        let (used, _) = guard.finish();
        self.charge(used);
        result.map_err(|e| EvalError::of(&e, tripped))
    }

    /// Evaluate `program` and hand its value to `f`
    pub fn eval_with<R>(
        &mut self,
        program: &Program,
        f: impl FnOnce(&dyn Val) -> Result<R, EvalError>,
    ) -> Result<R, EvalError> {
        self.ensure_vars(&program.variables, 0);
        match self.run(program) {
            Ok(v) => f(v.as_ref()),
            Err(e) => Err(self.explain(program, e)),
        }
    }

    /// A reference to a failed variable reports that variable's error
    fn explain(&self, program: &Program, e: EvalError) -> EvalError {
        if e.message.contains("undeclared reference to 'variables") {
            for name in &program.variables {
                if let Some(i) = self.vars.iter().position(|v| v.name == *name)
                    && let Some(VarState::Failed(msg)) = self.state.get(i)
                {
                    return EvalError::runtime(format!(
                        "composited variable \"{name}\" fails to evaluate: {msg}"
                    ));
                }
            }
        }
        e
    }

    /// Evaluate a program that must produce a bool
    pub fn eval_bool(&mut self, program: &Program) -> Result<bool, EvalError> {
        let pick = |v: V<'_>| match v {
            V::Bool(b) => Some(b),
            _ => None,
        };
        self.eval_either(program, pick, |act, program| {
            act.eval_with(program, |v| {
                v.downcast_ref::<CelBool>()
                    .map(|b| *b.inner())
                    .ok_or_else(|| EvalError {
                        message: format!("expected a bool, got {}", type_name(v)),
                        kind: EvalErrorKind::Type,
                    })
            })
        })
    }

    /// Evaluate a program that produces a string or null (`None`)
    pub fn eval_string(&mut self, program: &Program) -> Result<Option<String>, EvalError> {
        let pick = |v: V<'_>| match v {
            V::Null => Some(None),
            v => v.str().map(|s| Some(s.to_owned())),
        };
        self.eval_either(program, pick, |act, program| {
            act.eval_with(program, |v| {
                if v.get_type().kind() == Kind::NullType {
                    return Ok(None);
                }
                v.downcast_ref::<CelString<'_>>()
                    .map(|s| Some(s.inner().to_owned()))
                    .ok_or_else(|| EvalError {
                        message: format!("expected a string, got {}", type_name(v)),
                        kind: EvalErrorKind::Type,
                    })
            })
        })
    }

    /// `program` by the direct evaluator when it covers the program and decides it (to a value
    /// `pick` accepts), by `general` otherwise. `general` then starts afresh: what the direct
    /// run charged is not kept. Debug builds run `general` as well and assert that it gives the
    /// same answer at the same cost (on a copy of the budget, so that debug and release builds
    /// charge alike): every test that evaluates CEL checks the direct evaluator.
    fn eval_either<R>(
        &mut self,
        program: &Program,
        pick: impl FnOnce(V<'_>) -> Option<R>,
        general: impl FnOnce(&mut Self, &Program) -> Result<R, EvalError>,
    ) -> Result<R, EvalError>
    where
        R: PartialEq + std::fmt::Debug,
    {
        let Some((answer, used)) = self.eval_direct(program, pick) else {
            return general(self, program);
        };
        #[cfg(debug_assertions)]
        {
            let saved = (self.remaining, self.used);
            let expected = general(self, program);
            let general_used = self.used - saved.1;
            (self.remaining, self.used) = saved;
            assert_eq!(
                expected.as_ref(),
                Ok(&answer),
                "the direct evaluation of `{}` disagrees with the general one",
                program.source()
            );
            assert_eq!(
                general_used,
                used,
                "the direct evaluation of `{}` is charged differently",
                program.source()
            );
        }
        self.charge(used);
        Ok(answer)
    }

    /// The direct evaluator's answer and what it charged, or `None`
    fn eval_direct<R>(
        &mut self,
        program: &Program,
        pick: impl FnOnce(V<'_>) -> Option<R>,
    ) -> Option<(R, u64)> {
        let fast = program.fast.as_deref()?;
        if !program.variables.is_empty() {
            self.ensure_direct(&program.variables, 0)?;
        }
        if self.remaining == 0 {
            return None;
        }
        let variable = |n: &str| self.direct_variable(n);
        if !fast.charges() {
            return Some((fast.eval(&self.documents, &variable).and_then(pick)?, 0));
        }
        let guard = budget::start(self.limits.cost.min(self.remaining), self.limits.timeout);
        let answer = fast.eval(&self.documents, &variable).and_then(pick);
        let (used, _) = guard.finish();
        Some((answer?, used))
    }

    /// Evaluate a program and convert its value to JSON
    pub fn eval_json(&mut self, program: &Program) -> Result<Value, EvalError> {
        self.eval_with(program, |v| {
            val_to_json(v).map_err(|e| EvalError {
                message: e.0,
                kind: EvalErrorKind::Type,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Declarations;
    use serde_json::json;

    fn compile(env: &CelEnv, source: &str, variables: &[&str]) -> Program {
        let decls = Declarations {
            roots: vec!["object".into()],
            variables: variables.iter().map(|v| (*v).to_owned()).collect(),
            typed_request: true,
        };
        env.compile(source, &decls).expect("compiles")
    }

    #[test]
    fn composited_variables_are_computed_once_by_the_direct_evaluator_and_charged_alike() {
        let env = CelEnv::kubernetes().expect("environment");
        let pod = json!({"spec": {
            "containers": [{"name": "a"}, {"name": "b", "securityContext": {"privileged": false}}],
            "initContainers": [{"name": "init", "securityContext": {"privileged": true}}]}});
        let vars = vec![Variable {
            name: "allContainers".into(),
            program: compile(
                &env,
                "object.spec.containers + object.spec.?initContainers.orValue([]) + object.spec.?ephemeralContainers.orValue([])",
                &[],
            ),
        }];
        let checks = [
            (
                "variables.allContainers.all(c, c.?securityContext.?privileged.orValue(false) == false)",
                false,
            ),
            ("size(variables.allContainers) == 3", true),
            ("variables.allContainers[2].name == 'init'", true),
        ];
        let programs: Vec<Program> = checks
            .iter()
            .map(|(source, _)| compile(&env, source, &["allContainers"]))
            .collect();
        let mut costs = Vec::new();
        for direct in [true, false] {
            let mut act = Activation::new(&env, Limits::default(), 10_000_000);
            if direct {
                act.bind_json("object", Some(&pod));
            } else {
                // a document the direct evaluator cannot read: the general path throughout
                act.bind_converted("object", &pod);
            }
            act.set_variables(&vars);
            for (program, (source, expected)) in programs.iter().zip(checks) {
                assert_eq!(act.eval_bool(program), Ok(expected), "{source}");
            }
            assert_eq!(act.direct.first().is_some_and(Option::is_some), direct);
            costs.push(act.cost_used());
        }
        assert!(costs.iter().all(|c| *c > 0), "{costs:?}");
        assert_eq!(costs.first(), costs.get(1));
    }
}
