//! Compile-time checks and rewrites of a parsed expression.
//!
//! The `cel` crate parses and evaluates but has no type checker, so the checks Kubernetes gets
//! from cel-go's checker that matter for policies are done here: undeclared identifiers,
//! undeclared `variables.<name>`, unknown fields of the typed `request`, unknown struct types.
//!
//! Rewrites (semantics the crate lacks, made explicit in the tree):
//! * `has(x.f)` → `@has(x, 'f')`: false on null and non-map operands, as cel-go (the crate errs);
//! * `a == b` / `a != b` with no scalar literal operand → `@eq` / `@ne`: deep equality between
//!   document views and built-in containers (which only compare equal to their own kind);
//! * every comprehension range `r` → `@iter(r)`: charges `size(r)` to the cost budget, so nested
//!   loops pay for every inner iteration and a hostile expression runs out of budget;
//! * `lists.range(n)` → `lists.range(@charge(n))`: no list is built beyond the budget;
//! * `Object{…}` / `Object.spec{…}` / `JSONPatch{…}` (MutatingAdmissionPolicy) → map literals;
//! * `x.orValue(y)` / `x.or(y)` → `x` bound once, then `@optPresent(x) ? @optGet(x) : y` (or
//!   `… ? x : y`): cel-go evaluates these lazily (the alternative only when `x` is an empty
//!   optional) and hands back an `x` that is not an optional unchanged, so
//!   `object.spec.volumes.orValue([])` is the list itself; the crate's overloads are strict
//!   and reject a non-optional receiver.

use crate::host::HostFunctions;
use cel::common::ast::{
    CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedEntryExpr, IdedExpr, ListExpr, LiteralValue,
    MapEntryExpr, MapExpr,
};
use cel::common::types::CelString;
use palisade_model::ADMISSION_REQUEST_FIELDS;
use std::collections::BTreeSet;

const USER_FIELDS: &[&str] = &["username", "uid", "groups", "extra"];
const GVK_FIELDS: &[&str] = &["group", "version", "kind"];
const GVR_FIELDS: &[&str] = &["group", "version", "resource"];

/// Function namespaces: `ns.f(x)` is a call to the function `ns.f`, not a method of `ns`
pub(crate) const NAMESPACES: &[&str] = &[
    "lists",
    "sets",
    "strings",
    "optional",
    "ip",
    "format",
    "jsonpatch",
];

/// Identifiers that name types
const TYPE_NAMES: &[&str] = &[
    "int",
    "uint",
    "double",
    "bool",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
    "optional_type",
];

/// What an expression may refer to
#[derive(Debug, Clone, Default)]
pub struct Declarations {
    /// Root variables (`object`, `request`, …)
    pub roots: Vec<String>,
    /// Composited variables declared so far (`variables.<name>`)
    pub variables: Vec<String>,
    /// Whether `request` is the typed admission request (unknown fields are errors)
    pub typed_request: bool,
}

/// What the rewrite found
#[derive(Debug, Default)]
pub(crate) struct Findings {
    /// `variables.<name>` referenced
    pub variables: BTreeSet<String>,
    /// Compile errors: node id and message
    pub errors: Vec<(u64, String)>,
}

pub(crate) struct Rewriter<'a> {
    decls: &'a Declarations,
    host: Option<&'a HostFunctions>,
    bound: Vec<String>,
    next_id: u64,
    pub(crate) found: Findings,
}

impl<'a> Rewriter<'a> {
    pub(crate) fn new(decls: &'a Declarations, host: Option<&'a HostFunctions>) -> Self {
        Self {
            decls,
            host,
            bound: Vec::new(),
            next_id: 1 << 40,
            found: Findings::default(),
        }
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn node(&mut self, expr: Expr) -> IdedExpr {
        IdedExpr {
            id: self.id(),
            expr,
        }
    }

    fn call(&mut self, name: &str, args: Vec<IdedExpr>) -> IdedExpr {
        self.node(Expr::Call(CallExpr {
            func_name: name.to_owned(),
            target: None,
            args,
        }))
    }

    fn string_lit(&mut self, s: &str) -> IdedExpr {
        self.node(Expr::Literal(LiteralValue::String(CelString::from(
            s.to_owned(),
        ))))
    }

    fn is_bound(&self, name: &str) -> bool {
        self.bound.iter().any(|b| b == name)
    }

    fn is_root(&self, name: &str) -> bool {
        !self.is_bound(name) && self.decls.roots.iter().any(|r| r == name)
    }

    pub(crate) fn rewrite(&mut self, e: &mut IdedExpr) {
        let id = e.id;
        match &mut e.expr {
            Expr::Unspecified | Expr::Literal(_) => {}
            Expr::Ident(name) => {
                let name = name.clone();
                if !self.is_bound(&name)
                    && !self.decls.roots.contains(&name)
                    && !TYPE_NAMES.contains(&name.as_str())
                {
                    self.found
                        .errors
                        .push((id, format!("undeclared reference to '{name}'")));
                }
            }
            Expr::Select(sel) => {
                if let Expr::Ident(root) = &sel.operand.expr
                    && root == "variables"
                    && !self.is_bound("variables")
                {
                    let field = sel.field.clone();
                    if !self.decls.variables.contains(&field) {
                        self.found
                            .errors
                            .push((id, format!("undeclared reference to 'variables.{field}'")));
                    }
                    self.found.variables.insert(field);
                    if sel.test {
                        e.expr = Expr::Literal(LiteralValue::Boolean(true.into()));
                    }
                    return;
                }
                if self.decls.typed_request
                    && let Some(allowed) = self.typed_fields(&sel.operand)
                    && !allowed.contains(&sel.field.as_str())
                {
                    self.found
                        .errors
                        .push((id, format!("undefined field '{}'", sel.field)));
                }
                self.rewrite(&mut sel.operand);
                if sel.test {
                    let operand = std::mem::take(&mut *sel.operand);
                    let field = sel.field.clone();
                    let lit = self.string_lit(&field);
                    *e = self.call("@has", vec![operand, lit]);
                }
            }
            Expr::Call(call) => {
                if let Some(host) = self.host_call(call) {
                    *e = host;
                    return;
                }
                let qualified = matches!(
                    call.target.as_deref().map(|t| &t.expr),
                    Some(Expr::Ident(ns)) if NAMESPACES.contains(&ns.as_str()) && !self.is_root(ns) && !self.is_bound(ns)
                );
                if let Some(t) = call.target.as_deref_mut()
                    && !qualified
                {
                    self.rewrite(t);
                }
                for a in &mut call.args {
                    self.rewrite(a);
                }
                if qualified
                    && call.func_name == "range"
                    && matches!(call.target.as_deref().map(|t| &t.expr), Some(Expr::Ident(ns)) if ns == "lists")
                    && call.args.len() == 1
                {
                    let n = std::mem::take(&mut call.args[0]);
                    call.args[0] = self.call("@charge", vec![n]);
                }
                if qualified
                    && call.args.is_empty()
                    && call.func_name != "named"
                    && matches!(call.target.as_deref().map(|t| &t.expr), Some(Expr::Ident(ns)) if ns == "format")
                {
                    let name = call.func_name.clone();
                    let lit = self.string_lit(&name);
                    call.target = None;
                    call.func_name = "@format".into();
                    call.args = vec![lit];
                    return;
                }
                if !qualified
                    && call.target.is_some()
                    && call.args.len() == 1
                    && (call.func_name == "orValue" || call.func_name == "or")
                {
                    let value = call.func_name == "orValue";
                    let target = call.target.take().map(|t| *t).unwrap_or_default();
                    let alternative = std::mem::take(&mut call.args[0]);
                    *e = self.optional_or(target, alternative, value);
                    return;
                }
                if call.target.is_none()
                    && call.args.len() == 2
                    && (call.func_name == "_==_" || call.func_name == "_!=_")
                    && !call.args.iter().any(is_scalar_literal)
                {
                    call.func_name = if call.func_name == "_==_" {
                        "@eq".into()
                    } else {
                        "@ne".into()
                    };
                }
            }
            Expr::Comprehension(c) => {
                self.rewrite(&mut c.iter_range);
                let range = std::mem::take(&mut c.iter_range);
                c.iter_range = self.call("@iter", vec![range]);
                self.rewrite(&mut c.accu_init);
                let pushed = 2 + usize::from(c.iter_var2.is_some());
                self.bound.push(c.iter_var.clone());
                if let Some(v2) = &c.iter_var2 {
                    self.bound.push(v2.clone());
                }
                self.bound.push(c.accu_var.clone());
                self.rewrite(&mut c.loop_cond);
                self.rewrite(&mut c.loop_step);
                self.rewrite(&mut c.result);
                self.bound.truncate(self.bound.len() - pushed);
            }
            Expr::List(list) => {
                for el in &mut list.elements {
                    self.rewrite(el);
                }
            }
            Expr::Map(map) => {
                for entry in &mut map.entries {
                    if let EntryExpr::MapEntry(me) = &mut entry.expr {
                        self.rewrite(&mut me.key);
                        self.rewrite(&mut me.value);
                    }
                }
            }
            Expr::Struct(st) => {
                let name = st.type_name.trim_start_matches('.').to_owned();
                if name == "Object" || name.starts_with("Object.") || name == "JSONPatch" {
                    let mut entries = Vec::with_capacity(st.entries.len());
                    for entry in std::mem::take(&mut st.entries) {
                        if let EntryExpr::StructField(f) = entry.expr {
                            let key = self.string_lit(&f.field);
                            let mut value = f.value;
                            self.rewrite(&mut value);
                            entries.push(IdedEntryExpr {
                                id: entry.id,
                                expr: EntryExpr::MapEntry(MapEntryExpr {
                                    key,
                                    value,
                                    optional: f.optional,
                                }),
                            });
                        }
                    }
                    e.expr = Expr::Map(MapExpr { entries });
                } else {
                    self.found
                        .errors
                        .push((id, format!("undeclared reference to '{name}'")));
                }
            }
        }
    }

    /// A call of a host function as `@host('<name>', [receiver?, args…])` (wrapped in
    /// `timestamp()` when it returns one), its operands rewritten; `None` for other calls
    fn host_call(&mut self, call: &mut CallExpr) -> Option<IdedExpr> {
        let host = self.host?;
        let arity = call.args.len();
        let (name, receiver, timestamp) = match call.target.as_deref().map(|t| &t.expr) {
            None => {
                let ts = host.lookup(&call.func_name, false, arity)?;
                (call.func_name.clone(), false, ts)
            }
            Some(Expr::Ident(ns))
                if !self.is_bound(ns) && !self.is_root(ns) && host.has_namespace(ns) =>
            {
                let name = format!("{ns}.{}", call.func_name);
                let ts = host.lookup(&name, false, arity)?;
                (name, false, ts)
            }
            Some(_) => {
                let ts = host.lookup(&call.func_name, true, arity)?;
                (call.func_name.clone(), true, ts)
            }
        };
        let mut operands = Vec::with_capacity(arity + 1);
        if receiver && let Some(t) = call.target.take() {
            operands.push(*t);
        }
        operands.append(&mut call.args);
        for o in &mut operands {
            self.rewrite(o);
        }
        let name_lit = self.string_lit(&name);
        let list = self.node(Expr::List(ListExpr::new(operands)));
        let out = self.call("@host", vec![name_lit, list]);
        Some(if timestamp {
            self.call("timestamp", vec![out])
        } else {
            out
        })
    }

    /// `target.orValue(alternative)` (`value`) or `target.or(alternative)` with cel-go's
    /// evaluation: `target` once, `alternative` only when `target` is an empty optional, a
    /// non-optional `target` (or its error) as the result
    fn optional_or(&mut self, target: IdedExpr, alternative: IdedExpr, value: bool) -> IdedExpr {
        const BOUND: &str = "@or";
        let present_arg = self.node(Expr::Ident(BOUND.to_owned()));
        let present = self.call("@optPresent", vec![present_arg]);
        let chosen_arg = self.node(Expr::Ident(BOUND.to_owned()));
        let chosen = if value {
            self.call("@optGet", vec![chosen_arg])
        } else {
            chosen_arg
        };
        let result = self.call("_?_:_", vec![present, chosen, alternative]);
        // `target` bound to a name: a comprehension over no elements whose accumulator it is
        let iter_range = self.node(Expr::List(ListExpr::new(Vec::new())));
        let loop_cond = self.node(Expr::Literal(LiteralValue::Boolean(false.into())));
        let loop_step = self.node(Expr::Ident(BOUND.to_owned()));
        self.node(Expr::Comprehension(Box::new(ComprehensionExpr {
            iter_range,
            iter_var: "#unused".to_owned(),
            iter_var2: None,
            accu_var: BOUND.to_owned(),
            accu_init: target,
            loop_cond,
            loop_step,
            result,
        })))
    }

    /// For a selection on the typed request (or one of its typed fields), the allowed fields
    fn typed_fields(&self, operand: &IdedExpr) -> Option<&'static [&'static str]> {
        match &operand.expr {
            Expr::Ident(n) if n == "request" && self.is_root("request") => {
                Some(ADMISSION_REQUEST_FIELDS)
            }
            Expr::Select(s) if !s.test => {
                let Expr::Ident(n) = &s.operand.expr else {
                    return None;
                };
                if n != "request" || !self.is_root("request") {
                    return None;
                }
                match s.field.as_str() {
                    "userInfo" => Some(USER_FIELDS),
                    "kind" | "requestKind" => Some(GVK_FIELDS),
                    "resource" | "requestResource" => Some(GVR_FIELDS),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

fn is_scalar_literal(e: &IdedExpr) -> bool {
    matches!(e.expr, Expr::Literal(_))
}
