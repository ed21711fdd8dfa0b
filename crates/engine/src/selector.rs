/// A ruff-style rule selection: `--select` and `--ignore` take rule IDs (`POD-001`), ID prefixes
/// (`POD`, `PSS`), rule names (`privileged-container`), tags (`rbac`) or `ALL`.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    select: Vec<String>,
    ignore: Vec<String>,
}

/// A `--select`/`--ignore` token that matches no known rule
#[derive(Debug, Clone, thiserror::Error)]
#[error("`{0}` matches no rule ID, prefix, name or tag")]
pub struct SelectorError(pub String);

impl Selector {
    /// Build from raw tokens (comma-separated values are split)
    pub fn new<S: AsRef<str>>(select: &[S], ignore: &[S]) -> Self {
        let split = |v: &[S]| {
            v.iter()
                .flat_map(|s| s.as_ref().split(','))
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        };
        Self {
            select: split(select),
            ignore: split(ignore),
        }
    }

    fn token_matches(token: &str, id: &str, name: &str, tags: &[&str]) -> bool {
        let is_prefix = id.len() > token.len()
            && id
                .get(..token.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(token));
        token.eq_ignore_ascii_case("all")
            || id.eq_ignore_ascii_case(token)
            || name.eq_ignore_ascii_case(token)
            || is_prefix
            || tags.iter().any(|t| t.eq_ignore_ascii_case(token))
    }

    /// Is this rule enabled? With no `select`, rules are on by default.
    pub fn enabled(&self, id: &str, name: &str, tags: &[&str]) -> bool {
        let selected = self.select.is_empty()
            || self
                .select
                .iter()
                .any(|t| Self::token_matches(t, id, name, tags));
        selected
            && !self
                .ignore
                .iter()
                .any(|t| Self::token_matches(t, id, name, tags))
    }

    /// True when `select` explicitly names something matching this rule
    pub fn explicitly_selects(&self, id: &str, name: &str, tags: &[&str]) -> bool {
        self.select
            .iter()
            .any(|t| Self::token_matches(t, id, name, tags))
    }

    /// Tokens (from select and ignore) that match none of the given rules
    pub fn unknown_tokens<'a>(
        &self,
        rules: impl Iterator<Item = (&'a str, &'a str, &'a [&'a str])> + Clone,
    ) -> Vec<SelectorError> {
        self.select
            .iter()
            .chain(&self.ignore)
            .filter(|t| {
                !rules
                    .clone()
                    .any(|(id, name, tags)| Self::token_matches(t, id, name, tags))
            })
            .map(|t| SelectorError(t.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_prefixes_names_and_tags() {
        let s = Selector::new(&["POD", "rbac"], &["POD-002"]);
        assert!(s.enabled("POD-001", "privileged-container", &[]));
        assert!(!s.enabled("POD-002", "host-pid", &[]));
        assert!(s.enabled("RBAC-001", "x", &["rbac"]));
        assert!(!s.enabled("NET-001", "x", &["network"]));
        let all = Selector::new::<&str>(&[], &["pss"]);
        assert!(!all.enabled("PSS-privileged", "privileged", &["pss"]));
        assert!(all.enabled("POD-001", "privileged-container", &[]));
    }
}
