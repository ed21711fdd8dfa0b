//! Functions a dependent crate adds to the environment (Kyverno's `resource.Get`, `image()`,
//! `generator.Apply`, …) without depending on the `cel` crate.
//!
//! The `cel` crate binds overloads to plain `fn` pointers, which cannot carry a caller's
//! closure. So a registered call is rewritten at compile time into `@host('<name>', [args…])`
//! (member calls put the receiver first), and the one `@host` overload finds the closure in the
//! table of the activation evaluating the program, which a thread-local names for the length
//! of the evaluation. Arguments and results cross as JSON: the functions these libraries add
//! read and return documents.

use crate::budget;
use crate::json::{json_to_owned, val_to_json};
use crate::util::{Res, bad_args, str_arg};
use cel::common::types::{LIST_TYPE, STRING_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};
use serde_json::Value;
use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// One call of a host function
pub struct HostCall<'a> {
    /// The arguments as JSON; for a member function the receiver comes first
    pub args: &'a [Value],
    data: Option<&'a (dyn Any + Send + Sync)>,
}

impl<'a> HostCall<'a> {
    /// The data bound to the activation with [`crate::Activation::bind_host_data`], if it is a `T`
    pub fn data<T: Any>(&self) -> Option<&'a T> {
        self.data.and_then(|d| d.downcast_ref::<T>())
    }

    /// Argument `i` as a string (`""` when absent or not a string)
    pub fn str_arg(&self, i: usize) -> &str {
        self.args.get(i).and_then(Value::as_str).unwrap_or_default()
    }
}

/// A host function: JSON arguments in, a JSON result or an error message out
pub type HostFn = Arc<dyn Fn(&HostCall<'_>) -> Result<Value, String> + Send + Sync>;

/// How a call is written
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// `name(args…)`, `name` possibly namespaced (`resource.Get`)
    Global,
    /// `receiver.name(args…)`
    Member,
}

/// What the result is
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Returns {
    Json,
    /// An RFC 3339 string, made a CEL timestamp
    Timestamp,
}

struct Entry {
    style: Style,
    arity: usize,
    returns: Returns,
    f: HostFn,
}

/// A set of host functions, added to an environment with [`crate::CelEnv::with_functions`]
#[derive(Default)]
pub struct HostFunctions {
    entries: HashMap<String, Vec<Entry>>,
}

impl std::fmt::Debug for HostFunctions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.entries.keys().collect();
        names.sort();
        f.debug_struct("HostFunctions")
            .field("names", &names)
            .finish()
    }
}

impl HostFunctions {
    /// No functions
    pub fn new() -> Self {
        Self::default()
    }

    fn add(mut self, name: &str, style: Style, arity: usize, returns: Returns, f: HostFn) -> Self {
        self.entries
            .entry(name.to_owned())
            .or_default()
            .push(Entry {
                style,
                arity,
                returns,
                f,
            });
        self
    }

    /// A global function `name(a1, …, a<arity>)`; `name` may be namespaced (`resource.Get`)
    pub fn function(
        self,
        name: &str,
        arity: usize,
        f: impl Fn(&HostCall<'_>) -> Result<Value, String> + Send + Sync + 'static,
    ) -> Self {
        self.add(name, Style::Global, arity, Returns::Json, Arc::new(f))
    }

    /// A global function whose result, an RFC 3339 string, is a CEL timestamp
    pub fn timestamp_function(
        self,
        name: &str,
        arity: usize,
        f: impl Fn(&HostCall<'_>) -> Result<Value, String> + Send + Sync + 'static,
    ) -> Self {
        self.add(name, Style::Global, arity, Returns::Timestamp, Arc::new(f))
    }

    /// A member function `receiver.name(a1, …, a<arity>)`; the receiver is `args[0]`. It
    /// takes every call of that name and arity, so it checks its receiver.
    pub fn member(
        self,
        name: &str,
        arity: usize,
        f: impl Fn(&HostCall<'_>) -> Result<Value, String> + Send + Sync + 'static,
    ) -> Self {
        self.add(name, Style::Member, arity, Returns::Json, Arc::new(f))
    }

    /// Whether `name` with `arity` arguments (receiver not counted) is a host call, and
    /// whether its result is a timestamp
    pub(crate) fn lookup(&self, name: &str, member: bool, arity: usize) -> Option<bool> {
        let style = if member { Style::Member } else { Style::Global };
        self.entries
            .get(name)?
            .iter()
            .find(|e| e.style == style && e.arity == arity)
            .map(|e| e.returns == Returns::Timestamp)
    }

    /// Whether some global function is namespaced under `ns`
    pub(crate) fn has_namespace(&self, ns: &str) -> bool {
        self.entries.iter().any(|(name, entries)| {
            name.strip_prefix(ns).is_some_and(|r| r.starts_with('.'))
                && entries.iter().any(|e| e.style == Style::Global)
        })
    }

    fn call(&self, name: &str, call: &HostCall<'_>) -> Option<Result<Value, String>> {
        let entries = self.entries.get(name)?;
        let entry = entries.iter().find(|e| {
            let receiver = usize::from(e.style == Style::Member);
            e.arity + receiver == call.args.len()
        })?;
        Some((entry.f)(call))
    }
}

/// What `@host` calls resolve against during one evaluation
#[derive(Clone, Default)]
pub(crate) struct Scope {
    pub(crate) functions: Option<Arc<HostFunctions>>,
    pub(crate) data: Option<Arc<dyn Any + Send + Sync>>,
}

thread_local! {
    static SCOPE: RefCell<Scope> = RefCell::new(Scope::default());
}

/// Install `scope` on this thread until the guard drops (nested evaluations restore theirs)
pub(crate) fn enter(scope: Scope) -> ScopeGuard {
    ScopeGuard(Some(SCOPE.with(|s| s.replace(scope))))
}

pub(crate) struct ScopeGuard(Option<Scope>);

impl Drop for ScopeGuard {
    fn drop(&mut self) {
        if let Some(saved) = self.0.take() {
            SCOPE.with(|s| *s.borrow_mut() = saved);
        }
    }
}

pub(crate) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_overload(
        "@host",
        "palisade_host",
        vec![STRING_TYPE, LIST_TYPE],
        dispatch,
    )
}

fn dispatch<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let name = str_arg("@host", &args, 0)?;
    let list = args.get(1).ok_or_else(|| bad_args("@host", &args))?;
    let json = match val_to_json(list.as_ref()) {
        Ok(Value::Array(items)) => items,
        Ok(_) => return Err(bad_args("@host", &args)),
        Err(e) => return Err(ExecutionError::function_error(name, e.0)),
    };
    budget::charge(1 + u64::try_from(json.len()).unwrap_or(0))?;
    let scope = SCOPE.with(|s| s.borrow().clone());
    let functions = scope.functions.as_deref().ok_or_else(|| {
        ExecutionError::function_error(name, "no such function in this environment")
    })?;
    let call = HostCall {
        args: &json,
        data: scope.data.as_deref(),
    };
    let result = functions
        .call(name, &call)
        .unwrap_or_else(|| Err("no such overload".to_owned()))
        .map_err(|e| ExecutionError::function_error(name, e))?;
    let out: Box<dyn Val + 'v> = json_to_owned(&result);
    Ok(CowVal::Owned(out))
}
