//! One module per subcommand
pub mod apply;
pub mod apply_kyverno;
pub mod apply_vap;
pub mod certs;
pub mod checks;
pub mod completions;
pub mod explain;
pub mod scan;
pub mod serve;
pub mod test;
pub mod test_kyverno;
