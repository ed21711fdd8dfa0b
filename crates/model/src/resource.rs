use crate::{PodTemplate, field};
use palisade_source::{Diagnostic, JsonPointer, LoadedDocument, Position, Positions, SourceFile};
use serde_json::Value;
use std::sync::{Arc, OnceLock};

/// One Kubernetes object and where it came from
#[derive(Debug, Clone)]
pub struct Resource {
    /// `apiVersion`
    pub api_version: String,
    /// `kind`
    pub kind: String,
    /// `metadata.name` (or `generateName`), empty if absent
    pub name: String,
    /// `metadata.namespace`, if set
    pub namespace: Option<String>,
    /// The object
    pub value: Value,
    /// File it was loaded from
    pub file: Arc<SourceFile>,
    /// Index of its document in the file
    pub document: usize,
    positions: Positions,
    /// One shared reference for all findings about this resource
    shared: OnceLock<Arc<ResourceRef>>,
}

/// Identity of a resource for reports: what and where, without the object itself
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceRef {
    /// `apiVersion`
    pub api_version: String,
    /// `kind`
    pub kind: String,
    /// `metadata.name`
    pub name: String,
    /// `metadata.namespace`
    pub namespace: Option<String>,
}

impl std::fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{}/{}", self.kind, ns, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

/// Turn a loaded document into resources: one, the items of a `kind: *List`, or none (with a
/// diagnostic) when the document is not a Kubernetes object
pub fn resources_from_document(doc: LoadedDocument) -> (Vec<Resource>, Vec<Diagnostic>) {
    let LoadedDocument {
        file,
        index,
        value,
        positions,
        start,
    } = doc;
    let mut diags = Vec::new();
    let Value::Object(map) = &value else {
        diags.push(
            Diagnostic::error(
                "not-kubernetes-object",
                &file.name,
                Some(start),
                format!(
                    "document is a {}, not a Kubernetes object",
                    type_name(&value)
                ),
            )
            .with_help("expected a mapping with `apiVersion` and `kind`"),
        );
        return (Vec::new(), diags);
    };
    let kind = map.get("kind").and_then(Value::as_str).unwrap_or_default();
    if kind.ends_with("List")
        && let Some(items) = map.get("items").and_then(Value::as_array)
    {
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let ptr = JsonPointer::root().key("items").index(i);
            let sub = positions.subtree(&value, &ptr).unwrap_or_default();
            let at = positions.locate(&value, &ptr).0;
            match Resource::new(item.clone(), Arc::clone(&file), index, sub, at) {
                Ok(r) => out.push(r),
                Err(d) => diags.push(d),
            }
        }
        return (out, diags);
    }
    match Resource::new(value, file, index, positions, start) {
        Ok(r) => (vec![r], diags),
        Err(d) => (Vec::new(), vec![d]),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

impl Resource {
    /// The same resource (identity, file, positions) holding `value` instead of its object:
    /// keeps a resource without its object, or puts an object back
    pub fn with_value(&self, value: Value) -> Self {
        Self {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            value,
            file: Arc::clone(&self.file),
            document: self.document,
            positions: self.positions.clone(),
            shared: self.shared.clone(),
        }
    }

    fn new(
        value: Value,
        file: Arc<SourceFile>,
        document: usize,
        positions: Positions,
        start: Position,
    ) -> Result<Self, Diagnostic> {
        let field = |k: &str| {
            crate::field(&value, k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let missing: Vec<&str> = ["apiVersion", "kind"]
            .into_iter()
            .filter(|k| field(k).is_none())
            .collect();
        if !missing.is_empty() || !value.is_object() {
            let what = missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(" and ");
            return Err(Diagnostic::error(
                "not-kubernetes-object",
                &file.name,
                Some(start),
                format!("document has no {what}, so it is not a Kubernetes object"),
            )
            .with_help(
                "add `apiVersion` and `kind`, or remove the document from the scanned paths",
            ));
        }
        let api_version = field("apiVersion").unwrap_or_default().to_owned();
        let kind = field("kind").unwrap_or_default().to_owned();
        let meta = crate::field(&value, "metadata");
        let name = meta
            .and_then(|m| crate::field(m, "name").or_else(|| crate::field(m, "generateName")))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let namespace = meta
            .and_then(|m| crate::field(m, "namespace"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        Ok(Self {
            api_version,
            kind,
            name,
            namespace,
            value,
            file,
            document,
            positions,
            shared: OnceLock::new(),
        })
    }

    /// Build a resource from a value with no source positions (e.g. an AdmissionReview object)
    pub fn from_value(value: Value, origin: &str) -> Result<Self, Diagnostic> {
        Self::new(
            value,
            SourceFile::new(origin, String::new()),
            0,
            Positions::default(),
            Position::default(),
        )
    }

    /// API group (empty for the core group)
    pub fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }

    /// API version without the group
    pub fn version(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map_or(self.api_version.as_str(), |(_, v)| v)
    }

    /// Reference for reports
    pub fn reference(&self) -> ResourceRef {
        ResourceRef {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            name: self.name.clone(),
            namespace: self.namespace.clone(),
        }
    }

    /// The reference, shared: findings about one resource point at one allocation
    pub fn shared_reference(&self) -> Arc<ResourceRef> {
        Arc::clone(self.shared.get_or_init(|| Arc::new(self.reference())))
    }

    /// A metadata map entry (`labels` / `annotations`)
    fn meta_str(&self, map: &str, key: &str) -> Option<&str> {
        field(field(field(&self.value, "metadata")?, map)?, key)?.as_str()
    }

    /// A label value
    pub fn label(&self, key: &str) -> Option<&str> {
        self.meta_str("labels", key)
    }

    /// An annotation value
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.meta_str("annotations", key)
    }

    /// `metadata.labels` as a map (empty if absent)
    pub fn labels(&self) -> impl Iterator<Item = (&str, &str)> {
        field(&self.value, "metadata")
            .and_then(|m| field(m, "labels"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
    }

    /// Field at a `/`-separated path
    pub fn get(&self, path: &str) -> Option<&Value> {
        path.split('/').try_fold(&self.value, |v, k| match v {
            Value::Array(a) => a.get(k.parse::<usize>().ok()?),
            _ => field(v, k),
        })
    }

    /// The pod (template) of a workload
    pub fn pod_template(&self) -> Option<PodTemplate<'_>> {
        PodTemplate::of(&self.kind, &self.value)
    }

    /// Where a field starts in the file; for a missing field, where its nearest ancestor starts
    pub fn locate(&self, pointer: &JsonPointer) -> Position {
        self.positions.locate(&self.value, pointer).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_source::{LoadLimits, load_str};

    fn load(text: &str) -> (Vec<Resource>, Vec<Diagnostic>) {
        let file = SourceFile::new("t.yaml", text);
        let (docs, mut diags) = load_str(&file, &LoadLimits::default());
        let mut out = Vec::new();
        for d in docs {
            let (r, mut e) = resources_from_document(d);
            out.extend(r);
            diags.append(&mut e);
        }
        (out, diags)
    }

    #[test]
    fn expands_lists_with_positions() {
        let (res, diags) = load(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: a\n  spec:\n    hostNetwork: true\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(res.len(), 1);
        assert_eq!(res[0].name, "a");
        let p = res[0].locate(&JsonPointer::parse("/spec/hostNetwork"));
        assert_eq!((p.line, p.column), (9, 5));
        let missing = res[0].locate(&JsonPointer::parse("/spec/securityContext/runAsNonRoot"));
        assert_eq!((missing.line, missing.column), (8, 3));
    }

    #[test]
    fn rejects_documents_without_kind() {
        let (res, diags) = load("apiVersion: v1\nmetadata: {}\n---\nplain string\n");
        assert!(res.is_empty());
        assert_eq!(diags.len(), 2);
        assert!(diags[0].message.contains("`kind`"), "{}", diags[0].message);
        assert_eq!(diags[1].position.map(|p| p.line), Some(4));
    }
}
