//! Kubernetes format library: `format.named(name)` (an optional format), `format.dns1123Label()`
//! and the other named formats, and `<format>.validate(s)`: `optional.none()` when `s` is
//! valid, else an optional list of error messages (those of apimachinery's validators).

use super::{opaque_val, typed_arg};
use crate::util::{Res, str_arg};
use cel::common::types::{CelList, CelOptional, CelString, STRING_TYPE, Type};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env};
use regex::Regex;
use std::sync::LazyLock;

/// The type of format values
pub static FORMAT_TYPE: Type = Type::new_unspecified_type("kubernetes.NamedFormat");

/// A named format
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format(&'static str);

opaque_val!(Format, FORMAT_TYPE, |a, b| a == b);

const NAMES: &[&str] = &[
    "dns1123Label",
    "dns1123Subdomain",
    "dns1035Label",
    "qualifiedName",
    "dns1123LabelPrefix",
    "dns1123SubdomainPrefix",
    "dns1035LabelPrefix",
    "labelValue",
    "uri",
    "uuid",
    "byte",
    "date",
    "datetime",
];

macro_rules! re {
    ($name:ident, $pat:expr) => {
        static $name: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new($pat).ok());
    };
}

const LABEL: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const SUBDOMAIN: &str = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1035: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const QNAME: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";

re!(LABEL_RE, &format!("^{LABEL}$"));
re!(SUBDOMAIN_RE, &format!("^{SUBDOMAIN}$"));
re!(DNS1035_RE, &format!("^{DNS1035}$"));
re!(QNAME_RE, &format!("^{QNAME}$"));
re!(LABEL_VALUE_RE, &format!("^{LABEL_VALUE}$"));
re!(
    UUID_RE,
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
);
re!(DATE_RE, r"^\d{4}-\d{2}-\d{2}$");
re!(
    DATETIME_RE,
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
);

fn matches(re: &LazyLock<Option<Regex>>, s: &str) -> bool {
    re.as_ref().is_some_and(|r| r.is_match(s))
}

fn dns1123_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push("must be no more than 63 characters".to_owned());
    }
    if !matches(&LABEL_RE, s) {
        errs.push(format!("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '{LABEL}')"));
    }
    errs
}

fn dns1123_subdomain(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 253 {
        errs.push("must be no more than 253 characters".to_owned());
    }
    if !matches(&SUBDOMAIN_RE, s) {
        errs.push(format!("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '{SUBDOMAIN}')"));
    }
    errs
}

fn dns1035_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push("must be no more than 63 characters".to_owned());
    }
    if !matches(&DNS1035_RE, s) {
        errs.push(format!("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '{DNS1035}')"));
    }
    errs
}

fn qualified_name(s: &str) -> Vec<String> {
    let qmsg = format!(
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '{QNAME}')"
    );
    let parts: Vec<&str> = s.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                return vec!["prefix part must be non-empty".to_owned()];
            }
            let errs: Vec<String> = dns1123_subdomain(prefix)
                .into_iter()
                .map(|e| format!("prefix part {e}"))
                .collect();
            if !errs.is_empty() {
                return errs;
            }
            name
        }
        _ => {
            return vec![format!(
                "a qualified name {qmsg} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            )];
        }
    };
    let mut errs = Vec::new();
    if name.is_empty() {
        errs.push("name part must be non-empty".to_owned());
    } else if name.len() > 63 {
        errs.push("name part must be no more than 63 characters".to_owned());
    }
    if !matches(&QNAME_RE, name) {
        errs.push(format!("name part {qmsg}"));
    }
    errs
}

fn label_value(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push("must be no more than 63 characters".to_owned());
    }
    if !matches(&LABEL_VALUE_RE, s) {
        errs.push(format!("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '{LABEL_VALUE}')"));
    }
    errs
}

/// `generateName`-style prefixes may end in `-`
fn mask_trailing_dash(s: &str) -> String {
    match s.strip_suffix('-') {
        Some(rest) if !rest.is_empty() => format!("{rest}a"),
        _ => s.to_owned(),
    }
}

fn valid_base64(s: &str) -> bool {
    let t = s.trim_end_matches('=');
    s.len().is_multiple_of(4)
        && s.len() - t.len() <= 2
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// Validate `s` against the named format: the error messages (empty when valid)
pub fn validate(format: &str, s: &str) -> Vec<String> {
    match format {
        "dns1123Label" => dns1123_label(s),
        "dns1123Subdomain" => dns1123_subdomain(s),
        "dns1035Label" => dns1035_label(s),
        "qualifiedName" => qualified_name(s),
        "dns1123LabelPrefix" => dns1123_label(&mask_trailing_dash(s)),
        "dns1123SubdomainPrefix" => dns1123_subdomain(&mask_trailing_dash(s)),
        "dns1035LabelPrefix" => dns1035_label(&mask_trailing_dash(s)),
        "labelValue" => label_value(s),
        "uri" => match super::urls::parse_url(s) {
            Ok(_) => Vec::new(),
            Err(e) => vec![format!("invalid URI: {e}")],
        },
        "uuid" => (!matches(&UUID_RE, s))
            .then(|| "does not match the UUID format".to_owned())
            .into_iter()
            .collect(),
        "byte" => (!valid_base64(s))
            .then(|| "invalid base64".to_owned())
            .into_iter()
            .collect(),
        "date" => (!matches(&DATE_RE, s))
            .then(|| "invalid date, expected format YYYY-MM-DD".to_owned())
            .into_iter()
            .collect(),
        "datetime" => (!matches(&DATETIME_RE, s))
            .then(|| "invalid datetime, expected RFC 3339 format".to_owned())
            .into_iter()
            .collect(),
        _ => vec![format!("unknown format {format:?}")],
    }
}

pub(crate) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_overload("format.named", "format_named", vec![STRING_TYPE], named)?;
    env.add_overload("@format", "format_by_name", vec![STRING_TYPE], by_name)?;
    env.add_member_overload(
        "validate",
        "format_validate",
        FORMAT_TYPE.to_owned(),
        vec![STRING_TYPE],
        validate_fn,
    )?;
    Ok(())
}

fn named<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let s = str_arg("format.named", &args, 0)?;
    Ok(CowVal::owned(match NAMES.iter().find(|n| **n == s) {
        Some(n) => CelOptional::of(Box::new(Format(n))),
        None => CelOptional::none(),
    }))
}

/// `format.<name>()`, compiled to `@format('<name>')`
fn by_name<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let s = str_arg("format", &args, 0)?;
    NAMES
        .iter()
        .find(|n| **n == s)
        .map(|n| CowVal::owned(Format(n)))
        .ok_or_else(|| cel::ExecutionError::undeclared_reference(&format!("format.{s}")))
}

fn validate_fn<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let f = typed_arg::<Format>("validate", &args, 0)?;
    let s = str_arg("validate", &args, 1)?;
    let errs = validate(f.0, s);
    Ok(CowVal::owned(if errs.is_empty() {
        CelOptional::none()
    } else {
        let items: Vec<Box<dyn Val + 'v>> = errs
            .into_iter()
            .map(|e| Box::new(CelString::from(e)) as Box<dyn Val>)
            .collect();
        CelOptional::of(Box::new(CelList::from(items)))
    }))
}
