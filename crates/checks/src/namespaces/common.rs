//! Shared knowledge about namespaces

use crate::prelude::*;
use palisade_pss::ENFORCE_LEVEL_LABEL;

/// Namespaces Kubernetes itself creates and runs privileged system components in
const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

/// The Pod Security Admission `enforce` label of a Namespace
pub(crate) struct EnforceLabel<'a> {
    /// Its value, when set
    pub(crate) value: Option<&'a str>,
    /// Where it is, or belongs
    pub(crate) pointer: JsonPointer,
}

/// The `enforce` label of a Namespace the PSA checks judge: `None` for the system namespaces,
/// which run privileged components by design
pub(crate) fn enforce_label(namespace: &Resource) -> Option<EnforceLabel<'_>> {
    if SYSTEM_NAMESPACES.contains(&namespace.name.as_str()) {
        return None;
    }
    Some(EnforceLabel {
        value: namespace.label(ENFORCE_LEVEL_LABEL),
        pointer: JsonPointer::root()
            .key("metadata")
            .key("labels")
            .key(ENFORCE_LEVEL_LABEL),
    })
}

/// Report the namespace a resource was put in: at `metadata.namespace`, as
/// "<Kind> `<name>` <problem>"
pub(crate) fn report_placement(ctx: &mut CheckCtx<'_>, res: &Resource, problem: &str) {
    ctx.report(
        res,
        &JsonPointer::root().key("metadata").key("namespace"),
        format!("{} `{}` {problem}", res.kind, res.name),
    );
}
