//! API: kube-apiserver flags (static pod manifests or any workload running it) and the
//! configuration files it reads (authorization, encryption, audit policy, admission)

use super::flags::{Flag, Flags, Invocation};
use crate::prelude::*;

pub(super) mod always_admit;
pub(super) mod anonymous_auth;
pub(super) mod audit_log_path;
pub(super) mod audit_log_retention;
pub(super) mod audit_policy;
pub(super) mod audit_policy_coverage;
pub(super) mod authz_always_allow;
pub(super) mod authz_node;
pub(super) mod authz_rbac;
pub(super) mod client_ca;
pub(super) mod deny_external_ips;
pub(super) mod encryption_config;
pub(super) mod encryption_providers;
pub(super) mod etcd_client_tls;
pub(super) mod kubelet_ca;
pub(super) mod kubelet_client_cert;
pub(super) mod legacy_insecure_flags;
pub(super) mod namespace_lifecycle;
pub(super) mod node_restriction;
pub(super) mod pod_security_admission;
pub(super) mod profiling;
pub(super) mod sa_key_file;
pub(super) mod sa_lookup;
pub(super) mod secure_port;
pub(super) mod service_account_plugin;
pub(super) mod serving_tls;
pub(super) mod tls_ciphers;
pub(super) mod token_auth_file;

/// Admission plugins kube-apiserver enables when `--enable-admission-plugins` does not name
/// them (Kubernetes 1.30+)
const DEFAULT_ADMISSION_PLUGINS: &[&str] = &[
    "NamespaceLifecycle",
    "LimitRanger",
    "ServiceAccount",
    "TaintNodesByCondition",
    "PodSecurity",
    "Priority",
    "DefaultTolerationSeconds",
    "DefaultStorageClass",
    "StorageObjectInUseProtection",
    "PersistentVolumeClaimResize",
    "RuntimeClass",
    "CertificateApproval",
    "CertificateSigning",
    "ClusterTrustBundleAttest",
    "CertificateSubjectRestriction",
    "DefaultIngressClass",
    "MutatingAdmissionWebhook",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionWebhook",
    "ResourceQuota",
];

/// Whether an admission plugin runs, and which flag decides it
#[derive(Debug, Clone, Copy)]
pub(super) enum Plugin<'f, 'a> {
    /// Named by `--enable-admission-plugins` (or the legacy `--admission-control` list)
    Enabled(&'f Flag<'a>),
    /// On by default and not disabled
    OnByDefault,
    /// Named by `--disable-admission-plugins`
    Disabled(&'f Flag<'a>),
    /// Left out of the legacy `--admission-control` list, which replaces the defaults
    LeftOut(&'f Flag<'a>),
    /// Off by default and not enabled
    Off,
}

/// Whether `plugin` runs. Enabling wins over disabling, as in kube-apiserver.
pub(super) fn plugin<'f, 'a>(flags: &'f Flags<'a>, plugin: &str) -> Plugin<'f, 'a> {
    if let Some(legacy) = flags.get("admission-control") {
        return match flags
            .list("admission-control")
            .into_iter()
            .find(|(p, _)| *p == plugin)
        {
            Some((_, f)) => Plugin::Enabled(f),
            None => Plugin::LeftOut(legacy),
        };
    }
    let named = |name: &str| {
        flags
            .list(name)
            .into_iter()
            .find(|(p, _)| *p == plugin)
            .map(|(_, f)| f)
    };
    if let Some(f) = named("enable-admission-plugins") {
        Plugin::Enabled(f)
    } else if let Some(f) = named("disable-admission-plugins") {
        Plugin::Disabled(f)
    } else if DEFAULT_ADMISSION_PLUGINS.contains(&plugin) {
        Plugin::OnByDefault
    } else {
        Plugin::Off
    }
}

/// Report every kube-apiserver where admission plugin `name` does not run
pub(super) fn require_plugin(
    ctx: &mut CheckCtx<'_>,
    res: &Resource,
    name: &str,
    consequence: &str,
) {
    for inv in super::flags::invocations(res, super::flags::Component::ApiServer) {
        let (pointer, how) = match plugin(&inv.flags, name) {
            Plugin::Enabled(_) | Plugin::OnByDefault => continue,
            Plugin::Disabled(f) => (
                f.pointer.clone(),
                format!("disables admission plugin `{name}`"),
            ),
            Plugin::LeftOut(f) => (
                f.pointer.clone(),
                format!("leaves admission plugin `{name}` out of `--admission-control`"),
            ),
            Plugin::Off => match inv.flags.get("enable-admission-plugins") {
                Some(f) => (
                    f.pointer.clone(),
                    format!("does not enable admission plugin `{name}` (it is off by default)"),
                ),
                None => (
                    inv.anchor.clone(),
                    format!(
                        "does not set `--enable-admission-plugins`, so admission plugin `{name}` is off"
                    ),
                ),
            },
        };
        ctx.report(res, &pointer, format!("{} {how}; {consequence}", inv.who()));
    }
}

/// Authorization modes of one kube-apiserver
pub(super) enum AuthzModes<'f, 'a> {
    /// From `--authorization-mode`
    Flag(Vec<(&'a str, &'f Flag<'a>)>),
    /// The flag is absent: the default, `AlwaysAllow`
    Default,
    /// Configured by an `--authorization-config` file instead
    ConfigFile,
}

pub(super) fn authz_modes<'f, 'a>(inv: &'f Invocation<'a>) -> AuthzModes<'f, 'a> {
    if inv.flags.has("authorization-mode") {
        AuthzModes::Flag(inv.flags.list("authorization-mode"))
    } else if inv.flags.has("authorization-config") {
        AuthzModes::ConfigFile
    } else {
        AuthzModes::Default
    }
}

/// Kinds the authorization-mode checks read: workloads plus `AuthorizationConfiguration`
pub(super) const AUTHZ_KINDS: &[&str] = &[
    "Pod",
    "PodTemplate",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "AuthorizationConfiguration",
];

/// Authorizer types of a structured `AuthorizationConfiguration` (`None` for other resources)
pub(super) fn authorizer_types(res: &Resource) -> Option<Vec<(usize, &str)>> {
    if res.kind != "AuthorizationConfiguration" || res.group() != "apiserver.config.k8s.io" {
        return None;
    }
    Some(
        res.get("authorizers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, a)| Some((i, a.get("type")?.as_str()?)))
            .collect(),
    )
}

/// Report an authorization setup that lacks mode `mode` (`Node`, `RBAC`)
pub(super) fn require_authz_mode(
    ctx: &mut CheckCtx<'_>,
    res: &Resource,
    mode: &str,
    consequence: &str,
) {
    if let Some(types) = authorizer_types(res) {
        if !types.iter().any(|(_, t)| *t == mode) {
            ctx.report(
                res,
                &JsonPointer::root().key("authorizers"),
                format!("the AuthorizationConfiguration has no `{mode}` authorizer; {consequence}"),
            );
        }
        return;
    }
    for inv in super::flags::invocations(res, super::flags::Component::ApiServer) {
        match authz_modes(&inv) {
            AuthzModes::ConfigFile => {}
            AuthzModes::Default => ctx.report(
                res,
                &inv.anchor,
                format!(
                    "{} does not set `--authorization-mode` (default `AlwaysAllow`), so `{mode}` is not used; {consequence}",
                    inv.who()
                ),
            ),
            AuthzModes::Flag(modes) => {
                if !modes.iter().any(|(m, _)| *m == mode)
                    && let Some(f) = inv.flags.get("authorization-mode")
                {
                    ctx.report(
                        res,
                        &f.pointer,
                        format!(
                            "{} does not include `{mode}` in `--authorization-mode`; {consequence}",
                            inv.who()
                        ),
                    );
                }
            }
        }
    }
}
