//! What the server reads from the cluster when `palisade serve` runs in a pod without a
//! `--namespaces` file: Namespaces (into the namespace cache) and RoleBindings and
//! ClusterRoleBindings (the roles of who asks, for Kyverno), listed and watched through the
//! API server (kube-runtime's watcher).
//!
//! Each watcher's events are folded by a [`Tracker`] (pure, unit-tested): a (re)list
//! (`Init` … `InitDone`) replaces its objects as a whole once complete, so a half-listed
//! cluster is never served; `Apply`/`Delete` change one object. Each change swaps in a new
//! immutable cache, as the file sources do. The server is not ready until the first list of
//! namespaces completes (bindings do not hold readiness: until listed, nobody has a role);
//! watch errors are retried with backoff and the last objects keep serving.

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

/// One watcher event, as far as a cache cares
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum WatchEvent {
    /// A (re)list starts
    Init,
    /// An object of the list
    InitApply(Value),
    /// The list is complete
    InitDone,
    /// Added or modified
    Apply(Value),
    /// Deleted
    Delete(Value),
}

/// Folds one watcher's events into the objects to serve, by key
#[derive(Debug)]
pub(crate) struct Tracker {
    /// The key of an object this tracker serves; `None` for objects it ignores
    key: fn(&Value) -> Option<String>,
    current: HashMap<String, Value>,
    /// The objects of a list in progress
    listing: Option<HashMap<String, Value>>,
    /// True once a list completed
    synced: bool,
}

impl Tracker {
    pub(crate) fn new(key: fn(&Value) -> Option<String>) -> Self {
        Self {
            key,
            current: HashMap::new(),
            listing: None,
            synced: false,
        }
    }

    /// Apply an event; true when the objects to serve changed (never before a first list
    /// completed)
    pub(crate) fn apply(&mut self, event: WatchEvent) -> bool {
        match event {
            WatchEvent::Init => {
                self.listing = Some(HashMap::new());
                false
            }
            WatchEvent::InitApply(v) => {
                if let (Some(list), Some(key)) = (self.listing.as_mut(), (self.key)(&v)) {
                    list.insert(key, v);
                }
                false
            }
            WatchEvent::InitDone => {
                self.current = self.listing.take().unwrap_or_default();
                self.synced = true;
                true
            }
            WatchEvent::Apply(v) => {
                let Some(key) = (self.key)(&v) else {
                    return false;
                };
                if let Some(list) = self.listing.as_mut() {
                    list.insert(key.clone(), v.clone());
                }
                if self.current.get(&key) == Some(&v) {
                    return false;
                }
                self.current.insert(key, v);
                self.synced
            }
            WatchEvent::Delete(v) => {
                let Some(key) = (self.key)(&v) else {
                    return false;
                };
                if let Some(list) = self.listing.as_mut() {
                    list.remove(&key);
                }
                self.current.remove(&key).is_some() && self.synced
            }
        }
    }

    /// The objects served, by key
    pub(crate) fn objects(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.current.iter()
    }
}

fn text<'v>(v: &'v Value, key: &str) -> &'v str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// A Namespace is tracked by its name
pub(crate) fn namespace_key(v: &Value) -> Option<String> {
    let name = v.pointer("/metadata/name").and_then(Value::as_str)?;
    (text(v, "kind") == "Namespace" && !name.is_empty()).then(|| name.to_owned())
}

/// The namespace cache of the namespaces a tracker serves
pub(crate) fn namespace_cache(tracker: &Tracker) -> NamespaceCache {
    NamespaceCache::from_namespaces(
        tracker
            .objects()
            .filter_map(|(name, v)| {
                let r = Resource::from_value(v.clone(), "cluster").ok()?;
                Some((name.clone(), r))
            })
            .collect(),
    )
}

/// A RoleBinding or ClusterRoleBinding is tracked by kind, namespace and name
pub(crate) fn binding_key(v: &Value) -> Option<String> {
    let kind = text(v, "kind");
    let meta = v.get("metadata")?;
    matches!(kind, "RoleBinding" | "ClusterRoleBinding")
        .then(|| format!("{kind}/{}/{}", text(meta, "namespace"), text(meta, "name")))
}

#[cfg(feature = "cluster")]
mod watch {
    use super::{Tracker, WatchEvent, binding_key, namespace_cache, namespace_key};
    use crate::serve::ClusterAccess;
    use crate::state::AppState;
    use futures::{Stream, StreamExt as _};
    use k8s_openapi::api::core::v1::Namespace;
    use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, RoleBinding};
    use kube::runtime::WatchStreamExt as _;
    use kube::runtime::watcher::{self, Event};
    use palisade_kyverno::rbac::RoleIndex;
    use serde_json::Value;
    use std::sync::Arc;
    use tokio::sync::watch as signal;

    /// An object as the API server writes it (typed objects leave `apiVersion`/`kind` out)
    fn value<K: serde::Serialize>(object: &K, api_version: &str, kind: &str) -> Option<Value> {
        let mut v = serde_json::to_value(object).ok()?;
        let m = v.as_object_mut()?;
        m.insert("apiVersion".into(), api_version.into());
        m.insert("kind".into(), kind.into());
        Some(v)
    }

    /// List and watch every object of kind `K` (cluster-wide), as tracker events; errors are
    /// retried with backoff and reported as `Err`
    fn events<K>(
        client: kube::Client,
        api_version: &'static str,
        kind: &'static str,
    ) -> impl Stream<Item = Result<WatchEvent, String>> + Send
    where
        K: kube::Resource<DynamicType = ()>
            + Clone
            + serde::de::DeserializeOwned
            + serde::Serialize
            + std::fmt::Debug
            + Send
            + 'static,
    {
        let api: kube::Api<K> = kube::Api::all(client);
        watcher::watcher(api, watcher::Config::default())
            .default_backoff()
            .filter_map(move |event| {
                let as_value = |o: &K| value(o, api_version, kind);
                let event = match event {
                    Ok(Event::Init) => Some(Ok(WatchEvent::Init)),
                    Ok(Event::InitApply(o)) => as_value(&o).map(|v| Ok(WatchEvent::InitApply(v))),
                    Ok(Event::InitDone) => Some(Ok(WatchEvent::InitDone)),
                    Ok(Event::Apply(o)) => as_value(&o).map(|v| Ok(WatchEvent::Apply(v))),
                    Ok(Event::Delete(o)) => as_value(&o).map(|v| Ok(WatchEvent::Delete(v))),
                    Err(e) => Some(Err(format!("{kind} watch: {e}"))),
                };
                std::future::ready(event)
            })
    }

    /// A client for the API server `access` names
    async fn connect(access: &ClusterAccess) -> Result<kube::Client, String> {
        match access {
            ClusterAccess::Default => kube::Client::try_default().await.map_err(|e| e.to_string()),
            ClusterAccess::Kubeconfig(path) => {
                let file = kube::config::Kubeconfig::read_from(path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                let options = kube::config::KubeConfigOptions::default();
                let config = kube::Config::from_custom_kubeconfig(file, &options)
                    .await
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                kube::Client::try_from(config).map_err(|e| e.to_string())
            }
        }
    }

    /// A cluster client, retried until it can be built or `shutdown` turns true
    async fn client(
        state: &AppState,
        access: &ClusterAccess,
        shutdown: &mut signal::Receiver<bool>,
        failed: fn(&AppState, &str),
    ) -> Option<kube::Client> {
        // kube's TLS takes the process-wide rustls provider: make it ours (*ring*), never a
        // panic over an ambiguous one (an error means one is installed already)
        let _ = rustls::crypto::ring::default_provider().install_default();
        loop {
            match connect(access).await {
                Ok(c) => return Some(c),
                Err(e) => {
                    failed(state, &format!("cluster client: {e}"));
                    tokio::select! {
                        () = tokio::time::sleep(std::time::Duration::from_secs(5)) => {}
                        _ = shutdown.changed() => return None,
                    }
                }
            }
        }
    }

    /// List and watch Namespaces until `shutdown` turns true
    pub(crate) fn spawn(
        state: Arc<AppState>,
        access: Arc<ClusterAccess>,
        mut shutdown: signal::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let failed = AppState::namespace_source_failed;
            let Some(client) = client(&state, &access, &mut shutdown, failed).await else {
                return;
            };
            let mut events = std::pin::pin!(events::<Namespace>(client, "v1", "Namespace"));
            let mut tracker = Tracker::new(namespace_key);
            loop {
                let event = tokio::select! {
                    e = events.next() => e,
                    _ = shutdown.changed() => break,
                };
                match event {
                    None => break,
                    // retried by the backoff; the last cache keeps serving
                    Some(Err(e)) => state.namespace_source_failed(&e),
                    Some(Ok(event)) => {
                        if tracker.apply(event) {
                            state.set_namespaces(namespace_cache(&tracker), "cluster");
                        }
                    }
                }
            }
        })
    }

    /// List and watch RoleBindings and ClusterRoleBindings (the roles Kyverno policies
    /// match on) until `shutdown` turns true
    pub(crate) fn spawn_bindings(
        state: Arc<AppState>,
        access: Arc<ClusterAccess>,
        mut shutdown: signal::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let failed = AppState::binding_source_failed;
            let Some(client) = client(&state, &access, &mut shutdown, failed).await else {
                return;
            };
            const RBAC: &str = "rbac.authorization.k8s.io/v1";
            // (which tracker, event): a relist of one kind must not drop the other's
            let role_bindings =
                events::<RoleBinding>(client.clone(), RBAC, "RoleBinding").map(|e| (0, e));
            let cluster_role_bindings =
                events::<ClusterRoleBinding>(client, RBAC, "ClusterRoleBinding").map(|e| (1, e));
            let mut events = std::pin::pin!(futures::stream::select(
                role_bindings,
                cluster_role_bindings
            ));
            let mut trackers = [Tracker::new(binding_key), Tracker::new(binding_key)];
            loop {
                let event = tokio::select! {
                    e = events.next() => e,
                    _ = shutdown.changed() => break,
                };
                let Some((which, event)) = event else { break };
                match event {
                    Err(e) => state.binding_source_failed(&e),
                    Ok(event) => {
                        let Some(tracker) = trackers.get_mut(which) else {
                            continue;
                        };
                        if tracker.apply(event) {
                            let all = trackers.iter().flat_map(|t| t.objects().map(|(_, v)| v));
                            state.set_bindings(RoleIndex::new(all));
                        }
                    }
                }
            }
        })
    }
}

#[cfg(feature = "cluster")]
pub(crate) use watch::{spawn, spawn_bindings};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ns(name: &str, env: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Namespace",
               "metadata": {"name": name, "labels": {"env": env}}})
    }

    fn env_of(tracker: &Tracker, name: &str) -> Option<String> {
        namespace_cache(tracker)
            .get(name)?
            .label("env")
            .map(str::to_owned)
    }

    #[test]
    fn a_list_replaces_the_objects_only_when_complete() {
        let mut t = Tracker::new(namespace_key);
        assert!(!t.apply(WatchEvent::Init));
        assert!(!t.apply(WatchEvent::InitApply(ns("a", "prod"))));
        // changes before the first list completes are not served on their own
        assert!(!t.apply(WatchEvent::Apply(ns("b", "dev"))));
        assert!(!t.apply(WatchEvent::InitApply(ns("c", "dev"))));
        assert!(t.apply(WatchEvent::InitDone));
        assert_eq!(namespace_cache(&t).len(), 3);
        assert_eq!(env_of(&t, "a").as_deref(), Some("prod"));

        // watch events change one namespace each
        assert!(t.apply(WatchEvent::Apply(ns("a", "dev"))));
        assert_eq!(env_of(&t, "a").as_deref(), Some("dev"));
        assert!(!t.apply(WatchEvent::Apply(ns("a", "dev"))), "no change");
        assert!(t.apply(WatchEvent::Delete(ns("b", "dev"))));
        assert!(namespace_cache(&t).get("b").is_none());
        assert!(!t.apply(WatchEvent::Delete(ns("b", "dev"))));

        // a relist (after a watch expired) drops what it no longer lists, atomically
        assert!(!t.apply(WatchEvent::Init));
        assert!(!t.apply(WatchEvent::InitApply(ns("a", "dev"))));
        assert!(t.apply(WatchEvent::InitDone));
        assert_eq!(namespace_cache(&t).len(), 1);
        assert!(namespace_cache(&t).get("c").is_none());
    }

    #[test]
    fn objects_of_other_kinds_are_ignored() {
        let mut t = Tracker::new(namespace_key);
        t.apply(WatchEvent::Init);
        t.apply(WatchEvent::InitApply(
            json!({"kind": "Pod", "metadata": {"name": "p"}}),
        ));
        t.apply(WatchEvent::InitApply(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {}}),
        ));
        assert!(t.apply(WatchEvent::InitDone));
        assert!(namespace_cache(&t).is_empty());
        assert!(!t.apply(WatchEvent::Apply(json!("garbage"))));
    }

    #[test]
    fn bindings_are_tracked_by_kind_namespace_and_name() {
        let binding = |kind: &str, ns: &str, name: &str, role: &str| {
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind,
                   "metadata": {"name": name, "namespace": ns},
                   "roleRef": {"kind": "ClusterRole", "name": role}})
        };
        let mut t = Tracker::new(binding_key);
        t.apply(WatchEvent::Init);
        t.apply(WatchEvent::InitApply(binding(
            "RoleBinding",
            "a",
            "x",
            "view",
        )));
        t.apply(WatchEvent::InitApply(binding(
            "RoleBinding",
            "b",
            "x",
            "edit",
        )));
        t.apply(WatchEvent::InitApply(ns("a", "dev")));
        assert!(t.apply(WatchEvent::InitDone));
        assert_eq!(
            t.objects().count(),
            2,
            "same name in two namespaces; no namespace"
        );
        assert!(t.apply(WatchEvent::Apply(binding("RoleBinding", "a", "x", "admin"))));
        assert_eq!(t.objects().count(), 2);
        assert!(t.apply(WatchEvent::Delete(binding("RoleBinding", "b", "x", "edit"))));
        let roles: Vec<&str> = t
            .objects()
            .filter_map(|(_, v)| v.pointer("/roleRef/name").and_then(Value::as_str))
            .collect();
        assert_eq!(roles, ["admin"]);
    }
}
