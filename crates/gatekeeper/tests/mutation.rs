//! Gatekeeper mutators applied offline: every kind, the location forms, pathTests, assignIf,
//! ordering and the fixed point, schema conflicts, and mutators Gatekeeper would reject.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use palisade_gatekeeper::mutation::{MutationError, MutationSystem, Mutator};
use palisade_gatekeeper::read_documents;
use serde_json::{Value, json};
use std::path::Path;

fn pod_apply_to() -> Value {
    json!([{"groups": [""], "versions": ["v1"], "kinds": ["Pod"]}])
}

fn assign(name: &str, location: &str, parameters: Value) -> Value {
    json!({
        "apiVersion": "mutations.gatekeeper.sh/v1",
        "kind": "Assign",
        "metadata": {"name": name},
        "spec": {"applyTo": pod_apply_to(), "location": location, "parameters": parameters}
    })
}

fn of_kind(kind: &str, name: &str, location: &str, parameters: Value) -> Value {
    let mut m = assign(name, location, parameters);
    m["kind"] = json!(kind);
    if kind == "AssignMetadata" {
        m["spec"].as_object_mut().unwrap().remove("applyTo");
    }
    m
}

fn system(docs: &[Value]) -> MutationSystem {
    MutationSystem::new(docs.iter().map(|d| Mutator::parse(d).unwrap()).collect())
}

fn load_error(doc: &Value) -> String {
    Mutator::parse(doc).unwrap_err().to_string()
}

fn pod() -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {"containers": [
            {"name": "app", "image": "nginx:1.25"},
            {"name": "proxy", "image": "docker.io/envoy:v1", "args": ["--a"]}
        ]}
    })
}

/// Mutate and unwrap: the object must change
fn mutated(sys: &MutationSystem, obj: &Value) -> Value {
    sys.mutate(obj, None)
        .unwrap()
        .expect("the object should change")
}

// --- Assign -----------------------------------------------------------------------------

#[test]
fn assign_creates_missing_objects() {
    let sys = system(&[assign(
        "dns",
        "spec.dnsConfig.options",
        json!({"assign": {"value": [{"name": "ndots", "value": "2"}]}}),
    )]);
    let out = mutated(&sys, &pod());
    assert_eq!(out["spec"]["dnsConfig"]["options"][0]["name"], "ndots");
}

#[test]
fn glob_visits_every_element_and_never_creates_one() {
    let sys = system(&[assign(
        "no-priv",
        "spec.containers[name: *].securityContext.privileged",
        json!({"assign": {"value": false}}),
    )]);
    let out = mutated(&sys, &pod());
    for c in out["spec"]["containers"].as_array().unwrap() {
        assert_eq!(c["securityContext"]["privileged"], false);
    }
    // no containers: the glob has nothing to visit, and nothing is created
    let empty = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "e"}, "spec": {"containers": []}});
    assert_eq!(sys.mutate(&empty, None).unwrap(), None);
    // the list itself is missing: nothing is written, so nothing is created
    let bare = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}, "spec": {}});
    assert_eq!(sys.mutate(&bare, None).unwrap(), None);
}

#[test]
fn keyed_selector_creates_the_element_with_its_key() {
    let sys = system(&[assign(
        "sidecar-image",
        "spec.containers[name: sidecar].image",
        json!({"assign": {"value": "registry.example.com/sidecar:1"}}),
    )]);
    let out = mutated(&sys, &pod());
    let containers = out["spec"]["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 3);
    assert_eq!(
        containers[2],
        json!({"name": "sidecar", "image": "registry.example.com/sidecar:1"})
    );
    // an existing element is changed in place
    let sys = system(&[assign(
        "app-image",
        "spec.containers[name: app].image",
        json!({"assign": {"value": "nginx:1.27"}}),
    )]);
    let out = mutated(&sys, &pod());
    assert_eq!(out["spec"]["containers"].as_array().unwrap().len(), 2);
    assert_eq!(out["spec"]["containers"][0]["image"], "nginx:1.27");
}

#[test]
fn location_ending_in_a_keyed_selector_replaces_or_appends_the_element() {
    let value = json!({"name": "proxy", "image": "envoy:v2"});
    let sys = system(&[assign(
        "proxy",
        "spec.containers[name: proxy]",
        json!({"assign": {"value": value}}),
    )]);
    let out = mutated(&sys, &pod());
    assert_eq!(out["spec"]["containers"][1], value);
    let mut without = pod();
    without["spec"]["containers"]
        .as_array_mut()
        .unwrap()
        .truncate(1);
    let out = mutated(&sys, &without);
    assert_eq!(out["spec"]["containers"][1], value);
    // the element's key must match the selector
    let bad = assign(
        "proxy",
        "spec.containers[name: proxy]",
        json!({"assign": {"value": {"name": "other"}}}),
    );
    assert!(
        load_error(&bad).contains("name: proxy"),
        "{}",
        load_error(&bad)
    );
    let scalar = assign(
        "proxy",
        "spec.containers[name: proxy]",
        json!({"assign": {"value": "x"}}),
    );
    assert!(load_error(&scalar).contains("only objects"));
    let glob = assign(
        "proxy",
        "spec.containers[name: *]",
        json!({"assign": {"value": {"name": "x"}}}),
    );
    assert!(load_error(&glob).contains("glob"));
}

#[test]
fn from_metadata_assigns_the_objects_name_or_namespace() {
    let sys = system(&[
        assign(
            "a-name",
            "spec.hostname",
            json!({"assign": {"fromMetadata": {"field": "name"}}}),
        ),
        assign(
            "b-ns",
            "spec.subdomain",
            json!({"assign": {"fromMetadata": {"field": "namespace"}}}),
        ),
    ]);
    let out = mutated(&sys, &pod());
    assert_eq!(out["spec"]["hostname"], "web");
    assert_eq!(out["spec"]["subdomain"], "shop");
    let bad = assign(
        "x",
        "spec.hostname",
        json!({"assign": {"fromMetadata": {"field": "uid"}}}),
    );
    assert!(load_error(&bad).contains("`name` or `namespace`"));
}

#[test]
fn external_data_is_reported_unsupported() {
    let doc = assign(
        "lookup",
        "spec.containers[name: *].image",
        json!({"assign": {"externalData": {"provider": "tagger", "dataSource": "ValueAtLocation"}}}),
    );
    let err = Mutator::parse(&doc).unwrap_err();
    assert!(
        matches!(err, MutationError::Unsupported { ref name, .. } if name == "lookup"),
        "{err:?}"
    );
    assert!(err.to_string().contains("externalData"));
}

#[test]
fn assign_must_set_exactly_one_source() {
    let none = assign("x", "spec.a", json!({"assign": {}}));
    assert!(load_error(&none).contains("one of"));
    let two = assign(
        "x",
        "spec.a",
        json!({"assign": {"value": 1, "fromMetadata": {"field": "name"}}}),
    );
    assert!(load_error(&two).contains("only one"));
    let missing = assign("x", "spec.a", json!({}));
    assert!(load_error(&missing).contains("parameters.assign"));
}

#[test]
fn assign_if_tests_the_current_value() {
    let policy = |assign_if: Value| {
        system(&[assign(
            "pull",
            "spec.containers[name: *].imagePullPolicy",
            json!({"assign": {"value": "Always"}, "assignIf": assign_if}),
        )])
    };
    let mut obj = pod();
    obj["spec"]["containers"][0]["imagePullPolicy"] = json!("Never");
    // notIn: a missing value passes, a listed one blocks
    let out = mutated(&policy(json!({"notIn": ["Never"]})), &obj);
    assert_eq!(out["spec"]["containers"][0]["imagePullPolicy"], "Never");
    assert_eq!(out["spec"]["containers"][1]["imagePullPolicy"], "Always");
    // in: a missing value never passes
    let out = mutated(&policy(json!({"in": ["Never"]})), &obj);
    assert_eq!(out["spec"]["containers"][0]["imagePullPolicy"], "Always");
    assert!(
        out["spec"]["containers"][1]
            .get("imagePullPolicy")
            .is_none()
    );
}

#[test]
fn path_tests_must_exist_and_must_not_exist() {
    // MustExist on the parent: only containers that already have a securityContext
    let sys = system(&[assign(
        "ro",
        "spec.containers[name: *].securityContext.readOnlyRootFilesystem",
        json!({
            "assign": {"value": true},
            "pathTests": [{"subPath": "spec.containers[name: *].securityContext", "condition": "MustExist"}]
        }),
    )]);
    let mut obj = pod();
    obj["spec"]["containers"][1]["securityContext"] = json!({});
    let out = mutated(&sys, &obj);
    assert!(
        out["spec"]["containers"][0]
            .get("securityContext")
            .is_none()
    );
    assert_eq!(
        out["spec"]["containers"][1]["securityContext"]["readOnlyRootFilesystem"],
        true
    );
    // MustNotExist on the location itself: a default that never overwrites
    let sys = system(&[assign(
        "default-policy",
        "spec.containers[name: *].imagePullPolicy",
        json!({
            "assign": {"value": "IfNotPresent"},
            "pathTests": [{"subPath": "spec.containers[name: *].imagePullPolicy", "condition": "MustNotExist"}]
        }),
    )]);
    let mut obj = pod();
    obj["spec"]["containers"][0]["imagePullPolicy"] = json!("Always");
    let out = mutated(&sys, &obj);
    assert_eq!(out["spec"]["containers"][0]["imagePullPolicy"], "Always");
    assert_eq!(
        out["spec"]["containers"][1]["imagePullPolicy"],
        "IfNotPresent"
    );
    // MustNotExist on a keyed element: only create it, never touch an existing one
    let sys = system(&[assign(
        "add-sidecar",
        "spec.containers[name: proxy].image",
        json!({
            "assign": {"value": "envoy:v9"},
            "pathTests": [{"subPath": "spec.containers[name: proxy]", "condition": "MustNotExist"}]
        }),
    )]);
    assert_eq!(sys.mutate(&pod(), None).unwrap(), None);
    // a glob can never satisfy MustNotExist
    let sys = system(&[assign(
        "never",
        "spec.containers[name: *].image",
        json!({
            "assign": {"value": "x"},
            "pathTests": [{"subPath": "spec.containers[name: *]", "condition": "MustNotExist"}]
        }),
    )]);
    assert_eq!(sys.mutate(&pod(), None).unwrap(), None);
}

#[test]
fn path_tests_are_validated() {
    let not_prefix = assign(
        "x",
        "spec.containers[name: *].image",
        json!({"assign": {"value": "x"}, "pathTests": [{"subPath": "spec.volumes", "condition": "MustExist"}]}),
    );
    assert!(load_error(&not_prefix).contains("prefix"));
    let conflicting = assign(
        "x",
        "spec.a.b",
        json!({"assign": {"value": 1}, "pathTests": [
            {"subPath": "spec.a", "condition": "MustExist"},
            {"subPath": "spec.a", "condition": "MustNotExist"}
        ]}),
    );
    assert!(load_error(&conflicting).contains("conflicting"));
    let bad_condition = assign(
        "x",
        "spec.a.b",
        json!({"assign": {"value": 1}, "pathTests": [{"subPath": "spec.a", "condition": "Exists"}]}),
    );
    assert!(load_error(&bad_condition).contains("MustExist"));
}

#[test]
fn quoted_segments_reach_keys_with_dots_and_slashes() {
    let sys = system(&[assign(
        "sel",
        r#"spec.nodeSelector."kubernetes.io/os""#,
        json!({"assign": {"value": "linux"}}),
    )]);
    let out = mutated(&sys, &pod());
    assert_eq!(out["spec"]["nodeSelector"]["kubernetes.io/os"], "linux");
}

#[test]
fn a_location_crossing_a_value_of_another_type_fails() {
    let sys = system(&[assign(
        "wrong",
        "spec.containers.image",
        json!({"assign": {"value": "x"}}),
    )]);
    let err = sys.mutate(&pod(), None).unwrap_err();
    assert!(matches!(err, MutationError::Failed { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("Assign/wrong") && text.contains("Pod/shop/web"),
        "{text}"
    );
    assert!(text.contains("expects an object, found a list"), "{text}");
}

#[test]
fn key_values_are_strings_as_in_gatekeeper() {
    // `containerPort: 80` is a number, the selector's `80` a string: no match, so a new
    // element is created (Gatekeeper does the same)
    let sys = system(&[assign(
        "port",
        "spec.containers[name: app].ports[containerPort: 80].protocol",
        json!({"assign": {"value": "TCP"}}),
    )]);
    let mut obj = pod();
    obj["spec"]["containers"][0]["ports"] = json!([{"containerPort": 80}]);
    let out = mutated(&sys, &obj);
    assert_eq!(
        out["spec"]["containers"][0]["ports"],
        json!([{"containerPort": 80}, {"containerPort": "80", "protocol": "TCP"}])
    );
}

#[test]
fn assign_location_rules() {
    let meta = assign("x", "metadata.labels.a", json!({"assign": {"value": "b"}}));
    assert!(load_error(&meta).contains("AssignMetadata"));
    let key = assign(
        "x",
        "spec.containers[name: a].name",
        json!({"assign": {"value": "b"}}),
    );
    assert!(load_error(&key).contains("change the key"));
    let bad = assign(
        "x",
        "spec.containers[name: a",
        json!({"assign": {"value": "b"}}),
    );
    let text = load_error(&bad);
    assert!(
        text.contains("invalid Assign `x`") && text.contains("expected `]`"),
        "{text}"
    );
    let empty = assign("x", "", json!({"assign": {"value": "b"}}));
    assert!(load_error(&empty).contains("must not be empty"));
    let long = assign(&"n".repeat(64), "spec.a", json!({"assign": {"value": 1}}));
    assert!(load_error(&long).contains("63"));
}

// --- applyTo and match ----------------------------------------------------------------------

#[test]
fn apply_to_is_required_and_exact() {
    let mut doc = assign("x", "spec.a", json!({"assign": {"value": 1}}));
    doc["spec"].as_object_mut().unwrap().remove("applyTo");
    assert!(load_error(&doc).contains("applyTo"));
    doc["spec"]["applyTo"] = json!([{"groups": [""], "kinds": ["Pod"]}]);
    assert!(load_error(&doc).contains("versions"));
    doc["spec"]["applyTo"] =
        json!([{"groups": [""], "versions": ["v1"], "kinds": ["Pod"], "operations": ["PATCH"]}]);
    assert!(load_error(&doc).contains("PATCH"));

    doc["spec"]["applyTo"] =
        json!([{"groups": ["apps"], "versions": ["v1"], "kinds": ["Deployment"]}]);
    let sys = system(&[doc]);
    assert_eq!(sys.mutate(&pod(), None).unwrap(), None);
    let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {}});
    assert_eq!(mutated(&sys, &deploy)["spec"]["a"], 1);
    let beta = json!({"apiVersion": "apps/v1beta1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {}});
    assert_eq!(sys.mutate(&beta, None).unwrap(), None);
}

#[test]
fn match_uses_the_constraint_matcher() {
    let mut doc = assign("x", "spec.a", json!({"assign": {"value": 1}}));
    doc["spec"]["match"] = json!({
        "namespaces": ["shop", "kube-*"],
        "labelSelector": {"matchLabels": {"app": "web"}}
    });
    let sys = system(&[doc.clone()]);
    assert!(sys.mutate(&pod(), None).unwrap().is_some());
    let mut other = pod();
    other["metadata"]["namespace"] = json!("default");
    assert_eq!(sys.mutate(&other, None).unwrap(), None);
    let mut unlabelled = pod();
    unlabelled["metadata"]["labels"] = json!({});
    assert_eq!(sys.mutate(&unlabelled, None).unwrap(), None);

    // a namespaceSelector needs the Namespace
    doc["spec"]["match"] = json!({"namespaceSelector": {"matchLabels": {"tier": "prod"}}});
    let sys = system(&[doc]);
    let err = sys.mutate(&pod(), None).unwrap_err();
    assert!(matches!(err, MutationError::Match { .. }), "{err:?}");
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"tier": "prod"}}});
    assert!(sys.mutate(&pod(), Some(&ns)).unwrap().is_some());

    let mut bad = assign("x", "spec.a", json!({"assign": {"value": 1}}));
    bad["spec"]["match"] =
        json!({"labelSelector": {"matchExpressions": [{"key": "a", "operator": "Is"}]}});
    assert!(load_error(&bad).contains("spec.match"));
}

// --- AssignMetadata -------------------------------------------------------------------------

#[test]
fn assign_metadata_adds_labels_and_annotations_but_never_overwrites() {
    let sys = system(&[
        of_kind(
            "AssignMetadata",
            "owner",
            "metadata.annotations.owner",
            json!({"assign": {"value": "platform"}}),
        ),
        of_kind(
            "AssignMetadata",
            "app",
            "metadata.labels.app",
            json!({"assign": {"value": "other"}}),
        ),
        of_kind(
            "AssignMetadata",
            "ns",
            r#"metadata.labels."example.com/namespace""#,
            json!({"assign": {"fromMetadata": {"field": "namespace"}}}),
        ),
    ]);
    let out = mutated(&sys, &pod());
    assert_eq!(out["metadata"]["annotations"]["owner"], "platform");
    assert_eq!(out["metadata"]["labels"]["app"], "web", "never overwritten");
    assert_eq!(out["metadata"]["labels"]["example.com/namespace"], "shop");
    // any kind: AssignMetadata has no applyTo
    let cm =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": null}});
    let out = mutated(&sys, &cm);
    assert_eq!(
        out["metadata"]["labels"]["app"], "other",
        "a null map counts as missing"
    );
}

#[test]
fn assign_metadata_rules() {
    for location in [
        "metadata.name",
        "metadata.labels",
        "spec.a.b",
        "metadata.labels.a.b",
    ] {
        let doc = of_kind(
            "AssignMetadata",
            "m",
            location,
            json!({"assign": {"value": "x"}}),
        );
        let text = load_error(&doc);
        assert!(
            text.contains("invalid AssignMetadata `m`") && text.contains("metadata.labels.<key>"),
            "{location}: {text}"
        );
    }
    let number = of_kind(
        "AssignMetadata",
        "m",
        "metadata.labels.a",
        json!({"assign": {"value": 3}}),
    );
    assert!(load_error(&number).contains("must be a string"));
}

// --- ModifySet ------------------------------------------------------------------------------

#[test]
fn modify_set_merges_and_prunes() {
    let merge = of_kind(
        "ModifySet",
        "args",
        "spec.containers[name: *].args",
        json!({"operation": "merge", "values": {"fromList": ["--a", "--b"]}}),
    );
    let out = mutated(&system(&[merge]), &pod());
    assert_eq!(out["spec"]["containers"][0]["args"], json!(["--a", "--b"]));
    assert_eq!(out["spec"]["containers"][1]["args"], json!(["--a", "--b"]));

    let prune = of_kind(
        "ModifySet",
        "args",
        "spec.containers[name: proxy].args",
        json!({"operation": "prune", "values": {"fromList": ["--a", "--zzz"]}}),
    );
    let out = mutated(&system(std::slice::from_ref(&prune)), &pod());
    assert_eq!(out["spec"]["containers"][1]["args"], json!([]));
    // pruning a missing list leaves it missing
    let mut no_args = pod();
    no_args["spec"]["containers"][1]
        .as_object_mut()
        .unwrap()
        .remove("args");
    assert_eq!(system(&[prune]).mutate(&no_args, None).unwrap(), None);

    // the default operation is merge; object values compare structurally
    let tolerations = of_kind(
        "ModifySet",
        "tol",
        "spec.tolerations",
        json!({"values": {"fromList": [{"key": "gpu", "operator": "Exists"}]}}),
    );
    let mut obj = pod();
    obj["spec"]["tolerations"] = json!([{"operator": "Exists", "key": "gpu"}]);
    assert_eq!(system(&[tolerations]).mutate(&obj, None).unwrap(), None);
}

#[test]
fn modify_set_rules() {
    let keyed = of_kind(
        "ModifySet",
        "m",
        "spec.containers[name: a]",
        json!({"values": {"fromList": ["x"]}}),
    );
    assert!(load_error(&keyed).contains("keyed list"));
    let op = of_kind(
        "ModifySet",
        "m",
        "spec.a",
        json!({"operation": "replace", "values": {"fromList": ["x"]}}),
    );
    assert!(load_error(&op).contains("`merge` or `prune`"));
    let meta = of_kind("ModifySet", "m", "metadata.finalizers", json!({}));
    assert!(load_error(&meta).contains("metadata"));
    // a value that is not a list cannot be treated as a set
    let sys = system(&[of_kind(
        "ModifySet",
        "m",
        "spec.containers[name: app].image",
        json!({"values": {"fromList": ["x"]}}),
    )]);
    assert!(
        sys.mutate(&pod(), None)
            .unwrap_err()
            .to_string()
            .contains("not a list")
    );
}

// --- AssignImage ----------------------------------------------------------------------------

#[test]
fn assign_image_replaces_parts_of_the_reference() {
    let sys = system(&[of_kind(
        "AssignImage",
        "mirror",
        "spec.containers[name: *].image",
        json!({"assignDomain": "mirror.example.com", "assignTag": ":pinned"}),
    )]);
    let out = mutated(&sys, &pod());
    assert_eq!(
        out["spec"]["containers"][0]["image"],
        "mirror.example.com/nginx:pinned"
    );
    assert_eq!(
        out["spec"]["containers"][1]["image"],
        "mirror.example.com/envoy:pinned"
    );
    let path = of_kind(
        "AssignImage",
        "path",
        "spec.containers[name: app].image",
        json!({"assignPath": "library/nginx"}),
    );
    let out = mutated(&system(&[path]), &pod());
    assert_eq!(out["spec"]["containers"][0]["image"], "library/nginx:1.25");
}

#[test]
fn assign_image_validation() {
    let cases = [
        (json!({}), "at least one"),
        (json!({"assignDomain": "not a domain"}), "assignDomain"),
        (json!({"assignPath": "Upper/Case"}), "assignPath"),
        (json!({"assignTag": "latest"}), "assignTag"),
        (json!({"assignPath": "gcr.io/app"}), "looks like a domain"),
    ];
    for (params, expected) in cases {
        let doc = of_kind(
            "AssignImage",
            "img",
            "spec.containers[name: *].image",
            params,
        );
        let text = load_error(&doc);
        assert!(
            text.contains("invalid AssignImage `img`") && text.contains(expected),
            "{text}"
        );
    }
    let list = of_kind(
        "AssignImage",
        "img",
        "spec.containers[name: a]",
        json!({"assignTag": ":v1"}),
    );
    assert!(load_error(&list).contains("list selector"));
}

// --- ordering, fixed point, conflicts ---------------------------------------------------------

#[test]
fn mutators_run_by_kind_then_name() {
    // two Assigns on one field: the later name runs last and wins, every pass
    let sys = system(&[
        assign(
            "b-second",
            "spec.priorityClassName",
            json!({"assign": {"value": "b"}}),
        ),
        assign(
            "a-first",
            "spec.priorityClassName",
            json!({"assign": {"value": "a"}}),
        ),
    ]);
    let names: Vec<_> = sys.mutators().iter().map(|m| m.id()).collect();
    assert_eq!(names, ["Assign/a-first", "Assign/b-second"]);
    assert_eq!(mutated(&sys, &pod())["spec"]["priorityClassName"], "b");

    // Assign < AssignImage < AssignMetadata < ModifySet, whatever the input order
    let sys = system(&[
        of_kind(
            "ModifySet",
            "a",
            "spec.x",
            json!({"values": {"fromList": [1]}}),
        ),
        of_kind(
            "AssignMetadata",
            "a",
            "metadata.labels.x",
            json!({"assign": {"value": "1"}}),
        ),
        of_kind(
            "AssignImage",
            "a",
            "spec.containers[name: *].image",
            json!({"assignTag": ":v1"}),
        ),
        assign("z", "spec.y", json!({"assign": {"value": 1}})),
    ]);
    let kinds: Vec<_> = sys.mutators().iter().map(|m| m.id()).collect();
    assert_eq!(
        kinds,
        [
            "Assign/z",
            "AssignImage/a",
            "AssignMetadata/a",
            "ModifySet/a"
        ]
    );
}

#[test]
fn a_later_pass_applies_mutators_that_match_only_after_an_earlier_change() {
    // the Assign sorts first but matches only once AssignMetadata has added the label
    let mut gated = assign(
        "a-gated",
        "spec.schedulerName",
        json!({"assign": {"value": "batch"}}),
    );
    gated["spec"]["match"] = json!({"labelSelector": {"matchLabels": {"team": "data"}}});
    let sys = system(&[
        gated,
        of_kind(
            "AssignMetadata",
            "team",
            "metadata.labels.team",
            json!({"assign": {"value": "data"}}),
        ),
    ]);
    let out = mutated(&sys, &pod());
    assert_eq!(out["metadata"]["labels"]["team"], "data");
    assert_eq!(out["spec"]["schedulerName"], "batch");
}

#[test]
fn a_mutation_that_never_settles_is_an_error() {
    // 0 → 2 → 1 in the first pass, 1 → 0 in the second, and so on
    let step = |name: &str, from: &str, to: &str| {
        assign(
            name,
            "spec.x",
            json!({"assign": {"value": to}, "assignIf": {"in": [from]}}),
        )
    };
    let sys = system(&[
        step("a", "0", "2"),
        step("b", "1", "0"),
        step("c", "2", "1"),
    ]);
    let mut obj = pod();
    obj["spec"]["x"] = json!("0");
    let err = sys.mutate(&obj, None).unwrap_err();
    assert_eq!(
        err,
        MutationError::NotConverging {
            resource: "Pod/shop/web".into(),
            iterations: 4
        }
    );
    assert!(err.to_string().contains("does not converge after 4 passes"));
}

#[test]
fn unchanged_objects_and_idempotent_mutators_report_no_change() {
    let sys = system(&[assign(
        "same",
        "spec.containers[name: app].image",
        json!({"assign": {"value": "nginx:1.25"}}),
    )]);
    assert_eq!(sys.mutate(&pod(), None).unwrap(), None);
    assert!(MutationSystem::new(Vec::new()).is_empty());
}

#[test]
fn schema_conflicts_disable_both_mutators() {
    let sys = system(&[
        assign(
            "image",
            "spec.containers[name: *].image",
            json!({"assign": {"value": "x"}}),
        ),
        of_kind(
            "ModifySet",
            "containers",
            "spec.containers",
            json!({"values": {"fromList": ["x"]}}),
        ),
        assign(
            "by-image",
            "spec.volumes[mountPath: *].name",
            json!({"assign": {"value": "v"}}),
        ),
        assign(
            "by-name",
            "spec.volumes[name: tmp].emptyDir",
            json!({"assign": {"value": {}}}),
        ),
        assign("fine", "spec.hostname", json!({"assign": {"value": "h"}})),
    ]);
    let conflicts: Vec<String> = sys.conflicts().iter().map(ToString::to_string).collect();
    assert_eq!(conflicts.len(), 2, "{conflicts:#?}");
    assert!(
        conflicts.iter().any(|c| c.contains("Assign/image")
            && c.contains("ModifySet/containers")
            && c.contains("v1/Pod")),
        "{conflicts:#?}"
    );
    assert!(
        conflicts
            .iter()
            .any(|c| c.contains("keyed by `mountPath`") && c.contains("by `name`")),
        "{conflicts:#?}"
    );
    let names: Vec<_> = sys.mutators().iter().map(|m| m.id()).collect();
    assert_eq!(names, ["Assign/fine"]);

    // different kinds never conflict
    let mut deploy_set = of_kind(
        "ModifySet",
        "containers",
        "spec.containers",
        json!({"values": {"fromList": ["x"]}}),
    );
    deploy_set["spec"]["applyTo"] =
        json!([{"groups": ["apps"], "versions": ["v1"], "kinds": ["Deployment"]}]);
    let sys = system(&[
        assign(
            "image",
            "spec.containers[name: *].image",
            json!({"assign": {"value": "x"}}),
        ),
        deploy_set,
    ]);
    assert!(sys.conflicts().is_empty());
}

#[test]
fn a_later_definition_of_the_same_mutator_replaces_the_earlier() {
    let sys = system(&[
        assign("same", "spec.a", json!({"assign": {"value": 1}})),
        assign("same", "spec.a", json!({"assign": {"value": 2}})),
    ]);
    assert_eq!(sys.mutators().len(), 1);
    assert_eq!(mutated(&sys, &pod())["spec"]["a"], 2);
}

// --- documents ------------------------------------------------------------------------------

#[test]
fn recognises_mutator_documents_of_every_served_version() {
    for version in ["v1", "v1beta1", "v1alpha1"] {
        let mut doc = assign("x", "spec.a", json!({"assign": {"value": 1}}));
        doc["apiVersion"] = json!(format!("mutations.gatekeeper.sh/{version}"));
        assert!(Mutator::is_mutator(&doc), "{version}");
        assert!(Mutator::parse(&doc).is_ok());
    }
    let mut other = assign("x", "spec.a", json!({}));
    other["apiVersion"] = json!("mutations.gatekeeper.sh/v2");
    assert!(!Mutator::is_mutator(&other));
    other["apiVersion"] = json!("mutations.gatekeeper.sh/v1");
    other["kind"] = json!("ExpansionTemplate");
    assert!(!Mutator::is_mutator(&other));
    let no_spec = json!({"apiVersion": "mutations.gatekeeper.sh/v1", "kind": "Assign", "metadata": {"name": "n"}});
    assert!(load_error(&no_spec).contains("`spec` must be a mapping"));
    let no_name = json!({"apiVersion": "mutations.gatekeeper.sh/v1", "kind": "Assign", "spec": {}});
    assert!(load_error(&no_name).contains("metadata.name"));
}

#[test]
fn bundled_examples_load_and_apply() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/policies/gatekeeper/mutation");
    let mut mutators = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        for doc in read_documents(&path).unwrap() {
            if Mutator::is_mutator(&doc) {
                mutators.push(
                    Mutator::parse(&doc).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
                );
            }
        }
    }
    assert!(mutators.len() >= 4, "every mutator kind has an example");
    let sys = MutationSystem::new(mutators);
    assert!(sys.conflicts().is_empty(), "{:?}", sys.conflicts());
}

/// Mutator samples of the Gatekeeper library, when `../shared` carries any (`mutation/`
/// directories): each must load, and applying them to the real-world corpus must converge.
#[test]
fn library_mutation_samples_load_when_present() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/gatekeeper");
    if !root.exists() {
        eprintln!("skipping: {} is absent", root.display());
        return;
    }
    let mut found = 0;
    for entry in walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        let in_mutation_dir = path.components().any(|c| c.as_os_str() == "mutation");
        let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if !in_mutation_dir || !yaml {
            continue;
        }
        for doc in read_documents(path).unwrap() {
            if Mutator::is_mutator(&doc) {
                found += 1;
                if let Err(e) = Mutator::parse(&doc) {
                    assert!(
                        matches!(e, MutationError::Unsupported { .. }),
                        "{}: {e}",
                        path.display()
                    );
                }
            }
        }
    }
    if found == 0 {
        eprintln!(
            "skipping: no mutation samples under {} (the shared corpus carries validation suites only)",
            root.display()
        );
    }
}
