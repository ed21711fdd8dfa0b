use std::fmt;
use std::str::FromStr;

/// A Pod Security Standards level, ordered from least to most strict
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// No restrictions
    Privileged,
    /// Prevents known privilege escalations
    Baseline,
    /// Current pod hardening best practice
    Restricted,
}

impl Level {
    /// Every level, least strict first
    pub const ALL: [Self; 3] = [Self::Privileged, Self::Baseline, Self::Restricted];

    /// The label value (`privileged`, `baseline`, `restricted`)
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Privileged => "privileged",
            Self::Baseline => "baseline",
            Self::Restricted => "restricted",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A level string that is not `privileged`, `baseline` or `restricted`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseLevelError {
    /// The rejected input
    pub input: String,
}

/// Upstream's wording (`api.ParseLevel`), reused in namespace label errors
pub(crate) const LEVEL_EXPECTATION: &str = "must be one of privileged, baseline, restricted";

impl fmt::Display for ParseLevelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid Pod Security level {:?}: {LEVEL_EXPECTATION}",
            self.input
        )
    }
}

impl std::error::Error for ParseLevelError {}

impl FromStr for Level {
    type Err = ParseLevelError;

    /// Exact, case-sensitive match, like the namespace labels
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "privileged" => Ok(Self::Privileged),
            "baseline" => Ok(Self::Baseline),
            "restricted" => Ok(Self::Restricted),
            _ => Err(ParseLevelError {
                input: s.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays() {
        for level in Level::ALL {
            assert_eq!(level.to_string().parse::<Level>(), Ok(level));
        }
        let err = "Baseline".parse::<Level>().unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"invalid Pod Security level "Baseline": must be one of privileged, baseline, restricted"#
        );
        assert!(Level::Restricted > Level::Baseline && Level::Baseline > Level::Privileged);
    }
}
