//! The `location` / `subPath` syntax of Gatekeeper mutators (`pkg/mutation/path`).
//!
//! A path is a dot-separated list of field names, each optionally followed by one keyed-list
//! selector: `spec.containers[name: *].securityContext.privileged`, `spec.volumes[name: tmp]`.
//! Field names are runs of `[A-Za-z0-9_-]` or quoted strings (`"…"` or `'…'`, with `\` escaping
//! the next character), so `metadata.labels."app.kubernetes.io/name"` names one key. A selector
//! is `[key: value]` or `[key: *]` (a glob over every element). Whitespace between tokens is
//! ignored. Gatekeeper's grammar has no bare `*` field and no two selectors in a row.

use std::fmt;

/// One step of a path
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A field of an object
    Field(String),
    /// A keyed-list selector: elements whose `key` field equals `value`; `value: None` is the
    /// glob `[key: *]`
    List {
        /// The element field compared, e.g. `name`
        key: String,
        /// The value it must have; `None` for the glob
        value: Option<String>,
    },
}

impl Node {
    /// Is this a keyed-list selector?
    pub fn is_list(&self) -> bool {
        matches!(self, Self::List { .. })
    }
}

/// A parsed location
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Path {
    /// The steps, root first
    pub nodes: Vec<Node>,
}

/// Why a location does not parse; `at` is the byte offset in the location
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at byte {at}: {message}")]
pub struct PathError {
    /// Byte offset of the offending token
    pub at: usize,
    /// What was expected
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    Dot,
    LBracket,
    RBracket,
    Colon,
    Glob,
    Eof,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ident(s) => write!(f, "`{s}`"),
            Self::Dot => f.write_str("`.`"),
            Self::LBracket => f.write_str("`[`"),
            Self::RBracket => f.write_str("`]`"),
            Self::Colon => f.write_str("`:`"),
            Self::Glob => f.write_str("`*`"),
            Self::Eof => f.write_str("end of input"),
        }
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Split a location into tokens with their byte offsets
fn tokenize(input: &str) -> Result<Vec<(usize, Token)>, PathError> {
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(at, c)) = chars.peek() {
        let single = match c {
            ' ' | '\t' | '\r' | '\n' => {
                chars.next();
                continue;
            }
            '.' => Some(Token::Dot),
            '[' => Some(Token::LBracket),
            ']' => Some(Token::RBracket),
            ':' => Some(Token::Colon),
            '*' => Some(Token::Glob),
            _ => None,
        };
        if let Some(t) = single {
            chars.next();
            tokens.push((at, t));
            continue;
        }
        if c == '"' || c == '\'' {
            chars.next();
            let mut text = String::new();
            let mut closed = false;
            while let Some((_, ch)) = chars.next() {
                if ch == c {
                    closed = true;
                    break;
                }
                if ch == '\\' {
                    if let Some((_, escaped)) = chars.next() {
                        text.push(escaped);
                    }
                    continue;
                }
                text.push(ch);
            }
            if !closed {
                return Err(PathError {
                    at,
                    message: "unterminated quoted string".into(),
                });
            }
            tokens.push((at, Token::Ident(text)));
            continue;
        }
        if is_ident_char(c) {
            let mut text = String::new();
            while let Some(&(_, ch)) = chars.peek() {
                if !is_ident_char(ch) {
                    break;
                }
                text.push(ch);
                chars.next();
            }
            tokens.push((at, Token::Ident(text)));
            continue;
        }
        return Err(PathError {
            at,
            message: format!("invalid character `{c}`"),
        });
    }
    tokens.push((input.len(), Token::Eof));
    Ok(tokens)
}

impl Path {
    /// Parse a location. The empty string parses to an empty path (the mutators reject it).
    pub fn parse(input: &str) -> Result<Self, PathError> {
        let tokens = tokenize(input)?;
        let mut pos = 0;
        let mut next = || {
            let t = tokens
                .get(pos)
                .cloned()
                .unwrap_or((input.len(), Token::Eof));
            pos += 1;
            t
        };
        let err = |at: usize, message: String| PathError { at, message };
        let mut nodes = Vec::new();
        let mut tok = next();
        if tok.1 == Token::Eof {
            return Ok(Self { nodes });
        }
        loop {
            let Token::Ident(field) = tok.1 else {
                return Err(err(tok.0, format!("expected a field name, got {}", tok.1)));
            };
            nodes.push(Node::Field(field));
            tok = next();
            if tok.1 == Token::LBracket {
                let (at, key) = next();
                let Token::Ident(key) = key else {
                    return Err(err(
                        at,
                        format!("expected the key field of a list selector, got {key}"),
                    ));
                };
                let (at, colon) = next();
                if colon != Token::Colon {
                    return Err(err(
                        at,
                        format!("expected `:` after the key field `{key}`, got {colon}"),
                    ));
                }
                let (at, value) = next();
                let value = match value {
                    Token::Glob => None,
                    Token::Ident(v) => Some(v),
                    other => {
                        return Err(err(
                            at,
                            format!(
                                "expected a key value or `*` in the list selector, got {other}"
                            ),
                        ));
                    }
                };
                let (at, close) = next();
                if close != Token::RBracket {
                    return Err(err(
                        at,
                        format!("expected `]` to close the list selector, got {close}"),
                    ));
                }
                nodes.push(Node::List { key, value });
                tok = next();
            }
            match tok.1 {
                Token::Eof => return Ok(Self { nodes }),
                Token::Dot => {
                    tok = next();
                    if tok.1 == Token::Eof {
                        return Err(err(tok.0, "a trailing `.` is not allowed".into()));
                    }
                }
                other => {
                    return Err(err(tok.0, format!("expected `.` or the end, got {other}")));
                }
            }
        }
    }

    /// Is `self` a prefix of `other` (node by node)?
    pub fn is_prefix_of(&self, other: &Path) -> bool {
        self.nodes.len() <= other.nodes.len()
            && self.nodes.iter().zip(&other.nodes).all(|(a, b)| a == b)
    }

    /// The last node
    pub fn last(&self) -> Option<&Node> {
        self.nodes.last()
    }
}

/// Quote a field name when it is not a plain identifier
fn write_ident(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    if !s.is_empty() && s.chars().all(is_ident_char) {
        f.write_str(s)
    } else {
        f.write_str("\"")?;
        for c in s.chars() {
            if c == '"' || c == '\\' {
                f.write_str("\\")?;
            }
            write!(f, "{c}")?;
        }
        f.write_str("\"")
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, node) in self.nodes.iter().enumerate() {
            match node {
                Node::Field(name) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    write_ident(f, name)?;
                }
                Node::List { key, value } => {
                    f.write_str("[")?;
                    write_ident(f, key)?;
                    f.write_str(": ")?;
                    match value {
                        Some(v) => write_ident(f, v)?,
                        None => f.write_str("*")?,
                    }
                    f.write_str("]")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]
    use super::*;

    fn field(s: &str) -> Node {
        Node::Field(s.into())
    }

    #[test]
    fn parses_fields_lists_globs_and_quotes() {
        let p = Path::parse("spec.containers[name: *].securityContext.privileged").unwrap();
        assert_eq!(
            p.nodes,
            vec![
                field("spec"),
                field("containers"),
                Node::List {
                    key: "name".into(),
                    value: None
                },
                field("securityContext"),
                field("privileged"),
            ]
        );
        let p = Path::parse(r#"metadata.labels."app.kubernetes.io/name""#).unwrap();
        assert_eq!(p.nodes[2], field("app.kubernetes.io/name"));
        let p = Path::parse("spec.volumes[ name : 'my vol' ].emptyDir").unwrap();
        assert_eq!(
            p.nodes[2],
            Node::List {
                key: "name".into(),
                value: Some("my vol".into())
            }
        );
        let p = Path::parse(r#"a."x\"y""#).unwrap();
        assert_eq!(p.nodes[1], field("x\"y"));
        assert_eq!(Path::parse("").unwrap().nodes, vec![]);
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "spec.containers[name: *].image",
            "spec.volumes[name: tmp]",
            r#"metadata.annotations."example.com/owner""#,
        ] {
            let p = Path::parse(s).unwrap();
            assert_eq!(p.to_string(), s);
            assert_eq!(Path::parse(&p.to_string()).unwrap(), p);
        }
    }

    #[test]
    fn rejects_malformed_locations() {
        for bad in [
            "spec.",
            ".spec",
            "spec..x",
            "spec[name: a][name: b]",
            "spec[name]",
            "spec[name: ]",
            "spec[: a]",
            "spec[name: a",
            "spec.*",
            "spec/x",
            "\"open",
            "[name: a]",
            "spec x",
        ] {
            assert!(Path::parse(bad).is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn prefixes() {
        let loc = Path::parse("spec.containers[name: a].image").unwrap();
        assert!(Path::parse("spec.containers").unwrap().is_prefix_of(&loc));
        assert!(
            Path::parse("spec.containers[name: a]")
                .unwrap()
                .is_prefix_of(&loc)
        );
        assert!(
            !Path::parse("spec.containers[name: b]")
                .unwrap()
                .is_prefix_of(&loc)
        );
    }
}
