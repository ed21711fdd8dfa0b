//! Admission exemptions (the admission configuration's `exemptions`).

/// Requests that skip Pod Security evaluation entirely; every list is matched exactly
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exemptions {
    /// Authenticated usernames (e.g. a trusted controller's service account)
    pub usernames: Vec<String>,
    /// Namespaces
    pub namespaces: Vec<String>,
    /// Pod `runtimeClassName`s
    pub runtime_classes: Vec<String>,
}

impl Exemptions {
    /// Why a request is exempt — `"namespace"`, `"user"` or `"runtimeClass"`, the value of the
    /// `pod-security.kubernetes.io/exempt` audit annotation — checked in upstream's order.
    /// Empty strings (no user, cluster-scoped, no runtime class) never match.
    pub fn exempt(&self, user: &str, namespace: &str, runtime_class: &str) -> Option<&'static str> {
        let listed =
            |list: &[String], value: &str| !value.is_empty() && list.iter().any(|v| v == value);
        if listed(&self.namespaces, namespace) {
            Some("namespace")
        } else if listed(&self.usernames, user) {
            Some("user")
        } else if listed(&self.runtime_classes, runtime_class) {
            Some("runtimeClass")
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_exactly_in_upstream_order() {
        let ex = Exemptions {
            usernames: vec!["system:serviceaccount:kube-system:ctl".into()],
            namespaces: vec!["kube-system".into()],
            runtime_classes: vec!["kata".into()],
        };
        assert_eq!(
            ex.exempt(
                "system:serviceaccount:kube-system:ctl",
                "kube-system",
                "kata"
            ),
            Some("namespace")
        );
        assert_eq!(
            ex.exempt("system:serviceaccount:kube-system:ctl", "default", ""),
            Some("user")
        );
        assert_eq!(ex.exempt("alice", "default", "kata"), Some("runtimeClass"));
        assert_eq!(ex.exempt("alice", "Kube-System", "kata-fc"), None);
        assert_eq!(Exemptions::default().exempt("", "", ""), None);
    }
}
