//! Kubernetes authorizer library, answered offline from an [`AuthorizerConfig`]:
//! `authorizer.group(g).resource(r).subresource(s).namespace(ns).name(n).check(verb)`,
//! `authorizer.path(p).check(verb)`, `authorizer.serviceAccount(ns, name)`,
//! `authorizer.requestResource`, `fieldSelector(s)`, `labelSelector(s)`, and on decisions
//! `allowed() reason() errored() error()`.
//!
//! Offline there is no API server to ask: rules from a file decide (first match wins), and
//! what no rule matches gets the default decision (allow, unless configured otherwise).

use super::{opaque_val, typed_arg};
use crate::util::{Res, bool_val, str_arg, string_val};
use cel::common::traits::Indexer;
use cel::common::types::{CelString, STRING_TYPE, Type};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};
use serde_json::Value;
use std::sync::Arc;

/// The type of `authorizer`
pub static AUTHORIZER_TYPE: Type =
    Type::new_unspecified_type("kubernetes.authorization.Authorizer");
/// The type of `authorizer.path(…)`
pub static PATH_CHECK_TYPE: Type = Type::new_unspecified_type("kubernetes.authorization.PathCheck");
/// The type of `authorizer.group(…)`
pub static GROUP_CHECK_TYPE: Type =
    Type::new_unspecified_type("kubernetes.authorization.GroupCheck");
/// The type of `….resource(…)`
pub static RESOURCE_CHECK_TYPE: Type =
    Type::new_unspecified_type("kubernetes.authorization.ResourceCheck");
/// The type of `….check(verb)`
pub static DECISION_TYPE: Type = Type::new_unspecified_type("kubernetes.authorization.Decision");

/// One authorization rule: every non-empty list must contain the attribute (or `*`)
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthzRule {
    /// User names (`system:serviceaccount:<ns>:<name>` for service accounts)
    pub users: Vec<String>,
    /// Verbs
    pub verbs: Vec<String>,
    /// API groups
    pub api_groups: Vec<String>,
    /// Resources (plural)
    pub resources: Vec<String>,
    /// Subresources
    pub subresources: Vec<String>,
    /// Namespaces
    pub namespaces: Vec<String>,
    /// Object names
    pub names: Vec<String>,
    /// Non-resource paths
    pub paths: Vec<String>,
    /// Allow (true) or deny
    pub allow: bool,
    /// Reason reported with the decision
    pub reason: String,
}

/// How offline `authorizer` checks are answered
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizerConfig {
    /// Rules, first match wins
    pub rules: Vec<AuthzRule>,
    /// Decision when no rule matches
    pub default_allow: bool,
}

impl Default for AuthorizerConfig {
    fn default() -> Self {
        Self::allow_all()
    }
}

/// A malformed authorizer rules document
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid authorizer rules: {0}")]
pub struct AuthzConfigError(pub String);

impl AuthorizerConfig {
    /// Every check is allowed
    pub fn allow_all() -> Self {
        Self {
            rules: Vec::new(),
            default_allow: true,
        }
    }

    /// Read `{default: allow|deny, rules: [{users, verbs, apiGroups, resources, subresources,
    /// namespaces, names, paths, decision: allow|deny, reason}]}`
    pub fn from_json(v: &Value) -> Result<Self, AuthzConfigError> {
        let list = |r: &Value, k: &str| -> Result<Vec<String>, AuthzConfigError> {
            match r.get(k) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| {
                        i.as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| AuthzConfigError(format!("`{k}` must list strings")))
                    })
                    .collect(),
                Some(_) => Err(AuthzConfigError(format!("`{k}` must be a list"))),
            }
        };
        let decision = |d: Option<&Value>, default: bool| match d.and_then(Value::as_str) {
            None => Ok(default),
            Some("allow" | "Allow") => Ok(true),
            Some("deny" | "Deny") => Ok(false),
            Some(other) => Err(AuthzConfigError(format!(
                "decision must be `allow` or `deny`, not `{other}`"
            ))),
        };
        let default_allow = decision(v.get("default"), true)?;
        let mut rules = Vec::new();
        for r in v
            .get("rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            rules.push(AuthzRule {
                users: list(r, "users")?,
                verbs: list(r, "verbs")?,
                api_groups: list(r, "apiGroups")?,
                resources: list(r, "resources")?,
                subresources: list(r, "subresources")?,
                namespaces: list(r, "namespaces")?,
                names: list(r, "names")?,
                paths: list(r, "paths")?,
                allow: decision(r.get("decision"), true)?,
                reason: r
                    .get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            });
        }
        Ok(Self {
            rules,
            default_allow,
        })
    }

    fn decide(&self, user: &str, verb: &str, target: &Target<'_>) -> Decision {
        let hit =
            |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x == "*" || x == v);
        for r in &self.rules {
            let scope_ok = match target {
                Target::Path(p) => {
                    r.resources.is_empty()
                        && r.paths.iter().any(|x| {
                            x == "*"
                                || x == p
                                || x.strip_suffix('*').is_some_and(|pre| p.starts_with(pre))
                        })
                }
                Target::Resource(rc) => {
                    r.paths.is_empty()
                        && hit(&r.api_groups, &rc.group)
                        && hit(&r.resources, &rc.resource)
                        && hit(&r.subresources, &rc.subresource)
                        && hit(&r.namespaces, &rc.namespace)
                        && hit(&r.names, &rc.name)
                }
            };
            if scope_ok && hit(&r.users, user) && hit(&r.verbs, verb) {
                return Decision {
                    allowed: r.allow,
                    reason: r.reason.clone(),
                };
            }
        }
        Decision {
            allowed: self.default_allow,
            reason: String::new(),
        }
    }
}

/// What the request is about, for `authorizer.requestResource`
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestResource {
    /// API group
    pub group: String,
    /// Resource (plural)
    pub resource: String,
    /// Subresource
    pub subresource: String,
    /// Namespace
    pub namespace: String,
    /// Object name
    pub name: String,
}

/// The `authorizer` variable (cheap to clone)
#[derive(Debug, Clone)]
pub struct Authorizer {
    config: Arc<AuthorizerConfig>,
    user: Arc<str>,
    request: Arc<RequestResource>,
}

impl Authorizer {
    /// An authorizer for `user`'s request on `request`
    pub fn new(config: Arc<AuthorizerConfig>, user: String, request: RequestResource) -> Self {
        Self {
            config,
            user: Arc::from(user),
            request: Arc::new(request),
        }
    }
}

#[derive(Debug, Clone)]
struct PathCheck {
    config: Arc<AuthorizerConfig>,
    user: String,
    path: String,
}

#[derive(Debug, Clone)]
struct GroupCheck {
    config: Arc<AuthorizerConfig>,
    user: String,
    group: String,
}

#[derive(Debug, Clone)]
struct ResourceCheck {
    config: Arc<AuthorizerConfig>,
    user: String,
    attrs: RequestResource,
}

#[derive(Debug, Clone)]
struct Decision {
    allowed: bool,
    reason: String,
}

enum Target<'a> {
    Path(&'a str),
    Resource(&'a RequestResource),
}

impl Val for Authorizer {
    fn get_type(&self) -> &Type {
        &AUTHORIZER_TYPE
    }
    fn cel_type() -> &'static Type
    where
        Self: Sized,
    {
        &AUTHORIZER_TYPE
    }
    fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn Indexer + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }
    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        Box::new(self.clone())
    }
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}
impl cel::common::value::StaticVal for Authorizer {}

impl Indexer for Authorizer {
    fn get<'b, 'v>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        match idx.downcast_ref::<CelString<'_>>().map(|s| s.inner()) {
            Some("requestResource") => Ok(CowVal::owned(ResourceCheck {
                config: Arc::clone(&self.config),
                user: self.user.to_string(),
                attrs: (*self.request).clone(),
            })),
            Some(other) => Err(ExecutionError::no_such_key(other)),
            None => Err(ExecutionError::no_such_key("?")),
        }
    }

    fn steal<'v>(self: Box<Self>, idx: &dyn Val) -> Result<Box<dyn Val + 'v>, ExecutionError>
    where
        Self: 'v,
    {
        self.get(idx).map(CowVal::into_owned)
    }
}

opaque_val!(PathCheck, PATH_CHECK_TYPE, |_, _| false);
opaque_val!(GroupCheck, GROUP_CHECK_TYPE, |_, _| false);
opaque_val!(ResourceCheck, RESOURCE_CHECK_TYPE, |_, _| false);
opaque_val!(Decision, DECISION_TYPE, |a, b| a.allowed == b.allowed
    && a.reason == b.reason);

pub(crate) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    let a = || AUTHORIZER_TYPE.to_owned();
    let rc = || RESOURCE_CHECK_TYPE.to_owned();
    let d = || DECISION_TYPE.to_owned();
    env.add_member_overload("path", "authorizer_path", a(), vec![STRING_TYPE], path)?;
    env.add_member_overload("group", "authorizer_group", a(), vec![STRING_TYPE], group)?;
    env.add_member_overload(
        "serviceAccount",
        "authorizer_serviceaccount",
        a(),
        vec![STRING_TYPE, STRING_TYPE],
        service_account,
    )?;
    env.add_member_overload(
        "resource",
        "groupcheck_resource",
        GROUP_CHECK_TYPE.to_owned(),
        vec![STRING_TYPE],
        resource,
    )?;
    for name in [
        "subresource",
        "namespace",
        "name",
        "fieldSelector",
        "labelSelector",
    ] {
        env.add_member_overload(
            name,
            &format!("resourcecheck_{name}"),
            rc(),
            vec![STRING_TYPE],
            match name {
                "subresource" => subresource,
                "namespace" => namespace,
                "name" => name_fn,
                _ => selector,
            },
        )?;
    }
    env.add_member_overload(
        "check",
        "resourcecheck_check",
        rc(),
        vec![STRING_TYPE],
        check,
    )?;
    env.add_member_overload(
        "check",
        "pathcheck_check",
        PATH_CHECK_TYPE.to_owned(),
        vec![STRING_TYPE],
        check,
    )?;
    env.add_member_overload("allowed", "decision_allowed", d(), vec![], allowed)?;
    env.add_member_overload("reason", "decision_reason", d(), vec![], reason)?;
    env.add_member_overload("errored", "decision_errored", d(), vec![], errored)?;
    env.add_member_overload("error", "decision_error", d(), vec![], error)?;
    Ok(())
}

fn path<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let a = typed_arg::<Authorizer>("path", &args, 0)?;
    Ok(CowVal::owned(PathCheck {
        config: Arc::clone(&a.config),
        user: a.user.to_string(),
        path: str_arg("path", &args, 1)?.to_owned(),
    }))
}

fn group<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let a = typed_arg::<Authorizer>("group", &args, 0)?;
    Ok(CowVal::owned(GroupCheck {
        config: Arc::clone(&a.config),
        user: a.user.to_string(),
        group: str_arg("group", &args, 1)?.to_owned(),
    }))
}

fn service_account<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let a = typed_arg::<Authorizer>("serviceAccount", &args, 0)?;
    let ns = str_arg("serviceAccount", &args, 1)?;
    let name = str_arg("serviceAccount", &args, 2)?;
    Ok(CowVal::owned(Authorizer {
        config: Arc::clone(&a.config),
        user: Arc::from(format!("system:serviceaccount:{ns}:{name}")),
        request: Arc::clone(&a.request),
    }))
}

fn resource<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let g = typed_arg::<GroupCheck>("resource", &args, 0)?;
    Ok(CowVal::owned(ResourceCheck {
        config: Arc::clone(&g.config),
        user: g.user.clone(),
        attrs: RequestResource {
            group: g.group.clone(),
            resource: str_arg("resource", &args, 1)?.to_owned(),
            ..RequestResource::default()
        },
    }))
}

fn with_attr<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
    name: &str,
    set: fn(&mut RequestResource, String),
) -> Res<'b, 'v> {
    let mut rc = typed_arg::<ResourceCheck>(name, &args, 0)?.clone();
    set(&mut rc.attrs, str_arg(name, &args, 1)?.to_owned());
    Ok(CowVal::owned(rc))
}

fn subresource<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    with_attr(args, "subresource", |a, v| a.subresource = v)
}

fn namespace<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    with_attr(args, "namespace", |a, v| a.namespace = v)
}

fn name_fn<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    with_attr(args, "name", |a, v| a.name = v)
}

/// Field and label selectors narrow a check; offline rules do not look at them
fn selector<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    with_attr(args, "selector", |_, _| {})
}

fn check<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let verb = str_arg("check", &args, 1)?;
    if let Ok(p) = typed_arg::<PathCheck>("check", &args, 0) {
        return Ok(CowVal::owned(p.config.decide(
            &p.user,
            verb,
            &Target::Path(&p.path),
        )));
    }
    let rc = typed_arg::<ResourceCheck>("check", &args, 0)?;
    Ok(CowVal::owned(rc.config.decide(
        &rc.user,
        verb,
        &Target::Resource(&rc.attrs),
    )))
}

fn allowed<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(bool_val(
        typed_arg::<Decision>("allowed", &args, 0)?.allowed,
    ))
}

fn reason<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(string_val(
        typed_arg::<Decision>("reason", &args, 0)?.reason.clone(),
    ))
}

fn errored<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    typed_arg::<Decision>("errored", &args, 0)?;
    Ok(bool_val(false))
}

fn error<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    typed_arg::<Decision>("error", &args, 0)?;
    Ok(string_val(""))
}
