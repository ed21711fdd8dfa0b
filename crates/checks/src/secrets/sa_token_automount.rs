use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Pods and pod templates of every workload kind that do not set
    /// `automountServiceAccountToken: false` in the pod spec, so Kubernetes mounts an API token
    /// for the pod's ServiceAccount into every container.
    ///
    /// The check looks at the pod spec only (like CIS 5.1.6 audits). A
    /// `automountServiceAccountToken: false` on the ServiceAccount also stops the mount; if you
    /// rely on that, set the field on the pod too (the pod's value wins over the
    /// ServiceAccount's) or suppress the finding with a reason.
    ///
    /// ## Why it matters
    /// Most applications never call the Kubernetes API. For them the mounted token is pure
    /// risk: anyone who gets code execution in the container can read it and act with the
    /// ServiceAccount's permissions against the API server.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   template:
    ///     spec:                                  # fails: token mounted by default
    ///       containers: [...]
    /// ---
    ///     spec:
    ///       automountServiceAccountToken: false  # passes
    /// ```
    pub static META = CheckMeta {
        id: "SEC-004",
        name: "sa-token-automount",
        title: "Pod automounts a service account token",
        severity: Severity::Medium,
        tags: &["secrets", "service-account"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "set `automountServiceAccountToken: false` in the pod spec; pods that do \
                      call the API can mount a projected token explicitly",
        controls: &[
            cis("5.1.6"),
            nsa("NSA-POD-SATOKEN"),
            attack("T1528"),
            attack("T1552.007"),
            nist("AC-6"),
            nist("IA-5"),
            sp190("4.3.2"),
            pci("7.2.5"),
            soc2("CC6.1"),
            hipaa("164.312(a)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    let Some(pod) = res.pod_template() else {
        return;
    };
    let sa = pod
        .get("serviceAccountName")
        .or_else(|| pod.get("serviceAccount"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("default");
    match bool_at(pod.get("automountServiceAccountToken")) {
        Some(false) => {}
        Some(true) => ctx.report(
            res,
            &pod.spec_pointer("automountServiceAccountToken"),
            format!(
                "{} `{}` explicitly mounts the token of ServiceAccount `{sa}`",
                res.kind, res.name
            ),
        ),
        None => ctx.report(
            res,
            &pod.spec_pointer("automountServiceAccountToken"),
            format!(
                "{} `{}` does not set `automountServiceAccountToken: false`, so the token \
                 of ServiceAccount `{sa}` is mounted",
                res.kind, res.name
            ),
        ),
    }
}
