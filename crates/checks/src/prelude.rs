//! What every check file needs
#![allow(unused_imports, reason = "a prelude: each check uses a subset")]
pub(crate) use crate::helpers::*;
pub(crate) use palisade_engine::{
    Check, CheckCtx, CheckFn, Control, Framework, Inventory, Severity, declare_check,
    selector_matches,
};
pub(crate) use palisade_model::{Container, ContainerKind, PodTemplate, Resource, field};
pub(crate) use palisade_source::JsonPointer;
pub(crate) use serde_json::Value;

/// CIS Kubernetes Benchmark v1.12 section
pub(crate) const fn cis(id: &'static str) -> Control {
    Control::new(Framework::Cis, id)
}
/// NSA-CISA hardening guide section tag (see the frameworks crate for the list)
pub(crate) const fn nsa(id: &'static str) -> Control {
    Control::new(Framework::NsaCisa, id)
}
/// MITRE ATT&CK technique
pub(crate) const fn attack(id: &'static str) -> Control {
    Control::new(Framework::MitreAttack, id)
}
/// NIST SP 800-53 rev. 5 control
pub(crate) const fn nist(id: &'static str) -> Control {
    Control::new(Framework::Nist80053, id)
}
/// NIST SP 800-190 section
pub(crate) const fn sp190(id: &'static str) -> Control {
    Control::new(Framework::Nist800190, id)
}
/// PCI DSS v4.0 requirement
pub(crate) const fn pci(id: &'static str) -> Control {
    Control::new(Framework::PciDss, id)
}
/// SOC 2 criterion
pub(crate) const fn soc2(id: &'static str) -> Control {
    Control::new(Framework::Soc2, id)
}
/// HIPAA Security Rule paragraph
pub(crate) const fn hipaa(id: &'static str) -> Control {
    Control::new(Framework::Hipaa, id)
}
/// Pod Security Standards control
pub(crate) const fn pss(id: &'static str) -> Control {
    Control::new(Framework::Pss, id)
}
