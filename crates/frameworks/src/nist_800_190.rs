//! NIST SP 800-190 (Application Container Security Guide): every risk sub-section of §4 and its
//! countermeasure sub-section in §5, by section number.

use crate::{ControlInfo, ci};

/// Risks (§4.x.y) then countermeasures (§5.x.y), in document order
pub(crate) static CONTROLS: &[ControlInfo] = &[
    // 4.1 Image risks
    ci("4.1.1", "Risk: vulnerable images"),
    ci("4.1.2", "Risk: image configuration defects"),
    ci("4.1.3", "Risk: malware inside images"),
    ci("4.1.4", "Risk: clear-text secrets in images"),
    ci("4.1.5", "Risk: untrusted images"),
    // 4.2 Registry risks
    ci("4.2.1", "Risk: insecure registry connections"),
    ci("4.2.2", "Risk: stale registry images"),
    ci("4.2.3", "Risk: weak registry access control"),
    // 4.3 Orchestrator risks
    ci("4.3.1", "Risk: unbounded admin access"),
    ci("4.3.2", "Risk: unauthorized orchestrator access"),
    ci("4.3.3", "Risk: unseparated container traffic"),
    ci("4.3.4", "Risk: mixed workload sensitivity"),
    ci("4.3.5", "Risk: untrusted orchestrator nodes"),
    // 4.4 Container risks
    ci("4.4.1", "Risk: runtime software flaws"),
    ci("4.4.2", "Risk: unbounded container network access"),
    ci("4.4.3", "Risk: insecure runtime configuration"),
    ci("4.4.4", "Risk: application vulnerabilities"),
    ci("4.4.5", "Risk: rogue containers"),
    // 4.5 Host OS risks
    ci("4.5.1", "Risk: large host attack surface"),
    ci("4.5.2", "Risk: shared host kernel"),
    ci("4.5.3", "Risk: host OS component flaws"),
    ci("4.5.4", "Risk: excessive host user rights"),
    ci("4.5.5", "Risk: host file system tampering"),
    // 5.1 Image countermeasures
    ci("5.1.1", "Counter: image vulnerability management"),
    ci("5.1.2", "Counter: image configuration checks"),
    ci("5.1.3", "Counter: image malware scanning"),
    ci("5.1.4", "Counter: secrets kept out of images"),
    ci("5.1.5", "Counter: trusted images only"),
    // 5.2 Registry countermeasures
    ci("5.2.1", "Counter: encrypted registry connections"),
    ci("5.2.2", "Counter: stale image removal"),
    ci("5.2.3", "Counter: registry access control"),
    // 5.3 Orchestrator countermeasures
    ci("5.3.1", "Counter: least-privilege admin access"),
    ci("5.3.2", "Counter: strong orchestrator authentication"),
    ci("5.3.3", "Counter: segmented container traffic"),
    ci("5.3.4", "Counter: workloads grouped by sensitivity"),
    ci("5.3.5", "Counter: trusted node membership"),
    // 5.4 Container countermeasures
    ci("5.4.1", "Counter: patched container runtime"),
    ci("5.4.2", "Counter: restricted container egress"),
    ci("5.4.3", "Counter: hardened runtime configuration"),
    ci("5.4.4", "Counter: app-level protections"),
    ci("5.4.5", "Counter: rogue container control"),
    // 5.5 Host OS countermeasures
    ci("5.5.1", "Counter: minimal container-specific host OS"),
    ci("5.5.2", "Counter: workloads separated by kernel"),
    ci("5.5.3", "Counter: patched host OS components"),
    ci("5.5.4", "Counter: minimal host user rights"),
    ci("5.5.5", "Counter: read-only host file systems"),
];

/// No alternative spellings
pub(crate) static ALIASES: &[(&str, &str)] = &[];
