//! `palisade explain ID`

use crate::args::ExplainArgs;
use crate::commands::checks::{catalog, describe};
use anyhow::{Result, bail};
use std::io::Write;

/// Print one rule's docs; returns the exit code
pub fn run(args: &ExplainArgs) -> Result<u8> {
    let rules = catalog();
    let wanted = args.check.as_str();
    let Some(rule) = rules
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(wanted) || r.name.eq_ignore_ascii_case(wanted))
    else {
        let close: Vec<&str> = rules
            .iter()
            .filter(|r| {
                r.id.to_ascii_lowercase()
                    .starts_with(&wanted.to_ascii_lowercase())
            })
            .map(|r| r.id.as_ref())
            .take(8)
            .collect();
        if close.is_empty() {
            bail!("no rule `{wanted}`; `palisade checks` lists them");
        }
        bail!("no rule `{wanted}`; did you mean {}?", close.join(", "));
    };
    std::io::stdout()
        .lock()
        .write_all(describe(rule).as_bytes())?;
    Ok(0)
}
