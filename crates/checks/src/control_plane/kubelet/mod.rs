//! KLT: kubelet and kube-proxy settings, read from
//! - configuration documents (`KubeletConfiguration`, `KubeProxyConfiguration`) scanned as files,
//! - the same documents embedded in a ConfigMap value (kubeadm's `kubelet-config` and
//!   `kube-proxy` ConfigMaps) — findings then point at the ConfigMap key,
//! - the command line of a container running the component.
//!
//! A field absent from a configuration document takes the documented default of that config
//! API version. Flags-only command lines take the command-line defaults, which for the kubelet
//! are the insecure legacy ones (anonymous auth on, `AlwaysAllow`, read-only port 10255); with
//! `--config` the absent flags are decided by the file, so they are not judged here.

use super::flags::{Component, Flag, Invocation, invocations};
use palisade_model::Resource;
use palisade_source::{JsonPointer, LoadLimits, SourceFile, load_str};
use serde_json::Value;
use std::borrow::Cow;

pub(super) mod anonymous_auth;
pub(super) mod authz_always_allow;
pub(super) mod cert_rotation;
pub(super) mod client_ca;
pub(super) mod iptables_util_chains;
pub(super) mod kube_proxy_metrics_bind;
pub(super) mod pod_pids_limit;
pub(super) mod read_only_port;
pub(super) mod seccomp_default;
pub(super) mod serving_tls;
pub(super) mod streaming_idle_timeout;
pub(super) mod tls_ciphers;

/// Kinds the kubelet checks read
pub(super) const KUBELET_KINDS: &[&str] = &[
    "KubeletConfiguration",
    "ConfigMap",
    "Pod",
    "PodTemplate",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

/// Which node component's settings
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Node {
    Kubelet,
    KubeProxy,
}

impl Node {
    fn kind(self) -> &'static str {
        match self {
            Self::Kubelet => "KubeletConfiguration",
            Self::KubeProxy => "KubeProxyConfiguration",
        }
    }

    fn group(self) -> &'static str {
        match self {
            Self::Kubelet => "kubelet.config.k8s.io",
            Self::KubeProxy => "kubeproxy.config.k8s.io",
        }
    }

    fn component(self) -> Component {
        match self {
            Self::Kubelet => Component::Kubelet,
            Self::KubeProxy => Component::KubeProxy,
        }
    }
}

/// A configuration field and the flag that sets the same thing
#[derive(Debug, Clone, Copy)]
pub(super) struct Field {
    /// `/`-separated path in the configuration document
    pub(super) path: &'static str,
    /// Command-line flag name (without dashes)
    pub(super) flag: &'static str,
}

/// One place a node component's settings come from
pub(super) struct Source<'a> {
    origin: Origin<'a>,
}

enum Origin<'a> {
    Config {
        value: Cow<'a, Value>,
        /// For a document embedded in a ConfigMap: the key holding it (every finding points there)
        embedded: Option<(JsonPointer, &'a str)>,
        kind: &'static str,
    },
    Flags {
        inv: Invocation<'a>,
        /// `--config` is given: absent flags are decided by a file not seen here
        config_file: bool,
    },
}

/// A setting's value as written
pub(super) enum Raw<'s> {
    Json(&'s Value),
    Flag(&'s Flag<'s>),
}

impl<'s> Raw<'s> {
    pub(super) fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Json(v) => v.as_bool(),
            Self::Flag(f) => f.bool_value(),
        }
    }

    pub(super) fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Json(v) => v
                .as_i64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())),
            Self::Flag(f) => f.value().and_then(|s| s.trim().parse().ok()),
        }
    }

    pub(super) fn as_str(&self) -> Option<&'s str> {
        match self {
            Self::Json(v) => v.as_str(),
            Self::Flag(f) => f.value(),
        }
    }

    /// A list: a JSON array of strings, or a comma-separated flag value
    pub(super) fn items(&self) -> Vec<&'s str> {
        match self {
            Self::Json(v) => crate::helpers::strings(Some(v)).collect(),
            Self::Flag(f) => f.items().collect(),
        }
    }

    /// How the value reads in a message
    pub(super) fn shown(&self) -> String {
        match self {
            Self::Json(Value::String(s)) => s.clone(),
            Self::Json(v) => v.to_string(),
            Self::Flag(f) => f.value().unwrap_or("true").to_owned(),
        }
    }
}

/// What a source says about one setting
pub(super) enum Lookup<'s> {
    /// Written explicitly
    Set { raw: Raw<'s>, pointer: JsonPointer },
    /// Absent: the default applies (`flags_only`: the command-line default)
    Absent {
        pointer: JsonPointer,
        flags_only: bool,
    },
    /// Absent from a command line that also reads a config file not seen here
    Unknown,
}

impl<'a> Source<'a> {
    /// How the source is named in messages
    pub(super) fn who(&self) -> String {
        match &self.origin {
            Origin::Config {
                embedded: Some((_, key)),
                kind,
                ..
            } => format!("the {kind} in ConfigMap key `{key}`"),
            Origin::Config { kind, .. } => format!("the {kind}"),
            Origin::Flags { inv, .. } => inv.who(),
        }
    }

    /// How a field is named in messages: `a.b.c` for config documents, `--flag` for flags
    pub(super) fn name(&self, field: Field) -> String {
        match &self.origin {
            Origin::Config { .. } => format!("`{}`", field.path.replace('/', ".")),
            Origin::Flags { .. } => format!("`--{}`", field.flag),
        }
    }

    /// Where a finding about the whole source points
    pub(super) fn pointer(&self) -> JsonPointer {
        match &self.origin {
            Origin::Config {
                embedded: Some((at, _)),
                ..
            } => at.clone(),
            Origin::Config { .. } => JsonPointer::root(),
            Origin::Flags { inv, .. } => inv.anchor.clone(),
        }
    }

    /// Look a setting up
    pub(super) fn get(&self, field: Field) -> Lookup<'_> {
        match &self.origin {
            Origin::Config {
                value, embedded, ..
            } => {
                let found = field
                    .path
                    .split('/')
                    .try_fold(value.as_ref(), |v, k| v.get(k))
                    .filter(|v| !v.is_null());
                let pointer = match embedded {
                    Some((at, _)) => at.clone(),
                    None => JsonPointer::root().join(field.path),
                };
                match found {
                    Some(v) => Lookup::Set {
                        raw: Raw::Json(v),
                        pointer,
                    },
                    None => Lookup::Absent {
                        pointer,
                        flags_only: false,
                    },
                }
            }
            Origin::Flags { inv, config_file } => match inv.flags.get(field.flag) {
                Some(f) => Lookup::Set {
                    raw: Raw::Flag(f),
                    pointer: f.pointer.clone(),
                },
                None if *config_file => Lookup::Unknown,
                None => Lookup::Absent {
                    pointer: inv.anchor.clone(),
                    flags_only: true,
                },
            },
        }
    }

    /// A feature gate: `featureGates.<gate>` in a config document, `--feature-gates` on a command
    /// line
    pub(super) fn feature_gate(&self, gate: &str) -> Option<(bool, JsonPointer)> {
        match &self.origin {
            Origin::Config {
                value, embedded, ..
            } => {
                let on = value.get("featureGates")?.get(gate)?.as_bool()?;
                let pointer = match embedded {
                    Some((at, _)) => at.clone(),
                    None => JsonPointer::root().key("featureGates").key(gate),
                };
                Some((on, pointer))
            }
            Origin::Flags { inv, .. } => inv
                .flags
                .feature_gate(gate)
                .map(|(on, f)| (on, f.pointer.clone())),
        }
    }
}

/// Every source of `node` settings in a resource
pub(super) fn sources(res: &Resource, node: Node) -> Vec<Source<'_>> {
    if res.kind == node.kind() {
        if res.group() != node.group() {
            return Vec::new();
        }
        return vec![Source {
            origin: Origin::Config {
                value: Cow::Borrowed(&res.value),
                embedded: None,
                kind: node.kind(),
            },
        }];
    }
    if res.kind == "ConfigMap" {
        return embedded(res, node);
    }
    invocations(res, node.component())
        .into_iter()
        .map(|inv| {
            let config_file = inv.flags.is_set("config");
            Source {
                origin: Origin::Flags { inv, config_file },
            }
        })
        .collect()
}

/// Configuration documents held in ConfigMap values
fn embedded(res: &Resource, node: Node) -> Vec<Source<'_>> {
    let Some(data) = res.get("data").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, text) in data {
        let Some(text) = text.as_str().filter(|t| t.contains(node.kind())) else {
            continue;
        };
        let file = SourceFile::new(key.as_str(), text);
        let (docs, _) = load_str(&file, &LoadLimits::default());
        for doc in docs {
            let kind = doc.value.get("kind").and_then(Value::as_str);
            let api = doc.value.get("apiVersion").and_then(Value::as_str);
            if kind == Some(node.kind()) && api.is_some_and(|a| a.starts_with(node.group())) {
                out.push(Source {
                    origin: Origin::Config {
                        value: Cow::Owned(doc.value),
                        embedded: Some((JsonPointer::root().key("data").key(key), key.as_str())),
                        kind: node.kind(),
                    },
                });
            }
        }
    }
    out
}

/// Is a Go duration (`0`, `0s`, `4h0m0s`, `1.5m`) zero? `None` when it does not parse.
pub(super) fn duration_is_zero(text: &str) -> Option<bool> {
    let s = text.trim();
    if s == "0" {
        return Some(true);
    }
    let mut rest = s.strip_prefix(['+', '-']).unwrap_or(s);
    if rest.is_empty() {
        return None;
    }
    let mut zero = true;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(digits);
        let value: f64 = number.parse().ok()?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        if !matches!(unit, "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "h") {
            return None;
        }
        zero &= value == 0.0;
        rest = tail;
    }
    Some(zero)
}

/// How a finding describes an absent setting whose default is bad (for example `is not set
/// (unlimited)`), by where it is absent; `None` where the default is fine
#[derive(Debug, Clone, Copy)]
pub(super) struct BadDefault {
    /// In a configuration document
    pub(super) in_config: Option<&'static str>,
    /// On a command line without `--config` (the legacy command-line defaults)
    pub(super) on_command_line: Option<&'static str>,
}

impl BadDefault {
    /// Every default is fine: only values written explicitly are judged
    pub(super) const NONE: Self = Self {
        in_config: None,
        on_command_line: None,
    };
}

/// Report a `node` setting that is bad: written with a value `bad_value` rejects (it gives the
/// value as the message shows it, `None` for a fine value), or absent where `bad_default` has a
/// phrase. `problem` completes "<source> <problem>: <setting> …".
pub(super) fn report_setting(
    ctx: &mut palisade_engine::CheckCtx<'_>,
    res: &Resource,
    node: Node,
    field: Field,
    bad_value: impl Fn(&Raw<'_>) -> Option<String>,
    bad_default: BadDefault,
    problem: &str,
) {
    for src in sources(res, node) {
        let (pointer, state) = match src.get(field) {
            Lookup::Set { raw, pointer } => match bad_value(&raw) {
                Some(value) => (pointer, format!("is `{value}`")),
                None => continue,
            },
            Lookup::Absent {
                pointer,
                flags_only,
            } => {
                let default = if flags_only {
                    bad_default.on_command_line
                } else {
                    bad_default.in_config
                };
                match default {
                    Some(phrase) => (pointer, phrase.to_owned()),
                    None => continue,
                }
            }
            Lookup::Unknown => continue,
        };
        ctx.report(
            res,
            &pointer,
            format!("{} {problem}: {} {state}", src.who(), src.name(field)),
        );
    }
}

/// Report a boolean kubelet setting whose effective value is `bad`. `defaults` are the
/// config-file default and the command-line default.
pub(super) fn bool_setting(
    ctx: &mut palisade_engine::CheckCtx<'_>,
    res: &Resource,
    field: Field,
    defaults: (bool, bool),
    bad: bool,
    problem: &str,
) {
    let phrase = |default: bool| {
        (default == bad).then_some(if default {
            "is not set and defaults to `true`"
        } else {
            "is not set and defaults to `false`"
        })
    };
    report_setting(
        ctx,
        res,
        Node::Kubelet,
        field,
        |raw| (raw.as_bool() == Some(bad)).then(|| raw.shown()),
        BadDefault {
            in_config: phrase(defaults.0),
            on_command_line: phrase(defaults.1),
        },
        problem,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_durations() {
        for z in ["0", "0s", "0h0m0s", "0.0ms"] {
            assert_eq!(duration_is_zero(z), Some(true), "{z}");
        }
        for nz in ["4h0m0s", "5m", "1.5h", "300ms", "0h1m"] {
            assert_eq!(duration_is_zero(nz), Some(false), "{nz}");
        }
        for bad in ["", "abc", "5", "5x", "h"] {
            assert_eq!(duration_is_zero(bad), None, "{bad}");
        }
    }

    #[test]
    fn reads_embedded_configs_and_flags() {
        let cm = Resource::from_value(
            json!({
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kubelet-config"},
                "data": {
                    "kubelet": "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 10255\n",
                    "other": "hello"
                }
            }),
            "t",
        )
        .unwrap();
        let s = sources(&cm, Node::Kubelet);
        assert_eq!(s.len(), 1);
        let field = Field {
            path: "readOnlyPort",
            flag: "read-only-port",
        };
        match s[0].get(field) {
            Lookup::Set { raw, pointer } => {
                assert_eq!(raw.as_i64(), Some(10255));
                assert_eq!(pointer.to_string(), "/data/kubelet");
            }
            _ => panic!("expected a value"),
        }
        let pod = Resource::from_value(
            json!({
                "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "k"},
                "spec": {"containers": [
                    {"name": "a", "command": ["kubelet", "--read-only-port=0"]},
                    {"name": "b", "command": ["kubelet", "--config=/var/lib/kubelet/config.yaml"]}
                ]}
            }),
            "t",
        )
        .unwrap();
        let s = sources(&pod, Node::Kubelet);
        assert!(matches!(s[0].get(field), Lookup::Set { .. }));
        assert!(matches!(s[1].get(field), Lookup::Unknown));
        let anon = Field {
            path: "authentication/anonymous/enabled",
            flag: "anonymous-auth",
        };
        assert!(matches!(
            s[0].get(anon),
            Lookup::Absent {
                flags_only: true,
                ..
            }
        ));
    }
}
