//! A small fixed report every renderer test uses

use crate::{Format, RenderOptions, ScanReport};
use palisade_engine::{Control, Finding, Framework, RuleInfo, Severity, Suppression};
use palisade_frameworks::{ComplianceReport, ControlScore, ControlStatus};
use palisade_model::ResourceRef;
use palisade_source::{Diagnostic, Position, SourceFile};
use std::borrow::Cow;
use std::sync::Arc;

pub(crate) const DEPLOY: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
spec:
  template:
    spec:
      containers:
      - name: app
        securityContext:
          privileged: true
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: prod
  annotations:
    ignore.palisade.dev/POD-002: legacy & <ok>
spec:
  template:
    spec:
      hostPID: true
";

pub(crate) const NAMESPACE: &str = "\
apiVersion: v1
kind: Namespace
metadata:
  name: prod
  labels:
    team: \"a<b>&c\"
";

pub(crate) const POD: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: dev
spec:
  containers:
  - name: c
    image: nginx:latest
";

static POD1_CONTROLS: [Control; 2] = [
    Control::new(Framework::Cis, "5.2.2"),
    Control::new(Framework::Pss, "privileged"),
];
static POD2_CONTROLS: [Control; 1] = [Control::new(Framework::Cis, "5.2.3")];
static NET_CONTROLS: [Control; 1] = [Control::new(Framework::NsaCisa, "NSA-NET")];

/// Where `needle` first starts in `text` (1-based line and column)
pub(crate) fn pos_of(text: &str, needle: &str) -> Position {
    for (i, line) in text.lines().enumerate() {
        if let Some(byte) = line.find(needle) {
            return Position {
                line: u32::try_from(i + 1).unwrap(),
                column: u32::try_from(line[..byte].chars().count() + 1).unwrap(),
            };
        }
    }
    panic!("{needle} not in text");
}

fn rule(
    id: &'static str,
    name: &'static str,
    title: &'static str,
    severity: Severity,
    tags: &'static [&'static str],
    controls: &'static [Control],
) -> RuleInfo {
    RuleInfo {
        id: Cow::Borrowed(id),
        name: Cow::Borrowed(name),
        title: Cow::Borrowed(title),
        severity,
        doc: Cow::Owned(format!(
            " ## What it checks\n {title}.\n\n ## Example\n ```yaml\n x: 1\n ```\n"
        )),
        remediation: Cow::Owned(format!("fix {name}")),
        tags,
        controls,
    }
}

fn rref(api: &str, kind: &str, name: &str, ns: Option<&str>) -> ResourceRef {
    ResourceRef {
        api_version: api.to_owned(),
        kind: kind.to_owned(),
        name: name.to_owned(),
        namespace: ns.map(str::to_owned),
    }
}

pub(crate) struct Fixture {
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
    pub rules: Vec<RuleInfo>,
    pub compliance: ComplianceReport,
}

impl Fixture {
    pub(crate) fn new() -> Self {
        let rules = vec![
            rule(
                "POD-001",
                "privileged-container",
                "Container runs privileged",
                Severity::Critical,
                &["pod-security", "pss-baseline"],
                &POD1_CONTROLS,
            ),
            rule(
                "POD-002",
                "host-pid",
                "Pod shares the host PID namespace",
                Severity::High,
                &["pod-security"],
                &POD2_CONTROLS,
            ),
            rule(
                "NET-001",
                "namespace-no-networkpolicy",
                "Namespace has no NetworkPolicy",
                Severity::Medium,
                &["network"],
                &NET_CONTROLS,
            ),
            rule(
                "IMG-001",
                "latest-tag",
                "Image uses the latest tag",
                Severity::Low,
                &["images"],
                &[],
            ),
            rule(
                "POD-003",
                "host-network",
                "Pod uses the host network",
                Severity::High,
                &["pod-security"],
                &[],
            ),
        ];
        let deploy = SourceFile::new("manifests/deploy.yaml", DEPLOY);
        let ns = SourceFile::new("ns dir/namespace.yaml", NAMESPACE);
        let pod = SourceFile::new("./pods/pod.yaml", POD);
        let finding = |rule: &RuleInfo,
                       file: &Arc<SourceFile>,
                       resource: ResourceRef,
                       position: Position,
                       pointer: &str,
                       message: &str| Finding {
            rule_id: rule.id.clone(),
            rule_name: rule.name.clone(),
            severity: rule.severity,
            message: message.to_owned(),
            resource: resource.into(),
            file: Arc::clone(file),
            position,
            pointer: pointer.to_owned(),
            remediation: rule.remediation.clone(),
            controls: rule.controls,
            tags: rule.tags,
            suppressed: None,
        };
        let mut suppressed = finding(
            &rules[1],
            &deploy,
            rref("apps/v1", "Deployment", "api", Some("prod")),
            pos_of(DEPLOY, "hostPID"),
            "/spec/template/spec/hostPID",
            "pod shares the host PID namespace",
        );
        suppressed.suppressed = Some(Suppression::Annotation {
            reason: "legacy & <ok>".to_owned(),
        });
        let mut findings = vec![
            finding(
                &rules[0],
                &deploy,
                rref("apps/v1", "Deployment", "web", Some("prod")),
                pos_of(DEPLOY, "privileged"),
                "/spec/template/spec/containers/0/securityContext/privileged",
                "container `app` runs privileged",
            ),
            suppressed,
            finding(
                &rules[2],
                &ns,
                rref("v1", "Namespace", "prod", None),
                pos_of(NAMESPACE, "name: prod"),
                "/metadata/name",
                "namespace `prod` has no NetworkPolicy <&\"'>",
            ),
            finding(
                &rules[3],
                &pod,
                rref("v1", "Pod", "p", Some("dev")),
                pos_of(POD, "image"),
                "/spec/containers/0/image",
                "image `nginx:latest` uses a mutable tag\nit may change: yes",
            ),
        ];
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let diagnostics = vec![
            Diagnostic::error(
                "yaml-syntax",
                "manifests/deploy.yaml",
                Some(pos_of(DEPLOY, "hostPID")),
                "mapping values are not allowed here",
            )
            .with_help("check the indentation"),
            Diagnostic::warning(
                "empty-input",
                "empty.yaml",
                None,
                "file contains no documents",
            ),
        ];
        let compliance = ComplianceReport {
            framework: Framework::Cis,
            controls: vec![
                ControlScore {
                    id: "5.2.2",
                    title: "Minimize privileged containers",
                    status: ControlStatus::Failing,
                    rules: vec!["POD-001".to_owned()],
                    failing_findings: 1,
                    suppressed_findings: 0,
                },
                ControlScore {
                    id: "5.2.3",
                    title: "Minimize host PID sharing",
                    status: ControlStatus::Passing,
                    rules: vec!["POD-002".to_owned()],
                    failing_findings: 0,
                    suppressed_findings: 1,
                },
                ControlScore {
                    id: "5.1.1",
                    title: "Limit cluster-admin use",
                    status: ControlStatus::NotCovered,
                    rules: vec![],
                    failing_findings: 0,
                    suppressed_findings: 0,
                },
            ],
            passing: 1,
            failing: 1,
            not_covered: 1,
            unknown_controls: vec![Control::new(Framework::Cis, "9.9")],
        };
        Self {
            findings,
            diagnostics,
            rules,
            compliance,
        }
    }

    pub(crate) fn report(&self) -> ScanReport<'_> {
        ScanReport {
            findings: &self.findings,
            streamed: Default::default(),
            diagnostics: &self.diagnostics,
            rules: &self.rules,
            files_scanned: 3,
            resources_scanned: 4,
            compliance: Some(&self.compliance),
        }
    }

    /// The same run with nothing found
    pub(crate) fn clean_report(&self) -> ScanReport<'_> {
        ScanReport {
            findings: &[],
            streamed: Default::default(),
            diagnostics: &[],
            rules: &self.rules,
            files_scanned: 1,
            resources_scanned: 1,
            compliance: None,
        }
    }
}

/// `report` rendered whole as `format` with `opts`
pub(crate) fn rendered_with(
    format: Format,
    opts: &RenderOptions,
    report: &ScanReport<'_>,
) -> String {
    let mut buf = Vec::new();
    crate::render(format, report, opts, &mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

/// `report` rendered whole as `format` with the default options
pub(crate) fn rendered(format: Format, report: &ScanReport<'_>) -> String {
    rendered_with(format, &RenderOptions::default(), report)
}
