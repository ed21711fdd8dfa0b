//! In-process cost of one AdmissionReview through the router (parse, select, evaluate,
//! respond; no TLS, no network), per review kind. Companion of `bench/webhook.sh`:
//!
//! ```sh
//! KEEP=1 bench/webhook.sh            # keeps /tmp/palisade-webhook-bench.XXXXXX
//! cargo run --release -p palisade-server --example review_cost -- /tmp/palisade-webhook-bench.XXXXXX
//! ```
//!
//! The directory holds `policies/`, `namespaces.yaml` and `reviews.jsonl` (one review per line).

use axum::body::Body;
use http_body_util::BodyExt as _;
use palisade_server::{AppState, Limits, app};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use tower::ServiceExt as _;

#[global_allocator]
static ALLOCATOR: palisade_alloc::Allocator = palisade_alloc::Allocator;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: review_cost DIR")?);
    let iterations: u32 = std::env::args().nth(2).map_or(Ok(2000), |n| n.parse())?;
    let state = Arc::new(AppState::new(
        palisade_server::dialects::defaults(),
        dir.join("policies"),
        Some(dir.join("namespaces.yaml")),
        // one evaluation thread: with two, which of them frees what (mimalloc's cross-thread
        // frees) moved the count by up to 1k instructions per review between runs of one
        // build and by 4k between builds
        Limits {
            evaluation_threads: 1,
            ..Limits::default()
        },
    ));
    state.reload_namespaces();
    if !state.reload_policies() {
        return Err(format!("policies do not load: {}", state.readiness()).into());
    }
    let router = app(Arc::clone(&state));
    let reviews = std::fs::read_to_string(dir.join("reviews.jsonl"))?;
    let mut total = 0.0;
    for line in reviews.lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        let what = format!(
            "{} {} {}/{}",
            v["request"]["operation"].as_str().unwrap_or(""),
            v["request"]["kind"]["kind"].as_str().unwrap_or(""),
            v["request"]["namespace"].as_str().unwrap_or(""),
            v["request"]["name"].as_str().unwrap_or("")
        );
        let mut response_bytes = 0;
        let mut summary = String::new();
        let start = Instant::now();
        for _ in 0..iterations {
            let req = axum::http::Request::post("/validate")
                .header("content-type", "application/json")
                .body(Body::from(line.to_owned()))?;
            let resp = router.clone().oneshot(req).await?;
            let body = resp.into_body().collect().await?.to_bytes();
            response_bytes = body.len();
            if summary.is_empty() {
                let r: serde_json::Value = serde_json::from_slice(&body)?;
                summary = format!(
                    "allowed={} warnings={}",
                    r["response"]["allowed"],
                    r["response"]["warnings"].as_array().map_or(0, Vec::len)
                );
            }
        }
        let us = start.elapsed().as_secs_f64() * 1e6 / f64::from(iterations);
        total += us;
        println!("{us:>8.1} µs  {what:<40} {summary}, {response_bytes} response bytes");
    }
    println!(
        "{:>8.1} µs  mean over {} kinds",
        total / reviews.lines().count().max(1) as f64,
        reviews.lines().count()
    );
    Ok(())
}
