//! The admission webhook server behind `palisade serve`.
//!
//! - [`app`]: the axum router (`/validate`, `/mutate`, `/healthz`, `/readyz`, `/metrics`)
//! - [`Server`]: HTTPS with rustls (TLS 1.2/1.3, HTTP/1.1 and HTTP/2), certificate hot reload,
//!   policy and namespace hot reload, graceful shutdown
//! - [`Dialect`] / [`PolicySet`]: how a policy language plugs in; [`dialects`] has Pod
//!   Security Admission, the built-in checks, VAP/MAP, Kyverno and Gatekeeper
//! - namespaces from a file, or listed and watched from the cluster ([`in_cluster`])
//! - [`certs`]: the CA and serving certificate behind `palisade certs`
//!
//! tokio and the HTTP stack live here and in the CLI only; policies themselves are evaluated by
//! the pure, synchronous dialect crates on a few evaluation threads, under a per-request
//! deadline.

mod app;
pub mod certs;
mod cluster;
pub mod dialects;
mod error;
mod evaluate;
mod index;
mod linger;
mod load;
mod logging;
mod metrics;
mod policy;
mod pool;
pub mod review;
mod serve;
mod state;
mod time;
mod tls;
mod watch;

pub use app::app;
pub use cluster::in_cluster;
pub use error::ServerError;
pub use evaluate::{Evaluation, Record};
pub use load::{NamespaceCache, PolicySnapshot};
pub use logging::{LogGuard, init_json_logs};
pub use metrics::{Endpoint, Metrics};
pub use policy::{
    Action, Decisions, Dialect, FailurePolicy, KindMatch, MatchSpec, Outcome, PolicyLoadError,
    PolicyMeta, PolicySet, Request,
};
pub use serve::{ClusterAccess, ServeOptions, Server, serve_blocking};
pub use state::{AppState, Limits, SourceStatus};
pub use tls::CertStore;
