//! `palisade`: parse arguments, dispatch to a command, map the outcome to an exit code.
//!
//! Exit codes (every command, every output format): 0 success / nothing at or above
//! `--fail-on`; 1 findings (or test failures, denials); 2 usage, input or policy errors.

use clap::Parser;
use palisade::args::{Cli, Command};
use palisade::commands;
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: palisade_alloc::Allocator = palisade_alloc::Allocator;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout with exit 0 and usage errors to stderr
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Scan(args) => commands::scan::run(&args),
        Command::Checks(args) => commands::checks::run(&args),
        Command::Explain(args) => commands::explain::run(&args),
        Command::Completions(args) => commands::completions::run(&args),
        Command::Serve(args) => commands::serve::run(&args),
        Command::Certs(args) => commands::certs::run(&args),
        Command::Test(args) => commands::test::run(&args),
        Command::Apply(args) => commands::apply::run(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `palisade scan … | head` must not report an error when the reader goes away
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
