//! NET: network exposure and segmentation
use palisade_engine::Check;

mod namespace_no_networkpolicy;

pub(crate) static CHECKS: &[&Check] = &[&namespace_no_networkpolicy::CHECK];
