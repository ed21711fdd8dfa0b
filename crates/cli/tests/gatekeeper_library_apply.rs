//! `palisade apply` on every Gatekeeper library template of `../shared` (each with its sample
//! constraints and examples): every template loads — `httpsonly` included, whose description
//! wraps a quoted scalar back to its key's column as go-yaml allows. Skips when `../shared` is
//! absent.
#![allow(
    clippy::expect_used,
    reason = "test code: a failed expect is a failed test"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn every_library_template_loads_in_apply() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/gatekeeper");
    if !root.is_dir() {
        eprintln!("skipping: {} is absent", root.display());
        return;
    }
    let mut templates: Vec<PathBuf> = walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "template.yaml")
        .map(|e| e.into_path())
        .collect();
    templates.sort();
    assert!(!templates.is_empty());
    for template in templates {
        let samples = template.with_file_name("samples");
        let out = Command::new(env!("CARGO_BIN_EXE_palisade"))
            .arg("apply")
            .arg(&template)
            .arg(&samples)
            .arg("--resource")
            .arg(&samples)
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("yaml-syntax") && !stderr.contains("not recognized"),
            "{}: {stderr}",
            template.display()
        );
    }
}
