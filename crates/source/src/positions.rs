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
#[derive(Debug, Clone, Default)]
pub struct Positions {
    starts: Vec<Position>,
    /// Node count of every node's subtree, aligned with `starts`: a walk steps over a sibling
    /// in one look-up instead of counting its nodes. The loader records each as its node ends,
    /// which costs a store per node where computing them from the value later cost a second
    /// walk over every located document.
    sizes: Vec<u32>,
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
            sizes: Vec::with_capacity(n),
        }
    }

    /// Record a node that is starting; its size is set by [`Self::end`] when it ends
    pub(crate) fn push(&mut self, p: Position) {
        self.starts.push(p);
        self.sizes.push(1);
    }

    /// The node recorded at `index` ends here: everything recorded since is its subtree
    pub(crate) fn end(&mut self, index: usize) {
        let size = u32::try_from(self.starts.len() - index).unwrap_or(u32::MAX);
        if let Some(slot) = self.sizes.get_mut(index) {
            *slot = size;
        }
    }

    /// The positions of a one-child root's child: every node but the first
    pub(crate) fn without_root(mut self) -> Self {
        if !self.starts.is_empty() {
            self.starts.remove(0);
            self.sizes.remove(0);
        }
        self
    }

    pub(crate) fn first(&self) -> Option<Position> {
        self.starts.first().copied()
    }

    pub(crate) fn len(&self) -> usize {
        self.starts.len()
    }

    pub(crate) fn last(&self) -> Option<Position> {
        self.starts.last().copied()
    }

    pub(crate) fn truncate(&mut self, len: usize) {
        self.starts.truncate(len);
        self.sizes.truncate(len);
    }

    /// Record every node below `value` (not `value` itself) at `p`: the nodes of an alias's
    /// copy, which all point at the alias
    pub(crate) fn repeat_below(&mut self, p: Position, value: &Value) {
        match value {
            Value::Object(map) => map.values().for_each(|child| self.repeat(p, child)),
            Value::Array(items) => items.iter().for_each(|child| self.repeat(p, child)),
            _ => {}
        }
    }

    /// Record every node of `value` at `p`
    pub(crate) fn repeat(&mut self, p: Position, value: &Value) {
        let at = self.starts.len();
        self.push(p);
        self.repeat_below(p, value);
        self.end(at);
    }

    /// The positions of the subtree at `pointer` of `value`, as a list aligned with that subtree
    /// (used to give each item of a `kind: List` its own map)
    pub fn subtree(&self, value: &Value, pointer: &JsonPointer) -> Option<Self> {
        let (start, sub) = self.walk(value, pointer);
        sub?;
        let end = start.checked_add(*self.sizes.get(start)? as usize)?;
        Some(Self {
            starts: self.starts.get(start..end)?.to_vec(),
            sizes: self.sizes.get(start..end)?.to_vec(),
        })
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
        // Pre-order index of the first node after the subtree starting at `index` (values
        // without positions, like an AdmissionReview's object, only need the node itself)
        let skip = |index: usize| index + self.sizes.get(index).map_or(1, |n| *n as usize);
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
            let node = pointer.resolve(&doc.value).map(node_count);
            assert_eq!(
                node,
                doc.positions.sizes.get(*index).map(|n| *n as usize),
                "subtree size of {pointer}"
            );
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
