use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// Newest policy minor version any check has a revision for (`sysctls` v1.37).
///
/// `latest` and every newer `v1.N` evaluate as this version, as upstream's registry clamps to
/// the highest `MinimumVersion` it knows.
pub const NEWEST_MINOR: u32 = 37;

/// A Pod Security policy version: `latest` or `v1.N`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// Always the newest policy
    Latest,
    /// A pinned `v1.N` policy (N is the minor)
    V1(u32),
}

impl Version {
    /// The policy minor version that is actually evaluated: newer than known clamps down
    pub fn clamped_minor(self) -> u32 {
        match self {
            Self::Latest => NEWEST_MINOR,
            Self::V1(minor) => minor.min(NEWEST_MINOR),
        }
    }

    /// The pinned version that is actually evaluated (`latest` → `v1.37`)
    pub fn clamped(self) -> Self {
        Self::V1(self.clamped_minor())
    }
}

impl Ord for Version {
    /// `latest` is newer than every pinned version, even future ones (upstream `Version.Older`)
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Latest, Self::Latest) => Ordering::Equal,
            (Self::Latest, Self::V1(_)) => Ordering::Greater,
            (Self::V1(_), Self::Latest) => Ordering::Less,
            (Self::V1(a), Self::V1(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Latest => f.write_str("latest"),
            Self::V1(minor) => write!(f, "v1.{minor}"),
        }
    }
}

/// A version string that is neither `latest` nor `v1.N`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseVersionError {
    /// The rejected input
    pub input: String,
}

/// Upstream's wording (`api.ParseVersion`), reused in namespace label errors
pub(crate) const VERSION_EXPECTATION: &str = r#"must be "latest" or "v1.x""#;

impl fmt::Display for ParseVersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid Pod Security version {:?}: {VERSION_EXPECTATION}",
            self.input
        )
    }
}

impl std::error::Error for ParseVersionError {}

impl FromStr for Version {
    type Err = ParseVersionError;

    /// `latest`, or `v1.` followed by `0` or a number without leading zeros (upstream's
    /// `^v1\.([0-9]|[1-9][0-9]*)$`)
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "latest" {
            return Ok(Self::Latest);
        }
        let err = || ParseVersionError {
            input: s.to_owned(),
        };
        let digits = s.strip_prefix("v1.").ok_or_else(err)?;
        let well_formed = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        if !well_formed {
            return Err(err());
        }
        digits.parse::<u32>().map(Self::V1).map_err(|_| err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_upstream() {
        for (text, want) in [
            ("latest", Version::Latest),
            ("v1.0", Version::V1(0)),
            ("v1.1", Version::V1(1)),
            ("v1.20", Version::V1(20)),
            ("v1.10000", Version::V1(10000)),
        ] {
            assert_eq!(text.parse::<Version>(), Ok(want), "{text}");
            assert_eq!(want.to_string(), text);
        }
        for bad in [
            "foo", "", "v2.0", "v1", "1.1", "v1.", "v1.01", "v1.-1", "v1.+1", "Latest",
        ] {
            assert!(bad.parse::<Version>().is_err(), "{bad}");
        }
    }

    #[test]
    fn clamps_and_orders() {
        assert_eq!(Version::Latest.clamped_minor(), NEWEST_MINOR);
        assert_eq!(Version::V1(99).clamped_minor(), NEWEST_MINOR);
        assert_eq!(Version::V1(3).clamped_minor(), 3);
        assert_eq!(Version::Latest.clamped(), Version::V1(NEWEST_MINOR));
        assert!(Version::Latest > Version::V1(1000));
        assert!(Version::V1(2) < Version::V1(10));
    }
}
