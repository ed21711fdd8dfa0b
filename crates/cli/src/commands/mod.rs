//! One module per subcommand
pub mod checks;
pub mod completions;
pub mod explain;
pub mod scan;
