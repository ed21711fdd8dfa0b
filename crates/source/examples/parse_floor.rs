//! The speed floor for `palisade scan`: read the same files and run the YAML parser over them,
//! emitting events into nothing. No values, no positions, no checks. `bench/run.sh` runs this
//! beside the scanner so the scan rate is reported as a fraction of the raw parse rate.
//!
//! With `--load`, the files go through Palisade's own loader instead (the fast block reader,
//! saphyr for the rest, values and positions built, no checks): how much of a scan is reading.
//!
//! Usage: `cargo run --release -p palisade-source --example parse_floor -- [--load] DIR_OR_FILE…`

use palisade_source::{LoadLimits, SourceFile, load_document, split_documents, split_list_items};
use rayon::prelude::*;
use saphyr_parser::{Event, Parser};
use std::path::PathBuf;
use std::time::Instant;

// Same allocator as the `palisade` binary, so the floor is a fair one.
#[global_allocator]
static ALLOCATOR: palisade_alloc::Allocator = palisade_alloc::Allocator;

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
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let load = args.first().is_some_and(|a| a == "--load");
    if load {
        args.remove(0);
    }
    let start = Instant::now();
    let (bytes, events) = files(&args)
        .par_iter()
        .map(|path| {
            let Ok(text) = std::fs::read_to_string(path) else {
                return (0, 0);
            };
            if load {
                let file = SourceFile::new(path.display().to_string(), text);
                let pieces = split_list_items(split_documents(&file));
                let documents: usize = pieces
                    .par_iter()
                    .map(|piece| load_document(&file, piece, &LoadLimits::default()).0.len())
                    .sum();
                return (file.text.len(), documents);
            }
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
        "parsed {bytes} bytes ({events} {}) in {secs:.3}s: {:.1} MB/s",
        if load { "documents" } else { "events" },
        bytes as f64 / 1e6 / secs
    );
}
