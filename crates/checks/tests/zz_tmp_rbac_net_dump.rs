use palisade_checks::{all, run_inventory_checks, run_resource_checks};
use palisade_engine::Inventory;
use palisade_model::resources_from_document;
use palisade_source::{LoadLimits, SourceFile, load_str};
use std::path::Path;

#[test]
fn dump() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let filter = std::env::var("DUMP").unwrap_or_default();
    for check in all().filter(|c| c.meta.id.starts_with("RBAC") || c.meta.id.starts_with("NET")) {
        if !filter.is_empty() && !check.meta.id.contains(&filter) { continue; }
        for kind in ["pass", "fail"] {
            let Ok(dir) = std::fs::read_dir(root.join(check.meta.id).join(kind)) else { continue };
            for entry in dir {
                let path = entry.unwrap().path();
                let text = std::fs::read_to_string(&path).unwrap();
                let file = SourceFile::new(path.display().to_string(), text);
                let (docs, _) = load_str(&file, &LoadLimits::default());
                let mut findings = Vec::new();
                let mut inv = Inventory::default();
                for doc in docs {
                    for r in resources_from_document(doc).0 {
                        run_resource_checks(&[check], &r, &mut findings);
                        inv.observe(&r);
                    }
                }
                run_inventory_checks(&[check], &inv, &mut findings);
                println!("== {} {kind} {}", check.meta.id, path.file_name().unwrap().to_string_lossy());
                for f in findings {
                    println!("  {}:{} {} -- {}", f.position.line, f.position.column, f.pointer, f.message);
                }
            }
        }
    }
}
