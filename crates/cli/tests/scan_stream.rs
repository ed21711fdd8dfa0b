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
