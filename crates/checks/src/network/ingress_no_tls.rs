use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// Ingresses without TLS: no `spec.tls` entry, or hosts in `spec.rules` that no `spec.tls`
    /// entry lists (an entry without `hosts` covers every host; `*.example.com` covers one label
    /// under `example.com`). Ingresses whose TLS is configured outside `spec.tls` are left out:
    /// AWS ALB `alb.ingress.kubernetes.io/certificate-arn`, GKE
    /// `networking.gke.io/managed-certificates` / `ingress.gcp.kubernetes.io/pre-shared-cert`,
    /// and ingress-nginx `ssl-passthrough: "true"` (the backend terminates TLS).
    ///
    /// ## Why it matters
    /// Without TLS, requests — credentials, session cookies, personal data — cross the network
    /// in clear text and can be read or altered by anyone on the path.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Ingress
    /// spec:
    ///   tls:
    ///   - hosts: [shop.example.com]
    ///     secretName: shop-tls
    ///   rules:
    ///   - host: admin.example.com   # fails: not covered by tls
    /// ```
    pub static META = CheckMeta {
        id: "NET-008",
        name: "ingress-no-tls",
        title: "Ingress without TLS",
        severity: Severity::Medium,
        tags: &["network", "encryption"],
        kinds: &["Ingress"],
        remediation: "add a `spec.tls` entry listing every host, with a certificate Secret (for \
                      instance issued by cert-manager)",
        controls: &[
            nsa("NSA-NET-ENC"),
            attack("T1557"),
            attack("T1040"),
            nist("SC-8"),
            nist("SC-8(1)"),
            pci("4.2.1"),
            soc2("CC6.7"),
            hipaa("164.312(e)(1)"),
            hipaa("164.312(e)(2)(ii)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

/// Annotations that configure TLS outside `spec.tls`
const EXTERNAL_TLS: &[&str] = &[
    "alb.ingress.kubernetes.io/certificate-arn",
    "networking.gke.io/managed-certificates",
    "ingress.gcp.kubernetes.io/pre-shared-cert",
];

fn host_covered(host: &str, tls_host: &str) -> bool {
    if host == tls_host {
        return true;
    }
    match tls_host.strip_prefix("*.") {
        Some(domain) => host
            .split_once('.')
            .is_some_and(|(label, rest)| label != "*" && rest == domain),
        None => false,
    }
}

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    if EXTERNAL_TLS.iter().any(|a| res.annotation(a).is_some())
        || res.annotation("nginx.ingress.kubernetes.io/ssl-passthrough") == Some("true")
    {
        return;
    }
    let tls: Vec<&Value> = res
        .get("spec/tls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    if tls.is_empty() {
        ctx.report(
            res,
            &JsonPointer::root().key("spec").key("tls"),
            format!("Ingress `{}` has no TLS configuration", res.name),
        );
        return;
    }
    if tls.iter().any(|t| {
        t.get("hosts")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
    }) {
        return; // an entry without hosts covers every host
    }
    let tls_hosts: Vec<&str> = tls.iter().flat_map(|t| strings(t.get("hosts"))).collect();
    let rules = res.get("spec/rules").and_then(Value::as_array);
    for (i, rule) in rules.into_iter().flatten().enumerate() {
        let Some(host) = rule.get("host").and_then(Value::as_str) else {
            continue;
        };
        if !tls_hosts.iter().any(|t| host_covered(host, t)) {
            ctx.report(
                res,
                &JsonPointer::root()
                    .key("spec")
                    .key("rules")
                    .index(i)
                    .key("host"),
                format!(
                    "Ingress `{}` serves host `{host}` without TLS: no `spec.tls` entry lists it",
                    res.name
                ),
            );
        }
    }
}
