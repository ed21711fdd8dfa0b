use crate::JsonPointer;
use crate::pointer::array_index;
use serde_json::Value;
use std::sync::OnceLock;

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
#[derive(Debug, Clone, Default)]
pub struct Positions {
    starts: Vec<Position>,
    /// Node count of every node's subtree, aligned with `starts`: a walk steps over a sibling
    /// in one look-up instead of counting its nodes. Computed from the value on the first
    /// `locate` (most documents are never located in), and valid as long as that value is the
    /// one the positions were loaded with — which `locate` already requires.
    subtree_sizes: OnceLock<Vec<u32>>,
}

impl PartialEq for Positions {
    fn eq(&self, other: &Self) -> bool {
        self.starts == other.starts
    }
}

impl Eq for Positions {}

impl Positions {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Self {
            starts: Vec::with_capacity(n),
            subtree_sizes: OnceLock::new(),
        }
    }

    fn from_starts(starts: Vec<Position>) -> Self {
        Self {
            starts,
            subtree_sizes: OnceLock::new(),
        }
    }

    pub(crate) fn push(&mut self, p: Position) {
        self.starts.push(p);
    }

    pub(crate) fn len(&self) -> usize {
        self.starts.len()
    }

    pub(crate) fn last(&self) -> Option<Position> {
        self.starts.last().copied()
    }

    pub(crate) fn truncate(&mut self, len: usize) {
        self.starts.truncate(len);
    }

    pub(crate) fn repeat(&mut self, p: Position, count: usize) {
        self.starts.extend(std::iter::repeat_n(p, count));
    }

    /// The positions of the subtree at `pointer` of `value`, as a list aligned with that subtree
    /// (used to give each item of a `kind: List` its own map)
    pub fn subtree(&self, value: &Value, pointer: &JsonPointer) -> Option<Self> {
        let (start, sub) = self.walk(value, pointer);
        let sub = sub?;
        let end = start.checked_add(node_count(sub))?;
        self.starts
            .get(start..end)
            .map(|s| Self::from_starts(s.to_vec()))
    }

    /// Where `pointer` starts in the document, or, when the pointer names a missing field, where
    /// its nearest existing ancestor starts. The flag is true when the exact node exists.
    pub fn locate(&self, value: &Value, pointer: &JsonPointer) -> (Position, bool) {
        let (index, found) = self.walk(value, pointer);
        (self.at(index), found.is_some())
    }

    /// The pre-order index of the node at `pointer` (or of its nearest existing ancestor) and
    /// the node when it exists
    fn walk<'v>(&self, value: &'v Value, pointer: &JsonPointer) -> (usize, Option<&'v Value>) {
        // Values without positions (an AdmissionReview's object) only need the node itself
        let sizes = self.subtree_sizes.get_or_init(|| {
            if self.starts.is_empty() {
                Vec::new()
            } else {
                subtree_sizes(value, self.starts.len())
            }
        });
        // Pre-order index of the first node after the subtree starting at `index`
        let skip = |index: usize| index + sizes.get(index).map_or(1, |n| *n as usize);
        let mut index = 0usize;
        let mut node = value;
        for token in pointer.tokens() {
            let mut child_index = index + 1;
            let child = match node {
                Value::Object(map) => map.iter().find_map(|(k, v)| {
                    if k == token.as_ref() {
                        return Some(v);
                    }
                    child_index = skip(child_index);
                    None
                }),
                Value::Array(items) => array_index(&token).and_then(|i| {
                    let child = items.get(i)?;
                    for _ in 0..i {
                        child_index = skip(child_index);
                    }
                    Some(child)
                }),
                _ => None,
            };
            match child {
                Some(child) => {
                    index = child_index;
                    node = child;
                }
                None => return (index, None),
            }
        }
        (index, Some(node))
    }

    fn at(&self, index: usize) -> Position {
        self.starts
            .get(index)
            .or_else(|| self.starts.first())
            .copied()
            .unwrap_or_default()
    }
}

/// The node count of every subtree of `value`, in pre-order
fn subtree_sizes(value: &Value, capacity: usize) -> Vec<u32> {
    fn visit(value: &Value, sizes: &mut Vec<u32>) -> u32 {
        let at = sizes.len();
        sizes.push(1);
        let children: u32 = match value {
            Value::Object(map) => map.values().map(|v| visit(v, sizes)).sum(),
            Value::Array(items) => items.iter().map(|v| visit(v, sizes)).sum(),
            _ => 0,
        };
        let size = children.saturating_add(1);
        if let Some(slot) = sizes.get_mut(at) {
            *slot = size;
        }
        size
    }
    let mut sizes = Vec::with_capacity(capacity);
    visit(value, &mut sizes);
    sizes
}

/// Number of nodes in a value (itself plus all descendants)
pub(crate) fn node_count(value: &Value) -> usize {
    match value {
        Value::Object(map) => 1 + map.values().map(node_count).sum::<usize>(),
        Value::Array(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LoadLimits, SourceFile, load_str};

    /// Every pointer of `value` with the pre-order index of its node, counted the slow way
    fn all_pointers(
        value: &Value,
        at: JsonPointer,
        index: usize,
        out: &mut Vec<(JsonPointer, usize)>,
    ) {
        out.push((at.clone(), index));
        let mut child = index + 1;
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    all_pointers(v, at.key(k), child, out);
                    child += node_count(v);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    all_pointers(v, at.index(i), child, out);
                    child += node_count(v);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn locates_every_node_and_the_nearest_ancestor_of_missing_ones() {
        let text = "base: &b {x: 1, y: [2, {z: 3}]}\nm:\n  <<: *b\n  a/b~c: [[], {}, [4, 5]]\n  copy: *b\nlast: 6\n";
        let file = SourceFile::new("t.yaml", text);
        let (docs, diags) = load_str(&file, &LoadLimits::default());
        assert!(diags.is_empty(), "{diags:?}");
        let doc = &docs[0];
        let mut pointers = Vec::new();
        all_pointers(&doc.value, JsonPointer::root(), 0, &mut pointers);
        assert_eq!(pointers.len(), doc.positions.len());
        for (pointer, index) in &pointers {
            let (at, exact) = doc.positions.locate(&doc.value, pointer);
            assert!(exact, "{pointer}");
            assert_eq!(at, doc.positions.at(*index), "{pointer}");
            let (missing, exact) = doc.positions.locate(&doc.value, &pointer.key("nope"));
            assert!(!exact);
            assert_eq!(missing, at, "{pointer}/nope");
        }
        let last = doc
            .positions
            .locate(&doc.value, &JsonPointer::parse("/last"))
            .0;
        assert_eq!((last.line, last.column), (6, 1));
    }
}
