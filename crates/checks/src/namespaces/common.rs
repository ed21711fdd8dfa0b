//! Shared knowledge about namespaces

/// Namespaces Kubernetes itself creates and runs privileged system components in
pub(crate) const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

/// The Pod Security Admission label that enforces a level
pub(crate) const PSA_ENFORCE: &str = "pod-security.kubernetes.io/enforce";
