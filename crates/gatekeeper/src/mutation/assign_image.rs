//! AssignImage (`pkg/mutation/mutators/assignimage`): replaces parts of the image reference
//! at the location — `assignDomain` (`registry.example.com`, `localhost:5000`), `assignPath`
//! (`library/nginx`), `assignTag` (`:1.25` or `@sha256:<hex>`) — keeping the parts not set.
//!
//! The parts are validated so the mutation converges: a part must not contain the separators
//! that would make it split differently the next time (`/`, `:`, `@`), and a path whose first
//! segment looks like a domain needs `assignDomain`, or it would "leak" into the domain on the
//! next pass.

use super::path::Path;
use super::walker::Setter;
use super::{check_key_not_changed, has_metadata_root};
use serde_json::{Map, Value};

/// A loaded AssignImage
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AssignImage {
    domain: String,
    path: String,
    tag: String,
}

impl AssignImage {
    pub(crate) fn parse(location: &Path, params: &Value) -> Result<Self, String> {
        if has_metadata_root(location) {
            return Err("AssignImage cannot change `metadata`".into());
        }
        if location.last().is_some_and(|n| n.is_list()) {
            return Err(format!(
                "the location `{location}` ends in a list selector; AssignImage changes a string field"
            ));
        }
        check_key_not_changed(location)?;
        let part = |field: &str| match params.get(field) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(format!("`parameters.{field}` must be a string")),
        };
        let image = Self {
            domain: part("assignDomain")?,
            path: part("assignPath")?,
            tag: part("assignTag")?,
        };
        image.validate()?;
        Ok(image)
    }

    fn validate(&self) -> Result<(), String> {
        let (domain, path, tag) = (&self.domain, &self.path, &self.tag);
        if domain.is_empty() && path.is_empty() && tag.is_empty() {
            return Err(
                "at least one of `assignDomain`, `assignPath`, `assignTag` must be set".into(),
            );
        }
        if !domain.is_empty() && !valid_domain(domain) {
            return Err(format!(
                "assignDomain `{domain}` must be a fully-qualified domain name or localhost, with an optional port"
            ));
        }
        if !path.is_empty() && !valid_path(path) {
            return Err(format!(
                "assignPath `{path}` must be a valid image path (lowercase alphanumerics separated by `.`, `_`, `__`, `/` or dashes)"
            ));
        }
        if !tag.is_empty() && !valid_tag(tag) {
            return Err(format!(
                "assignTag `{tag}` must be a tag starting with `:` or a digest starting with `@`"
            ));
        }
        if domain.is_empty() && !split_domain(path).0.is_empty() {
            return Err(format!(
                "assignDomain must be set when the first part of assignPath `{path}` looks like a domain"
            ));
        }
        Ok(())
    }

    /// The reference with the assigned parts replaced
    fn apply(&self, current: &str) -> String {
        let (domain, rest) = split_domain(current);
        let (path, tag) = match rest.find([':', '@']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let pick = |new: &'_ str, old: &'_ str| {
            if new.is_empty() {
                old.to_owned()
            } else {
                new.to_owned()
            }
        };
        let domain = pick(&self.domain, domain);
        let mut out = String::with_capacity(current.len() + 16);
        if !domain.is_empty() {
            out.push_str(&domain);
            out.push('/');
        }
        out.push_str(&pick(&self.path, path));
        out.push_str(&pick(&self.tag, tag));
        out
    }
}

impl Setter for AssignImage {
    fn set_field(&self, object: &mut Map<String, Value>, key: &str) -> Result<(), String> {
        let current = match object.get(key) {
            None | Some(Value::Null) => "",
            Some(Value::String(s)) => s.as_str(),
            Some(other) => {
                return Err(format!(
                    "expected the image at `{key}` to be a string, got {other}"
                ));
            }
        };
        let image = self.apply(current);
        object.insert(key.to_owned(), Value::String(image));
        Ok(())
    }
}

/// Docker's rule: the first `/`-segment is a domain when it has a `.` or `:` or is
/// `localhost`
fn split_domain(image: &str) -> (&str, &str) {
    match image.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => (first, rest),
        _ => ("", image),
    }
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `host(:port)?`: `localhost`, or word characters, dashes and dots with at least one dot,
/// starting and ending with a word character
fn valid_domain(domain: &str) -> bool {
    let (host, port) = match domain.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (domain, None),
    };
    if port.is_some_and(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit())) {
        return false;
    }
    if host == "localhost" {
        return true;
    }
    let first_ok = host.chars().next().is_some_and(is_word);
    let last_ok = host.chars().last().is_some_and(is_word);
    first_ok
        && last_ok
        && host.contains('.')
        && host.chars().all(|c| is_word(c) || c == '-' || c == '.')
}

/// Lowercase alphanumeric runs separated by one of `.`, `_`, `__`, `/` or any number of `-`
fn valid_path(path: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    path.starts_with(alnum)
        && path.ends_with(alnum)
        && path
            .split(alnum)
            .filter(|s| !s.is_empty())
            .all(|s| matches!(s, "." | "_" | "__" | "/") || s.chars().all(|c| c == '-'))
}

/// `:tag` (a word character then up to 127 of word, `.`, `-`) or `@algorithm:hex` (hex of at
/// least 32 digits; algorithm components of letters and digits joined by `-_+.`)
fn valid_tag(tag: &str) -> bool {
    if let Some(t) = tag.strip_prefix(':') {
        let mut chars = t.chars();
        return chars.next().is_some_and(is_word)
            && t.len() <= 128
            && chars.all(|c| is_word(c) || c == '.' || c == '-');
    }
    let Some(digest) = tag.strip_prefix('@') else {
        return false;
    };
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    let component_ok = |c: &str| {
        let mut chars = c.chars();
        chars.next().is_some_and(|f| f.is_ascii_alphabetic())
            && chars.all(|ch| ch.is_ascii_alphanumeric())
    };
    hex.len() >= 32
        && hex.chars().all(|c| c.is_ascii_hexdigit())
        && algorithm.split(['-', '_', '+', '.']).all(component_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(domain: &str, path: &str, tag: &str) -> AssignImage {
        AssignImage {
            domain: domain.into(),
            path: path.into(),
            tag: tag.into(),
        }
    }

    #[test]
    fn replaces_only_the_assigned_parts() {
        let d = image("registry.example.com", "", "");
        assert_eq!(d.apply("nginx:1.25"), "registry.example.com/nginx:1.25");
        assert_eq!(
            d.apply("docker.io/library/nginx"),
            "registry.example.com/library/nginx"
        );
        assert_eq!(
            d.apply("localhost:5000/app@sha256:abc"),
            "registry.example.com/app@sha256:abc"
        );
        assert_eq!(d.apply(""), "registry.example.com/");
        let t = image("", "", ":latest");
        assert_eq!(t.apply("a.io/x/y:1"), "a.io/x/y:latest");
        assert_eq!(t.apply("x/y@sha256:0"), "x/y:latest");
        let p = image("", "team/app", "");
        assert_eq!(p.apply("gcr.io/old/app:v1"), "gcr.io/team/app:v1");
    }

    #[test]
    fn validates_parts() {
        for ok in [
            "a.b",
            "gcr.io",
            "localhost",
            "localhost:5000",
            "my-registry.example.com:443",
        ] {
            assert!(valid_domain(ok), "{ok}");
        }
        for bad in [
            "gcr", "gcr.io/", ".io", "gcr.", "a.b:", "a.b:x", "a b.c", "a/b.c",
        ] {
            assert!(!valid_domain(bad), "{bad}");
        }
        for ok in ["nginx", "library/nginx", "a__b", "a-b--c", "a.b_c/d"] {
            assert!(valid_path(ok), "{ok}");
        }
        for bad in ["Nginx", "a/", "/a", "a:b", "a@b", "a._b", "a___b", "a//b"] {
            assert!(!valid_path(bad), "{bad}");
        }
        for ok in [
            ":v1",
            ":1.25.3-alpine",
            &format!("@sha256:{}", "a".repeat(64)),
        ] {
            assert!(valid_tag(ok), "{ok}");
        }
        for bad in [
            "v1",
            ":",
            ":-x",
            "@sha256:abc",
            &format!(":{}", "a".repeat(129)),
        ] {
            assert!(!valid_tag(bad), "{bad}");
        }
        assert!(image("", "gcr.io/app", "").validate().is_err());
        assert!(image("", "", "").validate().is_err());
        assert!(image("a.io", "gcr.io/app", "").validate().is_ok());
    }
}
