//! Turning command-line paths into inputs: files, directories (recursive), stdin, and
//! kustomize directories (rendered with `kubectl kustomize`).

use palisade_source::Diagnostic;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One thing to load
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A YAML or JSON file
    File(PathBuf),
    /// Standard input
    Stdin,
    /// A directory with a kustomization file, rendered before scanning
    Kustomize(PathBuf),
}

impl Input {
    /// Name used in messages
    pub fn name(&self) -> String {
        match self {
            Self::File(p) => display(p),
            Self::Stdin => "<stdin>".to_owned(),
            Self::Kustomize(p) => format!("{} (kustomize)", display(p)),
        }
    }

    /// Size in bytes, when known before reading (a file's)
    pub fn size(&self) -> Option<u64> {
        match self {
            Self::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Self::Stdin | Self::Kustomize(_) => None,
        }
    }

    /// Read the input's bytes
    pub fn read(&self) -> Result<Vec<u8>, Diagnostic> {
        let name = self.name();
        match self {
            Self::File(p) => std::fs::read(p).map_err(|e| io_error(&name, &e)),
            Self::Stdin => {
                let mut buf = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut buf)
                    .map_err(|e| io_error(&name, &e))?;
                Ok(buf)
            }
            Self::Kustomize(dir) => render_kustomize(dir, &name),
        }
    }
}

fn display(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

fn io_error(name: &str, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error("io", name, None, format!("cannot read: {e}"))
}

const KUSTOMIZATION_FILES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

fn is_manifest(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Expand paths into inputs. Directories are walked recursively in name order (hidden
/// directories skipped); a directory given directly that holds a kustomization is rendered.
pub fn collect(paths: &[String]) -> (Vec<Input>, Vec<Diagnostic>) {
    let mut inputs = Vec::new();
    let mut diags = Vec::new();
    for raw in paths {
        if raw == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        let path = PathBuf::from(raw);
        let Ok(meta) = std::fs::metadata(&path) else {
            diags.push(
                Diagnostic::error("io", raw, None, "no such file or directory")
                    .with_help("pass files, directories, or `-` for stdin"),
            );
            continue;
        };
        if meta.is_file() {
            inputs.push(Input::File(path));
            continue;
        }
        if KUSTOMIZATION_FILES.iter().any(|k| path.join(k).is_file()) {
            inputs.push(Input::Kustomize(path));
            continue;
        }
        let walker = walkdir::WalkDir::new(&path)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() && is_manifest(e.path()) => {
                    inputs.push(Input::File(e.into_path()));
                }
                Ok(_) => {}
                Err(e) => diags.push(Diagnostic::error(
                    "io",
                    &e.path().map_or_else(|| raw.clone(), display),
                    None,
                    format!("cannot read directory entry: {e}"),
                )),
            }
        }
    }
    (inputs, diags)
}

/// `kubectl kustomize DIR`, or `kustomize build DIR` when only kustomize is installed
fn render_kustomize(dir: &Path, name: &str) -> Result<Vec<u8>, Diagnostic> {
    let attempts: [(&str, &[&str]); 2] = [("kubectl", &["kustomize"]), ("kustomize", &["build"])];
    for (program, args) in attempts {
        match Command::new(program).args(args).arg(dir).output() {
            Ok(out) if out.status.success() => return Ok(out.stdout),
            Ok(out) => {
                let stderr = String::from_utf8_lossy(&out.stderr);
                return Err(Diagnostic::error(
                    "kustomize",
                    name,
                    None,
                    format!("`{program} {}` failed: {}", args.join(" "), stderr.trim()),
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(name, &e)),
        }
    }
    Err(Diagnostic::error(
        "kustomize",
        name,
        None,
        "directory holds a kustomization, but neither `kubectl` nor `kustomize` is on PATH",
    )
    .with_help("install kubectl, or pipe rendered output: `kustomize build DIR | palisade scan -`"))
}
