use crate::prelude::*;

declare_check! {
    /// ## What it checks
    /// * Ingress annotations that inject raw NGINX configuration: keys under an NGINX ingress
    ///   prefix (`nginx.ingress.kubernetes.io/`, `nginx.org/`, …) ending in `-snippet` or
    ///   `-snippets` (`configuration-snippet`, `server-snippet`, `auth-snippet`,
    ///   `stream-snippet`, `modsecurity-snippet`, `location-snippets`, …). The message says when
    ///   the snippet contains Lua code or an `alias` directive.
    /// * ConfigMaps that turn snippet annotations on for ingress-nginx
    ///   (`allow-snippet-annotations: "true"`).
    ///
    /// ## Why it matters
    /// A snippet is copied verbatim into the controller's configuration, and the controller can
    /// read every Secret in the cluster: whoever may create an Ingress can use a snippet (Lua
    /// code, an `alias` to the controller's files) to read its ServiceAccount token and those
    /// Secrets (CVE-2021-25742 and later variants).
    ///
    /// ## Example
    /// ```yaml
    /// kind: Ingress
    /// metadata:
    ///   annotations:
    ///     nginx.ingress.kubernetes.io/configuration-snippet: |   # fails
    ///       more_set_headers "X-Frame-Options: DENY";
    /// ```
    pub static META = CheckMeta {
        id: "NET-010",
        name: "nginx-snippet-annotations",
        title: "NGINX ingress snippet annotations",
        severity: Severity::High,
        tags: &["network", "ingress"],
        kinds: &["Ingress", "ConfigMap"],
        remediation: "replace the snippet with the controller's dedicated annotations or global \
                      configuration, and keep `allow-snippet-annotations` off",
        controls: &[
            nsa("NSA-UPGRADE"),
            attack("T1190"),
            attack("T1552"),
            nist("CM-7"),
            nist("SC-7"),
            pci("1.2.1"),
            soc2("CC6.6"),
            hipaa("164.312(e)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

/// Is this annotation key an NGINX ingress snippet?
fn is_snippet(key: &str) -> bool {
    let Some((prefix, name)) = key.split_once('/') else {
        return false;
    };
    (prefix.contains("nginx") || prefix == "ingress.kubernetes.io")
        && (name.ends_with("-snippet") || name.ends_with("-snippets"))
}

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    if res.kind == "ConfigMap" {
        let on = res
            .get("data/allow-snippet-annotations")
            .and_then(Value::as_str)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if on {
            ctx.report(
                res,
                &JsonPointer::root()
                    .key("data")
                    .key("allow-snippet-annotations"),
                format!(
                    "ConfigMap `{}` allows NGINX snippet annotations on every Ingress",
                    res.name
                ),
            );
        }
        return;
    }
    let annotations = res
        .get("metadata/annotations")
        .and_then(Value::as_object)
        .into_iter()
        .flatten();
    for (key, value) in annotations.filter(|(k, _)| is_snippet(k)) {
        let text = value.as_str().unwrap_or_default().to_ascii_lowercase();
        let extra = if text.contains("lua") {
            " and it contains Lua code"
        } else if text.split_whitespace().any(|w| w == "alias") {
            " and it contains an `alias` directive"
        } else {
            ""
        };
        ctx.report(
            res,
            &JsonPointer::root()
                .key("metadata")
                .key("annotations")
                .key(key),
            format!(
                "Ingress `{}` injects raw NGINX configuration through `{key}`{extra}",
                res.name
            ),
        );
    }
}
