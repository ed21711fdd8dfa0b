//! A fast reader for JSON documents (`kubectl get -o json`, JSON manifests).
//!
//! JSON is YAML 1.2, so saphyr reads it too, but through its general flow-collection scanner:
//! a JSON cluster dump scanned at less than half the speed of the same objects in YAML. This
//! reader takes JSON and builds exactly the values, positions and start the saphyr path gives
//! (numbers and keywords resolved as YAML plain scalars, strings read as YAML double-quoted
//! scalars, as saphyr reads them), and declines anything else — comments, tabs, carriage
//! returns, duplicate keys, surrogate escapes, trailing text — which saphyr then reads as
//! before. The differential tests in `block/tests.rs` hold it to that.

use crate::Position;
use crate::block::{Decline, Nodes, R, Read, double_quoted};
use crate::loader::{LoadLimits, pos, resolve_plain};
use serde_json::map::Entry;
use serde_json::{Map, Value};

/// Read one document piece holding a JSON object or array, or `None` when saphyr must read it
pub(crate) fn read(text: &str, first_line: usize, limits: &LoadLimits) -> Option<Read> {
    let bytes = text.as_bytes();
    let first = bytes.iter().position(|b| !matches!(b, b' ' | b'\n'))?;
    if !matches!(bytes.get(first), Some(b'{' | b'['))
        || memchr::memchr2(b'\t', b'\r', bytes).is_some()
    {
        return None;
    }
    let mut reader = Reader {
        text,
        at: 0,
        line: 0,
        line_start: 0,
        column: (0, 0),
        first_line,
        nodes: Nodes::new(limits),
    };
    let value = reader.document().ok()?;
    reader.nodes.read(value)
}

struct Reader<'a> {
    text: &'a str,
    /// Byte offset of the next unread byte
    at: usize,
    /// 0-based line of `at` within the piece, and the byte offset where that line starts
    line: usize,
    line_start: usize,
    /// A byte offset on the current line and its column in characters: columns are counted
    /// forward from the last one, so a minified document's one long line is walked once
    column: (usize, usize),
    first_line: usize,
    nodes: Nodes,
}

impl Reader<'_> {
    fn document(&mut self) -> R<Value> {
        let value = self.value(None)?;
        self.skip_space();
        if self.at < self.text.len() {
            return Err(Decline);
        }
        Ok(value)
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while let Some(byte) = self.peek() {
            match byte {
                b' ' => self.at += 1,
                b'\n' => {
                    self.at += 1;
                    self.line += 1;
                    self.line_start = self.at;
                    self.column = (self.at, 0);
                }
                _ => break,
            }
        }
    }

    /// Where the next byte is
    fn position(&mut self) -> Position {
        let (from, column) = self.column;
        let between = self.text.get(from..self.at).unwrap_or_default();
        let column = column
            + if between.is_ascii() {
                between.len()
            } else {
                between.chars().count()
            };
        self.column = (self.at, column);
        pos(self.first_line + self.line + 1, column + 1)
    }

    /// The byte `byte`, after white space
    fn expect(&mut self, byte: u8) -> R<()> {
        self.skip_space();
        if self.peek() != Some(byte) {
            return Err(Decline);
        }
        self.at += 1;
        Ok(())
    }

    /// A value; `recorded` is the position of the key it is the value of
    fn value(&mut self, recorded: Option<Position>) -> R<Value> {
        self.skip_space();
        let start = self.position();
        let at = recorded.unwrap_or(start);
        match self.peek().ok_or(Decline)? {
            b'{' => {
                let index = self.nodes.begin(at)?;
                self.nodes.enter()?;
                self.at += 1;
                let mut map = Map::new();
                self.skip_space();
                if self.peek() == Some(b'}') {
                    self.at += 1;
                } else {
                    loop {
                        self.skip_space();
                        let key_at = self.position();
                        let key = self.string()?;
                        self.expect(b':')?;
                        let Entry::Vacant(slot) = map.entry(key) else {
                            // the saphyr path reports the duplicate
                            return Err(Decline);
                        };
                        slot.insert(self.value(Some(key_at))?);
                        self.skip_space();
                        match self.peek() {
                            Some(b',') => self.at += 1,
                            Some(b'}') => {
                                self.at += 1;
                                break;
                            }
                            _ => return Err(Decline),
                        }
                    }
                }
                self.nodes.leave(index);
                Ok(Value::Object(map))
            }
            b'[' => {
                let index = self.nodes.begin(at)?;
                self.nodes.enter()?;
                self.at += 1;
                let mut items = Vec::new();
                self.skip_space();
                if self.peek() == Some(b']') {
                    self.at += 1;
                } else {
                    loop {
                        items.push(self.value(None)?);
                        self.skip_space();
                        match self.peek() {
                            Some(b',') => self.at += 1,
                            Some(b']') => {
                                self.at += 1;
                                break;
                            }
                            _ => return Err(Decline),
                        }
                    }
                }
                self.nodes.leave(index);
                Ok(Value::Array(items))
            }
            b'"' => {
                let text = self.string()?;
                self.nodes.leaf(at, Value::String(text))
            }
            _ => {
                // a number, `true`, `false` or `null`: a plain scalar to YAML, resolved as the
                // saphyr path resolves it. It must end where saphyr's plain scalar ends.
                let rest = self.text.get(self.at..).unwrap_or_default();
                let len = rest
                    .bytes()
                    .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.')))
                    .unwrap_or(rest.len());
                let word = rest.get(..len).unwrap_or_default();
                let ends = matches!(
                    rest.as_bytes().get(len),
                    None | Some(b' ' | b'\n' | b',' | b']' | b'}')
                );
                if !ends || !(matches!(word, "true" | "false" | "null") || is_json_number(word)) {
                    return Err(Decline);
                }
                self.at += len;
                let value = resolve_plain(word).unwrap_or_else(|| Value::String(word.to_owned()));
                self.nodes.leaf(at, value)
            }
        }
    }

    /// A JSON string on one line, its escapes decoded
    fn string(&mut self) -> R<String> {
        let (text, len) = double_quoted(self.text.get(self.at..).unwrap_or_default())?;
        self.at += len;
        Ok(text)
    }
}

/// JSON's number syntax: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`
fn is_json_number(word: &str) -> bool {
    fn digits(s: &[u8]) -> usize {
        s.iter().take_while(|b| b.is_ascii_digit()).count()
    }
    let mut s = word.as_bytes();
    if let [b'-', rest @ ..] = s {
        s = rest;
    }
    let int = digits(s);
    if int == 0 || (int > 1 && s.first() == Some(&b'0')) {
        return false;
    }
    s = s.get(int..).unwrap_or_default();
    if let [b'.', rest @ ..] = s {
        let frac = digits(rest);
        if frac == 0 {
            return false;
        }
        s = rest.get(frac..).unwrap_or_default();
    }
    if let [b'e' | b'E', rest @ ..] = s {
        let rest = match rest {
            [b'-' | b'+', rest @ ..] => rest,
            rest => rest,
        };
        let exp = digits(rest);
        if exp == 0 {
            return false;
        }
        s = rest.get(exp..).unwrap_or_default();
    }
    s.is_empty()
}
