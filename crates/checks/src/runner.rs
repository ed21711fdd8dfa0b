use palisade_engine::{Check, CheckCtx, CheckFn, Finding, Inventory};
use palisade_model::Resource;

/// Run the per-resource checks among `checks` on one resource
pub fn run_resource_checks(checks: &[&'static Check], resource: &Resource, out: &mut Vec<Finding>) {
    for check in checks {
        if let CheckFn::Resource(run) = check.run
            && check.meta.applies_to(&resource.kind)
        {
            run(&mut CheckCtx::new(check.meta, out), resource);
        }
    }
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
