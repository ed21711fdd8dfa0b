//! JMESPath tokens (go-jmespath's lexer).

use super::JpError;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Unquoted(String),
    Quoted(String),
    Number(i64),
    Literal(Value),
    Dot,
    Star,
    Lbracket,
    Rbracket,
    Lbrace,
    Rbrace,
    Lparen,
    Rparen,
    Comma,
    Colon,
    Current,
    Expref,
    Pipe,
    Or,
    And,
    Not,
    Filter,
    Flatten,
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
    Eof,
}

impl Tok {
    /// Left binding power (go-jmespath `bindingPowers`)
    pub(crate) fn lbp(&self) -> u8 {
        match self {
            Tok::Pipe => 1,
            Tok::Or => 2,
            Tok::And => 3,
            Tok::Eq | Tok::Ne | Tok::Lt | Tok::Lte | Tok::Gt | Tok::Gte => 5,
            Tok::Flatten => 9,
            Tok::Star => 20,
            Tok::Filter => 21,
            Tok::Dot => 40,
            Tok::Not => 45,
            Tok::Lbrace => 50,
            Tok::Lbracket => 55,
            Tok::Lparen => 60,
            _ => 0,
        }
    }
}

/// Tokens with their byte offsets
pub(crate) fn tokenize(input: &str) -> Result<Vec<(Tok, usize)>, JpError> {
    let chars: Vec<(usize, char)> = input.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let syntax = |msg: String, offset: usize| JpError::Syntax {
        msg,
        offset,
        expression: input.to_owned(),
    };
    while i < chars.len() {
        let (pos, c) = chars[i];
        let peek = chars.get(i + 1).map(|x| x.1);
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                i += 1;
            }
            'a'..='z' | 'A'..='Z' | '_' => {
                let start = i;
                while i < chars.len() && (chars[i].1.is_ascii_alphanumeric() || chars[i].1 == '_') {
                    i += 1;
                }
                let s: String = chars[start..i].iter().map(|x| x.1).collect();
                out.push((Tok::Unquoted(s), pos));
            }
            '0'..='9' | '-' => {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i].1.is_ascii_digit() {
                    i += 1;
                }
                let s: String = chars[start..i].iter().map(|x| x.1).collect();
                let n: i64 = s
                    .parse()
                    .map_err(|_| syntax(format!("invalid number {s:?}"), pos))?;
                out.push((Tok::Number(n), pos));
            }
            '.' => {
                out.push((Tok::Dot, pos));
                i += 1;
            }
            '*' => {
                out.push((Tok::Star, pos));
                i += 1;
            }
            '[' => {
                if peek == Some(']') {
                    out.push((Tok::Flatten, pos));
                    i += 2;
                } else if peek == Some('?') {
                    out.push((Tok::Filter, pos));
                    i += 2;
                } else {
                    out.push((Tok::Lbracket, pos));
                    i += 1;
                }
            }
            ']' => {
                out.push((Tok::Rbracket, pos));
                i += 1;
            }
            '{' => {
                out.push((Tok::Lbrace, pos));
                i += 1;
            }
            '}' => {
                out.push((Tok::Rbrace, pos));
                i += 1;
            }
            '(' => {
                out.push((Tok::Lparen, pos));
                i += 1;
            }
            ')' => {
                out.push((Tok::Rparen, pos));
                i += 1;
            }
            ',' => {
                out.push((Tok::Comma, pos));
                i += 1;
            }
            ':' => {
                out.push((Tok::Colon, pos));
                i += 1;
            }
            '@' => {
                out.push((Tok::Current, pos));
                i += 1;
            }
            '|' => {
                if peek == Some('|') {
                    out.push((Tok::Or, pos));
                    i += 2;
                } else {
                    out.push((Tok::Pipe, pos));
                    i += 1;
                }
            }
            '&' => {
                if peek == Some('&') {
                    out.push((Tok::And, pos));
                    i += 2;
                } else {
                    out.push((Tok::Expref, pos));
                    i += 1;
                }
            }
            '!' => {
                if peek == Some('=') {
                    out.push((Tok::Ne, pos));
                    i += 2;
                } else {
                    out.push((Tok::Not, pos));
                    i += 1;
                }
            }
            '<' => {
                if peek == Some('=') {
                    out.push((Tok::Lte, pos));
                    i += 2;
                } else {
                    out.push((Tok::Lt, pos));
                    i += 1;
                }
            }
            '>' => {
                if peek == Some('=') {
                    out.push((Tok::Gte, pos));
                    i += 2;
                } else {
                    out.push((Tok::Gt, pos));
                    i += 1;
                }
            }
            '=' => {
                if peek == Some('=') {
                    out.push((Tok::Eq, pos));
                    i += 2;
                } else {
                    return Err(syntax("expected '==', received '='".to_owned(), pos));
                }
            }
            '"' => {
                let (s, next) = delimited(&chars, i, '"')
                    .ok_or_else(|| syntax("unclosed delimiter: \"".to_owned(), pos))?;
                let decoded: String = serde_json::from_str(&format!("\"{s}\""))
                    .map_err(|e| syntax(format!("invalid quoted identifier: {e}"), pos))?;
                out.push((Tok::Quoted(decoded), pos));
                i = next;
            }
            '\'' => {
                let (s, next) = delimited(&chars, i, '\'')
                    .ok_or_else(|| syntax("unclosed delimiter: '".to_owned(), pos))?;
                out.push((Tok::Literal(Value::String(s.replace("\\'", "'"))), pos));
                i = next;
            }
            '`' => {
                let (s, next) = delimited(&chars, i, '`')
                    .ok_or_else(|| syntax("unclosed delimiter: `".to_owned(), pos))?;
                let s = s.replace("\\`", "`");
                let v: Value = match serde_json::from_str(&s) {
                    Ok(v) => v,
                    // Legacy: an invalid JSON literal is a string
                    Err(_) => match serde_json::from_str(&format!("\"{s}\"")) {
                        Ok(v) => v,
                        Err(e) => return Err(syntax(format!("invalid JSON literal: {e}"), pos)),
                    },
                };
                out.push((Tok::Literal(crate::value::normalized(v)), pos));
                i = next;
            }
            other => {
                return Err(syntax(format!("unknown char: {other:?}"), pos));
            }
        }
    }
    out.push((Tok::Eof, input.len()));
    Ok(out)
}

/// The raw text between `delim`s starting at `start`, honouring backslash escapes; returns the
/// index after the closing delimiter
fn delimited(chars: &[(usize, char)], start: usize, delim: char) -> Option<(String, usize)> {
    let mut i = start + 1;
    let mut s = String::new();
    while i < chars.len() {
        let c = chars[i].1;
        if c == '\\' && i + 1 < chars.len() {
            s.push(c);
            s.push(chars[i + 1].1);
            i += 2;
            continue;
        }
        if c == delim {
            return Some((s, i + 1));
        }
        s.push(c);
        i += 1;
    }
    None
}
