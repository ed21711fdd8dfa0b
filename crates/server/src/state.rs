//! Shared server state: the serving policy snapshot, the namespace cache, limits, metrics and
//! the load status `/readyz` reports.

use crate::load::{self, NamespaceCache, PolicySnapshot};
use crate::metrics::Metrics;
use crate::policy::{Dialect, PolicyLoadError};
use crate::pool::EvaluationPool;
use crate::tls::CertStore;
use arc_swap::{ArcSwap, ArcSwapOption};
use palisade_kyverno::rbac::RoleIndex;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Limits that keep one client or one request from hurting the others
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest accepted request body
    pub max_body_bytes: usize,
    /// Longest a review may take before it is answered per the failure policy (the API
    /// server's `?timeout=` shortens it further)
    pub deadline: Duration,
    /// Longest a client may take to send the body
    pub body_timeout: Duration,
    /// Longest a client may take to send request headers (HTTP/1.1)
    pub header_timeout: Duration,
    /// Longest a TLS handshake may take
    pub handshake_timeout: Duration,
    /// Most connections open at once
    pub max_connections: usize,
    /// Threads that evaluate reviews (`pool.rs`): evaluation is CPU-bound, so about
    /// one per core; at least two, so that one long evaluation does not hold up every review
    pub evaluation_threads: usize,
    /// Threads that run the connections (TLS, HTTP, parsing, responses, decision logs): about
    /// a third of a review's CPU, so half the cores, at least one. More mostly wake one
    /// another: on 2 cores, 1 instead of 2 served 2-22% more reviews/s at c=8 and c=64 with
    /// half the voluntary context switches, and 3-15% fewer at c=1 (`bench/webhook.md`,
    /// 2026-11-28)
    pub io_threads: usize,
    /// How often files are re-checked even without a change notification
    pub poll_interval: Duration,
    /// How long in-flight requests get to finish on shutdown
    pub drain_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self {
            max_body_bytes: 8 * 1024 * 1024,
            deadline: Duration::from_secs(3),
            body_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(10),
            max_connections: 4096,
            evaluation_threads: cores.max(2),
            io_threads: (cores / 2).max(1),
            poll_interval: Duration::from_secs(10),
            drain_timeout: Duration::from_secs(20),
        }
    }
}

/// Outcome of the last load of one source, for `/readyz`
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceStatus {
    /// Seconds since the Unix epoch of the last successful load
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loaded_at: Option<u64>,
    /// Errors of the last failed load, when it came after the last successful one
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Seconds since the Unix epoch of that failed load
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_at: Option<u64>,
    #[serde(skip)]
    failed_fingerprint: Option<u64>,
}

#[derive(Debug, Default)]
struct LoadStatus {
    policies: SourceStatus,
    namespaces: SourceStatus,
    /// RoleBindings and ClusterRoleBindings from the cluster (not when none are watched)
    bindings: Option<SourceStatus>,
    tls: SourceStatus,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// What the server knows of the cluster, as one request sees it
#[derive(Debug, Clone)]
pub(crate) struct ClusterView {
    /// Namespaces (file or cluster watch)
    pub(crate) namespaces: Arc<NamespaceCache>,
    /// RoleBindings and ClusterRoleBindings from the cluster watch (empty without one)
    pub(crate) bindings: Arc<RoleIndex>,
}

/// Everything handlers and background tasks share
#[derive(Debug)]
pub struct AppState {
    pub(crate) policies: ArcSwapOption<PolicySnapshot>,
    pub(crate) namespaces: ArcSwap<NamespaceCache>,
    /// RoleBindings and ClusterRoleBindings from the cluster watch (empty without one)
    pub(crate) bindings: ArcSwap<RoleIndex>,
    pub(crate) metrics: Metrics,
    pub(crate) limits: Limits,
    pub(crate) pool: EvaluationPool,
    pub(crate) shutting_down: AtomicBool,
    dialects: Vec<Arc<dyn Dialect>>,
    policies_dir: PathBuf,
    namespaces_file: Option<PathBuf>,
    namespaces_loaded: AtomicBool,
    /// Namespaces come from a cluster watch
    cluster_namespaces: AtomicBool,
    status: Mutex<LoadStatus>,
}

impl AppState {
    /// State with nothing loaded yet
    pub fn new(
        dialects: Vec<Arc<dyn Dialect>>,
        policies_dir: PathBuf,
        namespaces_file: Option<PathBuf>,
        limits: Limits,
    ) -> Self {
        Self {
            policies: ArcSwapOption::empty(),
            namespaces: ArcSwap::from_pointee(NamespaceCache::default()),
            bindings: ArcSwap::from_pointee(RoleIndex::default()),
            metrics: Metrics::default(),
            pool: EvaluationPool::new(limits.evaluation_threads),
            limits,
            shutting_down: AtomicBool::new(false),
            dialects,
            policies_dir,
            namespaces_loaded: AtomicBool::new(namespaces_file.is_none()),
            cluster_namespaces: AtomicBool::new(false),
            namespaces_file,
            status: Mutex::new(LoadStatus::default()),
        }
    }

    /// Metrics
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The namespaces and role bindings to evaluate one request with
    pub(crate) fn cluster_view(&self) -> ClusterView {
        ClusterView {
            namespaces: self.namespaces.load_full(),
            bindings: self.bindings.load_full(),
        }
    }

    /// The serving policies, if any were loaded
    pub fn policies(&self) -> Option<Arc<PolicySnapshot>> {
        self.policies.load_full()
    }

    fn status(&self) -> std::sync::MutexGuard<'_, LoadStatus> {
        self.status.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Ready: policies loaded, the namespace file (if any) loaded, not shutting down
    pub fn is_ready(&self) -> bool {
        self.policies.load().is_some()
            && self.namespaces_loaded.load(Ordering::Acquire)
            && !self.shutting_down.load(Ordering::Acquire)
    }

    fn update_ready(&self) {
        self.metrics.set_ready(self.is_ready());
    }

    /// Mark the server as draining: `/readyz` fails from now on
    pub(crate) fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::Release);
        self.update_ready();
    }

    /// Re-read the policies directory; swap in a new snapshot if it changed and compiles.
    /// Returns true when a new snapshot was installed.
    pub fn reload_policies(&self) -> bool {
        let current = self.policies.load_full();
        let files = match load::read_dir(&self.policies_dir) {
            Ok(f) => f,
            Err(errors) => {
                self.policies_failed(&errors, None);
                return false;
            }
        };
        if current
            .as_ref()
            .is_some_and(|c| c.fingerprint == files.fingerprint)
        {
            // The files are what is serving (e.g. a bad change was reverted): nothing to report.
            let mut st = self.status();
            st.policies.errors.clear();
            st.policies.failed_at = None;
            st.policies.failed_fingerprint = None;
            return false;
        }
        if self.status().policies.failed_fingerprint == Some(files.fingerprint) {
            return false;
        }
        let generation = current.as_ref().map_or(0, |c| c.generation) + 1;
        let fingerprint = files.fingerprint;
        match load::compile_policies(files, &self.dialects, generation) {
            Ok(snapshot) => {
                let count = snapshot.len();
                let per: Vec<String> = snapshot
                    .per_dialect()
                    .iter()
                    .map(|(d, n)| format!("{d}={n}"))
                    .collect();
                self.policies.store(Some(Arc::new(snapshot)));
                self.metrics.policy_load(true, 0, count, generation);
                {
                    let mut st = self.status();
                    st.policies = SourceStatus {
                        loaded_at: Some(now()),
                        ..SourceStatus::default()
                    };
                }
                tracing::info!(
                    target: "palisade::policies",
                    generation,
                    policies = count,
                    dialects = %per.join(","),
                    dir = %self.policies_dir.display(),
                    "policies loaded"
                );
                self.update_ready();
                true
            }
            Err(errors) => {
                self.policies_failed(&errors, Some(fingerprint));
                false
            }
        }
    }

    fn policies_failed(&self, errors: &[PolicyLoadError], fingerprint: Option<u64>) {
        let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
        {
            let mut st = self.status();
            if st.policies.errors == texts {
                // Same failure as last time (e.g. the directory is still missing): report once.
                st.policies.failed_fingerprint = fingerprint;
                return;
            }
            st.policies.errors.clone_from(&texts);
            st.policies.failed_at = Some(now());
            st.policies.failed_fingerprint = fingerprint;
        }
        self.metrics.policy_load(false, errors.len(), 0, 0);
        let keeping = self.policies.load().as_ref().map_or(0, |s| s.generation);
        for e in &texts {
            tracing::error!(target: "palisade::policies", error = %e, "bad policy");
        }
        tracing::error!(
            target: "palisade::policies",
            errors = texts.len(),
            serving_generation = keeping,
            "policy load failed; the previous policies keep serving"
        );
        self.update_ready();
    }

    /// Namespaces will come from a cluster watch (`set_namespaces`); not ready until
    /// the first list arrives. Ignored when a namespace file is configured.
    pub fn expect_cluster_namespaces(&self) {
        if self.namespaces_file.is_none() {
            self.cluster_namespaces.store(true, Ordering::Release);
            self.namespaces_loaded.store(false, Ordering::Release);
            self.update_ready();
        }
    }

    /// Serve a namespace cache built elsewhere (the cluster watch)
    #[cfg_attr(
        not(feature = "cluster"),
        allow(dead_code, reason = "used by the watch of the `cluster` feature")
    )]
    pub(crate) fn set_namespaces(&self, cache: NamespaceCache, source: &str) {
        let n = cache.len();
        self.namespaces.store(Arc::new(cache));
        let first = !self.namespaces_loaded.swap(true, Ordering::AcqRel);
        self.metrics.namespace_load(true, n);
        self.status().namespaces = SourceStatus {
            loaded_at: Some(now()),
            ..SourceStatus::default()
        };
        if first {
            tracing::info!(target: "palisade::namespaces", namespaces = n, source, "namespaces loaded");
        }
        self.update_ready();
    }

    /// RoleBindings and ClusterRoleBindings will come from a cluster watch (`set_bindings`):
    /// `/readyz` reports that source
    #[cfg_attr(
        not(feature = "cluster"),
        allow(dead_code, reason = "used by the watch of the `cluster` feature")
    )]
    pub(crate) fn expect_cluster_bindings(&self) {
        self.status()
            .bindings
            .get_or_insert_with(SourceStatus::default);
    }

    /// Serve the RoleBindings and ClusterRoleBindings of the cluster watch
    #[cfg_attr(
        not(feature = "cluster"),
        allow(dead_code, reason = "used by the watch of the `cluster` feature")
    )]
    pub(crate) fn set_bindings(&self, bindings: RoleIndex) {
        let n = bindings.len();
        self.bindings.store(Arc::new(bindings));
        let first = self.status().bindings.replace(SourceStatus {
            loaded_at: Some(now()),
            ..SourceStatus::default()
        });
        if first.and_then(|s| s.loaded_at).is_none() {
            tracing::info!(target: "palisade::bindings", bindings = n, "role bindings loaded");
        }
    }

    /// The binding watch failed (it is retried); the last bindings keep serving
    #[cfg_attr(
        not(feature = "cluster"),
        allow(dead_code, reason = "used by the watch of the `cluster` feature")
    )]
    pub(crate) fn binding_source_failed(&self, error: &str) {
        let mut st = self.status();
        let status = st.bindings.get_or_insert_with(SourceStatus::default);
        if status.errors.first().map(String::as_str) != Some(error) {
            status.errors = vec![error.to_owned()];
            status.failed_at = Some(now());
            drop(st);
            tracing::warn!(target: "palisade::bindings", error, "role binding watch failed; retrying, the last bindings stay");
        }
    }

    /// The namespace source failed (it is retried); the last namespaces keep serving
    pub(crate) fn namespace_source_failed(&self, error: &str) {
        let mut st = self.status();
        if st.namespaces.errors.first().map(String::as_str) != Some(error) {
            st.namespaces.errors = vec![error.to_owned()];
            st.namespaces.failed_at = Some(now());
            drop(st);
            self.metrics.namespace_load(false, 0);
            tracing::warn!(target: "palisade::namespaces", error, "namespace source failed; retrying, the last namespaces stay");
        }
    }

    /// Re-read the namespace file, if one is configured
    pub fn reload_namespaces(&self) -> bool {
        let Some(path) = &self.namespaces_file else {
            return false;
        };
        let result = load::read_file(path).and_then(|files| {
            if self.namespaces.load().fingerprint == files.fingerprint
                && self.namespaces_loaded.load(Ordering::Acquire)
            {
                return Ok(None);
            }
            load::compile_namespaces(files).map(Some)
        });
        match result {
            Ok(None) => false,
            Ok(Some(cache)) => {
                let n = cache.len();
                self.namespaces.store(Arc::new(cache));
                self.namespaces_loaded.store(true, Ordering::Release);
                self.metrics.namespace_load(true, n);
                self.status().namespaces = SourceStatus {
                    loaded_at: Some(now()),
                    ..SourceStatus::default()
                };
                tracing::info!(target: "palisade::namespaces", namespaces = n, file = %path.display(), "namespaces loaded");
                self.update_ready();
                true
            }
            Err(errors) => {
                let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
                let mut st = self.status();
                if st.namespaces.errors != texts {
                    st.namespaces.errors.clone_from(&texts);
                    st.namespaces.failed_at = Some(now());
                    drop(st);
                    self.metrics.namespace_load(false, 0);
                    for e in &texts {
                        tracing::error!(target: "palisade::namespaces", error = %e, "namespace file load failed; the previous namespaces stay");
                    }
                }
                false
            }
        }
    }

    /// Re-read the serving certificate and key
    pub fn reload_tls(&self, certs: &CertStore) -> bool {
        match certs.reload() {
            Ok(false) => false,
            Ok(true) => {
                self.metrics.tls_reload(true);
                self.status().tls = SourceStatus {
                    loaded_at: Some(now()),
                    ..SourceStatus::default()
                };
                tracing::info!(target: "palisade::tls", "serving certificate reloaded");
                true
            }
            Err(e) => {
                let text = e.to_string();
                let mut st = self.status();
                if st.tls.errors.first() != Some(&text) {
                    st.tls.errors = vec![text.clone()];
                    st.tls.failed_at = Some(now());
                    drop(st);
                    self.metrics.tls_reload(false);
                    tracing::error!(target: "palisade::tls", error = %text, "certificate reload failed; the previous certificate keeps serving");
                }
                false
            }
        }
    }

    /// Record the initial certificate load
    pub(crate) fn tls_loaded(&self) {
        self.status().tls.loaded_at = Some(now());
    }

    /// The `/readyz` body
    pub fn readiness(&self) -> serde_json::Value {
        let snapshot = self.policies.load_full();
        let st = self.status();
        let mut policies = serde_json::to_value(&st.policies).unwrap_or_default();
        if let (Some(s), Some(map)) = (&snapshot, policies.as_object_mut()) {
            map.insert("generation".into(), s.generation.into());
            map.insert("count".into(), s.len().into());
            let per: serde_json::Map<String, serde_json::Value> = s
                .per_dialect()
                .into_iter()
                .map(|(d, n)| (d.to_owned(), n.into()))
                .collect();
            map.insert("dialects".into(), per.into());
        }
        let mut namespaces = serde_json::to_value(&st.namespaces).unwrap_or_default();
        if let Some(map) = namespaces.as_object_mut() {
            match &self.namespaces_file {
                Some(p) => {
                    map.insert("file".into(), p.display().to_string().into());
                    map.insert("count".into(), self.namespaces.load().len().into());
                }
                None if self.cluster_namespaces.load(Ordering::Acquire) => {
                    map.insert("source".into(), "cluster (list + watch)".into());
                    map.insert("count".into(), self.namespaces.load().len().into());
                }
                None => {
                    map.insert(
                        "source".into(),
                        "none (no --namespaces file; cluster defaults apply to every namespace)"
                            .into(),
                    );
                }
            }
        }
        let mut detail = serde_json::json!({
            "ready": self.is_ready(),
            "shuttingDown": self.shutting_down.load(Ordering::Acquire),
            "policies": policies,
            "namespaces": namespaces,
            "tls": serde_json::to_value(&st.tls).unwrap_or_default(),
        });
        if let (Some(bindings), Some(map)) = (&st.bindings, detail.as_object_mut()) {
            let mut b = serde_json::to_value(bindings).unwrap_or_default();
            if let Some(b) = b.as_object_mut() {
                b.insert("source".into(), "cluster (list + watch)".into());
                b.insert("count".into(), self.bindings.load().len().into());
            }
            map.insert("roleBindings".into(), b);
        }
        detail
    }
}
