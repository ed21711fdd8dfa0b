use super::*;
use palisade_engine::{Finding, RuleInfo, Severity, Suppression};
use palisade_model::ResourceRef;
use palisade_source::{Position, SourceFile};
use std::borrow::Cow;
use std::collections::HashSet;

// ---------------------------------------------------------------------------------------------
// Catalogs

#[test]
fn every_framework_has_a_catalog() {
    let all: Vec<_> = all_frameworks().collect();
    assert_eq!(all.len(), Framework::ALL.len());
    for (f, list) in all {
        assert!(!list.is_empty(), "{f} has no controls");
        assert_eq!(list, controls(f));
    }
}

#[test]
fn ids_are_unique_and_titles_short_and_present() {
    for (f, list) in all_frameworks() {
        let mut seen = HashSet::new();
        for c in list {
            assert!(seen.insert(c.id), "{f}: duplicate ID {}", c.id);
            assert!(
                !c.id.is_empty() && c.id.trim() == c.id,
                "{f}: bad ID `{}`",
                c.id
            );
            assert!(!c.title.trim().is_empty(), "{f}:{} has no title", c.id);
            assert_eq!(
                c.title.trim(),
                c.title,
                "{f}:{} title has stray spaces",
                c.id
            );
            assert!(
                c.title.chars().count() <= 60,
                "{f}:{} title is not short: `{}`",
                c.id,
                c.title
            );
        }
        // IDs must stay distinct under the lenient lookup too
        for (i, a) in list.iter().enumerate() {
            for b in &list[i + 1..] {
                assert!(
                    !loose_eq(a.id, b.id),
                    "{f}: `{}` and `{}` collide",
                    a.id,
                    b.id
                );
            }
        }
    }
}

#[test]
fn aliases_point_at_catalog_ids_and_shadow_nothing() {
    for f in Framework::ALL {
        let list = controls(f);
        let mut seen = HashSet::new();
        for (alias, target) in aliases(f) {
            assert!(
                list.iter().any(|c| c.id == *target),
                "{f}: alias `{alias}` targets unknown `{target}`"
            );
            assert!(
                !list.iter().any(|c| loose_eq(c.id, alias)),
                "{f}: alias `{alias}` is a catalog ID"
            );
            assert!(
                seen.insert(alias.to_ascii_lowercase()),
                "{f}: alias `{alias}` twice"
            );
        }
    }
}

/// Numeric components of a dotted ID (`7.2.5.1` → [7, 2, 5, 1])
fn dotted(id: &str) -> Vec<u32> {
    id.split('.')
        .map(|p| {
            p.parse()
                .unwrap_or_else(|_| panic!("`{id}` is not dotted-numeric"))
        })
        .collect()
}

#[test]
fn cis_lists_all_131_kube_bench_1_12_controls_in_order() {
    let list = controls(Framework::Cis);
    assert_eq!(list.len(), 131);
    let ids: Vec<Vec<u32>> = list.iter().map(|c| dotted(c.id)).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "CIS controls out of order"
    );
    // (section, number of controls): numbering within each section is 1..=n with no gaps
    let sections: &[(&[u32], u32)] = &[
        (&[1, 1], 21),
        (&[1, 2], 30),
        (&[1, 3], 7),
        (&[1, 4], 2),
        (&[2], 7),
        (&[3, 1], 3),
        (&[3, 2], 2),
        (&[4, 1], 10),
        (&[4, 2], 14),
        (&[4, 3], 1),
        (&[5, 1], 13),
        (&[5, 2], 12),
        (&[5, 3], 2),
        (&[5, 4], 2),
        (&[5, 5], 1),
        (&[5, 6], 4),
    ];
    let mut total = 0;
    for (section, n) in sections {
        let nums: Vec<u32> = ids
            .iter()
            .filter(|id| id.len() == section.len() + 1 && id.starts_with(section))
            .map(|id| id[section.len()])
            .collect();
        assert_eq!(
            nums,
            (1..=*n).collect::<Vec<_>>(),
            "CIS section {section:?}"
        );
        total += nums.len();
    }
    assert_eq!(total, 131);
}

#[test]
fn id_formats() {
    let digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
    for c in controls(Framework::MitreAttack) {
        let (tech, sub) = c.id.split_once('.').unwrap_or((c.id, "000"));
        assert!(
            tech.strip_prefix('T').is_some_and(|n| digits(n, 4)) && digits(sub, 3),
            "{}",
            c.id
        );
    }
    let attack: Vec<_> = controls(Framework::MitreAttack)
        .iter()
        .map(|c| c.id)
        .collect();
    assert!(
        attack.windows(2).all(|w| w[0] < w[1]),
        "ATT&CK not sorted by ID"
    );

    for c in controls(Framework::Nist80053) {
        let (family, rest) = c.id.split_once('-').unwrap_or_else(|| panic!("{}", c.id));
        assert!(family.len() == 2 && family.chars().all(|ch| ch.is_ascii_uppercase()));
        let (num, enh) = match rest.split_once('(') {
            Some((n, e)) => (n, e.strip_suffix(')').unwrap_or_else(|| panic!("{}", c.id))),
            None => (rest, "1"),
        };
        assert!(
            num.parse::<u32>().is_ok() && enh.parse::<u32>().is_ok(),
            "{}",
            c.id
        );
    }

    let pci: Vec<Vec<u32>> = controls(Framework::PciDss)
        .iter()
        .map(|c| dotted(c.id))
        .collect();
    assert!(pci.windows(2).all(|w| w[0] < w[1]), "PCI DSS out of order");

    for c in controls(Framework::Soc2) {
        let (series, num) = c.id.split_once('.').unwrap_or_else(|| panic!("{}", c.id));
        assert!(
            ["CC1", "CC6", "CC7", "CC8", "A1", "C1"].contains(&series),
            "{}",
            c.id
        );
        assert!(num.parse::<u32>().is_ok(), "{}", c.id);
    }

    for c in controls(Framework::Hipaa) {
        assert!(
            c.id.starts_with("164.308(") || c.id.starts_with("164.312("),
            "{}",
            c.id
        );
        assert!(c.id.ends_with(')'), "{}", c.id);
    }

    for c in controls(Framework::NsaCisa) {
        assert!(c.id.starts_with("NSA-"), "{}", c.id);
    }
}

#[test]
fn nist_800_190_lists_each_risk_with_its_countermeasure() {
    let list = controls(Framework::Nist800190);
    let ids: HashSet<&str> = list.iter().map(|c| c.id).collect();
    let risks: Vec<&str> = list
        .iter()
        .map(|c| c.id)
        .filter(|id| id.starts_with("4."))
        .collect();
    assert_eq!(risks.len(), 23);
    for risk in risks {
        let counter = format!("5.{}", &risk[2..]);
        assert!(ids.contains(counter.as_str()), "{risk} has no {counter}");
    }
    assert_eq!(list.len(), 46);
    let order: Vec<Vec<u32>> = list.iter().map(|c| dotted(c.id)).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn pss_lists_the_upstream_check_ids() {
    let ids: Vec<&str> = controls(Framework::Pss).iter().map(|c| c.id).collect();
    assert_eq!(
        ids,
        [
            "appArmorProfile",
            "capabilities_baseline",
            "hostNamespaces",
            "hostPathVolumes",
            "hostPorts",
            "hostProbesAndHostLifecycle",
            "privileged",
            "procMount",
            "seccompProfile_baseline",
            "seLinuxOptions",
            "sysctls",
            "windowsHostProcess",
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "procMount_restricted",
            "restrictedVolumes",
            "runAsNonRoot",
            "runAsUser",
            "seccompProfile_restricted",
        ]
    );
}

/// Every control ID the design catalog (`check-catalog.md` §2, Appendix D, Appendix F) uses, so a
/// check copying a reference from it always validates
const DESIGN_REFERENCES: &[(Framework, &[&str])] = &[
    (
        Framework::Cis,
        &[
            "1.1.1", "1.1.8", "1.1.9", "1.1.10", "1.1.11", "1.1.12", "1.1.13", "1.1.14", "1.1.15",
            "1.1.18", "1.1.19", "1.1.21", "1.2.1", "1.2.3", "1.2.11", "1.2.17", "1.2.19", "1.2.23",
            "1.2.26", "1.2.27", "1.2.28", "1.2.29", "1.2.30", "1.3.1", "1.3.7", "1.4.1", "1.4.2",
            "2.1", "2.7", "3.1.1", "3.1.2", "3.1.3", "3.2.1", "3.2.2", "4.1.1", "4.1.10", "4.2.1",
            "4.2.10", "4.2.11", "4.2.14", "4.3.1", "5.1.1", "5.1.13", "5.2.1", "5.2.9", "5.2.10",
            "5.2.11", "5.2.12", "5.2.13", "5.3.1", "5.3.2", "5.4.1", "5.4.2", "5.5.1", "5.6.1",
            "5.6.2", "5.6.3", "5.6.4", "5.7.1", "5.7.2", "5.7.3", "5.7.4",
        ],
    ),
    (
        Framework::NsaCisa,
        &[
            "NSA-POD-NONROOT",
            "NSA-POD-IMMUTABLE",
            "NSA-POD-IMAGES",
            "NSA-POD-PSA",
            "NSA-POD-SATOKEN",
            "NSA-POD-HARDEN",
            "NSA-NET-NS",
            "NSA-NET-NETPOL",
            "NSA-NET-RESPOL",
            "NSA-NET-CP",
            "NSA-NET-WORKER",
            "NSA-NET-ENC",
            "NSA-NET-SECRETS",
            "NSA-NET-CLOUD",
            "NSA-AUTH-AUTHN",
            "NSA-AUTH-RBAC",
            "NSA-LOG",
            "NSA-UPGRADE",
        ],
    ),
    (
        Framework::MitreAttack,
        &[
            "T1021.004",
            "T1036.005",
            "T1040",
            "T1046",
            "T1053.007",
            "T1055",
            "T1057",
            "T1059",
            "T1068",
            "T1070",
            "T1078",
            "T1078.001",
            "T1078.003",
            "T1078.004",
            "T1090",
            "T1098",
            "T1098.006",
            "T1133",
            "T1134",
            "T1190",
            "T1195.002",
            "T1204.003",
            "T1210",
            "T1485",
            "T1496",
            "T1498",
            "T1499",
            "T1525",
            "T1528",
            "T1530",
            "T1543",
            "T1543.005",
            "T1546",
            "T1548.001",
            "T1548.003",
            "T1550.001",
            "T1552",
            "T1552.001",
            "T1552.004",
            "T1552.005",
            "T1552.007",
            "T1557",
            "T1562.001",
            "T1562.007",
            "T1562.008",
            "T1609",
            "T1610",
            "T1611",
            "T1613",
        ],
    ),
    (
        Framework::Nist80053,
        &[
            "AC-2", "AC-3", "AC-4", "AC-5", "AC-6", "AC-6(1)", "AC-6(5)", "AC-6(7)", "AC-6(10)",
            "AC-17", "AU-2", "AU-3", "AU-11", "AU-12", "CM-2", "CM-6", "CM-7", "CM-7(5)", "CM-14",
            "IA-2", "IA-3", "IA-4", "IA-5", "IA-5(7)", "RA-5", "SA-8", "SC-2", "SC-3", "SC-5",
            "SC-6", "SC-7", "SC-7(5)", "SC-8", "SC-8(1)", "SC-12", "SC-13", "SC-23", "SC-28",
            "SC-28(1)", "SC-39", "SI-2", "SI-7", "SI-7(15)", "SI-16", "SR-3", "SR-4", "SR-11",
        ],
    ),
    (
        Framework::Nist800190,
        &[
            "4.1.1", "4.1.2", "4.1.3", "4.1.4", "4.1.5", "4.2.1", "4.2.2", "4.2.3", "4.3.1",
            "4.3.2", "4.3.3", "4.3.4", "4.3.5", "4.4.2", "4.4.3", "4.4.5", "4.5.1", "4.5.2",
            "4.5.3", "4.5.4", "4.5.5", "5.1.1", "5.1.4", "5.1.5", "5.3.1", "5.3.2", "5.3.3",
            "5.3.4", "5.3.5", "5.4.2", "5.4.3", "5.4.5", "5.5.2", "5.5.4", "5.5.5",
        ],
    ),
    (
        Framework::PciDss,
        &[
            "1.2.1", "1.2.5", "1.3.1", "1.3.2", "1.4.1", "1.4.2", "2.2.1", "2.2.3", "2.2.4",
            "2.2.5", "2.2.6", "2.2.7", "3.5.1", "3.6.1", "3.7.1", "4.2.1", "6.3.1", "6.3.2",
            "6.3.3", "7.2.1", "7.2.2", "7.2.4", "7.2.5", "7.2.5.1", "7.3.1", "7.3.3", "8.2.1",
            "8.2.2", "8.3.1", "8.3.2", "8.6.2", "8.6.3", "10.2.1", "10.2.2", "10.5.1", "11.3.1",
            "11.5.2",
        ],
    ),
    (
        Framework::Soc2,
        &[
            "CC1.1", "CC6.1", "CC6.2", "CC6.3", "CC6.6", "CC6.7", "CC6.8", "CC7.1", "CC7.2",
            "CC8.1", "A1.1", "A1.2", "C1.1",
        ],
    ),
    (
        Framework::Hipaa,
        &[
            "164.308(a)(1)(ii)(A)",
            "164.308(a)(1)(ii)(B)",
            "164.308(a)(4)(ii)(B)",
            "164.308(a)(4)(ii)(C)",
            "164.308(a)(5)(ii)(B)",
            "164.308(a)(7)",
            "164.312(a)(1)",
            "164.312(a)(2)(i)",
            "164.312(a)(2)(iv)",
            "164.312(b)",
            "164.312(c)(1)",
            "164.312(d)",
            "164.312(e)(1)",
            "164.312(e)(2)(ii)",
        ],
    ),
];

#[test]
fn every_design_catalog_reference_resolves() {
    for (f, ids) in DESIGN_REFERENCES {
        for id in *ids {
            assert!(
                control(Control::new(*f, id)).is_some(),
                "{f}: `{id}` not in catalog"
            );
        }
    }
}

#[test]
fn displayed_controls_resolve_to_themselves() {
    for (f, list) in all_frameworks() {
        for (i, c) in list.iter().enumerate() {
            let shown = Control::new(f, c.id).to_string();
            assert_eq!(resolve(f, &shown), Some(i), "`{shown}`");
            assert_eq!(resolve(f, c.id), Some(i));
            assert_eq!(
                resolve(f, &c.id.to_ascii_lowercase()),
                Some(i),
                "{f}:{}",
                c.id
            );
        }
    }
}

fn resolves_to(f: Framework, reference: &str, id: &str) {
    let got = resolve(f, reference)
        .and_then(|i| controls(f).get(i))
        .map(|c| c.id);
    assert_eq!(got, Some(id), "{f}: `{reference}`");
}

#[test]
fn lookup_accepts_aliases_and_prefixes() {
    use Framework::*;
    resolves_to(Pss, "hostNetwork", "hostNamespaces");
    resolves_to(Pss, "host-path-volumes", "hostPathVolumes");
    resolves_to(Pss, "capabilities", "capabilities_baseline");
    resolves_to(Pss, "restricted:capabilities", "capabilities_restricted");
    resolves_to(
        Pss,
        "PSS:restricted:seccompProfile",
        "seccompProfile_restricted",
    );
    resolves_to(Pss, "baseline/seccomp", "seccompProfile_baseline");
    resolves_to(Pss, "restricted:procMount", "procMount_restricted");
    resolves_to(Pss, "baseline:privileged", "privileged");
    resolves_to(Pss, "restricted:privileged", "privileged");
    resolves_to(Pss, "PSS-privileged", "privileged");
    resolves_to(Pss, "hostProcess", "windowsHostProcess");
    resolves_to(Pss, "restricted-volumes", "restrictedVolumes");
    resolves_to(Pss, "volumeTypes", "restrictedVolumes");
    resolves_to(Cis, "CIS-K8S-1.12:1.2.1", "1.2.1");
    resolves_to(Cis, "cis-1.12:5.2.2", "5.2.2");
    resolves_to(Cis, "5.7.3", "5.6.3");
    resolves_to(Cis, "5.2.13", "5.2.12");
    resolves_to(NsaCisa, "POD-PSA", "NSA-POD-PSA");
    resolves_to(NsaCisa, "nsa-net-netpol", "NSA-NET-NETPOL");
    resolves_to(MitreAttack, "t1552.001", "T1552.001");
    resolves_to(Nist80053, "ac-6 (10)", "AC-6(10)");
    resolves_to(Nist800190, "800-190:4.4.3", "4.4.3");
    resolves_to(PciDss, "PCI-DSS-4.0:7.2.5", "7.2.5");
    resolves_to(Soc2, "cc6.1", "CC6.1");
    resolves_to(Hipaa, "45 CFR 164.312(b)", "164.312(b)");
    resolves_to(Hipaa, "§164.312(a)(1)", "164.312(a)(1)");

    for (f, id) in [
        (Cis, "5.2.14"),
        (Cis, "5.7.5"),
        (Cis, "1.12"),
        (Pss, "baseline:"),
        (Pss, "restricted"),
        (Pss, ""),
        (NsaCisa, "NSA-POD"),
        (MitreAttack, "T1611.001"),
        (Nist80053, "AC-6(2)"),
        (PciDss, "7.2.x"),
        (Soc2, "CC9.9"),
        (Hipaa, "164.312"),
    ] {
        assert_eq!(resolve(f, id), None, "{f}: `{id}` should not resolve");
    }
    // a control of one framework is not one of another
    assert!(control(Control::new(Soc2, "5.2.2")).is_none());
    assert_eq!(
        canonical(Control::new(Pss, "hostPID")),
        Some(Control::new(Pss, "hostNamespaces"))
    );
    assert_eq!(canonical(Control::new(Pss, "nope")), None);
}

// ---------------------------------------------------------------------------------------------
// Scoring

fn rule(id: &'static str, controls: &'static [Control]) -> RuleInfo {
    RuleInfo {
        id: Cow::Borrowed(id),
        name: Cow::Borrowed(id),
        title: Cow::Borrowed(id),
        severity: Severity::High,
        doc: Cow::Borrowed(""),
        remediation: Cow::Borrowed(""),
        tags: &[],
        controls,
    }
}

fn finding(rule: &RuleInfo, suppressed: bool) -> Finding {
    Finding {
        rule_id: rule.id.clone(),
        rule_name: rule.name.clone(),
        severity: rule.severity,
        message: "bad".into(),
        resource: ResourceRef {
            api_version: "v1".into(),
            kind: "Pod".into(),
            name: "p".into(),
            namespace: Some("default".into()),
        }
        .into(),
        file: SourceFile::new("pod.yaml", "kind: Pod\n"),
        position: Position { line: 1, column: 1 },
        pointer: "/kind".into(),
        remediation: rule.remediation.clone(),
        controls: rule.controls,
        tags: rule.tags,
        suppressed: suppressed.then(|| Suppression::Annotation {
            reason: "accepted".into(),
        }),
    }
}

const PRIV: &[Control] = &[
    Control::new(Framework::Pss, "privileged"),
    Control::new(Framework::Cis, "5.2.2"),
    Control::new(Framework::Soc2, "CC6.1"),
];
const HOSTNET: &[Control] = &[
    // an alias and its catalog ID: one control, counted once per finding
    Control::new(Framework::Pss, "hostNetwork"),
    Control::new(Framework::Pss, "hostNamespaces"),
    Control::new(Framework::Cis, "5.2.5"),
];
const SECCOMP: &[Control] = &[
    Control::new(Framework::Pss, "seccompProfile_restricted"),
    Control::new(Framework::Cis, "5.7.2"),
];
const BOGUS: &[Control] = &[
    Control::new(Framework::Pss, "notAControl"),
    Control::new(Framework::Cis, "9.9.9"),
    Control::new(Framework::Cis, "5.2.2"),
];

fn status(report: &ComplianceReport, id: &str) -> ControlStatus {
    report
        .get(id)
        .unwrap_or_else(|| panic!("{id} not in report"))
        .status
}

#[test]
fn not_covered_passing_and_failing() {
    let rules = [
        rule("POD-001", PRIV),
        rule("POD-004", HOSTNET),
        rule("PSR-004", SECCOMP),
    ];
    let findings = [finding(&rules[0], false), finding(&rules[0], false)];
    let report = score(Framework::Pss, &rules, &findings);

    assert_eq!(report.framework, Framework::Pss);
    assert_eq!(report.controls.len(), controls(Framework::Pss).len());
    let ids: Vec<_> = report.controls.iter().map(|c| c.id).collect();
    let catalog: Vec<_> = controls(Framework::Pss).iter().map(|c| c.id).collect();
    assert_eq!(ids, catalog, "report keeps catalog order");

    let privileged = report.get("privileged").expect("listed");
    assert_eq!(privileged.status, ControlStatus::Failing);
    assert_eq!(privileged.failing_findings, 2);
    assert_eq!(privileged.rules, ["POD-001"]);
    assert!(!privileged.title.is_empty());

    let hostns = report.get("hostNamespaces").expect("listed");
    assert_eq!(hostns.status, ControlStatus::Passing);
    assert_eq!(hostns.rules, ["POD-004"]);
    assert_eq!(
        status(&report, "seccompProfile_restricted"),
        ControlStatus::Passing
    );

    // nothing ran for these: not covered, never passing
    assert_eq!(status(&report, "runAsUser"), ControlStatus::NotCovered);
    assert!(report.get("runAsUser").is_some_and(|c| c.rules.is_empty()));

    assert_eq!((report.passing, report.failing), (2, 1));
    assert_eq!(report.not_covered, controls(Framework::Pss).len() - 3);
    assert_eq!(report.covered(), 3);
    let pct = report.score_percent().expect("something covered");
    assert!((pct - 200.0 / 3.0).abs() < 1e-9, "{pct}");
    assert!(report.unknown_controls.is_empty());
}

#[test]
fn suppressed_findings_do_not_fail_a_control() {
    let rules = [rule("POD-001", PRIV)];
    let findings = [finding(&rules[0], true)];
    let report = score(Framework::Cis, &rules, &findings);
    let c = report.get("5.2.2").expect("listed");
    assert_eq!(c.status, ControlStatus::Passing);
    assert_eq!((c.failing_findings, c.suppressed_findings), (0, 1));
    assert_eq!(report.score_percent(), Some(100.0));

    // one active finding among suppressed ones fails it
    let findings = [finding(&rules[0], true), finding(&rules[0], false)];
    let report = score(Framework::Cis, &rules, &findings);
    let c = report.get("5.2.2").expect("listed");
    assert_eq!(c.status, ControlStatus::Failing);
    assert_eq!((c.failing_findings, c.suppressed_findings), (1, 1));
    assert_eq!(report.score_percent(), Some(0.0));
}

#[test]
fn cis_report_shows_every_control_and_follows_aliases() {
    let rules = [rule("POD-001", PRIV), rule("PSR-004", SECCOMP)];
    let report = score(Framework::Cis, &rules, &[]);
    assert_eq!(report.controls.len(), 131);
    assert_eq!(report.passing + report.failing + report.not_covered, 131);
    assert_eq!(status(&report, "5.2.2"), ControlStatus::Passing);
    // referenced as kubescape's 5.7.2: counts for kube-bench 5.6.2
    assert_eq!(status(&report, "5.6.2"), ControlStatus::Passing);
    assert_eq!(report.passing, 2);
    assert_eq!(status(&report, "1.1.1"), ControlStatus::NotCovered);
    assert!(report.get("5.7.2").is_none());
}

#[test]
fn nothing_covered_has_no_score() {
    let report = score(Framework::Hipaa, &[], &[]);
    assert_eq!(report.score_percent(), None);
    assert_eq!(report.not_covered, controls(Framework::Hipaa).len());
    assert!(
        report
            .controls
            .iter()
            .all(|c| c.status == ControlStatus::NotCovered)
    );

    // rules that map only to other frameworks do not cover anything here
    let rules = [rule("POD-004", HOSTNET)];
    let report = score(Framework::Hipaa, &rules, &[finding(&rules[0], false)]);
    assert_eq!(report.covered(), 0);
    assert_eq!(report.score_percent(), None);
}

#[test]
fn unknown_controls_are_reported_not_dropped() {
    let rules = [rule("X-001", BOGUS)];
    let findings = [finding(&rules[0], false), finding(&rules[0], false)];
    let report = score(Framework::Cis, &rules, &findings);
    assert_eq!(
        report.unknown_controls,
        [Control::new(Framework::Cis, "9.9.9")]
    );
    assert_eq!(status(&report, "5.2.2"), ControlStatus::Failing);

    let report = score(Framework::Pss, &rules, &findings);
    assert_eq!(
        report.unknown_controls,
        [Control::new(Framework::Pss, "notAControl")]
    );
    assert_eq!(report.covered(), 0);
}

#[test]
fn findings_count_once_per_control_and_name_their_rule() {
    let rules = [rule("POD-004", HOSTNET)];
    // the finding maps to hostNamespaces twice (alias + ID): one failing finding
    let report = score(Framework::Pss, &rules, &[finding(&rules[0], false)]);
    let c = report.get("hostNamespaces").expect("listed");
    assert_eq!((c.status, c.failing_findings), (ControlStatus::Failing, 1));

    // a finding whose rule is missing from `rules` still fails its control, naming the rule
    let report = score(Framework::Pss, &[], &[finding(&rules[0], false)]);
    let c = report.get("hostNamespaces").expect("listed");
    assert_eq!(c.status, ControlStatus::Failing);
    assert_eq!(c.rules, ["POD-004"]);

    // the same rule listed twice is named once
    let twice = [rule("POD-004", HOSTNET), rule("POD-004", HOSTNET)];
    let report = score(Framework::Pss, &twice, &[]);
    assert_eq!(report.get("hostNamespaces").map(|c| c.rules.len()), Some(1));
}

#[test]
fn status_strings() {
    assert_eq!(ControlStatus::Passing.to_string(), "passing");
    assert_eq!(ControlStatus::Failing.as_str(), "failing");
    assert_eq!(ControlStatus::NotCovered.as_str(), "not-covered");
}
