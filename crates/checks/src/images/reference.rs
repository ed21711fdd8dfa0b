//! Parsing of container image references (`[registry/]repository[:tag][@digest]`)

use palisade_model::{Container, PodTemplate};
use serde_json::Value;

/// The parts of an image reference
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ImageRef<'a> {
    /// Registry host (with port), `None` for the Docker Hub default
    pub(crate) registry: Option<&'a str>,
    /// Repository path without the registry (`library/nginx`, `team/app`, `nginx`)
    pub(crate) repository: &'a str,
    /// Tag, when given
    pub(crate) tag: Option<&'a str>,
    /// Digest (`sha256:…`), when given
    pub(crate) digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    /// Split a reference into its parts; `None` for an empty or templated reference
    /// (`{{ .Values.image }}`, `${IMAGE}`, `$(IMAGE)`), which cannot be judged statically
    pub(crate) fn parse(image: &'a str) -> Option<Self> {
        let image = image.trim();
        if image.is_empty() || image.contains("{{") || image.contains("${") || image.contains("$(")
        {
            return None;
        }
        let (name, digest) = match image.split_once('@') {
            Some((n, d)) => (n, Some(d).filter(|d| !d.is_empty())),
            None => (image, None),
        };
        let last_slash = name.rfind('/');
        let (name, tag) = match name.rfind(':') {
            Some(colon) if last_slash.is_none_or(|s| colon > s) => (
                &name[..colon],
                Some(&name[colon + 1..]).filter(|t| !t.is_empty()),
            ),
            _ => (name, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first), rest)
            }
            _ => (None, name),
        };
        Some(Self {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The tag is absent or `latest`, and no digest pins the image
    pub(crate) fn is_mutable_latest(&self) -> bool {
        self.digest.is_none() && self.tag.is_none_or(|t| t == "latest")
    }

    /// The last path component of the repository (`tiller` for `gcr.io/kubernetes-helm/tiller`)
    pub(crate) fn short_name(&self) -> &'a str {
        self.repository
            .rsplit('/')
            .next()
            .unwrap_or(self.repository)
    }
}

/// The containers of a pod whose image can be judged statically, each with its `image` as
/// written and the parts of that reference
pub(crate) fn container_images<'a>(
    pod: &PodTemplate<'a>,
) -> impl Iterator<Item = (Container<'a>, &'a str, ImageRef<'a>)> {
    pod.all_containers().filter_map(|c| {
        let image = c.get("image").and_then(Value::as_str)?;
        Some((c, image, ImageRef::parse(image)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        let r = ImageRef::parse("nginx").unwrap();
        assert_eq!(
            (r.registry, r.repository, r.tag, r.digest),
            (None, "nginx", None, None)
        );
        assert!(r.is_mutable_latest());

        let r = ImageRef::parse("localhost:5000/team/app:1.2").unwrap();
        assert_eq!(r.registry, Some("localhost:5000"));
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag, Some("1.2"));
        assert!(!r.is_mutable_latest());

        let r = ImageRef::parse("registry.example.com:5000/app").unwrap();
        assert_eq!(r.registry, Some("registry.example.com:5000"));
        assert_eq!(r.tag, None);

        let r = ImageRef::parse("gcr.io/kubernetes-helm/tiller:latest@sha256:abcd").unwrap();
        assert_eq!(r.registry, Some("gcr.io"));
        assert_eq!(r.tag, Some("latest"));
        assert_eq!(r.digest, Some("sha256:abcd"));
        assert_eq!(r.short_name(), "tiller");
        assert!(!r.is_mutable_latest());

        let r = ImageRef::parse("library/busybox:latest").unwrap();
        assert_eq!((r.registry, r.repository), (None, "library/busybox"));
        assert!(r.is_mutable_latest());

        assert!(ImageRef::parse("{{ .Values.image }}").is_none());
        assert!(ImageRef::parse("  ").is_none());
    }
}
