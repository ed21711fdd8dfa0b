//! Assign (`pkg/mutation/mutators/assign`): writes `parameters.assign` at any location outside
//! `metadata`. The value is a constant (`value`), the object's own name or namespace
//! (`fromMetadata.field`), or an external data lookup (not available offline). A location
//! ending in a keyed selector (`spec.containers[name: sidecar]`) writes a whole element, which
//! must be an object carrying that key. `assignIf` (`in`/`notIn`) tests the current value.

use super::path::{Node, Path};
use super::walker::{Setter, ValueTest};
use super::{check_key_not_changed, has_metadata_root};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// A load problem: malformed, or needing a cluster
#[derive(Debug)]
pub(crate) enum ParseError {
    Invalid(String),
    Unsupported(&'static str),
}

impl From<String> for ParseError {
    fn from(s: String) -> Self {
        Self::Invalid(s)
    }
}

/// `parameters.assign`
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AssignValue {
    /// `value`: a constant
    Constant(Value),
    /// `fromMetadata.field: name`
    Name,
    /// `fromMetadata.field: namespace`
    Namespace,
}

impl AssignValue {
    /// Parse `parameters.assign`: exactly one of `value`, `fromMetadata`, `externalData`
    pub(crate) fn parse(params: &Value) -> Result<Self, ParseError> {
        let assign = match params.get("assign") {
            Some(a @ Value::Object(_)) => a,
            None | Some(Value::Null) => {
                return Err(ParseError::Invalid(
                    "`parameters.assign` must set one of `value`, `fromMetadata` or `externalData`"
                        .into(),
                ));
            }
            Some(_) => {
                return Err(ParseError::Invalid(
                    "`parameters.assign` must be a mapping".into(),
                ));
            }
        };
        let set: Vec<&str> = ["value", "fromMetadata", "externalData"]
            .into_iter()
            .filter(|k| assign.get(k).is_some())
            .collect();
        match set.as_slice() {
            [] => Err(ParseError::Invalid(
                "`parameters.assign` must set one of `value`, `fromMetadata` or `externalData`"
                    .into(),
            )),
            [_, _, ..] => Err(ParseError::Invalid(format!(
                "`parameters.assign` must set only one of `value`, `fromMetadata` or `externalData`, not {}",
                set.join(" and ")
            ))),
            ["externalData"] => Err(ParseError::Unsupported("`parameters.assign.externalData`")),
            ["fromMetadata"] => {
                match assign
                    .pointer("/fromMetadata/field")
                    .and_then(Value::as_str)
                {
                    Some("name") => Ok(Self::Name),
                    Some("namespace") => Ok(Self::Namespace),
                    other => Err(ParseError::Invalid(format!(
                        "`parameters.assign.fromMetadata.field` must be `name` or `namespace`, got `{}`",
                        other.unwrap_or("")
                    ))),
                }
            }
            _ => Ok(Self::Constant(
                assign.get("value").cloned().unwrap_or(Value::Null),
            )),
        }
    }

    /// The setter for one object (`fromMetadata` reads that object's metadata)
    pub(crate) fn setter(&self, name: &str, namespace: &str) -> ValueSetter<'_> {
        ValueSetter(match self {
            Self::Constant(v) => Cow::Borrowed(v),
            Self::Name => Cow::Owned(Value::String(name.to_owned())),
            Self::Namespace => Cow::Owned(Value::String(namespace.to_owned())),
        })
    }
}

/// Writes one value
pub(crate) struct ValueSetter<'a>(Cow<'a, Value>);

impl Setter for ValueSetter<'_> {
    fn set_field(&self, object: &mut Map<String, Value>, key: &str) -> Result<(), String> {
        object.insert(key.to_owned(), self.0.clone().into_owned());
        Ok(())
    }

    fn list_element(&self) -> Option<Map<String, Value>> {
        self.0.as_object().cloned()
    }
}

/// A loaded Assign
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Assign {
    pub(crate) value: AssignValue,
    pub(crate) value_test: Option<ValueTest>,
}

impl Assign {
    pub(crate) fn parse(location: &Path, params: &Value) -> Result<Self, ParseError> {
        if has_metadata_root(location) {
            return Err(ParseError::Invalid(
                "Assign cannot change `metadata`; use AssignMetadata for labels and annotations"
                    .into(),
            ));
        }
        check_key_not_changed(location)?;
        let value = AssignValue::parse(params)?;
        if let Some(Node::List { key, value: kv }) = location.last() {
            let Some(kv) = kv else {
                return Err(ParseError::Invalid(format!(
                    "the location `{location}` ends in a glob: Assign cannot append to a globbed list"
                )));
            };
            match &value {
                AssignValue::Constant(Value::Object(m)) => {
                    if m.get(key).and_then(Value::as_str) != Some(kv.as_str()) {
                        return Err(ParseError::Invalid(format!(
                            "the value assigned to `{location}` must be an object with `{key}: {kv}`"
                        )));
                    }
                }
                AssignValue::Constant(_) => {
                    return Err(ParseError::Invalid(format!(
                        "the location `{location}` selects a list element: only objects can be assigned to keyed lists"
                    )));
                }
                AssignValue::Name | AssignValue::Namespace => {
                    return Err(ParseError::Invalid(
                        "`fromMetadata` cannot be assigned to a list element".into(),
                    ));
                }
            }
        }
        let value_test = parse_assign_if(params.get("assignIf"))?;
        Ok(Self { value, value_test })
    }
}

/// `parameters.assignIf: {in: [...], notIn: [...]}`
fn parse_assign_if(value: Option<&Value>) -> Result<Option<ValueTest>, String> {
    let test = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(v @ Value::Object(_)) => v,
        Some(_) => return Err("`parameters.assignIf` must be a mapping".into()),
    };
    let list = |field: &str| match test.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items.clone()),
        Some(_) => Err(format!("`parameters.assignIf.{field}` must be a list")),
    };
    Ok(Some(ValueTest {
        one_of: list("in")?,
        none_of: list("notIn")?,
    }))
}
