//! MITRE ATT&CK techniques relevant to Kubernetes (Containers matrix and the techniques the
//! Microsoft Threat Matrix for Kubernetes maps to), by technique ID. Titles are our own short
//! descriptions. ATT&CK® is a registered trademark of The MITRE Corporation.

use crate::{ControlInfo, ci};

/// Techniques and sub-techniques, by ID
pub(crate) static CONTROLS: &[ControlInfo] = &[
    ci("T1021.004", "Remote login over SSH"),
    ci("T1036.005", "Look-alike names or locations"),
    ci("T1040", "Sniffing network traffic"),
    ci("T1046", "Scanning for network services"),
    ci("T1053.007", "Scheduled container jobs"),
    ci("T1055", "Injecting into other processes"),
    ci("T1057", "Listing running processes"),
    ci("T1059", "Running a command shell"),
    ci("T1068", "Exploiting a flaw to gain privilege"),
    ci("T1070", "Erasing traces of activity"),
    ci("T1078", "Abusing valid accounts"),
    ci("T1078.001", "Abusing default accounts"),
    ci("T1078.003", "Abusing local accounts"),
    ci("T1078.004", "Abusing cloud accounts"),
    ci("T1090", "Relaying traffic through a proxy"),
    ci("T1098", "Tampering with accounts"),
    ci("T1098.006", "Granting extra cluster roles"),
    ci("T1133", "Entering via exposed remote services"),
    ci("T1134", "Tampering with access tokens"),
    ci("T1190", "Exploiting an internet-facing app"),
    ci("T1195.002", "Tampered software supply chain"),
    ci("T1204.003", "Running a malicious image"),
    ci("T1210", "Exploiting internal services"),
    ci("T1485", "Destroying data"),
    ci("T1496", "Hijacking compute resources"),
    ci("T1498", "Flooding the network"),
    ci("T1499", "Exhausting endpoint resources"),
    ci("T1525", "Planting a backdoored image"),
    ci("T1528", "Stealing application tokens"),
    ci("T1530", "Reading data from cloud storage"),
    ci("T1543", "Creating or changing system services"),
    ci("T1543.005", "Persisting through container services"),
    ci("T1546", "Execution triggered by events"),
    ci("T1548.001", "Abusing setuid or setgid"),
    ci("T1548.003", "Abusing sudo"),
    ci("T1550.001", "Replaying stolen app tokens"),
    ci("T1552", "Harvesting unprotected credentials"),
    ci("T1552.001", "Credentials stored in files"),
    ci("T1552.004", "Stealing private keys"),
    ci("T1552.005", "Credentials from cloud metadata API"),
    ci("T1552.007", "Credentials via the container API"),
    ci("T1557", "Intercepting traffic in the middle"),
    ci("T1562.001", "Disabling security tooling"),
    ci("T1562.007", "Loosening cloud firewalls"),
    ci("T1562.008", "Disabling cloud logging"),
    ci("T1609", "Running commands via container admin"),
    ci("T1610", "Launching a new container"),
    ci("T1611", "Breaking out to the host"),
    ci("T1612", "Building an image on the host"),
    ci("T1613", "Discovering containers and resources"),
];

/// No alternative spellings (IDs are compared case-insensitively)
pub(crate) static ALIASES: &[(&str, &str)] = &[];
