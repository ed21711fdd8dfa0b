//! `palisade completions SHELL`

use crate::args::{Cli, CompletionsArgs};
use anyhow::Result;
use clap::CommandFactory;

/// Print a completion script; returns the exit code
pub fn run(args: &CompletionsArgs) -> Result<u8> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "palisade", &mut std::io::stdout());
    Ok(0)
}
