//! Schema conflicts between mutators (`pkg/mutation/schema`): every Assign, ModifySet and
//! AssignImage location implies part of the schema of the kinds it applies to. When two
//! mutators bound to the same group/version/kind disagree — one walks `spec.containers` as an
//! object and the other as a list keyed by `name`, or a list keyed by `name` against one keyed
//! by `image`, or a set where a string is expected — applying both could never converge, so
//! Gatekeeper applies neither. AssignMetadata has no schema and never conflicts.

use super::Mutator;
use super::path::{Node, Path};

/// The type a mutator leaves at the end of its location
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Terminal {
    /// Any value (Assign)
    Unknown,
    /// A list of values (ModifySet)
    Set,
    /// A string (AssignImage)
    String,
}

/// Why two locations disagree, `None` when they are compatible
fn disagreement(a: &Path, ta: Terminal, b: &Path, tb: Terminal) -> Option<String> {
    let shared = a.nodes.len().min(b.nodes.len());
    for i in 0..shared {
        let prefix = || {
            Path {
                nodes: a.nodes[..i].to_vec(),
            }
            .to_string()
        };
        match (&a.nodes[i], &b.nodes[i]) {
            // different fields: different parts of the object
            (Node::Field(x), Node::Field(y)) if x != y => return None,
            (Node::Field(_), Node::Field(_)) => {}
            (Node::List { key: k1, .. }, Node::List { key: k2, .. }) if k1 != k2 => {
                return Some(format!(
                    "`{}` is a list keyed by `{k1}` for one and by `{k2}` for the other",
                    prefix()
                ));
            }
            (Node::List { .. }, Node::List { .. }) => {}
            _ => {
                return Some(format!(
                    "`{}` is an object for one and a keyed list for the other",
                    prefix()
                ));
            }
        }
    }
    let (short, t_short, long) = if a.nodes.len() <= b.nodes.len() {
        (a, ta, b)
    } else {
        (b, tb, a)
    };
    let t_long = if a.nodes.len() <= b.nodes.len() {
        tb
    } else {
        ta
    };
    let what = |t: Terminal| match t {
        Terminal::Set => "a set of values",
        Terminal::String => "a string",
        Terminal::Unknown => "any value",
    };
    if short.nodes.len() == long.nodes.len() {
        return match (t_short, t_long) {
            (Terminal::Set, Terminal::String) | (Terminal::String, Terminal::Set) => Some(format!(
                "`{short}` is {} for one and {} for the other",
                what(t_short),
                what(t_long)
            )),
            _ => None,
        };
    }
    match t_short {
        Terminal::Unknown => None,
        _ => Some(format!(
            "`{short}` is {} for one and has children (`{long}`) for the other",
            what(t_short)
        )),
    }
}

/// Do two mutators share a group/version/kind?
fn share_kind(a: &Mutator, b: &Mutator) -> Option<String> {
    a.apply_to()
        .iter()
        .flat_map(|x| x.flatten())
        .find_map(|gvk| {
            b.apply_to()
                .iter()
                .flat_map(|y| y.flatten())
                .any(|other| other == gvk)
                .then(|| {
                    let (g, v, k) = gvk;
                    if g.is_empty() {
                        format!("{v}/{k}")
                    } else {
                        format!("{g}/{v}/{k}")
                    }
                })
        })
}

/// Every conflicting pair: (index, index, group/version/kind, reason)
pub(crate) fn conflicts(mutators: &[Mutator]) -> Vec<(usize, usize, String, String)> {
    let mut out = Vec::new();
    for (i, a) in mutators.iter().enumerate() {
        if !a.kind().has_schema() {
            continue;
        }
        for (j, b) in mutators.iter().enumerate().skip(i + 1) {
            if !b.kind().has_schema() {
                continue;
            }
            let Some(reason) = disagreement(a.location(), a.terminal(), b.location(), b.terminal())
            else {
                continue;
            };
            if let Some(gvk) = share_kind(a, b) {
                out.push((i, j, gvk, reason));
            }
        }
    }
    out
}
