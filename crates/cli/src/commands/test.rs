//! `palisade test`: run the policy test suites found below the given paths.
//!
//! Every test format has one runner behind [`SuiteFormat`]; a runner turns one file into
//! [`CaseLine`]s, and this module prints them and the closing `N passed, N failed[, N skipped]`
//! line. Formats: gator `suite.yaml` (`test.gatekeeper.sh/v1alpha1 Suite`) and
//! `kyverno-test.yaml` (`cli.kyverno.io/v1alpha1 Test`, in [`super::test_kyverno`]).

use crate::args::{EngineArg, TestArgs};
use anyhow::Result;
use palisade_gatekeeper::{
    EngineChoice, EngineOptions, RunFilter, Status, SuiteError, SuiteOptions,
};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A test-file format `palisade test` knows
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuiteFormat {
    /// gator verify `Suite` (Gatekeeper ConstraintTemplates)
    GatorSuite,
    /// `kyverno test` `Test` (Kyverno policies)
    KyvernoTest,
}

impl SuiteFormat {
    /// The format of a file found while walking a directory, by its name
    pub fn detect(path: &Path) -> Option<Self> {
        match path.file_name()?.to_str()? {
            "suite.yaml" => Some(Self::GatorSuite),
            "kyverno-test.yaml" => Some(Self::KyvernoTest),
            _ => None,
        }
    }
}

/// One printed result line
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseLine {
    /// Outcome
    pub status: Status,
    /// `suite/test/case`
    pub name: String,
    /// Why it failed or was skipped
    pub reason: String,
}

/// What running one file produced
#[derive(Debug, Default)]
pub struct FileOutcome {
    /// One line per case
    pub lines: Vec<CaseLine>,
    /// Set when the file could not be read or is not a valid test file
    pub error: Option<String>,
}

/// Options shared by the runners
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Engine selection (and the CEL engine) for Gatekeeper templates
    pub engine: EngineOptions,
    /// `--run` filter
    pub run: Option<RunFilter>,
    /// `--strict` (kyverno-test.yaml)
    pub strict: bool,
}

/// Run one test file of a known format; `label` names the suite in the output
pub fn run_file(format: SuiteFormat, path: &Path, label: &str, opts: &RunOptions) -> FileOutcome {
    match format {
        SuiteFormat::GatorSuite => run_gator_suite(path, label, opts),
        SuiteFormat::KyvernoTest => super::test_kyverno::run_file(path, label, opts.strict),
    }
}

fn run_gator_suite(path: &Path, label: &str, opts: &RunOptions) -> FileOutcome {
    let options = SuiteOptions {
        engine: opts.engine.clone(),
        run: opts.run.clone(),
    };
    let report = palisade_gatekeeper::run_suite(path, &options);
    let error = report.error.map(|e| match e {
        SuiteError::Unreadable(m) | SuiteError::Invalid(m) => m,
    });
    let lines = report
        .cases
        .into_iter()
        .map(|c| {
            let name = match &c.case {
                Some(case) => format!("{label}/{}/{case}", c.test),
                None => format!("{label}/{}", c.test),
            };
            CaseLine {
                status: c.status,
                name,
                reason: c.reason,
            }
        })
        .collect();
    FileOutcome { lines, error }
}

/// Every test file below `root` (or `root` itself when it is a file), sorted by path
fn discover(root: &Path) -> Vec<(SuiteFormat, PathBuf)> {
    if root.is_file() {
        return vec![(
            SuiteFormat::detect(root).unwrap_or(SuiteFormat::GatorSuite),
            root.to_owned(),
        )];
    }
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            // Kyverno keeps its tests in `.kyverno-test/`
            e.depth() == 0 || !name.starts_with('.') || name == ".kyverno-test"
        })
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| SuiteFormat::detect(e.path()).map(|f| (f, e.into_path())))
        .collect()
}

/// The suite's name in output: its directory relative to the argument
fn label(root: &Path, file: &Path) -> String {
    let dir = file.parent().unwrap_or(file);
    let rel = dir.strip_prefix(root).unwrap_or(dir);
    let text = if rel.as_os_str().is_empty() {
        dir.file_name()
            .map_or_else(|| dir.to_string_lossy(), |n| n.to_string_lossy())
            .into_owned()
    } else {
        rel.to_string_lossy().into_owned()
    };
    let text = text.replace('\\', "/");
    if text.is_empty() { ".".into() } else { text }
}

/// Run `test`; returns the exit code
pub fn run(args: &TestArgs) -> Result<u8> {
    let run = args.run.as_deref().map(RunFilter::new).transpose()?;
    let opts = RunOptions {
        engine: EngineOptions::with_cel_engine(engine_choice(args.engine))?,
        run,
        strict: args.strict,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (mut passed, mut failed, mut skipped) = (0usize, 0usize, 0usize);
    let mut input_errors = 0usize;
    let mut files = 0usize;
    for root in &args.paths {
        if !root.exists() {
            eprintln!("error: `{}`: no such file or directory", root.display());
            input_errors += 1;
            continue;
        }
        for (format, file) in discover(root) {
            files += 1;
            let outcome = run_file(format, &file, &label(root, &file), &opts);
            if let Some(e) = outcome.error {
                eprintln!("error: {e}");
                input_errors += 1;
            }
            for line in outcome.lines {
                match line.status {
                    Status::Pass => passed += 1,
                    Status::Fail => failed += 1,
                    Status::Skip => skipped += 1,
                }
                if line.reason.is_empty() {
                    writeln!(out, "{}  {}", line.status.label(), line.name)?;
                } else {
                    writeln!(
                        out,
                        "{}  {}  {}",
                        line.status.label(),
                        line.name,
                        line.reason
                    )?;
                }
            }
        }
    }
    if files == 0 && input_errors == 0 {
        eprintln!("warning: no test suites (suite.yaml, kyverno-test.yaml) found");
    }
    let mut summary = format!("{passed} passed, {failed} failed");
    if skipped > 0 {
        summary.push_str(&format!(", {skipped} skipped"));
    }
    writeln!(out, "{summary}")?;
    out.flush()?;
    Ok(if input_errors > 0 {
        2
    } else if failed > 0 {
        1
    } else {
        0
    })
}

/// `--engine` to the library's choice
pub fn engine_choice(arg: EngineArg) -> EngineChoice {
    match arg {
        EngineArg::Auto => EngineChoice::Auto,
        EngineArg::Rego => EngineChoice::Rego,
        EngineArg::Cel => EngineChoice::Cel,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_relative_suite_directories() {
        let root = Path::new("lib");
        assert_eq!(
            label(root, Path::new("lib/general/x/suite.yaml")),
            "general/x"
        );
        assert_eq!(label(root, Path::new("lib/suite.yaml")), "lib");
        assert_eq!(
            SuiteFormat::detect(Path::new("a/suite.yaml")),
            Some(SuiteFormat::GatorSuite)
        );
        assert_eq!(SuiteFormat::detect(Path::new("a/other.yaml")), None);
    }
}
