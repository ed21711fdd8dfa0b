//! `palisade serve`: the admission webhook (see the `palisade-server` crate)

use crate::args::ServeArgs;
use anyhow::Result;
use palisade_server::{ClusterAccess, Limits, ServeOptions};
use std::time::Duration;

/// Serve until SIGINT/SIGTERM; returns the exit code
pub fn run(args: &ServeArgs) -> Result<u8> {
    let defaults = Limits::default();
    let limits = Limits {
        deadline: Duration::from_millis(args.deadline_ms),
        max_body_bytes: args.max_body_bytes,
        evaluation_threads: args
            .evaluation_threads
            .map_or(defaults.evaluation_threads, usize::from),
        io_threads: args.io_threads.map_or(defaults.io_threads, usize::from),
        ..defaults
    };
    palisade_server::serve_blocking(ServeOptions {
        policies: args.policies.clone(),
        tls_cert: args.tls_cert.clone(),
        tls_key: args.tls_key.clone(),
        listen: args.listen,
        namespaces: args.namespaces.clone(),
        // Without a namespace file: list and watch Namespaces through the API server named by
        // --kubeconfig, or in a pod through its service account
        cluster: match &args.kubeconfig {
            _ if args.namespaces.is_some() => None,
            Some(path) => Some(ClusterAccess::Kubeconfig(path.clone())),
            None => palisade_server::in_cluster().then_some(ClusterAccess::Default),
        },
        limits,
    })?;
    Ok(0)
}
