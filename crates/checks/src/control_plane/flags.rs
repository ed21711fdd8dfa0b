//! Command lines of control-plane and node components: which container of a pod runs which
//! component, and the flags it passes.
//!
//! A component container is recognised by the executable of its command line: the basename of
//! `command[0]` (`/usr/local/bin/kube-apiserver`), a `hyperkube <component>` pair, a wrapper such
//! as `go-runner … /usr/local/bin/kube-apiserver`, a `sh -c "exec kube-apiserver …"` script, or —
//! when the container has no `command` and its `args` are only flags — its image name or the
//! pod's `component` label.
//!
//! Flags follow the Go `pflag` conventions the components use: `--flag=value` and `--flag value`,
//! a bare `--flag` is `true` for booleans, a repeated scalar flag keeps its last value, repeated
//! list flags (`--enable-admission-plugins`, `--authorization-mode`, `--tls-cipher-suites`, …)
//! append, and `--feature-gates` occurrences merge. Parsing stops at `--`.

use memchr::memmem::Finder;
use palisade_model::{Container, ContainerKind, PodTemplate, Resource};
use palisade_source::JsonPointer;
use serde_json::Value;
use std::sync::LazyLock;

/// A component whose command line the checks read
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Component {
    ApiServer,
    ControllerManager,
    Scheduler,
    Etcd,
    Kubelet,
    KubeProxy,
}

impl Component {
    /// Name of the executable
    pub(crate) fn binary(self) -> &'static str {
        match self {
            Self::ApiServer => "kube-apiserver",
            Self::ControllerManager => "kube-controller-manager",
            Self::Scheduler => "kube-scheduler",
            Self::Etcd => "etcd",
            Self::Kubelet => "kubelet",
            Self::KubeProxy => "kube-proxy",
        }
    }

    /// The shortest name the component runs under: every other one contains it
    /// (`kube-apiserver`, `apiserver`), so one substring search finds them all
    fn shortest_name(self) -> &'static str {
        self.hyperkube_names()
            .iter()
            .copied()
            .chain([self.binary()])
            .min_by_key(|name| name.len())
            .unwrap_or(self.binary())
    }

    /// Sub-command names of the component in the all-in-one `hyperkube` binary
    fn hyperkube_names(self) -> &'static [&'static str] {
        match self {
            Self::ApiServer => &["kube-apiserver", "apiserver"],
            Self::ControllerManager => &["kube-controller-manager", "controller-manager"],
            Self::Scheduler => &["kube-scheduler", "scheduler"],
            Self::Etcd => &[],
            Self::Kubelet => &["kubelet"],
            Self::KubeProxy => &["kube-proxy", "proxy"],
        }
    }
}

/// Where a word of a command line is written
#[derive(Debug, Clone, Copy)]
enum At {
    /// `command[i]`
    Command(usize),
    /// `args[i]`
    Args(usize),
    /// Word `i` of a plain list (tests)
    #[cfg(test)]
    List(usize),
}

/// One word of a command line and where it is written (pointers are only built for the flags
/// of containers that run a component)
#[derive(Debug, Clone, Copy)]
struct Word<'a> {
    text: &'a str,
    at: At,
}

/// One occurrence of a flag on a command line (or, for etcd, in an `ETCD_*` variable)
#[derive(Debug, Clone)]
pub(crate) struct Flag<'a> {
    /// Name without leading dashes
    pub(crate) name: &'a str,
    /// Value after `=`
    inline: Option<&'a str>,
    /// The following word, when it is not itself a flag (the value of `--flag value`)
    next: Option<&'a str>,
    /// Where the flag is written
    pub(crate) pointer: JsonPointer,
}

impl<'a> Flag<'a> {
    /// The value of a flag that takes one (`--flag=value` or `--flag value`)
    pub(crate) fn value(&self) -> Option<&'a str> {
        self.inline.or(self.next).map(unquote)
    }

    /// The value of a boolean flag: a bare `--flag` is true; `None` when the value is not a
    /// boolean Go accepts
    pub(crate) fn bool_value(&self) -> Option<bool> {
        match self.inline {
            None => Some(true),
            Some(v) => parse_bool(unquote(v)),
        }
    }

    /// The items of a comma-separated value
    pub(crate) fn items(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.value()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// How the flag is written, for messages: `--name=value` or `--name`
    pub(crate) fn shown(&self) -> String {
        match self.inline.or(self.next) {
            Some(v) => format!("--{}={}", self.name, unquote(v)),
            None => format!("--{}", self.name),
        }
    }
}

/// The flags of one command line
#[derive(Debug, Clone, Default)]
pub(crate) struct Flags<'a> {
    flags: Vec<Flag<'a>>,
}

impl<'a> Flags<'a> {
    /// Parse command-line words (the executable already removed)
    fn parse(words: &[Word<'a>], locate: &dyn Fn(At) -> JsonPointer) -> Self {
        let mut flags = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let t = word.text;
            if t == "--" {
                break;
            }
            let body = t.strip_prefix("--").or_else(|| t.strip_prefix('-'));
            let Some(body) = body.filter(|b| !b.is_empty() && !b.starts_with('-')) else {
                continue;
            };
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (body, None),
            };
            if name.is_empty() || name.parse::<f64>().is_ok() {
                continue; // a negative number is a value, not a flag
            }
            let next = words
                .get(i + 1)
                .map(|w| w.text)
                .filter(|n| !n.starts_with('-') || n.parse::<f64>().is_ok());
            flags.push(Flag {
                name,
                inline,
                next: if inline.is_some() { None } else { next },
                pointer: locate(word.at),
            });
        }
        Self { flags }
    }

    /// Parse flags from a list of plain strings (tests and callers without positions)
    #[cfg(test)]
    pub(crate) fn from_strs(words: &[&'a str]) -> Self {
        let words: Vec<Word<'a>> = words
            .iter()
            .enumerate()
            .map(|(i, w)| Word {
                text: w,
                at: At::List(i),
            })
            .collect();
        Self::parse(&words, &|at| match at {
            At::List(i) => JsonPointer::root().index(i),
            At::Command(_) | At::Args(_) => JsonPointer::root(),
        })
    }

    /// The last occurrence of a flag (the one that takes effect)
    pub(crate) fn get(&self, name: &str) -> Option<&Flag<'a>> {
        self.flags.iter().rev().find(|f| f.name == name)
    }

    /// Is the flag given at all?
    pub(crate) fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Is the flag given with a non-empty value?
    pub(crate) fn is_set(&self, name: &str) -> bool {
        self.get(name)
            .and_then(Flag::value)
            .is_some_and(|v| !v.trim().is_empty())
    }

    /// Items of a list flag over every occurrence (repeated list flags append), with the
    /// occurrence each came from
    pub(crate) fn list(&self, name: &str) -> Vec<(&'a str, &Flag<'a>)> {
        self.flags
            .iter()
            .filter(|f| f.name == name)
            .flat_map(|f| f.items().map(move |item| (item, f)))
            .collect()
    }

    /// A `--feature-gates` entry: the last `Gate=bool` given, with its occurrence
    pub(crate) fn feature_gate(&self, gate: &str) -> Option<(bool, &Flag<'a>)> {
        self.list("feature-gates")
            .into_iter()
            .rev()
            .find_map(|(item, f)| {
                let (k, v) = item.split_once('=')?;
                (k.trim() == gate).then(|| parse_bool(v.trim()).map(|b| (b, f)))?
            })
    }

    /// Add flags in front of the command-line ones, so the command line takes precedence
    fn prepend(&mut self, mut earlier: Vec<Flag<'a>>) {
        earlier.append(&mut self.flags);
        self.flags = earlier;
    }
}

/// Go's `strconv.ParseBool`
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// Strip one pair of matching surrounding quotes
fn unquote(s: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

/// A container running a component, with its parsed flags
#[derive(Debug, Clone)]
pub(crate) struct Invocation<'a> {
    /// Which component
    pub(crate) component: Component,
    /// The container
    pub(crate) container: Container<'a>,
    /// Its flags
    pub(crate) flags: Flags<'a>,
    /// Where to report a flag that is missing: the container's `command` (or `args`)
    pub(crate) anchor: JsonPointer,
}

impl Invocation<'_> {
    /// How the container is named in messages
    pub(crate) fn who(&self) -> String {
        format!(
            "{} (container `{}`)",
            self.component.binary(),
            self.container.name()
        )
    }
}

/// Every container of a resource that runs `component`
pub(crate) fn invocations(res: &Resource, component: Component) -> Vec<Invocation<'_>> {
    if !may_run(res, component) {
        return Vec::new();
    }
    let Some(pod) = res.pod_template() else {
        return Vec::new();
    };
    let containers: Vec<Container<'_>> = pod.containers_of(ContainerKind::Regular).collect();
    let labelled = labelled_as(&pod, component);
    containers
        .iter()
        .filter_map(|c| {
            let by_label = labelled && (containers.len() == 1 || c.name() == component.binary());
            invocation(*c, component, by_label)
        })
        .collect()
}

/// Does the pod carry a label naming the component?
fn labelled_as(pod: &PodTemplate<'_>, component: Component) -> bool {
    component_labels(pod).contains(&Some(component.binary()))
}

/// The values of the labels that can name a component
fn component_labels<'a>(pod: &PodTemplate<'a>) -> [Option<&'a str>; 3] {
    let labels = pod.metadata.and_then(|m| m.get("labels"));
    ["component", "k8s-app", "app.kubernetes.io/name"]
        .map(|k| labels.and_then(|l| l.get(k)).and_then(Value::as_str))
}

const COMPONENTS: [Component; 6] = [
    Component::ApiServer,
    Component::ControllerManager,
    Component::Scheduler,
    Component::Etcd,
    Component::Kubelet,
    Component::KubeProxy,
];

/// A searcher for each of `COMPONENTS`' shortest names, built once: `str::contains` built one
/// on every call, and [`may_run`] searches every word of every container's command line for
/// every component (half of its cost, about 1% of a scan)
static SHORTEST_NAMES: LazyLock<[Finder<'static>; 6]> =
    LazyLock::new(|| COMPONENTS.map(|c| Finder::new(c.shortest_name())));

/// What is known, on this thread, about the resource being checked (see [`per_resource`])
#[derive(Debug, Clone, Copy)]
enum Scope {
    /// Not inside [`per_resource`]: nothing is remembered
    Outside,
    /// Inside, not computed yet
    Unknown,
    /// Inside: bit `i` set when some container may run `COMPONENTS[i]`
    MayRun(u8),
}

thread_local! {
    static SCOPE: std::cell::Cell<Scope> = const { std::cell::Cell::new(Scope::Outside) };
}

/// Run the checks of one resource. Dozens of control-plane checks each ask which containers
/// run their component, and almost no resource runs any: the answer to "could any container
/// run it at all" is worked out once per resource instead of once per check.
pub(crate) fn per_resource<R>(run: impl FnOnce() -> R) -> R {
    struct Restore(Scope);
    impl Drop for Restore {
        fn drop(&mut self) {
            SCOPE.set(self.0);
        }
    }
    let _restore = Restore(SCOPE.replace(Scope::Unknown));
    run()
}

/// Could some container of `res` run `component` (by label, command line or image)? A cheap
/// necessary condition for [`invocation`].
fn may_run(res: &Resource, component: Component) -> bool {
    let bit = |c: Component| 1u8 << COMPONENTS.iter().position(|x| *x == c).unwrap_or(0);
    let compute = || {
        let Some(pod) = res.pod_template() else {
            return 0;
        };
        let containers: Vec<Container<'_>> = pod.containers_of(ContainerKind::Regular).collect();
        let labels = component_labels(&pod);
        // Each container's fields are read once and tested for every component
        let mut bits = 0;
        for c in &containers {
            let image = image_name(c);
            let words: Vec<&str> = command_words(c).collect();
            for (comp, name) in COMPONENTS.into_iter().zip(SHORTEST_NAMES.iter()) {
                let labelled = labels.contains(&Some(comp.binary()))
                    && (containers.len() == 1 || c.name() == comp.binary());
                if labelled
                    || image.is_some_and(|image| image_names(image, comp))
                    || words
                        .iter()
                        .any(|word| name.find(word.as_bytes()).is_some())
                {
                    bits |= bit(comp);
                }
            }
        }
        bits
    };
    let bits = match SCOPE.get() {
        Scope::Outside => return compute() & bit(component) != 0,
        Scope::MayRun(bits) => bits,
        Scope::Unknown => {
            let bits = compute();
            SCOPE.set(Scope::MayRun(bits));
            bits
        }
    };
    bits & bit(component) != 0
}

fn words_of<'a>(c: &Container<'a>, field: &str, at: fn(usize) -> At) -> Vec<Word<'a>> {
    c.get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, v)| {
            Some(Word {
                text: v.as_str()?,
                at: at(i),
            })
        })
        .collect()
}

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// Executables that start the real command given later on their own command line
const WRAPPERS: &[&str] = &["go-runner", "tini", "dumb-init", "env", "nice", "ionice"];
/// Shells whose `-c` script may start the component
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "busybox"];

/// Where the component's own flags start in `words`, if it runs the component
fn start_of_flags(words: &[Word<'_>], component: Component) -> Option<usize> {
    let exe = basename(words.first()?.text);
    if exe == component.binary() {
        return Some(1);
    }
    if exe == "hyperkube" {
        let sub = words.get(1)?.text;
        return component.hyperkube_names().contains(&sub).then_some(2);
    }
    if WRAPPERS.contains(&exe) {
        // the first non-flag word naming the component (flags before it belong to the wrapper)
        let i = words
            .iter()
            .skip(1)
            .position(|w| !w.text.starts_with('-') && basename(w.text) == component.binary())?;
        return Some(i + 2);
    }
    None
}

fn invocation<'a>(
    c: Container<'a>,
    component: Component,
    by_label: bool,
) -> Option<Invocation<'a>> {
    let command = words_of(&c, "command", At::Command);
    let args = words_of(&c, "args", At::Args);
    let all: Vec<Word<'a>> = command.iter().chain(args.iter()).copied().collect();
    let words = if let Some(start) = start_of_flags(&all, component) {
        all.get(start..).unwrap_or_default().to_vec()
    } else if let Some(words) = shell_script(&all, component) {
        words
    } else if command.is_empty()
        && args.first().is_some_and(|w| w.text.starts_with('-'))
        && (by_label || image_is(&c, component))
    {
        args.clone()
    } else {
        return None;
    };
    let locate = |at: At| match at {
        At::Command(i) => c.pointer_to("command").index(i),
        At::Args(i) => c.pointer_to("args").index(i),
        #[cfg(test)]
        At::List(_) => c.pointer(),
    };
    let mut flags = Flags::parse(&words, &locate);
    let anchor = if !command.is_empty() {
        c.pointer_to("command")
    } else if !args.is_empty() {
        c.pointer_to("args")
    } else {
        c.pointer()
    };
    if component == Component::Etcd {
        flags.prepend(etcd_env_flags(&c));
    }
    Some(Invocation {
        component,
        container: c,
        flags,
        anchor,
    })
}

/// The strings of a container's `command` and `args`: every way [`invocation`] recognises a
/// component needs one of them to contain the component's shortest name, unless the label or
/// image names it
fn command_words<'a>(c: &Container<'a>) -> impl Iterator<Item = &'a str> + 'a {
    let container = *c;
    ["command", "args"]
        .into_iter()
        .filter_map(move |field| container.get(field).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
}

/// Does the container's image look like the component's (`registry.k8s.io/kube-apiserver:v1.31`)?
fn image_is(c: &Container<'_>, component: Component) -> bool {
    image_name(c).is_some_and(|name| image_names(name, component))
}

/// The image's repository basename without tag or digest (`kube-apiserver`)
fn image_name<'a>(c: &Container<'a>) -> Option<&'a str> {
    let image = c.get("image").and_then(Value::as_str)?;
    let without_digest = image.split('@').next().unwrap_or(image);
    let repo = basename(without_digest);
    Some(repo.split(':').next().unwrap_or(repo))
}

/// Is `name` (see [`image_name`]) the component's image?
fn image_names(name: &str, component: Component) -> bool {
    name == component.binary() || name.strip_suffix("-amd64") == Some(component.binary())
}

/// `sh -c "… kube-apiserver --flag=value …"`: the words after the component in the script
/// (they all point at the script string)
fn shell_script<'a>(words: &[Word<'a>], component: Component) -> Option<Vec<Word<'a>>> {
    let exe = basename(words.first()?.text);
    if !SHELLS.contains(&exe) {
        return None;
    }
    let c_at = words
        .iter()
        .position(|w| w.text == "-c" || w.text == "-ec")?;
    let script = words.get(c_at + 1)?;
    let tokens: Vec<&'a str> = script
        .text
        .split_whitespace()
        .filter(|t| *t != "\\")
        .collect();
    let start = tokens
        .iter()
        .position(|t| basename(unquote(t)) == component.binary())?;
    let mut out = Vec::new();
    for t in tokens.get(start + 1..).unwrap_or_default() {
        if matches!(*t, "&&" | "||" | ";" | "|" | "&") || t.starts_with('>') {
            break;
        }
        out.push(Word {
            text: unquote(t.trim_end_matches(';')),
            at: script.at,
        });
    }
    Some(out)
}

/// etcd reads `ETCD_<FLAG>` variables for flags not given on the command line
fn etcd_env_flags<'a>(c: &Container<'a>) -> Vec<Flag<'a>> {
    c.get("env")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, e)| {
            let var = e.get("name")?.as_str()?.strip_prefix("ETCD_")?;
            let value = e.get("value")?.as_str()?;
            let name = ETCD_ENV_FLAGS
                .iter()
                .find(|f| f.replace('-', "_").eq_ignore_ascii_case(var))?;
            Some(Flag {
                name,
                inline: Some(value),
                next: None,
                pointer: c.pointer_to("env").index(i).key("value"),
            })
        })
        .collect()
}

/// etcd flags whose `ETCD_*` variables the checks understand
const ETCD_ENV_FLAGS: &[&str] = &[
    "cert-file",
    "key-file",
    "client-cert-auth",
    "trusted-ca-file",
    "auto-tls",
    "peer-cert-file",
    "peer-key-file",
    "peer-client-cert-auth",
    "peer-trusted-ca-file",
    "peer-auto-tls",
    "config-file",
];

/// Is a `host[:port]` bind address on the loopback interface?
pub(crate) fn is_loopback_address(address: &str) -> bool {
    let host = if let Some(rest) = address.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else if address.matches(':').count() == 1 {
        address.split(':').next().unwrap_or(address)
    } else {
        address
    };
    let host = host.split('/').next().unwrap_or(host);
    host == "localhost"
        || host == "::1"
        || host.strip_prefix("127.").is_some_and(|rest| {
            rest.split('.').count() == 3 && rest.split('.').all(|o| o.parse::<u8>().is_ok())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_component_name_contains_the_shortest() {
        for component in COMPONENTS {
            let names: Vec<&str> = component
                .hyperkube_names()
                .iter()
                .copied()
                .chain([component.binary()])
                .collect();
            for name in &names {
                assert!(name.contains(component.shortest_name()), "{name}");
            }
        }
    }

    #[test]
    fn parses_both_value_forms_and_last_wins() {
        let f = Flags::from_strs(&[
            "--profiling=true",
            "--audit-log-path",
            "/var/log/audit.log",
            "--profiling=false",
            "-v=2",
        ]);
        assert_eq!(f.get("profiling").and_then(Flag::bool_value), Some(false));
        assert_eq!(
            f.get("audit-log-path").and_then(Flag::value),
            Some("/var/log/audit.log")
        );
        assert_eq!(f.get("v").and_then(Flag::value), Some("2"));
        assert!(!f.has("audit-log-maxage"));
    }

    #[test]
    fn bare_boolean_is_true_and_does_not_take_the_next_word() {
        let f = Flags::from_strs(&["--client-cert-auth", "--auto-tls=False", "--x=maybe"]);
        assert_eq!(
            f.get("client-cert-auth").and_then(Flag::bool_value),
            Some(true)
        );
        assert_eq!(f.get("auto-tls").and_then(Flag::bool_value), Some(false));
        assert_eq!(f.get("x").and_then(Flag::bool_value), None);
        // `--flag false` is `--flag` plus a stray word for a Go boolean flag
        let g = Flags::from_strs(&["--profiling", "false"]);
        assert_eq!(g.get("profiling").and_then(Flag::bool_value), Some(true));
    }

    #[test]
    fn lists_append_across_occurrences() {
        let f = Flags::from_strs(&[
            "--enable-admission-plugins=NodeRestriction, PodSecurity",
            "--enable-admission-plugins",
            "EventRateLimit",
            "--authorization-mode=\"Node,RBAC\"",
        ]);
        let items: Vec<&str> = f
            .list("enable-admission-plugins")
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        assert_eq!(items, ["NodeRestriction", "PodSecurity", "EventRateLimit"]);
        let modes: Vec<&str> = f
            .list("authorization-mode")
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        assert_eq!(modes, ["Node", "RBAC"]);
        assert!(f.list("tls-cipher-suites").is_empty());
    }

    #[test]
    fn feature_gates_merge_with_last_entry_winning() {
        let f = Flags::from_strs(&[
            "--feature-gates=RotateKubeletServerCertificate=true,Foo=false",
            "--feature-gates=RotateKubeletServerCertificate=false",
        ]);
        assert_eq!(
            f.feature_gate("RotateKubeletServerCertificate")
                .map(|(b, _)| b),
            Some(false)
        );
        assert_eq!(f.feature_gate("Foo").map(|(b, _)| b), Some(false));
        assert_eq!(f.feature_gate("Bar").map(|(b, _)| b), None);
    }

    #[test]
    fn stops_at_double_dash_and_keeps_negative_numbers_as_values() {
        let f = Flags::from_strs(&["--pod-max-pids", "-1", "--", "--profiling=true"]);
        assert_eq!(f.get("pod-max-pids").and_then(Flag::value), Some("-1"));
        assert!(!f.has("profiling"));
        assert!(!f.has("1"));
    }

    #[test]
    fn empty_values_are_not_set() {
        let f = Flags::from_strs(&["--token-auth-file=", "--client-ca-file=/pki/ca.crt"]);
        assert!(f.has("token-auth-file"));
        assert!(!f.is_set("token-auth-file"));
        assert!(f.is_set("client-ca-file"));
    }

    fn resource(value: serde_json::Value) -> Resource {
        Resource::from_value(value, "test").unwrap()
    }

    fn pod(containers: serde_json::Value) -> Resource {
        resource(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "labels": {"component": "kube-apiserver"}},
            "spec": {"containers": containers}
        }))
    }

    #[test]
    fn finds_components_by_command_hyperkube_wrapper_script_and_label() {
        let r = pod(json!([
            {"name": "a", "command": ["/usr/local/bin/kube-apiserver", "--profiling=false"]},
            {"name": "b", "command": ["/hyperkube", "apiserver"], "args": ["--secure-port=0"]},
            {"name": "c", "command": ["/go-runner", "--log-file=/x.log", "--", "/usr/local/bin/kube-apiserver", "--anonymous-auth=false"]},
            {"name": "d", "command": ["/bin/sh", "-c", "exec kube-apiserver --token-auth-file=/t.csv \\\n --profiling=true > /log 2>&1"]},
            {"name": "kube-apiserver", "image": "example/apiserver", "args": ["--insecure-port=8080"]},
            {"name": "sidecar", "image": "busybox", "args": ["--help"]},
            {"name": "etcd", "command": ["etcd", "--cert-file=/c"]}
        ]));
        let inv = invocations(&r, Component::ApiServer);
        let names: Vec<&str> = inv.iter().map(|i| i.container.name()).collect();
        assert_eq!(names, ["a", "b", "c", "d", "kube-apiserver"]);
        assert_eq!(
            inv[0].flags.get("profiling").map(|f| f.pointer.to_string()),
            Some("/spec/containers/0/command/1".to_owned())
        );
        assert_eq!(
            inv[1]
                .flags
                .get("secure-port")
                .map(|f| f.pointer.to_string()),
            Some("/spec/containers/1/args/0".to_owned())
        );
        assert!(inv[2].flags.has("anonymous-auth") && !inv[2].flags.has("log-file"));
        assert_eq!(
            inv[3].flags.get("profiling").and_then(Flag::bool_value),
            Some(true)
        );
        assert!(!inv[3].flags.has("2"));
        assert_eq!(inv[3].anchor.to_string(), "/spec/containers/3/command");
        assert_eq!(inv[4].anchor.to_string(), "/spec/containers/4/args");
        assert_eq!(invocations(&r, Component::Etcd).len(), 1);
    }

    #[test]
    fn args_only_containers_need_an_image_or_label_match() {
        let r = resource(json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"template": {"spec": {"containers": [
                {"name": "x", "image": "registry.k8s.io/kube-scheduler:v1.31.0", "args": ["--profiling=true"]},
                {"name": "y", "image": "nginx", "args": ["--profiling=true"]}
            ]}}}
        }));
        let inv = invocations(&r, Component::Scheduler);
        assert_eq!(inv.len(), 1);
        assert_eq!(
            inv[0].flags.get("profiling").map(|f| f.pointer.to_string()),
            Some("/spec/template/spec/containers/0/args/0".to_owned())
        );
    }

    #[test]
    fn etcd_reads_environment_variables_below_flags() {
        let r = pod(json!([{
            "name": "etcd", "command": ["etcd", "--client-cert-auth=false"],
            "env": [
                {"name": "ETCD_CLIENT_CERT_AUTH", "value": "true"},
                {"name": "ETCD_PEER_AUTO_TLS", "value": "true"}
            ]
        }]));
        let inv = invocations(&r, Component::Etcd);
        let f = &inv[0].flags;
        assert_eq!(
            f.get("client-cert-auth").and_then(Flag::bool_value),
            Some(false)
        );
        let peer = f.get("peer-auto-tls");
        assert_eq!(peer.and_then(Flag::bool_value), Some(true));
        assert_eq!(
            peer.map(|p| p.pointer.to_string()),
            Some("/spec/containers/0/env/1/value".to_owned())
        );
    }

    #[test]
    fn loopback_addresses() {
        for a in [
            "127.0.0.1",
            "127.0.0.1:10249",
            "localhost",
            "::1",
            "[::1]:10249",
            "127.1.2.3",
        ] {
            assert!(is_loopback_address(a), "{a}");
        }
        for a in [
            "0.0.0.0",
            "0.0.0.0:10249",
            ":10249",
            "::",
            "10.0.0.1",
            "127.0.0.1.5",
            "",
        ] {
            assert!(!is_loopback_address(a), "{a}");
        }
    }
}
