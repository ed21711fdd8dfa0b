//! SOC 2 Trust Services Criteria (2017, points of focus revised 2022) that Kubernetes checks
//! evidence, by criterion ID. IDs only: the titles are our own, never the criteria's text.

use crate::{ControlInfo, ci};

/// Criteria, in TSC order (common criteria, then availability, then confidentiality)
pub(crate) static CONTROLS: &[ControlInfo] = &[
    ci("CC1.1", "Integrity and ethical values"),
    ci("CC6.1", "Logical access security"),
    ci("CC6.2", "Access provisioning"),
    ci("CC6.3", "Role-based access changes"),
    ci("CC6.6", "Protection against outside threats"),
    ci("CC6.7", "Data movement restricted and protected"),
    ci("CC6.8", "Unauthorized software prevented"),
    ci("CC7.1", "Configuration and vulnerability detection"),
    ci("CC7.2", "Anomaly monitoring"),
    ci("CC8.1", "Change management"),
    ci("A1.1", "Capacity management"),
    ci("A1.2", "Recovery infrastructure"),
    ci("C1.1", "Confidential information protected"),
];

/// No alternative spellings (IDs are compared case-insensitively)
pub(crate) static ALIASES: &[(&str, &str)] = &[];
