//! NSA-CISA Kubernetes Hardening Guidance v1.2. The guide has no numbered controls, so controls are
//! our section tags (legend of check-catalog §2), in the guide's order.

use crate::{ControlInfo, ci};

/// Section tags, in guide order
pub(crate) static CONTROLS: &[ControlInfo] = &[
    // Kubernetes Pod security
    ci(
        "NSA-POD-NONROOT",
        "Non-root containers and rootless engines",
    ),
    ci("NSA-POD-IMMUTABLE", "Immutable container file systems"),
    ci("NSA-POD-IMAGES", "Secure container images"),
    ci("NSA-POD-PSA", "Pod security enforcement"),
    ci("NSA-POD-SATOKEN", "Service account token protection"),
    ci("NSA-POD-HARDEN", "Container environment hardening"),
    // Network separation and hardening
    ci("NSA-NET-NS", "Namespace separation"),
    ci("NSA-NET-NETPOL", "Network policies"),
    ci("NSA-NET-RESPOL", "Resource policies"),
    ci("NSA-NET-CP", "Control plane hardening"),
    ci("NSA-NET-WORKER", "Worker node segmentation"),
    ci("NSA-NET-ENC", "Encryption in transit and at rest"),
    ci("NSA-NET-SECRETS", "Secrets protection"),
    ci("NSA-NET-CLOUD", "Cloud infrastructure protection"),
    // Authentication and authorization
    ci("NSA-AUTH-AUTHN", "Authentication"),
    ci("NSA-AUTH-RBAC", "Role-based access control"),
    // Audit logging and threat detection
    ci("NSA-LOG", "Audit logging and threat detection"),
    // Upgrading and application security practices
    ci("NSA-UPGRADE", "Upgrades and application security"),
];

/// No alternative spellings beyond the `NSA-` prefix being optional (handled by the lookup)
pub(crate) static ALIASES: &[(&str, &str)] = &[];
