//! Pattern anchors (`pkg/engine/anchor`): `(key)`, `=(key)`, `^(key)`, `X(key)`, `<(key)`, `+(key)`.

/// Anchor kinds
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnchorKind {
    /// `(key)`: if the key is present and matches, check the siblings; otherwise skip
    Condition,
    /// `<(key)`: like a condition, but a mismatch skips the whole rule
    Global,
    /// `=(key)`: if present, must match
    Equality,
    /// `X(key)`: must be absent
    Negation,
    /// `^(key)`: list where each pattern element matches at least one resource element
    Existence,
    /// `+(key)`: add if not present (mutate)
    AddIfNotPresent,
}

/// A parsed anchored key
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor<'a> {
    /// The kind
    pub kind: AnchorKind,
    /// The key without the anchor
    pub key: &'a str,
}

impl<'a> Anchor<'a> {
    /// Parse `^([+<=X^])?\((.+)\)$`
    pub fn parse(s: &'a str) -> Option<Self> {
        let inner_start;
        let kind = match s.as_bytes().first()? {
            b'(' => {
                inner_start = 1;
                AnchorKind::Condition
            }
            b'+' => {
                inner_start = 2;
                AnchorKind::AddIfNotPresent
            }
            b'<' => {
                inner_start = 2;
                AnchorKind::Global
            }
            b'=' => {
                inner_start = 2;
                AnchorKind::Equality
            }
            b'X' => {
                inner_start = 2;
                AnchorKind::Negation
            }
            b'^' => {
                inner_start = 2;
                AnchorKind::Existence
            }
            _ => return None,
        };
        if inner_start == 2 && s.as_bytes().get(1) != Some(&b'(') {
            return None;
        }
        if !s.ends_with(')') || s.len() < inner_start + 2 {
            return None;
        }
        let key = &s[inner_start..s.len() - 1];
        if key.is_empty() {
            return None;
        }
        Some(Self { kind, key })
    }

    /// Condition or global (`ContainsCondition`)
    pub fn is_conditional(&self) -> bool {
        matches!(self.kind, AnchorKind::Condition | AnchorKind::Global)
    }
}

/// The key with any anchor removed, and the anchor prefix (`"=("` …)
pub fn remove_anchor(key: &str) -> (&str, &str) {
    match Anchor::parse(key) {
        Some(a) => {
            let prefix_len = key.len() - a.key.len() - 1;
            (a.key, &key[..prefix_len])
        }
        None => (key, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_anchors() {
        let a = Anchor::parse("=(image)").unwrap();
        assert_eq!((a.kind, a.key), (AnchorKind::Equality, "image"));
        assert_eq!(Anchor::parse("(name)").unwrap().kind, AnchorKind::Condition);
        assert_eq!(
            Anchor::parse("X(hostPath)").unwrap().kind,
            AnchorKind::Negation
        );
        assert_eq!(Anchor::parse("<(x)").unwrap().kind, AnchorKind::Global);
        assert_eq!(Anchor::parse("^(x)").unwrap().kind, AnchorKind::Existence);
        assert_eq!(
            Anchor::parse("+(x)").unwrap().kind,
            AnchorKind::AddIfNotPresent
        );
        assert!(Anchor::parse("name").is_none());
        assert!(Anchor::parse("()").is_none());
        assert!(Anchor::parse("Y(x)").is_none());
        assert_eq!(remove_anchor("=(a.b)"), ("a.b", "=("));
        assert_eq!(remove_anchor("plain"), ("plain", ""));
    }
}
