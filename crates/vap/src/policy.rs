//! ValidatingAdmissionPolicy, MutatingAdmissionPolicy and their bindings: parsed and compiled
//! once, with diagnostics pointing at the policy files.

use crate::matching::{LabelSelector, MatchResources};
use palisade_cel::{CelEnv, Declarations, Program, Variable};
use palisade_model::Resource;
use palisade_source::{Diagnostic, JsonPointer};
use serde_json::Value;

/// The API group of admission policies
pub const GROUP: &str = "admissionregistration.k8s.io";

/// What a policy document is
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// `ValidatingAdmissionPolicy`
    Validating,
    /// `ValidatingAdmissionPolicyBinding`
    ValidatingBinding,
    /// `MutatingAdmissionPolicy`
    Mutating,
    /// `MutatingAdmissionPolicyBinding`
    MutatingBinding,
}

impl PolicyKind {
    /// The kind of an `apiVersion`/`kind` pair, if it is an admission policy kind
    pub fn of(api_version: &str, kind: &str) -> Option<Self> {
        let (group, version) = api_version.rsplit_once('/')?;
        if group != GROUP || !matches!(version, "v1" | "v1beta1" | "v1alpha1") {
            return None;
        }
        match kind {
            "ValidatingAdmissionPolicy" => Some(Self::Validating),
            "ValidatingAdmissionPolicyBinding" => Some(Self::ValidatingBinding),
            "MutatingAdmissionPolicy" => Some(Self::Mutating),
            "MutatingAdmissionPolicyBinding" => Some(Self::MutatingBinding),
            _ => None,
        }
    }
}

/// `failurePolicy`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailurePolicy {
    /// Errors deny (the default)
    Fail,
    /// Errors are ignored
    Ignore,
}

/// `paramKind`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamKind {
    /// `apiVersion` of the param objects
    pub api_version: String,
    /// `kind` of the param objects
    pub kind: String,
}

/// A compiled expression, or why it did not compile (then it evaluates to that error)
#[derive(Debug, Clone)]
pub struct Expr {
    /// The expression as written
    pub source: String,
    /// The program, when it compiled
    pub program: Result<Program, String>,
}

/// A named expression (`matchConditions`)
#[derive(Debug, Clone)]
pub struct NamedExpr {
    /// `name`
    pub name: String,
    /// `expression`
    pub expr: Expr,
}

/// One `validations[]` entry
#[derive(Debug, Clone)]
pub struct Validation {
    /// `expression`
    pub expr: Expr,
    /// `message`
    pub message: Option<String>,
    /// `messageExpression`
    pub message_expression: Option<Expr>,
    /// `reason` (default `Invalid`)
    pub reason: Option<String>,
}

/// One `auditAnnotations[]` entry
#[derive(Debug, Clone)]
pub struct AuditAnnotation {
    /// `key`
    pub key: String,
    /// `valueExpression`
    pub value: Expr,
}

/// A ValidatingAdmissionPolicy
#[derive(Debug, Clone)]
pub struct ValidatingPolicy {
    /// `metadata.name`
    pub name: String,
    /// `spec.paramKind`
    pub param_kind: Option<ParamKind>,
    /// `spec.matchConstraints`
    pub constraints: MatchResources,
    /// `spec.matchConditions`
    pub match_conditions: Vec<NamedExpr>,
    /// `spec.variables`
    pub variables: Vec<Variable>,
    /// `spec.validations`
    pub validations: Vec<Validation>,
    /// `spec.auditAnnotations`
    pub audit_annotations: Vec<AuditAnnotation>,
    /// `spec.failurePolicy`
    pub failure_policy: FailurePolicy,
    /// A configuration error that makes every evaluation an error
    pub config_error: Option<String>,
    /// The variables its expressions name (the others are not bound)
    pub names: Names,
}

/// `patchType` of a mutation
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// RFC 6902 operations built by CEL
    JsonPatch,
    /// A partial object merged in (structured merge)
    ApplyConfiguration,
}

/// One `mutations[]` entry
#[derive(Debug, Clone)]
pub struct Mutation {
    /// `patchType`
    pub patch_type: PatchType,
    /// `jsonPatch.expression` or `applyConfiguration.expression`
    pub expr: Expr,
}

/// A MutatingAdmissionPolicy
#[derive(Debug, Clone)]
pub struct MutatingPolicy {
    /// `metadata.name`
    pub name: String,
    /// `spec.paramKind`
    pub param_kind: Option<ParamKind>,
    /// `spec.matchConstraints`
    pub constraints: MatchResources,
    /// `spec.matchConditions`
    pub match_conditions: Vec<NamedExpr>,
    /// `spec.variables`
    pub variables: Vec<Variable>,
    /// `spec.mutations`
    pub mutations: Vec<Mutation>,
    /// `spec.failurePolicy`
    pub failure_policy: FailurePolicy,
    /// `spec.reinvocationPolicy` is `IfNeeded`
    pub reinvoke: bool,
    /// A configuration error that makes every evaluation an error
    pub config_error: Option<String>,
    /// The variables its expressions name (the others are not bound)
    pub names: Names,
}

/// `paramRef`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamRef {
    /// `name`
    pub name: Option<String>,
    /// `namespace`
    pub namespace: Option<String>,
    /// `selector`
    pub selector: Option<LabelSelector>,
    /// `parameterNotFoundAction` is `Deny` (the default) rather than `Allow`
    pub not_found_deny: bool,
}

/// `validationActions`
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Actions {
    /// `Deny`
    pub deny: bool,
    /// `Warn`
    pub warn: bool,
    /// `Audit`
    pub audit: bool,
}

impl Actions {
    /// As listed in the binding
    pub fn names(self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.deny {
            v.push("Deny");
        }
        if self.warn {
            v.push("Warn");
        }
        if self.audit {
            v.push("Audit");
        }
        v
    }
}

/// A ValidatingAdmissionPolicyBinding or MutatingAdmissionPolicyBinding
#[derive(Debug, Clone)]
pub struct Binding {
    /// `metadata.name`
    pub name: String,
    /// `spec.policyName`
    pub policy_name: String,
    /// `spec.paramRef`
    pub param_ref: Option<ParamRef>,
    /// `spec.matchResources`
    pub match_resources: Option<MatchResources>,
    /// `spec.validationActions` (validating bindings)
    pub actions: Actions,
}

/// Parses and compiles policy documents, collecting diagnostics
pub(crate) struct Compiler<'a> {
    pub env: &'a CelEnv,
    pub resource: &'a Resource,
    pub diags: Vec<Diagnostic>,
}

fn ptr(path: &str) -> JsonPointer {
    JsonPointer::parse(path)
}

impl Compiler<'_> {
    fn error(&mut self, path: &str, message: impl Into<String>) {
        let at = self.resource.locate(&ptr(path));
        self.diags.push(Diagnostic::error(
            "vap-invalid",
            &self.resource.file.name,
            Some(at),
            message,
        ));
    }

    fn name(&mut self) -> String {
        let v = &self.resource.value;
        match v.pointer("/metadata/name").and_then(Value::as_str) {
            Some(n) if !n.is_empty() => n.to_owned(),
            _ => {
                self.error("/metadata", "`metadata.name` is required");
                String::new()
            }
        }
    }

    fn compile(&mut self, path: &str, decls: &Declarations) -> Option<Expr> {
        let v = self.resource.value.pointer(path)?;
        let Some(source) = v.as_str() else {
            self.error(
                path,
                format!("`{}` must be a string", path.trim_start_matches('/')),
            );
            return None;
        };
        let program = match self.env.compile(source, decls) {
            Ok(p) => Ok(p),
            Err(e) => {
                let at = self.resource.locate(&ptr(path));
                let what = path.trim_start_matches('/').replace('/', ".");
                self.diags
                    .push(e.diagnostic(&self.resource.file, at, &what));
                Err(format!("compilation error: {}", e.message))
            }
        };
        Some(Expr {
            source: source.to_owned(),
            program,
        })
    }

    fn failure_policy(&mut self) -> FailurePolicy {
        match self
            .resource
            .value
            .pointer("/spec/failurePolicy")
            .and_then(Value::as_str)
        {
            None | Some("Fail") => FailurePolicy::Fail,
            Some("Ignore") => FailurePolicy::Ignore,
            Some(other) => {
                self.error(
                    "/spec/failurePolicy",
                    format!("failurePolicy `{other}` is not Fail or Ignore"),
                );
                FailurePolicy::Fail
            }
        }
    }

    fn param_kind(&mut self) -> Option<ParamKind> {
        let pk = self.resource.value.pointer("/spec/paramKind")?;
        let s = |k: &str| {
            pk.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let (api_version, kind) = (s("apiVersion"), s("kind"));
        if kind.is_empty() || api_version.is_empty() {
            self.error(
                "/spec/paramKind",
                "`paramKind` needs both `apiVersion` and `kind`",
            );
        }
        Some(ParamKind { api_version, kind })
    }

    fn constraints(&mut self) -> (MatchResources, Option<String>) {
        match self.resource.value.pointer("/spec/matchConstraints") {
            None => {
                self.error("/spec", "`spec.matchConstraints` is required");
                (
                    MatchResources::default(),
                    Some("matchConstraints is required".into()),
                )
            }
            Some(v) => match MatchResources::parse(v) {
                Ok(m) => {
                    if m.resource_rules.is_empty() {
                        self.error(
                            "/spec/matchConstraints",
                            "`matchConstraints.resourceRules` is required",
                        );
                    }
                    (m, None)
                }
                Err(e) => {
                    self.error("/spec/matchConstraints", e.clone());
                    (MatchResources::default(), Some(e))
                }
            },
        }
    }

    fn base_decls(params: bool) -> Declarations {
        let mut roots: Vec<String> = [
            "object",
            "oldObject",
            "request",
            "namespaceObject",
            "authorizer",
        ]
        .map(String::from)
        .to_vec();
        if params {
            roots.push("params".into());
        }
        Declarations {
            roots,
            variables: Vec::new(),
            typed_request: true,
        }
    }

    fn list(&self, path: &str) -> usize {
        self.resource
            .value
            .pointer(path)
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    }

    /// Variables (each may use the earlier ones) and the declarations after them
    fn variables(&mut self, decls: &mut Declarations) -> Vec<Variable> {
        let mut vars = Vec::new();
        for i in 0..self.list("/spec/variables") {
            let base = format!("/spec/variables/{i}");
            let name = self
                .resource
                .value
                .pointer(&format!("{base}/name"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if name.is_empty() {
                self.error(&base, "variable `name` is required");
                continue;
            }
            let program = match self.compile(&format!("{base}/expression"), decls) {
                Some(Expr { program: Ok(p), .. }) => p,
                Some(Expr {
                    program: Err(e), ..
                }) => self.env.failing(&e),
                None => self.env.failing("variable `expression` is required"),
            };
            vars.push(Variable {
                name: name.clone(),
                program,
            });
            decls.variables.push(name);
        }
        vars
    }

    fn match_conditions(&mut self, decls: &Declarations) -> Vec<NamedExpr> {
        let mut out = Vec::new();
        for i in 0..self.list("/spec/matchConditions") {
            let base = format!("/spec/matchConditions/{i}");
            let name = self
                .resource
                .value
                .pointer(&format!("{base}/name"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if let Some(expr) = self.compile(&format!("{base}/expression"), decls) {
                out.push(NamedExpr { name, expr });
            } else {
                self.error(&base, "matchCondition `expression` is required");
            }
        }
        out
    }

    /// Compile a ValidatingAdmissionPolicy
    pub fn validating(&mut self) -> ValidatingPolicy {
        let name = self.name();
        let param_kind = self.param_kind();
        let (constraints, config_error) = self.constraints();
        let failure_policy = self.failure_policy();
        let mut decls = Self::base_decls(param_kind.is_some());
        let variables = self.variables(&mut decls);
        let match_conditions = self.match_conditions(&decls);
        let mut message_decls = decls.clone();
        message_decls.roots.retain(|r| r != "authorizer");
        let mut validations = Vec::new();
        for i in 0..self.list("/spec/validations") {
            let base = format!("/spec/validations/{i}");
            let Some(expr) = self.compile(&format!("{base}/expression"), &decls) else {
                self.error(&base, "validation `expression` is required");
                continue;
            };
            let get = |k: &str| {
                self.resource
                    .value
                    .pointer(&format!("{base}/{k}"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            let message = get("message");
            let reason = get("reason");
            if let Some(r) = &reason
                && !matches!(
                    r.as_str(),
                    "Unauthorized" | "Forbidden" | "Invalid" | "RequestEntityTooLarge"
                )
            {
                self.error(
                    &format!("{base}/reason"),
                    format!("reason `{r}` is not Unauthorized, Forbidden, Invalid or RequestEntityTooLarge"),
                );
            }
            let message_expression =
                self.compile(&format!("{base}/messageExpression"), &message_decls);
            validations.push(Validation {
                expr,
                message,
                message_expression,
                reason,
            });
        }
        let mut audit_annotations = Vec::new();
        for i in 0..self.list("/spec/auditAnnotations") {
            let base = format!("/spec/auditAnnotations/{i}");
            let key = self
                .resource
                .value
                .pointer(&format!("{base}/key"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if let Some(value) = self.compile(&format!("{base}/valueExpression"), &decls) {
                audit_annotations.push(AuditAnnotation { key, value });
            }
        }
        if validations.is_empty() && audit_annotations.is_empty() {
            self.error(
                "/spec",
                "a policy needs `validations` or `auditAnnotations`",
            );
        }
        let names = Names::of(
            match_conditions
                .iter()
                .map(|c| &c.expr)
                .chain(
                    validations
                        .iter()
                        .flat_map(|v| std::iter::once(&v.expr).chain(&v.message_expression)),
                )
                .chain(audit_annotations.iter().map(|a| &a.value)),
            &variables,
        );
        ValidatingPolicy {
            name,
            param_kind,
            constraints,
            match_conditions,
            variables,
            validations,
            audit_annotations,
            failure_policy,
            config_error,
            names,
        }
    }

    /// Compile a MutatingAdmissionPolicy
    pub fn mutating(&mut self) -> MutatingPolicy {
        let name = self.name();
        let param_kind = self.param_kind();
        let (constraints, config_error) = self.constraints();
        let failure_policy = self.failure_policy();
        let mut decls = Self::base_decls(param_kind.is_some());
        let variables = self.variables(&mut decls);
        let match_conditions = self.match_conditions(&decls);
        let mut mutations = Vec::new();
        for i in 0..self.list("/spec/mutations") {
            let base = format!("/spec/mutations/{i}");
            let patch_type = match self
                .resource
                .value
                .pointer(&format!("{base}/patchType"))
                .and_then(Value::as_str)
            {
                Some("JSONPatch") => PatchType::JsonPatch,
                Some("ApplyConfiguration") => PatchType::ApplyConfiguration,
                other => {
                    self.error(
                        &format!("{base}/patchType"),
                        format!(
                            "patchType `{}` is not JSONPatch or ApplyConfiguration",
                            other.unwrap_or("")
                        ),
                    );
                    continue;
                }
            };
            let field = match patch_type {
                PatchType::JsonPatch => "jsonPatch",
                PatchType::ApplyConfiguration => "applyConfiguration",
            };
            match self.compile(&format!("{base}/{field}/expression"), &decls) {
                Some(expr) => mutations.push(Mutation { patch_type, expr }),
                None => self.error(&base, format!("`{field}.expression` is required")),
            }
        }
        let reinvoke = match self
            .resource
            .value
            .pointer("/spec/reinvocationPolicy")
            .and_then(Value::as_str)
        {
            None | Some("Never") => false,
            Some("IfNeeded") => true,
            Some(other) => {
                self.error(
                    "/spec/reinvocationPolicy",
                    format!("reinvocationPolicy `{other}` is not Never or IfNeeded"),
                );
                false
            }
        };
        let names = Names::of(
            match_conditions
                .iter()
                .map(|c| &c.expr)
                .chain(mutations.iter().map(|m| &m.expr)),
            &variables,
        );
        MutatingPolicy {
            name,
            param_kind,
            constraints,
            match_conditions,
            variables,
            mutations,
            failure_policy,
            reinvoke,
            config_error,
            names,
        }
    }

    /// Parse a binding
    pub fn binding(&mut self, validating: bool) -> Binding {
        let name = self.name();
        let v = &self.resource.value;
        let policy_name = v
            .pointer("/spec/policyName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let param_ref = v.pointer("/spec/paramRef").cloned();
        let match_resources = v.pointer("/spec/matchResources").cloned();
        let actions_v = v.pointer("/spec/validationActions").cloned();
        if policy_name.is_empty() {
            self.error("/spec", "`spec.policyName` is required");
        }
        let param_ref = param_ref.map(|p| {
            let s = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_owned);
            let selector = match p.get("selector").map(LabelSelector::parse).transpose() {
                Ok(sel) => sel,
                Err(e) => {
                    self.error("/spec/paramRef/selector", e);
                    None
                }
            };
            let name = s("name");
            if name.is_some() == selector.is_some() {
                self.error(
                    "/spec/paramRef",
                    "exactly one of `paramRef.name` and `paramRef.selector` must be set",
                );
            }
            let not_found_deny = match s("parameterNotFoundAction").as_deref() {
                None | Some("Deny") => true,
                Some("Allow") => false,
                Some(other) => {
                    self.error(
                        "/spec/paramRef/parameterNotFoundAction",
                        format!("parameterNotFoundAction `{other}` is not Allow or Deny"),
                    );
                    true
                }
            };
            ParamRef {
                name,
                namespace: s("namespace"),
                selector,
                not_found_deny,
            }
        });
        let match_resources = match match_resources
            .map(|m| MatchResources::parse(&m))
            .transpose()
        {
            Ok(m) => m,
            Err(e) => {
                self.error("/spec/matchResources", e);
                None
            }
        };
        let mut actions = Actions::default();
        if validating {
            for a in actions_v
                .as_ref()
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                match a.as_str() {
                    Some("Deny") => actions.deny = true,
                    Some("Warn") => actions.warn = true,
                    Some("Audit") => actions.audit = true,
                    other => self.error(
                        "/spec/validationActions",
                        format!(
                            "validationAction `{}` is not Deny, Warn or Audit",
                            other.unwrap_or("")
                        ),
                    ),
                }
            }
            if actions == Actions::default() {
                self.error(
                    "/spec",
                    "`spec.validationActions` must list at least one of Deny, Warn, Audit",
                );
            }
            if actions.deny && actions.warn {
                self.error(
                    "/spec/validationActions",
                    "validationActions `Deny` and `Warn` may not be used together",
                );
                actions.warn = false;
            }
        }
        Binding {
            name,
            policy_name,
            param_ref,
            match_resources,
            actions,
        }
    }
}

/// The activation variables a policy's expressions and composited variables name. CEL names
/// a variable in the source, so one that no expression writes out cannot be read: it need not
/// be bound (nor, for `request`, built). A name inside a string literal only costs that.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Names {
    /// `object`
    pub object: bool,
    /// `oldObject`
    pub old_object: bool,
    /// `request`
    pub request: bool,
    /// `namespaceObject`
    pub namespace_object: bool,
    /// `params`
    pub params: bool,
    /// `authorizer`
    pub authorizer: bool,
}

impl Names {
    fn of<'e>(exprs: impl IntoIterator<Item = &'e Expr>, variables: &'e [Variable]) -> Self {
        let sources = exprs
            .into_iter()
            .map(|e| e.source.as_str())
            .chain(variables.iter().map(|v| v.program.source()));
        let mut names = Self::default();
        for s in sources {
            names.object |= s.contains("object");
            names.old_object |= s.contains("oldObject");
            names.request |= s.contains("request");
            names.namespace_object |= s.contains("namespaceObject");
            names.params |= s.contains("params");
            names.authorizer |= s.contains("authorizer");
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use super::Names;
    use crate::{Options, PolicySet};
    use palisade_model::Resource;
    use serde_json::json;

    #[test]
    fn names_the_variables_its_expressions_write_out() {
        let policy = |name: &str, spec: serde_json::Value| {
            Resource::from_value(
                json!({"apiVersion": "admissionregistration.k8s.io/v1",
                    "kind": "ValidatingAdmissionPolicy", "metadata": {"name": name}, "spec": spec}),
                "p.yaml",
            )
            .unwrap()
        };
        let docs = [
            policy(
                "plain",
                json!({"validations": [{"expression": "object.x < 5"}]}),
            ),
            policy(
                "message",
                json!({"validations": [{"expression": "true",
                    "messageExpression": "request.userInfo.username"}]}),
            ),
            policy(
                "variable",
                json!({"variables": [{"name": "op", "expression": "request.operation"}],
                    "validations": [{"expression": "variables.op != 'DELETE'"}]}),
            ),
        ];
        let (set, _) = PolicySet::load(&docs, [], Options::default()).unwrap();
        let names: Vec<Names> = set.validating.iter().map(|p| p.names).collect();
        let object = Names {
            object: true,
            ..Names::default()
        };
        let request = Names {
            request: true,
            ..Names::default()
        };
        assert_eq!(names, [object, request, request]);
    }
}
