//! ModifySet (`pkg/mutation/mutators/modifyset`): treats the list at the location as a set.
//! `operation: merge` (the default) appends each of `values.fromList` that is not already
//! there (a missing list becomes the values); `prune` removes every element equal to one of
//! them, keeping the order of the rest. The location cannot end in a keyed selector.

use super::has_metadata_root;
use super::path::Path;
use super::walker::Setter;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Merge,
    Prune,
}

/// A loaded ModifySet
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ModifySet {
    operation: Operation,
    values: Vec<Value>,
}

impl ModifySet {
    pub(crate) fn parse(location: &Path, params: &Value) -> Result<Self, String> {
        if has_metadata_root(location) {
            return Err("ModifySet cannot change `metadata`".into());
        }
        if location.last().is_some_and(|n| n.is_list()) {
            return Err(format!(
                "the location `{location}` ends in a keyed list selector; ModifySet needs the list itself"
            ));
        }
        let operation = match params.get("operation") {
            None | Some(Value::Null) => Operation::Merge,
            Some(Value::String(s)) if s == "merge" => Operation::Merge,
            Some(Value::String(s)) if s == "prune" => Operation::Prune,
            Some(other) => {
                return Err(format!(
                    "`parameters.operation` must be `merge` or `prune`, got {other}"
                ));
            }
        };
        let values = match params.pointer("/values/fromList") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(_) => return Err("`parameters.values.fromList` must be a list".into()),
        };
        Ok(Self { operation, values })
    }
}

impl Setter for ModifySet {
    fn set_field(&self, object: &mut Map<String, Value>, key: &str) -> Result<(), String> {
        let current = object.get_mut(key).filter(|v| !v.is_null());
        let Some(current) = current else {
            if self.operation == Operation::Merge {
                object.insert(key.to_owned(), Value::Array(self.values.clone()));
            }
            return Ok(());
        };
        let Value::Array(items) = current else {
            return Err(format!(
                "`{key}` is not a list of values, cannot treat it as a set"
            ));
        };
        match self.operation {
            Operation::Merge => {
                for v in &self.values {
                    if !items.contains(v) {
                        items.push(v.clone());
                    }
                }
            }
            Operation::Prune => items.retain(|item| !self.values.contains(item)),
        }
        Ok(())
    }
}
