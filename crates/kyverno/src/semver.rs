//! Semantic versions as `blang/semver` v4 parses and compares them, with its range language
//! (`>=1.0.0 <2.0.0 || 3.x`), used by numeric condition operators and `semver_compare`.

use std::cmp::Ordering;

/// A parsed `MAJOR.MINOR.PATCH[-PRE][+BUILD]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<Pre>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pre {
    Num(u64),
    Str(String),
}

impl Version {
    /// Strict parse (`semver.Parse`): three numeric parts, no leading zeros, no `v`
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.split_once('+').map_or(s, |(a, _)| a);
        let (core, pre) = match s.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (s, None),
        };
        let parts: Vec<&str> = core.split('.').collect();
        if parts.len() != 3 {
            return None;
        }
        let n = |p: &str| -> Option<u64> {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            if p.len() > 1 && p.starts_with('0') {
                return None;
            }
            p.parse().ok()
        };
        let mut pres = Vec::new();
        if let Some(pre) = pre {
            for id in pre.split('.') {
                if id.is_empty() {
                    return None;
                }
                if id.bytes().all(|b| b.is_ascii_digit()) {
                    if id.len() > 1 && id.starts_with('0') {
                        return None;
                    }
                    pres.push(Pre::Num(id.parse().ok()?));
                } else if id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                    pres.push(Pre::Str(id.to_owned()));
                } else {
                    return None;
                }
            }
        }
        Some(Self {
            major: n(parts[0])?,
            minor: n(parts[1])?,
            patch: n(parts[2])?,
            pre: pres,
        })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(&other.pre) {
                        let o = match (a, b) {
                            (Pre::Num(x), Pre::Num(y)) => x.cmp(y),
                            (Pre::Num(_), Pre::Str(_)) => Ordering::Less,
                            (Pre::Str(_), Pre::Num(_)) => Ordering::Greater,
                            (Pre::Str(x), Pre::Str(y)) => x.cmp(y),
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

/// A parsed range: OR of AND-groups of comparisons
#[derive(Debug, Clone)]
pub struct Range(Vec<Vec<(Op, Version)>>);

#[derive(Debug, Clone, Copy)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Range {
    /// Parse like `semver.ParseRange`
    pub fn parse(s: &str) -> Option<Self> {
        let mut ors = Vec::new();
        for group in s.split("||") {
            let mut ands = Vec::new();
            let tokens: Vec<&str> = group.split_whitespace().collect();
            if tokens.is_empty() {
                return None;
            }
            let mut i = 0;
            while i < tokens.len() {
                let mut tok = tokens[i].to_owned();
                // allow an operator separated from its version by a space
                if matches!(
                    tok.as_str(),
                    "<" | "<=" | ">" | ">=" | "=" | "==" | "!=" | "!"
                ) && i + 1 < tokens.len()
                {
                    tok.push_str(tokens[i + 1]);
                    i += 1;
                }
                i += 1;
                let (op, ver) = split_op(&tok);
                ands.extend(expand_wildcard(op, ver)?);
            }
            ors.push(ands);
        }
        Some(Self(ors))
    }

    /// Whether a version is in the range
    pub fn contains(&self, v: &Version) -> bool {
        self.0.iter().any(|ands| {
            ands.iter().all(|(op, w)| {
                let c = v.cmp(w);
                match op {
                    Op::Eq => c == Ordering::Equal,
                    Op::Ne => c != Ordering::Equal,
                    Op::Lt => c == Ordering::Less,
                    Op::Le => c != Ordering::Greater,
                    Op::Gt => c == Ordering::Greater,
                    Op::Ge => c != Ordering::Less,
                }
            })
        })
    }
}

fn split_op(tok: &str) -> (Op, &str) {
    for (p, op) in [
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("!=", Op::Ne),
        ("==", Op::Eq),
        (">", Op::Gt),
        ("<", Op::Lt),
        ("=", Op::Eq),
        ("!", Op::Ne),
    ] {
        if let Some(rest) = tok.strip_prefix(p) {
            return (op, rest);
        }
    }
    (Op::Eq, tok)
}

/// `1.x`, `1.2.x`, `*` wildcards expand into bounds, as blang does
fn expand_wildcard(op: Op, ver: &str) -> Option<Vec<(Op, Version)>> {
    let parts: Vec<&str> = ver.split('.').collect();
    let is_wild = |p: &str| p == "x" || p == "X" || p == "*";
    let wild_at = parts.iter().position(|p| is_wild(p));
    let Some(pos) = wild_at else {
        return Some(vec![(op, Version::parse(ver)?)]);
    };
    let nums: Vec<u64> = parts[..pos]
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let v = |a: u64, b: u64, c: u64| Version {
        major: a,
        minor: b,
        patch: c,
        pre: Vec::new(),
    };
    let (lo, hi) = match nums.len() {
        0 => return Some(vec![(Op::Ge, v(0, 0, 0))]),
        1 => (v(nums[0], 0, 0), v(nums[0].saturating_add(1), 0, 0)),
        _ => (
            v(nums[0], nums[1], 0),
            v(nums[0], nums[1].saturating_add(1), 0),
        ),
    };
    Some(match op {
        Op::Eq => vec![(Op::Ge, lo), (Op::Lt, hi)],
        Op::Ne => return None,
        Op::Gt | Op::Ge => vec![(Op::Ge, if matches!(op, Op::Gt) { hi } else { lo })],
        Op::Lt | Op::Le => vec![(Op::Lt, if matches!(op, Op::Le) { hi } else { lo })],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_ranges() {
        let v = |s| Version::parse(s).unwrap();
        assert!(v("1.2.3") < v("1.10.0"));
        assert!(v("1.0.0-alpha") < v("1.0.0"));
        assert!(Version::parse("v1.2.3").is_none());
        assert!(Version::parse("1.2").is_none());
        let r = Range::parse(">=1.0.0 <2.0.0 || 3.x").unwrap();
        assert!(r.contains(&v("1.5.0")));
        assert!(!r.contains(&v("2.0.0")));
        assert!(r.contains(&v("3.4.0")));
        assert!(Range::parse("!1.2.3").unwrap().contains(&v("1.2.4")));
    }
}
