//! End-to-end tests of the `palisade` binary: exit codes, formats, input handling.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_palisade"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> Output {
    bin().args(args).current_dir(repo()).output().unwrap()
}

fn run_stdin(args: &[&str], input: &str) -> Output {
    let mut child = bin()
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

const PRIVILEGED_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: c
    image: nginx:1.27
    securityContext:
      privileged: true
";

#[test]
fn hardened_example_is_clean_and_insecure_fails() {
    let ok = run(&["scan", "--no-progress", "examples/hardened"]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let bad = run(&["scan", "--no-progress", "examples/insecure"]);
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn pss_violations_are_sarif_results_with_locations() {
    let out = run_stdin(
        &[
            "scan",
            "--select",
            "pss",
            "--pss-level",
            "baseline",
            "--pss-version",
            "latest",
            "-o",
            "sarif",
            "-",
        ],
        PRIVILEGED_POD,
    );
    assert_eq!(out.status.code(), Some(1));
    let sarif = json(&out);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0]["ruleId"], "PSS-privileged");
    let loc = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["region"]["startLine"], 10);
    assert!(loc["artifactLocation"]["uri"].is_string());
}

#[test]
fn bad_input_is_reported_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a-broken.yaml"), "a: [1, 2\nb: }\n").unwrap();
    std::fs::write(dir.path().join("b-binary.yaml"), b"\x00\x01\x02").unwrap();
    std::fs::write(
        dir.path().join("c-nokind.yaml"),
        "apiVersion: v1\nmetadata: {name: x}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("d-pod.yaml"), PRIVILEGED_POD).unwrap();
    let out = run(&[
        "scan",
        "--no-progress",
        "-o",
        "json",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "input errors exit 2");
    let report = json(&out);
    let diags = report["diagnostics"].as_array().unwrap();
    assert!(diags.len() >= 3, "{diags:?}");
    assert!(
        diags.iter().any(|d| d["location"]["file"]
            .as_str()
            .unwrap()
            .ends_with("a-broken.yaml")
            && d["location"]["line"].as_u64().is_some()),
        "{diags:?}"
    );
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["ruleId"] == "POD-001"),
        "the good file was still scanned"
    );
}

#[test]
fn alias_bombs_are_refused() {
    // Each level doubles ten times over: 10^9 nodes if expanded.
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for pair in names.windows(2) {
        let (prev, name) = (pair[0], pair[1]);
        let refs = vec![format!("*{prev}"); 10].join(", ");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    let out = run_stdin(&["scan", "-o", "json", "-"], &bomb);
    assert_eq!(out.status.code(), Some(2));
    let report = json(&out);
    assert_eq!(
        report["diagnostics"][0]["code"], "yaml-alias-bomb",
        "{report}"
    );
}

#[test]
fn lists_and_stdin() {
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}",
        PRIVILEGED_POD
            .lines()
            .enumerate()
            .map(|(i, l)| if i == 0 {
                format!("- {l}\n")
            } else {
                format!("  {l}\n")
            })
            .collect::<String>()
    );
    let out = run_stdin(&["scan", "--select", "POD-001", "-o", "json", "-"], &list);
    let report = json(&out);
    let f = &report["findings"][0];
    assert_eq!(f["ruleId"], "POD-001");
    assert_eq!(f["location"]["line"], 13);
    assert_eq!(f["location"]["file"], "<stdin>");
}

#[test]
fn annotation_suppresses_with_reason() {
    let pod = PRIVILEGED_POD.replace(
        "  name: p\n",
        "  name: p\n  annotations:\n    ignore.palisade.dev/POD-001: \"node agent needs it\"\n",
    );
    let out = run_stdin(&["scan", "--select", "POD-001", "-o", "json", "-"], &pod);
    assert_eq!(out.status.code(), Some(0));
    let report = json(&out);
    let f = &report["findings"][0];
    assert_eq!(f["suppressed"]["reason"], "node agent needs it", "{report}");
}

#[test]
fn config_file_disables_and_excludes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), PRIVILEGED_POD).unwrap();
    let cfg_dir = tempfile::tempdir().unwrap();
    let cfg = cfg_dir.path().join("cfg.yaml");
    std::fs::write(
        &cfg,
        "checks:\n  POD-001:\n    severity: info\nselect: [POD-001]\n",
    )
    .unwrap();
    let out = run(&[
        "scan",
        "--config",
        cfg.to_str().unwrap(),
        "-o",
        "json",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "info is below the default --fail-on"
    );
    assert_eq!(json(&out)["findings"][0]["severity"], "info");

    std::fs::write(
        &cfg,
        "exclude:\n  namespaces: []\n  paths: ['**/pod.yaml']\n",
    )
    .unwrap();
    let out = run(&[
        "scan",
        "--config",
        cfg.to_str().unwrap(),
        "-o",
        "json",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));

    std::fs::write(&cfg, "unknown-key: 1\n").unwrap();
    let out = run(&[
        "scan",
        "--config",
        cfg.to_str().unwrap(),
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn fail_on_threshold() {
    let out = run_stdin(
        &["scan", "--select", "POD-001", "--fail-on", "critical", "-"],
        PRIVILEGED_POD,
    );
    assert_eq!(out.status.code(), Some(1));
    let out = run_stdin(
        &["scan", "--select", "NET", "--fail-on", "critical", "-"],
        PRIVILEGED_POD,
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn unknown_selector_is_a_usage_error() {
    let out = run_stdin(&["scan", "--select", "NOPE-999", "-"], PRIVILEGED_POD);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOPE-999"));
}

#[test]
fn checks_json_has_ids_severities_and_frameworks() {
    let out = run(&["checks", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let checks = json(&out);
    let list = checks.as_array().unwrap();
    assert!(list.len() > 100, "{} checks", list.len());
    for c in list {
        assert!(
            c["id"].is_string() && c["severity"].is_string() && c["frameworks"].is_object(),
            "{c}"
        );
    }
    let cis = json(&run(&["checks", "--framework", "cis", "-o", "json"]));
    assert!(
        cis.as_array()
            .unwrap()
            .iter()
            .all(|c| c["frameworks"]["cis-1.12"].is_array())
    );
}

#[test]
fn explain_prints_docs_and_rejects_unknown() {
    let out = run(&["explain", "privileged-container"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("POD-001") && text.contains("## What it checks"),
        "{text}"
    );
    assert_eq!(run(&["explain", "NOPE-1"]).status.code(), Some(2));
}

#[test]
fn framework_scores_controls() {
    let out = run(&[
        "scan",
        "--framework",
        "cis",
        "-o",
        "json",
        "examples/insecure",
    ]);
    let report = json(&out);
    let controls = report["compliance"]["controls"].as_array().unwrap();
    assert!(controls.iter().any(|c| c["status"] == "failing"));
    assert!(
        controls
            .iter()
            .any(|c| c["status"] == "not-covered" || c["status"] == "not_covered")
    );
}

#[test]
fn every_output_format_renders() {
    for format in [
        "human",
        "table",
        "json",
        "yaml",
        "sarif",
        "junit",
        "policyreport",
    ] {
        let out = run(&["scan", "--no-progress", "-o", format, "examples/insecure"]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert!(!out.stdout.is_empty(), "{format}");
    }
}

#[test]
fn generated_rule_reference_is_current() {
    let out = run(&["checks", "-o", "markdown"]);
    let generated = String::from_utf8(out.stdout).unwrap();
    let path = repo().join("docs/checks.md");
    if std::env::var_os("PALISADE_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "docs/checks.md is stale: run `PALISADE_UPDATE_DOCS=1 cargo test -p palisade --test cli generated_rule_reference_is_current`"
    );
}

#[test]
fn completions_are_generated() {
    let out = run(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("palisade"));
}

#[test]
fn kustomize_without_kubectl_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "resources: [pod.yaml]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("pod.yaml"), PRIVILEGED_POD).unwrap();
    let out = bin()
        .args(["scan", "-o", "json", dir.path().to_str().unwrap()])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let report = json(&out);
    assert_eq!(report["diagnostics"][0]["code"], "kustomize", "{report}");
    assert!(
        report["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("kubectl")
    );
}

/// `palisade serve` of the bundled example policies on a free loopback port, with a fresh CA
/// and serving certificate in `dir`, its stdout piped; `extra` arguments added
fn start_serve(dir: &Path, extra: &[&str]) -> std::process::Child {
    let certs = dir.join("certs");
    let out = run(&[
        "certs",
        "--dns",
        "localhost",
        "--out",
        certs.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    bin()
        .args([
            "serve",
            "--policies",
            "examples/policies",
            "--listen",
            "127.0.0.1:0",
        ])
        .args(extra)
        .arg("--tls-cert")
        .arg(certs.join("tls.crt"))
        .arg("--tls-key")
        .arg(certs.join("tls.key"))
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn serve_runs_connections_and_evaluations_on_the_threads_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = start_serve(
        dir.path(),
        &["--io-threads", "1", "--evaluation-threads", "3"],
    );
    // the start-up line says what the runtime really has (tokio's own count of its workers)
    let listening = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()))
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_str::<Value>(&line).ok())
        .find(|line| line["message"] == "listening");
    child.kill().unwrap();
    child.wait().unwrap();
    let listening = listening.expect("a `listening` line");
    assert_eq!(listening["io_threads"], 1, "{listening}");
    assert_eq!(listening["evaluation_threads"], 3, "{listening}");
}

/// POST `body` to `path` over HTTPS (TLS trusting `ca`), HTTP/1.1 with the connection closed
/// after the answer; the raw response
fn https_post(addr: &str, ca: &Path, path: &str, body: &str) -> String {
    use rustls::pki_types::pem::PemObject as _;
    use std::io::Read as _;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = rustls::ClientConnection::new(std::sync::Arc::new(config), name).unwrap();
    let mut stream = rustls::StreamOwned::new(tls, std::net::TcpStream::connect(addr).unwrap());
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    // the server closes after answering; a TLS stream cut without close_notify is still read
    let _ = stream.read_to_string(&mut response);
    response
}

#[test]
fn serve_writes_each_decision_to_stdout_as_it_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = start_serve(dir.path(), &[]);
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let (lines, logged) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(stdout).map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line)
                && lines.send(v).is_err()
            {
                break;
            }
        }
    });
    // a guard against a hang, not a timing assertion: lines held back fail the test here
    let next = |what: &str| {
        logged
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("no {what} line on stdout: {e}"))
    };
    let listening = std::iter::repeat_with(|| next("`listening`"))
        .find(|line| line["message"] == "listening")
        .unwrap();
    let addr = listening["addr"].as_str().unwrap().to_owned();
    let review = serde_json::json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "decision-log-1",
            "kind": {"group": "", "version": "v1", "kind": "ConfigMap"},
            "resource": {"group": "", "version": "v1", "resource": "configmaps"},
            "namespace": "team",
            "operation": "CREATE",
            "userInfo": {"username": "alice"},
            "object": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "team"}}
        }
    });
    let response = https_post(
        &addr,
        &dir.path().join("certs/ca.crt"),
        "/validate",
        &review.to_string(),
    );
    let decision = std::iter::repeat_with(|| next("decision"))
        .find(|line| line["target"] == "palisade::decision")
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains("\"uid\":\"decision-log-1\""),
        "{response}"
    );
    assert_eq!(decision["uid"], "decision-log-1", "{decision}");
    assert_eq!(decision["kind"], "ConfigMap", "{decision}");
    assert_eq!(decision["user"], "alice", "{decision}");
    assert_eq!(decision["allowed"], true, "{decision}");
}

#[test]
fn serve_takes_namespaces_from_a_file_or_a_kubeconfig_not_both() {
    let out = run(&[
        "serve",
        "--policies",
        "examples/policies",
        "--tls-cert",
        "c.crt",
        "--tls-key",
        "c.key",
        "--namespaces",
        "ns.yaml",
        "--kubeconfig",
        "kubeconfig",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--namespaces") && err.contains("--kubeconfig"),
        "{err}"
    );
    let help = String::from_utf8_lossy(&run(&["serve", "--help"]).stdout).into_owned();
    assert!(help.contains("--kubeconfig <FILE>"), "{help}");
}
