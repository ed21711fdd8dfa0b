use super::{BadDefault, Field, Node, report_setting};
use crate::control_plane::flags::is_loopback_address;
use crate::prelude::*;

const ADDRESS: Field = Field {
    path: "metricsBindAddress",
    flag: "metrics-bind-address",
};

declare_check! {
    /// ## What it checks
    /// kube-proxy settings whose metrics endpoint listens beyond localhost: `metricsBindAddress`
    /// in a `KubeProxyConfiguration` (a file, or the `kube-proxy` ConfigMap) or
    /// `--metrics-bind-address` on a kube-proxy command line, when its host part is not a
    /// loopback address. Absent or empty means the default, `127.0.0.1:10249`.
    ///
    /// ## Why it matters
    /// The metrics endpoint is unauthenticated HTTP and describes the node's Services and
    /// endpoints; bound to every interface it is readable from any pod or host that can reach
    /// the node.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubeproxy.config.k8s.io/v1alpha1
    /// kind: KubeProxyConfiguration
    /// metricsBindAddress: 127.0.0.1:10249
    /// ```
    pub static META = CheckMeta {
        id: "KLT-015",
        name: "kube-proxy-metrics-bind",
        title: "kube-proxy metrics exposed beyond localhost",
        severity: Severity::Low,
        tags: &["node", "kube-proxy", "network"],
        kinds: &[
            "KubeProxyConfiguration",
            "ConfigMap",
            "Pod",
            "PodTemplate",
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "ReplicaSet",
            "ReplicationController",
            "Job",
            "CronJob",
        ],
        remediation: "set `metricsBindAddress: 127.0.0.1:10249` (or remove it) and scrape metrics through a local agent",
        controls: &[
            cis("4.3.1"),
            nsa("NSA-NET-WORKER"),
            attack("T1613"),
            nist("CM-7"),
            nist("AC-3"),
            sp190("4.3.5"),
            pci("2.2.4"),
            soc2("CC6.6"),
            hipaa("164.312(a)(1)"),
        ],
    };
}

pub(crate) static CHECK: Check = Check {
    meta: &META,
    run: CheckFn::Resource(run),
};

fn run(ctx: &mut CheckCtx<'_>, res: &Resource) {
    report_setting(
        ctx,
        res,
        Node::KubeProxy,
        ADDRESS,
        |raw| {
            let address = raw.as_str().unwrap_or_default().trim();
            (!address.is_empty() && !is_loopback_address(address)).then(|| address.to_owned())
        },
        BadDefault::NONE,
        "serves unauthenticated metrics beyond localhost",
    );
}
