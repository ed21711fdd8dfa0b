//! YAML/JSON → `serde_json::Value` with positions.
//!
//! Why not `serde`-based YAML: we need (a) the position of every node, (b) to survive a broken
//! document and keep reading the next one, (c) to bound alias expansion and nesting ourselves.
//! So we drive `saphyr-parser`'s event stream (a maintained YAML 1.2 parser) and build values
//! directly: one pass, no intermediate tree. JSON is read by the same parser (JSON is YAML 1.2).
//! Every piece is first offered to the fast readers for block-style YAML (`block.rs`) and JSON
//! (`json.rs`), which build the same values and positions for about a quarter of the
//! instructions and leave anything they cannot read with certainty to saphyr.

use crate::positions::node_count;
use crate::{Diagnostic, Position, Positions, SourceFile};
use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// Bounds that protect the process from hostile input
#[derive(Debug, Clone, Copy)]
pub struct LoadLimits {
    /// Largest file (or stdin) accepted, in bytes
    pub max_file_bytes: usize,
    /// Largest single document accepted, in bytes
    pub max_document_bytes: usize,
    /// Most nodes one document may expand to, aliases included ("billion laughs" guard)
    pub max_nodes: usize,
    /// Deepest nesting accepted
    pub max_depth: usize,
}

impl Default for LoadLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: 1 << 30,
            max_document_bytes: 64 << 20,
            max_nodes: 5_000_000,
            max_depth: 256,
        }
    }
}

/// One YAML document (or JSON file) as a value, with where each node came from
#[derive(Debug, Clone)]
pub struct LoadedDocument {
    /// The file it came from
    pub file: Arc<SourceFile>,
    /// 0-based index of the document's `---`-separated piece within its file
    pub index: usize,
    /// The document
    pub value: Value,
    /// Where each node starts
    pub positions: Positions,
    /// Where the document starts
    pub start: Position,
}

/// Load a file's bytes: rejects binary, non-UTF-8 and oversize input with a diagnostic
pub fn load_bytes(
    name: &str,
    bytes: Vec<u8>,
    limits: &LoadLimits,
) -> (
    Option<Arc<SourceFile>>,
    Vec<LoadedDocument>,
    Vec<Diagnostic>,
) {
    match read_source(name, bytes, limits) {
        Ok(file) => {
            let (docs, diags) = load_str(&file, limits);
            (Some(file), docs, diags)
        }
        Err(d) => (None, Vec::new(), vec![d]),
    }
}

/// A file's bytes as source text: binary, non-UTF-8 and oversize input is a diagnostic
pub fn read_source(
    name: &str,
    bytes: Vec<u8>,
    limits: &LoadLimits,
) -> Result<Arc<SourceFile>, Diagnostic> {
    if bytes.len() > limits.max_file_bytes {
        return Err(Diagnostic::error(
            "input-too-large",
            name,
            None,
            format!(
                "file is {} bytes, more than the limit of {} bytes",
                bytes.len(),
                limits.max_file_bytes
            ),
        ));
    }
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return Err(Diagnostic::error(
            "binary-file",
            name,
            None,
            "file looks binary (contains NUL bytes)",
        )
        .with_help("expected YAML or JSON text"));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let prefix = e.as_bytes().get(..valid).unwrap_or_default();
            let line = prefix.iter().filter(|b| **b == b'\n').count() + 1;
            let column = prefix.iter().rev().take_while(|b| **b != b'\n').count() + 1;
            Err(Diagnostic::error(
                "invalid-utf8",
                name,
                Some(pos(line, column)),
                "file is not valid UTF-8",
            )
            .with_help("expected YAML or JSON text encoded as UTF-8"))
        }
    }
}

/// Load every document of a file, a large `kind: List` as its items (see
/// [`split_list_items`]). Never fails: unreadable documents become diagnostics.
pub fn load_str(
    file: &Arc<SourceFile>,
    limits: &LoadLimits,
) -> (Vec<LoadedDocument>, Vec<Diagnostic>) {
    let mut docs = Vec::new();
    let mut diags = Vec::new();
    for piece in split_list_items(split_documents(file)) {
        let (d, e) = load_document(file, &piece, limits);
        docs.extend(d);
        diags.extend(e);
    }
    if docs.is_empty() && diags.is_empty() {
        diags.push(no_documents(file));
    }
    (docs, diags)
}

/// The warning for a file without any document
pub fn no_documents(file: &SourceFile) -> Diagnostic {
    Diagnostic::warning(
        "empty-input",
        &file.name,
        None,
        "file contains no documents",
    )
}

/// Load one piece of a file (see [`split_documents`]); pieces are independent, so they can be
/// loaded in any order or in parallel
pub fn load_document(
    file: &Arc<SourceFile>,
    piece: &DocumentText<'_>,
    limits: &LoadLimits,
) -> (Vec<LoadedDocument>, Vec<Diagnostic>) {
    let mut docs = Vec::new();
    let mut diags = Vec::new();
    parse_chunk(file, piece, limits, &mut docs, &mut diags);
    (docs, diags)
}

/// A `---`-delimited piece of a multi-document file
#[derive(Debug, Clone, Copy)]
pub struct DocumentText<'a> {
    pub(crate) text: &'a str,
    /// 0-based line of the piece's first line in the file
    pub(crate) first_line: usize,
    /// 0-based index of the piece in the file
    ordinal: usize,
    /// The text is one entry (`- …`) of a YAML block sequence, split off a `kind: List`: the
    /// document is the entry's value
    sequence_entry: bool,
}

impl DocumentText<'_> {
    /// Size in bytes
    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// True for a piece without text
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

/// Split a file at `---` / `...` lines so that a syntax error in one document cannot hide the
/// next. A marker at column 0 always ends a block scalar, so this never splits inside a
/// document.
pub fn split_documents(file: &SourceFile) -> Vec<DocumentText<'_>> {
    let text = file.text.as_str();
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut start_line = 0usize;
    let mut offset = 0usize;
    let mut pending_directives = false;
    let mut line_start = 0usize;
    for (line_no, line_end) in line_ends(text).enumerate() {
        let line = text.get(line_start..line_end).unwrap_or_default();
        line_start = line_end;
        // Most lines cannot be a marker or a directive: decide on their first byte
        if !matches!(line.as_bytes().first(), Some(b'-' | b'.' | b'%' | b'#')) {
            pending_directives = false;
            offset += line.len();
            continue;
        }
        let trimmed = line.trim_end_matches(['\n', '\r']);
        let is_marker = |m: &str| {
            trimmed == m || (trimmed.starts_with(m) && trimmed[m.len()..].starts_with([' ', '\t']))
        };
        if is_marker("---") && offset > start && !pending_directives {
            chunks.push(DocumentText {
                text: &text[start..offset],
                first_line: start_line,
                ordinal: chunks.len(),
                sequence_entry: false,
            });
            start = offset;
            start_line = line_no;
        } else if is_marker("...") {
            chunks.push(DocumentText {
                text: &text[start..offset + line.len()],
                first_line: start_line,
                ordinal: chunks.len(),
                sequence_entry: false,
            });
            start = offset + line.len();
            start_line = line_no + 1;
        }
        // `%YAML` directives belong to the document after them
        pending_directives =
            trimmed.starts_with('%') || (pending_directives && trimmed.starts_with('#'));
        offset += line.len();
    }
    if start < text.len() {
        chunks.push(DocumentText {
            text: &text[start..],
            first_line: start_line,
            ordinal: chunks.len(),
            sequence_entry: false,
        });
    }
    chunks
}

/// Where each line of `text` ends (after its `\n`, or at the end of the text), found with
/// memchr's vectorised search: the splits run over every input byte, and
/// `str::split_inclusive` cost about 2% of a scan
fn line_ends(text: &str) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\n', text.as_bytes())
        .map(|newline| newline + 1)
        .chain((!text.ends_with('\n')).then_some(text.len()))
}

/// A piece at least this large that is a `kind: *List` is split into its items
const LIST_SPLIT_BYTES: usize = 1 << 20;

/// Split large `*List` pieces (`kubectl get … -o json` or `-o yaml` of a cluster: every object
/// in one document) into one piece per item, each keeping its own lines. Parsed whole, such a
/// list was read by one thread into one value tree: a 76 MB JSON dump took 11 s and 1 GB where
/// the same objects as separate documents took 1.8 s and 73 MB, and a list over the document
/// limit was refused. The items keep the list's document index, as the items of a loaded list
/// do.
///
/// Other pieces are left whole, and so is any list this cannot split with certainty (see
/// [`json_list_items`] and [`yaml_list_items`]): the loader then reads it whole, as before.
pub fn split_list_items<'a>(pieces: Vec<DocumentText<'a>>) -> Vec<DocumentText<'a>> {
    let mut out = Vec::with_capacity(pieces.len());
    for piece in pieces {
        let items = (piece.len() >= LIST_SPLIT_BYTES)
            .then(|| json_list_items(&piece).or_else(|| yaml_list_items(&piece)))
            .flatten();
        match items {
            Some(items) => out.extend(items),
            None => out.push(piece),
        }
    }
    out
}

/// The items of a JSON list. `None` when its wrapper does not parse as JSON (the loader reports
/// the error), with fewer than two items, or with an item sharing its first line with other
/// text (minified JSON: the items' columns would be off).
fn json_list_items<'a>(piece: &DocumentText<'a>) -> Option<Vec<DocumentText<'a>>> {
    #[derive(serde::Deserialize)]
    struct List<'t> {
        #[serde(borrow)]
        kind: Option<Cow<'t, str>>,
        #[serde(borrow)]
        items: Vec<&'t serde_json::value::RawValue>,
    }
    let text = piece.text;
    if !text.trim_start().starts_with('{') {
        return None;
    }
    let list: List<'_> = serde_json::from_str(text).ok()?;
    if !list.kind.as_deref().is_some_and(|k| k.ends_with("List")) || list.items.len() < 2 {
        return None;
    }
    // Each item's text borrows from `text`: its offset is the distance between the two
    let base = text.as_ptr() as usize;
    let (mut line, mut counted) = (piece.first_line, 0usize);
    let mut items = Vec::with_capacity(list.items.len());
    for item in list.items {
        let raw = item.get();
        let start = (raw.as_ptr() as usize).checked_sub(base)?;
        let before = text.get(..start)?;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        if !before
            .get(line_start..)?
            .bytes()
            .all(|b| b == b' ' || b == b'\t')
        {
            return None;
        }
        line += memchr::memchr_iter(b'\n', text.get(counted..line_start)?.as_bytes()).count();
        counted = line_start;
        items.push(DocumentText {
            text: text.get(line_start..start + raw.len())?,
            first_line: line,
            ordinal: piece.ordinal,
            sequence_entry: false,
        });
    }
    Some(items)
}

/// The items of a block-style YAML list as `kubectl get -o yaml` writes it: top-level keys at
/// column 0 (`apiVersion`, `items`, `kind`, `metadata`, each once), `kind` ending in `List`, and
/// `items:` holding a block sequence whose entries all start with `-` at one indentation. Each
/// entry becomes a piece of its own lines, unchanged, that the loader unwraps.
///
/// `None` (read whole) for anything else: another top-level key, a line less indented than the
/// entries that is not a top-level key (an under-indented quoted scalar's continuation, say),
/// fewer than two entries, and any anchor or `%` directive, since an alias or a tag handle in
/// one item may need what another line defines.
fn yaml_list_items<'a>(piece: &DocumentText<'a>) -> Option<Vec<DocumentText<'a>>> {
    let text = piece.text;
    if has_anchor(text) || text.starts_with('%') || text.contains("\n%") {
        return None;
    }
    let mut items = Vec::new();
    // (byte offset, line) where the entry being read starts
    let mut entry: Option<(usize, usize)> = None;
    let mut close_entry = |entry: &mut Option<(usize, usize)>, end: usize| -> Option<()> {
        if let Some((start, first_line)) = entry.take() {
            items.push(DocumentText {
                text: text.get(start..end)?,
                first_line,
                ordinal: piece.ordinal,
                sequence_entry: true,
            });
        }
        Some(())
    };
    let mut seen = [false; 4];
    let mut kind_is_list = false;
    // Inside `items:`, and the entries' indentation once the first is seen
    let mut in_items = false;
    let mut entry_indent: Option<usize> = None;
    let mut line_start = 0usize;
    for (line_no, line_end) in line_ends(text).enumerate() {
        let start = line_start;
        line_start = line_end;
        let line = text.get(start..line_end)?.trim_end_matches(['\n', '\r']);
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        // Blank and comment lines go with the lines around them
        if body.is_empty() || body.starts_with('#') || (line_no == 0 && is_start_marker(body)) {
            continue;
        }
        let is_entry = body == "-" || body.starts_with("- ");
        if indent == 0 && !is_entry {
            close_entry(&mut entry, start)?;
            let (key, value) = body.split_once(':')?;
            if !(value.is_empty() || value.starts_with(' ')) {
                return None;
            }
            let value = value.split(" #").next().unwrap_or_default().trim();
            let slot = ["apiVersion", "items", "kind", "metadata"]
                .iter()
                .position(|k| *k == key)?;
            if std::mem::replace(&mut seen[slot], true) {
                return None;
            }
            in_items = key == "items";
            if in_items && !value.is_empty() {
                return None;
            }
            if key == "kind" {
                kind_is_list = value.trim_matches(['"', '\'']).ends_with("List");
            }
            continue;
        }
        if !in_items {
            continue;
        }
        let entries_at = *entry_indent.get_or_insert(indent);
        if indent == entries_at && is_entry {
            close_entry(&mut entry, start)?;
            entry = Some((start, piece.first_line + line_no));
        } else if indent <= entries_at || entry.is_none() {
            return None;
        }
    }
    close_entry(&mut entry, text.len())?;
    (kind_is_list && items.len() >= 2).then_some(items)
}

/// `---`, optionally with a comment after white space: a document's explicit start (`---#` is
/// a plain scalar)
pub(crate) fn is_start_marker(body: &str) -> bool {
    body.strip_prefix("---").is_some_and(|rest| {
        let comment = rest.trim_start_matches([' ', '\t']);
        rest.is_empty()
            || (comment.len() < rest.len() && (comment.is_empty() || comment.starts_with('#')))
    })
}

/// Whether `text` may define a YAML anchor: a `&` that starts a node (after a space, a line
/// start or a flow indicator) and is followed by a name. Quoted text like `"a &b"` counts too:
/// a false alarm only means the list is read whole.
fn has_anchor(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'&', bytes).any(|at| {
        let before = at.checked_sub(1).and_then(|i| bytes.get(i));
        let after = bytes.get(at + 1);
        matches!(
            before,
            None | Some(b' ' | b'\t' | b'\n' | b'[' | b'{' | b',')
        ) && after.is_some_and(|b| !b.is_ascii_whitespace())
    })
}

pub(crate) fn pos(line: usize, column: usize) -> Position {
    Position {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
    }
}

enum Frame {
    Map {
        map: Map<String, Value>,
        /// Key waiting for its value, with its position and whether it is a `<<` merge key
        key: Option<(String, Position, bool)>,
        merges: Vec<(Value, Position)>,
        anchor: usize,
        /// Where this node's first position sits in the positions list
        first: usize,
    },
    Seq {
        items: Vec<Value>,
        anchor: usize,
        first: usize,
    },
}

struct Builder<'f> {
    file: &'f SourceFile,
    first_line: usize,
    limits: LoadLimits,
    stack: Vec<Frame>,
    positions: Positions,
    anchors: HashMap<usize, Value>,
    nodes: usize,
    start: Option<Position>,
    diags: Vec<Diagnostic>,
    /// Whether the last scalar was quoted (a quoted `"<<"` is an ordinary key)
    last_key_quoted: bool,
}

/// Why a document had to be abandoned
struct Abandon(Diagnostic);

impl<'f> Builder<'f> {
    fn position(&self, span: &Span) -> Position {
        pos(self.first_line + span.start.line(), span.start.col() + 1)
    }

    fn error(&self, code: &'static str, at: Position, msg: String) -> Abandon {
        Abandon(Diagnostic::error(code, &self.file.name, Some(at), msg))
    }

    /// Record the position of a node that is starting; returns its index in the list
    fn begin_node(&mut self, at: Position) -> Result<usize, Abandon> {
        let recorded = match self.stack.last() {
            Some(Frame::Map {
                key: Some((_, key_pos, _)),
                ..
            }) => *key_pos,
            _ => at,
        };
        if self.start.is_none() {
            self.start = Some(at);
        }
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            return Err(self.error(
                "document-too-large",
                at,
                format!("document has more than {} nodes", self.limits.max_nodes),
            ));
        }
        let index = self.positions.len();
        self.positions.push(recorded);
        Ok(index)
    }

    /// A finished node: becomes a key, a map value, a list item, or the document
    fn finish(
        &mut self,
        value: Value,
        anchor: usize,
        first: usize,
        at: Position,
    ) -> Result<Option<Value>, Abandon> {
        self.positions.end(first);
        if anchor != 0 {
            self.anchors.insert(anchor, value.clone());
        }
        match self.stack.last_mut() {
            None => Ok(Some(value)),
            Some(Frame::Seq { items, .. }) => {
                items.push(value);
                Ok(None)
            }
            Some(Frame::Map {
                map, key, merges, ..
            }) => {
                match key.take() {
                    None => {
                        // This node is a key
                        let Some(text) = key_text(value) else {
                            return Err(self.error(
                                "yaml-complex-key",
                                at,
                                "mapping keys must be scalars".to_owned(),
                            ));
                        };
                        // A key is not a node of its own: drop its position again.
                        self.positions.truncate(first);
                        self.nodes -= 1;
                        let is_merge = text == "<<" && !self.last_key_quoted;
                        *key = Some((text, at, is_merge));
                        Ok(None)
                    }
                    Some((_, key_pos, true)) => {
                        merges.push((value, key_pos));
                        self.positions.truncate(first);
                        Ok(None)
                    }
                    Some((k, key_pos, false)) => {
                        match map.entry(k) {
                            serde_json::map::Entry::Vacant(slot) => {
                                slot.insert(value);
                            }
                            serde_json::map::Entry::Occupied(existing) => {
                                self.positions.truncate(first);
                                self.diags.push(
                                    Diagnostic::error(
                                        "yaml-duplicate-key",
                                        &self.file.name,
                                        Some(key_pos),
                                        format!(
                                            "mapping key `{}` is already defined; the first value is used",
                                            existing.key()
                                        ),
                                    )
                                    .with_help(
                                        "remove one of the duplicate keys (the API server rejects them)",
                                    ),
                                );
                            }
                        }
                        Ok(None)
                    }
                }
            }
        }
    }
}

/// A mapping key's text. Kubernetes keys are strings; scalars of other types are used by their
/// text (as sigs.k8s.io/yaml does). `None` for a collection.
pub(crate) fn key_text(value: Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s),
        Value::Null => Some("null".to_owned()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

impl Builder<'_> {
    fn scalar(&mut self, text: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> Value {
        self.last_key_quoted = style != ScalarStyle::Plain;
        resolve_scalar(text, style, tag)
    }
}

/// YAML 1.2 core schema resolution, honouring explicit `!!` tags. Takes the parser's string so
/// that string scalars (most of a manifest) are moved, not copied.
fn resolve_scalar(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    let typed = |keep: fn(&Value) -> bool, text: Cow<'_, str>| match resolve_plain(&text) {
        Some(v) if keep(&v) => v,
        _ => Value::String(text.into_owned()),
    };
    if let Some(tag) = tag.filter(|t| t.is_yaml_core_schema()) {
        return match tag.suffix.as_str() {
            "str" | "binary" | "timestamp" => Value::String(text.into_owned()),
            "null" => Value::Null,
            "bool" => typed(Value::is_boolean, text),
            "int" | "float" => typed(Value::is_number, text),
            _ => typed(|_| true, text),
        };
    }
    if style != ScalarStyle::Plain {
        return Value::String(text.into_owned());
    }
    typed(|_| true, text)
}

pub(crate) fn resolve_plain(text: &str) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let first = text.as_bytes().first()?;
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    if let Some(hex) = unsigned.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(Value::from);
    }
    if let Some(oct) = unsigned.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok().map(Value::from);
    }
    let digits = unsigned.strip_prefix('-').unwrap_or(unsigned);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = unsigned.parse::<i64>() {
            return Some(Value::from(i));
        }
        if let Ok(u) = unsigned.parse::<u64>() {
            return Some(Value::from(u));
        }
        return unsigned
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number);
    }
    if is_yaml_float(digits) {
        return unsigned
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number);
    }
    None
}

/// `[0-9]*(\.[0-9]*)?([eE][-+]?[0-9]+)?` with at least one digit in the mantissa
fn is_yaml_float(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((a, b)) => (a, b),
        None => (mantissa, ""),
    };
    let digits_ok = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty() || !digits_ok(int) || !digits_ok(frac) {
        return false;
    }
    match exponent {
        None => mantissa.contains('.'),
        Some(e) => {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && digits_ok(e)
        }
    }
}

fn parse_chunk(
    file: &Arc<SourceFile>,
    chunk: &DocumentText<'_>,
    limits: &LoadLimits,
    docs: &mut Vec<LoadedDocument>,
    diags: &mut Vec<Diagnostic>,
) {
    parse_chunk_relaxing(file, chunk, limits, docs, diags, MAX_RELAXED_SCALARS);
}

/// How many under-indented quoted scalars one document may have (each costs a re-parse)
const MAX_RELAXED_SCALARS: usize = 64;

/// saphyr's message for a quoted scalar whose continuation lines are under-indented
const UNDER_INDENTED_QUOTED_SCALAR: &str = "invalid indentation in quoted scalar";

/// Parse one chunk: with the fast block-YAML or JSON reader when one can read it with
/// certainty (most manifests and dumps), else with saphyr
fn parse_chunk_relaxing(
    file: &Arc<SourceFile>,
    chunk: &DocumentText<'_>,
    limits: &LoadLimits,
    docs: &mut Vec<LoadedDocument>,
    diags: &mut Vec<Diagnostic>,
    budget: usize,
) {
    if chunk.text.len() > limits.max_document_bytes {
        diags.push(
            Diagnostic::error(
                "document-too-large",
                &file.name,
                Some(pos(chunk.first_line + 1, 1)),
                format!(
                    "document is {} bytes, more than the limit of {} bytes",
                    chunk.text.len(),
                    limits.max_document_bytes
                ),
            )
            .with_help(
                "split it into several documents (`palisade scan` splits a `kind: List` as \
                 `kubectl get -o json` or `-o yaml` writes it into its items)",
            ),
        );
        return;
    }
    if let Some(read) = read_fast(chunk, limits) {
        push_document(file, chunk, read.value, read.positions, read.start, docs);
        return;
    }
    parse_with_saphyr(file, chunk, limits, docs, diags, budget);
}

/// A chunk read by the fast block-YAML or JSON reader, `None` when neither takes it
pub(crate) fn read_fast(
    chunk: &DocumentText<'_>,
    limits: &LoadLimits,
) -> Option<crate::block::Read> {
    crate::block::read(chunk.text, chunk.first_line, limits)
        .or_else(|| crate::json::read(chunk.text, chunk.first_line, limits))
}

/// Parse one chunk with saphyr: the whole YAML 1.2 grammar, with diagnostics.
///
/// The YAML 1.2 grammar (and saphyr) wants the continuation lines of a multi-line quoted
/// scalar indented deeper than the enclosing block; libyaml and go-yaml — what kubectl, the API
/// server's clients and gator read with — accept them at any column. Manifests in the wild rely
/// on that (e.g. a `description: "…` wrapped back to the key's column), so on exactly that
/// error the scalar's continuation lines are indented past the opening quote and the chunk is
/// parsed again, at most `budget` times. Leading whitespace of continuation lines is folded
/// away, so values are what go-yaml reads; lines are unchanged.
pub(crate) fn parse_with_saphyr(
    file: &Arc<SourceFile>,
    chunk: &DocumentText<'_>,
    limits: &LoadLimits,
    docs: &mut Vec<LoadedDocument>,
    diags: &mut Vec<Diagnostic>,
    budget: usize,
) {
    let (docs_before, diags_before) = (docs.len(), diags.len());
    let mut parser = Parser::new_from_str(chunk.text);
    let mut builder = Builder {
        file,
        first_line: chunk.first_line,
        limits: *limits,
        stack: Vec::new(),
        positions: Positions::with_capacity(64),
        anchors: HashMap::new(),
        nodes: 0,
        start: None,
        diags: Vec::new(),
        last_key_quoted: false,
    };
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(e) => e,
            Err(e) => {
                let m = e.marker();
                if e.info() == UNDER_INDENTED_QUOTED_SCALAR
                    && budget > 0
                    && let Some(relaxed) = indent_quoted_continuation(chunk.text, m.line(), m.col())
                {
                    // this chunk's documents and diagnostics are produced again by the re-parse
                    docs.truncate(docs_before);
                    diags.truncate(diags_before);
                    let chunk = DocumentText {
                        text: &relaxed,
                        ..*chunk
                    };
                    parse_chunk_relaxing(file, &chunk, limits, docs, diags, budget - 1);
                    return;
                }
                diags.append(&mut builder.diags);
                diags.push(
                    Diagnostic::error(
                        "yaml-syntax",
                        &file.name,
                        Some(pos(chunk.first_line + m.line(), m.col() + 1)),
                        format!("invalid YAML: {}", e.info()),
                    )
                    .with_help("expected a YAML or JSON document"),
                );
                return;
            }
        };
        match step(&mut builder, event, &span) {
            Ok(Some(value)) => {
                let start = builder
                    .start
                    .take()
                    .unwrap_or_else(|| pos(chunk.first_line + 1, 1));
                let positions =
                    std::mem::replace(&mut builder.positions, Positions::with_capacity(64));
                builder.anchors.clear();
                builder.nodes = 0;
                diags.append(&mut builder.diags);
                push_document(file, chunk, value, positions, start, docs);
            }
            Ok(None) => {}
            Err(Abandon(d)) => {
                diags.append(&mut builder.diags);
                diags.push(d);
                return;
            }
        }
    }
}

/// Keep a read document (a split list entry unwrapped to the entry); an empty one is nothing
pub(crate) fn push_document(
    file: &Arc<SourceFile>,
    chunk: &DocumentText<'_>,
    value: Value,
    positions: Positions,
    start: Position,
    docs: &mut Vec<LoadedDocument>,
) {
    let (value, positions, start) = match value {
        Value::Array(mut entries) if chunk.sequence_entry && entries.len() == 1 => {
            let entry = entries.pop().unwrap_or_default();
            let positions = positions.without_root();
            let start = positions.first().unwrap_or(start);
            (entry, positions, start)
        }
        value => (value, positions, start),
    };
    if !value.is_null() {
        docs.push(LoadedDocument {
            file: Arc::clone(file),
            index: chunk.ordinal,
            value,
            positions,
            start,
        });
    }
}

/// Indent the continuation lines of the quoted scalar opening at `line` (1-based) and `col`
/// (0-based, in characters) of `text` one column past its opening quote. `None` when there is
/// no quote there or no line to change.
fn indent_quoted_continuation(text: &str, line: usize, col: usize) -> Option<String> {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.checked_sub(1)?)
        .map(str::len)
        .sum();
    let (quote_at, quote) = text.get(line_start..)?.char_indices().nth(col)?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let open = line_start + quote_at;
    let indent = text.get(line_start..open)?.chars().count() + 1;
    let mut out = String::with_capacity(text.len() + 256);
    out.push_str(text.get(..=open)?);
    let mut changed = false;
    let mut chars = text.get(open + 1..)?.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if quote == '"' => {
                out.push(c);
                if let Some((_, escaped)) = chars.next() {
                    out.push(escaped);
                }
            }
            '\'' if quote == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') => {
                out.push_str("''");
                chars.next();
            }
            c if c == quote => {
                out.push_str(text.get(open + 1 + i..)?);
                return changed.then_some(out);
            }
            '\n' => {
                out.push('\n');
                let rest = text.get(open + 1 + i + 1..)?;
                let spaces = rest.chars().take_while(|c| *c == ' ').count();
                let blank = rest[spaces..].starts_with(['\n', '\r']) || rest.len() == spaces;
                if !blank && spaces < indent {
                    out.extend(std::iter::repeat_n(' ', indent - spaces));
                    changed = true;
                }
            }
            c => out.push(c),
        }
    }
    None
}

/// Feed one event; returns a value when a document's root node is complete
fn step(b: &mut Builder<'_>, event: Event<'_>, span: &Span) -> Result<Option<Value>, Abandon> {
    let at = b.position(span);
    match event {
        Event::Scalar(text, style, anchor, tag) => {
            let first = b.begin_node(at)?;
            let value = b.scalar(text, style, tag.as_deref());
            b.finish(value, anchor, first, at)
        }
        Event::MappingStart(anchor, _) => {
            let first = b.begin_node(at)?;
            push_frame(
                b,
                at,
                Frame::Map {
                    map: Map::new(),
                    key: None,
                    merges: Vec::new(),
                    anchor,
                    first,
                },
            )?;
            Ok(None)
        }
        Event::SequenceStart(anchor, _) => {
            let first = b.begin_node(at)?;
            push_frame(
                b,
                at,
                Frame::Seq {
                    items: Vec::new(),
                    anchor,
                    first,
                },
            )?;
            Ok(None)
        }
        Event::MappingEnd => {
            let Some(Frame::Map {
                mut map,
                merges,
                anchor,
                first,
                ..
            }) = b.stack.pop()
            else {
                return Err(b.error("yaml-syntax", at, "unbalanced mapping".to_owned()));
            };
            for (source, merge_pos) in merges {
                apply_merge(b, &mut map, source, merge_pos, at)?;
            }
            b.finish(Value::Object(map), anchor, first, at)
        }
        Event::SequenceEnd => {
            let Some(Frame::Seq {
                items,
                anchor,
                first,
            }) = b.stack.pop()
            else {
                return Err(b.error("yaml-syntax", at, "unbalanced sequence".to_owned()));
            };
            b.finish(Value::Array(items), anchor, first, at)
        }
        Event::Alias(id) => {
            let Some(value) = b.anchors.get(&id).cloned() else {
                return Err(b.error(
                    "yaml-unknown-alias",
                    at,
                    "alias refers to an unknown anchor".to_owned(),
                ));
            };
            let count = node_count(&value);
            let first = b.begin_node(at)?;
            b.nodes = b.nodes.saturating_add(count - 1);
            if b.nodes > b.limits.max_nodes {
                return Err(b.error(
                    "yaml-alias-bomb",
                    at,
                    format!(
                        "aliases expand the document past {} nodes",
                        b.limits.max_nodes
                    ),
                ));
            }
            let recorded = b.positions_last();
            b.positions.repeat_below(recorded, &value);
            b.finish(value, 0, first, at)
        }
        Event::StreamStart
        | Event::StreamEnd
        | Event::DocumentStart(_)
        | Event::DocumentEnd
        | Event::Nothing => Ok(None),
    }
}

impl Builder<'_> {
    fn positions_last(&self) -> Position {
        self.positions.last().unwrap_or_default()
    }
}

fn push_frame(b: &mut Builder<'_>, at: Position, frame: Frame) -> Result<(), Abandon> {
    if b.stack.len() >= b.limits.max_depth {
        return Err(b.error(
            "document-too-deep",
            at,
            format!("document nests deeper than {} levels", b.limits.max_depth),
        ));
    }
    b.stack.push(frame);
    Ok(())
}

/// `<<: *base` (YAML 1.1 merge key, which Kubernetes tooling accepts): keys not set explicitly
/// are taken from the merged maps, appended after the explicit ones.
fn apply_merge(
    b: &mut Builder<'_>,
    map: &mut Map<String, Value>,
    source: Value,
    merge_pos: Position,
    at: Position,
) -> Result<(), Abandon> {
    let sources = match source {
        Value::Object(m) => vec![m],
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::Object(m) => Some(m),
                _ => None,
            })
            .collect(),
        _ => {
            return Err(b.error(
                "yaml-bad-merge",
                at,
                "`<<` merge value must be a mapping".to_owned(),
            ));
        }
    };
    for m in sources {
        for (k, v) in m {
            if !map.contains_key(&k) {
                b.positions.repeat(merge_pos, &v);
                map.insert(k, v);
            }
        }
    }
    Ok(())
}
