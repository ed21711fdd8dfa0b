//! The speed floor for `palisade scan`: read the same files and run the YAML parser over them,
//! emitting events into nothing. No values, no positions, no checks. `bench/run.sh` runs this
//! beside the scanner so the scan rate is reported as a fraction of the raw parse rate.
//!
//! Usage: `cargo run --release -p palisade-source --example parse_floor -- DIR_OR_FILE…`

use rayon::prelude::*;
use saphyr_parser::{Event, Parser};
use std::path::PathBuf;
use std::time::Instant;

// Same allocator as the `palisade` binary, so the floor is a fair one.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn files(paths: &[String]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        for e in walkdir::WalkDir::new(p)
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            let ext = e.path().extension().and_then(|x| x.to_str());
            if e.file_type().is_file() && matches!(ext, Some("yaml" | "yml" | "json")) {
                out.push(e.into_path());
            }
        }
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let start = Instant::now();
    let (bytes, events) = files(&args)
        .par_iter()
        .map(|path| {
            let Ok(text) = std::fs::read_to_string(path) else {
                return (0, 0);
            };
            let mut parser = Parser::new_from_str(&text);
            let mut events = 0usize;
            while let Some(Ok((event, _))) = parser.next_event() {
                events += 1;
                if matches!(event, Event::StreamEnd) {
                    break;
                }
            }
            (text.len(), events)
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let secs = start.elapsed().as_secs_f64();
    println!(
        "parsed {bytes} bytes ({events} events) in {secs:.3}s: {:.1} MB/s",
        bytes as f64 / 1e6 / secs
    );
}
