//! Compliance frameworks: which controls each framework has (IDs and our own short titles,
//! never the framework's text), and scoring of scan results per control.

use palisade_engine::{Control, Framework};

/// One control of a framework
#[derive(Debug, Clone, Copy)]
pub struct ControlInfo {
    /// ID within the framework
    pub id: &'static str,
    /// Our own short title
    pub title: &'static str,
}

/// The controls of a framework, in the framework's order
pub fn controls(framework: Framework) -> &'static [ControlInfo] {
    match framework {
        _ => &[],
    }
}

/// The catalog entry for a control reference
pub fn control(c: Control) -> Option<&'static ControlInfo> {
    controls(c.framework).iter().find(|i| i.id == c.id)
}
