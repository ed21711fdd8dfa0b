//! Gatekeeper mutators (`mutations.gatekeeper.sh` `v1`, `v1beta1`, `v1alpha1`): Assign,
//! AssignMetadata, ModifySet and AssignImage, applied offline with Gatekeeper's semantics.
//!
//! - [`Path`]: the `location` syntax (`spec.containers[name: *].image`)
//! - [`Mutator::parse`]: one mutator document, validated as Gatekeeper's webhook validates it
//! - [`MutationSystem`]: mutators in Gatekeeper's order (kind, then name), applied pass after
//!   pass until the object stops changing, at most `mutators + 1` passes
//!
//! External data (`parameters.assign.externalData`) needs a provider in the cluster: such a
//! mutator loads as [`MutationError::Unsupported`] and is not applied.

mod apply_to;
mod assign;
mod assign_image;
mod assign_metadata;
mod error;
mod modify_set;
mod path;
mod schema;
mod system;
mod walker;

pub use apply_to::ApplyTo;
pub use error::MutationError;
pub use path::{Node, Path, PathError};
pub use system::{Conflict, MutationSystem};
pub use walker::{Condition, PathTests, ValueTest};

use crate::matching::{Match, Source};
use crate::review::{split_api_version, str_at};
use serde_json::Value;
use std::fmt;
use walker::{Setter, Walk};

/// The API group of the mutation CRDs
pub const MUTATION_GROUP: &str = "mutations.gatekeeper.sh";

/// The four mutator kinds; the order is Gatekeeper's (it sorts mutators by kind name)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MutatorKind {
    /// Any field outside `metadata`
    Assign,
    /// Parts of an image reference
    AssignImage,
    /// A label or an annotation, never overwriting
    AssignMetadata,
    /// Values added to or removed from a list treated as a set
    ModifySet,
}

impl MutatorKind {
    /// The CRD kind
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Assign => "Assign",
            Self::AssignImage => "AssignImage",
            Self::AssignMetadata => "AssignMetadata",
            Self::ModifySet => "ModifySet",
        }
    }

    fn from_kind(kind: &str) -> Option<Self> {
        Some(match kind {
            "Assign" => Self::Assign,
            "AssignImage" => Self::AssignImage,
            "AssignMetadata" => Self::AssignMetadata,
            "ModifySet" => Self::ModifySet,
            _ => return None,
        })
    }

    /// Does this kind carry `applyTo` and take part in schema conflict detection?
    fn has_schema(self) -> bool {
        self != Self::AssignMetadata
    }
}

impl fmt::Display for MutatorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a mutator writes at its location
#[derive(Debug, Clone, PartialEq)]
enum Action {
    Assign(assign::Assign),
    Metadata(assign::AssignValue),
    ModifySet(modify_set::ModifySet),
    Image(assign_image::AssignImage),
}

/// One loaded mutator
#[derive(Debug, Clone, PartialEq)]
pub struct Mutator {
    kind: MutatorKind,
    name: String,
    apply_to: Vec<ApplyTo>,
    matcher: Match,
    location: Path,
    tests: PathTests,
    action: Action,
}

impl Mutator {
    /// Is this document a mutator of a known kind and version?
    pub fn is_mutator(doc: &Value) -> bool {
        let (group, version) = split_api_version(str_at(doc, &["apiVersion"]));
        group == MUTATION_GROUP
            && matches!(version, "v1" | "v1beta1" | "v1alpha1")
            && MutatorKind::from_kind(str_at(doc, &["kind"])).is_some()
    }

    /// Load and validate one mutator document
    pub fn parse(doc: &Value) -> Result<Self, MutationError> {
        let kind_str = str_at(doc, &["kind"]);
        let name = match str_at(doc, &["metadata", "name"]) {
            "" => "<unnamed>",
            n => n,
        };
        let invalid = |reason: String| MutationError::Invalid {
            kind: kind_str.to_owned(),
            name: name.to_owned(),
            reason,
        };
        let kind = MutatorKind::from_kind(kind_str).ok_or_else(|| {
            invalid("not a mutator kind (Assign, AssignMetadata, ModifySet, AssignImage)".into())
        })?;
        if name == "<unnamed>" {
            return Err(invalid("`metadata.name` is required".into()));
        }
        // Gatekeeper's own limit for these two kinds
        if matches!(kind, MutatorKind::Assign | MutatorKind::AssignImage) && name.len() > 63 {
            return Err(invalid(
                "`metadata.name` must be at most 63 characters".into(),
            ));
        }
        let spec = match doc.get("spec") {
            Some(s @ Value::Object(_)) => s,
            _ => return Err(invalid("`spec` must be a mapping".into())),
        };
        let location_str = match spec.get("location") {
            Some(Value::String(s)) => s.as_str(),
            None | Some(Value::Null) => "",
            Some(_) => return Err(invalid("`spec.location` must be a string".into())),
        };
        let location = Path::parse(location_str).map_err(|e| {
            invalid(format!(
                "`spec.location` `{location_str}` does not parse: {e}"
            ))
        })?;
        if location.nodes.is_empty() {
            return Err(invalid("`spec.location` must not be empty".into()));
        }
        let matcher =
            Match::parse(spec.get("match")).map_err(|e| invalid(format!("`spec.match`: {e}")))?;
        let params = spec.get("parameters").unwrap_or(&Value::Null);
        if !params.is_null() && !params.is_object() {
            return Err(invalid("`spec.parameters` must be a mapping".into()));
        }
        let apply_to = if kind.has_schema() {
            apply_to::parse(spec.get("applyTo")).map_err(&invalid)?
        } else {
            Vec::new()
        };
        let load_error = |e: assign::ParseError| match e {
            assign::ParseError::Invalid(reason) => invalid(reason),
            assign::ParseError::Unsupported(what) => MutationError::Unsupported {
                kind: kind_str.to_owned(),
                name: name.to_owned(),
                what: what.to_owned(),
            },
        };
        let action = match kind {
            MutatorKind::Assign => {
                Action::Assign(assign::Assign::parse(&location, params).map_err(&load_error)?)
            }
            MutatorKind::AssignMetadata => {
                Action::Metadata(assign_metadata::parse(&location, params).map_err(&load_error)?)
            }
            MutatorKind::ModifySet => Action::ModifySet(
                modify_set::ModifySet::parse(&location, params).map_err(&invalid)?,
            ),
            MutatorKind::AssignImage => Action::Image(
                assign_image::AssignImage::parse(&location, params).map_err(&invalid)?,
            ),
        };
        let tests = match kind {
            MutatorKind::AssignMetadata => assign_metadata::path_tests(),
            _ => PathTests::parse(&location, params.get("pathTests")).map_err(&invalid)?,
        };
        Ok(Self {
            kind,
            name: name.to_owned(),
            apply_to,
            matcher,
            location,
            tests,
            action,
        })
    }

    /// The mutator's kind
    pub fn kind(&self) -> MutatorKind {
        self.kind
    }

    /// `metadata.name`
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `spec.location`, parsed
    pub fn location(&self) -> &Path {
        &self.location
    }

    /// `spec.applyTo` (empty for AssignMetadata, which has none)
    pub fn apply_to(&self) -> &[ApplyTo] {
        &self.apply_to
    }

    /// `Kind/name`, as errors name the mutator
    pub fn id(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }

    /// Does the mutator apply to this object? `applyTo` (exact group, version and kind) and
    /// `spec.match` with the constraint matcher; `namespace` is the object's Namespace when
    /// known.
    pub fn matches(&self, object: &Value, namespace: Option<&Value>) -> Result<bool, String> {
        if self.kind.has_schema() && !self.apply_to.iter().any(|a| a.matches(object)) {
            return Ok(false);
        }
        self.matcher
            .matches(object, namespace, Source::Original)
            .map_err(|e| e.0)
    }

    /// Apply the mutator once to `object` (which it matches); `Ok(true)` when it wrote
    /// something, possibly the value already there
    pub fn mutate(&self, object: &mut Value) -> Result<bool, String> {
        let meta = |field: &str| str_at(object, &["metadata", field]).to_owned();
        let (name, namespace) = (meta("name"), meta("namespace"));
        let value_setter;
        let setter: &dyn Setter = match &self.action {
            Action::Assign(a) => {
                value_setter = a.value.setter(&name, &namespace);
                &value_setter
            }
            Action::Metadata(v) => {
                value_setter = v.setter(&name, &namespace);
                &value_setter
            }
            Action::ModifySet(m) => m,
            Action::Image(i) => i,
        };
        let value_test = match &self.action {
            Action::Assign(a) => a.value_test.as_ref(),
            _ => None,
        };
        Walk {
            path: &self.location,
            tests: &self.tests,
            value_test,
            setter,
        }
        .run(object)
    }

    /// The type of value the mutator leaves at its location, for conflict detection
    fn terminal(&self) -> schema::Terminal {
        match self.action {
            Action::ModifySet(_) => schema::Terminal::Set,
            Action::Image(_) => schema::Terminal::String,
            Action::Assign(_) | Action::Metadata(_) => schema::Terminal::Unknown,
        }
    }
}

/// `metadata` as the first node: only AssignMetadata may write there
fn has_metadata_root(path: &Path) -> bool {
    path.nodes.first() == Some(&Node::Field("metadata".into()))
}

/// `…[name: x].name` would change the key of the element it selected
fn check_key_not_changed(path: &Path) -> Result<(), String> {
    if let [.., Node::List { key, .. }, Node::Field(field)] = path.nodes.as_slice()
        && key == field
    {
        return Err(format!(
            "the location `{path}` would change the key `{key}` of the list element it selects"
        ));
    }
    Ok(())
}
