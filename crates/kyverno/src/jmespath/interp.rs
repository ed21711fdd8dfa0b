//! Tree-walking interpreter with the Kyverno fork's missing-key semantics.
//!
//! A field lookup on an object that lacks the key is a [`JpError::NotFound`] error (not `null`).
//! The error propagates through sub-expressions and index expressions, and is swallowed (read
//! as `null`) in comparators, function arguments, both sides of `||` and `&&`, `!`, pipes,
//! projections and flattens (their left side and each element), filter conditions and
//! multi-selects.

use super::JpError;
use super::functions::call_function;
use super::parser::{CmpOp, Node};
use crate::value::{deep_equal, is_truthy};
use serde_json::{Map, Value};
use std::borrow::Cow;

type R<'a> = Result<Cow<'a, Value>, JpError>;

static NULL: Value = Value::Null;

/// Evaluate `node` against `value`
pub fn eval<'a>(node: &Node, value: &'a Value) -> R<'a> {
    match node {
        Node::Identity => Ok(Cow::Borrowed(value)),
        Node::Field(name) => match value {
            Value::Object(map) => match map.get(name) {
                Some(v) => Ok(Cow::Borrowed(v)),
                None => Err(JpError::NotFound(name.clone())),
            },
            _ => Ok(Cow::Borrowed(&NULL)),
        },
        Node::Literal(v) => Ok(Cow::Owned(v.clone())),
        Node::Index(i) => match value {
            Value::Array(items) => {
                let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
                let idx = if *i < 0 { len + i } else { *i };
                Ok(usize::try_from(idx)
                    .ok()
                    .and_then(|i| items.get(i))
                    .map_or(Cow::Borrowed(&NULL), Cow::Borrowed))
            }
            _ => Ok(Cow::Borrowed(&NULL)),
        },
        Node::Slice(start, stop, step) => match value {
            Value::Array(items) => Ok(Cow::Owned(Value::Array(slice(items, *start, *stop, *step)))),
            _ => Ok(Cow::Borrowed(&NULL)),
        },
        Node::Sub(l, r) | Node::IndexExpr(l, r) => {
            let left = eval(l, value)?;
            chain(left, r)
        }
        Node::Projection(l, r) => {
            let left = swallow(eval(l, value))?;
            let Value::Array(items) = left.as_ref() else {
                return Ok(Cow::Borrowed(&NULL));
            };
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let v = swallow(eval(r, item))?;
                if !v.is_null() {
                    out.push(v.into_owned());
                }
            }
            Ok(Cow::Owned(Value::Array(out)))
        }
        Node::ValueProjection(l, r) => {
            let left = swallow(eval(l, value))?;
            let Value::Object(map) = left.as_ref() else {
                return Ok(Cow::Borrowed(&NULL));
            };
            let mut out = Vec::with_capacity(map.len());
            for item in map.values() {
                let v = swallow(eval(r, item))?;
                if !v.is_null() {
                    out.push(v.into_owned());
                }
            }
            Ok(Cow::Owned(Value::Array(out)))
        }
        Node::FilterProjection(l, r, cond) => {
            let left = swallow(eval(l, value))?;
            let Value::Array(items) = left.as_ref() else {
                return Ok(Cow::Borrowed(&NULL));
            };
            let mut out = Vec::new();
            for item in items {
                let c = swallow(eval(cond, item))?;
                if is_truthy(&c) {
                    let v = swallow(eval(r, item))?;
                    if !v.is_null() {
                        out.push(v.into_owned());
                    }
                }
            }
            Ok(Cow::Owned(Value::Array(out)))
        }
        Node::Flatten(inner) => {
            let v = swallow(eval(inner, value))?;
            let Value::Array(items) = v.as_ref() else {
                return Ok(Cow::Borrowed(&NULL));
            };
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::Array(sub) => out.extend(sub.iter().cloned()),
                    other => out.push(other.clone()),
                }
            }
            Ok(Cow::Owned(Value::Array(out)))
        }
        Node::Cmp(op, l, r) => {
            let a = swallow(eval(l, value))?;
            let b = swallow(eval(r, value))?;
            Ok(Cow::Owned(compare(*op, &a, &b)))
        }
        Node::Or(l, r) => {
            let a = swallow(eval(l, value))?;
            if is_truthy(&a) {
                Ok(a)
            } else {
                swallow(eval(r, value))
            }
        }
        Node::And(l, r) => {
            let a = swallow(eval(l, value))?;
            if is_truthy(&a) {
                swallow(eval(r, value))
            } else {
                Ok(a)
            }
        }
        Node::Not(inner) => {
            let v = swallow(eval(inner, value))?;
            Ok(Cow::Owned(Value::Bool(!is_truthy(&v))))
        }
        Node::Pipe(l, r) => {
            let left = swallow(eval(l, value))?;
            chain(left, r)
        }
        Node::MultiList(items) => {
            if value.is_null() {
                return Ok(Cow::Borrowed(&NULL));
            }
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(swallow(eval(item, value))?.into_owned());
            }
            Ok(Cow::Owned(Value::Array(out)))
        }
        Node::MultiHash(items) => {
            if value.is_null() {
                return Ok(Cow::Borrowed(&NULL));
            }
            let mut out = Map::new();
            for (k, item) in items {
                out.insert(k.clone(), swallow(eval(item, value))?.into_owned());
            }
            Ok(Cow::Owned(Value::Object(out)))
        }
        Node::Function(name, args) => {
            let mut values = Vec::with_capacity(args.len());
            for a in args {
                match a {
                    Node::ExpRef(inner) => values.push(Arg::Expr(inner)),
                    other => values.push(Arg::Val(swallow(eval(other, value))?.into_owned())),
                }
            }
            call_function(name, values).map(Cow::Owned)
        }
        Node::ExpRef(_) => Ok(Cow::Borrowed(&NULL)),
    }
}

/// Evaluate `r` on the result of a left side, keeping borrows where possible
fn chain<'a>(left: Cow<'a, Value>, r: &Node) -> R<'a> {
    match left {
        Cow::Borrowed(b) => eval(r, b),
        Cow::Owned(o) => eval(r, &o).map(|c| Cow::Owned(c.into_owned())),
    }
}

/// A function argument: a value, or an expression reference (`&expr`)
#[derive(Debug)]
pub enum Arg<'n> {
    /// Evaluated argument
    Val(Value),
    /// `&expr`
    Expr(&'n Node),
}

/// Read a missing key as `null`
fn swallow(r: R<'_>) -> R<'_> {
    match r {
        Err(JpError::NotFound(_)) => Ok(Cow::Borrowed(&NULL)),
        other => other,
    }
}

fn compare(op: CmpOp, a: &Value, b: &Value) -> Value {
    match op {
        CmpOp::Eq => Value::Bool(deep_equal(a, b)),
        CmpOp::Ne => Value::Bool(!deep_equal(a, b)),
        _ => {
            let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) else {
                return Value::Null;
            };
            Value::Bool(match op {
                CmpOp::Lt => x < y,
                CmpOp::Lte => x <= y,
                CmpOp::Gt => x > y,
                _ => x >= y,
            })
        }
    }
}

fn slice(items: &[Value], start: Option<i64>, stop: Option<i64>, step: Option<i64>) -> Vec<Value> {
    let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let step = step.unwrap_or(1);
    let cap = |v: i64| -> i64 {
        if v < 0 {
            let v = v + len;
            if v < 0 {
                if step < 0 { -1 } else { 0 }
            } else {
                v
            }
        } else if v >= len {
            if step < 0 { len - 1 } else { len }
        } else {
            v
        }
    };
    let start = match start {
        Some(s) => cap(s),
        None => {
            if step < 0 {
                len - 1
            } else {
                0
            }
        }
    };
    let stop = match stop {
        Some(s) => cap(s),
        None => {
            if step < 0 {
                -1
            } else {
                len
            }
        }
    };
    let mut out = Vec::new();
    let mut i = start;
    if step > 0 {
        while i < stop {
            if let Some(v) = usize::try_from(i).ok().and_then(|i| items.get(i)) {
                out.push(v.clone());
            }
            i += step;
        }
    } else {
        while i > stop {
            if let Some(v) = usize::try_from(i).ok().and_then(|i| items.get(i)) {
                out.push(v.clone());
            }
            i += step;
        }
    }
    out
}
