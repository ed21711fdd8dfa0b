use std::borrow::Cow;
use std::fmt;

/// An RFC 6901 JSON pointer (`/spec/containers/0/image`).
///
/// Kept as its text: checks build one for every finding and renderers print it, so extending
/// is a `push_str` and printing is free. Reference tokens are read back (unescaped) only when
/// the pointer is resolved, which happens for the few pointers a finding carries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JsonPointer(String);

impl JsonPointer {
    /// The document root
    pub fn root() -> Self {
        Self(String::new())
    }

    /// Take pointer text in `/a/b/0` form (with `~0`/`~1` escapes); text before the first `/`
    /// is not part of any token and is dropped
    pub fn parse(text: &str) -> Self {
        Self(
            text.find('/')
                .map_or_else(String::new, |at| text[at..].to_owned()),
        )
    }

    /// Append an object key in place (no copy of the pointer)
    pub fn push_key(&mut self, key: &str) {
        // Pointers grow a few segments at a time from the root: one allocation of about their
        // final size instead of several doublings
        if self.0.capacity() == 0 {
            self.0.reserve(48);
        }
        self.0.push('/');
        if key.contains(['~', '/']) {
            self.0.push_str(&key.replace('~', "~0").replace('/', "~1"));
        } else {
            self.0.push_str(key);
        }
    }

    /// Append an array index in place (no copy of the pointer)
    pub fn push_index(&mut self, index: usize) {
        use fmt::Write as _;
        // Writing into a String cannot fail
        let _ = write!(self.0, "/{index}");
    }

    /// This pointer extended by an object key
    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        let mut next = self.clone();
        next.push_key(key);
        next
    }

    /// This pointer extended by an array index
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        let mut next = self.clone();
        next.push_index(index);
        next
    }

    /// This pointer extended by a `/`-separated relative path in pointer syntax, like
    /// `securityContext/privileged` or `volumes/0/hostPath`
    #[must_use]
    pub fn join(&self, relative: &str) -> Self {
        let mut next = self.clone();
        next.push_path(relative);
        next
    }

    /// Append a `/`-separated relative path in pointer syntax in place
    pub fn push_path(&mut self, relative: &str) {
        self.0.reserve(relative.len() + 1);
        self.0.push('/');
        self.0.push_str(relative);
    }

    /// The pointer text (empty for the root)
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The reference tokens, root first, unescaped
    pub fn tokens(&self) -> impl Iterator<Item = Cow<'_, str>> + '_ {
        // Split by hand: `str::split(char)` set up a general searcher per pointer, and every
        // finding resolves one. A `/` is ASCII, so every cut is on a character boundary.
        let first = self.0.bytes().position(|b| b == b'/');
        let mut rest = first.and_then(|at| self.0.get(at..)).unwrap_or("");
        let raw_tokens = std::iter::from_fn(move || {
            let after = rest.strip_prefix('/')?;
            let end = after.bytes().position(|b| b == b'/').unwrap_or(after.len());
            let token = after.get(..end)?;
            rest = after.get(end..)?;
            Some(token)
        });
        raw_tokens.map(|raw| {
            if raw.as_bytes().contains(&b'~') {
                Cow::Owned(raw.replace("~1", "/").replace("~0", "~"))
            } else {
                Cow::Borrowed(raw)
            }
        })
    }

    /// Look the pointer up in a value
    pub fn resolve<'v>(&self, value: &'v serde_json::Value) -> Option<&'v serde_json::Value> {
        self.tokens().try_fold(value, |v, token| match v {
            serde_json::Value::Object(map) => map.get(token.as_ref()),
            serde_json::Value::Array(items) => items.get(array_index(&token)?),
            _ => None,
        })
    }
}

/// An array index token: decimal digits only (RFC 6901 also forbids leading zeros; they are
/// accepted here as the position they obviously mean)
pub(crate) fn array_index(token: &str) -> Option<usize> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    token.parse().ok()
}

impl fmt::Display for JsonPointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<JsonPointer> for String {
    fn from(pointer: JsonPointer) -> Self {
        pointer.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_escapes() {
        let p = JsonPointer::parse("/metadata/annotations/a~1b~0c/0");
        assert_eq!(p.to_string(), "/metadata/annotations/a~1b~0c/0");
        let tokens: Vec<_> = p.tokens().collect();
        assert_eq!(tokens, ["metadata", "annotations", "a/b~c", "0"]);
        let mut built = JsonPointer::root().key("metadata").key("annotations");
        built.push_key("a/b~c");
        assert_eq!(built.index(0), p);
        for text in ["", "/", "//", "/a/", "/a//b", "/é/~1/x"] {
            let expected: Vec<String> = text
                .split('/')
                .skip(1)
                .map(|t| t.replace("~1", "/").replace("~0", "~"))
                .collect();
            let tokens: Vec<String> = JsonPointer::parse(text)
                .tokens()
                .map(|t| t.into_owned())
                .collect();
            assert_eq!(tokens, expected, "{text}");
        }
    }

    #[test]
    fn resolves_in_values() {
        let v = serde_json::json!({"a": [{"b": 1}], "7": "seven"});
        assert_eq!(
            JsonPointer::parse("/a/0/b").resolve(&v),
            Some(&serde_json::json!(1))
        );
        assert_eq!(JsonPointer::root().join("a/1").resolve(&v), None);
        assert_eq!(JsonPointer::root().join("a/+0").resolve(&v), None);
        // a numeric token names an object member by its text
        assert_eq!(
            JsonPointer::root().index(7).resolve(&v),
            Some(&serde_json::json!("seven"))
        );
        assert_eq!(JsonPointer::root().resolve(&v), Some(&v));
        assert_eq!(JsonPointer::parse("").as_str(), "");
    }
}
