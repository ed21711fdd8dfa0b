//! Admission requests: built from a plain object (offline), or taken from an AdmissionReview.

use crate::matching::{Attributes, resource_for_kind};
use serde_json::{Map, Value, json};

/// The user making a request
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserInfo {
    /// User name
    pub username: String,
    /// UID
    pub uid: String,
    /// Groups
    pub groups: Vec<String>,
}

/// One admission request
#[derive(Debug, Clone)]
pub struct AdmissionRequest {
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`
    pub operation: String,
    /// The object (absent on DELETE)
    pub object: Option<Value>,
    /// The old object (UPDATE, DELETE)
    pub old_object: Option<Value>,
    /// API group of the object
    pub group: String,
    /// API version of the object
    pub version: String,
    /// Kind of the object
    pub kind: String,
    /// Resource (plural)
    pub resource: String,
    /// Subresource, empty for the main resource
    pub subresource: String,
    /// Object name
    pub name: String,
    /// Namespace, empty for cluster-scoped objects
    pub namespace: String,
    /// Whether the resource is namespaced
    pub namespaced: bool,
    /// Who asks
    pub user: UserInfo,
    /// Dry run
    pub dry_run: bool,
    /// The request's Namespace object when the caller has it (the admission webhook's
    /// namespace cache); `None` looks it up among the documents given to
    /// [`PolicySet::load`](crate::PolicySet::load)
    pub namespace_object: Option<Value>,
}

fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.rsplit_once('/').unwrap_or(("", api_version))
}

impl AdmissionRequest {
    /// The request that creates (or with `operation`, updates/deletes) `object`, as a
    /// cluster would see it when the object is applied. For `UPDATE`, `old` is the previous
    /// object (the object itself when absent); for `DELETE`, `object` is the deleted object.
    pub fn for_object(object: Value, operation: &str, old: Option<Value>) -> Self {
        let str_at = |v: &Value, p: &str| {
            v.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let api_version = str_at(&object, "/apiVersion");
        let (group, version) = split_api_version(&api_version);
        let kind = str_at(&object, "/kind");
        let namespace = str_at(&object, "/metadata/namespace");
        let name = str_at(&object, "/metadata/name");
        let (resource, namespaced) = resource_for_kind(group, &kind, !namespace.is_empty());
        let (object, old_object) = match operation {
            "DELETE" => (None, Some(object)),
            "UPDATE" => {
                let old = old.unwrap_or_else(|| object.clone());
                (Some(object), Some(old))
            }
            _ => (Some(object), None),
        };
        let namespace = if namespaced && namespace.is_empty() {
            "default".to_owned()
        } else if namespaced {
            namespace
        } else {
            String::new()
        };
        Self {
            operation: operation.to_owned(),
            object,
            old_object,
            group: group.to_owned(),
            version: version.to_owned(),
            kind,
            resource,
            subresource: String::new(),
            name,
            namespace,
            namespaced,
            user: UserInfo::default(),
            dry_run: false,
            namespace_object: None,
        }
    }

    /// The request of an `AdmissionReview` document
    pub fn from_admission_review(review: &Value) -> Result<Self, String> {
        let req = review
            .get("request")
            .ok_or("AdmissionReview has no `request`")?;
        let s = |p: &str| {
            req.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let object = req.get("object").filter(|v| !v.is_null()).cloned();
        let old_object = req.get("oldObject").filter(|v| !v.is_null()).cloned();
        let any = object.as_ref().or(old_object.as_ref());
        let mut group = s("/kind/group");
        let mut version = s("/kind/version");
        let mut kind = s("/kind/kind");
        if kind.is_empty()
            && let Some(o) = any
        {
            let av = o
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let (g, v) = split_api_version(av);
            group = g.to_owned();
            version = v.to_owned();
            kind = o
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
        }
        let namespace = s("/namespace");
        let (derived, namespaced) = resource_for_kind(&group, &kind, !namespace.is_empty());
        let resource = match s("/resource/resource") {
            r if r.is_empty() => derived,
            r => r,
        };
        let mut name = s("/name");
        if name.is_empty()
            && let Some(o) = any
        {
            name = o
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
        }
        let operation = match s("/operation") {
            op if op.is_empty() => "CREATE".to_owned(),
            op => op,
        };
        Ok(Self {
            operation,
            object,
            old_object,
            group,
            version,
            kind,
            resource,
            subresource: s("/subResource"),
            name,
            namespace,
            namespaced,
            user: UserInfo {
                username: s("/userInfo/username"),
                uid: s("/userInfo/uid"),
                groups: req
                    .pointer("/userInfo/groups")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            },
            dry_run: req.get("dryRun").and_then(Value::as_bool).unwrap_or(false),
            namespace_object: None,
        })
    }

    /// The attributes matching looks at
    pub fn attributes(&self) -> Attributes<'_> {
        Attributes {
            operation: &self.operation,
            group: &self.group,
            version: &self.version,
            resource: &self.resource,
            subresource: &self.subresource,
            name: &self.name,
            namespaced: self.namespaced,
            object: self.object.as_ref(),
            old_object: self.old_object.as_ref(),
        }
    }

    /// The CEL `request` variable: the typed `AdmissionRequest` (every field present)
    pub fn cel_request(&self) -> Value {
        let gvk = json!({"group": self.group, "version": self.version, "kind": self.kind});
        let gvr = json!({"group": self.group, "version": self.version, "resource": self.resource});
        let mut m = Map::new();
        m.insert("uid".into(), json!(""));
        m.insert("kind".into(), gvk.clone());
        m.insert("resource".into(), gvr.clone());
        m.insert("subResource".into(), json!(self.subresource));
        m.insert("requestKind".into(), gvk);
        m.insert("requestResource".into(), gvr);
        m.insert("requestSubResource".into(), json!(self.subresource));
        m.insert("name".into(), json!(self.name));
        m.insert("namespace".into(), json!(self.namespace));
        m.insert("operation".into(), json!(self.operation));
        m.insert(
            "userInfo".into(),
            json!({
                "username": self.user.username,
                "uid": self.user.uid,
                "groups": self.user.groups,
                "extra": {},
            }),
        );
        m.insert("dryRun".into(), json!(self.dry_run));
        m.insert("options".into(), Value::Null);
        Value::Object(m)
    }
}
