//! `procMount_restricted` (restricted, policy 1.35+): the unconditional `procMount` rule, which
//! replaces the baseline check's user-namespace relaxation under the restricted level.

use super::{CheckDef, proc_mount};
use crate::Level;
use crate::registry::CheckInfo;

pub(crate) const CHECK: CheckDef = CheckDef {
    info: CheckInfo {
        id: "procMount_restricted",
        level: Level::Restricted,
        title: "/proc Mount Type",
        min_version: 35,
        versions: &[35],
        overrides: &["procMount"],
    },
    revisions: &[proc_mount::v1_0],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{expect_fail, expect_pass};
    use serde_json::json;

    #[test]
    fn ignores_user_namespaces() {
        let check = CHECK.revisions[0];
        let bad = json!({"spec": {"hostUsers": false, "containers": [
            {"name": "a", "securityContext": {"procMount": "Unmasked"}},
        ]}});
        expect_fail(
            check,
            &bad,
            "procMount",
            r#"container "a" must not set securityContext.procMount to "Unmasked""#,
        );
        let ok = json!({"spec": {"hostUsers": false, "containers": [
            {"name": "a", "securityContext": {"procMount": "Default"}},
        ]}});
        expect_pass(check, &ok);
    }
}
