//! Kyverno's wildcard matching (`ext/wildcard`, go-wildcard semantics).
//!
//! `*` matches any run of characters (including `/` and nothing), `?` exactly one character.
//! The match is anchored at both ends; an empty pattern matches only the empty string.

/// Whether `s` matches the wildcard `pattern`
pub fn matches(pattern: &str, s: &str) -> bool {
    if pattern.is_empty() {
        return s.is_empty();
    }
    if pattern == "*" {
        return true;
    }
    // Most patterns in policies (kinds, namespaces, names) have no wildcard at all; matching
    // runs per rule of every request, so compare directly instead of collecting characters.
    if !contains_wildcard(pattern) {
        return pattern == s;
    }
    // The usual shapes with wildcards: `*suffix` (`*:latest`), `prefix*`, `*infix*`, `?*`
    // (not empty). `*` matches any run of characters, so these are plain string tests.
    match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
        (Some(suffix), None) if !contains_wildcard(suffix) => return s.ends_with(suffix),
        (None, Some(prefix)) if !contains_wildcard(prefix) => return s.starts_with(prefix),
        (Some(rest), Some(_)) => {
            if let Some(infix) = rest.strip_suffix('*')
                && !contains_wildcard(infix)
            {
                return s.contains(infix);
            }
        }
        _ => {}
    }
    if pattern == "?*" || pattern == "*?" {
        return !s.is_empty();
    }
    if pattern.is_ascii() && s.is_ascii() {
        // one byte per character: `?` still matches exactly one character
        return glob(pattern.as_bytes(), s.as_bytes(), b'*', b'?');
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = s.chars().collect();
    glob(&p, &t, '*', '?')
}

/// Classic greedy algorithm with a single backtrack point (linear for `*` patterns)
fn glob<T: PartialEq + Copy>(p: &[T], t: &[T], any: T, one: T) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<usize> = None;
    let mut mark = 0usize;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == one || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == any {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == any {
        pi += 1;
    }
    pi == p.len()
}

/// Whether a string contains a wildcard character
pub fn contains_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(matches("*", ""));
        assert!(matches("", ""));
        assert!(!matches("", "a"));
        assert!(matches("?*", "a"));
        assert!(!matches("?*", ""));
        assert!(matches("docker.io/*", "docker.io/library/nginx"));
        assert!(matches("*:latest", "nginx:latest"));
        assert!(!matches("*:latest", "nginx:1.2"));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a?c", "ac"));
        assert!(matches("*a*b*", "xxaxxbxx"));
        assert!(!matches("abc", "abcd"));
        assert!(matches("abc", "abc"));
        assert!(matches("é?", "éa"));
        assert!(matches("a?", "aé"));
        assert!(!matches("a?", "aéé"));
        assert!(matches("*é", "xxé"));
        // the prefix / suffix / infix / non-empty shortcuts agree with the general match
        for p in [
            "*:latest", "nginx*", "*lat*", "?*", "*?", "**", "*a?", "a*b", "*", "**x**", "*é*",
        ] {
            for t in [
                "",
                "nginx:latest",
                "nginx:1.2",
                "a",
                "ab",
                "axb",
                "xlatx",
                "é",
                "aé",
                "x",
            ] {
                let p_chars: Vec<char> = p.chars().collect();
                let t_chars: Vec<char> = t.chars().collect();
                assert_eq!(
                    matches(p, t),
                    glob(&p_chars, &t_chars, '*', '?'),
                    "{p:?} ~ {t:?}"
                );
            }
        }
    }
}
