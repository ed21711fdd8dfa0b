//! Reading the policies directory and the namespace file into immutable snapshots.
//!
//! A snapshot is built completely off to the side and swapped in as a whole; if any policy is
//! bad, nothing is swapped and every error is reported.

use crate::index::PolicyIndex;
use crate::policy::{Dialect, PolicyLoadError, PolicySet};
use palisade_model::{Resource, resources_from_document};
use palisade_source::{LoadLimits, load_bytes};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;

/// Policies serving requests: every dialect's set and the two indexes over them
#[derive(Debug)]
pub struct PolicySnapshot {
    pub(crate) sets: Vec<Arc<dyn PolicySet>>,
    pub(crate) dialects: Vec<&'static str>,
    pub(crate) validating: PolicyIndex,
    pub(crate) mutating: PolicyIndex,
    /// 1 for the first successful load, then +1 per successful reload
    pub generation: u64,
    /// Fingerprint of the files it was built from
    pub(crate) fingerprint: u64,
}

impl PolicySnapshot {
    /// Number of policies
    pub fn len(&self) -> usize {
        self.sets.iter().map(|s| s.policies().len()).sum()
    }

    /// True with no policy at all
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Policies per dialect
    pub fn per_dialect(&self) -> Vec<(&'static str, usize)> {
        self.dialects
            .iter()
            .zip(&self.sets)
            .map(|(d, s)| (*d, s.policies().len()))
            .collect()
    }
}

/// Files read from disk, with their fingerprint
#[derive(Debug)]
pub(crate) struct Files {
    pub files: Vec<(String, Vec<u8>)>,
    pub fingerprint: u64,
}

fn is_manifest(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Read every `.yaml`, `.yml` and `.json` file under `dir` (recursively, hidden entries
/// skipped, symlinks followed as ConfigMap and Secret volumes need), in name order
pub(crate) fn read_dir(dir: &Path) -> Result<Files, Vec<PolicyLoadError>> {
    let shown = dir.display().to_string();
    if !dir.is_dir() {
        return Err(vec![PolicyLoadError::file(
            shown,
            "policies directory does not exist or is not a directory",
        )]);
    }
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() && is_manifest(e.path()) => {
                let name = e.path().display().to_string();
                match std::fs::read(e.path()) {
                    Ok(bytes) => files.push((name, bytes)),
                    Err(err) => {
                        errors.push(PolicyLoadError::file(name, format!("cannot read: {err}")))
                    }
                }
            }
            Ok(_) => {}
            Err(err) => errors.push(PolicyLoadError::file(
                err.path()
                    .map_or_else(|| shown.clone(), |p| p.display().to_string()),
                format!("cannot read directory entry: {err}"),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let fingerprint = fingerprint(&files);
    Ok(Files { files, fingerprint })
}

/// Read one file (the namespace file)
pub(crate) fn read_file(path: &Path) -> Result<Files, Vec<PolicyLoadError>> {
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => {
            let files = vec![(name, bytes)];
            let fingerprint = fingerprint(&files);
            Ok(Files { files, fingerprint })
        }
        Err(e) => Err(vec![PolicyLoadError::file(
            name,
            format!("cannot read: {e}"),
        )]),
    }
}

fn fingerprint(files: &[(String, Vec<u8>)]) -> u64 {
    let mut h = DefaultHasher::new();
    files.hash(&mut h);
    h.finish()
}

/// Parse files into resources; every unreadable document is an error
fn resources(files: Files) -> (Vec<Resource>, Vec<PolicyLoadError>) {
    let limits = LoadLimits::default();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (name, bytes) in files.files {
        let (_, docs, diags) = load_bytes(&name, bytes, &limits);
        errors.extend(
            diags
                .into_iter()
                .filter(palisade_source::Diagnostic::is_error)
                .map(PolicyLoadError::from),
        );
        for doc in docs {
            if doc.value.is_null() {
                continue;
            }
            let (res, diags) = resources_from_document(doc);
            out.extend(res);
            errors.extend(
                diags
                    .into_iter()
                    .filter(palisade_source::Diagnostic::is_error)
                    .map(PolicyLoadError::from),
            );
        }
    }
    (out, errors)
}

/// Compile the files of the policies directory with the dialects
pub(crate) fn compile_policies(
    files: Files,
    dialects: &[Arc<dyn Dialect>],
    generation: u64,
) -> Result<PolicySnapshot, Vec<PolicyLoadError>> {
    let fingerprint = files.fingerprint;
    let (resources, mut errors) = resources(files);
    let mut claimed: Vec<Vec<Resource>> = vec![Vec::new(); dialects.len()];
    // Documents no dialect claims: data some policy may read (params, ConfigMaps)
    let mut data = Vec::new();
    for r in resources {
        match dialects
            .iter()
            .position(|d| d.claims(&r.api_version, &r.kind))
        {
            Some(i) => {
                if let Some(list) = claimed.get_mut(i) {
                    list.push(r);
                }
            }
            None => data.push(r),
        }
    }
    let mut sets = Vec::new();
    let mut names = Vec::new();
    for (dialect, docs) in dialects.iter().zip(&claimed) {
        match dialect.compile_with_data(docs, &data) {
            Ok(set) => {
                let mut seen = HashSet::new();
                for meta in set.policies() {
                    // one policy may be served on both endpoints under one name
                    if !seen.insert((meta.name.clone(), meta.mutating)) {
                        errors.push(PolicyLoadError::file(
                            dialect.name(),
                            format!("two {} policies are named `{}`", dialect.name(), meta.name),
                        ));
                    }
                }
                sets.push(set);
                names.push(dialect.name());
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    for r in &data {
        if !sets.iter().any(|s| s.reads_data(&r.api_version, &r.kind)) {
            let known: Vec<&str> = dialects.iter().map(|d| d.name()).collect();
            errors.push(PolicyLoadError::at(
                r,
                &palisade_source::JsonPointer::root(),
                format!(
                    "no loaded dialect reads `{}` `{}`, and no policy uses it as params (dialects: {})",
                    r.api_version,
                    r.kind,
                    known.join(", ")
                ),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let validating = PolicyIndex::build(&sets, |mutating| !mutating);
    let mutating = PolicyIndex::build(&sets, |mutating| mutating);
    Ok(PolicySnapshot {
        sets,
        dialects: names,
        validating,
        mutating,
        generation,
        fingerprint,
    })
}

/// Namespace objects by name, from the `--namespaces` file
#[derive(Debug, Default)]
pub struct NamespaceCache {
    by_name: HashMap<String, Resource>,
    pub(crate) fingerprint: u64,
    /// True when built from a namespace source; without one every namespace is unknown and
    /// cluster defaults apply silently
    pub(crate) configured: bool,
}

impl NamespaceCache {
    /// A cache of these namespaces (by name), from a cluster watch
    #[cfg_attr(
        not(feature = "cluster"),
        allow(dead_code, reason = "used by the watch of the `cluster` feature")
    )]
    pub(crate) fn from_namespaces(mut by_name: HashMap<String, Resource>) -> Self {
        by_name.values_mut().for_each(with_name_label);
        Self {
            by_name,
            fingerprint: 0,
            configured: true,
        }
    }

    /// A namespace by name
    pub fn get(&self, name: &str) -> Option<&Resource> {
        self.by_name.get(name)
    }

    /// Number of namespaces
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// True when empty
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// The API server labels every namespace with its name; a namespace read from a file (or from
/// a cluster older than 1.21) gets the label here, so that selectors see it as in a cluster and
/// the engines can use the labels as they are, without copying them to add it per request
fn with_name_label(namespace: &mut Resource) {
    // labels that are not a map (`labels:` left empty) are taken as none
    let labels = palisade_model::field_path(&namespace.value, "metadata/labels")
        .filter(|labels| labels.is_object());
    let Cow::Owned(labels) = palisade_model::namespace_labels(labels, &namespace.name) else {
        return;
    };
    if let Value::Object(root) = &mut namespace.value
        && let Value::Object(meta) = root
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()))
    {
        meta.insert("labels".to_owned(), labels);
    }
}

/// Build the namespace cache from a file of Namespace objects (documents or a `List`)
pub(crate) fn compile_namespaces(files: Files) -> Result<NamespaceCache, Vec<PolicyLoadError>> {
    let fingerprint = files.fingerprint;
    let (resources, mut errors) = resources(files);
    let mut by_name = HashMap::new();
    for r in resources {
        if r.kind != "Namespace" || r.name.is_empty() {
            errors.push(PolicyLoadError::at(
                &r,
                &palisade_source::JsonPointer::root(),
                format!(
                    "expected Namespace objects with a name, found `{}` `{}`",
                    r.kind, r.name
                ),
            ));
            continue;
        }
        let mut r = r;
        with_name_label(&mut r);
        by_name.insert(r.name.clone(), r);
    }
    if errors.is_empty() {
        Ok(NamespaceCache {
            by_name,
            fingerprint,
            configured: true,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn loads_a_directory_and_reports_every_error() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "a.yaml",
            "apiVersion: palisade.dev/v1alpha1\nkind: CheckPolicy\nmetadata: {name: a}\nspec: {select: [POD-001]}\n",
        );
        write(dir.path(), "notes.txt", "ignored");
        std::fs::create_dir(dir.path().join(".hidden")).unwrap();
        write(&dir.path().join(".hidden"), "x.yaml", "garbage: [");
        let dialects = crate::dialects::defaults();
        let files = read_dir(dir.path()).unwrap();
        let snap = compile_policies(files, &dialects, 1).unwrap();
        assert_eq!(
            snap.per_dialect(),
            [
                ("pod-security", 1),
                ("checks", 1),
                ("vap", 0),
                ("kyverno", 0),
                ("gatekeeper", 0)
            ]
        );

        write(
            dir.path(),
            "b.yaml",
            "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: k}\n",
        );
        write(dir.path(), "c.yaml", "key: [unclosed\n");
        write(
            dir.path(),
            "d.yaml",
            "apiVersion: palisade.dev/v1alpha1\nkind: CheckPolicy\nmetadata: {name: a}\nspec: {}\n",
        );
        let errs = compile_policies(read_dir(dir.path()).unwrap(), &dialects, 2).unwrap_err();
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(errs.len(), 3, "{text:#?}");
        assert!(text[0].contains("c.yaml:2:1: invalid YAML"), "{text:#?}");
        assert!(
            text[1].contains("d.yaml:3:12: CheckPolicy `a` is defined twice (first in"),
            "{text:#?}"
        );
        assert!(
            text[2].contains("b.yaml:1:1: no loaded dialect reads `example.com/v1` `Widget`, and no policy uses it as params"),
            "{text:#?}"
        );
    }

    #[test]
    fn loads_namespaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ns.yaml");
        write(
            dir.path(),
            "ns.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n  labels: {pod-security.kubernetes.io/enforce: restricted}\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: other}}\n",
        );
        let cache = compile_namespaces(read_file(&path).unwrap()).unwrap();
        assert_eq!(cache.len(), 2);
        assert_eq!(
            cache
                .get("team")
                .unwrap()
                .label("pod-security.kubernetes.io/enforce"),
            Some("restricted")
        );
        // labelled with their names, as the API server labels every namespace
        for (name, labels) in [("team", 2), ("other", 1)] {
            let ns = cache.get(name).unwrap();
            assert_eq!(ns.label(palisade_model::NAMESPACE_NAME_LABEL), Some(name));
            assert_eq!(
                ns.value["metadata"]["labels"].as_object().unwrap().len(),
                labels
            );
        }
        write(
            dir.path(),
            "ns.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b, labels: {kubernetes.io/metadata.name: kept}}\n",
        );
        let cache = compile_namespaces(read_file(&path).unwrap()).unwrap();
        assert_eq!(
            cache
                .get("a")
                .unwrap()
                .label(palisade_model::NAMESPACE_NAME_LABEL),
            Some("a")
        );
        assert_eq!(
            cache
                .get("b")
                .unwrap()
                .label(palisade_model::NAMESPACE_NAME_LABEL),
            Some("kept")
        );
        write(
            dir.path(),
            "ns.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n",
        );
        assert!(compile_namespaces(read_file(&path).unwrap()).is_err());
    }
}
