//! YAML output: the JSON document (see `json.rs`) as block-style YAML, and the small emitter the
//! PolicyReport output shares.
//!
//! The emitter writes block mappings and sequences, `{}`/`[]` for empty collections, and plain
//! scalars only when no YAML 1.1 or 1.2 reader could take them for anything but the same string;
//! every other string is double-quoted with escapes. Numbers, booleans and null are written as
//! in JSON, which the YAML 1.2 core schema reads back unchanged.
//!
//! The report is written through [`crate::FindingStream`]: `version` and the `findings:` key,
//! one list item per finding ([`write_item`]) as they come, then the rest of the document, the
//! same text [`to_yaml`] makes of the whole document.

use serde_json::{Map, Value};

/// `value` as an item of a block sequence at the left margin (`- …`), ending with a newline
pub(crate) fn write_item(out: &mut String, value: &Value) {
    write_seq(out, std::slice::from_ref(value), 0, false);
}

/// `value` as one YAML document (no `---` marker), ending with a newline
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => write_map(&mut out, m, 0, false),
        Value::Array(a) if !a.is_empty() => write_seq(&mut out, a, 0, false),
        scalar => {
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
    out
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Entries at `indent`; with `inline_first` the first entry continues the current line (after
/// a `- `)
fn write_map(out: &mut String, m: &Map<String, Value>, indent: usize, inline_first: bool) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 || !inline_first {
            pad(out, indent);
        }
        out.push_str(&string_text(k));
        out.push(':');
        match v {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                write_map(out, inner, indent + 2, false);
            }
            // Kubernetes style: a sequence under a key is not indented further
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                write_seq(out, items, indent, false);
            }
            scalar => {
                out.push(' ');
                out.push_str(&scalar_text(scalar));
                out.push('\n');
            }
        }
    }
}

fn write_seq(out: &mut String, items: &[Value], indent: usize, inline_first: bool) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !inline_first {
            pad(out, indent);
        }
        out.push_str("- ");
        match item {
            Value::Object(m) if !m.is_empty() => write_map(out, m, indent + 2, true),
            Value::Array(inner) if !inner.is_empty() => write_seq(out, inner, indent + 2, true),
            scalar => {
                out.push_str(&scalar_text(scalar));
                out.push('\n');
            }
        }
    }
}

/// A scalar (or empty collection) in flow form
fn scalar_text(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string_text(s),
        Value::Array(_) => "[]".to_owned(),
        Value::Object(_) => "{}".to_owned(),
    }
}

/// A string, plain when that is unambiguous, else double-quoted
pub(crate) fn string_text(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_owned()
    } else {
        quoted(s)
    }
}

/// Words some YAML reader (1.1 or 1.2) resolves to something other than a string
const RESERVED: [&str; 11] = [
    "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n", "=",
];

fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    // no indicator, quote, number/date/.inf start, or leading space
    if !(first.is_alphabetic() || matches!(first, '_' | '/' | '(' | '$' | '^' | '<' | '=')) {
        return false;
    }
    if RESERVED.contains(&s.to_ascii_lowercase().as_str()) || s == "<<" {
        return false;
    }
    s.chars()
        .all(|c| c == ' ' || c.is_ascii_graphic() || (!c.is_ascii() && c.is_alphanumeric()))
        && !s.ends_with([' ', ':'])
        && !s.contains(": ")
        && !s.contains(" #")
}

/// YAML double-quoted scalar
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{85}' => out.push_str("\\N"),
            '\u{a0}' => out.push_str("\\_"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            '\u{feff}' => out.push_str("\\uFEFF"),
            c if c.is_control() => out.push_str(&format!("\\x{:02X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Fixture;
    use palisade_source::{LoadLimits, SourceFile, load_str};
    use serde_json::json;

    /// Parse YAML text back with the project's own loader
    pub(crate) fn reparse(text: &str) -> Vec<Value> {
        let file = SourceFile::new("out.yaml", text);
        let (docs, diags) = load_str(&file, &LoadLimits::default());
        assert!(diags.is_empty(), "{diags:?}\n{text}");
        docs.into_iter().map(|d| d.value).collect()
    }

    fn render(report: &crate::ScanReport<'_>) -> String {
        crate::testutil::rendered(crate::Format::Yaml, report)
    }

    #[test]
    fn report_round_trips_through_the_loader() {
        let fx = Fixture::new();
        for report in [fx.report(), fx.clean_report()] {
            let text = render(&report);
            let docs = reparse(&text);
            assert_eq!(docs, vec![crate::json::document(&report)], "{text}");
            // the streamed text is what the whole-document emitter makes of the document
            assert_eq!(text, to_yaml(&crate::json::document(&report)));
        }
    }

    #[test]
    fn layout_is_block_style() {
        let v = json!({
            "a": 1, "b": [1, {"c": "x", "d": []}, [true, null]], "e": {}, "f": {"g": "h"},
        });
        assert_eq!(
            to_yaml(&v),
            "a: 1\nb:\n- 1\n- c: x\n  d: []\n- - true\n  - null\ne: {}\nf:\n  g: h\n"
        );
        assert_eq!(to_yaml(&json!("x")), "x\n");
        assert_eq!(to_yaml(&json!([])), "[]\n");
    }

    #[test]
    fn strings_that_need_quotes_get_them() {
        for (s, want) in [
            ("plain text", "plain text"),
            ("apps/v1", "apps/v1"),
            ("cis-1.12:5.2.2", "cis-1.12:5.2.2"),
            ("", "\"\""),
            ("true", "\"true\""),
            ("No", "\"No\""),
            ("~", "\"~\""),
            ("<<", "\"<<\""),
            ("12", "\"12\""),
            ("1.5", "\"1.5\""),
            ("5.2.2", "\"5.2.2\""),
            (".inf", "\".inf\""),
            ("-x", "\"-x\""),
            ("- x", "\"- x\""),
            ("a: b", "\"a: b\""),
            ("a #b", "\"a #b\""),
            ("key:", "\"key:\""),
            ("*ref", "\"*ref\""),
            ("`tick`", "\"`tick`\""),
            ("trailing ", "\"trailing \""),
            ("line\nbreak", "\"line\\nbreak\""),
            ("say \"hi\" \\o/", "say \"hi\" \\o/"),
            ("\"hi\"", "\"\\\"hi\\\"\""),
            ("bell\x07", "\"bell\\x07\""),
            ("é accent", "é accent"),
        ] {
            assert_eq!(string_text(s), want, "{s:?}");
        }
    }

    #[test]
    fn tricky_strings_round_trip() {
        let tricky = [
            "",
            " ",
            "null",
            "NULL",
            "True",
            "off",
            "y",
            "0x1F",
            "0o17",
            "1e3",
            "+1",
            "-1",
            ".5",
            "2024-01-01",
            "a: b",
            "a:b",
            "#c",
            "x #c",
            "[a]",
            "{a}",
            "a, b",
            "&a",
            "!tag",
            "%p",
            "@x",
            "|",
            ">",
            "'s'",
            "\"d\"",
            "tab\there",
            "cr\r",
            "nl\n",
            "\u{85}\u{2028}\u{a0}",
            "\u{feff}bom",
            "del\x7f",
            "emoji 🚀",
            "---",
            "...",
            "? q",
            "<<",
            "=",
            "a\\b",
            "ends:",
            "ns dir/file.yaml",
        ];
        let mut map = Map::new();
        for (i, s) in tricky.iter().enumerate() {
            map.insert((*s).to_owned(), json!(i));
        }
        let v = json!({"values": tricky.to_vec(), "keys": map, "n": [0, -3, 2.5, 1e-7, 18446744073709551615u64]});
        let text = to_yaml(&v);
        assert_eq!(reparse(&text), vec![v], "{text}");
    }
}
