use crate::JsonPointer;
use crate::pointer::array_index;
use serde_json::Value;

/// A 1-based line and column in a source file
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Line, starting at 1
    pub line: u32,
    /// Column in characters, starting at 1
    pub column: u32,
}

/// Where every node of one document starts, in pre-order (document order).
///
/// This is the document's JSON-pointer → line:column map in compact form: one `Position` per
/// node (8 bytes) instead of one pointer string per node, which keeps loading fast and memory
/// small on large inputs. A pointer is resolved by walking the value alongside the list; the
/// cost is paid only for the few nodes a finding points at.
///
/// For an object member the recorded position is that of its key (where a reader looks);
/// for an array element, that of the element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Positions(Vec<Position>);

impl Positions {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Self(Vec::with_capacity(n))
    }

    pub(crate) fn push(&mut self, p: Position) {
        self.0.push(p);
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn last(&self) -> Option<Position> {
        self.0.last().copied()
    }

    pub(crate) fn truncate(&mut self, len: usize) {
        self.0.truncate(len);
    }

    pub(crate) fn repeat(&mut self, p: Position, count: usize) {
        self.0.extend(std::iter::repeat_n(p, count));
    }

    /// The positions of the subtree at `pointer` of `value`, as a list aligned with that subtree
    /// (used to give each item of a `kind: List` its own map)
    pub fn subtree(&self, value: &Value, pointer: &JsonPointer) -> Option<Self> {
        let (start, sub) = self.walk(value, pointer)?;
        let end = start.checked_add(node_count(sub))?;
        self.0.get(start..end).map(|s| Self(s.to_vec()))
    }

    /// Where `pointer` starts in the document, or, when the pointer names a missing field, where
    /// its nearest existing ancestor starts. The flag is true when the exact node exists.
    pub fn locate(&self, value: &Value, pointer: &JsonPointer) -> (Position, bool) {
        let mut index = 0usize;
        let mut node = value;
        for token in pointer.tokens() {
            match child_offset(node, &token) {
                Some((offset, child)) => {
                    index += offset;
                    node = child;
                }
                None => return (self.at(index), false),
            }
        }
        (self.at(index), true)
    }

    fn walk<'v>(&self, value: &'v Value, pointer: &JsonPointer) -> Option<(usize, &'v Value)> {
        let mut index = 0usize;
        let mut node = value;
        for token in pointer.tokens() {
            let (offset, child) = child_offset(node, &token)?;
            index += offset;
            node = child;
        }
        Some((index, node))
    }

    fn at(&self, index: usize) -> Position {
        self.0
            .get(index)
            .or_else(|| self.0.first())
            .copied()
            .unwrap_or_default()
    }
}

/// The pre-order distance from `node` to its child named by reference token `token`, and the
/// child
fn child_offset<'v>(node: &'v Value, token: &str) -> Option<(usize, &'v Value)> {
    let mut offset = 1;
    match node {
        Value::Object(map) => {
            for (k, v) in map {
                if k == token {
                    return Some((offset, v));
                }
                offset += node_count(v);
            }
            None
        }
        Value::Array(items) => {
            let index = array_index(token)?;
            let child = items.get(index)?;
            offset += items.iter().take(index).map(node_count).sum::<usize>();
            Some((offset, child))
        }
        _ => None,
    }
}

/// Number of nodes in a value (itself plus all descendants)
pub(crate) fn node_count(value: &Value) -> usize {
    match value {
        Value::Object(map) => 1 + map.values().map(node_count).sum::<usize>(),
        Value::Array(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        _ => 1,
    }
}
