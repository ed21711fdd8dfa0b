//! The HTTPS listener: TLS handshakes under a timeout, HTTP/1.1 or HTTP/2 by ALPN, a cap on
//! open connections, lingering close ([`crate::linger`]), graceful shutdown that lets in-flight
//! reviews finish.

use crate::app::app;
use crate::error::ServerError;
use crate::linger::Lingering;
use crate::policy::Dialect;
use crate::state::{AppState, Limits};
use crate::tls::CertStore;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;

/// What `palisade serve` is told
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Directory of policies (watched)
    pub policies: PathBuf,
    /// Serving certificate chain, PEM (watched)
    pub tls_cert: PathBuf,
    /// Serving key, PEM (watched)
    pub tls_key: PathBuf,
    /// Address to listen on
    pub listen: SocketAddr,
    /// YAML file of Namespace objects standing in for a cluster watch (watched)
    pub namespaces: Option<PathBuf>,
    /// Without `namespaces`: list and watch Namespaces (and role bindings) through the API
    /// server reached this way; `None` for neither (needs the `cluster` feature, on by default)
    pub cluster: Option<ClusterAccess>,
    /// Limits and timeouts
    pub limits: Limits,
}

/// How the server reaches the API server to list and watch Namespaces and role bindings
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterAccess {
    /// The pod's service account ([`crate::in_cluster`] tells whether that can work), else
    /// the default kubeconfig (`KUBECONFIG`, `~/.kube/config`)
    Default,
    /// The current context of this kubeconfig file (a webhook run outside the cluster it
    /// serves, e.g. in development)
    Kubeconfig(PathBuf),
}

/// A running server
#[derive(Debug)]
pub struct Server {
    state: Arc<AppState>,
    local_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    accept: tokio::task::JoinHandle<()>,
    watcher: tokio::task::JoinHandle<()>,
    /// The cluster watches of namespaces and of role bindings
    cluster_watches: Vec<tokio::task::JoinHandle<()>>,
}

impl Server {
    /// Load the certificate and policies, bind, and start serving with the given dialects.
    ///
    /// Policies that fail to load do not stop the server: it starts unready (`/readyz` says
    /// why) and becomes ready once a load succeeds. A bad certificate or an address that
    /// cannot be bound does stop it.
    pub async fn start(
        options: ServeOptions,
        dialects: Vec<Arc<dyn Dialect>>,
    ) -> Result<Self, ServerError> {
        let certs = Arc::new(CertStore::load(&options.tls_cert, &options.tls_key)?);
        let acceptor = TlsAcceptor::from(Arc::new(certs.server_config()?));
        let state = Arc::new(AppState::new(
            dialects,
            options.policies.clone(),
            options.namespaces.clone(),
            options.limits.clone(),
        ));
        let cluster = options.cluster.filter(|_| options.namespaces.is_none());
        if cluster.is_some() {
            state.expect_cluster_namespaces();
        }
        state.tls_loaded();
        state.metrics.tls_reload(true);
        {
            let st = Arc::clone(&state);
            let _ = tokio::task::spawn_blocking(move || {
                st.reload_namespaces();
                st.reload_policies();
            })
            .await;
        }
        let listener =
            TcpListener::bind(options.listen)
                .await
                .map_err(|source| ServerError::Bind {
                    addr: options.listen.to_string(),
                    source,
                })?;
        let local_addr = listener.local_addr().map_err(|source| ServerError::Bind {
            addr: options.listen.to_string(),
            source,
        })?;
        let (shutdown, rx) = watch::channel(false);
        let watcher = crate::watch::spawn(
            Arc::clone(&state),
            Arc::clone(&certs),
            options.policies,
            options.namespaces,
            rx.clone(),
        );
        let cluster_watches = match cluster {
            Some(access) => start_cluster_watches(&state, access, &rx),
            None => Vec::new(),
        };
        let accept = tokio::spawn(accept_loop(listener, acceptor, Arc::clone(&state), rx));
        tracing::info!(
            target: "palisade::server",
            addr = %local_addr,
            ready = state.is_ready(),
            io_threads = tokio::runtime::Handle::current().metrics().num_workers(),
            evaluation_threads = state.limits.evaluation_threads,
            "listening"
        );
        Ok(Self {
            state,
            local_addr,
            shutdown,
            accept,
            watcher,
            cluster_watches,
        })
    }

    /// The bound address (useful with port 0)
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Shared state (policies, metrics, readiness)
    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    /// Stop accepting, let in-flight requests finish (up to the drain timeout), stop watching
    pub async fn shutdown(self) {
        self.state.begin_shutdown();
        let _ = self.shutdown.send(true);
        let _ = self.accept.await;
        let _ = self.watcher.await;
        for w in self.cluster_watches {
            let _ = w.await;
        }
        tracing::info!(target: "palisade::server", "stopped");
    }
}

/// Start the cluster watches of namespaces and role bindings (or report that this build
/// cannot)
fn start_cluster_watches(
    state: &Arc<AppState>,
    access: ClusterAccess,
    shutdown: &watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    #[cfg(feature = "cluster")]
    {
        state.expect_cluster_bindings();
        let access = Arc::new(access);
        vec![
            crate::cluster::spawn(Arc::clone(state), Arc::clone(&access), shutdown.clone()),
            crate::cluster::spawn_bindings(Arc::clone(state), access, shutdown.clone()),
        ]
    }
    #[cfg(not(feature = "cluster"))]
    {
        let _ = (shutdown, access);
        state.namespace_source_failed(
            "this build has no cluster support (feature `cluster`); use --namespaces",
        );
        Vec::new()
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    state: Arc<AppState>,
    mut shutdown: watch::Receiver<bool>,
) {
    let limits = state.limits.clone();
    let router = app(Arc::clone(&state));
    let graceful = GracefulShutdown::new();
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let mut http2 = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
    http2
        .timer(TokioTimer::new())
        .keep_alive_interval(Duration::from_secs(30))
        .keep_alive_timeout(Duration::from_secs(10))
        .max_concurrent_streams(256);
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&connections).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = shutdown.changed() => break,
        };
        let (tcp, _peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: back off briefly, keep serving.
                    tracing::warn!(target: "palisade::server", error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let service = TowerToHyperService::new(router.clone());
        let watcher = graceful.watcher();
        let (http1, http2) = (http1.clone(), http2.clone());
        let handshake_timeout = limits.handshake_timeout;
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(handshake_timeout, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    tracing::debug!(target: "palisade::server", error = %e, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(target: "palisade::server", "TLS handshake timed out");
                    return;
                }
            };
            let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
            let io = TokioIo::new(Lingering::new(tls, permit));
            let result = if h2 {
                watcher.watch(http2.serve_connection(io, service)).await
            } else {
                watcher.watch(http1.serve_connection(io, service)).await
            };
            if let Err(e) = result {
                tracing::debug!(target: "palisade::server", error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.drain_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(target: "palisade::server", "drain timeout: closing remaining connections");
    }
}

/// Run `palisade serve` until SIGINT or SIGTERM: JSON logs on stdout, the default dialects
pub fn serve_blocking(options: ServeOptions) -> Result<(), ServerError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.limits.io_threads.max(1))
        .enable_all()
        .thread_name("palisade")
        .build()
        .map_err(ServerError::Runtime)?;
    let _guard = crate::logging::init_json_logs();
    runtime.block_on(async move {
        let server = match Server::start(options, crate::dialects::defaults()).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(target: "palisade::server", error = %e, "cannot start");
                return Err(e);
            }
        };
        wait_for_signal().await;
        tracing::info!(target: "palisade::server", "shutting down");
        server.shutdown().await;
        Ok(())
    })
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
