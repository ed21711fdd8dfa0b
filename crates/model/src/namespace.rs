//! Namespaces as the API server keeps them.

use crate::member;
use serde_json::Value;
use std::borrow::Cow;

/// The label the API server sets on every namespace, to its name
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// A namespace's `metadata.labels` as the API server keeps them: with [`NAMESPACE_NAME_LABEL`]
/// set to `name` unless present (nothing added for an empty name), borrowed as they are when
/// nothing is added; absent labels are an empty map, labels that are not a map are kept as
/// they are
pub fn namespace_labels<'a>(labels: Option<&'a Value>, name: &str) -> Cow<'a, Value> {
    match labels {
        Some(map @ Value::Object(m))
            if name.is_empty() || member(m, NAMESPACE_NAME_LABEL).is_some() =>
        {
            return Cow::Borrowed(map);
        }
        Some(Value::Object(_)) | None => {}
        Some(other) => return Cow::Borrowed(other),
    }
    let mut m = labels
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if !name.is_empty() {
        m.insert(
            NAMESPACE_NAME_LABEL.to_owned(),
            Value::String(name.to_owned()),
        );
    }
    Cow::Owned(Value::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn namespace_labels_carry_the_name_label() {
        let labelled = json!({NAMESPACE_NAME_LABEL: "team", "tier": "web"});
        let unlabelled = json!({"tier": "web"});
        assert!(matches!(
            namespace_labels(Some(&labelled), "team"),
            Cow::Borrowed(l) if *l == labelled
        ));
        assert_eq!(
            namespace_labels(Some(&unlabelled), "team").into_owned(),
            json!({"tier": "web", NAMESPACE_NAME_LABEL: "team"})
        );
        assert_eq!(
            namespace_labels(None, "team").into_owned(),
            json!({NAMESPACE_NAME_LABEL: "team"})
        );
        assert_eq!(namespace_labels(None, "").into_owned(), json!({}));
        assert!(matches!(
            namespace_labels(Some(&unlabelled), ""),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            namespace_labels(Some(&Value::Null), "team").into_owned(),
            Value::Null
        );
    }
}
