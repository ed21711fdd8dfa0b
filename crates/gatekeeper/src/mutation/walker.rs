//! Walking a location through an object and applying a setter at its end, with Gatekeeper's
//! rules (`pkg/mutation/mutators/core/mutation_function.go`, `pkg/mutation/path/tester`):
//!
//! - missing objects on the way are created; a keyed selector `[name: x]` that matches no
//!   element creates one with `name: x`, but a glob `[name: *]` never creates elements;
//! - `pathTests` are checked at the depth of their sub-path: `MustExist` skips the mutation
//!   where that node is missing, `MustNotExist` where it exists (a glob can never satisfy
//!   `MustNotExist`);
//! - a location ending in a keyed selector replaces (or appends) the whole element, whose key
//!   must keep its value;
//! - a node of the wrong type on the way (an object where the path has a list) is an error.
//!
//! A `null` value counts as missing: the API server drops nulls before Gatekeeper sees the
//! object, so offline manifests with `labels:` left empty behave as they would in a cluster.

use super::path::{Node, Path};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What the walk does at the end of the location
pub(crate) trait Setter {
    /// Set `object[key]` (the key may be missing)
    fn set_field(&self, object: &mut Map<String, Value>, key: &str) -> Result<(), String>;

    /// The element a location ending in a keyed selector puts in the list; `None` when this
    /// mutator cannot write list elements (the loaders reject such locations)
    fn list_element(&self) -> Option<Map<String, Value>> {
        None
    }
}

/// `MustExist` / `MustNotExist`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// The node must exist, or the mutation is skipped
    MustExist,
    /// The node must not exist, or the mutation is skipped
    MustNotExist,
}

/// `parameters.pathTests`, indexed by the depth of each sub-path's last node
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathTests {
    by_depth: BTreeMap<usize, Condition>,
}

impl PathTests {
    /// Check `pathTests` against the location: every sub-path parses, is a prefix of the
    /// location, and no two tests of the same node disagree
    pub(crate) fn parse(location: &Path, tests: Option<&Value>) -> Result<Self, String> {
        let mut out = Self::default();
        let items = match tests {
            None | Some(Value::Null) => return Ok(out),
            Some(Value::Array(items)) => items,
            Some(_) => return Err("`parameters.pathTests` must be a list".into()),
        };
        for test in items {
            let sub = test.get("subPath").and_then(Value::as_str).unwrap_or("");
            let path = Path::parse(sub)
                .map_err(|e| format!("pathTests subPath `{sub}` does not parse: {e}"))?;
            if path.nodes.is_empty() {
                return Err("a pathTests subPath must not be empty".into());
            }
            if !path.is_prefix_of(location) {
                return Err(format!(
                    "pathTests subPath `{sub}` must be a prefix of the location `{location}`"
                ));
            }
            let condition = match test.get("condition").and_then(Value::as_str) {
                Some("MustExist") => Condition::MustExist,
                Some("MustNotExist") => Condition::MustNotExist,
                other => {
                    return Err(format!(
                        "pathTests condition must be `MustExist` or `MustNotExist`, got `{}`",
                        other.unwrap_or("")
                    ));
                }
            };
            out.require(path.nodes.len() - 1, condition)?;
        }
        Ok(out)
    }

    /// One test
    pub(crate) fn single(depth: usize, condition: Condition) -> Self {
        Self {
            by_depth: BTreeMap::from([(depth, condition)]),
        }
    }

    /// Add a test at a depth; a different condition already there is a conflict
    fn require(&mut self, depth: usize, condition: Condition) -> Result<(), String> {
        match self.by_depth.insert(depth, condition) {
            Some(previous) if previous != condition => {
                Err("conflicting pathTests conditions on the same sub-path".into())
            }
            _ => Ok(()),
        }
    }

    fn exists_ok(&self, depth: usize) -> bool {
        self.by_depth
            .get(&depth)
            .is_none_or(|c| *c == Condition::MustExist)
    }

    fn missing_ok(&self, depth: usize) -> bool {
        self.by_depth
            .get(&depth)
            .is_none_or(|c| *c == Condition::MustNotExist)
    }
}

/// `parameters.assignIf` (Assign, `v1alpha1` era): the current value at the location must be
/// one of `in` (a missing value never is) and none of `notIn` (a missing value never is)
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValueTest {
    pub(crate) one_of: Vec<Value>,
    pub(crate) none_of: Vec<Value>,
}

impl ValueTest {
    fn allows(&self, current: Option<&Value>) -> bool {
        if !self.one_of.is_empty() && !current.is_some_and(|v| self.one_of.contains(v)) {
            return false;
        }
        current.is_none_or(|v| !self.none_of.contains(v))
    }
}

/// One walk of a location
pub(crate) struct Walk<'a> {
    pub(crate) path: &'a Path,
    pub(crate) tests: &'a PathTests,
    pub(crate) value_test: Option<&'a ValueTest>,
    pub(crate) setter: &'a dyn Setter,
}

fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null())
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

impl Walk<'_> {
    /// Apply the setter to `object`; `Ok(true)` when the setter ran (the object may still be
    /// equal to what it was: the system compares)
    pub(crate) fn run(&self, object: &mut Value) -> Result<bool, String> {
        if self.path.nodes.is_empty() {
            return Err("the location is empty".into());
        }
        self.walk(object, 0)
    }

    fn at(&self, depth: usize) -> String {
        Path {
            nodes: self.path.nodes[..=depth].to_vec(),
        }
        .to_string()
    }

    fn walk(&self, current: &mut Value, depth: usize) -> Result<bool, String> {
        let last = depth + 1 == self.path.nodes.len();
        match &self.path.nodes[depth] {
            Node::Field(name) => {
                let Value::Object(map) = current else {
                    return Err(format!(
                        "`{}` expects an object, found a {}",
                        self.at(depth),
                        type_name(current)
                    ));
                };
                let exists = present(map.get(name)).is_some();
                if (exists && !self.tests.exists_ok(depth))
                    || (!exists && !self.tests.missing_ok(depth))
                {
                    return Ok(false);
                }
                if last {
                    if let Some(test) = self.value_test
                        && !test.allows(present(map.get(name)))
                    {
                        return Ok(false);
                    }
                    self.setter.set_field(map, name)?;
                    return Ok(true);
                }
                if let Some(next) = map.get_mut(name).filter(|v| !v.is_null()) {
                    return self.walk(next, depth + 1);
                }
                let mut next = self.new_element(depth)?;
                let mutated = self.walk(&mut next, depth + 1)?;
                if mutated {
                    map.insert(name.clone(), next);
                }
                Ok(mutated)
            }
            Node::List { key, value } => {
                let Value::Array(items) = current else {
                    return Err(format!(
                        "`{}` expects a list, found a {}",
                        self.at(depth),
                        type_name(current)
                    ));
                };
                if last {
                    return self.set_element(items, key, value.as_deref(), depth);
                }
                let Some(value) = value else {
                    // a glob visits every element and never creates one
                    if !self.tests.exists_ok(depth) {
                        return Ok(false);
                    }
                    let mut mutated = false;
                    for item in items.iter_mut() {
                        mutated |= self.walk(item, depth + 1)?;
                    }
                    return Ok(mutated);
                };
                let mut mutated = false;
                let mut found = false;
                for item in items.iter_mut() {
                    if key_matches(item, key, value) {
                        if !self.tests.exists_ok(depth) {
                            return Ok(false);
                        }
                        found = true;
                        mutated |= self.walk(item, depth + 1)?;
                    }
                }
                if !found {
                    if !self.tests.missing_ok(depth) {
                        return Ok(false);
                    }
                    let mut next = self.new_element(depth)?;
                    if self.walk(&mut next, depth + 1)? {
                        items.push(next);
                        mutated = true;
                    }
                }
                Ok(mutated)
            }
        }
    }

    /// The location ends in `[key: value]`: replace the element with that key, or append one
    fn set_element(
        &self,
        items: &mut Vec<Value>,
        key: &str,
        value: Option<&str>,
        depth: usize,
    ) -> Result<bool, String> {
        let Some(value) = value else {
            return Err("the last node of a location cannot be a glob".into());
        };
        let element = self
            .setter
            .list_element()
            .ok_or("this mutator cannot set keyed-list elements")?;
        if element.get(key).and_then(Value::as_str) != Some(value) {
            return Err(format!(
                "the assigned element must keep `{key}: {value}` (the key of a list element cannot change)"
            ));
        }
        for item in items.iter_mut() {
            if !item.is_object() {
                return Err(format!(
                    "`{}` expects list elements to be objects, found a {}",
                    self.at(depth),
                    type_name(item)
                ));
            }
            if key_matches(item, key, value) {
                if !self.tests.exists_ok(depth)
                    || self.value_test.is_some_and(|t| !t.allows(Some(item)))
                {
                    return Ok(false);
                }
                *item = Value::Object(element);
                return Ok(true);
            }
        }
        if !self.tests.missing_ok(depth) || self.value_test.is_some_and(|t| !t.allows(None)) {
            return Ok(false);
        }
        items.push(Value::Object(element));
        Ok(true)
    }

    /// The container created for a missing node: an object or a list, after the next node;
    /// under a keyed selector, an object carrying the key
    fn new_element(&self, depth: usize) -> Result<Value, String> {
        match &self.path.nodes[depth] {
            Node::List { key, value } => {
                let Some(value) = value else {
                    return Err("a glob cannot create list elements".into());
                };
                if self.path.nodes.get(depth + 1).is_some_and(Node::is_list) {
                    return Err("two list selectors in a row are not allowed".into());
                }
                let mut m = Map::new();
                m.insert(key.clone(), Value::String(value.clone()));
                Ok(Value::Object(m))
            }
            Node::Field(_) => Ok(match self.path.nodes.get(depth + 1) {
                Some(Node::List { .. }) => Value::Array(Vec::new()),
                _ => Value::Object(Map::new()),
            }),
        }
    }
}

/// Does a list element carry `key: value`? Key values are strings in the path syntax, so an
/// element whose key is a number (`containerPort: 80`) never matches, as in Gatekeeper.
fn key_matches(item: &Value, key: &str, value: &str) -> bool {
    item.get(key).and_then(Value::as_str) == Some(value)
}
