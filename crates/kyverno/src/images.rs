//! Container image references and the `images` context variable
//! (`pkg/utils/image/infos.go`, `pkg/utils/api/image.go`).

use serde_json::{Map, Value};

/// A parsed image reference
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    /// `docker.io`, `ghcr.io`, … (the default registry is added when missing)
    pub registry: String,
    /// Last path component
    pub name: String,
    /// Repository path without the registry (no `library/` is added)
    pub path: String,
    /// Tag (`latest` when neither tag nor digest is given)
    pub tag: String,
    /// `sha256:…`
    pub digest: String,
}

const DEFAULT_REGISTRY: &str = "docker.io";

impl ImageInfo {
    /// Parse like Kyverno's `GetImageInfo` with the default configuration
    pub fn parse(image: &str) -> Option<Self> {
        if image.is_empty() {
            return None;
        }
        let full = match image.find('/') {
            Some(i) => {
                let first = &image[..i];
                if !first.contains(['.', ':'])
                    && first != "localhost"
                    && first.to_lowercase() == first
                {
                    format!("{DEFAULT_REGISTRY}/{image}")
                } else {
                    image.to_owned()
                }
            }
            None => format!("{DEFAULT_REGISTRY}/{image}"),
        };
        let (rest, digest) = match full.split_once('@') {
            Some((r, d)) => (r.to_owned(), d.to_owned()),
            None => (full.clone(), String::new()),
        };
        let last_slash = rest.rfind('/')?;
        let (name_part, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (
                rest[..last_slash + i].to_owned(),
                rest[last_slash + i + 1..].to_owned(),
            ),
            None => (rest.clone(), String::new()),
        };
        let (registry, path) = name_part.split_once('/')?;
        if path.is_empty()
            || path != path.to_lowercase()
            || !path
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
        {
            return None;
        }
        if !tag.is_empty()
            && !tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return None;
        }
        let name = path.rsplit('/').next().unwrap_or(path).to_owned();
        let tag = if tag.is_empty() && digest.is_empty() {
            "latest".to_owned()
        } else {
            tag
        };
        Some(Self {
            registry: registry.to_owned(),
            name,
            path: path.to_owned(),
            tag,
            digest,
        })
    }

    /// `registry/path:tag` or `registry/path@digest`
    pub fn reference(&self) -> String {
        let image = format!("{}/{}", self.registry, self.path);
        if self.digest.is_empty() {
            format!("{image}:{}", self.tag)
        } else {
            format!("{image}@{}", self.digest)
        }
    }

    /// `registry/path:tag`
    pub fn reference_with_tag(&self) -> String {
        format!("{}/{}:{}", self.registry, self.path, self.tag)
    }

    /// `image_normalize`: the full reference
    pub fn normalized(&self) -> String {
        self.reference()
    }

    /// As the JSON the context holds
    pub fn to_value(&self, pointer: &str) -> Value {
        let mut m = Map::new();
        m.insert("registry".into(), Value::String(self.registry.clone()));
        m.insert("name".into(), Value::String(self.name.clone()));
        m.insert("path".into(), Value::String(self.path.clone()));
        if !self.tag.is_empty() {
            m.insert("tag".into(), Value::String(self.tag.clone()));
        }
        if !self.digest.is_empty() {
            m.insert("digest".into(), Value::String(self.digest.clone()));
        }
        m.insert("reference".into(), Value::String(self.reference()));
        m.insert(
            "referenceWithTag".into(),
            Value::String(self.reference_with_tag()),
        );
        m.insert("jsonPointer".into(), Value::String(pointer.to_owned()));
        Value::Object(m)
    }
}

/// Where the pod spec of a kind lives
pub fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pod" => &["spec"],
        "Deployment"
        | "DaemonSet"
        | "ReplicaSet"
        | "StatefulSet"
        | "Job"
        | "ReplicationController" => &["spec", "template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    })
}

/// The `images` variable for a resource (`None` when the kind has no pod)
pub fn extract(resource: &Value) -> Option<Value> {
    let kind = resource.get("kind").and_then(Value::as_str)?;
    let path = pod_spec_path(kind)?;
    let mut spec = resource;
    for p in path {
        spec = spec.get(*p)?;
    }
    let mut out = Map::new();
    let base = format!("/{}", path.join("/"));
    for field in ["initContainers", "containers", "ephemeralContainers"] {
        let Some(list) = spec.get(field).and_then(Value::as_array) else {
            continue;
        };
        let mut m = Map::new();
        for (i, c) in list.iter().enumerate() {
            let (Some(name), Some(image)) = (
                c.get("name").and_then(Value::as_str),
                c.get("image").and_then(Value::as_str),
            ) else {
                continue;
            };
            if let Some(info) = ImageInfo::parse(image) {
                m.insert(
                    name.to_owned(),
                    info.to_value(&format!("{base}/{field}/{i}/image")),
                );
            }
        }
        if !m.is_empty() {
            out.insert(field.to_owned(), Value::Object(m));
        }
    }
    Some(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_images() {
        let i = ImageInfo::parse("nginx").unwrap();
        assert_eq!(
            (i.registry.as_str(), i.path.as_str(), i.tag.as_str()),
            ("docker.io", "nginx", "latest")
        );
        let i = ImageInfo::parse("ghcr.io/org/app:1.2").unwrap();
        assert_eq!(
            (
                i.registry.as_str(),
                i.path.as_str(),
                i.name.as_str(),
                i.tag.as_str()
            ),
            ("ghcr.io", "org/app", "app", "1.2")
        );
        let i = ImageInfo::parse("localhost:5000/app@sha256:abc").unwrap();
        assert_eq!(
            (i.registry.as_str(), i.tag.as_str(), i.digest.as_str()),
            ("localhost:5000", "", "sha256:abc")
        );
        assert_eq!(i.reference(), "localhost:5000/app@sha256:abc");
        let i = ImageInfo::parse("library/busybox:1.28").unwrap();
        assert_eq!(i.reference(), "docker.io/library/busybox:1.28");
    }
}
