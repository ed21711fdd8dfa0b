//! Checks of this area
use palisade_engine::Check;

pub(crate) static CHECKS: &[&Check] = &[];
