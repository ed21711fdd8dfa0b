//! `spec.applyTo` of Assign, ModifySet and AssignImage (`pkg/mutation/match/apply_to.go`):
//! the exact groups, versions and kinds a mutator is bound to. No globs; every entry needs all
//! three lists; at least one entry is required. `operations` filters admission operations in
//! the webhook only: offline, as in gator, every object is mutated whatever its operation.

use crate::matching::string_list;
use crate::review::{split_api_version, str_at};
use serde_json::Value;

/// One `applyTo` entry
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyTo {
    /// API groups (`""` is the core group)
    pub groups: Vec<String>,
    /// API versions
    pub versions: Vec<String>,
    /// Kinds
    pub kinds: Vec<String>,
}

const OPERATIONS: [&str; 4] = ["CREATE", "UPDATE", "DELETE", "CONNECT"];

impl ApplyTo {
    /// Is the object's group, version and kind listed?
    pub fn matches(&self, object: &Value) -> bool {
        let (group, version) = split_api_version(str_at(object, &["apiVersion"]));
        let kind = str_at(object, &["kind"]);
        self.groups.iter().any(|g| g == group)
            && self.versions.iter().any(|v| v == version)
            && self.kinds.iter().any(|k| k == kind)
    }

    /// Every group/version/kind triple this entry names
    pub fn flatten(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.groups.iter().flat_map(move |g| {
            self.versions.iter().flat_map(move |v| {
                self.kinds
                    .iter()
                    .map(move |k| (g.as_str(), v.as_str(), k.as_str()))
            })
        })
    }
}

fn strings(entry: &Value, field: &str) -> Result<Vec<String>, String> {
    string_list(entry.get(field), &format!("applyTo[].{field}"))
}

/// Parse and validate `spec.applyTo`
pub(crate) fn parse(value: Option<&Value>) -> Result<Vec<ApplyTo>, String> {
    let items = match value {
        None | Some(Value::Null) => &Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => return Err("`spec.applyTo` must be a list".into()),
    };
    if items.is_empty() {
        return Err(
            "`spec.applyTo` is required: list the groups, versions and kinds to mutate".into(),
        );
    }
    items
        .iter()
        .map(|entry| {
            let a = ApplyTo {
                groups: strings(entry, "groups")?,
                versions: strings(entry, "versions")?,
                kinds: strings(entry, "kinds")?,
            };
            if a.groups.is_empty() || a.versions.is_empty() || a.kinds.is_empty() {
                return Err(
                    "every `applyTo` entry must list `groups`, `versions` and `kinds`".into(),
                );
            }
            for op in strings(entry, "operations")? {
                if !OPERATIONS.contains(&op.as_str()) {
                    return Err(format!(
                        "`applyTo[].operations` has `{op}`; expected CREATE, UPDATE, DELETE or CONNECT"
                    ));
                }
            }
            Ok(a)
        })
        .collect()
}
