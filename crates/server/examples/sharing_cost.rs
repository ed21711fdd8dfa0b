//! What two evaluation threads cost each other.
//!
//! Runs the bench mix in process (no TLS, no network) on two evaluation threads, two ways in
//! turn: one server state with two evaluation threads and one queue (as `palisade serve`
//! runs), and two separate states of one evaluation thread each, so that neither the policies
//! nor the queue, the metrics or the namespace cache are shared and each driver always meets
//! the same thread. Each way, two driver threads send the 8 reviews in turn for `SECS` seconds
//! and the reviews per second are printed; the difference is what sharing all of that costs.
//! (It is not the policies alone: serving each thread its own compiled copy of the policies
//! made no difference over HTTP; `bench/webhook.md`, 2026-11-28 22:10.)
//!
//! ```sh
//! KEEP=1 bench/webhook.sh            # keeps /tmp/palisade-webhook-bench.XXXXXX
//! cargo run --release -p palisade-server --example sharing_cost -- /tmp/palisade-webhook-bench.XXXXXX [SECS] [ROUNDS]
//! ```

use axum::body::Body;
use http_body_util::BodyExt as _;
use palisade_server::{AppState, Limits, app};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt as _;

#[global_allocator]
static ALLOCATOR: palisade_alloc::Allocator = palisade_alloc::Allocator;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn load(dir: &Path, evaluation_threads: usize) -> Result<Arc<AppState>, Error> {
    let state = Arc::new(AppState::new(
        palisade_server::dialects::defaults(),
        dir.join("policies"),
        Some(dir.join("namespaces.yaml")),
        Limits {
            evaluation_threads,
            ..Limits::default()
        },
    ));
    state.reload_namespaces();
    if !state.reload_policies() {
        return Err(format!("policies do not load: {}", state.readiness()).into());
    }
    Ok(state)
}

/// Reviews per second one driver thread gets through `state` for `secs`
fn drive(state: Arc<AppState>, reviews: Arc<Vec<String>>, secs: u64) -> Result<f64, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let router = app(state);
        let start = Instant::now();
        let mut done = 0u64;
        while start.elapsed() < Duration::from_secs(secs) {
            for review in reviews.iter() {
                let request = axum::http::Request::post("/validate")
                    .header("content-type", "application/json")
                    .body(Body::from(review.clone()))?;
                let response = router.clone().oneshot(request).await?;
                response.into_body().collect().await?;
                done += 1;
            }
        }
        Ok(done as f64 / start.elapsed().as_secs_f64())
    })
}

/// Both drivers at once, each on its own state; the total reviews per second
fn run(states: [Arc<AppState>; 2], reviews: &Arc<Vec<String>>, secs: u64) -> Result<f64, Error> {
    let drivers: Vec<_> = states
        .into_iter()
        .map(|state| {
            let reviews = Arc::clone(reviews);
            std::thread::spawn(move || drive(state, reviews, secs))
        })
        .collect();
    let mut total = 0.0;
    for driver in drivers {
        total += driver.join().map_err(|_| "a driver panicked")??;
    }
    Ok(total)
}

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or("usage: sharing_cost DIR [SECS] [ROUNDS]")?,
    );
    let secs: u64 = args.next().map_or(Ok(5), |s| s.parse())?;
    let rounds: u32 = args.next().map_or(Ok(5), |s| s.parse())?;
    let reviews: Arc<Vec<String>> = Arc::new(
        std::fs::read_to_string(dir.join("reviews.jsonl"))?
            .lines()
            .map(str::to_owned)
            .collect(),
    );
    let shared = load(&dir, 2)?;
    let own = [load(&dir, 1)?, load(&dir, 1)?];
    println!("round  shared reviews/s  separate reviews/s  shared/separate");
    for round in 1..=rounds {
        let together = run([Arc::clone(&shared), Arc::clone(&shared)], &reviews, secs)?;
        let apart = run([Arc::clone(&own[0]), Arc::clone(&own[1])], &reviews, secs)?;
        println!(
            "{round:>5}  {together:>16.0}  {apart:>18.0}  {:>15.2}",
            together / apart
        );
    }
    Ok(())
}
