//! PCI DSS v4.0 (numbering unchanged in v4.0.1) requirements that Kubernetes checks evidence, by
//! requirement number. IDs only: the titles are our own, never the standard's text.

use crate::{ControlInfo, ci};

/// Requirements, in numeric order
pub(crate) static CONTROLS: &[ControlInfo] = &[
    // 1 Network security controls
    ci("1.2.1", "Network control rule standards"),
    ci("1.2.5", "Only approved ports and protocols"),
    ci("1.3.1", "Inbound traffic to CDE restricted"),
    ci("1.3.2", "Outbound traffic from CDE restricted"),
    ci("1.3.3", "Wireless networks kept out of CDE"),
    ci("1.4.1", "Controls between trusted and untrusted networks"),
    ci("1.4.2", "Untrusted inbound traffic restricted"),
    // 2 Secure configurations
    ci("2.2.1", "Configuration standards"),
    ci("2.2.3", "Functions of different security levels separated"),
    ci("2.2.4", "Only needed services enabled"),
    ci("2.2.5", "Insecure services secured"),
    ci("2.2.6", "Security parameters set against misuse"),
    ci("2.2.7", "Admin access encrypted"),
    // 3 Stored account data
    ci("3.5.1", "Stored PAN unreadable"),
    ci("3.6.1", "Cryptographic keys protected"),
    ci("3.7.1", "Key generation"),
    ci("3.7.2", "Key distribution"),
    ci("3.7.3", "Key storage"),
    ci("3.7.4", "Key change at end of cryptoperiod"),
    ci("3.7.5", "Key retirement and replacement"),
    ci("3.7.6", "Split knowledge for manual keys"),
    ci("3.7.7", "No unauthorized key substitution"),
    ci("3.7.8", "Key custodians acknowledge duties"),
    ci("3.7.9", "Keys shared with customers"),
    // 4 Transmission over open networks
    ci("4.2.1", "Strong crypto on public networks"),
    // 6 Secure systems and software
    ci("6.3.1", "Vulnerabilities identified and ranked"),
    ci("6.3.2", "Software component inventory"),
    ci("6.3.3", "Security patches applied"),
    // 7 Restrict access by need to know
    ci("7.2.1", "Access control model defined"),
    ci("7.2.2", "Access by job function"),
    ci("7.2.3", "Privileges approved"),
    ci("7.2.4", "Access periodically reviewed"),
    ci("7.2.5", "System accounts least privilege"),
    ci("7.2.5.1", "System account access reviewed"),
    ci("7.2.6", "Card data query access restricted"),
    ci("7.3.1", "Access control system in place"),
    ci("7.3.2", "Access control enforces assignments"),
    ci("7.3.3", "Access control denies by default"),
    // 8 Identification and authentication
    ci("8.2.1", "Unique IDs for users"),
    ci("8.2.2", "Shared accounts only by exception"),
    ci("8.3.1", "All access authenticated"),
    ci("8.3.2", "Authentication factors encrypted"),
    ci("8.6.2", "No hard-coded system account secrets"),
    ci("8.6.3", "System account secrets protected"),
    // 10 Logging and monitoring
    ci("10.2.1", "Audit logs enabled"),
    ci("10.2.2", "Audit log event details"),
    ci("10.5.1", "Audit log history retained"),
    // 11 Security testing
    ci("11.3.1", "Internal vulnerability scans"),
    ci("11.5.2", "Change detection"),
];

/// No alternative spellings. Range notes in the catalog (`1.3.x`, `3.7.x`, `7.2.x`) are listed
/// above as their individual requirements; a range is not a control.
pub(crate) static ALIASES: &[(&str, &str)] = &[];
