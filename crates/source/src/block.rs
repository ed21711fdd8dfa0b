//! A fast reader for the block-style YAML that manifests are written in.
//!
//! Why a reader of our own: parsing was half of a scan's instructions, and saphyr's general
//! scanner (a token queue, plain scalars gathered a character at a time, an event per node)
//! costs several times what the common subset needs. This reader takes only what it can read
//! with certainty — block mappings and sequences, one-line plain and quoted scalars, one-line
//! flow collections, literal and folded block scalars — and declines everything else
//! (anchors, aliases, tags, multi-line plain and quoted scalars, `|+`, tabs, carriage returns,
//! duplicate and merge keys, directives, …), which the saphyr path then reads as before,
//! diagnostics included. A document it accepts has exactly the value, positions and start the
//! saphyr path gives it: the differential tests in `block/tests.rs`, over the corpora and
//! over random edits, hold it to that.

use crate::loader::{LoadLimits, is_start_marker, key_text, pos, resolve_plain};
use crate::{Position, Positions};
use serde_json::map::Entry;
use serde_json::{Map, Value};

/// A document read by the fast path
pub(crate) struct Read {
    pub value: Value,
    pub positions: Positions,
    pub start: Position,
}

/// The text uses something outside the subset: the saphyr path reads it
pub(crate) struct Decline;

pub(crate) type R<T> = Result<T, Decline>;

/// Read one document piece, or `None` when the saphyr path must read it
pub(crate) fn read(text: &str, first_line: usize, limits: &LoadLimits) -> Option<Read> {
    if memchr::memchr2(b'\t', b'\r', text.as_bytes()).is_some() || text.starts_with('\u{feff}') {
        return None;
    }
    let mut reader = Reader {
        text,
        next: 0,
        next_no: 0,
        peeked: None,
        started: false,
        first_line,
        nodes: Nodes::new(limits),
    };
    let value = reader.document().ok()?;
    reader.nodes.read(value)
}

/// The nodes a fast reader has read: their positions in pre-order, with the loader's limits
pub(crate) struct Nodes {
    positions: Positions,
    count: usize,
    depth: usize,
    limits: LoadLimits,
}

impl Nodes {
    pub(crate) fn new(limits: &LoadLimits) -> Self {
        Self {
            positions: Positions::with_capacity(64),
            count: 0,
            depth: 0,
            limits: *limits,
        }
    }

    /// The document read, starting where its root starts
    pub(crate) fn read(self, value: Value) -> Option<Read> {
        Some(Read {
            value,
            start: self.positions.first()?,
            positions: self.positions,
        })
    }

    /// Record a node that starts; past the node-count limit, the saphyr path reports it
    pub(crate) fn begin(&mut self, at: Position) -> R<usize> {
        self.count += 1;
        if self.count > self.limits.max_nodes {
            return Err(Decline);
        }
        let index = self.positions.len();
        self.positions.push(at);
        Ok(index)
    }

    /// A node without children
    pub(crate) fn leaf(&mut self, at: Position, value: Value) -> R<Value> {
        let index = self.begin(at)?;
        self.positions.end(index);
        Ok(value)
    }

    /// A collection starts; past the depth limit, the saphyr path reports it
    pub(crate) fn enter(&mut self) -> R<()> {
        if self.depth >= self.limits.max_depth {
            return Err(Decline);
        }
        self.depth += 1;
        Ok(())
    }

    /// The collection recorded at `index` ends
    pub(crate) fn leave(&mut self, index: usize) {
        self.depth -= 1;
        self.positions.end(index);
    }
}

/// A line with content (not blank, not only a comment)
#[derive(Clone, Copy)]
struct Line<'a> {
    /// 0-based line number within the piece
    no: usize,
    /// Columns of indentation (spaces, so bytes and characters agree)
    indent: usize,
    /// The text after the indentation, without the line break
    body: &'a str,
}

struct Reader<'a> {
    text: &'a str,
    /// Byte offset and number of the next line not yet read
    next: usize,
    next_no: usize,
    peeked: Option<Line<'a>>,
    /// Whether a line with content has been seen (a `---` is only accepted before any)
    started: bool,
    first_line: usize,
    nodes: Nodes,
}

impl<'a> Reader<'a> {
    fn document(&mut self) -> R<Value> {
        let value = self.block_node(None)?;
        if self.peek()?.is_some() {
            return Err(Decline);
        }
        Ok(value)
    }

    /// The next raw line: its number, its text without the line break, and whether it had one
    fn next_raw(&mut self) -> Option<(usize, &'a str, bool)> {
        let rest = self.text.get(self.next..).filter(|r| !r.is_empty())?;
        let no = self.next_no;
        self.next_no += 1;
        match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(end) => {
                self.next += end + 1;
                Some((no, rest.get(..end)?, true))
            }
            None => {
                self.next = self.text.len();
                Some((no, rest, false))
            }
        }
    }

    /// The next line with content, left in place
    fn peek(&mut self) -> R<Option<Line<'a>>> {
        if self.peeked.is_some() {
            return Ok(self.peeked);
        }
        while let Some((no, raw, _)) = self.next_raw() {
            // counted by hand: `trim_start_matches` goes through the general pattern searcher
            let indent = raw.bytes().take_while(|&b| b == b' ').count();
            let body = raw.get(indent..).unwrap_or_default();
            if body.is_empty() || body.starts_with('#') {
                continue;
            }
            if indent == 0 && (body.starts_with("---") || body.starts_with("...")) {
                if !self.started && is_start_marker(body) {
                    self.started = true;
                    continue;
                }
                return Err(Decline);
            }
            if indent == 0 && body.starts_with('%') {
                return Err(Decline);
            }
            self.started = true;
            self.peeked = Some(Line { no, indent, body });
            return Ok(self.peeked);
        }
        Ok(None)
    }

    fn take(&mut self) {
        self.peeked = None;
    }

    /// Where the text at byte `offset` of a line's body starts
    fn at(&self, line: &Line<'_>, offset: usize) -> Position {
        let before = line.body.get(..offset).unwrap_or_default();
        let chars = if before.is_ascii() {
            before.len()
        } else {
            before.chars().count()
        };
        pos(self.first_line + line.no + 1, line.indent + chars + 1)
    }

    /// A mapping or a sequence starting on the next line with content. `recorded` is the
    /// position of the key it is the value of (where a reader looks).
    fn block_node(&mut self, recorded: Option<Position>) -> R<Value> {
        let line = self.peek()?.ok_or(Decline)?;
        if is_entry(line.body) {
            self.block_sequence(line.indent, recorded)
        } else {
            self.block_mapping(line.indent, recorded)
        }
    }

    fn block_sequence(&mut self, indent: usize, recorded: Option<Position>) -> R<Value> {
        let first = self.peek()?.ok_or(Decline)?;
        let index = self
            .nodes
            .begin(recorded.unwrap_or_else(|| self.at(&first, 0)))?;
        self.nodes.enter()?;
        let mut items = Vec::new();
        while let Some(line) = self.peek()? {
            if line.indent != indent || !is_entry(line.body) {
                if line.indent > indent {
                    return Err(Decline);
                }
                break;
            }
            self.take();
            let content = line
                .body
                .get(1..)
                .unwrap_or_default()
                .trim_start_matches(' ');
            let offset = line.body.len() - content.len();
            if content.is_empty() || content.starts_with('#') {
                // The item is on the lines that follow (an empty item is left to saphyr)
                match self.peek()? {
                    Some(next) if next.indent > indent => items.push(self.block_node(None)?),
                    _ => return Err(Decline),
                }
            } else if is_entry(content) {
                return Err(Decline);
            } else if find_key(content)?.is_some() {
                // `- key: value`: a mapping whose first line is the rest of this one
                let indent = line.indent + offset;
                self.peeked = Some(Line {
                    no: line.no,
                    indent,
                    body: content,
                });
                items.push(self.block_mapping(indent, None)?);
            } else {
                items.push(self.inline_value(&line, offset, indent, None)?);
            }
        }
        self.nodes.leave(index);
        Ok(Value::Array(items))
    }

    fn block_mapping(&mut self, indent: usize, recorded: Option<Position>) -> R<Value> {
        let first = self.peek()?.ok_or(Decline)?;
        let index = self
            .nodes
            .begin(recorded.unwrap_or_else(|| self.at(&first, 0)))?;
        self.nodes.enter()?;
        let mut map = Map::new();
        while let Some(line) = self.peek()? {
            if line.indent != indent {
                if line.indent > indent {
                    return Err(Decline);
                }
                break;
            }
            self.take();
            let (key, after) = split_key(line.body)?.ok_or(Decline)?;
            let key_at = self.at(&line, 0);
            let Entry::Vacant(slot) = map.entry(key) else {
                // the saphyr path reports the duplicate
                return Err(Decline);
            };
            let value = self.mapping_value(&line, after, indent, key_at)?;
            slot.insert(value);
        }
        self.nodes.leave(index);
        Ok(Value::Object(map))
    }

    /// The value of a block mapping's key, from byte `after` (past the `:`) of its line
    fn mapping_value(
        &mut self,
        line: &Line<'a>,
        after: usize,
        indent: usize,
        key_at: Position,
    ) -> R<Value> {
        let rest = line.body.get(after..).unwrap_or_default();
        let content = rest.trim_start_matches(' ');
        if !content.is_empty() && !content.starts_with('#') {
            let offset = line.body.len() - content.len();
            return self.inline_value(line, offset, indent, Some(key_at));
        }
        match self.peek()? {
            Some(next) if next.indent > indent => self.block_node(Some(key_at)),
            // a sequence may sit at its key's indentation, as kubectl writes them
            Some(next) if next.indent == indent && is_entry(next.body) => {
                self.block_sequence(indent, Some(key_at))
            }
            _ => self.nodes.leaf(key_at, Value::Null),
        }
    }

    /// A value that starts at byte `offset` of `line`, inside a block collection at `indent`
    fn inline_value(
        &mut self,
        line: &Line<'a>,
        offset: usize,
        indent: usize,
        recorded: Option<Position>,
    ) -> R<Value> {
        let content = line.body.get(offset..).unwrap_or_default();
        let at = recorded.unwrap_or_else(|| self.at(line, offset));
        let value = match content.as_bytes() {
            [b'"' | b'\'', ..] => {
                let (text, len) = quoted(content)?;
                comment_only(content.get(len..).unwrap_or_default())?;
                self.nodes.leaf(at, Value::String(text))?
            }
            [b'[' | b'{', ..] => {
                let mut flow = Flow {
                    body: line.body,
                    at: offset,
                };
                let value = self.flow_node(line, &mut flow, recorded)?;
                comment_only(line.body.get(flow.at..).unwrap_or_default())?;
                value
            }
            [b'|', ..] => return self.block_scalar(line, offset, indent, recorded, false),
            [b'>', ..] => return self.block_scalar(line, offset, indent, recorded, true),
            _ => {
                let text = plain(content)?;
                self.nodes.leaf(at, plain_value(text))?
            }
        };
        // A more indented line after a one-line value continues it (or is an error)
        if self.peek()?.is_some_and(|next| next.indent > indent) {
            return Err(Decline);
        }
        Ok(value)
    }

    /// A block scalar, literal (`|`, `|-`) or folded (`>`, `>-`), whose header is at byte
    /// `offset` of `line`
    fn block_scalar(
        &mut self,
        line: &Line<'a>,
        offset: usize,
        indent: usize,
        recorded: Option<Position>,
        folded: bool,
    ) -> R<Value> {
        let header = line.body.get(offset + 1..).unwrap_or_default();
        let (strip, rest) = match header.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, header),
        };
        // `+`, indentation indicators and text after the header are left to saphyr
        if !(rest.is_empty() || rest.starts_with(' ')) {
            return Err(Decline);
        }
        comment_only(rest)?;
        let mut text = String::new();
        let mut content_indent = None;
        let mut first_at = None;
        let mut blank_lines = 0usize;
        // whether the last content line was more indented than the content (never folded)
        let mut last_more_indented = None;
        loop {
            let (next, next_no) = (self.next, self.next_no);
            let Some((no, raw, terminated)) = self.next_raw() else {
                break;
            };
            let body = raw.trim_start_matches(' ');
            let spaces = raw.len() - body.len();
            if body.is_empty() {
                // leading blank lines and spaces past the indentation are left to saphyr
                match content_indent {
                    Some(ci) if spaces <= ci => blank_lines += 1,
                    _ => return Err(Decline),
                }
                continue;
            }
            let ci = match content_indent {
                Some(ci) => ci,
                None if spaces > indent => *content_indent.insert(spaces),
                None => return Err(Decline),
            };
            if spaces < ci {
                (self.next, self.next_no) = (next, next_no);
                break;
            }
            if !terminated {
                return Err(Decline);
            }
            let more_indented = spaces > ci;
            match last_more_indented {
                None => {}
                // folding: a line break between two lines at the content's indentation is a
                // space, or nothing when blank lines (kept as line breaks) come between
                Some(false) if folded && !more_indented => {
                    if blank_lines == 0 {
                        text.push(' ');
                    }
                    text.extend(std::iter::repeat_n('\n', blank_lines));
                }
                Some(_) => text.extend(std::iter::repeat_n('\n', blank_lines + 1)),
            }
            blank_lines = 0;
            last_more_indented = Some(more_indented);
            first_at.get_or_insert_with(|| pos(self.first_line + no + 1, ci + 1));
            text.push_str(raw.get(ci..).unwrap_or_default());
        }
        let first_at = first_at.ok_or(Decline)?;
        if !strip {
            text.push('\n');
        }
        let value = self
            .nodes
            .leaf(recorded.unwrap_or(first_at), Value::String(text))?;
        if self.peek()?.is_some_and(|next| next.indent > indent) {
            return Err(Decline);
        }
        Ok(value)
    }

    /// A flow collection or scalar at `flow.at`, all on one line; `flow.at` ends past it
    fn flow_node(
        &mut self,
        line: &Line<'a>,
        flow: &mut Flow<'a>,
        recorded: Option<Position>,
    ) -> R<Value> {
        flow.skip_spaces();
        let at = recorded.unwrap_or_else(|| self.at(line, flow.at));
        match flow.peek() {
            Some(b'[') => {
                let index = self.nodes.begin(at)?;
                self.nodes.enter()?;
                flow.bump();
                let mut items = Vec::new();
                if !flow.eat(b']') {
                    loop {
                        items.push(self.flow_node(line, flow, None)?);
                        if flow.eat(b']') {
                            break;
                        }
                        flow.expect_comma()?;
                    }
                }
                self.nodes.leave(index);
                Ok(Value::Array(items))
            }
            Some(b'{') => {
                let index = self.nodes.begin(at)?;
                self.nodes.enter()?;
                flow.bump();
                let mut map = Map::new();
                if !flow.eat(b'}') {
                    loop {
                        flow.skip_spaces();
                        let key_at = self.at(line, flow.at);
                        let key = flow.key()?;
                        let Entry::Vacant(slot) = map.entry(key) else {
                            return Err(Decline);
                        };
                        slot.insert(self.flow_node(line, flow, Some(key_at))?);
                        if flow.eat(b'}') {
                            break;
                        }
                        flow.expect_comma()?;
                    }
                }
                self.nodes.leave(index);
                Ok(Value::Object(map))
            }
            _ => {
                let value = flow.scalar()?;
                self.nodes.leaf(at, value)
            }
        }
    }
}

/// A cursor over a one-line flow collection
struct Flow<'a> {
    body: &'a str,
    /// Byte offset of the next unread character
    at: usize,
}

impl<'a> Flow<'a> {
    fn peek(&self) -> Option<u8> {
        self.body.as_bytes().get(self.at).copied()
    }

    fn bump(&mut self) {
        self.at += 1;
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.at += 1;
        }
    }

    /// Past spaces, the byte `byte` if it is next
    fn eat(&mut self, byte: u8) -> bool {
        self.skip_spaces();
        let found = self.peek() == Some(byte);
        if found {
            self.bump();
        }
        found
    }

    /// A `,` between entries; a trailing one is left to saphyr
    fn expect_comma(&mut self) -> R<()> {
        if !self.eat(b',') {
            return Err(Decline);
        }
        self.skip_spaces();
        if matches!(self.peek(), Some(b']' | b'}') | None) {
            return Err(Decline);
        }
        Ok(())
    }

    fn rest(&self) -> &'a str {
        self.body.get(self.at..).unwrap_or_default()
    }

    /// A quoted scalar, or a plain one up to the next flow indicator
    fn scalar(&mut self) -> R<Value> {
        let rest = self.rest();
        if rest.starts_with(['"', '\'']) {
            let (text, len) = quoted(rest)?;
            self.at += len;
            return Ok(Value::String(text));
        }
        let text = self.plain_text()?;
        Ok(plain_value(text))
    }

    /// A plain flow scalar's text, up to `,`, `]` or `}`. A `:` (a pair in a sequence, or a
    /// key's end), `#` and nested collections are left to saphyr.
    fn plain_text(&mut self) -> R<&'a str> {
        let rest = self.rest();
        let len = rest
            .bytes()
            .position(|b| matches!(b, b',' | b']' | b'}' | b':' | b'#' | b'[' | b'{'))
            .ok_or(Decline)?;
        let text = rest.get(..len).unwrap_or_default().trim_end_matches(' ');
        if text.is_empty() || starts_with_indicator(text) || rest.as_bytes().get(len) == Some(&b':')
        {
            return Err(Decline);
        }
        self.at += len;
        Ok(text)
    }

    /// A flow mapping's key and its `: `
    fn key(&mut self) -> R<String> {
        let rest = self.rest();
        let key = if rest.starts_with(['"', '\'']) {
            let (text, len) = quoted(rest)?;
            self.at += len;
            text
        } else {
            let len = rest
                .bytes()
                .position(|b| matches!(b, b',' | b']' | b'}' | b':' | b'#' | b'[' | b'{'))
                .ok_or(Decline)?;
            let text = rest.get(..len).unwrap_or_default();
            if text.is_empty() || text.ends_with(' ') || starts_with_indicator(text) || text == "<<"
            {
                return Err(Decline);
            }
            self.at += len;
            key_text(plain_value(text)).ok_or(Decline)?
        };
        if self.rest().starts_with(": ") {
            self.at += 1;
            Ok(key)
        } else {
            Err(Decline)
        }
    }
}

/// A block sequence entry: `-` alone or followed by a space
fn is_entry(body: &str) -> bool {
    body == "-" || body.starts_with("- ")
}

/// Whether a plain scalar would start with an indicator (YAML 1.2 `ns-plain-first`), or with
/// something the fast path leaves to saphyr
fn starts_with_indicator(text: &str) -> bool {
    match text.as_bytes() {
        [b'-' | b'?' | b':'] | [b'-' | b'?' | b':', b' ', ..] => true,
        [first, ..] => b",[]{}#&*!|>'\"%@`".contains(first),
        [] => true,
    }
}

/// A block mapping key, not yet resolved to its text
enum Key<'t> {
    Plain(&'t str),
    Quoted(String),
}

/// A block mapping key at the start of `body` and the byte after its `:`. `None` when the
/// line is not a key (a scalar); declined when it is a key the fast path does not read (a
/// merge key, a complex key).
fn find_key(body: &str) -> R<Option<(Key<'_>, usize)>> {
    if body.starts_with(['"', '\'']) {
        let (text, len) = quoted(body)?;
        let rest = body.get(len..).unwrap_or_default();
        return Ok(match rest.strip_prefix(':') {
            Some(after) if after.is_empty() || after.starts_with(' ') => {
                Some((Key::Quoted(text), len + 1))
            }
            _ => None,
        });
    }
    // a flow collection or a block scalar (a flow collection as a key is left to saphyr by
    // the value's reader, which finds text after it)
    if body.starts_with(['[', '{', '|']) {
        return Ok(None);
    }
    // the first `:` followed by a space or the line's end; a ` #` before it starts a comment
    let bytes = body.as_bytes();
    let mut colon = None;
    let mut previous = 0u8;
    for (i, &byte) in bytes.iter().enumerate() {
        match byte {
            b':' if matches!(bytes.get(i + 1), None | Some(b' ')) => {
                colon = Some(i);
                break;
            }
            b'#' if previous == b' ' => return Ok(None),
            _ => {}
        }
        previous = byte;
    }
    let Some(colon) = colon else {
        return Ok(None);
    };
    let key = body.get(..colon).unwrap_or_default();
    if key.is_empty() || key.ends_with(' ') || starts_with_indicator(key) || key == "<<" {
        return Err(Decline);
    }
    Ok(Some((Key::Plain(key), colon + 1)))
}

/// [`find_key`] with the key's text
fn split_key(body: &str) -> R<Option<(String, usize)>> {
    let Some((key, after)) = find_key(body)? else {
        return Ok(None);
    };
    let text = match key {
        Key::Plain(text) => key_text(plain_value(text)).ok_or(Decline)?,
        Key::Quoted(text) => text,
    };
    Ok(Some((text, after)))
}

/// A one-line block plain scalar's text: up to a comment, without trailing spaces. The
/// splitters here walk the bytes once: `str::contains` prepared a searcher per call and
/// memchr's set-up outweighed its search on text this short (3% of a scan between them).
fn plain(content: &str) -> R<&str> {
    let bytes = content.as_bytes();
    let mut end = bytes.len();
    let mut has_pair = false;
    let mut previous = 0u8;
    for (i, &byte) in bytes.iter().enumerate() {
        match byte {
            b'#' if previous == b' ' => {
                end = i - 1;
                break;
            }
            b':' if bytes.get(i + 1) == Some(&b' ') => has_pair = true,
            _ => {}
        }
        previous = byte;
    }
    let text = content.get(..end).unwrap_or_default().trim_end_matches(' ');
    if text.is_empty() || starts_with_indicator(text) || has_pair || text.ends_with(':') {
        return Err(Decline);
    }
    Ok(text)
}

/// YAML 1.2 core schema resolution of a plain scalar, as the saphyr path resolves it
fn plain_value(text: &str) -> Value {
    resolve_plain(text).unwrap_or_else(|| Value::String(text.to_owned()))
}

/// What may follow a value on its line: nothing, or a comment after a space
fn comment_only(rest: &str) -> R<()> {
    let trimmed = rest.trim_start_matches(' ');
    if trimmed.is_empty() || (trimmed.starts_with('#') && trimmed.len() < rest.len()) {
        Ok(())
    } else {
        Err(Decline)
    }
}

/// A quoted scalar that closes on its line: its text and its length in bytes, quotes included
fn quoted(text: &str) -> R<(String, usize)> {
    let bytes = text.as_bytes();
    match bytes.first() {
        Some(b'\'') => single_quoted(text),
        Some(b'"') => double_quoted(text),
        _ => Err(Decline),
    }
}

fn single_quoted(text: &str) -> R<(String, usize)> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut from = 1;
    loop {
        let quote =
            from + memchr::memchr(b'\'', bytes.get(from..).ok_or(Decline)?).ok_or(Decline)?;
        out.push_str(text.get(from..quote).ok_or(Decline)?);
        if bytes.get(quote + 1) == Some(&b'\'') {
            out.push('\'');
            from = quote + 2;
        } else {
            return Ok((out, quote + 1));
        }
    }
}

/// A double-quoted scalar that closes before any line break or other control character (a
/// multi-line one folds its line breaks, which is left to saphyr). The JSON reader's strings
/// too: a JSON string is a YAML double-quoted scalar.
pub(crate) fn double_quoted(text: &str) -> R<(String, usize)> {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'"') {
        return Err(Decline);
    }
    let mut out = String::new();
    let mut from = 1;
    loop {
        let stop = from
            + bytes
                .get(from..)
                .ok_or(Decline)?
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .ok_or(Decline)?;
        out.push_str(text.get(from..stop).ok_or(Decline)?);
        match bytes.get(stop) {
            Some(b'"') => return Ok((out, stop + 1)),
            Some(b'\\') => {
                let (decoded, len) = escape(text.get(stop + 1..).ok_or(Decline)?)?;
                out.push(decoded);
                from = stop + 1 + len;
            }
            _ => return Err(Decline),
        }
    }
}

/// A double-quoted scalar's escape (the text after the `\`): the character and the bytes read
fn escape(rest: &str) -> R<(char, usize)> {
    let simple = match rest.as_bytes().first().ok_or(Decline)? {
        b'0' => '\0',
        b'a' => '\u{7}',
        b'b' => '\u{8}',
        b't' => '\t',
        b'n' => '\n',
        b'v' => '\u{b}',
        b'f' => '\u{c}',
        b'r' => '\r',
        b'e' => '\u{1b}',
        b' ' => ' ',
        b'"' => '"',
        b'/' => '/',
        b'\\' => '\\',
        b'N' => '\u{85}',
        b'_' => '\u{a0}',
        b'L' => '\u{2028}',
        b'P' => '\u{2029}',
        b'x' => return hex_escape(rest, 2),
        b'u' => return hex_escape(rest, 4),
        b'U' => return hex_escape(rest, 8),
        _ => return Err(Decline),
    };
    Ok((simple, 1))
}

/// A `\x`, `\u` or `\U` escape of `digits` hex digits (the text after the `\`); a code point
/// that is not a character (a lone surrogate) is declined
fn hex_escape(rest: &str, digits: usize) -> R<(char, usize)> {
    let hex = rest.get(1..=digits).ok_or(Decline)?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Decline);
    }
    let code = u32::from_str_radix(hex, 16).map_err(|_| Decline)?;
    Ok((char::from_u32(code).ok_or(Decline)?, digits + 1))
}

#[cfg(test)]
mod tests;
