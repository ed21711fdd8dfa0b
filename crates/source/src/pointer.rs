use std::fmt;

/// One step of a [`JsonPointer`]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// Object member
    Key(String),
    /// Array element
    Index(usize),
}

/// An RFC 6901 JSON pointer, kept as segments so it can be extended cheaply
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct JsonPointer(Vec<Segment>);

impl JsonPointer {
    /// The document root
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// Parse `/a/b/0` form (with `~0`/`~1` escapes); numeric segments become indexes
    pub fn parse(text: &str) -> Self {
        let segments = text
            .split('/')
            .skip(1)
            .map(|raw| {
                let key = raw.replace("~1", "/").replace("~0", "~");
                match key.parse::<usize>() {
                    Ok(i) if !key.starts_with('+') => Segment::Index(i),
                    _ => Segment::Key(key),
                }
            })
            .collect();
        Self(segments)
    }

    /// Append an object key in place (no copy of the pointer)
    pub fn push_key(&mut self, key: &str) {
        self.0.push(Segment::Key(key.to_owned()));
    }

    /// Append an array index in place (no copy of the pointer)
    pub fn push_index(&mut self, index: usize) {
        self.0.push(Segment::Index(index));
    }

    /// This pointer extended by an object key
    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        let mut next = self.clone();
        next.0.push(Segment::Key(key.to_owned()));
        next
    }

    /// This pointer extended by an array index
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        let mut next = self.clone();
        next.0.push(Segment::Index(index));
        next
    }

    /// This pointer extended by a `/`-separated relative path like `securityContext/privileged`
    #[must_use]
    pub fn join(&self, relative: &str) -> Self {
        let mut next = self.clone();
        next.0.extend(Self::parse(&format!("/{relative}")).0);
        next
    }

    /// The segments, root first
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// Look the pointer up in a value
    pub fn resolve<'v>(&self, value: &'v serde_json::Value) -> Option<&'v serde_json::Value> {
        self.0.iter().try_fold(value, |v, seg| match (seg, v) {
            (Segment::Key(k), serde_json::Value::Object(m)) => m.get(k),
            (Segment::Index(i), serde_json::Value::Array(a)) => a.get(*i),
            (Segment::Index(i), serde_json::Value::Object(m)) => m.get(&i.to_string()),
            _ => None,
        })
    }
}

impl FromIterator<Segment> for JsonPointer {
    fn from_iter<I: IntoIterator<Item = Segment>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl fmt::Display for JsonPointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for seg in &self.0 {
            match seg {
                Segment::Key(k) => write!(f, "/{}", k.replace('~', "~0").replace('/', "~1"))?,
                Segment::Index(i) => write!(f, "/{i}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_escapes() {
        let p = JsonPointer::parse("/metadata/annotations/a~1b~0c/0");
        assert_eq!(p.to_string(), "/metadata/annotations/a~1b~0c/0");
        assert_eq!(p.segments().len(), 4);
        assert_eq!(p.segments()[3], Segment::Index(0));
    }

    #[test]
    fn resolves_in_values() {
        let v = serde_json::json!({"a": [{"b": 1}]});
        assert_eq!(
            JsonPointer::parse("/a/0/b").resolve(&v),
            Some(&serde_json::json!(1))
        );
        assert_eq!(JsonPointer::root().join("a/1").resolve(&v), None);
    }
}
