//! ConstraintTemplates (`templates.gatekeeper.sh/v1`, `v1beta1`, `v1alpha1`) and Constraints.

use crate::GatekeeperError;
use crate::matching::Match;
use crate::review::{split_api_version, str_at};
use crate::schema;
use serde_json::{Value, json};

/// API group of ConstraintTemplates
pub const TEMPLATE_GROUP: &str = "templates.gatekeeper.sh";
/// API group of Constraints
pub const CONSTRAINT_GROUP: &str = "constraints.gatekeeper.sh";
/// The only target Gatekeeper registers for Kubernetes admission
pub const ADMISSION_TARGET: &str = "admission.k8s.gatekeeper.sh";
/// Engine name of Rego in `code[]`
pub const ENGINE_REGO: &str = "Rego";
/// Engine name of CEL in `code[]`
pub const ENGINE_CEL: &str = "K8sNativeValidation";

/// Rego language version of a source
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegoVersion {
    /// Rego v0 (every legacy `targets[].rego`, and `code[]` without `version: v1`)
    V0,
    /// Rego v1 (`code[].source.version: "v1"`)
    V1,
}

/// The Rego of a template: the main module and its `libs`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegoSource {
    /// Main module (must define `violation`)
    pub rego: String,
    /// Library modules (packages under `lib`)
    pub libs: Vec<String>,
    /// Language version
    pub version: RegoVersion,
}

/// A loaded ConstraintTemplate
#[derive(Debug, Clone, PartialEq)]
pub struct ConstraintTemplate {
    /// `metadata.name` (the lowercase of `kind`)
    pub name: String,
    /// The generated Constraint kind (`spec.crd.spec.names.kind`)
    pub kind: String,
    /// `apiVersion` of the template
    pub api_version: String,
    /// `spec.crd.spec.validation.openAPIV3Schema`: the schema of `spec.parameters`
    pub schema: Option<Value>,
    /// Rego to run: the legacy `targets[0].rego` (+ `libs`), else a `code[]` entry `Rego`
    pub rego: Option<RegoSource>,
    /// The `source` of a `code[]` entry `K8sNativeValidation`, for a CEL backend
    pub cel: Option<Value>,
    /// Engines in `code[]` that Palisade does not know
    pub other_engines: Vec<String>,
}

impl ConstraintTemplate {
    /// Is this document a ConstraintTemplate?
    pub fn is_template(doc: &Value) -> bool {
        str_at(doc, &["kind"]) == "ConstraintTemplate"
            && split_api_version(str_at(doc, &["apiVersion"])).0 == TEMPLATE_GROUP
    }

    /// Load a template, with the checks Gatekeeper makes when one is added
    pub fn parse(doc: &Value) -> Result<Self, GatekeeperError> {
        let name = str_at(doc, &["metadata", "name"]).to_owned();
        let invalid = |reason: String| GatekeeperError::InvalidTemplate {
            name: if name.is_empty() {
                "<unnamed>".into()
            } else {
                name.clone()
            },
            reason,
        };
        let api_version = str_at(doc, &["apiVersion"]).to_owned();
        let (group, version) = split_api_version(&api_version);
        if group != TEMPLATE_GROUP || !matches!(version, "v1" | "v1beta1" | "v1alpha1") {
            return Err(invalid(format!(
                "`apiVersion: {api_version}` is not a ConstraintTemplate version (expected {TEMPLATE_GROUP}/v1, v1beta1 or v1alpha1)"
            )));
        }
        if name.is_empty() {
            return Err(invalid("`metadata.name` is missing".into()));
        }
        let kind = str_at(doc, &["spec", "crd", "spec", "names", "kind"]).to_owned();
        if kind.is_empty() {
            return Err(invalid("`spec.crd.spec.names.kind` is missing".into()));
        }
        if name != kind.to_lowercase() {
            return Err(invalid(format!(
                "the template's name `{name}` must be the lowercase of its kind `{kind}`"
            )));
        }
        let schema = doc
            .pointer("/spec/crd/spec/validation/openAPIV3Schema")
            .filter(|s| s.is_object())
            .cloned();
        let targets = match doc.pointer("/spec/targets") {
            Some(Value::Array(t)) => t,
            _ => return Err(invalid("`spec.targets` is missing".into())),
        };
        let [target] = targets.as_slice() else {
            return Err(invalid(format!(
                "expected exactly 1 item in `spec.targets`, got {}",
                targets.len()
            )));
        };
        let target_name = str_at(target, &["target"]);
        if target_name != ADMISSION_TARGET {
            return Err(invalid(format!(
                "target `{target_name}` is not recognized (expected `{ADMISSION_TARGET}`)"
            )));
        }
        let legacy_rego = match target.get("rego") {
            Some(Value::String(rego)) if !rego.trim().is_empty() => Some(RegoSource {
                rego: rego.clone(),
                libs: string_list(target.get("libs"))
                    .map_err(|e| invalid(format!("`libs`: {e}")))?,
                version: RegoVersion::V0,
            }),
            _ => None,
        };
        let mut code_rego = None;
        let mut cel = None;
        let mut other_engines = Vec::new();
        if let Some(code) = target.get("code") {
            let Value::Array(entries) = code else {
                return Err(invalid("`code` must be a list".into()));
            };
            for entry in entries {
                let engine = str_at(entry, &["engine"]);
                let source = entry.get("source").cloned().unwrap_or(Value::Null);
                match engine {
                    ENGINE_REGO => {
                        let rego = str_at(&source, &["rego"]);
                        if rego.trim().is_empty() {
                            return Err(invalid("`code` entry `Rego` has no `source.rego`".into()));
                        }
                        let version = match str_at(&source, &["version"]) {
                            "v1" => RegoVersion::V1,
                            "" | "v0" => RegoVersion::V0,
                            other => {
                                return Err(invalid(format!(
                                    "unknown Rego version `{other}` (expected v0 or v1)"
                                )));
                            }
                        };
                        code_rego = Some(RegoSource {
                            rego: rego.to_owned(),
                            libs: string_list(source.get("libs"))
                                .map_err(|e| invalid(format!("`source.libs`: {e}")))?,
                            version,
                        });
                    }
                    // the driver reads the first entry
                    ENGINE_CEL if cel.is_none() => cel = Some(source),
                    ENGINE_CEL => {}
                    "" => return Err(invalid("a `code` entry has no `engine`".into())),
                    other => other_engines.push(other.to_owned()),
                }
            }
        }
        // the legacy field wins over a `code` entry for Rego
        let rego = legacy_rego.or(code_rego);
        if rego.is_none() && cel.is_none() && other_engines.is_empty() {
            return Err(invalid(
                "the target has no `rego` and no `code`: nothing to evaluate".into(),
            ));
        }
        Ok(Self {
            name,
            kind,
            api_version,
            schema,
            rego,
            cel,
            other_engines,
        })
    }
}

fn string_list(v: Option<&Value>) -> Result<Vec<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| "must be a list of strings".to_owned())
            })
            .collect(),
        Some(_) => Err("must be a list of strings".into()),
    }
}

/// Enforcement point names of `scopedEnforcementActions`
pub mod enforcement_points {
    /// The admission webhook
    pub const VALIDATION: &str = "validation.gatekeeper.sh";
    /// The audit controller
    pub const AUDIT: &str = "audit.gatekeeper.sh";
    /// The gator CLI (`palisade test` and `palisade apply` act as this point)
    pub const GATOR: &str = "gator.gatekeeper.sh";
    /// ValidatingAdmissionPolicy generation
    pub const VAP: &str = "vap.k8s.io";
}

/// `spec.enforcementAction` (+ `scopedEnforcementActions`)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnforcementAction {
    /// Reject (the default)
    Deny,
    /// Record only
    Dryrun,
    /// Admit with a warning
    Warn,
    /// Per enforcement point: `(action, points)` pairs
    Scoped(Vec<(String, Vec<String>)>),
    /// Any other value, kept as written
    Other(String),
}

impl EnforcementAction {
    /// The actions that apply at enforcement point `point`; empty when the constraint does not
    /// apply there (a `scoped` constraint without that point)
    pub fn actions_at(&self, point: &str) -> Vec<String> {
        match self {
            Self::Deny => vec!["deny".into()],
            Self::Dryrun => vec!["dryrun".into()],
            Self::Warn => vec!["warn".into()],
            Self::Other(s) => vec![s.clone()],
            Self::Scoped(entries) => {
                let mut out: Vec<String> = Vec::new();
                for (action, points) in entries {
                    if points.iter().any(|p| p == point || p == "*") && !out.contains(action) {
                        out.push(action.clone());
                    }
                }
                out
            }
        }
    }
}

/// A loaded Constraint, defaulted from its template's schema.
///
/// Rego's form of `parameters` is converted on first evaluation and kept for the next ones;
/// parse a new `Constraint` rather than changing `parameters` after evaluating.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// Kind (the template's generated kind)
    pub kind: String,
    /// `metadata.name`
    pub name: String,
    /// The whole constraint after defaulting (what a CEL backend sees as `params`)
    pub object: Value,
    /// `spec.parameters` after defaulting; `{}` when absent (Rego's `input.parameters`)
    pub parameters: Value,
    /// `spec.match`
    pub matcher: Match,
    /// `spec.enforcementAction`
    pub enforcement_action: EnforcementAction,
    /// `parameters` as a regorus value (Rego's `input.parameters`), converted on first use
    pub(crate) rego_parameters: RegoParameters,
}

/// A lazily converted copy of a constraint's parameters; a function of them, so it never makes
/// constraints differ
#[derive(Default, Clone)]
pub(crate) struct RegoParameters(std::sync::OnceLock<regorus::Value>);

impl RegoParameters {
    /// The converted `parameters`, converting them on first use
    pub(crate) fn get(&self, parameters: &Value) -> &regorus::Value {
        self.0.get_or_init(|| crate::rego::to_rego(parameters))
    }
}

impl std::fmt::Debug for RegoParameters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RegoParameters")
    }
}

impl PartialEq for RegoParameters {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Constraint {
    /// Is this document a Constraint (group `constraints.gatekeeper.sh`)?
    pub fn is_constraint(doc: &Value) -> bool {
        split_api_version(str_at(doc, &["apiVersion"])).0 == CONSTRAINT_GROUP
    }

    /// Load a constraint of `template`'s kind: schema check, defaulting, `match` parsing
    pub fn parse(doc: &Value, template: &ConstraintTemplate) -> Result<Self, GatekeeperError> {
        let name = str_at(doc, &["metadata", "name"]).to_owned();
        let invalid = |reason: String| GatekeeperError::InvalidConstraint {
            name: if name.is_empty() {
                "<unnamed>".into()
            } else {
                name.clone()
            },
            reason,
        };
        if !Self::is_constraint(doc) {
            return Err(invalid(format!(
                "`apiVersion` must be in the `{CONSTRAINT_GROUP}` group"
            )));
        }
        let kind = str_at(doc, &["kind"]).to_owned();
        if kind != template.kind {
            return Err(GatekeeperError::UnknownConstraintKind { kind });
        }
        if name.is_empty() {
            return Err(invalid("`metadata.name` is missing".into()));
        }
        let mut object = doc.clone();
        if let (Some(schema), Some(params)) = (
            template.schema.as_ref(),
            object.pointer_mut("/spec/parameters"),
        ) {
            schema::validate(params, schema).map_err(|reason| GatekeeperError::Schema {
                name: name.clone(),
                reason,
            })?;
            schema::apply_defaults(params, schema);
        }
        let parameters = object
            .pointer("/spec/parameters")
            .filter(|p| !p.is_null())
            .cloned()
            .unwrap_or_else(|| json!({}));
        let matcher = Match::parse(object.pointer("/spec/match")).map_err(invalid)?;
        let enforcement_action = parse_action(&object).map_err(invalid)?;
        Ok(Self {
            kind,
            name,
            object,
            parameters,
            matcher,
            enforcement_action,
            rego_parameters: RegoParameters::default(),
        })
    }
}

fn parse_action(doc: &Value) -> Result<EnforcementAction, String> {
    Ok(match str_at(doc, &["spec", "enforcementAction"]) {
        "" | "deny" => EnforcementAction::Deny,
        "dryrun" => EnforcementAction::Dryrun,
        "warn" => EnforcementAction::Warn,
        "scoped" => {
            let entries = doc
                .pointer("/spec/scopedEnforcementActions")
                .and_then(Value::as_array)
                .ok_or("`enforcementAction: scoped` needs `scopedEnforcementActions`")?;
            let entries = entries
                .iter()
                .map(|e| {
                    let action = str_at(e, &["action"]).to_lowercase();
                    let points = e
                        .get("enforcementPoints")
                        .and_then(Value::as_array)
                        .map(|ps| {
                            ps.iter()
                                .map(|p| str_at(p, &["name"]).to_owned())
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default();
                    (action, points)
                })
                .collect();
            EnforcementAction::Scoped(entries)
        }
        other => EnforcementAction::Other(other.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(extra_target: Value) -> Value {
        let mut target = json!({"target": ADMISSION_TARGET});
        for (k, v) in extra_target.as_object().unwrap() {
            target[k] = v.clone();
        }
        json!({
            "apiVersion": "templates.gatekeeper.sh/v1",
            "kind": "ConstraintTemplate",
            "metadata": {"name": "k8sdemo"},
            "spec": {
                "crd": {"spec": {"names": {"kind": "K8sDemo"}, "validation": {"openAPIV3Schema": {
                    "type": "object",
                    "properties": {
                        "strict": {"type": "boolean", "default": false},
                        "labels": {"type": "array", "items": {"type": "string"}}
                    }
                }}}},
                "targets": [target]
            }
        })
    }

    #[test]
    fn parses_legacy_rego_and_code() {
        let t = ConstraintTemplate::parse(&template(json!({"rego": "package a\nviolation[{\"msg\": \"m\"}] { true }", "libs": ["package lib.x\n"]}))).unwrap();
        assert_eq!(t.kind, "K8sDemo");
        let rego = t.rego.unwrap();
        assert_eq!(rego.libs.len(), 1);
        assert_eq!(rego.version, RegoVersion::V0);
        let both = ConstraintTemplate::parse(&template(json!({"code": [
            {"engine": "K8sNativeValidation", "source": {"validations": [{"expression": "true"}]}},
            {"engine": "Rego", "source": {"rego": "package a\nviolation contains {\"msg\": \"m\"} if { true }", "version": "v1"}}
        ]}))).unwrap();
        assert!(both.cel.is_some());
        assert_eq!(both.rego.unwrap().version, RegoVersion::V1);
        let cel_only = ConstraintTemplate::parse(&template(json!({"code": [
            {"engine": "K8sNativeValidation", "source": {}}
        ]})))
        .unwrap();
        assert!(cel_only.rego.is_none() && cel_only.cel.is_some());
    }

    #[test]
    fn rejects_invalid_templates() {
        let mut bad_name = template(json!({"rego": "package a"}));
        bad_name["metadata"]["name"] = json!("other");
        assert!(ConstraintTemplate::parse(&bad_name).is_err());
        assert!(ConstraintTemplate::parse(&template(json!({}))).is_err());
        let mut bad_target = template(json!({"rego": "package a"}));
        bad_target["spec"]["targets"][0]["target"] = json!("other.target");
        assert!(ConstraintTemplate::parse(&bad_target).is_err());
    }

    #[test]
    fn constraint_defaults_and_actions() {
        let t = ConstraintTemplate::parse(&template(json!({"rego": "package a"}))).unwrap();
        let c = Constraint::parse(
            &json!({
                "apiVersion": "constraints.gatekeeper.sh/v1beta1",
                "kind": "K8sDemo",
                "metadata": {"name": "demo"},
                "spec": {"parameters": {"labels": ["a"]}, "enforcementAction": "warn"}
            }),
            &t,
        )
        .unwrap();
        assert_eq!(c.parameters, json!({"labels": ["a"], "strict": false}));
        assert_eq!(c.object["spec"]["parameters"]["strict"], json!(false));
        assert_eq!(
            c.enforcement_action.actions_at(enforcement_points::GATOR),
            vec!["warn"]
        );

        let no_params = Constraint::parse(
            &json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sDemo", "metadata": {"name": "d"}}),
            &t,
        )
        .unwrap();
        // no `spec.parameters`: nothing to default, Rego sees `{}`
        assert_eq!(no_params.parameters, json!({}));
        assert_eq!(no_params.enforcement_action, EnforcementAction::Deny);

        let wrong_type = Constraint::parse(
            &json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sDemo", "metadata": {"name": "d"},
                    "spec": {"parameters": {"labels": "a"}}}),
            &t,
        );
        assert!(matches!(wrong_type, Err(GatekeeperError::Schema { .. })));

        let other_kind = Constraint::parse(
            &json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sOther", "metadata": {"name": "d"}}),
            &t,
        );
        assert!(matches!(
            other_kind,
            Err(GatekeeperError::UnknownConstraintKind { .. })
        ));
    }

    #[test]
    fn scoped_actions() {
        let t = ConstraintTemplate::parse(&template(json!({"rego": "package a"}))).unwrap();
        let c = Constraint::parse(
            &json!({
                "apiVersion": "constraints.gatekeeper.sh/v1beta1",
                "kind": "K8sDemo",
                "metadata": {"name": "demo"},
                "spec": {"enforcementAction": "scoped", "scopedEnforcementActions": [
                    {"action": "warn", "enforcementPoints": [{"name": "validation.gatekeeper.sh"}]},
                    {"action": "deny", "enforcementPoints": [{"name": "gator.gatekeeper.sh"}, {"name": "audit.gatekeeper.sh"}]}
                ]}
            }),
            &t,
        )
        .unwrap();
        assert_eq!(
            c.enforcement_action.actions_at(enforcement_points::GATOR),
            vec!["deny"]
        );
        assert_eq!(
            c.enforcement_action
                .actions_at(enforcement_points::VALIDATION),
            vec!["warn"]
        );
        assert!(
            c.enforcement_action
                .actions_at(enforcement_points::VAP)
                .is_empty()
        );
    }
}
