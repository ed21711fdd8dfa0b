//! `palisade test` for `kyverno-test.yaml` (`cli.kyverno.io/v1alpha1 Test`): one line per
//! `results` entry, with Kyverno's comparison semantics (or exact ones with `--strict`).

use super::test::{CaseLine, FileOutcome};
use palisade_gatekeeper::Status;
use palisade_kyverno::testsuite::{self, Options, Outcome};
use std::path::Path;

/// Run one `kyverno-test.yaml`; `label` names it in the output
pub fn run_file(path: &Path, label: &str, strict: bool) -> FileOutcome {
    let label = label.trim_end_matches("/.kyverno-test");
    let mut outcome = FileOutcome::default();
    for suite in testsuite::run_file(path, &Options { strict }) {
        for d in &suite.diagnostics {
            eprintln!("{d}");
        }
        if let Some(e) = &suite.error {
            outcome.error = Some(format!("{}: {e}", path.display()));
        }
        let name = if suite.name.is_empty() {
            label.to_owned()
        } else {
            format!("{label}/{}", suite.name)
        };
        for row in &suite.rows {
            let fails: Vec<String> = row
                .checks
                .iter()
                .filter(|c| c.outcome == Outcome::Fail)
                .map(|c| {
                    let rule = if c.rule.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", c.rule)
                    };
                    if c.message.is_empty() {
                        format!("{}{rule}: {}", c.resource, c.reason)
                    } else {
                        format!("{}{rule}: {} ({})", c.resource, c.reason, c.message)
                    }
                })
                .collect();
            let any_pass = row.checks.iter().any(|c| c.outcome == Outcome::Pass);
            let (status, reason) = if let Some(why) = &row.skipped {
                (Status::Skip, why.clone())
            } else if !fails.is_empty() {
                (Status::Fail, fails.join("; "))
            } else if any_pass {
                (Status::Pass, String::new())
            } else {
                let why: Vec<&str> = row.checks.iter().map(|c| c.reason.as_str()).collect();
                let mut why = why;
                why.dedup();
                let text = if why.is_empty() {
                    "no resource was checked".to_owned()
                } else {
                    why.join(", ")
                };
                // Kyverno counts these as passed ("Excluded", "Invalid Policy")
                (Status::Pass, text)
            };
            let rule = if row.rule.is_empty() { "-" } else { &row.rule };
            outcome.lines.push(CaseLine {
                status,
                name: format!(
                    "{name}/{}/{rule}#{} ({} → {})",
                    row.policy,
                    row.index,
                    row.resources.join(","),
                    row.expected
                ),
                reason,
            });
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: require-team\nspec:\n  rules:\n  - name: team\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    validate:\n      pattern:\n        metadata:\n          labels:\n            team: \"?*\"\n";
    const RESOURCES: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: good\n  labels: {team: a}\nspec:\n  containers: [{name: c, image: x}]\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers: [{name: c, image: x}]\n";

    fn suite(results: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let t = dir.path().join(".kyverno-test");
        std::fs::create_dir_all(&t).expect("mkdir");
        std::fs::write(dir.path().join("policy.yaml"), POLICY).expect("write");
        std::fs::write(t.join("resources.yaml"), RESOURCES).expect("write");
        let test = format!(
            "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata:\n  name: t\npolicies: [../policy.yaml]\nresources: [resources.yaml]\nresults:\n{results}"
        );
        let path = t.join("kyverno-test.yaml");
        std::fs::write(&path, test).expect("write");
        (dir, path)
    }

    #[test]
    fn reports_one_line_per_result_entry() {
        let (_dir, path) = suite(
            "- {policy: require-team, rule: team, kind: Pod, resources: [good], result: pass}\n- {policy: require-team, rule: team, kind: Pod, resources: [bad], result: pass}\n- {policy: require-team, rule: other, kind: Pod, resources: [bad], result: fail}\n",
        );
        let out = run_file(&path, "lib/x/.kyverno-test", false);
        assert!(out.error.is_none(), "{:?}", out.error);
        let statuses: Vec<Status> = out.lines.iter().map(|l| l.status).collect();
        assert_eq!(statuses, [Status::Pass, Status::Fail, Status::Pass]);
        assert!(
            out.lines[0].name.starts_with("lib/x/t/require-team/team#0"),
            "{}",
            out.lines[0].name
        );
        assert!(
            out.lines[1].reason.contains("Want pass, got fail"),
            "{}",
            out.lines[1].reason
        );
        // a rule without a response passes as Excluded, except in strict mode
        assert_eq!(out.lines[2].reason, "Excluded");
        let strict = run_file(&path, "x", true);
        assert_eq!(strict.lines[2].status, Status::Fail);
    }
}
