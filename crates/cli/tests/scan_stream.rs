//! `scan -o json|sarif` writes findings file by file while scanning; the result must hold
//! exactly what the whole-report formats hold.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn scan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_palisade"))
        .arg("scan")
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .unwrap()
}

/// (rule, file, line, column, suppressed) of every finding, sorted
fn keys(findings: &[Value], rule: &str, file: &str, line: &str, col: &str) -> Vec<String> {
    let mut keys: Vec<String> = findings
        .iter()
        .map(|f| {
            let at = |path: &str| f.pointer(path).cloned().unwrap_or(Value::Null).to_string();
            format!("{} {} {} {}", at(rule), at(file), at(line), at(col))
        })
        .collect();
    keys.sort();
    keys
}

#[test]
fn streamed_json_and_sarif_hold_the_same_findings_as_the_whole_report() {
    // several files, per-resource and cross-resource findings, a malformed input
    let inputs = ["examples/insecure", "examples/hardened", "Cargo.toml"];
    let yaml = scan(&[&["-o", "yaml"], &inputs[..]].concat());
    let json = scan(&[&["-o", "json"], &inputs[..]].concat());
    let sarif = scan(&[&["-o", "sarif"], &inputs[..]].concat());
    assert_eq!(json.status.code(), yaml.status.code());
    assert_eq!(sarif.status.code(), yaml.status.code());

    let text = String::from_utf8(yaml.stdout).unwrap();
    let file = palisade_source::SourceFile::new("report.yaml", text);
    let (docs, diags) = palisade_source::load_str(&file, &palisade_source::LoadLimits::default());
    assert!(diags.is_empty(), "{diags:?}");
    let whole = docs.into_iter().next().unwrap().value;
    let streamed: Value = serde_json::from_slice(&json.stdout).unwrap();
    let log: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let whole_findings = whole["findings"].as_array().unwrap();
    assert!(whole_findings.len() > 20, "the examples have findings");

    let expected = keys(
        whole_findings,
        "/ruleId",
        "/location/file",
        "/location/line",
        "/location/column",
    );
    let from_json = keys(
        streamed["findings"].as_array().unwrap(),
        "/ruleId",
        "/location/file",
        "/location/line",
        "/location/column",
    );
    assert_eq!(from_json, expected);
    assert_eq!(streamed["summary"], whole["summary"]);
    assert_eq!(streamed["diagnostics"], whole["diagnostics"]);

    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), whole_findings.len());
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    let notifications = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(
        notifications.as_array().map(Vec::len),
        whole["diagnostics"].as_array().map(Vec::len)
    );
}

#[test]
fn a_scan_without_findings_streams_an_empty_list() {
    let out = scan(&["-o", "json", "--select", "POD-001", "examples/hardened"]);
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"], Value::Array(Vec::new()));
    assert_eq!(doc["summary"]["findings"], 0);
}

#[test]
fn a_big_multi_document_file_is_scanned_document_by_document_in_parallel() {
    let one = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/insecure/web.yaml"),
    )
    .unwrap();
    let copies = 300_000 / one.len() + 1; // past the size where documents run in parallel
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.yaml");
    std::fs::write(&big, vec![one.trim_end(); copies].join("\n---\n")).unwrap();
    let single = dir.path().join("one.yaml");
    std::fs::write(&single, &one).unwrap();

    let findings = |path: &Path| -> Vec<Value> {
        let out = scan(&["-o", "json", "--select", "POD,PSS", path.to_str().unwrap()]);
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["findings"].as_array().unwrap().clone()
    };
    let per_copy = findings(&single).len();
    let all = findings(&big);
    assert!(per_copy > 0);
    assert_eq!(all.len(), per_copy * copies);
    // every copy's findings point into its own lines, in order
    let lines: Vec<u64> = all
        .iter()
        .map(|f| f["location"]["line"].as_u64().unwrap())
        .collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "sorted by position");
    let last_line = one.trim_end().lines().count() as u64 + 1;
    assert!(lines.last().unwrap() > &(last_line * (copies as u64 - 1)));
}

#[test]
fn a_cluster_dump_is_scanned_item_by_item_and_written_in_order() {
    // `kubectl get pods -A -o json` and `-o yaml`: one List (split into its items before
    // parsing), with more findings than one rendered part holds (rendered in parts over the
    // pool)
    let pods: Vec<Value> = (0..3000)
        .map(|i| {
            serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("p{i}"), "namespace": format!("ns{}", i % 9),
                             "labels": {"app.kubernetes.io/name": "web", "pod-template-hash": "5d4f8c7b9"},
                             "annotations": {"kubernetes.io/description":
                                 "a web front end pod of the shop, scheduled by its ReplicaSet"}},
                "spec": {"hostNetwork": true, "containers": [{"name": "app", "image": "nginx",
                         "securityContext": {"privileged": true}}]}})
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": pods});
    let json_dump = dir.path().join("dump.json");
    std::fs::write(&json_dump, serde_json::to_string_pretty(&list).unwrap()).unwrap();
    let yaml_dump = dir.path().join("dump.yaml");
    let yaml = palisade_report::to_yaml(&list);
    assert!(yaml.len() > 1 << 20, "large enough to be split");
    std::fs::write(&yaml_dump, yaml).unwrap();
    let docs = dir.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    let yaml: Vec<String> = pods
        .iter()
        .map(|p| serde_json::to_string(p).unwrap())
        .collect();
    std::fs::write(docs.join("pods.yaml"), yaml.join("\n---\n")).unwrap();

    let findings = |path: &Path| {
        // per-resource rules only: cross-resource findings are written after every file's
        let out = scan(&["-o", "json", "--select", "POD,PSS", path.to_str().unwrap()]);
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["summary"]["resourcesScanned"], 3000);
        report["findings"].as_array().unwrap().clone()
    };
    let per_rule = |found: &[Value]| {
        let mut rules: Vec<String> = found.iter().map(|f| f["ruleId"].to_string()).collect();
        rules.sort();
        rules
    };
    let from_docs = per_rule(&findings(&docs));
    for dump in [json_dump, yaml_dump] {
        let from_dump = findings(&dump);
        assert!(from_dump.len() > 4096 * 2, "{} findings", from_dump.len());
        assert_eq!(per_rule(&from_dump), from_docs, "{}", dump.display());
        // one file's findings in the order of every report: line, column, rule
        let order: Vec<(u64, u64, String)> = from_dump
            .iter()
            .map(|f| {
                (
                    f["location"]["line"].as_u64().unwrap(),
                    f["location"]["column"].as_u64().unwrap(),
                    f["ruleId"].to_string(),
                )
            })
            .collect();
        assert!(
            order.is_sorted(),
            "{}: findings out of order",
            dump.display()
        );
    }
}
