use crate::control_plane::flags::{Component, invocations};
use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers that use removed insecure options: `--insecure-port` other than
    /// `0`, `--insecure-bind-address` (unless the insecure port is `0`), `--basic-auth-file`, or
    /// `--kubelet-https=false`. Each offending flag is reported.
    ///
    /// ## Why it matters
    /// The insecure port serves the whole API without authentication or authorization; basic
    /// auth keeps clear-text passwords in a file; plain HTTP to kubelets exposes exec and log
    /// streams. Manifests still carrying these flags usually run a very old, unpatched version.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    /// - kube-apiserver
    /// - --insecure-port=8080   # fails
    /// ```
    pub static META = CheckMeta {
        id: "API-029",
        name: "apiserver-legacy-insecure-flags",
        title: "API server uses legacy insecure options",
        severity: Severity::Critical,
        tags: &["control-plane", "apiserver", "authentication", "tls"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "remove `--insecure-port`/`--insecure-bind-address`/`--basic-auth-file`/`--kubelet-https=false` and upgrade to a supported Kubernetes version",
        controls: &[
            nsa("NSA-NET-CP"),
            attack("T1190"),
            attack("T1133"),
            nist("AC-17"),
            nist("IA-2"),
            nist("SC-8"),
            nist("CM-7"),
            sp190("4.3.2"),
            pci("2.2.7"),
            pci("8.2.1"),
            soc2("CC6.1"),
            soc2("CC6.6"),
            hipaa("164.312(d)"),
            hipaa("164.312(e)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    for inv in invocations(res, Component::ApiServer) {
        let f = &inv.flags;
        let insecure_port_off = f
            .get("insecure-port")
            .and_then(|p| p.value())
            .is_some_and(|v| v.trim() == "0");
        let mut report = |flag: &crate::control_plane::flags::Flag<'_>, why: &str| {
            ctx.report(
                res,
                &flag.pointer,
                format!("{} {why}: `{}`", inv.who(), flag.shown()),
            );
        };
        if let Some(flag) = f.get("insecure-port").filter(|_| !insecure_port_off) {
            report(flag, "serves the API unauthenticated on an insecure port");
        }
        if let Some(flag) = f
            .get("insecure-bind-address")
            .filter(|_| !insecure_port_off)
        {
            report(flag, "binds the unauthenticated insecure port");
        }
        if let Some(flag) = f
            .get("basic-auth-file")
            .filter(|_| f.is_set("basic-auth-file"))
        {
            report(flag, "accepts clear-text basic-auth passwords");
        }
        if let Some(flag) = f.get("kubelet-https")
            && flag.bool_value() == Some(false)
        {
            report(flag, "talks to kubelets over plain HTTP");
        }
    }
}
