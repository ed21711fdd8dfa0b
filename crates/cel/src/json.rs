//! JSON documents as CEL values, without converting them.
//!
//! `object`, `oldObject`, `params` and `namespaceObject` are views over the `serde_json::Value`
//! they come from: a field access wraps the child (scalars become the built-in CEL scalars,
//! strings borrowed, not copied), so an expression pays for the fields it reads, not for the
//! whole object. Lists build their element views on first iteration, maps their keys.
//!
//! What the `cel` crate allows and what it does not: its built-in lists and maps compare equal
//! only to their own kind, so `==`/`!=` between non-literal operands are compiled to a deep
//! equality that understands views on either side (see `rewrite`); every other operator and the
//! library functions go through the `Val` capability traits, which the views implement.

use crate::util::{kind_of, type_name};
use cel::ExecutionError;
use cel::common::traits::{self, Adder, Container, Indexer, Iterable, Sizer, Zeroer};
use cel::common::types::{
    CelBool, CelBytes, CelDouble, CelDuration, CelInt, CelList, CelMap, CelMapKey, CelNull,
    CelOptional, CelString, CelTimestamp, CelUInt, Kind, LIST_TYPE, MAP_TYPE, Type,
};
use cel::common::value::{CowVal, Val};
use serde_json::{Map, Number, Value};
use std::sync::OnceLock;

/// A JSON value as a CEL value borrowing it
pub fn json_val<'d>(v: &'d Value) -> Box<dyn Val + 'd> {
    match v {
        Value::Null => Box::new(CelNull),
        Value::Bool(b) => Box::new(CelBool::from(*b)),
        Value::Number(n) => number_val(n),
        Value::String(s) => Box::new(CelString::from(s.as_str())),
        Value::Array(items) => Box::new(JsonList::new(items)),
        Value::Object(map) => Box::new(JsonMap::new(map)),
    }
}

fn number_val(n: &Number) -> Box<dyn Val + 'static> {
    if let Some(i) = n.as_i64() {
        Box::new(CelInt::from(i))
    } else if let Some(u) = n.as_u64() {
        Box::new(CelUInt::from(u))
    } else {
        Box::new(CelDouble::from(n.as_f64().unwrap_or(f64::NAN)))
    }
}

/// A JSON object as a CEL `map(string, dyn)`
#[derive(Debug)]
pub struct JsonMap<'d> {
    map: &'d Map<String, Value>,
    keys: OnceLock<Vec<CelString<'d>>>,
}

impl<'d> JsonMap<'d> {
    /// View a JSON object
    pub fn new(map: &'d Map<String, Value>) -> Self {
        Self {
            map,
            keys: OnceLock::new(),
        }
    }
}

/// A JSON array as a CEL `list(dyn)`
#[derive(Debug)]
pub struct JsonList<'d> {
    items: &'d [Value],
    vals: OnceLock<Vec<Box<dyn Val + 'd>>>,
}

impl<'d> JsonList<'d> {
    /// View a JSON array
    pub fn new(items: &'d [Value]) -> Self {
        Self {
            items,
            vals: OnceLock::new(),
        }
    }

    fn vals(&self) -> &[Box<dyn Val + 'd>] {
        self.vals
            .get_or_init(|| self.items.iter().map(json_val).collect())
    }
}

impl<'d> Val for JsonMap<'d> {
    fn get_type(&self) -> &Type {
        &MAP_TYPE
    }
    fn cel_type() -> &'static Type
    where
        Self: Sized,
    {
        &MAP_TYPE
    }
    fn as_container(&self) -> Option<&dyn Container> {
        Some(self)
    }
    fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn Indexer + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }
    fn as_iterable<'b, 'w>(&'b self) -> Option<&'b (dyn Iterable + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }
    fn as_sizer(&self) -> Option<&dyn Sizer> {
        Some(self)
    }
    fn as_zeroer(&self) -> Option<&dyn Zeroer> {
        Some(self)
    }
    fn equals(&self, other: &dyn Val) -> bool {
        deep_equal(self, other)
    }
    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        Box::new(JsonMap::new(self.map))
    }
}

impl Container for JsonMap<'_> {
    fn contains(&self, value: &dyn Val) -> Result<bool, ExecutionError> {
        match value.downcast_ref::<CelString<'_>>() {
            Some(k) => Ok(self.map.contains_key(k.inner())),
            None => Ok(false),
        }
    }
}

impl<'d> Indexer for JsonMap<'d> {
    fn get<'b, 'v>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        let key = idx.downcast_ref::<CelString<'_>>().ok_or_else(|| {
            ExecutionError::no_such_overload("_[_]", vec!["map".into(), type_name(idx)])
        })?;
        match palisade_model::member(self.map, key.inner()) {
            Some(v) => Ok(CowVal::Owned(json_val(v))),
            None => Err(ExecutionError::no_such_key(key.inner())),
        }
    }

    fn steal<'v>(self: Box<Self>, idx: &dyn Val) -> Result<Box<dyn Val + 'v>, ExecutionError>
    where
        Self: 'v,
    {
        self.get(idx).map(CowVal::into_owned)
    }
}

struct SliceIter<'b, T>(std::slice::Iter<'b, T>);

impl<'b, 'v, T: Val + 'v> traits::Iterator<'b, 'v> for SliceIter<'b, T> {
    fn next(&mut self) -> Option<&'b (dyn Val + 'v)> {
        self.0.next().map(|v| v as &dyn Val)
    }
}

struct BoxIter<'b, 'd>(std::slice::Iter<'b, Box<dyn Val + 'd>>);

impl<'b, 'v, 'd: 'v> traits::Iterator<'b, 'v> for BoxIter<'b, 'd> {
    fn next(&mut self) -> Option<&'b (dyn Val + 'v)> {
        self.0.next().map(|v| {
            let r: &'b (dyn Val + 'd) = v.as_ref();
            r as &'b (dyn Val + 'v)
        })
    }
}

impl<'d> Iterable for JsonMap<'d> {
    fn iter<'b, 'v>(&'b self) -> Box<dyn traits::Iterator<'b, 'v> + 'b>
    where
        Self: 'v,
    {
        let keys = self.keys.get_or_init(|| {
            self.map
                .keys()
                .map(|k| CelString::from(k.as_str()))
                .collect()
        });
        Box::new(SliceIter(keys.iter()))
    }
}

impl Sizer for JsonMap<'_> {
    fn size(&self) -> CelInt {
        CelInt::from(i64::try_from(self.map.len()).unwrap_or(i64::MAX))
    }
}

impl Zeroer for JsonMap<'_> {
    fn is_zero_value(&self) -> bool {
        self.map.is_empty()
    }
}

impl<'d> Val for JsonList<'d> {
    fn get_type(&self) -> &Type {
        &LIST_TYPE
    }
    fn cel_type() -> &'static Type
    where
        Self: Sized,
    {
        &LIST_TYPE
    }
    fn as_adder<'b, 'w>(&'b self) -> Option<&'b (dyn Adder + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }
    fn as_container(&self) -> Option<&dyn Container> {
        Some(self)
    }
    fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn Indexer + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }
    fn as_iterable<'b, 'w>(&'b self) -> Option<&'b (dyn Iterable + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }
    fn as_sizer(&self) -> Option<&dyn Sizer> {
        Some(self)
    }
    fn as_zeroer(&self) -> Option<&dyn Zeroer> {
        Some(self)
    }
    fn equals(&self, other: &dyn Val) -> bool {
        deep_equal(self, other)
    }
    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        Box::new(JsonList::new(self.items))
    }
}

impl<'d> Adder for JsonList<'d> {
    fn add<'b, 'v>(&'b self, rhs: &(dyn Val + 'v)) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        let mut out: Vec<Box<dyn Val + 'v>> = self.items.iter().map(|v| json_val(v)).collect();
        let mut it = rhs
            .as_iterable()
            .filter(|_| kind_of(rhs) == Kind::List)
            .ok_or_else(|| {
                ExecutionError::no_such_overload("_+_", vec!["list".into(), type_name(rhs)])
            })?
            .iter();
        while let Some(v) = it.next() {
            out.push(v.clone_as_boxed());
        }
        Ok(CowVal::owned(CelList::from(out)))
    }
}

impl Container for JsonList<'_> {
    fn contains(&self, value: &dyn Val) -> Result<bool, ExecutionError> {
        Ok(self.vals().iter().any(|v| deep_equal(v.as_ref(), value)))
    }
}

impl<'d> Indexer for JsonList<'d> {
    fn get<'b, 'v>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        let i = list_index(idx)?;
        match usize::try_from(i).ok().and_then(|i| self.items.get(i)) {
            Some(v) => Ok(CowVal::Owned(json_val(v))),
            None => Err(ExecutionError::IndexOutOfBounds(cel::Value::Int(i))),
        }
    }

    fn steal<'v>(self: Box<Self>, idx: &dyn Val) -> Result<Box<dyn Val + 'v>, ExecutionError>
    where
        Self: 'v,
    {
        self.get(idx).map(CowVal::into_owned)
    }
}

/// An `int`, `uint` or whole `double` list index
pub(crate) fn list_index(idx: &dyn Val) -> Result<i64, ExecutionError> {
    if let Some(i) = idx.downcast_ref::<CelInt>() {
        return Ok(*i.inner());
    }
    if let Some(u) = idx.downcast_ref::<CelUInt>() {
        return i64::try_from(*u.inner())
            .map_err(|_| ExecutionError::IndexOutOfBounds(cel::Value::UInt(*u.inner())));
    }
    if let Some(d) = idx.downcast_ref::<CelDouble>() {
        let f = *d.inner();
        if f.fract() == 0.0 && f.is_finite() {
            #[allow(clippy::cast_possible_truncation)]
            return Ok(f as i64);
        }
    }
    Err(ExecutionError::no_such_overload(
        "_[_]",
        vec!["list".into(), type_name(idx)],
    ))
}

impl<'d> Iterable for JsonList<'d> {
    fn iter<'b, 'v>(&'b self) -> Box<dyn traits::Iterator<'b, 'v> + 'b>
    where
        Self: 'v,
    {
        Box::new(BoxIter(self.vals().iter()))
    }
}

impl Sizer for JsonList<'_> {
    fn size(&self) -> CelInt {
        CelInt::from(i64::try_from(self.items.len()).unwrap_or(i64::MAX))
    }
}

impl Zeroer for JsonList<'_> {
    fn is_zero_value(&self) -> bool {
        self.items.is_empty()
    }
}

/// The elements of a list value (built-in or view)
pub(crate) fn list_elems<'b, 'v>(v: &'b (dyn Val + 'v)) -> Option<Vec<&'b (dyn Val + 'v)>> {
    if kind_of(v) != Kind::List {
        return None;
    }
    let mut it = v.as_iterable()?.iter();
    let mut out = Vec::new();
    while let Some(x) = it.next() {
        out.push(x);
    }
    Some(out)
}

/// The keys of a map value (built-in or view)
pub(crate) fn map_keys<'b, 'v>(v: &'b (dyn Val + 'v)) -> Option<Vec<&'b (dyn Val + 'v)>> {
    if kind_of(v) != Kind::Map {
        return None;
    }
    let mut it = v.as_iterable()?.iter();
    let mut out = Vec::new();
    while let Some(x) = it.next() {
        out.push(x);
    }
    Some(out)
}

/// CEL equality that looks into lists and maps whatever implements them (the built-in
/// containers only compare equal to their own kind)
pub fn deep_equal(a: &dyn Val, b: &dyn Val) -> bool {
    match (kind_of(a), kind_of(b)) {
        (Kind::List, Kind::List) => match (list_elems(a), list_elems(b)) {
            (Some(x), Some(y)) => {
                x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| deep_equal(*p, *q))
            }
            _ => false,
        },
        (Kind::Map, Kind::Map) => {
            let (Some(keys), Some(bk)) = (map_keys(a), map_keys(b)) else {
                return false;
            };
            if keys.len() != bk.len() {
                return false;
            }
            let (Some(ai), Some(bi)) = (a.as_indexer(), b.as_indexer()) else {
                return false;
            };
            keys.iter().all(|k| match (ai.get(*k), bi.get(*k)) {
                (Ok(x), Ok(y)) => deep_equal(x.as_ref(), y.as_ref()),
                _ => false,
            })
        }
        (Kind::List | Kind::Map, _) | (_, Kind::List | Kind::Map) => false,
        _ => a.equals(b) || b.equals(a),
    }
}

/// Why a CEL value could not become JSON
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ToJsonError(pub String);

/// A CEL value as JSON: lists and maps (views or built-in) recursively, durations as Go
/// duration strings, timestamps as RFC 3339, bytes as base64, Kubernetes library values
/// (quantity, URL, IP, CIDR, semver) as their string form. Built-in maps are written with
/// sorted keys (their iteration order is unspecified); views keep the document's order.
pub fn val_to_json(v: &dyn Val) -> Result<Value, ToJsonError> {
    to_json_depth(v, 0)
}

fn to_json_depth(v: &dyn Val, depth: usize) -> Result<Value, ToJsonError> {
    if depth > 128 {
        return Err(ToJsonError("value nests too deeply".into()));
    }
    match kind_of(v) {
        Kind::NullType => Ok(Value::Null),
        Kind::Boolean => Ok(Value::Bool(
            v.downcast_ref::<CelBool>().is_some_and(|b| *b.inner()),
        )),
        Kind::Int => Ok(v
            .downcast_ref::<CelInt>()
            .map_or(Value::Null, |i| Value::from(*i.inner()))),
        Kind::UInt => Ok(v
            .downcast_ref::<CelUInt>()
            .map_or(Value::Null, |i| Value::from(*i.inner()))),
        Kind::Double => {
            let f = v
                .downcast_ref::<CelDouble>()
                .map_or(f64::NAN, |d| *d.inner());
            Number::from_f64(f)
                .map(Value::Number)
                .ok_or_else(|| ToJsonError(format!("{f} cannot be represented in JSON")))
        }
        Kind::String => Ok(Value::String(
            v.downcast_ref::<CelString<'_>>()
                .map(|s| s.inner().to_owned())
                .unwrap_or_default(),
        )),
        Kind::Bytes => Ok(Value::String(base64(
            v.downcast_ref::<CelBytes<'_>>()
                .map(|b| b.inner())
                .unwrap_or(&[]),
        ))),
        Kind::Duration => Ok(Value::String(
            v.downcast_ref::<CelDuration>()
                .map(|d| {
                    crate::util::format_duration(d.inner().num_seconds(), d.inner().subsec_nanos())
                })
                .unwrap_or_default(),
        )),
        Kind::Timestamp => Ok(Value::String(
            v.downcast_ref::<CelTimestamp>()
                .map(|t| t.inner().to_rfc3339())
                .unwrap_or_default(),
        )),
        Kind::List => {
            let elems = list_elems(v).unwrap_or_default();
            let mut out = Vec::with_capacity(elems.len());
            for e in elems {
                out.push(to_json_depth(e, depth + 1)?);
            }
            Ok(Value::Array(out))
        }
        Kind::Map => {
            let mut keys = map_keys(v).unwrap_or_default();
            if v.downcast_ref::<CelMap<'_>>().is_some() {
                keys.sort_by_key(|k| key_string(*k));
            }
            let indexer = v
                .as_indexer()
                .ok_or_else(|| ToJsonError("map cannot be indexed".into()))?;
            let mut out = Map::new();
            for k in keys {
                let value = indexer.get(k).map_err(|e| ToJsonError(e.to_string()))?;
                out.insert(key_string(k), to_json_depth(value.as_ref(), depth + 1)?);
            }
            Ok(Value::Object(out))
        }
        _ => {
            if let Some(opt) = v.downcast_ref::<CelOptional<'_>>() {
                return match opt.option() {
                    Some(inner) => to_json_depth(inner, depth + 1),
                    None => Ok(Value::Null),
                };
            }
            if let Some(s) = crate::k8s::display_string(v) {
                return Ok(Value::String(s));
            }
            Err(ToJsonError(format!(
                "a value of type `{}` cannot be converted to JSON",
                type_name(v)
            )))
        }
    }
}

fn key_string(k: &dyn Val) -> String {
    if let Some(s) = k.downcast_ref::<CelString<'_>>() {
        return s.inner().to_owned();
    }
    if let Some(i) = k.downcast_ref::<CelInt>() {
        return i.inner().to_string();
    }
    if let Some(u) = k.downcast_ref::<CelUInt>() {
        return u.inner().to_string();
    }
    if let Some(b) = k.downcast_ref::<CelBool>() {
        return b.inner().to_string();
    }
    String::new()
}

/// A JSON value as an owned CEL value (`'static`, fully converted): for values built at run
/// time by library functions, never for the documents (those are viewed, see [`json_val`])
pub fn json_to_owned(v: &Value) -> Box<dyn Val + 'static> {
    match v {
        Value::Null => Box::new(CelNull),
        Value::Bool(b) => Box::new(CelBool::from(*b)),
        Value::Number(n) => number_val(n),
        Value::String(s) => Box::new(CelString::from(s.clone())),
        Value::Array(items) => Box::new(CelList::from(
            items.iter().map(json_to_owned).collect::<Vec<_>>(),
        )),
        Value::Object(map) => Box::new(CelMap::from(
            map.iter()
                .map(|(k, v)| (CelMapKey::from(k.clone()), json_to_owned(v)))
                .collect::<std::collections::HashMap<_, _>>(),
        )),
    }
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let idx = ((n >> (18 - 6 * i)) & 63) as usize;
                out.push(char::from(TABLE[idx]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Approximate size of a value in cost units (bytes of strings, elements of containers),
/// stopping at `cap`
pub(crate) fn value_size(v: &dyn Val, cap: u64) -> u64 {
    fn go(v: &dyn Val, acc: &mut u64, cap: u64, depth: usize) {
        if *acc >= cap || depth > 64 {
            return;
        }
        match kind_of(v) {
            Kind::String => {
                *acc += v
                    .downcast_ref::<CelString<'_>>()
                    .map_or(1, |s| s.inner().len() as u64 / 8 + 1);
            }
            Kind::List => {
                if let Some(items) = list_elems(v) {
                    *acc += 1;
                    for i in items {
                        go(i, acc, cap, depth + 1);
                    }
                }
            }
            Kind::Map => {
                // views are not copied by being bound: only their keys are counted
                *acc += map_keys(v).map_or(1, |k| k.len() as u64 + 1);
            }
            _ => *acc += 1,
        }
    }
    let mut acc = 0;
    go(v, &mut acc, cap, 0);
    acc
}
