//! Namespaces from the cluster: list + watch through the API server (kube-runtime's watcher)
//! into the namespace cache, when `palisade serve` runs in a pod without a `--namespaces` file.
//!
//! The watcher's events are folded by [`NamespaceTracker`] (pure, unit-tested): a (re)list
//! (`Init` … `InitDone`) replaces the cache as a whole once complete, so a half-listed cluster
//! is never served; `Apply`/`Delete` change one namespace. Each change swaps in a new
//! immutable cache, as the file source does. The server is not ready until the first list
//! completes; watch errors are retried with backoff and the last cache keeps serving.

#![cfg_attr(
    not(feature = "cluster"),
    allow(
        dead_code,
        reason = "the tracker feeds the watch of the `cluster` feature"
    )
)]

use crate::load::NamespaceCache;
use palisade_model::Resource;
use serde_json::Value;
use std::collections::HashMap;

/// Where the service-account token of a pod is mounted
pub const TOKEN_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/// True inside a pod that can reach the API server: `KUBERNETES_SERVICE_HOST` is set and a
/// service-account token is mounted
pub fn in_cluster() -> bool {
    std::env::var_os("KUBERNETES_SERVICE_HOST").is_some_and(|h| !h.is_empty())
        && std::path::Path::new(TOKEN_PATH).is_file()
}

/// One watcher event, as far as the cache cares
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NamespaceEvent {
    /// A (re)list starts
    Init,
    /// A namespace of the list
    InitApply(Value),
    /// The list is complete
    InitDone,
    /// Added or modified
    Apply(Value),
    /// Deleted
    Delete(Value),
}

/// Folds watcher events into namespace caches
#[derive(Debug, Default)]
pub(crate) struct NamespaceTracker {
    current: HashMap<String, Resource>,
    /// The namespaces of a list in progress
    listing: Option<HashMap<String, Resource>>,
    /// True once a list completed
    synced: bool,
}

fn namespace(value: Value) -> Option<(String, Resource)> {
    let r = Resource::from_value(value, "cluster").ok()?;
    (r.kind == "Namespace" && !r.name.is_empty()).then(|| (r.name.clone(), r))
}

impl NamespaceTracker {
    /// Apply an event; returns the cache to serve when the served namespaces changed
    pub fn apply(&mut self, event: NamespaceEvent) -> Option<NamespaceCache> {
        match event {
            NamespaceEvent::Init => {
                self.listing = Some(HashMap::new());
                None
            }
            NamespaceEvent::InitApply(v) => {
                if let (Some(list), Some((name, r))) = (self.listing.as_mut(), namespace(v)) {
                    list.insert(name, r);
                }
                None
            }
            NamespaceEvent::InitDone => {
                self.current = self.listing.take().unwrap_or_default();
                self.synced = true;
                Some(self.cache())
            }
            NamespaceEvent::Apply(v) => {
                let (name, r) = namespace(v)?;
                if let Some(list) = self.listing.as_mut() {
                    list.insert(name.clone(), r.clone());
                }
                if self
                    .current
                    .get(&name)
                    .is_some_and(|old| old.value == r.value)
                {
                    return None;
                }
                self.current.insert(name, r);
                self.synced.then(|| self.cache())
            }
            NamespaceEvent::Delete(v) => {
                let (name, _) = namespace(v)?;
                if let Some(list) = self.listing.as_mut() {
                    list.remove(&name);
                }
                self.current.remove(&name)?;
                self.synced.then(|| self.cache())
            }
        }
    }

    fn cache(&self) -> NamespaceCache {
        NamespaceCache::from_namespaces(self.current.clone())
    }
}

#[cfg(feature = "cluster")]
mod watch {
    use super::{NamespaceEvent, NamespaceTracker};
    use crate::state::AppState;
    use futures::StreamExt as _;
    use k8s_openapi::api::core::v1::Namespace;
    use kube::runtime::WatchStreamExt as _;
    use kube::runtime::watcher::{self, Event};
    use std::sync::Arc;
    use tokio::sync::watch as signal;

    fn value(ns: &Namespace) -> Option<serde_json::Value> {
        let mut v = serde_json::to_value(ns).ok()?;
        if let Some(m) = v.as_object_mut() {
            m.insert("apiVersion".into(), "v1".into());
            m.insert("kind".into(), "Namespace".into());
        }
        Some(v)
    }

    /// List and watch Namespaces until `shutdown` turns true
    pub(crate) fn spawn(
        state: Arc<AppState>,
        mut shutdown: signal::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        // kube's TLS takes the process-wide rustls provider: make it ours (*ring*), never a
        // panic over an ambiguous one (an error means one is installed already)
        let _ = rustls::crypto::ring::default_provider().install_default();
        tokio::spawn(async move {
            let client = loop {
                match kube::Client::try_default().await {
                    Ok(c) => break c,
                    Err(e) => {
                        state.namespace_source_failed(&format!("cluster client: {e}"));
                        tokio::select! {
                            () = tokio::time::sleep(std::time::Duration::from_secs(5)) => {}
                            _ = shutdown.changed() => return,
                        }
                    }
                }
            };
            let api: kube::Api<Namespace> = kube::Api::all(client);
            let mut events =
                std::pin::pin!(watcher::watcher(api, watcher::Config::default()).default_backoff());
            let mut tracker = NamespaceTracker::default();
            loop {
                let event = tokio::select! {
                    e = events.next() => e,
                    _ = shutdown.changed() => break,
                };
                let Some(event) = event else { break };
                let event = match event {
                    Ok(Event::Init) => NamespaceEvent::Init,
                    Ok(Event::InitApply(ns)) => match value(&ns) {
                        Some(v) => NamespaceEvent::InitApply(v),
                        None => continue,
                    },
                    Ok(Event::InitDone) => NamespaceEvent::InitDone,
                    Ok(Event::Apply(ns)) => match value(&ns) {
                        Some(v) => NamespaceEvent::Apply(v),
                        None => continue,
                    },
                    Ok(Event::Delete(ns)) => match value(&ns) {
                        Some(v) => NamespaceEvent::Delete(v),
                        None => continue,
                    },
                    Err(e) => {
                        // retried by the backoff; the last cache keeps serving
                        state.namespace_source_failed(&format!("namespace watch: {e}"));
                        continue;
                    }
                };
                if let Some(cache) = tracker.apply(event) {
                    state.set_namespaces(cache, "cluster");
                }
            }
        })
    }
}

#[cfg(feature = "cluster")]
pub(crate) use watch::spawn;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ns(name: &str, env: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Namespace",
               "metadata": {"name": name, "labels": {"env": env}}})
    }

    fn env_of(cache: &NamespaceCache, name: &str) -> Option<String> {
        cache.get(name)?.label("env").map(str::to_owned)
    }

    #[test]
    fn a_list_replaces_the_cache_only_when_complete() {
        let mut t = NamespaceTracker::default();
        assert!(t.apply(NamespaceEvent::Init).is_none());
        assert!(
            t.apply(NamespaceEvent::InitApply(ns("a", "prod")))
                .is_none()
        );
        // changes before the first list completes are not served on their own
        assert!(t.apply(NamespaceEvent::Apply(ns("b", "dev"))).is_none());
        assert!(t.apply(NamespaceEvent::InitApply(ns("c", "dev"))).is_none());
        let cache = t.apply(NamespaceEvent::InitDone).unwrap();
        assert_eq!(cache.len(), 3);
        assert_eq!(env_of(&cache, "a").as_deref(), Some("prod"));

        // watch events change one namespace each
        let cache = t.apply(NamespaceEvent::Apply(ns("a", "dev"))).unwrap();
        assert_eq!(env_of(&cache, "a").as_deref(), Some("dev"));
        assert!(
            t.apply(NamespaceEvent::Apply(ns("a", "dev"))).is_none(),
            "no change"
        );
        let cache = t.apply(NamespaceEvent::Delete(ns("b", "dev"))).unwrap();
        assert!(cache.get("b").is_none());
        assert!(t.apply(NamespaceEvent::Delete(ns("b", "dev"))).is_none());

        // a relist (after a watch expired) drops what it no longer lists, atomically
        assert!(t.apply(NamespaceEvent::Init).is_none());
        assert!(t.apply(NamespaceEvent::InitApply(ns("a", "dev"))).is_none());
        let cache = t.apply(NamespaceEvent::InitDone).unwrap();
        assert_eq!(cache.len(), 1);
        assert!(cache.get("c").is_none());
    }

    #[test]
    fn objects_that_are_not_namespaces_are_ignored() {
        let mut t = NamespaceTracker::default();
        t.apply(NamespaceEvent::Init);
        t.apply(NamespaceEvent::InitApply(
            json!({"kind": "Pod", "metadata": {"name": "p"}}),
        ));
        t.apply(NamespaceEvent::InitApply(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {}}),
        ));
        let cache = t.apply(NamespaceEvent::InitDone).unwrap();
        assert!(cache.is_empty());
        assert!(t.apply(NamespaceEvent::Apply(json!("garbage"))).is_none());
    }
}
