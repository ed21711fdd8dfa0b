//! ETCD: etcd flags (and the `ETCD_*` variables etcd reads for flags not on its command line)

use super::flags::{Component, Invocation, invocations};
use palisade_model::Resource;

pub(super) mod auto_tls;
pub(super) mod client_cert_auth;
pub(super) mod client_tls;
pub(super) mod peer_auto_tls;
pub(super) mod peer_client_cert_auth;
pub(super) mod peer_tls;

/// etcd containers whose settings come from the command line and environment; with
/// `--config-file` etcd ignores both, so those containers cannot be judged here
pub(super) fn etcd_invocations(res: &Resource) -> Vec<Invocation<'_>> {
    invocations(res, Component::Etcd)
        .into_iter()
        .filter(|inv| !inv.flags.is_set("config-file"))
        .collect()
}
