//! Compliance frameworks: which controls each framework has (IDs and our own short titles,
//! never the framework's text), and scoring of scan results per control.
//!
//! - [`controls`], [`all_frameworks`]: the catalogs, one module per framework, in each
//!   framework's own order
//! - [`control`], [`canonical`]: look a [`Control`] reference up, following the alternative
//!   spellings check authors use (see "Lookup" below)
//! - [`score`]: per-control status of a run — passing, failing, or not covered
//!
//! # Lookup
//!
//! A reference matches a catalog ID exactly, or else after these normalisations:
//! - case, `-`, `_` and spaces are ignored (`ac-6(10)`, `cc6.1`, `host-path-volumes`);
//! - a leading framework prefix is dropped: the framework's own [`Framework::id`] followed by `:`
//!   (`cis-1.12:5.2.2`, as [`Control`] displays), and the forms of the design catalog
//!   (`CIS-K8S-1.12:`, `800-190:`, `PCI-DSS-4.0:`, `45 CFR`/`§`, `PSS:`);
//! - NSA-CISA tags may omit `NSA-` (`POD-PSA`);
//! - Pod Security Standards accept `baseline:`/`restricted:` level prefixes and short names
//!   (`restricted:capabilities` → `capabilities_restricted`, `hostNetwork` → `hostNamespaces`);
//! - a few framework-specific aliases (kubescape's CIS 5.7.x numbering → kube-bench 5.6.x).
//!
//! A reference that matches nothing is not dropped from a compliance report: [`score`] lists it
//! in [`ComplianceReport::unknown_controls`].

mod cis;
mod hipaa;
mod mitre_attack;
mod nist_800_190;
mod nist_800_53;
mod nsa_cisa;
mod pci_dss;
mod pss;
mod score;
mod soc2;

pub use score::{ComplianceReport, ControlScore, ControlStatus, score};

use palisade_engine::{Control, Framework};

/// One control of a framework
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ControlInfo {
    /// ID within the framework
    pub id: &'static str,
    /// Our own short title
    pub title: &'static str,
}

/// Catalog entry constructor, to keep the catalogs one line per control
pub(crate) const fn ci(id: &'static str, title: &'static str) -> ControlInfo {
    ControlInfo { id, title }
}

/// The controls of a framework, in the framework's order
pub fn controls(framework: Framework) -> &'static [ControlInfo] {
    match framework {
        Framework::Cis => cis::CONTROLS,
        Framework::NsaCisa => nsa_cisa::CONTROLS,
        Framework::MitreAttack => mitre_attack::CONTROLS,
        Framework::Nist80053 => nist_800_53::CONTROLS,
        Framework::Nist800190 => nist_800_190::CONTROLS,
        Framework::PciDss => pci_dss::CONTROLS,
        Framework::Soc2 => soc2::CONTROLS,
        Framework::Hipaa => hipaa::CONTROLS,
        Framework::Pss => pss::CONTROLS,
        _ => &[],
    }
}

/// Every framework with its controls, in report order ([`Framework::ALL`])
pub fn all_frameworks() -> impl Iterator<Item = (Framework, &'static [ControlInfo])> {
    Framework::ALL.into_iter().map(|f| (f, controls(f)))
}

/// The catalog entry for a control reference (exact ID, or an accepted alternative spelling)
pub fn control(c: Control) -> Option<&'static ControlInfo> {
    resolve(c.framework, c.id).and_then(|i| controls(c.framework).get(i))
}

/// The reference with its catalog ID (`Control::new(Pss, "hostNetwork")` →
/// `Control::new(Pss, "hostNamespaces")`), or `None` when the catalog has no such control
pub fn canonical(c: Control) -> Option<Control> {
    control(c).map(|info| Control::new(c.framework, info.id))
}

/// Alternative spellings: (alias, catalog ID)
fn aliases(framework: Framework) -> &'static [(&'static str, &'static str)] {
    match framework {
        Framework::Cis => cis::ALIASES,
        Framework::NsaCisa => nsa_cisa::ALIASES,
        Framework::MitreAttack => mitre_attack::ALIASES,
        Framework::Nist80053 => nist_800_53::ALIASES,
        Framework::Nist800190 => nist_800_190::ALIASES,
        Framework::PciDss => pci_dss::ALIASES,
        Framework::Soc2 => soc2::ALIASES,
        Framework::Hipaa => hipaa::ALIASES,
        Framework::Pss => pss::ALIASES,
        _ => &[],
    }
}

/// Prefixes a reference may carry besides `<framework id>:`, tried in this order
fn prefixes(framework: Framework) -> &'static [&'static str] {
    match framework {
        Framework::Cis => &["CIS-K8S-1.12:", "CIS-1.12:", "CIS:"],
        Framework::NsaCisa => &["NSA-CISA:"],
        Framework::MitreAttack => &["ATT&CK:", "MITRE:"],
        Framework::Nist80053 => &["NIST-800-53:", "800-53:"],
        Framework::Nist800190 => &["NIST-800-190:", "800-190:", "§"],
        Framework::PciDss => &["PCI-DSS-4.0:", "PCI-DSS:", "PCI:"],
        Framework::Soc2 => &["SOC2:", "SOC 2:"],
        Framework::Hipaa => &["45 CFR", "§"],
        Framework::Pss => &["PSS:", "PSS-"],
        _ => &[],
    }
}

/// Index in `controls(framework)` of the control `id` refers to
pub(crate) fn resolve(framework: Framework, id: &str) -> Option<usize> {
    let catalog = controls(framework);
    if let Some(i) = catalog.iter().position(|c| c.id == id) {
        return Some(i);
    }
    let id = strip_prefixes(framework, id);
    if let Some(i) = find_loose(framework, id) {
        return Some(i);
    }
    match framework {
        Framework::Pss => resolve_pss_level(id),
        Framework::NsaCisa if strip_prefix_ci(id, "NSA-").is_none() => catalog
            .iter()
            .position(|c| c.id.get(4..).is_some_and(|rest| loose_eq(rest, id))),
        _ => None,
    }
}

/// Drop `<framework id>:` and the framework's other known prefixes (each at most once, in order)
fn strip_prefixes(framework: Framework, id: &str) -> &str {
    let mut id = id.trim();
    if let Some(rest) = strip_prefix_ci(id, framework.id()).and_then(|r| r.strip_prefix(':')) {
        id = rest.trim_start();
    }
    for p in prefixes(framework) {
        if let Some(rest) = strip_prefix_ci(id, p) {
            id = rest.trim_start();
        }
    }
    id
}

/// Catalog ID or alias, compared with [`loose_eq`]
fn find_loose(framework: Framework, id: &str) -> Option<usize> {
    let catalog = controls(framework);
    catalog.iter().position(|c| loose_eq(c.id, id)).or_else(|| {
        aliases(framework)
            .iter()
            .find(|(alias, _)| loose_eq(alias, id))
            .and_then(|(_, target)| catalog.iter().position(|c| c.id == *target))
    })
}

/// `baseline:<control>` / `restricted:<control>` (also with `/`, `.`, `-`, `_` or a space): the
/// control's variant for that level when upstream has one, else the control itself
fn resolve_pss_level(id: &str) -> Option<usize> {
    let (level, name) = ["baseline", "restricted"].into_iter().find_map(|level| {
        let rest = strip_prefix_ci(id, level)?;
        let name = rest.strip_prefix([':', '/', '.', '-', '_', ' '])?;
        Some((level, name.trim_start()))
    })?;
    let i = find_loose(Framework::Pss, name)?;
    let catalog = pss::CONTROLS;
    let found = catalog.get(i)?.id;
    let base = found
        .strip_suffix("_baseline")
        .or_else(|| found.strip_suffix("_restricted"))
        .unwrap_or(found);
    catalog
        .iter()
        .position(|c| {
            c.id.strip_prefix(base)
                .and_then(|r| r.strip_prefix('_'))
                .is_some_and(|suffix| suffix == level)
        })
        .or(Some(i))
}

/// `s` without `prefix`, compared ASCII-case-insensitively
fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

/// Equal ignoring ASCII case, `-`, `_` and whitespace
pub(crate) fn loose_eq(a: &str, b: &str) -> bool {
    fn key(s: &str) -> impl Iterator<Item = char> + '_ {
        s.chars()
            .filter(|c| !matches!(c, '-' | '_') && !c.is_whitespace())
            .map(|c| c.to_ascii_lowercase())
    }
    let (mut a, mut b) = (key(a), key(b));
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x == y => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests;
