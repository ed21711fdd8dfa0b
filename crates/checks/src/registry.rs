//! Every built-in check, by area. Each area module owns its list, so adding a check touches only
//! its own file and its area's list.

use palisade_engine::Check;

/// The areas, in catalog order
static AREAS: &[&[&Check]] = &[
    crate::pod::CHECKS,
    crate::pod_hardening::CHECKS,
    crate::workload::CHECKS,
    crate::rbac::CHECKS,
    crate::network::CHECKS,
    crate::secrets::CHECKS,
    crate::images::CHECKS,
    crate::control_plane::CHECKS,
    crate::namespaces::CHECKS,
];

/// Every built-in check
pub fn all() -> impl Iterator<Item = &'static Check> + Clone {
    AREAS.iter().flat_map(|area| area.iter().copied())
}

/// A check by ID or name (case-insensitive)
pub fn find(id_or_name: &str) -> Option<&'static Check> {
    all().find(|c| {
        c.meta.id.eq_ignore_ascii_case(id_or_name) || c.meta.name.eq_ignore_ascii_case(id_or_name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::path::Path;

    #[test]
    fn ids_and_names_are_unique_and_well_formed() {
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        for c in all() {
            let m = c.meta;
            let (area, num) = m.id.split_once('-').expect("ID has AREA-NNN form");
            assert!(area.chars().all(|ch| ch.is_ascii_uppercase()), "{}", m.id);
            assert!(
                num.len() == 3 && num.chars().all(|ch| ch.is_ascii_digit()),
                "{}",
                m.id
            );
            assert!(ids.insert(m.id), "duplicate ID {}", m.id);
            assert!(
                m.name
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'),
                "{} name `{}` is not kebab-case",
                m.id,
                m.name
            );
            assert!(names.insert(m.name), "duplicate name {}", m.name);
        }
    }

    #[test]
    fn every_check_is_documented_and_mapped() {
        for c in all() {
            let m = c.meta;
            for section in ["## What it checks", "## Why it matters"] {
                assert!(m.doc.contains(section), "{} docs lack `{section}`", m.id);
            }
            assert!(!m.title.is_empty() && !m.remediation.is_empty(), "{}", m.id);
            assert!(!m.tags.is_empty(), "{} has no tags", m.id);
            assert!(
                !m.controls.is_empty(),
                "{} maps to no framework control",
                m.id
            );
            for control in m.controls {
                assert!(
                    palisade_frameworks::control(*control).is_some(),
                    "{} maps to `{control}`, which the frameworks crate does not list",
                    m.id
                );
            }
        }
    }

    #[test]
    fn every_check_has_pass_and_fail_fixtures() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        for c in all() {
            for kind in ["pass", "fail"] {
                let dir = root.join(c.meta.id).join(kind);
                let n = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
                assert!(n > 0, "{} has no fixtures in {}", c.meta.id, dir.display());
            }
        }
    }
}
