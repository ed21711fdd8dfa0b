//! The plug-in surface for policy dialects.
//!
//! A [`Dialect`] reads the documents of the policies directory it [claims](Dialect::claims)
//! and compiles them into one [`PolicySet`]. The server indexes every policy of every set by
//! what it [matches](MatchSpec) and, per request, calls [`PolicySet::evaluate`] with only the
//! policies the index selected. A set writes what it decides into [`Decisions`]; the server
//! turns that into the AdmissionReview response, the decision log and the metrics.
//!
//! Dialect crates stay pure and synchronous (no tokio, no I/O); their adapter to this trait
//! lives in this crate (`src/dialects/`), next to the built-in checks and Pod Security ones.

use crate::review::{AdmissionRequest, Operation};
use palisade_model::Resource;
use palisade_source::JsonPointer;
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// A policy language the server can load
pub trait Dialect: Send + Sync + fmt::Debug {
    /// Short name used in logs, metrics and load errors (`checks`, `pod-security`, `kyverno`, …)
    fn name(&self) -> &'static str;

    /// Does this dialect read documents of this `apiVersion` and `kind`?
    fn claims(&self, api_version: &str, kind: &str) -> bool;

    /// Compile every document this dialect claimed (possibly none) into one set.
    ///
    /// Report every problem, not only the first: one bad policy keeps the whole reload from
    /// taking effect, and the user should be able to fix them all in one go.
    fn compile(&self, documents: &[Resource]) -> Result<Arc<dyn PolicySet>, Vec<PolicyLoadError>>;

    /// [`compile`](Self::compile), also given the documents of the directory that no dialect
    /// claimed (`data`: param objects, ConfigMaps, …), for policies that refer to them. The
    /// default ignores them.
    fn compile_with_data(
        &self,
        documents: &[Resource],
        data: &[Resource],
    ) -> Result<Arc<dyn PolicySet>, Vec<PolicyLoadError>> {
        let _ = data;
        self.compile(documents)
    }
}

/// Compiled policies of one dialect
pub trait PolicySet: Send + Sync + fmt::Debug {
    /// Every policy of the set; `selected` indices given to [`Self::evaluate`] point in here
    fn policies(&self) -> &[PolicyMeta];

    /// Evaluate the selected policies (sorted, distinct indices into [`Self::policies`]) on a
    /// request and record what they decide.
    ///
    /// Runs on an evaluation thread under the request's deadline; must not do I/O. A mutating
    /// policy sees the object as patched by the policies before it (sets earlier in load order,
    /// policies earlier in `selected`) and must produce patches against that object.
    fn evaluate(&self, request: &Request<'_>, selected: &[usize], out: &mut Decisions);

    /// True when evaluation is native code whose running time is bounded by the size of the
    /// request (no user-supplied programs, no loops over external data). Requests whose
    /// selected sets are all bounded, and whose body is small, are evaluated on the request's
    /// own task: the hand-off to an evaluation thread would cost more than the evaluation.
    /// Everything else (Rego, CEL, …: keep the default) runs on the evaluation threads, under
    /// the deadline.
    fn bounded_cost(&self) -> bool {
        false
    }

    /// Does a policy of the set read documents of this `apiVersion` and `kind` from the
    /// policies directory (params, ConfigMaps)? A document no dialect claims and no set reads
    /// fails the load, so a typo'd policy is never silently not enforced.
    fn reads_data(&self, api_version: &str, kind: &str) -> bool {
        let _ = (api_version, kind);
        false
    }
}

/// What the server needs to know about one policy without evaluating it
#[derive(Debug, Clone)]
pub struct PolicyMeta {
    /// Unique within its dialect; used in logs, metrics and messages
    pub name: Arc<str>,
    /// What requests it can apply to (the index is built from this)
    pub matches: MatchSpec,
    /// What to answer when it cannot be evaluated (error, deadline)
    pub failure_policy: FailurePolicy,
    /// Served on `/mutate` (true) or `/validate` (false)
    pub mutating: bool,
}

/// What to do when a policy cannot be evaluated in time or fails
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
pub enum FailurePolicy {
    /// Reject the request (the Kubernetes default)
    #[default]
    Fail,
    /// Allow the request, with a warning
    Ignore,
}

/// A kind a policy applies to; `None` is a wildcard
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct KindMatch {
    /// API group (`""` is the core group); `None` matches every group
    pub group: Option<String>,
    /// Kind; `None` matches every kind
    pub kind: Option<String>,
}

impl KindMatch {
    /// A kind in a group
    pub fn new(group: &str, kind: &str) -> Self {
        Self {
            group: Some(group.to_owned()),
            kind: Some(kind.to_owned()),
        }
    }

    /// A kind in any group
    pub fn any_group(kind: &str) -> Self {
        Self {
            group: None,
            kind: Some(kind.to_owned()),
        }
    }
}

/// Which requests a policy may apply to.
///
/// This is a coarse, conservative pre-filter for the index: it must never exclude a request
/// the policy would act on. Finer matching (label selectors, Gatekeeper's treatment of
/// cluster-scoped objects, …) stays in the dialect's `evaluate`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MatchSpec {
    /// Operations; empty means every operation
    pub operations: Vec<Operation>,
    /// Kinds (by `request.kind`); empty means every kind
    pub kinds: Vec<KindMatch>,
    /// Namespaces the request must be in; empty means any namespace and cluster-scoped objects
    pub namespaces: Vec<String>,
    /// Namespaces whose requests never reach the policy
    pub excluded_namespaces: Vec<String>,
    /// Also requests on subresources (`pods/ephemeralcontainers`, …); otherwise only the main
    /// resource
    pub subresources: bool,
}

/// Everything a policy sees of one request
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The AdmissionReview request as received
    pub admission: &'a AdmissionRequest,
    /// `request.object` as a resource (absent for DELETE); on `/mutate`, as patched so far
    pub object: Option<&'a Resource>,
    /// `request.oldObject` as a resource (UPDATE, DELETE)
    pub old_object: Option<&'a Resource>,
    /// The request's namespace object, when the request is namespaced and the namespace is
    /// known to the namespace cache
    pub namespace: Option<&'a Resource>,
    /// False when the request is namespaced, a namespace source is configured, and the
    /// namespace is not in it (without a source, unknown namespaces are expected)
    pub namespace_known: bool,
    /// RoleBindings and ClusterRoleBindings from the cluster watch, by subject (empty without
    /// one)
    pub cluster_bindings: &'a palisade_kyverno::rbac::RoleIndex,
}

impl Request<'_> {
    /// Operation
    pub fn operation(&self) -> Operation {
        self.admission.operation
    }
}

/// What a decision did
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Rejected the request
    Deny,
    /// Returned a warning to the client
    Warn,
    /// Recorded in the audit log only (audit annotations and the decision log)
    Audit,
    /// Changed the object (JSON Patch)
    Mutate,
    /// Skipped by an exemption
    Exempt,
    /// Matched, but the rule was suppressed on the object (annotation)
    Suppressed,
    /// Could not be evaluated; handled per the policy's failure policy
    Error,
}

impl Action {
    /// Every action, in metric order
    pub const ALL: [Self; 7] = [
        Self::Deny,
        Self::Warn,
        Self::Audit,
        Self::Mutate,
        Self::Exempt,
        Self::Suppressed,
        Self::Error,
    ];

    /// Lowercase name, used in logs and metric labels
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deny => "deny",
            Self::Warn => "warn",
            Self::Audit => "audit",
            Self::Mutate => "mutate",
            Self::Exempt => "exempt",
            Self::Suppressed => "suppressed",
            Self::Error => "error",
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Self::Deny => 0,
            Self::Warn => 1,
            Self::Audit => 2,
            Self::Mutate => 3,
            Self::Exempt => 4,
            Self::Suppressed => 5,
            Self::Error => 6,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing a policy decided about a request: logged (one JSON line each) and counted
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Index of the policy in its set
    pub policy: usize,
    /// Rule (check ID, Kyverno rule name, PSS level, …)
    pub rule: Cow<'static, str>,
    /// What it did
    pub action: Action,
    /// The decision's text for the log (shared between the policies that decided alike)
    pub message: Arc<str>,
    /// For [`Action::Mutate`]: JSON Patch operations against the object as the policy saw it
    pub patch: Vec<serde_json::Value>,
}

/// Where policies write what they decide.
///
/// Two things are recorded: *decisions* (per policy and rule: the audit trail, metrics) and
/// the *response* (denial messages, warnings, audit annotations). The plain methods
/// ([`deny`](Self::deny), [`warn`](Self::warn), …) record both at once. When many policies
/// agree about one finding, [`record`](Self::record) each decision and add the response text
/// once with [`respond_deny`](Self::respond_deny) / [`respond_warn`](Self::respond_warn), so
/// the client sees one line per finding, not one per policy.
#[derive(Debug, Default)]
pub struct Decisions {
    pub(crate) outcomes: Vec<Outcome>,
    pub(crate) denials: Vec<(u16, String)>,
    pub(crate) warnings: Vec<String>,
    pub(crate) audit_annotations: Vec<(String, String)>,
}

impl Decisions {
    /// Record a decision without adding to the response
    pub fn record(
        &mut self,
        policy: usize,
        rule: impl Into<Cow<'static, str>>,
        action: Action,
        message: impl Into<Arc<str>>,
    ) {
        self.outcomes.push(Outcome {
            policy,
            rule: rule.into(),
            action,
            message: message.into(),
            patch: Vec::new(),
        });
    }

    /// Add a denial message to the response (status code 403 Forbidden, 422 Invalid, …)
    pub fn respond_deny(&mut self, code: u16, message: impl Into<String>) {
        self.denials.push((code, message.into()));
    }

    /// Add a warning to the response
    pub fn respond_warn(&mut self, message: impl Into<String>) {
        self.warnings.push(message.into());
    }

    /// Reject the request (HTTP-like status 403 Forbidden)
    pub fn deny(
        &mut self,
        policy: usize,
        rule: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) {
        self.deny_with_code(policy, rule, 403, message);
    }

    /// Reject the request with another status code (e.g. 422 for invalid objects)
    pub fn deny_with_code(
        &mut self,
        policy: usize,
        rule: impl Into<Cow<'static, str>>,
        code: u16,
        message: impl Into<String>,
    ) {
        let message = message.into();
        self.record(policy, rule, Action::Deny, message.as_str());
        self.respond_deny(code, message);
    }

    /// Return a warning to the client
    pub fn warn(
        &mut self,
        policy: usize,
        rule: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) {
        let message = message.into();
        self.record(policy, rule, Action::Warn, message.as_str());
        self.respond_warn(message);
    }

    /// Record for the audit trail only
    pub fn audit(
        &mut self,
        policy: usize,
        rule: impl Into<Cow<'static, str>>,
        message: impl Into<Arc<str>>,
    ) {
        self.record(policy, rule, Action::Audit, message);
    }

    /// Record that an exemption skipped the policy
    pub fn exempt(
        &mut self,
        policy: usize,
        rule: impl Into<Cow<'static, str>>,
        message: impl Into<Arc<str>>,
    ) {
        self.record(policy, rule, Action::Exempt, message);
    }

    /// Record a result suppressed on the object
    pub fn suppressed(
        &mut self,
        policy: usize,
        rule: impl Into<Cow<'static, str>>,
        message: impl Into<Arc<str>>,
    ) {
        self.record(policy, rule, Action::Suppressed, message);
    }

    /// Change the object with JSON Patch operations (RFC 6902)
    pub fn patch(
        &mut self,
        policy: usize,
        rule: impl Into<Cow<'static, str>>,
        operations: Vec<serde_json::Value>,
    ) {
        let message = format!("{} patch operation(s)", operations.len());
        self.outcomes.push(Outcome {
            policy,
            rule: rule.into(),
            action: Action::Mutate,
            message: message.into(),
            patch: operations,
        });
    }

    /// The policy could not be evaluated; the server applies its failure policy
    pub fn error(&mut self, policy: usize, message: impl Into<Arc<str>>) {
        self.record(policy, "error", Action::Error, message);
    }

    /// Add an audit annotation (the API server prefixes the key with the webhook's name, so the
    /// key itself must not contain `/`). A later value for the same key replaces the earlier.
    pub fn annotate(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let key = key.into();
        let value = value.into();
        if let Some(slot) = self.audit_annotations.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            self.audit_annotations.push((key, value));
        }
    }

    /// Decisions recorded so far
    pub fn outcomes(&self) -> &[Outcome] {
        &self.outcomes
    }

    /// Denial messages of the response so far, with their status codes
    pub fn denials(&self) -> &[(u16, String)] {
        &self.denials
    }

    /// Warnings of the response so far
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// A policy that cannot be loaded: where and why
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct PolicyLoadError {
    /// File as found in the policies directory
    pub file: String,
    /// 1-based line (0 when unknown)
    pub line: u32,
    /// 1-based column (0 when unknown)
    pub column: u32,
    /// What is wrong
    pub message: String,
}

impl From<palisade_source::Diagnostic> for PolicyLoadError {
    fn from(d: palisade_source::Diagnostic) -> Self {
        let p = d.position.unwrap_or_default();
        Self {
            file: d.file,
            line: p.line,
            column: p.column,
            message: d.message,
        }
    }
}

impl PolicyLoadError {
    /// An error about a field of a policy document
    pub fn at(resource: &Resource, pointer: &JsonPointer, message: impl Into<String>) -> Self {
        let p = resource.locate(pointer);
        Self {
            file: resource.file.name.clone(),
            line: p.line,
            column: p.column,
            message: message.into(),
        }
    }

    /// An error about a whole file
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            line: 0,
            column: 0,
            message: message.into(),
        }
    }
}
