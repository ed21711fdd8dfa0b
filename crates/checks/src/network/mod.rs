//! NET: network exposure and segmentation
use palisade_engine::Check;

mod policy;

mod ingress_no_tls;
mod namespace_no_networkpolicy;
mod nginx_snippet_annotations;
mod no_default_deny;
mod pod_not_selected_by_networkpolicy;
mod sensitive_interface_exposed;
mod service_external_ips;
mod service_nodeport;

pub(crate) static CHECKS: &[&Check] = &[
    &namespace_no_networkpolicy::CHECK,
    &pod_not_selected_by_networkpolicy::CHECK,
    &no_default_deny::CHECK,
    &service_nodeport::CHECK,
    &service_external_ips::CHECK,
    &ingress_no_tls::CHECK,
    &nginx_snippet_annotations::CHECK,
    &sensitive_interface_exposed::CHECK,
];
