//! The JSON context variables are resolved against (`pkg/engine/context`).
//!
//! It is one JSON document (`request`, `images`, `element`, context entries, values from the
//! CLI) queried with JMESPath. `variable` context entries are loaded lazily, when a query
//! first mentions their name, as Kyverno's deferred loader does.

use crate::jmespath::{self, JpError};
use crate::value::normalized;
use serde_json::{Map, Value};
use std::sync::Arc;

/// Why a query failed
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// The expression does not parse (Kyverno's `InvalidVariableError`)
    #[error("invalid variable {variable}: {source}")]
    Invalid {
        /// The expression
        variable: String,
        /// The parse error
        source: JpError,
    },
    /// Evaluation failed (missing key, function error)
    #[error("JMESPath query failed: {0}")]
    Failed(JpError),
    /// A deferred context entry failed to load
    #[error("failed to load context entry {name}: {message}")]
    Entry {
        /// Entry name
        name: String,
        /// Why
        message: String,
    },
    /// Empty query
    #[error("invalid query (nil)")]
    Empty,
}

impl QueryError {
    /// True when the failure is a missing key
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Failed(JpError::NotFound(_)))
    }
}

/// A context entry waiting to be loaded
#[derive(Debug, Clone)]
pub struct Deferred {
    /// Entry name
    pub name: String,
    /// The `variable` entry (`value`, `jmesPath`, `default`)
    pub entry: Arc<Value>,
}

/// The JSON context.
///
/// The document is shared copy-on-write: a rule checkpoints the context before it runs and
/// restores it after, and most rules never write to it (no context entries, no foreach), so a
/// checkpoint or a clone of a whole context (the base context of a request, shared by every
/// policy) is a reference count, and the document is copied only by the first write after one.
#[derive(Debug, Clone)]
pub struct Context {
    /// Always a `Value::Object`: queries run against it as the root without copying it
    data: Arc<Value>,
    deferred: Vec<Deferred>,
    checkpoints: Vec<(Arc<Value>, Vec<Deferred>)>,
}

impl Default for Context {
    fn default() -> Self {
        Self {
            data: Arc::new(Value::Object(Map::new())),
            deferred: Vec::new(),
            checkpoints: Vec::new(),
        }
    }
}

impl Context {
    /// An empty context
    pub fn new() -> Self {
        Self::default()
    }

    /// The whole document
    pub fn data(&self) -> Value {
        Value::clone(&self.data)
    }

    /// The document for writing (copied first when a checkpoint or a clone shares it)
    fn data_mut(&mut self) -> Option<&mut Map<String, Value>> {
        match Arc::make_mut(&mut self.data) {
            Value::Object(m) => Some(m),
            other => {
                *other = Value::Object(Map::new());
                other.as_object_mut()
            }
        }
    }

    /// Set `request.*`, `images`, … by path, replacing what was there
    pub fn set(&mut self, path: &[&str], value: Value) {
        let Some((last, parents)) = path.split_last() else {
            return;
        };
        let Some(mut map) = self.data_mut() else {
            return;
        };
        for p in parents {
            let entry = map
                .entry((*p).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            let Value::Object(m) = entry else { return };
            map = m;
        }
        map.insert((*last).to_owned(), value);
    }

    /// `AddVariable`: a dotted key becomes a nested path, merged into the document
    pub fn add_variable(&mut self, key: &str, value: Value) {
        let mut v = normalized(value);
        for part in key.split('.').rev() {
            let mut m = Map::new();
            m.insert(part.to_owned(), v);
            v = Value::Object(m);
        }
        if let (Value::Object(m), Some(data)) = (v, self.data_mut()) {
            merge_into(data, m);
        }
    }

    /// Add a context entry's value under its name (replacing, like `AddContextEntry`)
    pub fn add_entry(&mut self, name: &str, value: Value) {
        let mut v = normalized(value);
        // A dotted name nests like AddVariable
        let parts: Vec<&str> = name.split('.').collect();
        if parts.len() > 1 {
            for part in parts.iter().rev() {
                let mut m = Map::new();
                m.insert((*part).to_owned(), v);
                v = Value::Object(m);
            }
            if let (Value::Object(m), Some(data)) = (v, self.data_mut()) {
                merge_into(data, m);
            }
        } else if let Some(data) = self.data_mut() {
            data.insert(name.to_owned(), v);
        }
    }

    /// Queue a `variable` context entry for loading on first use
    pub fn defer(&mut self, name: &str, entry: Arc<Value>) {
        self.deferred.retain(|d| d.name != name);
        self.deferred.push(Deferred {
            name: name.to_owned(),
            entry,
        });
    }

    /// Save the current state
    pub fn checkpoint(&mut self) {
        self.checkpoints
            .push((Arc::clone(&self.data), self.deferred.clone()));
    }

    /// Return to the last checkpoint and drop it
    pub fn restore(&mut self) {
        if let Some((d, q)) = self.checkpoints.pop() {
            self.data = d;
            self.deferred = q;
        }
    }

    /// Return to the last checkpoint and keep it
    pub fn reset(&mut self) {
        if let Some((d, q)) = self.checkpoints.last() {
            self.data = Arc::clone(d);
            self.deferred = q.clone();
        }
    }

    /// Evaluate a JMESPath query, loading deferred entries it mentions first
    pub fn query(&mut self, expr: &str) -> Result<Value, QueryError> {
        let expr = expr.trim();
        if expr.is_empty() {
            return Err(QueryError::Empty);
        }
        let node = jmespath::compile(expr).map_err(|source| QueryError::Invalid {
            variable: expr.to_owned(),
            source,
        })?;
        self.load_deferred_for(expr)?;
        jmespath::eval(&node, &self.data).map_err(QueryError::Failed)
    }

    /// `request.operation`, as the query of that name gives it, read without JMESPath: every
    /// substitution asks whether the request is a `DELETE`
    pub fn operation(&mut self) -> Option<&str> {
        self.load_deferred_for("request.operation").ok()?;
        palisade_model::field_path(&self.data, "request/operation")?.as_str()
    }

    fn load_deferred_for(&mut self, expr: &str) -> Result<(), QueryError> {
        loop {
            let Some(idx) = self.deferred.iter().position(|d| mentions(expr, &d.name)) else {
                return Ok(());
            };
            let d = self.deferred.remove(idx);
            let value = crate::contextload::evaluate_variable(self, &d.entry).map_err(|m| {
                QueryError::Entry {
                    name: d.name.clone(),
                    message: m,
                }
            })?;
            self.add_entry(&d.name, value);
        }
    }
}

/// Whether `expr` references the identifier `name` (not as part of a longer identifier)
fn mentions(expr: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let bytes = expr.as_bytes();
    let mut start = 0;
    while let Some(pos) = expr[start..].find(name) {
        let i = start + pos;
        let before = i.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i + name.len()).copied();
        let word = |c: Option<u8>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_');
        if !word(before) && !word(after) && before != Some(b'.') {
            return true;
        }
        start = i + name.len();
    }
    false
}

/// JSON merge of `src` into `dst`: maps merge recursively, anything else replaces
pub fn merge_into(dst: &mut Map<String, Value>, src: Map<String, Value>) {
    for (k, v) in src {
        match (dst.get_mut(&k), v) {
            (Some(Value::Object(d)), Value::Object(s)) => merge_into(d, s),
            (_, v) => {
                dst.insert(k, v);
            }
        }
    }
}
