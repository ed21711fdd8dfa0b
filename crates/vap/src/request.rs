//! Admission requests: built from a plain object (offline), or taken from an AdmissionReview.

use crate::matching::{Attributes, resource_for_kind};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The user making a request
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserInfo {
    /// User name
    pub username: String,
    /// UID
    pub uid: String,
    /// Groups
    pub groups: Vec<String>,
    /// Extra attributes from the authenticator, by key
    pub extra: BTreeMap<String, Vec<String>>,
}

/// One admission request
#[derive(Debug, Clone)]
pub struct AdmissionRequest {
    /// The request's `uid` (empty for requests built from objects)
    pub uid: String,
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
    /// `requestKind` (group, version, kind) when the API server converted the request from
    /// another version; `None` = as `kind`
    pub request_kind: Option<[String; 3]>,
    /// `requestResource` (group, version, resource); `None` = as `resource`
    pub request_resource: Option<[String; 3]>,
    /// `requestSubResource`; `None` = as `subresource`
    pub request_subresource: Option<String>,
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
    /// The operation's options (`CreateOptions`, …) as sent
    pub options: Option<Value>,
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
            uid: String::new(),
            operation: operation.to_owned(),
            object,
            old_object,
            group: group.to_owned(),
            version: version.to_owned(),
            kind,
            resource,
            subresource: String::new(),
            request_kind: None,
            request_resource: None,
            request_subresource: None,
            name,
            namespace,
            namespaced,
            user: UserInfo::default(),
            dry_run: false,
            options: None,
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
        // `requestKind`/`requestResource` as sent: all three strings of each, or none
        let triple = |field: &str, last: &str| {
            let at = req.get(field)?;
            Some(["group", "version", last].map(|k| {
                at.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            }))
        };
        Ok(Self {
            uid: s("/uid"),
            operation,
            object,
            old_object,
            group,
            version,
            kind,
            resource,
            subresource: s("/subResource"),
            request_kind: triple("requestKind", "kind"),
            request_resource: triple("requestResource", "resource"),
            request_subresource: req
                .get("requestSubResource")
                .and_then(Value::as_str)
                .map(str::to_owned),
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
                extra: match req.pointer("/userInfo/extra") {
                    None | Some(Value::Null) => BTreeMap::new(),
                    Some(extra) => serde_json::from_value(extra.clone()).map_err(|e| {
                        format!("`request.userInfo.extra` must map names to lists of strings: {e}")
                    })?,
                },
            },
            dry_run: req.get("dryRun").and_then(Value::as_bool).unwrap_or(false),
            options: req.get("options").filter(|o| !o.is_null()).cloned(),
            namespace_object: None,
        })
    }

    /// The request's fields, borrowed
    pub fn view<'s>(&'s self) -> RequestView<'s> {
        let strs = |t: &'s [String; 3]| [t[0].as_str(), t[1].as_str(), t[2].as_str()];
        RequestView {
            request_uid: &self.uid,
            operation: &self.operation,
            object: self.object.as_ref(),
            old_object: self.old_object.as_ref(),
            group: &self.group,
            version: &self.version,
            kind: &self.kind,
            resource: &self.resource,
            subresource: &self.subresource,
            request_kind: self.request_kind.as_ref().map(strs),
            request_resource: self.request_resource.as_ref().map(strs),
            request_subresource: self.request_subresource.as_deref(),
            name: &self.name,
            namespace: &self.namespace,
            namespaced: self.namespaced,
            username: &self.user.username,
            uid: &self.user.uid,
            groups: &self.user.groups,
            user_extra: &self.user.extra,
            dry_run: self.dry_run,
            options: self.options.as_ref(),
            namespace_object: self.namespace_object.as_ref(),
        }
    }

    /// The attributes matching looks at
    pub fn attributes(&self) -> Attributes<'_> {
        self.view().attributes()
    }

    /// The CEL `request` variable: the typed `AdmissionRequest` (every field present)
    pub fn cel_request(&self) -> Value {
        self.view().cel_request()
    }
}

/// An admission request's fields, borrowed: what evaluation reads. A caller that holds the
/// request in another form (the webhook) evaluates it through this without copying objects.
#[derive(Debug, Clone, Copy)]
pub struct RequestView<'a> {
    /// The request's `uid`
    pub request_uid: &'a str,
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`
    pub operation: &'a str,
    /// The object (absent on DELETE)
    pub object: Option<&'a Value>,
    /// The old object (UPDATE, DELETE)
    pub old_object: Option<&'a Value>,
    /// API group of the object
    pub group: &'a str,
    /// API version of the object
    pub version: &'a str,
    /// Kind of the object
    pub kind: &'a str,
    /// Resource (plural)
    pub resource: &'a str,
    /// Subresource, empty for the main resource
    pub subresource: &'a str,
    /// `requestKind` (group, version, kind); `None` = as `group`, `version`, `kind`
    pub request_kind: Option<[&'a str; 3]>,
    /// `requestResource` (group, version, resource); `None` = as `group`, `version`, `resource`
    pub request_resource: Option<[&'a str; 3]>,
    /// `requestSubResource`; `None` = as `subresource`
    pub request_subresource: Option<&'a str>,
    /// Object name
    pub name: &'a str,
    /// Namespace, empty for cluster-scoped objects
    pub namespace: &'a str,
    /// Whether the resource is namespaced
    pub namespaced: bool,
    /// User name of who asks
    pub username: &'a str,
    /// UID of who asks
    pub uid: &'a str,
    /// Groups of who asks
    pub groups: &'a [String],
    /// Extra attributes of who asks
    pub user_extra: &'a BTreeMap<String, Vec<String>>,
    /// Dry run
    pub dry_run: bool,
    /// The operation's options, as sent
    pub options: Option<&'a Value>,
    /// The request's Namespace object, as [`AdmissionRequest::namespace_object`]
    pub namespace_object: Option<&'a Value>,
}

impl<'a> RequestView<'a> {
    /// The attributes matching looks at
    pub fn attributes(self) -> Attributes<'a> {
        Attributes {
            operation: self.operation,
            group: self.group,
            version: self.version,
            resource: self.resource,
            subresource: self.subresource,
            name: self.name,
            namespaced: self.namespaced,
            object: self.object,
            old_object: self.old_object,
        }
    }

    /// The CEL `request` variable: the typed `AdmissionRequest` (every field present)
    pub fn cel_request(self) -> Value {
        // The shape is fixed: a clone of a prepared mapping whose values are then set in
        // order costs the key copies only, not the hashing of every key into new mappings
        let s = |v: &str| Value::String(v.to_owned());
        let mut request = cel_request_shape().clone();
        let mut values = request.values_mut();
        let mut set = |v: Value| {
            if let Some(slot) = values.next() {
                *slot = v;
            }
        };
        let gvk = |[group, version, kind]: [&str; 3]| {
            let mut m = gvk_shape().clone();
            for (slot, v) in m.values_mut().zip([group, version, kind]) {
                *slot = s(v);
            }
            Value::Object(m)
        };
        let kind = [self.group, self.version, self.kind];
        let resource = [self.group, self.version, self.resource];
        let user = {
            let mut m = user_shape().clone();
            let mut values = m.values_mut();
            for v in [s(self.username), s(self.uid)] {
                if let Some(slot) = values.next() {
                    *slot = v;
                }
            }
            if let Some(slot) = values.next() {
                *slot = Value::Array(self.groups.iter().map(|g| s(g)).collect());
            }
            if let Some(slot) = values.next()
                && !self.user_extra.is_empty()
            {
                *slot = Value::Object(
                    self.user_extra
                        .iter()
                        .map(|(k, v)| (k.clone(), v.iter().map(|x| s(x)).collect()))
                        .collect(),
                );
            }
            Value::Object(m)
        };
        set(s(self.request_uid));
        set(gvk(kind));
        set(gvr(resource));
        set(s(self.subresource));
        set(gvk(self.request_kind.unwrap_or(kind)));
        set(gvr(self.request_resource.unwrap_or(resource)));
        set(s(self.request_subresource.unwrap_or(self.subresource)));
        set(s(self.name));
        set(s(self.namespace));
        set(s(self.operation));
        set(user);
        set(Value::Bool(self.dry_run));
        set(self.options.cloned().unwrap_or(Value::Null));
        Value::Object(request)
    }
}

/// `{group, version, resource}` with the given values
fn gvr(group_version_resource: [&str; 3]) -> Value {
    let mut m = gvr_shape().clone();
    for (slot, v) in m.values_mut().zip(group_version_resource) {
        *slot = Value::String(v.to_owned());
    }
    Value::Object(m)
}

/// A mapping with `keys` (in order), every value null
fn shape<'k>(keys: impl IntoIterator<Item = &'k &'k str>) -> Map<String, Value> {
    keys.into_iter()
        .map(|k| ((*k).to_owned(), Value::Null))
        .collect()
}

/// The keys of the CEL `request`, in the order [`RequestView::cel_request`] sets them: the
/// API's order without the objects (bound as variables of their own)
fn cel_request_shape() -> &'static Map<String, Value> {
    static SHAPE: OnceLock<Map<String, Value>> = OnceLock::new();
    SHAPE.get_or_init(|| {
        shape(
            palisade_model::ADMISSION_REQUEST_FIELDS
                .iter()
                .filter(|k| !matches!(**k, "object" | "oldObject")),
        )
    })
}

fn gvk_shape() -> &'static Map<String, Value> {
    static SHAPE: OnceLock<Map<String, Value>> = OnceLock::new();
    SHAPE.get_or_init(|| shape(&["group", "version", "kind"]))
}

fn gvr_shape() -> &'static Map<String, Value> {
    static SHAPE: OnceLock<Map<String, Value>> = OnceLock::new();
    SHAPE.get_or_init(|| shape(&["group", "version", "resource"]))
}

/// `userInfo`: username, uid and groups set in order; `extra` stays an empty mapping
fn user_shape() -> &'static Map<String, Value> {
    static SHAPE: OnceLock<Map<String, Value>> = OnceLock::new();
    SHAPE.get_or_init(|| {
        let mut m = shape(&["username", "uid", "groups"]);
        m.insert("extra".to_owned(), Value::Object(Map::new()));
        m
    })
}
#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cel_request_is_the_typed_request() {
        let mut req = AdmissionRequest::for_object(
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "d", "namespace": "ns"}}),
            "UPDATE",
            None,
        );
        req.user = UserInfo {
            username: "alice".into(),
            uid: "u1".into(),
            groups: vec!["g1".into(), "g2".into()],
            ..UserInfo::default()
        };
        req.subresource = "scale".into();
        req.dry_run = true;
        let expected = json!({
            "uid": "",
            "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "subResource": "scale",
            "requestKind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "requestResource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "requestSubResource": "scale",
            "name": "d",
            "namespace": "ns",
            "operation": "UPDATE",
            "userInfo": {"username": "alice", "uid": "u1", "groups": ["g1", "g2"], "extra": {}},
            "dryRun": true,
            "options": null,
        });
        let got = req.cel_request();
        assert_eq!(got, expected);
        // the key order is the typed struct's too
        assert_eq!(
            serde_json::to_string(&got).unwrap(),
            serde_json::to_string(&expected).unwrap()
        );
    }

    #[test]
    fn cel_request_keeps_what_the_review_sent() {
        let review = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": "r-1",
            "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "requestKind": {"group": "apps", "version": "v1beta1", "kind": "Deployment"},
            "requestResource": {"group": "apps", "version": "v1beta1", "resource": "deployments"},
            "requestSubResource": "",
            "name": "d", "namespace": "ns", "operation": "CREATE",
            "userInfo": {"username": "bob", "extra": {"example.com/team": ["red"]}},
            "object": {"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "d", "namespace": "ns"}},
            "options": {"kind": "CreateOptions", "fieldManager": "kubectl"},
        }});
        let got = AdmissionRequest::from_admission_review(&review)
            .unwrap()
            .cel_request();
        assert_eq!(got["uid"], "r-1");
        assert_eq!(got["kind"]["version"], "v1");
        assert_eq!(got["requestKind"]["version"], "v1beta1");
        assert_eq!(got["requestResource"]["version"], "v1beta1");
        assert_eq!(
            got["userInfo"]["extra"],
            json!({"example.com/team": ["red"]})
        );
        assert_eq!(got["options"]["fieldManager"], "kubectl");

        // malformed extra attributes are an error, not dropped
        let mut bad = review;
        bad["request"]["userInfo"]["extra"] = json!({"example.com/team": "red"});
        let err = AdmissionRequest::from_admission_review(&bad).unwrap_err();
        assert!(err.contains("request.userInfo.extra"), "{err}");
    }
}
