//! The `palisade` command line. Logic lives here (callable from tests); `main.rs` dispatches.

pub mod args;
pub mod commands;
pub mod input;
pub mod pipeline;
pub mod table;
