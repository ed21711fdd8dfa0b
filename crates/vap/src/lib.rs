//! Kubernetes ValidatingAdmissionPolicy and MutatingAdmissionPolicy, evaluated offline.
//!
//! [`PolicySet::load`] reads the policy documents (`admissionregistration.k8s.io` v1, v1beta1,
//! v1alpha1: ValidatingAdmissionPolicy, MutatingAdmissionPolicy and their bindings), compiles
//! every CEL expression once (compile errors become diagnostics pointing at the expression),
//! and indexes the bindings by the (group, resource) their policy can match, so a request
//! costs in proportion to the policies that can apply to it. Every other document given is
//! kept as inventory: param objects and Namespaces come from there.
//!
//! [`PolicySet::admit`] runs one [`AdmissionRequest`] through the mutating policies (in order,
//! with reinvocation), then the validating policies, in the API server's order (see
//! [`eval`]), and returns the [`Admission`]: allowed or not, the first denial, warnings,
//! audit annotations, the result of every binding that matched, and the mutated object.

mod eval;
pub mod matching;
pub mod patch;
pub mod policy;
pub mod request;

pub use eval::{Admission, BindingResult, PolicyType, Verdict};
pub use matching::{LabelSelector, MatchResources, resource_for_kind};
pub use policy::{Binding, MutatingPolicy, PolicyKind, ValidatingPolicy};
pub use request::{AdmissionRequest, RequestView, UserInfo};

use palisade_cel::{AuthorizerConfig, CelEnv, EnvError, Limits};
use palisade_model::Resource;
use palisade_source::Diagnostic;
use policy::Compiler;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Errors that stop loading altogether
#[derive(Debug, thiserror::Error)]
pub enum VapError {
    /// The CEL environment could not be built
    #[error(transparent)]
    Env(#[from] EnvError),
}

/// Options of a policy set
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// How `authorizer` checks are answered (allow-all by default)
    pub authorizer: AuthorizerConfig,
    /// Per-expression cost limit and deadline
    pub limits: Limits,
}

/// Bindings by the (group, resource) their policy can match
#[derive(Debug, Default)]
struct Index {
    by_resource: HashMap<(String, String), Vec<u32>>,
    wildcard: Vec<u32>,
}

impl Index {
    fn build(constraints: &[&MatchResources]) -> Self {
        let mut idx = Self::default();
        for (i, c) in constraints.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let mut keys = Vec::new();
            let mut wild = c.resource_rules.is_empty();
            for r in &c.resource_rules {
                match r.index_keys() {
                    Some(k) => keys.extend(k),
                    None => wild = true,
                }
            }
            if wild {
                idx.wildcard.push(i);
                continue;
            }
            keys.sort();
            keys.dedup();
            for k in keys {
                idx.by_resource.entry(k).or_default().push(i);
            }
        }
        idx
    }

    /// Candidate entries for a request, in load order
    fn candidates(&self, group: &str, resource: &str) -> Vec<u32> {
        let exact = self
            .by_resource
            .get(&(group.to_owned(), resource.to_owned()))
            .map_or(&[][..], Vec::as_slice);
        let mut out = Vec::with_capacity(exact.len() + self.wildcard.len());
        out.extend_from_slice(exact);
        out.extend_from_slice(&self.wildcard);
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Param objects and Namespaces, from the documents given
#[derive(Debug, Default)]
pub(crate) struct Inventory {
    docs: Vec<Value>,
    by_kind: HashMap<(String, String), Vec<usize>>,
    namespaces: HashMap<String, usize>,
}

impl Inventory {
    fn add(&mut self, v: Value) {
        let s = |p: &str| {
            v.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let (api_version, kind, name) = (s("/apiVersion"), s("/kind"), s("/metadata/name"));
        if api_version.is_empty() || kind.is_empty() {
            return;
        }
        let i = self.docs.len();
        if kind == "Namespace" && api_version == "v1" {
            self.namespaces.insert(name, i);
        }
        self.by_kind.entry((api_version, kind)).or_default().push(i);
        self.docs.push(v);
    }

    pub(crate) fn of_kind(&self, api_version: &str, kind: &str) -> impl Iterator<Item = &Value> {
        self.by_kind
            .get(&(api_version.to_owned(), kind.to_owned()))
            .into_iter()
            .flatten()
            .filter_map(|i| self.docs.get(*i))
    }

    pub(crate) fn namespace(&self, name: &str) -> Option<&Value> {
        self.namespaces.get(name).and_then(|i| self.docs.get(*i))
    }
}

/// Loaded, compiled admission policies with their bindings and inventory. `Send + Sync`:
/// evaluate requests from any number of threads.
pub struct PolicySet {
    env: CelEnv,
    validating: Vec<ValidatingPolicy>,
    mutating: Vec<MutatingPolicy>,
    /// (policy index, binding), sorted by policy name then binding name
    v_bindings: Vec<(usize, Binding)>,
    m_bindings: Vec<(usize, Binding)>,
    v_index: Index,
    m_index: Index,
    inventory: Inventory,
    authorizer: Arc<AuthorizerConfig>,
    limits: Limits,
}

impl std::fmt::Debug for PolicySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicySet")
            .field("validating", &self.validating.len())
            .field("mutating", &self.mutating.len())
            .field("validating_bindings", &self.v_bindings.len())
            .field("mutating_bindings", &self.m_bindings.len())
            .finish_non_exhaustive()
    }
}

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<PolicySet>();
};

impl PolicySet {
    /// Is this document one of the admission policy kinds?
    pub fn is_policy_document(r: &Resource) -> bool {
        PolicyKind::of(&r.api_version, &r.kind).is_some()
    }

    /// Load policies and bindings from `documents` (any other document there is inventory),
    /// plus `inventory` (param objects, Namespaces). Returns the set and the diagnostics
    /// (invalid fields, CEL compile errors, bindings to unknown policies).
    pub fn load<'a>(
        documents: impl IntoIterator<Item = &'a Resource>,
        inventory: impl IntoIterator<Item = Value>,
        options: Options,
    ) -> Result<(Self, Vec<Diagnostic>), VapError> {
        let env = CelEnv::kubernetes()?;
        let mut diags = Vec::new();
        let mut validating = Vec::new();
        let mut mutating = Vec::new();
        let mut vb = Vec::new();
        let mut mb = Vec::new();
        let mut inv = Inventory::default();
        for r in documents {
            let Some(kind) = PolicyKind::of(&r.api_version, &r.kind) else {
                inv.add(r.value.clone());
                continue;
            };
            let mut c = Compiler {
                env: &env,
                resource: r,
                diags: Vec::new(),
            };
            match kind {
                PolicyKind::Validating => validating.push(c.validating()),
                PolicyKind::Mutating => mutating.push(c.mutating()),
                PolicyKind::ValidatingBinding => vb.push((c.binding(true), r)),
                PolicyKind::MutatingBinding => mb.push((c.binding(false), r)),
            }
            diags.append(&mut c.diags);
        }
        for v in inventory {
            inv.add(v);
        }
        let link = |bindings: Vec<(Binding, &Resource)>,
                    names: &[&str],
                    what: &str,
                    diags: &mut Vec<Diagnostic>| {
            let mut out: Vec<(usize, Binding)> = Vec::new();
            for (b, r) in bindings {
                match names.iter().position(|n| *n == b.policy_name) {
                    Some(i) => out.push((i, b)),
                    None => diags.push(
                        Diagnostic::warning(
                            "vap-unknown-policy",
                            &r.file.name,
                            Some(r.locate(&palisade_source::JsonPointer::parse(
                                "/spec/policyName",
                            ))),
                            format!(
                                "binding `{}` refers to {what} `{}`, which is not among the loaded policies",
                                b.name, b.policy_name
                            ),
                        )
                        .with_help("the binding is ignored, as the API server ignores it"),
                    ),
                }
            }
            out.sort_by(|a, b| (names.get(a.0), &a.1.name).cmp(&(names.get(b.0), &b.1.name)));
            out
        };
        let vnames: Vec<&str> = validating
            .iter()
            .map(|p: &ValidatingPolicy| p.name.as_str())
            .collect();
        let mnames: Vec<&str> = mutating
            .iter()
            .map(|p: &MutatingPolicy| p.name.as_str())
            .collect();
        let v_bindings = link(vb, &vnames, "ValidatingAdmissionPolicy", &mut diags);
        let m_bindings = link(mb, &mnames, "MutatingAdmissionPolicy", &mut diags);
        let v_index = Index::build(
            &v_bindings
                .iter()
                .map(|(p, _)| &validating[*p].constraints)
                .collect::<Vec<_>>(),
        );
        let m_index = Index::build(
            &m_bindings
                .iter()
                .map(|(p, _)| &mutating[*p].constraints)
                .collect::<Vec<_>>(),
        );
        Ok((
            Self {
                env,
                validating,
                mutating,
                v_bindings,
                m_bindings,
                v_index,
                m_index,
                inventory: inv,
                authorizer: Arc::new(options.authorizer),
                limits: options.limits,
            },
            diags,
        ))
    }

    /// Number of validating policies, mutating policies and bindings loaded
    pub fn counts(&self) -> (usize, usize, usize) {
        (
            self.validating.len(),
            self.mutating.len(),
            self.v_bindings.len() + self.m_bindings.len(),
        )
    }

    /// The validating bindings with their policies, in evaluation order
    pub fn validating_bindings(&self) -> impl Iterator<Item = (&ValidatingPolicy, &Binding)> {
        self.v_bindings
            .iter()
            .filter_map(|(p, b)| Some((self.validating.get(*p)?, b)))
    }

    /// The mutating bindings with their policies, in evaluation order
    pub fn mutating_bindings(&self) -> impl Iterator<Item = (&MutatingPolicy, &Binding)> {
        self.m_bindings
            .iter()
            .filter_map(|(p, b)| Some((self.mutating.get(*p)?, b)))
    }

    /// Validating bindings whose policy can match (group, resource) per the index
    pub fn candidate_count(&self, group: &str, resource: &str) -> usize {
        self.v_index.candidates(group, resource).len()
    }
}
