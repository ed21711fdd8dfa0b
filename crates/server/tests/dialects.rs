//! ValidatingAdmissionPolicy/MutatingAdmissionPolicy, Gatekeeper and Kyverno served over real
//! HTTPS on loopback, alone and mixed with Pod Security and the built-in checks.

mod common;

use base64::Engine as _;
use common::{Harness, Setup, check_policy, pod, review, write};
use serde_json::{Value, json};

const VAP: &str = include_str!("fixtures/vap.yaml");
const GATEKEEPER: &str = include_str!("fixtures/gatekeeper.yaml");
const KYVERNO: &str = include_str!("fixtures/kyverno.yaml");
const REQUEST_FIELDS: &str = include_str!("fixtures/request_fields.yaml");
const KYVERNO_ROLES: &str = include_str!("fixtures/kyverno_roles.yaml");
const USER_EXTRA: &str = include_str!("fixtures/user_extra.yaml");

const NAMESPACES: &str = "\
apiVersion: v1
kind: Namespace
metadata: {name: prod, labels: {env: prod}}
---
apiVersion: v1
kind: Namespace
metadata: {name: dev, labels: {env: dev}}
---
apiVersion: v1
kind: Namespace
metadata: {name: kube-system}
";

fn warnings(resp: &Value) -> Vec<String> {
    resp["warnings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|w| w.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn message(resp: &Value) -> &str {
    resp["status"]["message"].as_str().unwrap_or_default()
}

#[allow(
    clippy::unwrap_used,
    reason = "test helper: a missing or bad patch fails the test"
)]
fn patch_of(resp: &Value) -> Value {
    assert_eq!(resp["patchType"], "JSONPatch", "{resp}");
    serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(resp["patch"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap()
}

fn deployment(name: &str, namespace: &str, replicas: u32, labels: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "registry.example/app:1.0"}]}
            }
        }
    })
}

fn object(kind: &str, name: &str, namespace: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": kind,
           "metadata": {"name": name, "namespace": namespace, "labels": labels}})
}

fn kyverno_pod(name: &str, image: &str, labels: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "dev", "labels": labels},
        "spec": {"containers": [{"name": "app", "image": image}]}
    })
}

async fn start(policies: Vec<(&'static str, String)>) -> Harness {
    let h = Harness::start(Setup {
        policies,
        namespaces: Some(NAMESPACES.to_owned()),
        ..Setup::default()
    })
    .await;
    h.wait_readyz("ready", |s, _| s == 200).await;
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admission_policies_deny_warn_audit_and_mutate() {
    let h = start(vec![("vap.yaml", VAP.to_owned())]).await;
    let team = json!({"team": "payments"});

    // within the limit, labelled: allowed, nothing to say
    let ok = deployment("ok", "prod", 2, team.clone());
    let resp = h
        .client
        .review("/validate", &review("v1", "CREATE", &ok, "alice"))
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");
    assert!(resp.get("warnings").is_none(), "{resp}");

    // over the limit in prod: the Deny binding denies, with the param's value
    let big = deployment("big", "prod", 5, team.clone());
    let resp = h
        .client
        .review("/validate", &review("v2", "CREATE", &big, "alice"))
        .await;
    assert_eq!(resp["allowed"], false, "{resp}");
    assert_eq!(resp["status"]["code"], 422);
    assert_eq!(
        message(&resp),
        "ValidatingAdmissionPolicy 'replica-limit' with binding 'replica-limit-prod' denied request: replicas must be at most 3"
    );

    // over the limit in dev: the Warn binding warns
    let resp = h
        .client
        .review(
            "/validate",
            &review("v3", "CREATE", &deployment("big", "dev", 5, team), "alice"),
        )
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");
    assert_eq!(
        warnings(&resp),
        [
            "Validation failed for ValidatingAdmissionPolicy 'replica-limit' with binding 'replica-limit-dev': replicas must be at most 3"
        ]
    );

    // no team label: the Audit binding only annotates
    let resp = h
        .client
        .review(
            "/validate",
            &review(
                "v4",
                "CREATE",
                &deployment("nolabel", "prod", 1, json!({})),
                "alice",
            ),
        )
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");
    let failure = resp["auditAnnotations"]["vap-validation-failure"]
        .as_str()
        .unwrap_or_default();
    assert!(failure.contains("deployments need a team label"), "{resp}");

    // /mutate: the MutatingAdmissionPolicy's change as a JSON Patch; not on /validate
    let resp = h
        .client
        .review("/mutate", &review("m1", "CREATE", &ok, "alice"))
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");
    let mut patched = ok.clone();
    palisade_vap::patch::apply_json_patch(&mut patched, &patch_of(&resp)).unwrap();
    assert_eq!(
        patched["metadata"]["labels"],
        json!({"team": "payments", "tier": "standard"})
    );
    let resp = h
        .client
        .review("/validate", &review("m2", "CREATE", &ok, "alice"))
        .await;
    assert!(resp.get("patch").is_none(), "{resp}");

    let metrics = h.client.metrics().await;
    for line in [
        r#"palisade_admission_decisions_total{policy="vap/replica-limit/replica-limit-prod",rule="validations",action="deny"} 1"#,
        r#"palisade_admission_decisions_total{policy="vap/replica-limit/replica-limit-dev",rule="validations",action="warn"} 1"#,
        r#"palisade_admission_decisions_total{policy="vap/team-label/team-label-audit",rule="validations",action="audit"} 1"#,
        r#"palisade_admission_decisions_total{policy="map/default-tier/default-tier",rule="mutations",action="mutate"} 1"#,
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "missing `{line}` in\n{metrics}"
        );
    }
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gatekeeper_constraints_deny_warn_and_dryrun() {
    let h = start(vec![("gatekeeper.yaml", GATEKEEPER.to_owned())]).await;

    let owned = object("ConfigMap", "c", "dev", json!({"owner": "me"}));
    let resp = h
        .client
        .review("/validate", &review("g1", "CREATE", &owned, "alice"))
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");
    assert!(resp.get("warnings").is_none(), "{resp}");

    // deny (the default action): Gatekeeper's `[<constraint>] <msg>`
    let unowned = object("ConfigMap", "c", "dev", json!({}));
    let resp = h
        .client
        .review("/validate", &review("g2", "CREATE", &unowned, "alice"))
        .await;
    assert_eq!(resp["allowed"], false, "{resp}");
    assert_eq!(resp["status"]["code"], 403);
    assert!(
        message(&resp).starts_with("[configmaps-need-owner] you must provide labels: "),
        "{resp}"
    );
    // excluded namespace
    let resp = h
        .client
        .review(
            "/validate",
            &review(
                "g3",
                "CREATE",
                &object("ConfigMap", "c", "kube-system", json!({})),
                "alice",
            ),
        )
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");

    // warn; and a scoped constraint denying at the webhook's enforcement point (CEL template)
    let mut svc = object("Service", "s", "dev", json!({}));
    svc["spec"] = json!({"type": "ClusterIP"});
    let resp = h
        .client
        .review("/validate", &review("g4", "CREATE", &svc, "alice"))
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");
    let w = warnings(&resp);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with("[services-should-have-app] you must provide labels"),
        "{w:?}"
    );
    svc["spec"]["type"] = json!("NodePort");
    svc["metadata"]["labels"] = json!({"app": "a"});
    let resp = h
        .client
        .review("/validate", &review("g5", "CREATE", &svc, "alice"))
        .await;
    assert_eq!(resp["allowed"], false, "{resp}");
    assert_eq!(
        message(&resp),
        "[no-nodeport] NodePort services are not allowed"
    );

    // dryrun: recorded only
    let resp = h
        .client
        .review(
            "/validate",
            &review(
                "g6",
                "CREATE",
                &object("Secret", "s", "dev", json!({})),
                "alice",
            ),
        )
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");
    assert!(resp.get("warnings").is_none(), "{resp}");
    // mutators on /mutate: one JSON Patch for both; not on /validate
    let p = pod("p", "dev", json!({}));
    let resp = h
        .client
        .review("/mutate", &review("g7", "CREATE", &p, "alice"))
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");
    let mut patched = p.clone();
    palisade_vap::patch::apply_json_patch(&mut patched, &patch_of(&resp)).unwrap();
    assert_eq!(patched["metadata"]["labels"]["team"], "platform");
    assert_eq!(
        patched["spec"]["containers"][0]["imagePullPolicy"],
        "Always"
    );
    let resp = h
        .client
        .review("/validate", &review("g8", "CREATE", &p, "alice"))
        .await;
    assert!(resp.get("patch").is_none(), "{resp}");

    let metrics = h.client.metrics().await;
    let line = r#"palisade_admission_decisions_total{policy="K8sRequiredLabels/secrets-audit-owner",rule="violation (dryrun)",action="audit"} 1"#;
    assert!(
        metrics.lines().any(|l| l == line),
        "missing `{line}` in\n{metrics}"
    );
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kyverno_policies_enforce_audit_and_mutate() {
    let h = start(vec![("kyverno.yaml", KYVERNO.to_owned())]).await;
    let labels = json!({"app": "a", "owner": "me"});

    let good = kyverno_pod("good", "nginx:1.27", labels.clone());
    let resp = h
        .client
        .review("/validate", &review("k1", "CREATE", &good, "alice"))
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");
    assert!(resp.get("warnings").is_none(), "{resp}");

    // Enforce: denied with Kyverno's message
    let latest = kyverno_pod("latest", "nginx:latest", labels.clone());
    let resp = h
        .client
        .review("/validate", &review("k2", "CREATE", &latest, "alice"))
        .await;
    assert_eq!(resp["allowed"], false, "{resp}");
    let msg = message(&resp);
    assert!(
        msg.starts_with(
            "resource Pod/dev/latest was blocked due to the following policies\n\ndisallow-latest-tag:\n  require-image-tag: "
        ),
        "{msg}"
    );
    assert!(
        msg.contains("An image tag other than latest is required"),
        "{msg}"
    );

    // Audit with emitWarning: a warning; Audit without: recorded only
    let resp = h
        .client
        .review(
            "/validate",
            &review(
                "k3",
                "CREATE",
                &kyverno_pod("bare", "nginx:1.27", json!({})),
                "alice",
            ),
        )
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");
    let w = warnings(&resp);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with("policy require-app-label.check-app-label: "),
        "{w:?}"
    );

    // a ValidatingPolicy (policies.kyverno.io) denies too
    let mut host = good.clone();
    host["spec"]["hostNetwork"] = json!(true);
    let resp = h
        .client
        .review("/validate", &review("k4", "CREATE", &host, "alice"))
        .await;
    assert_eq!(resp["allowed"], false, "{resp}");
    assert!(
        message(&resp).contains("hostNetwork is not allowed"),
        "{resp}"
    );

    // one that reads the CEL `request`
    let resp = h
        .client
        .review("/validate", &review("k4b", "CREATE", &good, "mallory"))
        .await;
    assert_eq!(resp["allowed"], false, "{resp}");
    assert!(
        message(&resp).contains("mallory may not create pods"),
        "{resp}"
    );

    // UPDATE: a violation the old object already had is not blocked; a new one is
    let mut upd = review("k5", "UPDATE", &latest, "alice");
    upd["request"]["oldObject"] = latest.clone();
    let resp = h.client.review("/validate", &upd).await;
    assert_eq!(resp["allowed"], true, "{resp}");
    upd["request"]["oldObject"] = good.clone();
    let resp = h.client.review("/validate", &upd).await;
    assert_eq!(resp["allowed"], false, "{resp}");

    // mutate: the label from the ConfigMap in the policies directory
    let resp = h
        .client
        .review("/mutate", &review("k6", "CREATE", &good, "alice"))
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");
    let mut patched = good.clone();
    palisade_vap::patch::apply_json_patch(&mut patched, &patch_of(&resp)).unwrap();
    assert_eq!(patched["metadata"]["labels"]["managed-by"], "palisade");

    let metrics = h.client.metrics().await;
    for line in [
        r#"palisade_admission_decisions_total{policy="audit-owner-label",rule="check-owner",action="audit"} 1"#,
        r#"palisade_admission_decisions_total{policy="disallow-latest-tag",rule="require-image-tag",action="deny"} 2"#,
        r#"palisade_admission_decisions_total{policy="add-managed-by",rule="add-label",action="mutate"} 1"#,
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "missing `{line}` in\n{metrics}"
        );
    }
    h.server.shutdown().await;
}

/// Every dialect sees the request's own fields as the API server sent them: its uid, the kind
/// the client asked for (a converted request), the options and the user's extra attributes
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dialect_reads_the_request_as_sent() {
    let h = start(vec![("request_fields.yaml", REQUEST_FIELDS.to_owned())]).await;
    let config = object("ConfigMap", "settings", "dev", json!({}));
    let converted = |uid: &str| {
        let mut r = review(uid, "CREATE", &config, "bob");
        let request = &mut r["request"];
        request["requestKind"] = json!({"group": "", "version": "v1beta1", "kind": "ConfigMap"});
        request["requestResource"] =
            json!({"group": "", "version": "v1beta1", "resource": "configmaps"});
        request["options"] = json!({"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1",
            "fieldManager": "forbidden-manager"});
        request["userInfo"]["extra"] = json!({"example.com/team": ["red"]});
        r
    };
    let resp = h.client.review("/validate", &converted("rf-deny")).await;
    assert_eq!(resp["allowed"], false, "{resp}");
    for dialect in ["vap", "gatekeeper", "kyverno", "kyverno cel"] {
        let expected =
            format!("{dialect}: a converted request from the red team's forbidden manager");
        assert!(message(&resp).contains(&expected), "{expected}: {resp}");
    }
    // the same request under another uid is allowed by all four
    let resp = h.client.review("/validate", &converted("rf-allow")).await;
    assert_eq!(resp["allowed"], true, "{resp}");

    // Kyverno's `request.namespace` is the request's, though the object names none (JMESPath
    // and CEL)
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}});
    let mut r = review("rf-ns", "CREATE", &secret, "bob");
    r["request"]["namespace"] = json!("quarantine");
    let resp = h.client.review("/validate", &r).await;
    assert_eq!(resp["allowed"], false, "{resp}");
    for expected in [
        "nothing is created in quarantine",
        "kyverno cel: nothing in quarantine",
    ] {
        assert!(message(&resp).contains(expected), "{expected}: {resp}");
    }

    h.server.shutdown().await;
}

/// A Kyverno CEL policy that reads the user's extra attributes and no other request field
/// (alone in its server: other policies reading more would build the fields for it)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kyverno_cel_reads_the_users_extra_attributes() {
    let h = start(vec![("user_extra.yaml", USER_EXTRA.to_owned())]).await;
    let account = object("ServiceAccount", "builder", "dev", json!({}));
    let mut r = review("rf-extra", "CREATE", &account, "carol");
    r["request"]["userInfo"]["extra"] = json!({"example.com/team": ["blue"]});
    let resp = h.client.review("/validate", &r).await;
    assert_eq!(resp["allowed"], false, "{resp}");
    assert!(
        message(&resp).contains("the blue team creates no service accounts"),
        "{resp}"
    );
    r["request"]["userInfo"]["extra"] = json!({"example.com/team": ["red"]});
    let resp = h.client.review("/validate", &r).await;
    assert_eq!(resp["allowed"], true, "{resp}");
    h.server.shutdown().await;
}

/// Kyverno's `roles`/`clusterRoles` of who asks come from the bindings in the directory
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kyverno_roles_come_from_the_bindings_in_the_directory() {
    let h = start(vec![("kyverno_roles.yaml", KYVERNO_ROLES.to_owned())]).await;
    let as_user = |uid: &str, object: &Value, user: &str, groups: &[&str]| {
        let mut r = review(uid, "CREATE", object, user);
        r["request"]["userInfo"]["groups"] = json!(groups);
        r
    };
    let mut host = kyverno_pod("host", "nginx:1.27", json!({}));
    host["spec"]["hostNetwork"] = json!(true);
    let resp = h
        .client
        .review("/validate", &as_user("r1", &host, "alice", &["dev"]))
        .await;
    assert_eq!(resp["allowed"], false, "{resp}");
    assert!(
        message(&resp).contains("hostNetwork is for cluster admins"),
        "{resp}"
    );
    // excluded: a member of a group bound to cluster-admin
    let resp = h
        .client
        .review("/validate", &as_user("r2", &host, "erin", &["admins"]))
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");

    // matched only for the user a RoleBinding gives Role dev:deployer
    let config = object("ConfigMap", "settings", "dev", json!({}));
    let resp = h
        .client
        .review("/validate", &as_user("r3", &config, "dana", &[]))
        .await;
    assert_eq!(resp["allowed"], false, "{resp}");
    assert!(message(&resp).contains("deployed-by"), "{resp}");
    let resp = h
        .client
        .review("/validate", &as_user("r4", &config, "alice", &["dev"]))
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");
    h.server.shutdown().await;
}

const PSS_CONFIG: &str = "\
apiVersion: pod-security.admission.config.k8s.io/v1
kind: PodSecurityConfiguration
defaults: {enforce: baseline}
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixed_directory_loads_and_a_bad_policy_of_any_dialect_keeps_it() {
    let h = start(vec![
        ("vap.yaml", VAP.to_owned()),
        ("gatekeeper.yaml", GATEKEEPER.to_owned()),
        ("kyverno.yaml", KYVERNO.to_owned()),
        ("pss.yaml", PSS_CONFIG.to_owned()),
        (
            "checks.yaml",
            check_policy("no-privileged", "mandatory", "POD-001"),
        ),
    ])
    .await;
    let v = h
        .wait_readyz("generation 1", |_, v| v["policies"]["generation"] == 1)
        .await;
    assert_eq!(v["ready"], true, "{v}");

    // each dialect decides its part
    let decide = |uid: &'static str, obj: Value| {
        let client = h.client.clone();
        async move {
            client
                .review("/validate", &review(uid, "CREATE", &obj, "alice"))
                .await
        }
    };
    let resp = decide("x1", deployment("big", "prod", 5, json!({"team": "t"}))).await;
    assert!(
        message(&resp).starts_with("ValidatingAdmissionPolicy 'replica-limit'"),
        "{resp}"
    );
    let resp = decide("x2", object("ConfigMap", "c", "dev", json!({}))).await;
    assert!(
        message(&resp).starts_with("[configmaps-need-owner]"),
        "{resp}"
    );
    let resp = decide(
        "x3",
        kyverno_pod("latest", "nginx:latest", json!({"app": "a", "owner": "o"})),
    )
    .await;
    assert!(message(&resp).contains("disallow-latest-tag"), "{resp}");
    let mut privileged = pod("p", "dev", json!({"privileged": true}));
    privileged["metadata"]["labels"] = json!({"app": "a", "owner": "o"});
    let resp = decide("x4", privileged.clone()).await;
    let msg = message(&resp);
    assert!(msg.contains("POD-001"), "{msg}");
    assert!(
        msg.contains("violates PodSecurity \"baseline:latest\""),
        "{msg}"
    );

    // /mutate: the MutatingAdmissionPolicy and then Kyverno, one patch
    let ok = deployment("ok", "prod", 1, json!({"team": "t"}));
    let resp = h
        .client
        .review("/mutate", &review("x5", "CREATE", &ok, "alice"))
        .await;
    let mut patched = ok.clone();
    palisade_vap::patch::apply_json_patch(&mut patched, &patch_of(&resp)).unwrap();
    assert_eq!(patched["metadata"]["labels"]["tier"], "standard");

    // a bad policy of each dialect in turn: the load fails, the old set keeps serving
    let bad = [
        (
            "bad-vap.yaml",
            "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: broken}\nspec:\n  matchConstraints:\n    resourceRules:\n    - {apiGroups: [\"\"], apiVersions: [v1], operations: [CREATE], resources: [pods]}\n  validations:\n  - expression: \"object.spec.(\"\n",
            "bad-vap.yaml",
        ),
        (
            "bad-gatekeeper.yaml",
            "apiVersion: templates.gatekeeper.sh/v1\nkind: ConstraintTemplate\nmetadata: {name: k8sbroken}\nspec:\n  crd: {spec: {names: {kind: K8sBroken}}}\n  targets:\n  - target: admission.k8s.gatekeeper.sh\n    rego: \"package k8sbroken\\nviolation[{\\\"msg\\\": m}] { m := \"\n",
            "bad-gatekeeper.yaml",
        ),
        (
            "bad-kyverno.yaml",
            "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: gen}\nspec:\n  rules:\n  - name: g\n    match: {any: [{resources: {kinds: [Namespace]}}]}\n    generate: {kind: ConfigMap, name: x, namespace: y, data: {}}\n",
            "generate rules need a cluster client",
        ),
        (
            "bad-mutator.yaml",
            "apiVersion: mutations.gatekeeper.sh/v1\nkind: Assign\nmetadata: {name: nowhere}\nspec:\n  applyTo: [{groups: [\"\"], kinds: [Pod], versions: [v1]}]\n  parameters: {assign: {value: x}}\n",
            "bad-mutator.yaml",
        ),
        (
            "bad-constraint.yaml",
            "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sUnknownKind\nmetadata: {name: orphan}\n",
            "bad-constraint.yaml",
        ),
    ];
    for (file, text, expect) in bad {
        write(&h.policies.join(file), text);
        let v = h
            .wait_readyz(file, |_, v| {
                v["policies"]["errors"].as_array().is_some_and(|e| {
                    e.iter()
                        .any(|e| e.as_str().is_some_and(|e| e.contains(file)))
                })
            })
            .await;
        assert_eq!(v["ready"], true, "{v}");
        assert_eq!(v["policies"]["generation"], 1, "{v}");
        let errors = v["policies"]["errors"].to_string();
        assert!(errors.contains(expect), "{file}: {errors}");
        let resp = decide("x6", privileged.clone()).await;
        assert_eq!(resp["allowed"], false, "still serving: {resp}");
        std::fs::remove_file(h.policies.join(file)).unwrap();
    }

    // a good change applies
    write(
        &h.policies.join("checks.yaml"),
        &check_policy("no-privileged", "advisory", "POD-001"),
    );
    h.wait_readyz("generation 2", |_, v| v["policies"]["generation"] == 2)
        .await;
    h.server.shutdown().await;
}
