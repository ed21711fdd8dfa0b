//! Desugaring of the legacy multi-body rule form before Rego reaches regorus.
//!
//! Rego v0 accepts one head followed by several bodies:
//!
//! ```rego
//! allowed(user) { user == "admin" } { startswith(user, "system:") }
//! ```
//!
//! OPA's parser turns each extra body into a separate rule that copies the head, so the form
//! means exactly `allowed(user) { … }` plus `allowed(user) { … }`: an OR for complete and
//! function rules, a union for partial set/object rules. regorus does not parse the form (it
//! reads the second `{` as a misplaced `else`), and at least one Gatekeeper library template
//! uses it, so we apply the same desugaring textually: the head is copied in front of every
//! extra body. The head is inserted on the line of the body it belongs to, so line numbers in
//! compiler and evaluation errors still point at the user's text.
//!
//! Only a `{` that directly follows the closing `}` of a rule *body* is rewritten. A `{` after
//! the closing `}` of an object/set value (`p = {"a": 1} { … }`) opens that rule's first body
//! and is left alone; everything inside bodies, strings and comments is ignored. Text without
//! the form is returned unchanged.

use std::borrow::Cow;

/// The previous significant token at nesting depth 0, as far as the rewrite cares
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prev {
    None,
    /// `=`, `:=` or a binary operator: a following `{` starts a value
    Operator,
    /// `}` that closed a rule body
    BodyClose,
    /// Any other token (identifier, literal, `)`, `]`, `}` of a value, …)
    Other,
}

/// Copy the head of every multi-body rule in front of its extra bodies. Returns the source
/// unchanged (borrowed) when it has none.
pub fn desugar_multi_body_rules(src: &str) -> Cow<'_, str> {
    let inserts = find_inserts(src);
    if inserts.is_empty() {
        return Cow::Borrowed(src);
    }
    let mut out =
        String::with_capacity(src.len() + inserts.iter().map(|(_, h)| h.len() + 1).sum::<usize>());
    let mut last = 0;
    for (pos, head) in &inserts {
        out.push_str(src.get(last..*pos).unwrap_or_default());
        out.push_str(head);
        out.push(' ');
        last = *pos;
    }
    out.push_str(src.get(last..).unwrap_or_default());
    Cow::Owned(out)
}

/// Byte positions of extra-body `{`s and the head text to insert before each
fn find_inserts(src: &str) -> Vec<(usize, String)> {
    let bytes = src.as_bytes();
    let mut inserts = Vec::new();
    // open brackets; for `{` at depth 0 whether it opened a rule body
    let mut stack: Vec<(u8, bool)> = Vec::new();
    let mut prev = Prev::None;
    let mut newline_since_token = true;
    let mut statement_start: Option<usize> = None;
    let mut first_body_open: Option<usize> = None;
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'\n' => {
                newline_since_token = true;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                while bytes.get(i).is_some_and(|b| *b != b'\n') {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        let depth0 = stack.is_empty();
        let start = i;
        // statement boundaries only matter at depth 0
        if depth0
            && newline_since_token
            && c != b'{'
            && !matches!(prev, Prev::Operator)
            && !starts_word(bytes, i, b"else")
            && !is_operator_start(c)
        {
            statement_start = Some(start);
            first_body_open = None;
        }
        newline_since_token = false;
        match c {
            b'"' => {
                i = skip_string(bytes, i);
                prev = Prev::Other;
            }
            b'`' => {
                i += 1;
                while bytes.get(i).is_some_and(|b| *b != b'`') {
                    i += 1;
                }
                i += 1;
                prev = Prev::Other;
            }
            b'{' => {
                let is_body = depth0 && !matches!(prev, Prev::Operator | Prev::None);
                if depth0 && is_body {
                    if prev == Prev::BodyClose {
                        if let (Some(s), Some(b)) = (statement_start, first_body_open) {
                            let head = src.get(s..b).unwrap_or_default().trim_end();
                            if !head.is_empty() {
                                inserts.push((start, head.to_owned()));
                            }
                        }
                    } else if first_body_open.is_none() {
                        first_body_open = Some(start);
                    }
                }
                stack.push((c, is_body));
                i += 1;
                prev = Prev::Other;
            }
            b'(' | b'[' => {
                stack.push((c, false));
                i += 1;
                prev = Prev::Other;
            }
            b'}' | b')' | b']' => {
                let closed = stack.pop();
                i += 1;
                prev = match closed {
                    Some((b'{', true)) if stack.is_empty() => Prev::BodyClose,
                    _ => Prev::Other,
                };
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                while bytes
                    .get(i)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
                {
                    i += 1;
                }
                prev = Prev::Other;
            }
            b',' | b';' | b'.' => {
                i += 1;
                prev = Prev::Other;
            }
            _ => {
                // operators, `=` and `:=` included
                i += 1;
                prev = Prev::Operator;
            }
        }
    }
    inserts
}

fn starts_word(bytes: &[u8], i: usize, word: &[u8]) -> bool {
    bytes.get(i..i + word.len()) == Some(word)
        && !bytes
            .get(i + word.len())
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

fn is_operator_start(c: u8) -> bool {
    matches!(
        c,
        b'=' | b':' | b'|' | b'&' | b'+' | b'-' | b'*' | b'/' | b'%' | b'<' | b'>' | b'!'
    )
}

/// Index just past the string literal starting at `i` (a `"`)
fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    i += 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'\n' => return i,
            _ => i += 1,
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_ordinary_rules_alone() {
        let src = "package x\n\nimport data.lib.y\n\np[x] {\n  x := {\"a\": 1}\n}\n\nq = {\"a\": 1} { true }\n\nr(v) = m {\n  m := v\n} else = \"none\" {\n  true\n}\n";
        assert!(matches!(desugar_multi_body_rules(src), Cow::Borrowed(_)));
    }

    #[test]
    fn copies_the_head_in_front_of_each_extra_body() {
        let src = "package x\n\nallowed(u, users, groups) {\n  users[_] == u.name\n} {\n  # second body\n  groups[_] == u.group\n}\n{\n  u.admin\n}\n";
        let out = desugar_multi_body_rules(src);
        assert_eq!(
            out,
            "package x\n\nallowed(u, users, groups) {\n  users[_] == u.name\n} allowed(u, users, groups) {\n  # second body\n  groups[_] == u.group\n}\nallowed(u, users, groups) {\n  u.admin\n}\n"
        );
        // line count is unchanged
        assert_eq!(out.lines().count(), src.lines().count());
    }

    #[test]
    fn handles_partial_sets_values_strings_and_comments() {
        let src = "package x\np[v] = {\"k\": \"}{\"} { v := 1 } { v := 2 } # } {\ns := `raw } {`\n";
        let out = desugar_multi_body_rules(src);
        assert_eq!(
            out,
            "package x\np[v] = {\"k\": \"}{\"} { v := 1 } p[v] = {\"k\": \"}{\"} { v := 2 } # } {\ns := `raw } {`\n"
        );
    }

    #[test]
    fn desugared_policy_evaluates_like_opa() {
        let src = "package t\n\nnames[x] {\n  x := input.a\n} {\n  x := input.b\n}\n\nany_admin {\n  input.a == \"admin\"\n} {\n  input.b == \"admin\"\n}\n";
        let mut engine = regorus::Engine::new();
        engine.set_rego_v0(true);
        // regorus rejects the original form …
        assert!(engine.add_policy("t.rego".into(), src.into()).is_err());
        // … and accepts the desugared one with OPA's meaning
        let mut engine = regorus::Engine::new();
        engine.set_rego_v0(true);
        engine
            .add_policy("t.rego".into(), desugar_multi_body_rules(src).into_owned())
            .unwrap();
        engine.set_input(regorus::Value::from_json_str(r#"{"a": "dev", "b": "admin"}"#).unwrap());
        let names = engine.eval_rule("data.t.names".into()).unwrap();
        assert_eq!(
            names.to_json_str().unwrap().replace([' ', '\n'], ""),
            r#"["admin","dev"]"#
        );
        let admin = engine.eval_rule("data.t.any_admin".into()).unwrap();
        assert_eq!(admin, regorus::Value::from(true));
    }
}
