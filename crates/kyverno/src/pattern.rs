//! Scalar pattern matching (`pkg/engine/pattern`): operators, ranges, `|` / `&`, durations,
//! quantities and wildcards in pattern values.

use crate::duration;
use crate::quantity::Quantity;
use crate::wildcard;
use regex::Regex;
use serde_json::Value;
use std::cmp::Ordering;
use std::sync::OnceLock;

/// Operator prefix of a string pattern
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// no prefix
    Equal,
    /// `>=`
    MoreEqual,
    /// `<=`
    LessEqual,
    /// `!`
    NotEqual,
    /// `>`
    More,
    /// `<`
    Less,
    /// `a-b`
    InRange,
    /// `a!-b`
    NotInRange,
}

fn range_re(not: bool) -> Option<&'static Regex> {
    static IN: OnceLock<Option<Regex>> = OnceLock::new();
    static NOT_IN: OnceLock<Option<Regex>> = OnceLock::new();
    let num = r"[-+]?\d+(?:\.\d+)?[A-Za-z]*";
    if not {
        NOT_IN
            .get_or_init(|| Regex::new(&format!("^({num})!-({num})$")).ok())
            .as_ref()
    } else {
        IN.get_or_init(|| Regex::new(&format!("^({num})-({num})$")).ok())
            .as_ref()
    }
}

impl Operator {
    /// `GetOperatorFromStringPattern`
    pub fn from_pattern(p: &str) -> Self {
        if p.len() < 2 {
            return Self::Equal;
        }
        if p.starts_with(">=") {
            return Self::MoreEqual;
        }
        if p.starts_with("<=") {
            return Self::LessEqual;
        }
        if p.starts_with('>') {
            return Self::More;
        }
        if p.starts_with('<') {
            return Self::Less;
        }
        if p.starts_with('!') {
            return Self::NotEqual;
        }
        if range_re(true).is_some_and(|r| r.is_match(p)) {
            return Self::NotInRange;
        }
        if range_re(false).is_some_and(|r| r.is_match(p)) {
            return Self::InRange;
        }
        Self::Equal
    }

    /// The textual prefix
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Equal | Self::InRange | Self::NotInRange => "",
            Self::MoreEqual => ">=",
            Self::LessEqual => "<=",
            Self::NotEqual => "!",
            Self::More => ">",
            Self::Less => "<",
        }
    }
}

/// `pattern.Validate`: does a resource value satisfy a scalar (or map) pattern
pub fn validate(value: &Value, pattern: &Value) -> bool {
    ScalarPattern::new(pattern).matches(value)
}

/// A scalar pattern parsed once: a policy's patterns are matched against every resource, and
/// a string pattern's operators, ranges, durations and quantities do not change between them
#[derive(Debug, Clone)]
pub enum ScalarPattern {
    /// `true` / `false`: the same boolean
    Bool(bool),
    /// A number: numbers and numeric strings of the same value
    Number(f64),
    /// `null`: the zero value of any scalar type
    Null,
    /// A map: any map
    Object,
    /// A list: nothing
    Array,
    /// A string: itself, or any `|`-separated alternative whose `&`-separated conditions all hold
    String {
        /// The whole pattern (a resource string equal to it matches before any parsing)
        whole: String,
        /// Alternatives of conditions
        any_of: Vec<Vec<Condition>>,
    },
}

impl ScalarPattern {
    /// Parse a pattern value
    pub fn new(pattern: &Value) -> Self {
        match pattern {
            Value::Bool(p) => Self::Bool(*p),
            Value::Number(p) => Self::Number(p.as_f64().unwrap_or(0.0)),
            Value::Null => Self::Null,
            Value::Object(_) => Self::Object,
            Value::Array(_) => Self::Array,
            Value::String(p) => Self::String {
                whole: p.clone(),
                any_of: p
                    .split('|')
                    .map(|alternative| {
                        alternative
                            .trim_matches(' ')
                            .split('&')
                            .map(|c| Condition::new(c.trim_matches(' ')))
                            .collect()
                    })
                    .collect(),
            },
        }
    }

    /// Does a resource value satisfy the pattern
    pub fn matches(&self, value: &Value) -> bool {
        match self {
            Self::Bool(p) => value.as_bool() == Some(*p),
            Self::Number(p) => match value {
                Value::Number(v) => v.as_f64() == Some(*p),
                Value::String(s) => go_parse_float(s) == Some(*p),
                _ => false,
            },
            Self::Null => match value {
                Value::Number(n) => n.as_f64() == Some(0.0),
                Value::String(s) => s.is_empty(),
                Value::Bool(b) => !b,
                Value::Null => true,
                _ => false,
            },
            Self::Object => value.is_object(),
            Self::Array => false,
            Self::String { whole, any_of } => {
                if let Value::String(s) = value
                    && s == whole
                {
                    return true;
                }
                any_of
                    .iter()
                    .any(|all| all.iter().all(|c| c.matches(value)))
            }
        }
    }
}

/// One condition of a string pattern (`>= 1Gi`, `!*:latest`, `1-10`)
#[derive(Debug, Clone)]
pub enum Condition {
    /// `a-b`: both `>= a` and `<= b`
    InRange(Box<(Condition, Condition)>),
    /// `a!-b`: `< a` or `> b`
    NotInRange(Box<(Condition, Condition)>),
    /// An operator and its operand, parsed as a duration and as a quantity when they parse
    Compare {
        /// The operator
        op: Operator,
        /// The operand, trimmed
        operand: String,
        /// The operand as a duration
        duration: Option<i64>,
        /// The operand as a quantity
        quantity: Option<Quantity>,
    },
}

impl Condition {
    fn new(pattern: &str) -> Self {
        let op = Operator::from_pattern(pattern);
        match op {
            Operator::InRange => Self::InRange(Box::new(Self::bounds(pattern, "-", ">=", "<="))),
            Operator::NotInRange => {
                Self::NotInRange(Box::new(Self::bounds(pattern, "!-", "<", ">")))
            }
            _ => {
                let operand = pattern.get(op.as_str().len()..).unwrap_or_default().trim();
                Self::Compare {
                    op,
                    operand: operand.to_owned(),
                    duration: duration::parse(operand),
                    quantity: Quantity::parse(operand),
                }
            }
        }
    }

    /// The conditions on the two ends of a range `a{sep}b`: `{low} a` and `{high} b`
    fn bounds(pattern: &str, sep: &str, low: &str, high: &str) -> (Self, Self) {
        let mut parts = pattern.split(sep);
        let (a, b) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        (
            Self::new(&format!("{low} {a}")),
            Self::new(&format!("{high} {b}")),
        )
    }

    fn matches(&self, value: &Value) -> bool {
        match self {
            Self::InRange(bounds) => bounds.0.matches(value) && bounds.1.matches(value),
            Self::NotInRange(bounds) => bounds.0.matches(value) || bounds.1.matches(value),
            Self::Compare {
                op,
                operand,
                duration,
                quantity,
            } => {
                duration.is_some_and(|p| compare_duration(value, p, *op))
                    || quantity.is_some_and(|p| compare_quantity(value, &p, *op))
                    || compare_string(value, operand, *op)
            }
        }
    }
}

fn ordering_matches(o: Ordering, op: Operator) -> bool {
    match op {
        Operator::Equal => o == Ordering::Equal,
        Operator::NotEqual => o != Ordering::Equal,
        Operator::More => o == Ordering::Greater,
        Operator::Less => o == Ordering::Less,
        Operator::MoreEqual => o != Ordering::Less,
        Operator::LessEqual => o != Ordering::Greater,
        Operator::InRange | Operator::NotInRange => false,
    }
}

/// `convertNumberToString`: nil is "0", numbers use `%f`
fn number_to_string(v: &Value) -> Option<String> {
    match v {
        Value::Null => Some("0".to_owned()),
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(format!("{:.6}", n.as_f64().unwrap_or(0.0))),
        _ => None,
    }
}

fn compare_duration(value: &Value, p: i64, op: Operator) -> bool {
    let Some(v) = number_to_string(value).and_then(|s| duration::parse(&s)) else {
        return false;
    };
    ordering_matches(v.cmp(&p), op)
}

fn compare_quantity(value: &Value, p: &Quantity, op: Operator) -> bool {
    let Some(v) = number_to_string(value).and_then(|s| Quantity::parse(&s)) else {
        return false;
    };
    ordering_matches(v.cmp_value(p), op)
}

fn compare_string(value: &Value, pattern: &str, op: Operator) -> bool {
    if !matches!(op, Operator::Equal | Operator::NotEqual) {
        return false;
    }
    let m = match value {
        Value::Number(n) => wildcard::matches(pattern, &go_format_e(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => wildcard::matches(pattern, s),
        Value::Bool(b) => wildcard::matches(pattern, if *b { "true" } else { "false" }),
        _ => return false,
    };
    if op == Operator::NotEqual { !m } else { m }
}

/// Go `strconv.FormatFloat(f, 'E', -1, 64)`: `8.08E+03`
pub fn go_format_e(f: f64) -> String {
    if f == 0.0 {
        return "0E+00".to_owned();
    }
    let e = format!("{f:e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    format!(
        "{mantissa}E{}{:02}",
        if exp < 0 { '-' } else { '+' },
        exp.abs()
    )
}

/// Go `strconv.ParseFloat` (accepts what Rust accepts, minus `inf`/`nan` words)
pub fn go_parse_float(s: &str) -> Option<f64> {
    let t = s.trim_start_matches(['+', '-']);
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-' | '_'))
    {
        let lower = t.to_ascii_lowercase();
        if !(lower == "inf" || lower == "infinity" || lower == "nan") {
            return None;
        }
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn operators_and_ranges() {
        assert!(validate(&json!(8080), &json!(">1024")));
        assert!(!validate(&json!(80), &json!(">1024")));
        assert!(validate(&json!("2Gi"), &json!(">= 1Gi")));
        assert!(validate(&json!(5), &json!("1-10")));
        assert!(!validate(&json!(15), &json!("1-10")));
        assert!(validate(&json!(15), &json!("1!-10")));
        assert!(validate(&json!("nginx:1.2"), &json!("!*:latest")));
        assert!(!validate(&json!("nginx:latest"), &json!("!*:latest")));
        assert!(validate(&json!("a"), &json!("a | b")));
        assert!(validate(&json!(3), &json!(">1 & <5")));
        assert!(validate(&json!("30m"), &json!("<1h")));
        assert!(validate(&json!("value"), &json!("?*")));
        assert!(!validate(&json!(""), &json!("?*")));
        assert!(!validate(&json!(8080), &json!("80*")));
        assert!(validate(&json!(8080), &json!("8080")));
        assert!(validate(&json!("8080"), &json!(8080)));
        assert!(validate(&json!(null), &json!(null)));
        assert!(validate(&json!(false), &json!(null)));
        assert!(validate(&json!(true), &json!(true)));
        assert!(!validate(&json!("true"), &json!(true)));
        assert!(validate(&json!({"a": 1}), &json!({})));
        assert!(!validate(&json!(null), &json!("*")));
        assert!(validate(&json!(null), &json!("<1")));
    }

    #[test]
    fn ranges_are_told_from_other_patterns() {
        for (pattern, op) in [
            ("1-10", Operator::InRange),
            ("-5-10", Operator::InRange),
            ("+1.5Gi-2Gi", Operator::InRange),
            ("1!-10", Operator::NotInRange),
            ("-1!-1", Operator::NotInRange),
            ("10", Operator::Equal),
            ("1-", Operator::Equal),
            ("nginx-1", Operator::Equal),
            ("?*", Operator::Equal),
            ("!*:latest", Operator::NotEqual),
        ] {
            assert_eq!(Operator::from_pattern(pattern), op, "{pattern}");
        }
    }

    #[test]
    fn e_format() {
        assert_eq!(go_format_e(8080.0), "8.08E+03");
        assert_eq!(go_format_e(1.0), "1E+00");
        assert_eq!(go_format_e(0.5), "5E-01");
    }
}
