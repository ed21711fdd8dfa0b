use palisade_engine::{Check, CheckCtx, CheckFn, Finding, Inventory};
use palisade_model::Resource;
use std::collections::HashMap;

/// Run the per-resource checks among `checks` on one resource
pub fn run_resource_checks(checks: &[&'static Check], resource: &Resource, out: &mut Vec<Finding>) {
    let applicable = checks
        .iter()
        .copied()
        .filter(|c| c.meta.applies_to(&resource.kind));
    run_on(applicable, resource, out);
}

/// The per-resource checks of a selection, listed per kind they look at.
///
/// A scan runs each resource through the list of its kind, found with one look-up, instead of
/// asking every check whether it looks at the kind: that read every check's metadata for every
/// resource, and those cache misses cost more than the look-ups themselves.
#[derive(Debug, Default)]
pub struct ResourceChecks {
    /// For every kind some check names: the checks looking at it, in selection order
    by_kind: HashMap<&'static str, Vec<&'static Check>>,
    /// The checks looking at every kind (for kinds no check names)
    any_kind: Vec<&'static Check>,
}

impl ResourceChecks {
    /// Index the per-resource checks among `checks`
    pub fn new(checks: &[&'static Check]) -> Self {
        let resource_checks: Vec<&'static Check> = checks
            .iter()
            .copied()
            .filter(|c| matches!(c.run, CheckFn::Resource(_)))
            .collect();
        let applying_to = |kind: &str| -> Vec<&'static Check> {
            resource_checks
                .iter()
                .copied()
                .filter(|c| c.meta.applies_to(kind))
                .collect()
        };
        let by_kind = resource_checks
            .iter()
            .flat_map(|c| c.meta.kinds.iter().copied())
            .map(|kind| (kind, applying_to(kind)))
            .collect();
        let any_kind = resource_checks
            .iter()
            .copied()
            .filter(|c| c.meta.kinds.is_empty())
            .collect();
        Self { by_kind, any_kind }
    }

    /// Run the checks looking at `resource`'s kind
    pub fn run(&self, resource: &Resource, out: &mut Vec<Finding>) {
        let checks = self
            .by_kind
            .get(resource.kind.as_str())
            .unwrap_or(&self.any_kind);
        run_on(checks.iter().copied(), resource, out);
    }
}

/// Run `checks`, which look at `resource`'s kind
fn run_on(
    checks: impl Iterator<Item = &'static Check>,
    resource: &Resource,
    out: &mut Vec<Finding>,
) {
    crate::control_plane::flags::per_resource(|| {
        for check in checks {
            if let CheckFn::Resource(run) = check.run {
                run(&mut CheckCtx::new(check.meta, out), resource);
            }
        }
    });
}

/// An empty inventory keeping what the cross-resource checks among `checks` read: the kinds
/// they declare, or every kept kind when one declares none
pub fn inventory_for(checks: &[&'static Check]) -> Inventory {
    let cross = checks
        .iter()
        .filter(|c| matches!(c.run, CheckFn::Inventory(_)));
    if cross.clone().any(|c| c.meta.kinds.is_empty()) {
        return Inventory::default();
    }
    Inventory::retaining(cross.flat_map(|c| c.meta.kinds.iter().copied()))
}

/// Run the cross-resource checks among `checks` over the whole scan
pub fn run_inventory_checks(
    checks: &[&'static Check],
    inventory: &Inventory,
    out: &mut Vec<Finding>,
) {
    for check in checks {
        if let CheckFn::Inventory(run) = check.run {
            run(&mut CheckCtx::new(check.meta, out), inventory);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_for_each_kind_the_checks_that_look_at_it_in_order() {
        let every: Vec<&'static Check> = crate::all().collect();
        // A selection leaving out some kind-specific and some all-kind checks
        let selection: Vec<&'static Check> = every.iter().copied().step_by(3).collect();
        for checks in [&every, &selection] {
            let index = ResourceChecks::new(checks);
            let kinds = every.iter().flat_map(|c| c.meta.kinds.iter().copied());
            for kind in kinds.chain(["NotAKindAnyCheckNames", ""]) {
                let listed: Vec<&str> = index
                    .by_kind
                    .get(kind)
                    .unwrap_or(&index.any_kind)
                    .iter()
                    .map(|c| c.meta.id)
                    .collect();
                let applying: Vec<&str> = checks
                    .iter()
                    .filter(|c| matches!(c.run, CheckFn::Resource(_)) && c.meta.applies_to(kind))
                    .map(|c| c.meta.id)
                    .collect();
                assert_eq!(listed, applying, "{kind}");
            }
        }
    }
}
