//! Message helpers that reproduce upstream's wording byte for byte.

use std::fmt::Write as _;

/// `singular` for exactly one, `plural` otherwise (upstream `pluralize`)
pub(crate) fn pluralize(
    singular: &'static str,
    plural: &'static str,
    count: usize,
) -> &'static str {
    if count == 1 { singular } else { plural }
}

/// `"a", "b"` — items wrapped in double quotes without escaping; empty for no items
/// (upstream `joinQuote`)
pub(crate) fn join_quote<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let mut out = String::new();
    for (i, item) in items.into_iter().enumerate() {
        out.push_str(if i == 0 { "\"" } else { "\", \"" });
        out.push_str(item.as_ref());
    }
    if !out.is_empty() {
        out.push('"');
    }
    out
}

/// `container "a"` / `containers "a", "b"`
pub(crate) fn containers_phrase(names: &[&str]) -> String {
    format!(
        "{} {}",
        pluralize("container", "containers", names.len()),
        join_quote(names)
    )
}

/// Go's `%q` for a string: double-quoted with Go escapes, so annotation values in messages read
/// exactly like upstream's
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let code = c as u32;
                if code > 0xffff {
                    let _ = write!(out, "\\U{code:08x}");
                } else {
                    let _ = write!(out, "\\u{code:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(join_quote(Vec::<&str>::new()), "");
        assert_eq!(join_quote(["a"]), r#""a""#);
        assert_eq!(join_quote(["a", "b"]), r#""a", "b""#);
        assert_eq!(go_quote("unconfined"), r#""unconfined""#);
        assert_eq!(go_quote("a\"b\\c\n\u{1}"), r#""a\"b\\c\n\x01""#);
        assert_eq!(containers_phrase(&["x"]), r#"container "x""#);
        assert_eq!(containers_phrase(&["x", "y"]), r#"containers "x", "y""#);
        assert_eq!(pluralize("uses", "use", 2), "use");
    }
}
