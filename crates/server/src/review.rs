//! `admission.k8s.io/v1` AdmissionReview: the request the API server sends and the response it
//! expects back.
//!
//! Parsing never fails silently and never panics: a body that is not an AdmissionReview is
//! either answered with an AdmissionReview that rejects it as invalid (when its `request.uid`
//! can be read, so the API server can match the answer) or turned into an HTTP 400.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// `apiVersion` of the only AdmissionReview version served
pub const API_VERSION: &str = "admission.k8s.io/v1";
/// `kind` of an AdmissionReview
pub const KIND: &str = "AdmissionReview";

/// Group, version and kind of the object under review (`request.kind`)
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct GroupVersionKind {
    /// API group, empty for the core group
    pub group: String,
    /// API version
    pub version: String,
    /// Kind
    pub kind: String,
}

/// Group, version and resource of the object under review (`request.resource`)
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct GroupVersionResource {
    /// API group, empty for the core group
    pub group: String,
    /// API version
    pub version: String,
    /// Resource (plural)
    pub resource: String,
}

/// Who made the request (`request.userInfo`)
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct UserInfo {
    /// User name
    pub username: String,
    /// User UID
    pub uid: String,
    /// Groups
    pub groups: Vec<String>,
    /// Extra attributes from the authenticator (`extra`), by key; sorted, as the API server
    /// writes them
    pub extra: BTreeMap<String, Vec<String>>,
}

impl UserInfo {
    /// As the API server writes it (`extra` only when there is some)
    pub fn to_value(&self) -> Value {
        let strings = |v: &[String]| Value::Array(v.iter().cloned().map(Value::String).collect());
        let mut user = Map::from_iter([
            ("username".to_owned(), Value::String(self.username.clone())),
            ("uid".to_owned(), Value::String(self.uid.clone())),
            ("groups".to_owned(), strings(&self.groups)),
        ]);
        if !self.extra.is_empty() {
            let extra = self.extra.iter().map(|(k, v)| (k.clone(), strings(v)));
            user.insert("extra".to_owned(), Value::Object(extra.collect()));
        }
        Value::Object(user)
    }
}

/// The operation under review
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Operation {
    /// `CREATE`
    Create,
    /// `UPDATE`
    Update,
    /// `DELETE`
    Delete,
    /// `CONNECT`
    Connect,
}

impl Operation {
    /// Every operation
    pub const ALL: [Self; 4] = [Self::Create, Self::Update, Self::Delete, Self::Connect];

    /// The wire name
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "CREATE",
            Self::Update => "UPDATE",
            Self::Delete => "DELETE",
            Self::Connect => "CONNECT",
        }
    }

    /// Position in [`Self::ALL`], for bit sets
    pub(crate) fn bit(self) -> u8 {
        match self {
            Self::Create => 1,
            Self::Update => 2,
            Self::Delete => 4,
            Self::Connect => 8,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `request` of an AdmissionReview
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionRequest {
    /// Echoed in the response
    pub uid: String,
    /// Kind of the object
    #[serde(default)]
    pub kind: GroupVersionKind,
    /// Resource of the object
    #[serde(default)]
    pub resource: GroupVersionResource,
    /// Subresource (`status`, `exec`, `ephemeralcontainers`, …), empty for the main resource
    #[serde(default)]
    pub sub_resource: String,
    /// Kind as the client asked for it, when the API server converted the request to the
    /// version the webhook matched (`matchPolicy: Equivalent`); as sent, absent when not sent
    #[serde(default)]
    pub request_kind: Option<GroupVersionKind>,
    /// Resource as the client asked for it (see `request_kind`)
    #[serde(default)]
    pub request_resource: Option<GroupVersionResource>,
    /// Subresource as the client asked for it (see `request_kind`)
    #[serde(default)]
    pub request_sub_resource: Option<String>,
    /// Object name (may be empty on CREATE with `generateName`)
    #[serde(default)]
    pub name: String,
    /// Namespace, empty for cluster-scoped objects
    #[serde(default)]
    pub namespace: String,
    /// Operation
    pub operation: Operation,
    /// Requesting user
    #[serde(default)]
    pub user_info: UserInfo,
    /// The object after the operation (absent for DELETE)
    #[serde(default)]
    pub object: Option<Value>,
    /// The object before the operation (UPDATE, DELETE)
    #[serde(default)]
    pub old_object: Option<Value>,
    /// Dry run: no side effects allowed
    #[serde(default)]
    pub dry_run: Option<bool>,
    /// The operation's options (`CreateOptions`, `UpdateOptions`, `DeleteOptions`), as sent
    #[serde(default)]
    pub options: Option<Value>,
}

impl AdmissionRequest {
    /// The request's fields as the API server wrote them, without `object` and `oldObject`:
    /// what Gatekeeper's `input.review` and Kyverno's `request` hold (empty optional fields
    /// are left out, as Go's `omitempty` does)
    pub fn sent_fields(&self) -> Map<String, Value> {
        let s = |v: &str| Value::String(v.to_owned());
        let triple = |k: [(&str, &str); 3]| {
            Value::Object(k.iter().map(|(k, v)| ((*k).to_owned(), s(v))).collect())
        };
        let kind = |k: &GroupVersionKind| {
            triple([
                ("group", &k.group),
                ("version", &k.version),
                ("kind", &k.kind),
            ])
        };
        let resource = |r: &GroupVersionResource| {
            triple([
                ("group", &r.group),
                ("version", &r.version),
                ("resource", &r.resource),
            ])
        };
        let mut fields = Map::with_capacity(14);
        fields.insert("uid".into(), s(&self.uid));
        fields.insert("kind".into(), kind(&self.kind));
        fields.insert("resource".into(), resource(&self.resource));
        if !self.sub_resource.is_empty() {
            fields.insert("subResource".into(), s(&self.sub_resource));
        }
        if let Some(k) = &self.request_kind {
            fields.insert("requestKind".into(), kind(k));
        }
        if let Some(r) = &self.request_resource {
            fields.insert("requestResource".into(), resource(r));
        }
        for (key, value) in [
            ("requestSubResource", self.request_sub_resource.as_deref()),
            ("name", Some(self.name.as_str())),
            ("namespace", Some(self.namespace.as_str())),
        ] {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                fields.insert(key.into(), s(v));
            }
        }
        fields.insert("operation".into(), s(self.operation.as_str()));
        fields.insert("userInfo".into(), self.user_info.to_value());
        if let Some(d) = self.dry_run {
            fields.insert("dryRun".into(), Value::Bool(d));
        }
        if let Some(o) = &self.options {
            fields.insert("options".into(), o.clone());
        }
        fields
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireReview {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    request: Option<AdmissionRequest>,
}

/// Why a body is not a usable AdmissionReview
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidReview {
    /// `request.uid` when it could be read; the answer is then an AdmissionReview
    pub uid: Option<String>,
    /// What is wrong, for the response message and the logs
    pub message: String,
    /// Short machine-readable reason, used as a metric label
    pub reason: &'static str,
}

impl InvalidReview {
    fn new(uid: Option<String>, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            uid,
            message: message.into(),
            reason,
        }
    }
}

/// Parse a request body as an `admission.k8s.io/v1` AdmissionReview.
///
/// Object kinds that need an object (CREATE, UPDATE) must carry one, and it must be a JSON
/// object.
pub fn parse(body: &[u8]) -> Result<AdmissionRequest, InvalidReview> {
    // UTF-8 checked once for the whole body: reading bytes, serde_json checks every string
    // it meets (a tenth of the parse). Invalid UTF-8 is parsed as bytes for serde_json's
    // error and its position.
    let parsed = match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    };
    let wire: WireReview = match parsed {
        Ok(w) => w,
        Err(e) => {
            // Read the uid leniently so the API server can still match our answer.
            let uid = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
                v.pointer("/request/uid")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            });
            let reason = if e.is_syntax() || e.is_eof() {
                "malformed-json"
            } else {
                "malformed-review"
            };
            return Err(InvalidReview::new(
                uid,
                reason,
                format!("malformed AdmissionReview: {e}"),
            ));
        }
    };
    let uid = wire
        .request
        .as_ref()
        .map(|r| r.uid.clone())
        .filter(|u| !u.is_empty());
    if wire.api_version != API_VERSION || wire.kind != KIND {
        return Err(InvalidReview::new(
            uid,
            "wrong-api-version",
            format!(
                "expected apiVersion `{API_VERSION}` and kind `{KIND}`, got `{}` `{}`",
                wire.api_version, wire.kind
            ),
        ));
    }
    let Some(request) = wire.request else {
        return Err(InvalidReview::new(
            None,
            "missing-request",
            "AdmissionReview has no `request`",
        ));
    };
    if request.uid.is_empty() {
        return Err(InvalidReview::new(
            None,
            "missing-uid",
            "AdmissionReview `request.uid` is empty",
        ));
    }
    let needs_object = matches!(request.operation, Operation::Create | Operation::Update);
    match &request.object {
        None if needs_object => {
            return Err(InvalidReview::new(
                uid,
                "missing-object",
                format!(
                    "AdmissionReview for {} has no `request.object`",
                    request.operation
                ),
            ));
        }
        Some(v) if !v.is_object() => {
            return Err(InvalidReview::new(
                uid,
                "malformed-object",
                "`request.object` is not a JSON object",
            ));
        }
        _ => {}
    }
    if request.old_object.as_ref().is_some_and(|v| !v.is_object()) {
        return Err(InvalidReview::new(
            uid,
            "malformed-object",
            "`request.oldObject` is not a JSON object",
        ));
    }
    Ok(request)
}

/// `status` of a response (a `metav1.Status`)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// HTTP-like code: 403 for a denial, 400 for an invalid review
    pub code: u16,
    /// Human message, shown by kubectl
    pub message: String,
    /// `Forbidden`, `BadRequest`, `Invalid`, …
    pub reason: &'static str,
    /// Always `Failure` (only sent when the request is not allowed)
    pub status: &'static str,
}

/// `response` of an AdmissionReview (written by [`AdmissionResponse::to_review_json`])
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdmissionResponse {
    /// The request's uid
    pub uid: String,
    /// The decision
    pub allowed: bool,
    /// Why not, when not allowed
    pub status: Option<Status>,
    /// Warnings shown to the client (kubectl prints them)
    pub warnings: Vec<String>,
    /// Added to the API server's audit event, each key prefixed with the webhook's name
    pub audit_annotations: BTreeMap<String, String>,
    /// `JSONPatch` when a patch is set
    pub patch_type: Option<&'static str>,
    /// Base64 of the JSON Patch (RFC 6902) document
    pub patch: Option<String>,
}

impl AdmissionResponse {
    /// Allow, with nothing to add
    pub fn allow(uid: impl Into<String>) -> Self {
        Self {
            uid: uid.into(),
            allowed: true,
            status: None,
            warnings: Vec::new(),
            audit_annotations: BTreeMap::new(),
            patch_type: None,
            patch: None,
        }
    }

    /// Reject with a status
    pub fn reject(
        uid: impl Into<String>,
        code: u16,
        reason: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            allowed: false,
            status: Some(Status {
                code,
                message: message.into(),
                reason,
                status: "Failure",
            }),
            ..Self::allow(uid)
        }
    }

    /// Reject a review that cannot be evaluated (HTTP-like code 400)
    pub fn invalid(uid: impl Into<String>, message: impl Into<String>) -> Self {
        Self::reject(uid, 400, "BadRequest", message)
    }

    /// The full AdmissionReview JSON document carrying this response, written directly into a
    /// buffer sized for it: it is built for every request, and serde's string escaping tests
    /// each byte of the warnings and messages that make up most of it (the renderers' escaper
    /// copies strings that need none whole, and escapes the others exactly as serde_json)
    pub fn to_review_json(&self) -> Vec<u8> {
        use palisade_report::write_json_string as json_str;
        let texts = self.uid.len()
            + self.status.as_ref().map_or(0, |s| s.message.len())
            + self.warnings.iter().map(|w| w.len() + 3).sum::<usize>()
            + self
                .audit_annotations
                .iter()
                .map(|(k, v)| k.len() + v.len() + 6)
                .sum::<usize>()
            + self.patch.as_ref().map_or(0, String::len);
        let mut out = Vec::with_capacity(texts + 256);
        out.extend_from_slice(b"{\"apiVersion\":");
        json_str(&mut out, API_VERSION);
        out.extend_from_slice(b",\"kind\":");
        json_str(&mut out, KIND);
        out.extend_from_slice(b",\"response\":{\"uid\":");
        json_str(&mut out, &self.uid);
        out.extend_from_slice(if self.allowed {
            b",\"allowed\":true"
        } else {
            b",\"allowed\":false"
        });
        if let Some(status) = &self.status {
            out.extend_from_slice(b",\"status\":{\"code\":");
            out.extend_from_slice(status.code.to_string().as_bytes());
            out.extend_from_slice(b",\"message\":");
            json_str(&mut out, &status.message);
            out.extend_from_slice(b",\"reason\":");
            json_str(&mut out, status.reason);
            out.extend_from_slice(b",\"status\":");
            json_str(&mut out, status.status);
            out.push(b'}');
        }
        if !self.warnings.is_empty() {
            out.extend_from_slice(b",\"warnings\":");
            let mut sep = b'[';
            for warning in &self.warnings {
                out.push(sep);
                sep = b',';
                json_str(&mut out, warning);
            }
            out.push(b']');
        }
        if !self.audit_annotations.is_empty() {
            out.extend_from_slice(b",\"auditAnnotations\":");
            let mut sep = b'{';
            for (key, value) in &self.audit_annotations {
                out.push(sep);
                sep = b',';
                json_str(&mut out, key);
                out.push(b':');
                json_str(&mut out, value);
            }
            out.push(b'}');
        }
        if let Some(patch_type) = self.patch_type {
            out.extend_from_slice(b",\"patchType\":");
            json_str(&mut out, patch_type);
        }
        if let Some(patch) = &self.patch {
            out.extend_from_slice(b",\"patch\":");
            json_str(&mut out, patch);
        }
        out.extend_from_slice(b"}}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn review(request: &Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "apiVersion": API_VERSION, "kind": KIND, "request": request,
        }))
        .unwrap()
    }

    #[test]
    fn parses_a_pod_create() {
        let body = review(&json!({
            "uid": "u1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "team", "operation": "CREATE",
            "userInfo": {"username": "alice", "groups": ["dev"]},
            "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}},
        }));
        let r = parse(&body).unwrap();
        assert_eq!(r.uid, "u1");
        assert_eq!(r.operation, Operation::Create);
        assert_eq!(r.user_info.username, "alice");
        assert_eq!(r.kind.kind, "Pod");
    }

    #[test]
    fn rejects_bad_bodies_with_uid_when_readable() {
        let e = parse(b"{not json").unwrap_err();
        assert_eq!((e.uid, e.reason), (None, "malformed-json"));

        let e = parse(br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"x","operation":"CREATE","object":{}}}"#).unwrap_err();
        assert_eq!(e.uid.as_deref(), Some("x"));
        assert_eq!(e.reason, "wrong-api-version");

        let e = parse(&review(&json!({"uid": "y", "operation": "CREATE"}))).unwrap_err();
        assert_eq!((e.uid.as_deref(), e.reason), (Some("y"), "missing-object"));

        let e = parse(&review(
            &json!({"uid": "z", "operation": "FLY", "object": {}}),
        ))
        .unwrap_err();
        assert_eq!(
            (e.uid.as_deref(), e.reason),
            (Some("z"), "malformed-review")
        );

        let e = parse(&review(
            &json!({"uid": "w", "operation": "CREATE", "object": "str"}),
        ))
        .unwrap_err();
        assert_eq!(e.reason, "malformed-object");

        let e =
            parse(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#).unwrap_err();
        assert_eq!(e.reason, "missing-request");

        // DELETE carries no object
        assert!(
            parse(&review(
                &json!({"uid": "d", "operation": "DELETE", "oldObject": {}})
            ))
            .is_ok()
        );
    }

    #[test]
    fn serializes_responses_like_the_api_server_expects() {
        let mut r = AdmissionResponse::reject("u", 403, "Forbidden", "no");
        r.warnings.push("w".into());
        let v: Value = serde_json::from_slice(&r.to_review_json()).unwrap();
        assert_eq!(
            v,
            json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": {
                "uid": "u", "allowed": false, "warnings": ["w"],
                "status": {"code": 403, "message": "no", "reason": "Forbidden", "status": "Failure"},
            }})
        );
    }

    #[test]
    fn responses_are_written_byte_for_byte_as_serde_json_writes_them() {
        // every member, strings that need escaping and strings that do not
        let mut full = AdmissionResponse::reject(
            "uid-\"1\"",
            403,
            "Forbidden",
            "violates PodSecurity \"baseline:latest\": privileged\n\u{1}",
        );
        full.warnings = vec!["container `app` is root".into(), "tab\there".into()];
        full.audit_annotations
            .insert("b/check".into(), "x, y".into());
        full.audit_annotations.insert("a\\key".into(), "é".into());
        full.patch_type = Some("JSONPatch");
        full.patch = Some("W3sib3AiOiJhZGQifV0=".into());
        let allowed = AdmissionResponse::allow("u2");
        for (response, members) in [
            (
                &full,
                json!({
                    "uid": full.uid, "allowed": false,
                    "status": {"code": 403, "message": full.status.as_ref().unwrap().message,
                        "reason": "Forbidden", "status": "Failure"},
                    "warnings": full.warnings,
                    "auditAnnotations": {"a\\key": "é", "b/check": "x, y"},
                    "patchType": "JSONPatch", "patch": full.patch,
                }),
            ),
            (&allowed, json!({"uid": "u2", "allowed": true})),
        ] {
            let expected = serde_json::to_vec(&json!({
                "apiVersion": API_VERSION, "kind": KIND, "response": members,
            }))
            .unwrap();
            assert_eq!(
                String::from_utf8(response.to_review_json()).unwrap(),
                String::from_utf8(expected).unwrap()
            );
        }
    }
}
