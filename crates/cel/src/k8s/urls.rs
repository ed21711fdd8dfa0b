//! Kubernetes URL library: `url(s)`, `isURL(s)`, `getScheme() getHost() getHostname() getPort()
//! getEscapedPath() getQuery()`.
//!
//! Parsing follows Go's `net/url` as Kubernetes uses it: the string must be an absolute URI
//! (`scheme:` followed by `/…`) or an absolute path; percent escapes must be valid; the host may
//! be a bracketed IPv6 literal; the port must be numeric.

use super::{opaque_val, typed_arg};
use crate::util::{Res, bool_val, err, str_arg, string_val};
use cel::common::types::{CelList, CelMap, CelMapKey, CelString, STRING_TYPE, Type};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env};
use std::collections::HashMap;

/// The type of `url(…)` values
pub static URL_TYPE: Type = Type::new_unspecified_type("kubernetes.URL");

/// A parsed URL
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// The string it was parsed from
    pub raw: String,
    scheme: String,
    host: String,
    path: String,
    query: String,
}

opaque_val!(Url, URL_TYPE, |a, b| a == b);

pub(crate) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_overload("url", "string_to_url", vec![STRING_TYPE], url)?;
    env.add_overload("isURL", "is_url_string", vec![STRING_TYPE], is_url)?;
    for (name, f) in [
        ("getScheme", get_scheme as cel::common::functions::Function),
        ("getHost", get_host),
        ("getHostname", get_hostname),
        ("getPort", get_port),
        ("getEscapedPath", get_escaped_path),
        ("getQuery", get_query),
    ] {
        env.add_member_overload(name, &format!("url_{name}"), URL_TYPE.to_owned(), vec![], f)?;
    }
    Ok(())
}

/// Parse a URL as Kubernetes' `url()` does
pub fn parse_url(s: &str) -> Result<Url, String> {
    if s.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    let rest = s.split_once('#').map_or(s, |(a, _)| a);
    let (scheme, rest) = split_scheme(rest)?;
    if scheme.is_empty() && !rest.starts_with('/') {
        return Err("invalid URI for request".into());
    }
    if !scheme.is_empty() && !rest.starts_with('/') {
        return Err("invalid URI for request".into());
    }
    let (rest, query) = match rest.split_once('?') {
        Some((a, q)) => (a, q.to_owned()),
        None => (rest, String::new()),
    };
    let (host, path) = if let Some(after) = rest.strip_prefix("//").filter(|_| !scheme.is_empty()) {
        match after.find('/') {
            Some(i) => (after[..i].to_owned(), after[i..].to_owned()),
            None => (after.to_owned(), String::new()),
        }
    } else {
        (String::new(), rest.to_owned())
    };
    let host = match host.rsplit_once('@') {
        Some((_, h)) => h.to_owned(),
        None => host,
    };
    validate_host(&host)?;
    unescape(&path, false)?;
    Ok(Url {
        raw: s.to_owned(),
        scheme: scheme.to_owned(),
        host,
        path,
        query,
    })
}

fn split_scheme(s: &str) -> Result<(&str, &str), String> {
    for (i, c) in s.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' if i == 0 => return Err("missing protocol scheme".into()),
            ':' => return Ok((&s[..i], &s[i + 1..])),
            _ => return Ok(("", s)),
        }
    }
    Ok(("", s))
}

fn validate_host(host: &str) -> Result<(), String> {
    let (name, port) = split_host_port(host)?;
    if !port.is_empty() && !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("invalid port \":{port}\" after host"));
    }
    if host.starts_with('[') {
        return Ok(());
    }
    let allowed = |c: char| {
        c.is_ascii_alphanumeric()
            || "-._~!$&'()*+,;=%".contains(c)
            || (!c.is_ascii() && !c.is_control())
    };
    if let Some(c) = name.chars().find(|c| !allowed(*c)) {
        return Err(format!("invalid character {c:?} in host name"));
    }
    Ok(())
}

/// Host and port of an authority's host part
fn split_host_port(host: &str) -> Result<(&str, &str), String> {
    if let Some(rest) = host.strip_prefix('[') {
        let Some(end) = rest.find(']') else {
            return Err("missing ']' in host".into());
        };
        let name = &rest[..end];
        let after = &rest[end + 1..];
        return match after.strip_prefix(':') {
            Some(port) => Ok((name, port)),
            None if after.is_empty() => Ok((name, "")),
            None => Err("invalid host".into()),
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) => Ok((name, port)),
        None => Ok((host, "")),
    }
}

/// Percent-decode; `plus_space` turns `+` into a space (query strings)
pub(crate) fn unescape(s: &str, plus_space: bool) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => out.push(b),
                    None => {
                        let end = (i + 3).min(bytes.len());
                        return Err(format!(
                            "invalid URL escape {:?}",
                            String::from_utf8_lossy(&bytes[i..end])
                        ));
                    }
                }
                i += 3;
            }
            b'+' if plus_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn url<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let s = str_arg("url", &args, 0)?;
    parse_url(s).map(CowVal::owned).map_err(|e| {
        err(
            "url",
            format!("URL parse error during conversion from string: {e}"),
        )
    })
}

fn is_url<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(bool_val(parse_url(str_arg("isURL", &args, 0)?).is_ok()))
}

fn get_scheme<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(string_val(
        typed_arg::<Url>("getScheme", &args, 0)?.scheme.clone(),
    ))
}

fn get_host<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(string_val(
        typed_arg::<Url>("getHost", &args, 0)?.host.clone(),
    ))
}

fn get_hostname<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let u = typed_arg::<Url>("getHostname", &args, 0)?;
    let name = split_host_port(&u.host).map(|(n, _)| n).unwrap_or_default();
    Ok(string_val(name))
}

fn get_port<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let u = typed_arg::<Url>("getPort", &args, 0)?;
    let port = split_host_port(&u.host).map(|(_, p)| p).unwrap_or_default();
    Ok(string_val(port))
}

fn get_escaped_path<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(string_val(
        typed_arg::<Url>("getEscapedPath", &args, 0)?.path.clone(),
    ))
}

fn get_query<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let u = typed_arg::<Url>("getQuery", &args, 0)?;
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for pair in u
        .query
        .split('&')
        .filter(|p| !p.is_empty() && !p.contains(';'))
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (Ok(k), Ok(v)) = (unescape(k, true), unescape(v, true)) else {
            continue;
        };
        match grouped.iter_mut().find(|(key, _)| *key == k) {
            Some((_, vals)) => vals.push(v),
            None => grouped.push((k, vec![v])),
        }
    }
    let map: HashMap<CelMapKey<'v>, Box<dyn Val + 'v>> = grouped
        .into_iter()
        .map(|(k, vals)| {
            let list: Vec<Box<dyn Val + 'v>> = vals
                .into_iter()
                .map(|v| Box::new(CelString::from(v)) as Box<dyn Val>)
                .collect();
            (
                CelMapKey::from(k),
                Box::new(CelList::from(list)) as Box<dyn Val>,
            )
        })
        .collect();
    Ok(CowVal::owned(CelMap::from(map)))
}
