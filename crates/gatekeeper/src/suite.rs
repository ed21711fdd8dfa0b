//! gator verify: `test.gatekeeper.sh/v1alpha1` `Suite` files.
//!
//! Semantics follow gator's runner and assertions (`pkg/gator/verify`):
//! - paths in a suite are relative to the suite file's directory;
//! - a test adds its template and constraint; a failure there fails the test (every case of
//!   it is reported failed with that reason); `invalid: true` expects the constraint to fail
//!   its parameter schema instead, and runs no case;
//! - every case starts from a fresh state: the template, the constraint and the case's
//!   `inventory` files (multi-document allowed), nothing else;
//! - a case's `object` file must hold exactly one object; an `AdmissionReview` is reviewed as
//!   its request;
//! - assertions (at least one) must all pass: `violations` is `yes` (default: at least one),
//!   `no` (none) or an integer (exactly that many), counting only results whose message matches
//!   the optional `message` regex (unanchored, case-sensitive);
//! - every result counts, whatever the constraint's enforcement action.

use crate::engine::{EngineOptions, Outcome, PolicySet, Violation};
use crate::review::{Inventory, Review, split_api_version, str_at};
use crate::template::{ConstraintTemplate, enforcement_points};
use crate::{Backend, GatekeeperError};
use palisade_source::{LoadLimits, load_bytes};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// API group of suites
pub const SUITE_GROUP: &str = "test.gatekeeper.sh";

/// Options of a suite run
#[derive(Debug, Clone, Default)]
pub struct SuiteOptions {
    /// Engine selection (and the CEL backend, once there is one)
    pub engine: EngineOptions,
    /// Only run tests/cases whose `test` or `test//case` name matches (gator `--run`)
    pub run: Option<RunFilter>,
}

/// gator's `--run`: a regex matched against `test` and `test//case`
#[derive(Debug, Clone)]
pub struct RunFilter(regex::Regex);

impl RunFilter {
    /// Compile the filter
    pub fn new(pattern: &str) -> Result<Self, GatekeeperError> {
        regex::Regex::new(pattern)
            .map(Self)
            .map_err(|e| GatekeeperError::InvalidSuite(format!("invalid `--run` regex: {e}")))
    }

    fn is_match(&self, text: &str) -> bool {
        self.0.is_match(text)
    }
}

/// Result of one case (or of a whole test when it has none to run)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// All assertions held
    Pass,
    /// An assertion failed, or the case/test could not run
    Fail,
    /// Not run: `skip: true`, filtered out, or the template's engine is not available
    Skip,
}

impl Status {
    /// `PASS`, `FAIL` or `SKIP`
    pub fn label(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Fail => "FAIL",
            Self::Skip => "SKIP",
        }
    }
}

/// One line of a suite report
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseReport {
    /// Test name
    pub test: String,
    /// Case name; `None` for an entry about the whole test (e.g. `invalid: true` or no cases)
    pub case: Option<String>,
    /// Outcome
    pub status: Status,
    /// Why it failed or was skipped (empty on pass)
    pub reason: String,
}

/// Why a suite could not run at all
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuiteError {
    /// The file cannot be read or parsed
    Unreadable(String),
    /// The file is not a valid Suite
    Invalid(String),
}

impl std::fmt::Display for SuiteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreadable(m) | Self::Invalid(m) => f.write_str(m),
        }
    }
}

/// Everything a suite run produced
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteReport {
    /// The suite file
    pub path: PathBuf,
    /// Set when the suite itself could not run (no case results then)
    pub error: Option<SuiteError>,
    /// One entry per case, in file order
    pub cases: Vec<CaseReport>,
}

impl SuiteReport {
    /// `(passed, failed, skipped)` over the cases
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |s| self.cases.iter().filter(|c| c.status == s).count();
        (
            count(Status::Pass),
            count(Status::Fail),
            count(Status::Skip),
        )
    }
}

/// Run one suite file
pub fn run_suite(path: &Path, opts: &SuiteOptions) -> SuiteReport {
    let mut report = SuiteReport {
        path: path.to_owned(),
        error: None,
        cases: Vec::new(),
    };
    let suite = match read_documents(path) {
        Ok(docs) => match parse_suite(&docs) {
            Ok(s) => s,
            Err(e) => {
                report.error = Some(SuiteError::Invalid(format!("{}: {e}", display(path))));
                return report;
            }
        },
        Err(e) => {
            report.error = Some(SuiteError::Unreadable(e.to_string()));
            return report;
        }
    };
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    for test in &suite.tests {
        run_test(dir, test, suite.skip, opts, &mut report.cases);
    }
    report
}

#[derive(Debug, Clone, Default)]
struct Suite {
    skip: bool,
    tests: Vec<Test>,
}

#[derive(Debug, Clone, Default)]
struct Test {
    name: String,
    template: String,
    constraint: String,
    invalid: bool,
    skip: bool,
    cases: Vec<Case>,
}

#[derive(Debug, Clone, Default)]
struct Case {
    name: String,
    object: String,
    inventory: Vec<String>,
    skip: bool,
    assertions: Vec<Assertion>,
}

/// `violations:` of an assertion
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expect {
    Yes,
    No,
    Exactly(u64),
    /// A value gator rejects when the assertion runs
    Invalid,
}

#[derive(Debug, Clone)]
struct Assertion {
    expect: Expect,
    message: Option<String>,
}

fn parse_suite(docs: &[Value]) -> Result<Suite, String> {
    let [doc] = docs else {
        return Err(format!("expected one Suite document, found {}", docs.len()));
    };
    let group = split_api_version(str_at(doc, &["apiVersion"])).0;
    if str_at(doc, &["kind"]) != "Suite" || group != SUITE_GROUP {
        return Err(format!(
            "not a gator Suite (expected `kind: Suite` in `{SUITE_GROUP}`)"
        ));
    }
    let tests = list(doc.get("tests"), "tests")?
        .iter()
        .map(parse_test)
        .collect::<Result<_, _>>()?;
    Ok(Suite {
        skip: flag(doc.get("skip")),
        tests,
    })
}

fn parse_test(t: &Value) -> Result<Test, String> {
    let name = str_at(t, &["name"]).to_owned();
    let cases = list(t.get("cases"), "cases")?
        .iter()
        .map(parse_case)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("test `{name}`: {e}"))?;
    Ok(Test {
        template: str_at(t, &["template"]).to_owned(),
        constraint: str_at(t, &["constraint"]).to_owned(),
        invalid: flag(t.get("invalid")),
        skip: flag(t.get("skip")),
        cases,
        name,
    })
}

fn parse_case(c: &Value) -> Result<Case, String> {
    let name = str_at(c, &["name"]).to_owned();
    let inventory = list(c.get("inventory"), "inventory")?
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("case `{name}`: `inventory` must list file paths"))
        })
        .collect::<Result<_, _>>()?;
    let assertions = list(c.get("assertions"), "assertions")?
        .iter()
        .map(|a| {
            let expect = match a.get("violations") {
                None | Some(Value::Null) => Expect::Yes,
                Some(Value::String(s)) if s == "yes" => Expect::Yes,
                Some(Value::String(s)) if s == "no" => Expect::No,
                Some(Value::Number(n)) => match n.as_u64() {
                    Some(n) => Expect::Exactly(n),
                    None => match n.as_f64() {
                        // integral and in range: the conversion is exact
                        Some(f) if f >= 0.0 && f.fract() == 0.0 && f < 2_147_483_648.0 => {
                            Expect::Exactly(f as u64)
                        }
                        _ => Expect::Invalid,
                    },
                },
                Some(_) => Expect::Invalid,
            };
            let message = match a.get("message") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err(format!("case `{name}`: `message` must be a string")),
            };
            Ok(Assertion { expect, message })
        })
        .collect::<Result<_, String>>()?;
    Ok(Case {
        object: str_at(c, &["object"]).to_owned(),
        inventory,
        skip: flag(c.get("skip")),
        assertions,
        name,
    })
}

fn list<'v>(v: Option<&'v Value>, what: &str) -> Result<&'v [Value], String> {
    match v {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(format!("`{what}` must be a list")),
    }
}

fn flag(v: Option<&Value>) -> bool {
    v.and_then(Value::as_bool) == Some(true)
}

fn run_test(
    dir: &Path,
    test: &Test,
    suite_skipped: bool,
    opts: &SuiteOptions,
    out: &mut Vec<CaseReport>,
) {
    let whole = |status, reason: String| CaseReport {
        test: test.name.clone(),
        case: None,
        status,
        reason,
    };
    let test_filtered = opts.run.as_ref().is_some_and(|re| {
        !re.is_match(&test.name)
            && !test
                .cases
                .iter()
                .any(|c| re.is_match(&format!("{}//{}", test.name, c.name)))
    });
    if suite_skipped || test.skip || test_filtered {
        let reason = if test_filtered {
            "filtered out by --run"
        } else {
            "skipped in the suite"
        };
        if test.cases.is_empty() {
            out.push(whole(Status::Skip, reason.into()));
        }
        for c in &test.cases {
            out.push(case_report(test, c, Status::Skip, reason.into()));
        }
        return;
    }
    let set = match load_test(dir, test, opts) {
        Ok(set) => set,
        Err(reason) => {
            if test.cases.is_empty() || test.invalid {
                out.push(whole(Status::Fail, reason));
            } else {
                for c in &test.cases {
                    out.push(case_report(test, c, Status::Fail, reason.clone()));
                }
            }
            return;
        }
    };
    let Some(set) = set else {
        // `invalid: true` and the constraint was rejected by its schema, as expected
        out.push(whole(Status::Pass, String::new()));
        return;
    };
    if test.cases.is_empty() {
        out.push(whole(Status::Pass, "no cases".into()));
        return;
    }
    let unavailable = set.templates().find_map(|(_, b)| match b {
        Backend::Unavailable(reason) => Some(reason.clone()),
        Backend::Ready(_) => None,
    });
    for case in &test.cases {
        let filtered = opts.run.as_ref().is_some_and(|re| {
            !re.is_match(&test.name) && !re.is_match(&format!("{}//{}", test.name, case.name))
        });
        let report = if case.skip {
            case_report(test, case, Status::Skip, "skipped in the suite".into())
        } else if filtered {
            case_report(test, case, Status::Skip, "filtered out by --run".into())
        } else if let Some(reason) = &unavailable {
            case_report(test, case, Status::Skip, reason.clone())
        } else {
            match run_case(dir, &set, case) {
                Ok(Some(skip)) => case_report(test, case, Status::Skip, skip),
                Ok(None) => case_report(test, case, Status::Pass, String::new()),
                Err(reason) => case_report(test, case, Status::Fail, reason),
            }
        };
        out.push(report);
    }
}

fn case_report(test: &Test, case: &Case, status: Status, reason: String) -> CaseReport {
    CaseReport {
        test: test.name.clone(),
        case: Some(case.name.clone()),
        status,
        reason,
    }
}

/// The template + constraint of a test. `Ok(None)`: `invalid: true` and the constraint was
/// rejected by its schema as expected.
fn load_test(dir: &Path, test: &Test, opts: &SuiteOptions) -> Result<Option<PolicySet>, String> {
    if test.template.is_empty() {
        return Err("invalid suite: missing template".into());
    }
    let template_path = dir.join(&test.template);
    let docs = read_documents(&template_path).map_err(|e| e.to_string())?;
    let template_doc = match docs.as_slice() {
        [doc] => doc,
        _ => {
            return Err(format!(
                "`{}` defines {} objects, expected one ConstraintTemplate",
                display(&template_path),
                docs.len()
            ));
        }
    };
    if !ConstraintTemplate::is_template(template_doc) {
        return Err(format!(
            "`{}` is not a ConstraintTemplate",
            display(&template_path)
        ));
    }
    let template = ConstraintTemplate::parse(template_doc).map_err(|e| e.to_string())?;
    let mut set = PolicySet::new();
    set.add_template(template, &opts.engine)
        .map_err(|e| format!("error adding template: {e}"))?;
    if test.constraint.is_empty() {
        return Err("invalid suite: missing constraint".into());
    }
    let constraint_path = dir.join(&test.constraint);
    let docs = read_documents(&constraint_path).map_err(|e| e.to_string())?;
    let [constraint_doc] = docs.as_slice() else {
        return Err(format!(
            "`{}` defines {} objects, expected one constraint",
            display(&constraint_path),
            docs.len()
        ));
    };
    match set.add_constraint(constraint_doc) {
        Ok(()) if test.invalid => Err(
            "the constraint was accepted but the test expects it to fail schema validation".into(),
        ),
        Ok(()) => Ok(Some(set)),
        Err(GatekeeperError::Schema { .. }) if test.invalid => Ok(None),
        Err(e) if test.invalid => Err(format!("got error {e} but want a schema validation error")),
        Err(e) => Err(format!("error adding constraint: {e}")),
    }
}

/// Run a case: `Ok(None)` passed, `Ok(Some(reason))` skipped, `Err(reason)` failed
fn run_case(dir: &Path, set: &PolicySet, case: &Case) -> Result<Option<String>, String> {
    if case.object.is_empty() {
        return Err("invalid case: must define object".into());
    }
    if case.assertions.is_empty() {
        return Err("invalid case: assertions must be non-empty".into());
    }
    let object_path = dir.join(&case.object);
    let docs = read_documents(&object_path).map_err(|e| e.to_string())?;
    let [object] = docs.as_slice() else {
        return Err(format!(
            "`{}` defines {} objects, expected exactly one",
            display(&object_path),
            docs.len()
        ));
    };
    let mut inventory = Inventory::new();
    for file in &case.inventory {
        let path = dir.join(file);
        for doc in read_documents(&path).map_err(|e| e.to_string())? {
            inventory.add(&doc).map_err(|e| e.to_string())?;
        }
    }
    let review = Review::from_document(object).map_err(|e| e.to_string())?;
    let decisions = set
        .session(&inventory)
        .review(&review, enforcement_points::GATOR);
    let mut results: Vec<&Violation> = Vec::new();
    for d in &decisions {
        match &d.outcome {
            Outcome::Skipped(reason) => return Ok(Some(reason.clone())),
            Outcome::Evaluated(v) => results.extend(v),
        }
    }
    for assertion in &case.assertions {
        check_assertion(assertion, &results)?;
    }
    Ok(None)
}

/// gator's `Assertion.Run`
fn check_assertion(a: &Assertion, results: &[&Violation]) -> Result<(), String> {
    let mut matching: u64 = 0;
    let mut regex = None;
    for r in results {
        let matches = match &a.message {
            None => true,
            Some(pattern) => {
                // compiled on first use, as gator does: an invalid regex only fails a case
                // that has results to match
                if regex.is_none() {
                    regex = Some(
                        regex::Regex::new(pattern)
                            .map_err(|e| format!("invalid regex `{pattern}`: {e}"))?,
                    );
                }
                regex.as_ref().is_some_and(|re| re.is_match(&r.msg))
            }
        };
        if matches {
            matching += 1;
        }
    }
    let messages = results
        .iter()
        .map(|r| format!("{:?}", r.msg))
        .collect::<Vec<_>>()
        .join(", ");
    let containing = a
        .message
        .as_ref()
        .map(|m| format!(" containing {m:?}"))
        .unwrap_or_default();
    let fail = |want: String| {
        Err(format!(
            "got {matching} violations{containing} but want {want}: got messages [{messages}]"
        ))
    };
    match a.expect {
        Expect::Yes if matching == 0 => fail("at least 1".into()),
        Expect::No if matching > 0 => fail("none".into()),
        Expect::Exactly(n) if matching != n => fail(format!("exactly {n}")),
        Expect::Invalid => Err(
            "invalid assertion: `violations`, if set, must be a nonnegative integer, \"yes\", or \"no\""
                .into(),
        ),
        _ => Ok(()),
    }
}

/// Read every non-empty document of a YAML/JSON file; the first load error fails the file.
/// (The loader accepts what go-yaml accepts where manifests rely on it, e.g. under-indented
/// continuation lines of quoted scalars in library templates.)
pub fn read_documents(path: &Path) -> Result<Vec<Value>, GatekeeperError> {
    let name = display(path);
    let read_error = |message: String| GatekeeperError::Read {
        path: name.clone(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| read_error(e.to_string()))?;
    let (_, docs, diags) = load_bytes(&name, bytes, &LoadLimits::default());
    if let Some(d) = diags.iter().find(|d| d.is_error()) {
        let at = d
            .position
            .map(|p| format!("{}:{}: ", p.line, p.column))
            .unwrap_or_default();
        return Err(read_error(format!("{at}{}", d.message)));
    }
    Ok(docs
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect())
}

fn display(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(msg: &str) -> Violation {
        Violation {
            msg: msg.into(),
            details: json!({}),
            is_error: false,
        }
    }

    fn assertion(expect: Expect, message: Option<&str>) -> Assertion {
        Assertion {
            expect,
            message: message.map(str::to_owned),
        }
    }

    #[test]
    fn assertions_follow_gator() {
        let a = v("container <nginx> has no limits");
        let b = v("initContainer <init> has no limits");
        let results = [&a, &b];
        assert!(check_assertion(&assertion(Expect::Yes, None), &results).is_ok());
        assert!(check_assertion(&assertion(Expect::Exactly(2), None), &results).is_ok());
        assert!(check_assertion(&assertion(Expect::Exactly(1), None), &results).is_err());
        assert!(check_assertion(&assertion(Expect::No, None), &[]).is_ok());
        assert!(check_assertion(&assertion(Expect::Yes, None), &[]).is_err());
        // unanchored and case-sensitive: "container" does not match "initContainer"
        assert!(
            check_assertion(&assertion(Expect::Exactly(1), Some("container")), &results).is_ok()
        );
        assert!(
            check_assertion(&assertion(Expect::Exactly(2), Some("no limits")), &results).is_ok()
        );
        assert!(check_assertion(&assertion(Expect::Exactly(0), Some("^limits")), &results).is_ok());
        let err = check_assertion(&assertion(Expect::No, Some("nginx")), &results).unwrap_err();
        assert!(
            err.contains("got 1 violations containing \"nginx\" but want none"),
            "{err}"
        );
        // an invalid regex only matters when there are results
        assert!(check_assertion(&assertion(Expect::No, Some("(")), &[]).is_ok());
        assert!(check_assertion(&assertion(Expect::No, Some("(")), &results).is_err());
        assert!(check_assertion(&assertion(Expect::Invalid, None), &[]).is_err());
    }

    #[test]
    fn parses_assertion_forms() {
        let case = parse_case(&json!({
            "name": "c",
            "object": "o.yaml",
            "assertions": [
                {"violations": "yes"}, {"violations": "no"}, {"violations": 2},
                {"message": "x"}, {"violations": "maybe"}, {"violations": -1}, {"violations": true}
            ]
        }))
        .unwrap();
        let got: Vec<Expect> = case.assertions.iter().map(|a| a.expect.clone()).collect();
        assert_eq!(
            got,
            [
                Expect::Yes,
                Expect::No,
                Expect::Exactly(2),
                Expect::Yes,
                Expect::Invalid,
                Expect::Invalid,
                Expect::Invalid
            ]
        );
    }

    #[test]
    fn rejects_non_suites() {
        assert!(parse_suite(&[json!({"kind": "Pod", "apiVersion": "v1"})]).is_err());
        assert!(parse_suite(&[]).is_err());
        let ok = parse_suite(&[
            json!({"kind": "Suite", "apiVersion": "test.gatekeeper.sh/v1alpha1", "tests": []}),
        ]);
        assert!(ok.is_ok());
    }
}
