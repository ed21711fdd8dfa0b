//! NIST SP 800-53 rev. 5 controls and enhancements that Kubernetes checks evidence, in the
//! publication's family order (AC, AU, CM, IA, RA, SA, SC, SI, SR).

use crate::{ControlInfo, ci};

/// Controls, in family order
pub(crate) static CONTROLS: &[ControlInfo] = &[
    // Access control
    ci("AC-2", "Account management"),
    ci("AC-3", "Access enforcement"),
    ci("AC-4", "Information flow enforcement"),
    ci("AC-5", "Separation of duties"),
    ci("AC-6", "Least privilege"),
    ci("AC-6(1)", "Least privilege: security functions authorised"),
    ci("AC-6(5)", "Least privilege: privileged accounts"),
    ci("AC-6(7)", "Least privilege: privilege reviews"),
    ci(
        "AC-6(10)",
        "Least privilege: no privileged functions for users",
    ),
    ci("AC-17", "Remote access"),
    // Audit and accountability
    ci("AU-2", "Event logging"),
    ci("AU-3", "Audit record content"),
    ci("AU-11", "Audit record retention"),
    ci("AU-12", "Audit record generation"),
    // Configuration management
    ci("CM-2", "Baseline configuration"),
    ci("CM-6", "Configuration settings"),
    ci("CM-7", "Least functionality"),
    ci("CM-7(5)", "Least functionality: allow-listed software"),
    ci("CM-14", "Signed components"),
    // Identification and authentication
    ci("IA-2", "User identification and authentication"),
    ci("IA-3", "Device identification and authentication"),
    ci("IA-4", "Identifier management"),
    ci("IA-5", "Authenticator management"),
    ci("IA-5(7)", "Authenticators: no embedded static secrets"),
    // Risk assessment
    ci("RA-5", "Vulnerability monitoring and scanning"),
    // System and services acquisition
    ci("SA-8", "Security engineering principles"),
    // System and communications protection
    ci("SC-2", "Separation of user and system functions"),
    ci("SC-3", "Security function isolation"),
    ci("SC-5", "Denial-of-service protection"),
    ci("SC-6", "Resource availability"),
    ci("SC-7", "Boundary protection"),
    ci("SC-7(5)", "Boundary protection: deny by default"),
    ci("SC-8", "Transmission confidentiality and integrity"),
    ci("SC-8(1)", "Transmission: cryptographic protection"),
    ci("SC-12", "Cryptographic key management"),
    ci("SC-13", "Cryptographic protection"),
    ci("SC-23", "Session authenticity"),
    ci("SC-28", "Protection of data at rest"),
    ci("SC-28(1)", "Data at rest: cryptographic protection"),
    ci("SC-39", "Process isolation"),
    // System and information integrity
    ci("SI-2", "Flaw remediation"),
    ci("SI-7", "Software and information integrity"),
    ci("SI-7(15)", "Integrity: code authentication"),
    ci("SI-16", "Memory protection"),
    // Supply chain risk management
    ci("SR-3", "Supply chain controls"),
    ci("SR-4", "Provenance"),
    ci("SR-11", "Component authenticity"),
];

/// No alternative spellings (IDs are compared ignoring case, spaces and dashes)
pub(crate) static ALIASES: &[(&str, &str)] = &[];
