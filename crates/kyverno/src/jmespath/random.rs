//! `random(pattern)`: a string matching a small regular expression (like `regen.Generate`).
//!
//! Supports literals, escapes (`\d`, `\w`, `\s`, `\.`), character classes with ranges,
//! groups with alternation, and the quantifiers `?`, `*`, `+`, `{n}`, `{n,m}` (unbounded
//! repetition is capped at 10, as regen does).

use std::cell::Cell;

thread_local! {
    static STATE: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    #[allow(clippy::cast_possible_truncation)]
    let s = (nanos as u64) ^ 0x9E37_79B9_7F4A_7C15;
    s | 1
}

fn next(bound: usize) -> usize {
    STATE.with(|st| {
        let mut x = st.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        st.set(x);
        if bound == 0 {
            0
        } else {
            #[allow(clippy::cast_possible_truncation)]
            let r = (x % bound as u64) as usize;
            r
        }
    })
}

#[derive(Debug)]
enum Item {
    Chars(Vec<char>),
    Group(Vec<Vec<(Item, usize, usize)>>),
}

/// Generate a random string matching `pattern`
pub fn generate(pattern: &str) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut pos = 0;
    let alts = parse_alts(&chars, &mut pos)?;
    if pos != chars.len() {
        return Err(format!("invalid pattern {pattern:?}: unbalanced ')'"));
    }
    let mut out = String::new();
    emit_alts(&alts, &mut out);
    Ok(out)
}

type Seq = Vec<(Item, usize, usize)>;

fn parse_alts(c: &[char], pos: &mut usize) -> Result<Vec<Seq>, String> {
    let mut alts = vec![Vec::new()];
    while *pos < c.len() {
        let ch = c[*pos];
        match ch {
            ')' => break,
            '|' => {
                *pos += 1;
                alts.push(Vec::new());
                continue;
            }
            '^' | '$' => {
                *pos += 1;
                continue;
            }
            _ => {}
        }
        let item = parse_atom(c, pos)?;
        let (min, max) = parse_quant(c, pos)?;
        if let Some(last) = alts.last_mut() {
            last.push((item, min, max));
        }
    }
    Ok(alts)
}

fn parse_atom(c: &[char], pos: &mut usize) -> Result<Item, String> {
    let ch = c[*pos];
    *pos += 1;
    Ok(match ch {
        '(' => {
            if c.get(*pos) == Some(&'?') && c.get(*pos + 1) == Some(&':') {
                *pos += 2;
            }
            let alts = parse_alts(c, pos)?;
            if c.get(*pos) != Some(&')') {
                return Err("missing ')'".to_owned());
            }
            *pos += 1;
            Item::Group(alts)
        }
        '[' => {
            let mut set = Vec::new();
            let negate = c.get(*pos) == Some(&'^');
            if negate {
                *pos += 1;
            }
            while *pos < c.len() && c[*pos] != ']' {
                let mut a = c[*pos];
                *pos += 1;
                if a == '\\' && *pos < c.len() {
                    let e = c[*pos];
                    *pos += 1;
                    set.extend(class_escape(e));
                    continue;
                }
                if a == '\\' {
                    a = '\\';
                }
                if c.get(*pos) == Some(&'-') && c.get(*pos + 1).is_some_and(|x| *x != ']') {
                    let b = c[*pos + 1];
                    *pos += 2;
                    for x in a..=b {
                        set.push(x);
                    }
                } else {
                    set.push(a);
                }
            }
            if *pos >= c.len() {
                return Err("missing ']'".to_owned());
            }
            *pos += 1;
            if negate {
                let all: Vec<char> = (' '..='~').filter(|x| !set.contains(x)).collect();
                Item::Chars(all)
            } else {
                Item::Chars(set)
            }
        }
        '\\' => {
            let e = *c.get(*pos).ok_or("trailing backslash")?;
            *pos += 1;
            Item::Chars(class_escape(e))
        }
        '.' => Item::Chars((' '..='~').collect()),
        other => Item::Chars(vec![other]),
    })
}

fn class_escape(e: char) -> Vec<char> {
    match e {
        'd' => ('0'..='9').collect(),
        'w' => ('a'..='z')
            .chain('A'..='Z')
            .chain('0'..='9')
            .chain(std::iter::once('_'))
            .collect(),
        's' => vec![' '],
        other => vec![other],
    }
}

fn parse_quant(c: &[char], pos: &mut usize) -> Result<(usize, usize), String> {
    let Some(&ch) = c.get(*pos) else {
        return Ok((1, 1));
    };
    let q = match ch {
        '?' => (0, 1),
        '*' => (0, 10),
        '+' => (1, 10),
        '{' => {
            let end = c[*pos..]
                .iter()
                .position(|x| *x == '}')
                .ok_or("missing '}'")?;
            let inner: String = c[*pos + 1..*pos + end].iter().collect();
            *pos += end;
            let (a, b) = match inner.split_once(',') {
                Some((a, "")) => {
                    let a: usize = a.trim().parse().map_err(|_| "bad repeat")?;
                    (a, a + 10)
                }
                Some((a, b)) => (
                    a.trim().parse().map_err(|_| "bad repeat")?,
                    b.trim().parse().map_err(|_| "bad repeat")?,
                ),
                None => {
                    let a: usize = inner.trim().parse().map_err(|_| "bad repeat")?;
                    (a, a)
                }
            };
            (a, b)
        }
        _ => return Ok((1, 1)),
    };
    *pos += 1;
    Ok(q)
}

fn emit_alts(alts: &[Seq], out: &mut String) {
    if alts.is_empty() {
        return;
    }
    let seq = &alts[next(alts.len())];
    for (item, min, max) in seq {
        let n = min + next(max.saturating_sub(*min) + 1);
        for _ in 0..n {
            match item {
                Item::Chars(set) => {
                    if !set.is_empty() {
                        out.push(set[next(set.len())]);
                    }
                }
                Item::Group(a) => emit_alts(a, out),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_matching_strings() {
        let re = regex::Regex::new("^[a-z0-9]{6}$").unwrap();
        for _ in 0..20 {
            let s = generate("[a-z0-9]{6}").unwrap();
            assert!(re.is_match(&s), "{s}");
        }
        let s = generate("ab(c|d)").unwrap();
        assert!(s == "abc" || s == "abd");
    }
}
