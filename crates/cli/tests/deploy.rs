//! `deploy/`: Palisade's own scan of its deployment manifests is clean, and the policies and
//! namespaces they ship load in the webhook server. Also `palisade certs`.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use palisade_model::{Resource, resources_from_document};
use palisade_source::{LoadLimits, SourceFile, load_str};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn manifests() -> Vec<Resource> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(repo().join("deploy/manifests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    entries.sort();
    for path in entries {
        let file = SourceFile::new(
            path.display().to_string(),
            std::fs::read_to_string(&path).unwrap(),
        );
        let (docs, diags) = load_str(&file, &LoadLimits::default());
        assert!(diags.is_empty(), "{diags:?}");
        for d in docs {
            out.extend(resources_from_document(d).0);
        }
    }
    out
}

#[test]
fn palisade_scan_of_deploy_manifests_is_clean() {
    for extra in [&[][..], &["--pss-level", "restricted"][..]] {
        let out = Command::new(env!("CARGO_BIN_EXE_palisade"))
            .args([
                "scan",
                "--no-progress",
                "--color",
                "never",
                "deploy/manifests",
            ])
            .args(extra)
            .current_dir(repo())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "palisade scan deploy/manifests {extra:?} is not clean:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn shipped_policies_and_namespaces_load_in_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    let namespaces = dir.path().join("namespaces.yaml");
    let mut found = 0;
    for r in manifests().iter().filter(|r| r.kind == "ConfigMap") {
        let data = r.value["data"].as_object().unwrap();
        match r.name.as_str() {
            "palisade-policies" => {
                for (name, text) in data {
                    std::fs::write(policies.join(name), text.as_str().unwrap()).unwrap();
                    found += 1;
                }
            }
            "palisade-namespaces" => {
                std::fs::write(&namespaces, data["namespaces.yaml"].as_str().unwrap()).unwrap();
            }
            other => panic!("unexpected ConfigMap {other}"),
        }
    }
    assert!(found >= 2);
    let state = palisade_server::AppState::new(
        palisade_server::dialects::defaults(),
        policies,
        Some(namespaces),
        palisade_server::Limits::default(),
    );
    assert!(state.reload_namespaces());
    assert!(state.reload_policies(), "{}", state.readiness());
    assert!(state.is_ready());
    // one PodSecurityConfiguration (one policy) and one file per CheckPolicy
    assert_eq!(state.policies().unwrap().len(), found);
}

#[test]
fn webhooks_exclude_kube_system_and_palisade() {
    let resources = manifests();
    for kind in [
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
    ] {
        let config = resources.iter().find(|r| r.kind == kind).unwrap();
        for hook in config.value["webhooks"].as_array().unwrap() {
            let excluded = &hook["namespaceSelector"]["matchExpressions"][0];
            assert_eq!(excluded["key"], "kubernetes.io/metadata.name");
            assert_eq!(excluded["operator"], "NotIn");
            let values = excluded["values"].as_array().unwrap();
            assert!(values.iter().any(|v| v == "kube-system"));
            assert!(values.iter().any(|v| v == "palisade"));
            assert_eq!(hook["admissionReviewVersions"][0], "v1");
            assert_eq!(hook["sideEffects"], "None");
        }
    }
    let deploy = resources.iter().find(|r| r.kind == "Deployment").unwrap();
    assert!(deploy.value["spec"]["replicas"].as_i64().unwrap() >= 2);
    assert!(resources.iter().any(|r| r.kind == "PodDisruptionBudget"));
}

#[test]
fn certs_writes_the_files_and_prints_the_ca_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(["certs", "--dns", "palisade.palisade.svc", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in ["ca.crt", "tls.crt", "tls.key"] {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
    let bundle = String::from_utf8(out.stdout).unwrap();
    let bundle = bundle.trim();
    assert!(
        bundle
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c)),
        "{bundle}"
    );
    assert!(
        bundle.starts_with("LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"),
        "base64 of a PEM certificate"
    );
}

#[test]
fn helm_chart_values_ship_loadable_policies() {
    // The chart's templates need `helm` to render; its policies and namespaces are plain YAML
    // in values.yaml and must load like the plain manifests' ones.
    let path = repo().join("deploy/helm/palisade/values.yaml");
    let file = SourceFile::new(
        path.display().to_string(),
        std::fs::read_to_string(&path).unwrap(),
    );
    let (docs, diags) = load_str(&file, &LoadLimits::default());
    assert!(diags.is_empty(), "{diags:?}");
    let values = &docs[0].value;
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    let files = values["policies"].as_object().unwrap();
    for (name, text) in files {
        std::fs::write(policies.join(name), text.as_str().unwrap()).unwrap();
    }
    let namespaces = dir.path().join("namespaces.yaml");
    std::fs::write(&namespaces, values["namespaces"].as_str().unwrap()).unwrap();
    let state = palisade_server::AppState::new(
        palisade_server::dialects::defaults(),
        policies,
        Some(namespaces),
        palisade_server::Limits::default(),
    );
    assert!(state.reload_namespaces());
    assert!(state.reload_policies(), "{}", state.readiness());
    assert_eq!(state.policies().unwrap().len(), files.len());
    assert!(
        values["image"]["digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert!(values["replicaCount"].as_i64().unwrap() >= 2);
}
