//! ETCD: etcd flags (and the `ETCD_*` variables etcd reads for flags not on its command line)

use super::flags::{Component, Invocation, invocations};
use super::rules::{bool_flag_of, require_flags_of};
use palisade_engine::CheckCtx;
use palisade_model::Resource;

pub(super) mod auto_tls;
pub(super) mod client_cert_auth;
pub(super) mod client_tls;
pub(super) mod peer_auto_tls;
pub(super) mod peer_client_cert_auth;
pub(super) mod peer_tls;

/// etcd containers whose settings come from the command line and environment; with
/// `--config-file` etcd ignores both, so those containers cannot be judged here
fn etcd_invocations(res: &Resource) -> Vec<Invocation<'_>> {
    invocations(res, Component::Etcd)
        .into_iter()
        .filter(|inv| !inv.flags.is_set("config-file"))
        .collect()
}

/// [`bool_flag_of`] for every etcd container judged here
pub(super) fn etcd_bool_flag(
    ctx: &mut CheckCtx<'_>,
    res: &Resource,
    name: &str,
    default: bool,
    bad: bool,
    problem: &str,
) {
    for inv in etcd_invocations(res) {
        bool_flag_of(ctx, res, &inv, name, default, bad, problem);
    }
}

/// [`require_flags_of`] for every etcd container judged here
pub(super) fn etcd_require_flags(
    ctx: &mut CheckCtx<'_>,
    res: &Resource,
    names: &[&str],
    consequence: &str,
) {
    for inv in etcd_invocations(res) {
        require_flags_of(ctx, res, &inv, names, consequence);
    }
}
