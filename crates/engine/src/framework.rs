use std::fmt;

/// A compliance framework that checks produce evidence for
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Framework {
    /// CIS Kubernetes Benchmark v1.12 (section numbers as in kube-bench `cis-1.12`)
    Cis,
    /// NSA-CISA Kubernetes Hardening Guidance v1.2
    NsaCisa,
    /// MITRE ATT&CK, Containers matrix (technique IDs)
    MitreAttack,
    /// NIST SP 800-53 rev. 5 (control IDs)
    Nist80053,
    /// NIST SP 800-190 Application Container Security Guide (section numbers)
    Nist800190,
    /// PCI DSS v4.0 (requirement numbers)
    PciDss,
    /// SOC 2 Trust Services Criteria (criteria IDs)
    Soc2,
    /// HIPAA Security Rule, 45 CFR 164 (paragraph references)
    Hipaa,
    /// Kubernetes Pod Security Standards (control names)
    Pss,
}

impl Framework {
    /// Every framework, in report order
    pub const ALL: [Self; 9] = [
        Self::Cis,
        Self::NsaCisa,
        Self::MitreAttack,
        Self::Nist80053,
        Self::Nist800190,
        Self::PciDss,
        Self::Soc2,
        Self::Hipaa,
        Self::Pss,
    ];

    /// Stable identifier used on the command line and in outputs
    pub fn id(self) -> &'static str {
        match self {
            Self::Cis => "cis-1.12",
            Self::NsaCisa => "nsa-cisa-1.2",
            Self::MitreAttack => "mitre-attack",
            Self::Nist80053 => "nist-800-53",
            Self::Nist800190 => "nist-800-190",
            Self::PciDss => "pci-dss-4.0",
            Self::Soc2 => "soc2",
            Self::Hipaa => "hipaa",
            Self::Pss => "pss",
        }
    }

    /// Human title
    pub fn title(self) -> &'static str {
        match self {
            Self::Cis => "CIS Kubernetes Benchmark v1.12",
            Self::NsaCisa => "NSA-CISA Kubernetes Hardening Guidance v1.2",
            Self::MitreAttack => "MITRE ATT&CK (Containers)",
            Self::Nist80053 => "NIST SP 800-53 rev. 5",
            Self::Nist800190 => "NIST SP 800-190",
            Self::PciDss => "PCI DSS v4.0",
            Self::Soc2 => "SOC 2 Trust Services Criteria",
            Self::Hipaa => "HIPAA Security Rule",
            Self::Pss => "Kubernetes Pod Security Standards",
        }
    }

    /// Look a framework up by its [`id`](Self::id) or a short alias (`cis`, `nsa`, `mitre`, …)
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.to_ascii_lowercase();
        Self::ALL.into_iter().find(|f| {
            f.id() == s
                || match f {
                    Self::Cis => s == "cis",
                    Self::NsaCisa => s == "nsa" || s == "nsa-cisa",
                    Self::MitreAttack => s == "mitre" || s == "attack",
                    Self::Nist80053 => s == "nist" || s == "800-53",
                    Self::Nist800190 => s == "800-190",
                    Self::PciDss => s == "pci" || s == "pci-dss",
                    Self::Soc2 | Self::Hipaa | Self::Pss => false,
                }
        })
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One control of a framework, by ID only (never the framework's own text)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Control {
    /// The framework
    pub framework: Framework,
    /// The control's ID within it, e.g. `5.2.2`, `T1611`, `AC-6`
    pub id: &'static str,
}

impl Control {
    /// A control reference
    pub const fn new(framework: Framework, id: &'static str) -> Self {
        Self { framework, id }
    }
}

impl fmt::Display for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.framework.id(), self.id)
    }
}
