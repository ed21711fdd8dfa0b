//! The data-driven suite: every `tests/cases/*.yaml` file holds policies, bindings, params,
//! namespaces and one `AdmissionTest` document listing requests and what they must produce.
//!
//! ```yaml
//! apiVersion: palisade.dev/v1alpha1
//! kind: AdmissionTest
//! authorizer: {default: deny, rules: [...]}   # optional
//! diagnostics: [cel-compile]                  # expected diagnostic codes (default: none)
//! cases:
//! - name: privileged pod is denied
//!   operation: CREATE                          # default CREATE
//!   object: {...}                              # oldObject, userInfo: {username, groups}
//!   expect:
//!     allowed: false
//!     message: "ValidatingAdmissionPolicy 'p' with binding 'b' denied request: ..."
//!     messageContains: "..."
//!     code: 403
//!     warnings: ["..."]                        # exact list
//!     auditAnnotations: {key: value}           # each must be present with this value
//!     results: ["p/b: Deny", "p/b[ns/param]: Allow"]   # exact, in order
//!     messages: {"p/b": ["..."]}               # failure messages of a result
//!     object: {...}                            # the object after mutation
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use palisade_cel::AuthorizerConfig;
use palisade_model::{Resource, resources_from_document};
use palisade_source::{LoadLimits, SourceFile, load_str};
use palisade_vap::{AdmissionRequest, Options, PolicySet, UserInfo};
use serde_json::Value;
use std::path::Path;

fn label(r: &palisade_vap::BindingResult) -> String {
    match &r.param {
        Some(p) => format!("{}/{}[{p}]", r.policy, r.binding),
        None => format!("{}/{}", r.policy, r.binding),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|s| s.as_str().unwrap_or_default().to_owned())
        .collect()
}

fn run_file(path: &Path, failures: &mut Vec<String>) -> usize {
    let text = std::fs::read_to_string(path).expect("read case file");
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let file = SourceFile::new(&name, text);
    let (docs, diags) = load_str(&file, &LoadLimits::default());
    assert!(diags.iter().all(|d| !d.is_error()), "{name}: {diags:?}");
    let mut resources: Vec<Resource> = Vec::new();
    let mut test: Option<Value> = None;
    for d in docs {
        if d.value.get("kind").and_then(Value::as_str) == Some("AdmissionTest") {
            test = Some(d.value);
            continue;
        }
        let (rs, ds) = resources_from_document(d);
        assert!(ds.is_empty(), "{name}: {ds:?}");
        resources.extend(rs);
    }
    let test = test.unwrap_or_else(|| panic!("{name}: no AdmissionTest document"));
    let authorizer = test
        .get("authorizer")
        .map(|a| AuthorizerConfig::from_json(a).expect("authorizer config"))
        .unwrap_or_default();
    let (set, diags) = PolicySet::load(
        &resources,
        Vec::new(),
        Options {
            authorizer,
            ..Options::default()
        },
    )
    .expect("load");
    let mut got_codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
    got_codes.sort_unstable();
    let mut want_codes = strings(test.get("diagnostics").unwrap_or(&Value::Null));
    want_codes.sort();
    if got_codes != want_codes {
        failures.push(format!(
            "{name}: diagnostics {got_codes:?}, expected {want_codes:?}:\n{}",
            diags
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    let cases = test
        .get("cases")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for case in &cases {
        let cname = format!(
            "{name} / {}",
            case.get("name").and_then(Value::as_str).unwrap_or("?")
        );
        let op = case
            .get("operation")
            .and_then(Value::as_str)
            .unwrap_or("CREATE");
        let object = case.get("object").cloned().unwrap_or(Value::Null);
        let mut req = AdmissionRequest::for_object(object, op, case.get("oldObject").cloned());
        if let Some(u) = case.get("userInfo") {
            req.user = UserInfo {
                username: u
                    .get("username")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .into(),
                uid: String::new(),
                groups: strings(u.get("groups").unwrap_or(&Value::Null)),
                ..UserInfo::default()
            };
        }
        if let Some(sub) = case.get("subResource").and_then(Value::as_str) {
            req.subresource = sub.to_owned();
        }
        let got = set.admit(&req);
        let expect = case.get("expect").cloned().unwrap_or(Value::Null);
        let mut fail = |what: String| failures.push(format!("{cname}: {what}"));
        let results: Vec<String> = got
            .results
            .iter()
            .map(|r| format!("{}: {}", label(r), r.verdict.as_str()))
            .collect();
        let detail = || {
            format!(
                "\n  results: {results:?}\n  admission: {:?} {:?} warnings {:?}",
                got.allowed, got.message, got.warnings
            )
        };
        if let Some(a) = expect.get("allowed").and_then(Value::as_bool)
            && a != got.allowed
        {
            fail(format!(
                "allowed = {}, expected {a}{}",
                got.allowed,
                detail()
            ));
        }
        if let Some(m) = expect.get("message").and_then(Value::as_str)
            && got.message.as_deref() != Some(m)
        {
            fail(format!(
                "message {:?}, expected {m:?}{}",
                got.message,
                detail()
            ));
        }
        if let Some(m) = expect.get("messageContains").and_then(Value::as_str)
            && !got.message.as_deref().unwrap_or_default().contains(m)
        {
            fail(format!("message {:?} lacks {m:?}{}", got.message, detail()));
        }
        if let Some(c) = expect.get("code").and_then(Value::as_u64)
            && u64::from(got.code) != c
        {
            fail(format!("code {}, expected {c}", got.code));
        }
        if let Some(w) = expect.get("warnings") {
            let want = strings(w);
            if want != got.warnings {
                fail(format!("warnings {:?}, expected {want:?}", got.warnings));
            }
        }
        if let Some(Value::Object(want)) = expect.get("auditAnnotations") {
            for (k, v) in want {
                let have = got.audit_annotations.get(k);
                if have.map(String::as_str) != v.as_str() {
                    fail(format!(
                        "audit annotation {k} = {have:?}, expected {v}; all: {:?}",
                        got.audit_annotations
                    ));
                }
            }
        }
        if let Some(r) = expect.get("results") {
            let want = strings(r);
            if want != results {
                fail(format!(
                    "results {results:?}, expected {want:?}{}",
                    detail()
                ));
            }
        }
        if let Some(Value::Object(want)) = expect.get("messages") {
            for (k, v) in want {
                let have: Option<&Vec<String>> = got
                    .results
                    .iter()
                    .find(|r| label(r) == *k)
                    .map(|r| &r.messages);
                if have != Some(&strings(v)) {
                    fail(format!("messages of {k} = {have:?}, expected {v}"));
                }
            }
        }
        if let Some(o) = expect.get("object")
            && got.object.as_ref() != Some(o)
        {
            fail(format!(
                "object after mutation:\n{}\nexpected:\n{}{}",
                serde_json::to_string_pretty(&got.object).unwrap_or_default(),
                serde_json::to_string_pretty(o).unwrap_or_default(),
                detail()
            ));
        }
        if let Some(m) = expect.get("mutated").and_then(Value::as_bool)
            && m != got.mutated
        {
            fail(format!("mutated = {}, expected {m}", got.mutated));
        }
    }
    cases.len()
}

#[test]
fn admission_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("cases dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut total = 0;
    for f in &files {
        total += run_file(f, &mut failures);
    }
    eprintln!("{} case files, {total} cases", files.len());
    assert!(total > 0, "no cases found");
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
