use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Workloads whose pod names a `serviceAccountName` for which no ServiceAccount exists in
    /// the same namespace among the scanned objects. To stay quiet on partial manifest sets, a
    /// namespace is only checked when the scan contains at least one ServiceAccount in it; the
    /// always-present `default` account is never reported.
    ///
    /// ## Why it matters
    /// Pods of such a workload are never created: the ReplicaSet or Job keeps failing with
    /// "serviceaccount not found". A typo here also hints that the permissions reviewed for
    /// the intended account are not the ones in use.
    ///
    /// ## Example
    /// A `Deployment` with `serviceAccountName: api` in namespace `shop` fails when the scan has
    /// ServiceAccounts in `shop` but none named `api`.
    pub static META = CheckMeta {
        id: "WKL-024",
        name: "missing-service-account",
        title: "Workload references a ServiceAccount that does not exist",
        severity: Severity::Medium,
        tags: &["workload", "correctness", "service-account"],
        kinds: &["ServiceAccount", "Pod", "Deployment", "StatefulSet", "DaemonSet",
                 "ReplicaSet", "ReplicationController", "Job", "CronJob", "PodTemplate"],
        remediation: "create the ServiceAccount in the workload's namespace or fix the \
                      `serviceAccountName`",
        controls: &[nist("CM-6"), soc2("CC8.1")],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Inventory(run),
};

fn run(ctx: &mut CheckCtx<'_>, inv: &Inventory) {
    for w in &inv.workloads {
        let Some(sa) = w.service_account.as_deref() else {
            continue;
        };
        if sa.is_empty() || sa == "default" {
            continue;
        }
        let ns = w.reference.namespace.as_deref();
        let mut accounts = inv.of_kind_in("ServiceAccount", ns).peekable();
        if accounts.peek().is_none() {
            continue;
        }
        if accounts.any(|a| a.name == sa) {
            continue;
        }
        report_workload(
            ctx,
            w,
            &service_account_pointer(&w.reference.kind),
            format!(
                "{} `{}` uses ServiceAccount `{sa}`, which does not exist in namespace `{}`",
                w.reference.kind,
                w.reference.name,
                ns.unwrap_or("(unset)")
            ),
        );
    }
}
