//! HIPAA Security Rule (45 CFR Part 164, Subpart C) standards and implementation specifications
//! that Kubernetes checks evidence, by paragraph reference.

use crate::{ControlInfo, ci};

/// Paragraphs, in CFR order (administrative §164.308, then technical §164.312)
pub(crate) static CONTROLS: &[ControlInfo] = &[
    ci("164.308(a)(1)(ii)(A)", "Risk analysis"),
    ci("164.308(a)(1)(ii)(B)", "Risk management"),
    ci("164.308(a)(4)(ii)(B)", "Access authorization"),
    ci(
        "164.308(a)(4)(ii)(C)",
        "Access establishment and modification",
    ),
    ci("164.308(a)(5)(ii)(B)", "Protection from malicious software"),
    ci("164.308(a)(7)", "Contingency plan"),
    ci("164.312(a)(1)", "Access control"),
    ci("164.312(a)(2)(i)", "Unique user identification"),
    ci("164.312(a)(2)(iv)", "Encryption and decryption"),
    ci("164.312(b)", "Audit controls"),
    ci("164.312(c)(1)", "Integrity"),
    ci("164.312(d)", "Person or entity authentication"),
    ci("164.312(e)(1)", "Transmission security"),
    ci("164.312(e)(2)(ii)", "Encryption in transit"),
];

/// No alternative spellings (a leading `45 CFR` or `§` is ignored by the lookup)
pub(crate) static ALIASES: &[(&str, &str)] = &[];
