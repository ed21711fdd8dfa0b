//! Operational failures of the server (not problems with admission requests, which are
//! answered, nor with policies, which are reported and keep the previous set serving)

/// Why the server could not start or continue
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// A file could not be read or written
    #[error("cannot access `{path}`: {source}")]
    Io {
        /// The file
        path: String,
        /// Why
        #[source]
        source: std::io::Error,
    },
    /// The serving certificate or key is unusable
    #[error("bad certificate or key in `{path}`: {message}")]
    Certificate {
        /// The file
        path: String,
        /// Why
        message: String,
    },
    /// TLS configuration failed
    #[error("TLS configuration: {0}")]
    Tls(String),
    /// The listen address could not be bound
    #[error("cannot listen on `{addr}`: {source}")]
    Bind {
        /// The address
        addr: String,
        /// Why
        #[source]
        source: std::io::Error,
    },
    /// The async runtime could not start
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// Certificate generation failed
    #[error("cannot generate certificates: {0}")]
    CertGen(String),
    /// The file watcher could not start
    #[error("cannot watch files: {0}")]
    Watch(String),
}
