//! AssignMetadata (`pkg/mutation/mutators/assignmeta`): sets one label or annotation
//! (`metadata.labels.<key>` / `metadata.annotations.<key>`) to a string, and only when the key
//! is absent — an existing value is never overwritten (an implicit `MustNotExist` test on the
//! key). No `applyTo`: it applies to every kind `spec.match` selects.

use super::assign::{AssignValue, ParseError};
use super::path::{Node, Path};
use super::walker::{Condition, PathTests};
use serde_json::Value;

/// Check the location and the value
pub(crate) fn parse(location: &Path, params: &Value) -> Result<AssignValue, ParseError> {
    let valid = matches!(
        location.nodes.as_slice(),
        [Node::Field(m), Node::Field(section), Node::Field(_)]
            if m == "metadata" && (section == "labels" || section == "annotations")
    );
    if !valid {
        return Err(ParseError::Invalid(format!(
            "the location `{location}` must be `metadata.labels.<key>` or `metadata.annotations.<key>`"
        )));
    }
    let value = AssignValue::parse(params)?;
    if let AssignValue::Constant(v) = &value
        && !v.is_string()
    {
        return Err(ParseError::Invalid(
            "`parameters.assign.value` must be a string (labels and annotations are strings)"
                .into(),
        ));
    }
    Ok(value)
}

/// The implicit test: the key (depth 2 of `metadata.<section>.<key>`) must not exist
pub(crate) fn path_tests() -> PathTests {
    PathTests::single(2, Condition::MustNotExist)
}
