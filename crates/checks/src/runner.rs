use palisade_engine::{Check, CheckCtx, CheckFn, Finding, Inventory};
use palisade_model::Resource;

/// Run the per-resource checks among `checks` on one resource
pub fn run_resource_checks(checks: &[&'static Check], resource: &Resource, out: &mut Vec<Finding>) {
    crate::control_plane::flags::per_resource(|| {
        for check in checks {
            if let CheckFn::Resource(run) = check.run
                && check.meta.applies_to(&resource.kind)
            {
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
