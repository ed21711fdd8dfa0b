//! What a template sees: `input.review` built as Gatekeeper builds it, and `data.inventory`.
//!
//! `input.review` is the JSON form of an `admission/v1` `AdmissionRequest`. For a plain object
//! (gator's `unstructuredToAdmissionRequest`) that is: `kind` = the object's
//! `{group, version, kind}`, `name`/`namespace` from its metadata (omitted when empty),
//! `operation: ""`, `userInfo: {}`, an empty `resource`, `uid: ""`, `object` = the object,
//! `oldObject: null`. For an `AdmissionReview` the request is taken as written (unknown fields are
//! rejected, as gator decodes it strictly) with the zero values of the typed struct filled in,
//! and on `DELETE` the `oldObject` is copied into `object` for Rego (`setObjectOnDelete`).
//! `namespaceObject` is `null`: gator never sideloads the Namespace into the review.

use crate::GatekeeperError;
use crate::input_reads::Reads;
use palisade_model::ADMISSION_REQUEST_FIELDS;
use serde_json::{Map, Value, json};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// Group of `AdmissionReview` objects that gator reviews as requests
const ADMISSION_GROUP: &str = "admission.k8s.io";

/// One request under review.
///
/// The engines' forms of the request (Rego's `input.review`, CEL's `request`) are derived on
/// first use and then shared by every constraint evaluated against this review, so a request
/// pays for those conversions once, not once per constraint. They are derived from the fields
/// as they are then: build a new `Review` rather than changing the fields after evaluating.
/// The objects are held apart from the other fields, borrowed where the caller keeps them (a
/// webhook's request, a scanned document): a review does not copy what it reviews.
#[derive(Debug, Clone, PartialEq)]
pub struct Review<'o> {
    /// `input.review` for Rego with its `object` and `oldObject` null (they are the next two)
    fields: Fields<'o>,
    /// `input.review.object`: the object, or on `DELETE` the old object
    object: Option<Cow<'o, Value>>,
    /// `input.review.oldObject`
    old_object: Option<Cow<'o, Value>>,
    /// Whether `object` is the object as sent (not absent, not the `DELETE` copy)
    object_sent: bool,
    /// `request.namespace` (empty when absent): the Namespace the matcher looks up
    pub namespace: String,
    /// Engine forms of `request`, derived lazily (see above)
    derived: Derived,
}

/// A request as a webhook parsed it, for [`Review::from_sent_request`]: its own fields are
/// built only if a template reads them (most read only the objects), and building them cost
/// more than the evaluation of a simple template
pub trait SentRequest: Sync {
    /// The request's fields as the API server wrote them, without `object` and `oldObject`:
    /// in its order and with its omissions (`kind` and `resource` complete, `userInfo`
    /// present, no unknown field)
    fn fields(&self) -> Map<String, Value>;
    /// `operation`
    fn operation(&self) -> &str;
    /// `namespace`, empty when absent
    fn namespace(&self) -> &str;
}

/// The fields of a review's request, apart from its objects
#[derive(Clone)]
enum Fields<'o> {
    /// Built with the review
    Built(Value),
    /// A webhook's request, its fields built and completed on first use
    Sent {
        request: &'o dyn SentRequest,
        built: OnceLock<Value>,
    },
}

impl Fields<'_> {
    fn value(&self) -> &Value {
        match self {
            Self::Built(value) => value,
            Self::Sent { request, built } => {
                built.get_or_init(|| complete_sent_fields(request.fields()))
            }
        }
    }

    fn operation(&self) -> &str {
        match self {
            Self::Built(value) => str_at(value, &["operation"]),
            Self::Sent { request, .. } => request.operation(),
        }
    }
}

impl PartialEq for Fields<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.value() == other.value()
    }
}

impl std::fmt::Debug for Fields<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Fields").field(self.value()).finish()
    }
}

/// A webhook's request fields completed as Gatekeeper's typed request has them: `object` and
/// `oldObject` (null here, the review holds them) after `userInfo`, `options` and
/// `namespaceObject` present
fn complete_sent_fields(mut fields: Map<String, Value>) -> Value {
    let position = |key: &str| fields.keys().position(|k| k == key);
    let at = position("userInfo")
        .or_else(|| position("operation"))
        .map_or(fields.len(), |i| i + 1);
    fields.shift_insert(at, "object".into(), Value::Null);
    fields.shift_insert(at + 1, "oldObject".into(), Value::Null);
    if !fields.contains_key("options") {
        fields.insert("options".into(), Value::Null);
    }
    fields.insert("namespaceObject".into(), Value::Null);
    Value::Object(fields)
}

/// A CREATE of a Pod by `alice` as a webhook sends it, counting how often its fields are built
#[cfg(test)]
#[derive(Default)]
pub(crate) struct CountingRequest(std::sync::atomic::AtomicUsize);

#[cfg(test)]
impl CountingRequest {
    pub(crate) fn builds(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(test)]
impl SentRequest for CountingRequest {
    fn fields(&self) -> Map<String, Value> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let fields = json!({
            "uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "operation": "CREATE", "userInfo": {"username": "alice"},
        });
        fields.as_object().cloned().unwrap_or_default()
    }

    fn operation(&self) -> &str {
        "CREATE"
    }

    fn namespace(&self) -> &str {
        ""
    }
}

/// Conversions of a review's request shared by all the evaluations of that review
#[derive(Default)]
pub(crate) struct Derived {
    /// `request` as a regorus value (Rego's `input.review`)
    rego: OnceLock<regorus::Value>,
    /// The parts of `request` templates read, by what they read (templates that read the same
    /// parts share one conversion)
    rego_parts: Mutex<Vec<(Arc<Reads>, regorus::Value)>>,
    /// CEL's `request` variable
    cel_request: OnceLock<Value>,
}

impl Clone for Derived {
    fn clone(&self) -> Self {
        Derived {
            rego: self.rego.clone(),
            rego_parts: Mutex::new(
                self.rego_parts
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone(),
            ),
            cel_request: self.cel_request.clone(),
        }
    }
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Derived")
    }
}

/// Derived values are functions of the review's fields: they never make reviews differ
impl PartialEq for Derived {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<'o> Review<'o> {
    /// The review gator builds for a plain object
    pub fn from_object(object: &'o Value) -> Self {
        let api_version = str_at(object, &["apiVersion"]);
        let (group, version) = split_api_version(api_version);
        let name = str_at(object, &["metadata", "name"]);
        let namespace = str_at(object, &["metadata", "namespace"]);
        let mut request = Map::new();
        request.insert("uid".into(), json!(""));
        request.insert(
            "kind".into(),
            json!({"group": group, "version": version, "kind": str_at(object, &["kind"])}),
        );
        request.insert(
            "resource".into(),
            json!({"group": "", "version": "", "resource": ""}),
        );
        if !name.is_empty() {
            request.insert("name".into(), json!(name));
        }
        if !namespace.is_empty() {
            request.insert("namespace".into(), json!(namespace));
        }
        request.insert("operation".into(), json!(""));
        request.insert("userInfo".into(), json!({}));
        request.insert("object".into(), Value::Null);
        request.insert("oldObject".into(), Value::Null);
        request.insert("options".into(), Value::Null);
        request.insert("namespaceObject".into(), Value::Null);
        Self {
            fields: Fields::Built(Value::Object(request)),
            object: Some(Cow::Borrowed(object)),
            old_object: None,
            object_sent: true,
            namespace: namespace.to_owned(),
            derived: Derived::default(),
        }
    }

    /// True for `kind: AdmissionReview` in the `admission.k8s.io` group (any version)
    pub fn is_admission_review(value: &Value) -> bool {
        str_at(value, &["kind"]) == "AdmissionReview"
            && split_api_version(str_at(value, &["apiVersion"])).0 == ADMISSION_GROUP
    }

    /// The review gator builds for an `AdmissionReview`
    pub fn from_admission_review(review: &'o Value) -> Result<Self, GatekeeperError> {
        let invalid = |m: &str| GatekeeperError::InvalidReview(m.to_owned());
        let Some(req) = review.get("request").filter(|r| !r.is_null()) else {
            return Err(invalid(
                "the AdmissionReview has no `request` (an AdmissionRequest)",
            ));
        };
        let Some(fields) = req.as_object() else {
            return Err(invalid("`request` must be a mapping"));
        };
        let object = fields.get("object").map(Cow::Borrowed);
        let old_object = fields.get("oldObject").map(Cow::Borrowed);
        let fields = fields
            .iter()
            .filter(|(k, _)| *k != "object" && *k != "oldObject")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Self::from_request_parts(fields, object, old_object)
    }

    /// The review gator builds for an `AdmissionRequest` (the `request` of an
    /// `AdmissionReview`), taken by value: the objects are moved, not copied
    pub fn from_admission_request(mut fields: Map<String, Value>) -> Result<Self, GatekeeperError> {
        let object = fields.remove("object").map(Cow::Owned);
        let old_object = fields.remove("oldObject").map(Cow::Owned);
        Self::from_request_parts(fields, object, old_object)
    }

    /// The review of a request's `fields` whose `object` and `oldObject` are given apart (the
    /// fields are moved into the review, not copied)
    fn from_request_parts(
        mut fields: Map<String, Value>,
        object: Option<Cow<'o, Value>>,
        old_object: Option<Cow<'o, Value>>,
    ) -> Result<Self, GatekeeperError> {
        if let Some(unknown) = fields
            .keys()
            .find(|k| !ADMISSION_REQUEST_FIELDS.contains(&k.as_str()))
        {
            return Err(GatekeeperError::InvalidReview(format!(
                "unknown field `request.{unknown}` in the AdmissionReview"
            )));
        }
        let (object, old_object) = reviewable(object, old_object)?;
        let mut request = Map::with_capacity(16);
        request.insert(
            "uid".into(),
            fields.remove("uid").unwrap_or_else(|| json!("")),
        );
        request.insert(
            "kind".into(),
            with_zero_fields(fields.remove("kind"), ["group", "version", "kind"]),
        );
        request.insert(
            "resource".into(),
            with_zero_fields(fields.remove("resource"), ["group", "version", "resource"]),
        );
        for optional in [
            "subResource",
            "requestKind",
            "requestResource",
            "requestSubResource",
            "name",
        ] {
            if let Some(v) = fields.remove(optional).filter(|v| !is_empty(v)) {
                request.insert(optional.into(), v);
            }
        }
        let namespace = match fields.remove("namespace") {
            Some(v) if !is_empty(&v) => {
                let name = v.as_str().unwrap_or_default().to_owned();
                request.insert("namespace".into(), v);
                name
            }
            _ => String::new(),
        };
        let operation = fields.remove("operation").unwrap_or_else(|| json!(""));
        let is_delete = operation.as_str() == Some("DELETE");
        request.insert("operation".into(), operation);
        request.insert(
            "userInfo".into(),
            fields
                .remove("userInfo")
                .filter(|u| !u.is_null())
                .unwrap_or_else(|| json!({})),
        );
        let object_sent = object.is_some();
        let object = rego_object(object, &old_object, is_delete);
        request.insert("object".into(), Value::Null);
        request.insert("oldObject".into(), Value::Null);
        if let Some(dry_run) = fields.remove("dryRun").filter(|v| !v.is_null()) {
            request.insert("dryRun".into(), dry_run);
        }
        request.insert(
            "options".into(),
            fields.remove("options").unwrap_or(Value::Null),
        );
        request.insert("namespaceObject".into(), Value::Null);
        Ok(Self {
            fields: Fields::Built(Value::Object(request)),
            object,
            old_object,
            object_sent,
            namespace,
            derived: Derived::default(),
        })
    }

    /// The review of a request as the API server sends it, given as a webhook parsed it. The
    /// same review as [`Self::from_admission_request`], but the objects are borrowed and the
    /// request's own fields are built only when a template reads them: a webhook builds one
    /// per request.
    pub fn from_sent_request(
        request: &'o dyn SentRequest,
        object: Option<&'o Value>,
        old_object: Option<&'o Value>,
    ) -> Result<Self, GatekeeperError> {
        let (object, old_object) =
            reviewable(object.map(Cow::Borrowed), old_object.map(Cow::Borrowed))?;
        let is_delete = request.operation() == "DELETE";
        let object_sent = object.is_some();
        let object = rego_object(object, &old_object, is_delete);
        Ok(Self {
            fields: Fields::Sent {
                request,
                built: OnceLock::new(),
            },
            object,
            old_object,
            object_sent,
            namespace: request.namespace().to_owned(),
            derived: Derived::default(),
        })
    }

    /// The review of a document: an `AdmissionReview` or a plain object
    pub fn from_document(value: &'o Value) -> Result<Self, GatekeeperError> {
        if Self::is_admission_review(value) {
            Self::from_admission_review(value)
        } else {
            Ok(Self::from_object(value))
        }
    }

    /// The object as sent (before the `DELETE` copy), `None` when absent
    pub fn object(&self) -> Option<&Value> {
        self.object.as_deref().filter(|_| self.object_sent)
    }

    /// The old object, `None` when absent
    pub fn old_object(&self) -> Option<&Value> {
        self.old_object.as_deref()
    }

    /// `request.operation`
    pub fn operation(&self) -> &str {
        self.fields.operation()
    }

    /// `input.review` whole, as one JSON value
    pub fn to_value(&self) -> Value {
        let mut review = self.fields.value().clone();
        if let Value::Object(m) = &mut review {
            for key in ["object", "oldObject"] {
                if let (Some(slot), Some(v)) = (m.get_mut(key), self.member(key)) {
                    slot.clone_from(v);
                }
            }
        }
        review
    }

    /// The member `key` of `input.review`
    fn member(&self, key: &str) -> Option<&Value> {
        static NULL: Value = Value::Null;
        match key {
            "object" => Some(self.object.as_deref().unwrap_or(&NULL)),
            "oldObject" => Some(self.old_object.as_deref().unwrap_or(&NULL)),
            _ => palisade_model::field(self.fields.value(), key),
        }
    }

    /// `request` as a regorus value, converted on first use
    pub(crate) fn rego_request(&self) -> &regorus::Value {
        self.derived.rego.get_or_init(|| {
            let mut review = crate::rego::to_rego(self.fields.value());
            if let Ok(m) = review.as_object_mut() {
                for key in ["object", "oldObject"] {
                    if let Some(v) = self.member(key) {
                        m.insert(regorus::Value::from(key), crate::rego::to_rego(v));
                    }
                }
            }
            review
        })
    }

    /// `input.review` for a template that reads `reads` of `input`: the parts it reads,
    /// converted on first use by that template, or the whole shared conversion
    pub(crate) fn rego_request_for(&self, reads: &Arc<Reads>) -> regorus::Value {
        let Some(review_reads) = reads.review() else {
            return self.rego_request().clone();
        };
        let mut parts = self
            .derived
            .rego_parts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((_, v)) = parts
            .iter()
            .find(|(k, _)| Arc::ptr_eq(k, reads) || **k == **reads)
        {
            return v.clone();
        }
        let value = review_reads.project_members(|key| self.member(key));
        parts.push((Arc::clone(reads), value.clone()));
        value
    }

    /// A value derived from `request` for CEL, built by `make` on first use
    pub(crate) fn cel_request(&self, make: impl FnOnce(&Value) -> Value) -> &Value {
        self.derived
            .cel_request
            .get_or_init(|| make(self.fields.value()))
    }
}

/// The request's objects, null ones taken as absent, if there is one to review and each is a
/// Kubernetes object
fn reviewable<'o>(
    object: Option<Cow<'o, Value>>,
    old_object: Option<Cow<'o, Value>>,
) -> CheckedObjects<'o> {
    let object = object.filter(|o| !o.is_null());
    let old_object = old_object.filter(|o| !o.is_null());
    if object.is_none() && old_object.is_none() {
        return Err(GatekeeperError::InvalidReview(
            "the AdmissionRequest has no `object` or `oldObject` to review".to_owned(),
        ));
    }
    for (what, o) in [("object", &object), ("oldObject", &old_object)] {
        if let Some(o) = o
            && (!o.is_object() || str_at(o, &["kind"]).is_empty())
        {
            return Err(GatekeeperError::InvalidReview(format!(
                "`request.{what}` must be a Kubernetes object with a `kind`"
            )));
        }
    }
    Ok((object, old_object))
}

/// The objects a review holds, or why there is nothing to review
type CheckedObjects<'o> = Result<(Option<Cow<'o, Value>>, Option<Cow<'o, Value>>), GatekeeperError>;

/// `input.review.object`: on `DELETE` the old object is also the object (`setObjectOnDelete`)
fn rego_object<'o>(
    object: Option<Cow<'o, Value>>,
    old_object: &Option<Cow<'o, Value>>,
    is_delete: bool,
) -> Option<Cow<'o, Value>> {
    match (object, is_delete) {
        (None, true) => old_object.clone(),
        (object, _) => object,
    }
}

/// `value` (a mapping) with the `keys` it lacks added as `""` (the zero keys first, in the
/// order of `keys`, then the others of `value`); all of them `""` when `value` is absent
fn with_zero_fields(value: Option<Value>, keys: [&str; 3]) -> Value {
    let zero = |given: Option<&Map<String, Value>>| {
        let mut out = Map::with_capacity(given.map_or(0, Map::len) + keys.len());
        for k in keys {
            out.insert(k.to_owned(), json!(""));
        }
        out
    };
    match value {
        // already in that order (a typed request's fields): taken as it is
        Some(Value::Object(given)) if given.keys().take(keys.len()).eq(keys) => {
            Value::Object(given)
        }
        Some(Value::Object(given)) => {
            let mut out = zero(Some(&given));
            for (k, v) in given {
                out.insert(k, v);
            }
            Value::Object(out)
        }
        Some(v) if !v.is_null() => v,
        _ => Value::Object(zero(None)),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// A string at a path, `""` when absent or not a string
pub(crate) fn str_at<'v>(value: &'v Value, path: &[&str]) -> &'v str {
    path.iter()
        .try_fold(value, |v, k| palisade_model::field(v, k))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// `("apps", "v1")` for `apps/v1`, `("", "v1")` for `v1`
pub(crate) fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.rsplit_once('/').unwrap_or(("", api_version))
}

/// apiVersion → kind → name → object
type ByVersion = BTreeMap<String, BTreeMap<String, BTreeMap<String, Value>>>;

/// `data.inventory` and the Namespace cache, built from the objects added to it
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    cluster: ByVersion,
    namespaced: BTreeMap<String, ByVersion>,
    namespaces: HashMap<String, Value>,
    len: usize,
}

impl Inventory {
    /// An empty inventory (`data.inventory` undefined, no Namespace known)
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an object: cluster-scoped ones (no `metadata.namespace`) under
    /// `cluster[apiVersion][kind][name]`, others under `namespace[ns][apiVersion][kind][name]`.
    /// Namespaces also feed the cache that `namespaceSelector` and the namespace criteria use.
    pub fn add(&mut self, object: &Value) -> Result<(), GatekeeperError> {
        let name = str_at(object, &["metadata", "name"]);
        let api_version = str_at(object, &["apiVersion"]);
        let kind = str_at(object, &["kind"]);
        let (group, version) = split_api_version(api_version);
        if version.is_empty() {
            return Err(GatekeeperError::Inventory(format!(
                "resource `{name}` has no version"
            )));
        }
        if kind.is_empty() {
            return Err(GatekeeperError::Inventory(format!(
                "resource `{name}` has no kind"
            )));
        }
        let namespace = str_at(object, &["metadata", "namespace"]);
        let root = if namespace.is_empty() {
            &mut self.cluster
        } else {
            self.namespaced.entry(namespace.to_owned()).or_default()
        };
        root.entry(api_version.to_owned())
            .or_default()
            .entry(kind.to_owned())
            .or_default()
            .insert(name.to_owned(), object.clone());
        if kind == "Namespace" && group.is_empty() {
            self.namespaces.insert(name.to_owned(), object.clone());
        }
        self.len += 1;
        Ok(())
    }

    /// Number of objects added
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing was added
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A Namespace object by name
    pub fn namespace(&self, name: &str) -> Option<&Value> {
        self.namespaces.get(name)
    }

    /// The `data.inventory` document (`None` when empty, so that it is undefined in Rego)
    pub fn to_data(&self) -> Option<Value> {
        if self.is_empty() {
            return None;
        }
        let mut inventory = Map::new();
        if !self.cluster.is_empty() {
            inventory.insert("cluster".into(), by_version_json(&self.cluster));
        }
        if !self.namespaced.is_empty() {
            let namespaces = self
                .namespaced
                .iter()
                .map(|(ns, tree)| (ns.clone(), by_version_json(tree)))
                .collect();
            inventory.insert("namespace".into(), Value::Object(namespaces));
        }
        Some(Value::Object(inventory))
    }
}

fn by_version_json(tree: &ByVersion) -> Value {
    let map = tree
        .iter()
        .map(|(version, kinds)| {
            let kinds = kinds
                .iter()
                .map(|(kind, names)| {
                    let names = names.iter().map(|(n, o)| (n.clone(), o.clone())).collect();
                    (kind.clone(), Value::Object(names))
                })
                .collect();
            (version.clone(), Value::Object(kinds))
        })
        .collect();
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod() -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web", "namespace": "prod"},
            "spec": {"containers": []}
        })
    }

    #[test]
    fn plain_object_review_matches_gator() {
        let review_doc = pod();
        let review = Review::from_object(&review_doc);
        assert_eq!(
            review.to_value(),
            json!({
                "uid": "",
                "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "", "resource": ""},
                "name": "web",
                "namespace": "prod",
                "operation": "",
                "userInfo": {},
                "object": pod(),
                "oldObject": null,
                "options": null,
                "namespaceObject": null
            })
        );
        assert_eq!(review.namespace, "prod");
    }

    #[test]
    fn grouped_kind_and_missing_metadata() {
        let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment"});
        let review = Review::from_object(&deploy);
        assert_eq!(
            review.to_value()["kind"],
            json!({"group": "apps", "version": "v1", "kind": "Deployment"})
        );
        assert!(review.to_value().get("name").is_none());
        assert!(review.to_value().get("namespace").is_none());
    }

    #[test]
    fn admission_review_fills_zero_values() {
        let ar = json!({
            "apiVersion": "admission.k8s.io/v1beta1",
            "kind": "AdmissionReview",
            "request": {"operation": "UPDATE", "object": pod(), "oldObject": pod()}
        });
        assert!(Review::is_admission_review(&ar));
        let review = Review::from_admission_review(&ar).unwrap();
        assert_eq!(
            review.to_value()["kind"],
            json!({"group": "", "version": "", "kind": ""})
        );
        assert_eq!(review.to_value()["userInfo"], json!({}));
        assert_eq!(review.to_value()["uid"], json!(""));
        assert_eq!(review.operation(), "UPDATE");
        assert_eq!(review.to_value()["oldObject"], pod());
    }

    #[test]
    fn request_by_value_is_the_same_review() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}});
        for request in [
            json!({"uid": "u", "operation": "CREATE", "namespace": "ns", "object": pod}),
            json!({"operation": "DELETE", "oldObject": pod, "object": null}),
            json!({"operation": "UPDATE", "object": pod, "oldObject": pod, "dryRun": true}),
        ] {
            let by_ref_doc = json!({ "request": request });
            let by_ref = Review::from_admission_review(&by_ref_doc);
            let Value::Object(fields) = request else {
                unreachable!()
            };
            assert_eq!(Review::from_admission_request(fields).ok(), by_ref.ok());
        }
        let Value::Object(unknown) = json!({"object": pod, "bogus": 1}) else {
            unreachable!()
        };
        assert!(Review::from_admission_request(unknown).is_err());
    }

    #[test]
    fn delete_copies_old_object_for_rego() {
        let ar = json!({
            "apiVersion": "admission.k8s.io/v1",
            "kind": "AdmissionReview",
            "request": {"operation": "DELETE", "oldObject": pod(), "userInfo": {"username": "u"}}
        });
        let review = Review::from_admission_review(&ar).unwrap();
        assert_eq!(review.to_value()["object"], pod());
        assert!(review.object().is_none());
        assert_eq!(review.old_object(), Some(&pod()));
        assert_eq!(review.to_value()["userInfo"]["username"], "u");
    }

    #[test]
    fn admission_review_errors() {
        let no_request = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"});
        assert!(Review::from_admission_review(&no_request).is_err());
        let unknown = json!({
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"object": pod(), "bogus": 1}
        });
        let err = Review::from_admission_review(&unknown).unwrap_err();
        assert!(err.to_string().contains("request.bogus"), "{err}");
        let nothing = json!({
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"operation": "CREATE"}
        });
        assert!(Review::from_admission_review(&nothing).is_err());
        // another group is not an AdmissionReview
        let other = json!({"apiVersion": "example.com/v1", "kind": "AdmissionReview"});
        assert!(!Review::is_admission_review(&other));
    }

    #[test]
    fn inventory_layout() {
        let mut inv = Inventory::new();
        assert!(inv.to_data().is_none());
        inv.add(&pod()).unwrap();
        inv.add(&json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "fast"}}))
            .unwrap();
        inv.add(&json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod", "labels": {"env": "prod"}}}))
            .unwrap();
        let data = inv.to_data().unwrap();
        assert_eq!(data["namespace"]["prod"]["v1"]["Pod"]["web"]["kind"], "Pod");
        assert_eq!(
            data["cluster"]["storage.k8s.io/v1"]["StorageClass"]["fast"]["metadata"]["name"],
            "fast"
        );
        assert_eq!(
            data["cluster"]["v1"]["Namespace"]["prod"]["kind"],
            "Namespace"
        );
        assert_eq!(
            inv.namespace("prod").unwrap()["metadata"]["labels"]["env"],
            "prod"
        );
        assert!(inv.add(&json!({"kind": "Pod"})).is_err());
        assert!(inv.add(&json!({"apiVersion": "v1"})).is_err());
    }
}
