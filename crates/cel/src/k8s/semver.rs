//! Kubernetes semver library: `semver(s[, normalize])`, `isSemver(s[, normalize])`, `major()
//! minor() patch() isLessThan() isGreaterThan() compareTo()`. Strict Semantic Versioning 2.0;
//! with `normalize`, a leading `v` is dropped, missing minor/patch become 0 and leading zeros
//! are removed.

use super::{opaque_val, typed_arg};
use crate::util::{Res, bool_arg, bool_val, err, int_val, str_arg};
use cel::common::types::{BOOL_TYPE, STRING_TYPE, Type};
use cel::common::value::CowVal;
use cel::{DeclarationError, Env, ExecutionError};
use std::cmp::Ordering;
use std::fmt;

/// The type of `semver(…)` values
pub static SEMVER_TYPE: Type = Type::new_unspecified_type("kubernetes.Semver");

/// A semantic version
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Semver {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<String>,
    build: Vec<String>,
}

opaque_val!(Semver, SEMVER_TYPE, |a, b| a.cmp_v(b) == Ordering::Equal);

impl fmt::Display for Semver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre.join("."))?;
        }
        if !self.build.is_empty() {
            write!(f, "+{}", self.build.join("."))?;
        }
        Ok(())
    }
}

fn numeric(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn ident_ok(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Parse a version; `normalize` accepts `v1`, `1.2`, `01.02.03`
pub fn parse_semver(s: &str, normalize: bool) -> Result<Semver, String> {
    let mut text = s.to_owned();
    if normalize {
        text = text.strip_prefix('v').unwrap_or(&text).to_owned();
    }
    let (core_pre, build) = match text.split_once('+') {
        Some((a, b)) => (a.to_owned(), Some(b.to_owned())),
        None => (text.clone(), None),
    };
    let (core, pre) = match core_pre.split_once('-') {
        Some((a, b)) => (a.to_owned(), Some(b.to_owned())),
        None => (core_pre, None),
    };
    let mut parts: Vec<String> = core.split('.').map(str::to_owned).collect();
    if normalize {
        while parts.len() < 3 {
            parts.push("0".into());
        }
        for p in &mut parts {
            let trimmed = p.trim_start_matches('0');
            *p = if trimmed.is_empty() && !p.is_empty() {
                "0".into()
            } else {
                trimmed.into()
            };
        }
    }
    if parts.len() != 3 {
        return Err(format!("No Major.Minor.Patch elements found in {s:?}"));
    }
    let mut nums = [0u64; 3];
    for (i, p) in parts.iter().enumerate() {
        if !numeric(p) {
            return Err(format!("Invalid character(s) found in version {p:?}"));
        }
        if p.len() > 1 && p.starts_with('0') {
            return Err(format!(
                "Version number must not contain leading zeroes {p:?}"
            ));
        }
        nums[i] = p
            .parse()
            .map_err(|_| format!("version number {p:?} out of range"))?;
    }
    let pre: Vec<String> = match pre {
        Some(p) => p.split('.').map(str::to_owned).collect(),
        None => Vec::new(),
    };
    for id in &pre {
        if !ident_ok(id) {
            return Err(format!("Invalid character(s) found in prerelease {id:?}"));
        }
        if numeric(id) && id.len() > 1 && id.starts_with('0') {
            return Err(format!(
                "Numeric PreRelease version must not contain leading zeroes {id:?}"
            ));
        }
    }
    let build: Vec<String> = match build {
        Some(b) => b.split('.').map(str::to_owned).collect(),
        None => Vec::new(),
    };
    if let Some(id) = build.iter().find(|id| !ident_ok(id)) {
        return Err(format!(
            "Invalid character(s) found in build meta data {id:?}"
        ));
    }
    Ok(Semver {
        major: nums[0],
        minor: nums[1],
        patch: nums[2],
        pre,
        build,
    })
}

impl Semver {
    fn cmp_v(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(other.pre.iter()) {
                        let o = match (a.parse::<u64>(), b.parse::<u64>()) {
                            (Ok(x), Ok(y)) if numeric(a) && numeric(b) => x.cmp(&y),
                            _ if numeric(a) => Ordering::Less,
                            _ if numeric(b) => Ordering::Greater,
                            _ => a.cmp(b),
                        };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    self.pre.len().cmp(&other.pre.len())
                }
            })
    }
}

pub(crate) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    let v = || SEMVER_TYPE.to_owned();
    env.add_overload("semver", "string_to_semver", vec![STRING_TYPE], semver)?;
    env.add_overload(
        "semver",
        "string_bool_to_semver",
        vec![STRING_TYPE, BOOL_TYPE],
        semver,
    )?;
    env.add_overload("isSemver", "is_semver", vec![STRING_TYPE], is_semver)?;
    env.add_overload(
        "isSemver",
        "is_semver_normalize",
        vec![STRING_TYPE, BOOL_TYPE],
        is_semver,
    )?;
    env.add_member_overload("major", "semver_major", v(), vec![], major)?;
    env.add_member_overload("minor", "semver_minor", v(), vec![], minor)?;
    env.add_member_overload("patch", "semver_patch", v(), vec![], patch)?;
    env.add_member_overload("isLessThan", "semver_less", v(), vec![v()], less)?;
    env.add_member_overload("isGreaterThan", "semver_greater", v(), vec![v()], greater)?;
    env.add_member_overload("compareTo", "semver_compare", v(), vec![v()], compare_to)?;
    Ok(())
}

fn normalize_arg(function: &str, args: &[CowVal<'_, '_>]) -> Result<bool, ExecutionError> {
    if args.len() > 1 {
        bool_arg(function, args, 1)
    } else {
        Ok(false)
    }
}

fn semver<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let s = str_arg("semver", &args, 0)?;
    let normalize = normalize_arg("semver", &args)?;
    parse_semver(s, normalize).map(CowVal::owned).map_err(|e| {
        err(
            "semver",
            format!("semver parse error during conversion from string: {e}"),
        )
    })
}

fn is_semver<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let s = str_arg("isSemver", &args, 0)?;
    let normalize = normalize_arg("isSemver", &args)?;
    Ok(bool_val(parse_semver(s, normalize).is_ok()))
}

fn part<'b, 'v>(args: Vec<CowVal<'b, 'v>>, f: fn(&Semver) -> u64, name: &str) -> Res<'b, 'v> {
    let v = typed_arg::<Semver>(name, &args, 0)?;
    Ok(int_val(i64::try_from(f(v)).unwrap_or(i64::MAX)))
}

fn major<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    part(args, |v| v.major, "major")
}

fn minor<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    part(args, |v| v.minor, "minor")
}

fn patch<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    part(args, |v| v.patch, "patch")
}

fn cmp_args(function: &str, args: &[CowVal<'_, '_>]) -> Result<Ordering, ExecutionError> {
    let a = typed_arg::<Semver>(function, args, 0)?;
    let b = typed_arg::<Semver>(function, args, 1)?;
    Ok(a.cmp_v(b))
}

fn less<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(bool_val(cmp_args("isLessThan", &args)? == Ordering::Less))
}

fn greater<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(bool_val(
        cmp_args("isGreaterThan", &args)? == Ordering::Greater,
    ))
}

fn compare_to<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(int_val(match cmp_args("compareTo", &args)? {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }))
}
