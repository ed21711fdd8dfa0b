use crate::control_plane::flags::{Component, invocations};
use crate::control_plane::rules::flag_list;
use crate::prelude::*;

/// Retention flags and the least value accepted
const MINIMUMS: &[(&str, i64)] = &[
    ("audit-log-maxage", 30),
    ("audit-log-maxbackup", 10),
    ("audit-log-maxsize", 100),
];

declare_check! {
    /// ## What it checks
    /// kube-apiserver containers that write an audit log file (`--audit-log-path` set, not `-`)
    /// without a deliberate retention: `--audit-log-maxage` under 30 days,
    /// `--audit-log-maxbackup` under 10 files or `--audit-log-maxsize` under 100 MB (each
    /// reported at the flag), or any of the three left unset (reported together at the command;
    /// their default, 0, means no limit, so rotated files are never pruned).
    ///
    /// ## Why it matters
    /// Attacks are often found weeks later; audit records rotated away before then cannot help
    /// the investigation. Unset limits are no better: the log grows until the disk fills, and
    /// what survives is then decided by whoever cleans up.
    ///
    /// ## Example
    /// ```yaml
    /// - --audit-log-path=/var/log/kubernetes/audit/audit.log
    /// - --audit-log-maxage=30
    /// - --audit-log-maxbackup=10
    /// - --audit-log-maxsize=100
    /// ```
    pub static META = CheckMeta {
        id: "API-017",
        name: "apiserver-audit-log-retention",
        title: "API server audit log retention not set or too short",
        severity: Severity::Low,
        tags: &["control-plane", "apiserver", "audit", "logging"],
        kinds: palisade_model::WORKLOAD_KINDS,
        remediation: "set `--audit-log-maxage` ≥ 30, `--audit-log-maxbackup` ≥ 10 and `--audit-log-maxsize` ≥ 100 (or ship the log off the node)",
        controls: &[
            cis("1.2.17"),
            cis("1.2.18"),
            cis("1.2.19"),
            nsa("NSA-LOG"),
            nist("AU-11"),
            pci("10.5.1"),
            soc2("CC7.2"),
            hipaa("164.312(b)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    for inv in invocations(res, Component::ApiServer) {
        let path = inv.flags.get("audit-log-path").and_then(|f| f.value());
        if path.is_none_or(|p| p.trim().is_empty() || p == "-") {
            continue; // no log file (API-016), or the log goes to stdout
        }
        let mut missing = Vec::new();
        for (name, min) in MINIMUMS {
            match inv.flags.get(name) {
                None => missing.push(*name),
                Some(flag) => {
                    let value = flag.value().and_then(|v| v.trim().parse::<i64>().ok());
                    if value.is_none_or(|v| v < *min) {
                        ctx.report(
                            res,
                            &flag.pointer,
                            format!(
                                "{} keeps too little audit log: `{}` (want at least {min})",
                                inv.who(),
                                flag.shown()
                            ),
                        );
                    }
                }
            }
        }
        if !missing.is_empty() {
            ctx.report(
                res,
                &inv.anchor,
                format!(
                    "{} does not set {} (default 0: no limit), so audit log retention is left unplanned",
                    inv.who(),
                    flag_list(&missing)
                ),
            );
        }
    }
}
