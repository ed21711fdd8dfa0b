//! Command-line flags (clap derive). Flag names follow kubectl/Kyverno/ruff conventions.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  palisade scan examples/                      scan a directory of manifests
  helm template my-chart | palisade scan -     scan rendered Helm output from stdin
  palisade scan --framework cis -o table k8s/  CIS Benchmark compliance score per control
  palisade scan -o sarif . > palisade.sarif    SARIF for GitHub code scanning
  palisade checks --tag rbac                   list the RBAC checks
  palisade explain POD-001                     docs of one check
  palisade apply policies/ --resource k8s/     Kyverno / Gatekeeper / VAP decisions
  palisade test policies/                      run kyverno-test.yaml and gator suites
  palisade serve --policies DIR --tls-cert …   the admission webhook";

/// One fast binary that enforces and proves Kubernetes security and compliance
#[derive(Debug, Parser)]
#[command(name = "palisade", version, about, after_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    /// What to do
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan manifests with Pod Security Standards and the built-in checks
    Scan(ScanArgs),
    /// List the built-in checks
    Checks(ChecksArgs),
    /// Print the documentation of one check
    Explain(ExplainArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
    /// Run the admission webhook server (HTTPS)
    Serve(ServeArgs),
    /// Generate a CA and a serving certificate for the webhook
    Certs(CertsArgs),
    /// Run policy test suites below directories (gator `suite.yaml`, `kyverno-test.yaml`)
    Test(TestArgs),
    /// Decide resources against Kyverno, Gatekeeper, ValidatingAdmissionPolicy and
    /// MutatingAdmissionPolicy policies
    Apply(ApplyArgs),
}

/// Output formats of `scan`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Diagnostics with source snippets, then a summary (default)
    Human,
    /// One row per finding
    Table,
    /// Machine-readable JSON
    Json,
    /// The JSON report as YAML
    Yaml,
    /// SARIF 2.1.0 (GitHub code scanning)
    Sarif,
    /// JUnit XML (CI dashboards)
    Junit,
    /// Kyverno-compatible wgpolicyk8s.io/v1alpha2 PolicyReports
    Policyreport,
}

/// When to use colors
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal and NO_COLOR is unset
    Auto,
    /// Always
    Always,
    /// Never
    Never,
}

/// `palisade scan`
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  palisade scan k8s/ charts/rendered.yaml
  kustomize build overlays/prod | palisade scan -
  kubectl get deploy,ds,sts,cronjob,role,clusterrole,rolebinding -A -o yaml | palisade scan -
  palisade scan --select pss --pss-level restricted -o sarif k8s/
  palisade scan --select POD,rbac --ignore POD-007 --fail-on high k8s/
  palisade scan --framework nsa-cisa-1.2 k8s/

Exit status: 0 no finding at or above --fail-on, 1 findings, 2 usage or input errors.
Suppress a finding with the annotation `ignore.palisade.dev/<CHECK-ID>: \"<reason>\"`
or in .palisade.yaml (see README).")]
pub struct ScanArgs {
    /// Files, directories (recursive: .yaml, .yml, .json), kustomize directories, or `-` for stdin
    #[arg(default_value = ".")]
    pub paths: Vec<String>,

    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t = OutputFormat::Human)]
    pub output: OutputFormat,

    /// Rules to run: IDs (POD-001), prefixes (POD, PSS), names, tags (rbac) or ALL
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub select: Vec<String>,

    /// Rules not to run (same forms as --select)
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub ignore: Vec<String>,

    /// Pod Security Standards level for the PSS rules
    #[arg(long, value_name = "baseline|restricted|privileged")]
    pub pss_level: Option<String>,

    /// Pod Security Standards version (v1.0 … v1.37, or latest)
    #[arg(long, value_name = "v1.N|latest")]
    pub pss_version: Option<String>,

    /// Lowest severity that makes the scan exit 1
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,

    /// Score results per control of a compliance framework (cis-1.12, nsa-cisa-1.2, mitre-attack,
    /// nist-800-53, nist-800-190, pci-dss-4.0, soc2, hipaa, pss) and run only its checks
    #[arg(long, value_name = "ID")]
    pub framework: Option<String>,

    /// Configuration file (default: .palisade.yaml in the current directory, if present)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// When to color the output
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// List suppressed findings too
    #[arg(long)]
    pub show_suppressed: bool,

    /// Never show a progress bar
    #[arg(long)]
    pub no_progress: bool,
}

/// Output formats of `checks`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned table
    Table,
    /// JSON array, one object per check
    Json,
    /// Same as JSON, as YAML
    Yaml,
    /// Markdown reference (the generated docs)
    Markdown,
}

/// `palisade checks`
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  palisade checks
  palisade checks --framework cis -o json
  palisade checks --severity high --tag rbac")]
pub struct ChecksArgs {
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t = ListFormat::Table)]
    pub output: ListFormat,

    /// Only checks mapped to this framework
    #[arg(long, value_name = "ID")]
    pub framework: Option<String>,

    /// Only checks at or above this severity
    #[arg(long, value_name = "SEVERITY")]
    pub severity: Option<String>,

    /// Only checks with this tag (or ID prefix)
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
}

/// `palisade explain`
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  palisade explain POD-001\n  palisade explain privileged-container\n  palisade explain PSS-runAsNonRoot"
)]
pub struct ExplainArgs {
    /// Check ID or name
    pub check: String,
}

/// `palisade completions`
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  palisade completions bash > /etc/bash_completion.d/palisade\n  palisade completions zsh > \"${fpath[1]}/_palisade\""
)]
pub struct CompletionsArgs {
    /// Shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Engine for Gatekeeper templates that carry both Rego and CEL code
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    /// CEL when the template has K8sNativeValidation code, else Rego
    Auto,
    /// Rego only (templates without Rego code are skipped)
    Rego,
    /// CEL only (templates without CEL code are skipped)
    Cel,
}

/// `palisade test`
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  palisade test policies/                      every suite.yaml and kyverno-test.yaml below
  palisade test library/general/allowedrepos   one Gatekeeper library policy
  palisade test --engine rego --run 'disallowed' library/
  palisade test --strict kyverno-policies/     exact comparison, none of kyverno test's leniencies

Prints one line per case (PASS|FAIL|SKIP  suite/test/case  reason), then
`N passed, N failed` (`, N skipped` when any were skipped).
Exit status: 0 all passed, 1 a case failed, 2 unreadable or invalid test files.")]
pub struct TestArgs {
    /// Directories to search for `suite.yaml` and `kyverno-test.yaml` files (or such files)
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Engine for templates with both Rego and CEL code
    #[arg(long, value_enum, default_value_t = EngineArg::Auto)]
    pub engine: EngineArg,

    /// Only run tests or cases whose `test` or `test//case` name matches this regex
    #[arg(long, value_name = "REGEX")]
    pub run: Option<String>,

    /// kyverno-test.yaml: compare exactly instead of with `kyverno test`'s leniencies (no
    /// fallback to all resources, a rule that produced no result fails, resources compared
    /// without tidying)
    #[arg(long)]
    pub strict: bool,
}

/// Output formats of `apply`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApplyFormat {
    /// One row per resource × constraint decision
    Table,
    /// Machine-readable JSON
    Json,
    /// The JSON document as YAML
    Yaml,
}

/// `palisade apply`
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  palisade apply template.yaml constraint.yaml --resource pod.yaml
  palisade apply kyverno/ --resource k8s/ --values-file values.yaml
  palisade apply vap.yaml binding.yaml params.yaml --resource deploy.yaml -o yaml
  helm template my-chart | palisade apply policies/ --resource -

Policy files may mix dialects; each prints its own section. Gatekeeper: every resource is
reviewed by every matching constraint and is visible in data.inventory, as gator does.
Kyverno: results per rule x resource, as `kyverno apply`. Admission policies: decisions per
binding, mutated resources (`-o yaml`) and a diff.
Exit status: 0 nothing denied, 1 a denial (deny-action constraint, Enforce Kyverno rule,
Deny binding), 2 input or policy errors.")]
pub struct ApplyArgs {
    /// Policy files or directories: Kyverno (Cluster)Policies and CEL kinds, Gatekeeper
    /// ConstraintTemplates + Constraints, ValidatingAdmissionPolicies, MutatingAdmissionPolicies,
    /// their bindings and params
    #[arg(required = true)]
    pub policies: Vec<String>,

    /// Resources to decide: files, directories, or `-` for stdin
    #[arg(short = 'r', long = "resource", required = true, num_args = 1..)]
    pub resources: Vec<String>,

    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t = ApplyFormat::Table)]
    pub output: ApplyFormat,

    /// Engine for templates with both Rego and CEL code
    #[arg(long, value_enum, default_value_t = EngineArg::Auto)]
    pub engine: EngineArg,

    /// Kyverno policies: values file (`cli.kyverno.io/v1alpha1 Values`) for variables,
    /// context entries and namespace labels
    #[arg(long = "values-file", value_name = "FILE")]
    pub values_file: Option<String>,

    /// Kyverno policies: userinfo file (`cli.kyverno.io/v1alpha1 UserInfo`) for roles,
    /// cluster roles and subjects
    #[arg(long, value_name = "FILE")]
    pub userinfo: Option<String>,
}

/// `palisade serve`
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  palisade certs --dns palisade.palisade.svc --out certs/
  palisade serve --policies policies/ --tls-cert certs/tls.crt --tls-key certs/tls.key \\
                 --listen 0.0.0.0:8443 --namespaces namespaces.yaml

Endpoints: POST /validate and /mutate (admission.k8s.io/v1 AdmissionReview), GET /healthz,
/readyz (ready once policies loaded; JSON detail of load errors), /metrics (Prometheus).
Policies, namespaces and the certificate are reloaded when their files change; a bad policy
reload keeps the previous policies serving. One JSON log line per decision on stdout
(filter with PALISADE_LOG, e.g. PALISADE_LOG=warn).")]
pub struct ServeArgs {
    /// Directory of policies: CheckPolicy (built-in checks, advisory|mandatory) and
    /// PodSecurityConfiguration documents
    #[arg(long, value_name = "DIR")]
    pub policies: PathBuf,

    /// Serving certificate chain (PEM)
    #[arg(long, value_name = "FILE")]
    pub tls_cert: PathBuf,

    /// Serving private key (PEM)
    #[arg(long, value_name = "FILE")]
    pub tls_key: PathBuf,

    /// Address and port to listen on
    #[arg(long, value_name = "ADDR:PORT", default_value = "0.0.0.0:8443")]
    pub listen: std::net::SocketAddr,

    /// YAML file of Namespace objects whose labels drive Pod Security and namespace selectors
    /// (offline stand-in for a cluster watch); each gets the `kubernetes.io/metadata.name`
    /// label the API server sets, unless it has one
    #[arg(long, value_name = "FILE", conflicts_with = "kubeconfig")]
    pub namespaces: Option<PathBuf>,

    /// List and watch Namespaces and role bindings through the API server of this
    /// kubeconfig's current context (a webhook run outside the cluster it serves). In a pod,
    /// without --namespaces or --kubeconfig, its service account is used.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// Per-request deadline in milliseconds; past it the answer follows the failure policy
    #[arg(long, value_name = "MS", default_value_t = 3000)]
    pub deadline_ms: u64,

    /// Largest accepted request body in bytes
    #[arg(long, value_name = "BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Threads that evaluate reviews [default: the CPUs available to the process, at least 2]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub evaluation_threads: Option<u16>,

    /// Threads that run connections: TLS, HTTP, parsing, responses [default: half the CPUs
    /// available to the process, at least 1]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub io_threads: Option<u16>,
}

/// `palisade certs`
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  palisade certs --dns palisade.palisade.svc --out certs/
  CA_BUNDLE=$(palisade certs --dns palisade.palisade.svc --out certs/)

Writes ca.crt, tls.crt and tls.key (mode 0600) and prints the base64 caBundle on stdout.")]
pub struct CertsArgs {
    /// DNS name of the webhook Service (SERVICE.NAMESPACE.svc); repeat for more names
    #[arg(long = "dns", value_name = "NAME", required = true)]
    pub dns: Vec<String>,

    /// Directory to write the files into (created if missing)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Validity in days
    #[arg(long, value_name = "DAYS", default_value_t = 365)]
    pub days: u32,
}
