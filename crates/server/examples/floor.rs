//! The benchmark floor: an HTTPS server with the same TLS and HTTP stack as `palisade serve`
//! (rustls with *ring*, hyper HTTP/1.1 and HTTP/2, tokio multi-thread) that reads the request
//! body and answers every request with the same fixed "allowed" AdmissionReview. What
//! `palisade serve` costs above this is the price of parsing and policy evaluation.
//!
//! ```sh
//! cargo run --release -p palisade-server --example floor -- \
//!     --tls-cert certs/tls.crt --tls-key certs/tls.key --listen 127.0.0.1:8444
//! ```

use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use palisade_server::CertStore;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const ANSWER: &[u8] = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"00000000-0000-0000-0000-000000000000","allowed":true}}"#;

async fn answer(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    // Read the body like the real server does, then ignore it.
    let _ = req.into_body().collect().await;
    let mut resp = Response::new(Full::new(Bytes::from_static(ANSWER)));
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    Ok(resp)
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

#[global_allocator]
static ALLOCATOR: palisade_alloc::Allocator = palisade_alloc::Allocator;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: floor --tls-cert FILE --tls-key FILE [--listen ADDR:PORT]";
    let cert = PathBuf::from(arg(&args, "--tls-cert").ok_or(usage)?);
    let key = PathBuf::from(arg(&args, "--tls-key").ok_or(usage)?);
    let listen: SocketAddr = arg(&args, "--listen")
        .unwrap_or_else(|| "127.0.0.1:8444".to_owned())
        .parse()?;
    let store = Arc::new(CertStore::load(&cert, &key)?);
    let acceptor = TlsAcceptor::from(Arc::new(store.server_config()?));
    let listener = TcpListener::bind(listen).await?;
    println!("floor listening on {}", listener.local_addr()?);
    let http1 = hyper::server::conn::http1::Builder::new();
    let http2 = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
    loop {
        let (tcp, _) = listener.accept().await?;
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let (http1, http2) = (http1.clone(), http2.clone());
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
            let io = TokioIo::new(tls);
            let _ = if h2 {
                http2.serve_connection(io, service_fn(answer)).await
            } else {
                http1.serve_connection(io, service_fn(answer)).await
            };
        });
    }
}
