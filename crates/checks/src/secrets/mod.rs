//! SEC: secrets and credentials
use palisade_engine::Check;

mod cloud_credential_mount;
mod credentials_in_configmap;
mod credentials_in_env;
mod default_sa_automount;
mod patterns;
mod sa_token_automount;
mod secret_as_env;

pub(crate) static CHECKS: &[&Check] = &[
    &credentials_in_env::CHECK,
    &credentials_in_configmap::CHECK,
    &secret_as_env::CHECK,
    &sa_token_automount::CHECK,
    &default_sa_automount::CHECK,
    &cloud_credential_mount::CHECK,
];
