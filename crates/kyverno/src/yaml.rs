//! YAML helpers over the span-keeping loader of `palisade-source`.

use palisade_source::{Diagnostic, LoadLimits, LoadedDocument, SourceFile, load_bytes, load_str};
use serde_json::Value;
use std::path::Path;

/// Parse a single YAML/JSON document from text (numbers normalised)
pub fn parse_one(text: &str) -> Result<Value, String> {
    let file = SourceFile::new("<inline>", text);
    let (docs, diags) = load_str(&file, &LoadLimits::default());
    if let Some(d) = diags.iter().find(|d| d.is_error()) {
        return Err(d.message.clone());
    }
    Ok(docs
        .into_iter()
        .next()
        .map_or(Value::Null, |d| crate::value::normalized(d.value)))
}

/// Load every document of a file
pub fn load_file(path: &Path) -> (Vec<LoadedDocument>, Vec<Diagnostic>) {
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => {
            let (_, mut docs, diags) = load_bytes(&name, bytes, &LoadLimits::default());
            for d in &mut docs {
                crate::value::normalize(&mut d.value);
            }
            (docs, diags)
        }
        Err(e) => (
            Vec::new(),
            vec![Diagnostic::error(
                "io-error",
                &name,
                None,
                format!("cannot read file: {e}"),
            )],
        ),
    }
}
