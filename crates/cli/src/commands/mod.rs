//! One module per subcommand
pub mod apply;
pub mod checks;
pub mod completions;
pub mod explain;
pub mod scan;
pub mod test;
