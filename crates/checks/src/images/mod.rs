//! IMG: images and supply chain — static checks of image references
//!
//! Registry allow/deny lists (IMG-004, IMG-005) need user parameters and are not built in yet;
//! signature and vulnerability checks (IMG-007, IMG-008) need a registry or scanner.
use palisade_engine::Check;

mod deprecated_k8s_registry;
mod image_not_digest_pinned;
mod image_pull_policy;
mod image_tag_mutable;
pub(crate) mod reference;

pub(crate) static CHECKS: &[&Check] = &[
    &image_tag_mutable::CHECK,
    &image_not_digest_pinned::CHECK,
    &image_pull_policy::CHECK,
    &deprecated_k8s_registry::CHECK,
];
