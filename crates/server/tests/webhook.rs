//! The webhook over real HTTPS on loopback: AdmissionReviews in, decisions out.

mod common;

use base64::Engine as _;
use common::{Harness, Setup, check_policy, pod, restricted_pod, review, write};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const NAMESPACES: &str = "\
apiVersion: v1
kind: Namespace
metadata:
  name: locked
  labels:
    pod-security.kubernetes.io/enforce: restricted
---
apiVersion: v1
kind: Namespace
metadata:
  name: legacy
  labels:
    pod-security.kubernetes.io/enforce: baseline
    pod-security.kubernetes.io/enforce-version: v1.30
    pod-security.kubernetes.io/warn: restricted
    pod-security.kubernetes.io/audit: restricted
---
apiVersion: v1
kind: Namespace
metadata:
  name: open
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn built_in_checks_allow_warn_and_deny_by_rollout_mode() {
    let h = Harness::start(Setup {
        policies: vec![
            (
                "strict.yaml",
                check_policy("no-privileged", "mandatory", "POD-001"),
            ),
            (
                "soft.yaml",
                check_policy("hardening", "advisory", "PSR-008"),
            ),
        ],
        ..Setup::default()
    })
    .await;
    h.wait_readyz("ready", |s, _| s == 200).await;

    // compliant with both: allowed, nothing to say, uid echoed
    let mut ok = restricted_pod("ok", "open");
    ok["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"] = json!(true);
    let resp = h
        .client
        .review("/validate", &review("uid-ok", "CREATE", &ok, "alice"))
        .await;
    assert_eq!(resp["uid"], "uid-ok");
    assert_eq!(resp["allowed"], true);
    assert!(resp.get("warnings").is_none(), "{resp}");

    // advisory finding only: allowed with a warning and an audit annotation
    let resp = h
        .client
        .review(
            "/validate",
            &review("uid-warn", "CREATE", &restricted_pod("w", "open"), "alice"),
        )
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");
    let w = warnings(&resp);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].starts_with("PSR-008 "), "{w:?}");
    assert!(
        w[0].ends_with("(medium; advisory in policy hardening)"),
        "{w:?}"
    );
    assert!(
        resp["auditAnnotations"]["checks-violations"]
            .as_str()
            .unwrap()
            .contains("hardening/PSR-008")
    );

    // mandatory finding: denied with the check in the message
    let bad = pod("bad", "open", json!({"privileged": true}));
    let resp = h
        .client
        .review("/validate", &review("uid-deny", "CREATE", &bad, "alice"))
        .await;
    assert_eq!(resp["uid"], "uid-deny");
    assert_eq!(resp["allowed"], false);
    assert_eq!(resp["status"]["code"], 403);
    assert_eq!(resp["status"]["reason"], "Forbidden");
    let msg = resp["status"]["message"].as_str().unwrap();
    assert!(msg.starts_with("POD-001 privileged-container: "), "{msg}");
    assert!(
        msg.ends_with("(critical; mandatory in policy no-privileged)"),
        "{msg}"
    );

    // a suppression annotation on the object turns the denial off
    let mut suppressed = bad.clone();
    suppressed["metadata"]["annotations"] = json!({"ignore.palisade.dev/POD-001": "CNI agent"});
    let resp = h
        .client
        .review(
            "/validate",
            &review("uid-sup", "CREATE", &suppressed, "alice"),
        )
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");

    // DELETE (no object) and kinds no policy looks at are allowed without evaluation
    let mut del = review("uid-del", "DELETE", &bad, "alice");
    del["request"]["oldObject"] = del["request"]["object"].take();
    let resp = h.client.review("/validate", &del).await;
    assert_eq!(resp["allowed"], true);
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "open"}});
    let resp = h
        .client
        .review("/validate", &review("uid-cm", "CREATE", &cm, "alice"))
        .await;
    assert_eq!(resp["allowed"], true);

    let metrics = h.client.metrics().await;
    for line in [
        r#"palisade_admission_decisions_total{policy="no-privileged",rule="POD-001",action="deny"} 1"#,
        r#"palisade_admission_decisions_total{policy="no-privileged",rule="POD-001",action="suppressed"} 1"#,
        // the compliant-but-writable pod, the privileged one and the suppressed one
        r#"palisade_admission_decisions_total{policy="hardening",rule="PSR-008",action="warn"} 3"#,
        r#"palisade_admission_requests_total{endpoint="validate",allowed="false"} 1"#,
        r#"palisade_admission_requests_total{endpoint="validate",allowed="true"} 5"#,
        r#"palisade_admission_request_duration_seconds_count{endpoint="validate"} 6"#,
        "palisade_policies_loaded 3",
        "palisade_ready 1",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "missing `{line}` in\n{metrics}"
        );
    }
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pod_security_follows_namespace_labels() {
    let h = Harness::start(Setup {
        namespaces: Some(NAMESPACES.to_owned()),
        policies: vec![(
            "psa.yaml",
            "apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\n\
             defaults: {enforce: baseline}\nexemptions: {usernames: [system:serviceaccount:ci:deployer]}\n"
                .to_owned(),
        )],
        ..Setup::default()
    })
    .await;
    h.wait_readyz("ready", |s, _| s == 200).await;
    let plain = pod("plain", "locked", json!({}));

    // enforce=restricted: denied with upstream's message
    let resp = h
        .client
        .review("/validate", &review("u1", "CREATE", &plain, "alice"))
        .await;
    assert_eq!(resp["allowed"], false, "{resp}");
    assert_eq!(
        resp["status"]["message"],
        r#"violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#
    );
    assert_eq!(
        resp["auditAnnotations"]["enforce-policy"],
        "restricted:latest"
    );
    assert!(
        resp.get("warnings").is_none(),
        "warnings are dropped on denial"
    );
    let resp = h
        .client
        .review(
            "/validate",
            &review("u2", "CREATE", &restricted_pod("r", "locked"), "alice"),
        )
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");

    // the same pod template in a Deployment only warns: controllers are never enforced
    let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "locked"},
        "spec": {"template": {"metadata": {}, "spec": plain["spec"].clone()}}});
    let resp = h
        .client
        .review("/validate", &review("u3", "CREATE", &deploy, "alice"))
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");
    assert!(warnings(&resp)[0].starts_with(r#"would violate PodSecurity "restricted:latest": "#));

    // baseline:v1.30 enforced, restricted warned and audited
    let resp = h
        .client
        .review(
            "/validate",
            &review("u4", "CREATE", &pod("p", "legacy", json!({})), "alice"),
        )
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");
    assert_eq!(resp["auditAnnotations"]["enforce-policy"], "baseline:v1.30");
    assert!(
        resp["auditAnnotations"]["audit-violations"]
            .as_str()
            .unwrap()
            .starts_with(r#"would violate PodSecurity "restricted:latest""#)
    );
    assert_eq!(warnings(&resp).len(), 1);
    let resp = h
        .client
        .review(
            "/validate",
            &review(
                "u5",
                "CREATE",
                &pod("p", "legacy", json!({"privileged": true})),
                "alice",
            ),
        )
        .await;
    assert_eq!(resp["allowed"], false);
    assert!(
        resp["status"]["message"]
            .as_str()
            .unwrap()
            .starts_with(r#"violates PodSecurity "baseline:v1.30": privileged"#)
    );

    // unlabelled namespace: the configured default (baseline) applies
    let resp = h
        .client
        .review(
            "/validate",
            &review(
                "u6",
                "CREATE",
                &pod("p", "open", json!({"privileged": true})),
                "alice",
            ),
        )
        .await;
    assert_eq!(resp["allowed"], false);
    // namespace missing from the cache: defaults apply and the lookup failure is annotated
    let resp = h
        .client
        .review(
            "/validate",
            &review(
                "u7",
                "CREATE",
                &pod("p", "nowhere", json!({"privileged": true})),
                "alice",
            ),
        )
        .await;
    assert_eq!(resp["allowed"], false);
    assert!(
        resp["auditAnnotations"]["error"]
            .as_str()
            .unwrap()
            .contains("nowhere")
    );

    // exempt user
    let resp = h
        .client
        .review(
            "/validate",
            &review("u8", "CREATE", &plain, "system:serviceaccount:ci:deployer"),
        )
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");
    assert_eq!(resp["auditAnnotations"]["exempt"], "user");

    // ignored subresource and insignificant update
    let mut exec = review("u9", "CREATE", &plain, "alice");
    exec["request"]["subResource"] = json!("exec");
    exec["request"]["kind"] = json!({"group": "", "version": "v1", "kind": "Pod"});
    assert_eq!(h.client.review("/validate", &exec).await["allowed"], true);
    let mut relabel = review("u10", "UPDATE", &plain, "alice");
    let mut old = plain.clone();
    old["metadata"]["labels"] = json!({"v": "1"});
    relabel["request"]["oldObject"] = old;
    assert_eq!(
        h.client.review("/validate", &relabel).await["allowed"],
        true
    );

    // invalid namespace labels are rejected on CREATE
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "new",
        "labels": {"pod-security.kubernetes.io/enforce": "strict"}}});
    let resp = h
        .client
        .review("/validate", &review("u11", "CREATE", &ns, "alice"))
        .await;
    assert_eq!(resp["allowed"], false);
    assert_eq!(resp["status"]["code"], 422);
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_input_gets_400_or_an_invalid_review_never_500() {
    let h = Harness::start(Setup::default()).await;
    h.wait_readyz("ready", |s, _| s == 200).await;
    let post = |body: &'static [u8]| {
        let c = h.client.clone();
        async move { c.post("/validate", body.to_vec()).await }
    };

    for body in [
        &b"{not json"[..],
        b"",
        b"[]",
        b"null",
        b"\xff\xfe",
        br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#,
    ] {
        let (status, text) = post(body).await;
        assert_eq!(status, 400, "{}", String::from_utf8_lossy(&text));
        let v: Value = serde_json::from_slice(&text).unwrap();
        assert_eq!(v["kind"], "Status");
    }

    // readable uid: an AdmissionReview answer rejecting the request as invalid
    let cases = [
        (
            json!({"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview",
            "request": {"uid": "a", "operation": "CREATE", "object": {}}}),
            "expected apiVersion",
        ),
        (
            json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "b", "operation": "CREATE"}}),
            "has no `request.object`",
        ),
        (
            json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "c", "operation": "EXPLODE", "object": {}}}),
            "malformed AdmissionReview",
        ),
        (
            json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "d", "operation": "CREATE", "object": [1, 2]}}),
            "not a JSON object",
        ),
    ];
    for (body, expected) in cases {
        let uid = body["request"]["uid"].clone();
        let resp = h.client.review("/validate", &body).await;
        assert_eq!(resp["uid"], uid);
        assert_eq!(resp["allowed"], false);
        assert_eq!(resp["status"]["code"], 400);
        assert!(
            resp["status"]["message"]
                .as_str()
                .unwrap()
                .contains(expected),
            "{resp}"
        );
    }

    // deeply nested JSON is refused, not a stack overflow
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let (status, _) = h.client.post("/validate", deep.into_bytes()).await;
    assert_eq!(status, 400);

    // wrong method and unknown path are client errors too
    let (status, _) = h.client.get("/validate").await;
    assert_eq!(status, 405);
    let (status, _) = h.client.get("/nope").await;
    assert_eq!(status, 404);

    let metrics = h.client.metrics().await;
    assert!(metrics.contains(r#"palisade_admission_invalid_requests_total{endpoint="validate",reason="malformed-json"}"#), "{metrics}");
    assert!(
        metrics.contains(r#"reason="wrong-api-version"} 1"#),
        "{metrics}"
    );
    let (status, _) = h.client.get("/healthz").await;
    assert_eq!(status, 200);
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_slow_bodies_are_refused() {
    let mut setup = Setup::default();
    setup.limits.max_body_bytes = 64 * 1024;
    setup.limits.body_timeout = Duration::from_millis(300);
    setup.limits.header_timeout = Duration::from_millis(300);
    let h = Harness::start(setup).await;
    h.wait_readyz("ready", |s, _| s == 200).await;

    // declared too large: answered before the body is read
    let mut tls = h.client.tls().await.unwrap();
    tls.write_all(b"POST /validate HTTP/1.1\r\nhost: localhost\r\ncontent-length: 102400\r\n\r\n")
        .await
        .unwrap();
    tls.write_all(&[b' '; 4096]).await.unwrap();
    let mut response = Vec::new();
    let _ = tls.read_to_end(&mut response).await;
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(
        response.contains("exceeds the limit of 65536 bytes"),
        "{response}"
    );

    // too large without Content-Length (chunked): the server answers after 64 KiB and keeps
    // reading the rest (lingering close), so the client can send its whole 8 MiB — more than
    // the socket buffers take — and then read the answer instead of being reset mid-write
    let mut tls = h.client.tls().await.unwrap();
    let mut req =
        b"POST /validate HTTP/1.1\r\nhost: localhost\r\ntransfer-encoding: chunked\r\n\r\n"
            .to_vec();
    for _ in 0..1024 {
        req.extend_from_slice(format!("{:x}\r\n", 8192).as_bytes());
        req.extend_from_slice(&[b' '; 8192]);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    tls.write_all(&req).await.unwrap();
    let mut head = [0u8; 12];
    tls.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 400");

    // a body that never finishes
    let mut tls = h.client.tls().await.unwrap();
    tls.write_all(
        b"POST /validate HTTP/1.1\r\nhost: localhost\r\ncontent-length: 100\r\n\r\n{\"apiV",
    )
    .await
    .unwrap();
    let mut head = [0u8; 12];
    tokio::time::timeout(Duration::from_secs(10), tls.read_exact(&mut head))
        .await
        .expect("the server answers a stalled body")
        .unwrap();
    assert_eq!(&head, b"HTTP/1.1 400");

    // headers that never finish: the connection is closed
    let mut tls = h.client.tls().await.unwrap();
    tls.write_all(b"POST /validate HTTP/1.1\r\nhost: loc")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), tls.read_to_end(&mut rest))
        .await
        .expect("the server closes a connection with stalled headers");
    assert!(
        read.is_err() || rest.is_empty() || rest.starts_with(b"HTTP/1.1 408"),
        "{:?}",
        String::from_utf8_lossy(&rest)
    );

    // a TCP client that never starts TLS does not block others
    let _idle = tokio::net::TcpStream::connect(h.client.addr).await.unwrap();
    let (status, _) = h.client.get("/healthz").await;
    assert_eq!(status, 200);
    let metrics = h.client.metrics().await;
    assert!(
        metrics.contains(r#"reason="body-too-large"} 2"#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"reason="body-timeout"} 1"#), "{metrics}");
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_reload_keeps_the_old_policies_and_a_good_one_applies() {
    let h = Harness::start(Setup {
        policies: vec![("p.yaml", check_policy("priv", "advisory", "POD-001"))],
        ..Setup::default()
    })
    .await;
    h.wait_readyz("ready", |s, v| s == 200 && v["policies"]["generation"] == 1)
        .await;
    let bad_pod = pod("bad", "open", json!({"privileged": true}));
    let resp = h
        .client
        .review("/validate", &review("r1", "CREATE", &bad_pod, "alice"))
        .await;
    assert_eq!(resp["allowed"], true);

    // a broken file: the old set keeps serving; readyz, metrics and logs say why
    write(
        &h.policies.join("broken.yaml"),
        "apiVersion: palisade.dev/v1alpha1\nkind: CheckPolicy\nmetadata: {name: x}\nspec: {mode: sometimes}\n",
    );
    let v = h
        .wait_readyz("the load error", |_, v| {
            v["policies"]["errors"]
                .as_array()
                .is_some_and(|e| !e.is_empty())
        })
        .await;
    assert_eq!(v["ready"], true, "the old set keeps serving: {v}");
    assert_eq!(v["policies"]["generation"], 1);
    let err = v["policies"]["errors"][0].as_str().unwrap();
    assert!(
        err.contains("broken.yaml:4:1: invalid CheckPolicy `x`: unknown variant `sometimes`"),
        "{err}"
    );
    let resp = h
        .client
        .review("/validate", &review("r2", "CREATE", &bad_pod, "alice"))
        .await;
    assert_eq!(resp["allowed"], true);
    let metrics = h.client.metrics().await;
    assert!(
        metrics.contains("palisade_policy_load_errors_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"palisade_policy_reloads_total{result="failure"} 1"#),
        "{metrics}"
    );

    // fixed, and the first policy made mandatory: generation 2 denies
    std::fs::remove_file(h.policies.join("broken.yaml")).unwrap();
    write(
        &h.policies.join("p.yaml"),
        &check_policy("priv", "mandatory", "POD-001"),
    );
    let v = h
        .wait_readyz("generation 2", |_, v| v["policies"]["generation"] == 2)
        .await;
    assert!(v["policies"].get("errors").is_none(), "{v}");
    let resp = h
        .client
        .review("/validate", &review("r3", "CREATE", &bad_pod, "alice"))
        .await;
    assert_eq!(resp["allowed"], false);
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_unready_without_policies_and_becomes_ready() {
    let h = Harness::start(Setup {
        create_policies_dir: false,
        ..Setup::default()
    })
    .await;
    let (status, body) = h.client.get("/readyz").await;
    assert_eq!(status, 503);
    assert!(body.contains("policies directory does not exist"), "{body}");
    let (status, _) = h
        .client
        .post(
            "/validate",
            serde_json::to_vec(&review("x", "CREATE", &pod("p", "n", json!({})), "a")).unwrap(),
        )
        .await;
    assert_eq!(
        status, 503,
        "not ready: the API server applies the webhook's failurePolicy"
    );
    std::fs::create_dir(&h.policies).unwrap();
    write(
        &h.policies.join("p.yaml"),
        &check_policy("priv", "mandatory", "POD-001"),
    );
    h.wait_readyz("ready", |s, _| s == 200).await;
    h.server.shutdown().await;
}

/// A panic in a policy engine answers the request per the policy's failure policy, and the
/// evaluation thread goes on: with one thread, the second review is answered too
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_policy_is_answered_per_failure_policy() {
    let mut setup = Setup {
        policies: vec![(
            "crash.yaml",
            "apiVersion: test.palisade.dev/v1\nkind: Slow\nmetadata: {name: crash}\nspec: {panic: true}\n".to_owned(),
        )],
        ..Setup::default()
    };
    setup.limits.evaluation_threads = 1;
    let h = Harness::start(setup).await;
    h.wait_readyz("ready", |s, _| s == 200).await;
    let p = restricted_pod("p", "open");
    for uid in ["c1", "c2"] {
        let resp = h
            .client
            .review("/validate", &review(uid, "CREATE", &p, "alice"))
            .await;
        assert_eq!(resp["uid"], uid, "{resp}");
        assert_eq!(resp["allowed"], false, "{resp}");
        assert_eq!(resp["status"]["code"], 403, "{resp}");
        let message = resp["status"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("`crash`") && message.contains("internal error while evaluating"),
            "{resp}"
        );
    }
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_answers_per_failure_policy() {
    let mut setup = Setup {
        policies: vec![(
            "slow.yaml",
            "apiVersion: test.palisade.dev/v1\nkind: Slow\nmetadata: {name: slow-fail}\nspec: {sleepMs: 1500}\n".to_owned(),
        )],
        ..Setup::default()
    };
    setup.limits.deadline = Duration::from_millis(100);
    let h = Harness::start(setup).await;
    h.wait_readyz("ready", |s, _| s == 200).await;
    let p = restricted_pod("p", "open");
    let resp = h
        .client
        .review("/validate", &review("d1", "CREATE", &p, "alice"))
        .await;
    assert_eq!(resp["allowed"], false, "{resp}");
    assert_eq!(resp["status"]["code"], 504);
    assert!(
        resp["status"]["message"]
            .as_str()
            .unwrap()
            .contains("`slow-fail`"),
        "{resp}"
    );

    // the API server's own ?timeout= shortens the deadline further
    write(
        &h.policies.join("slow.yaml"),
        "apiVersion: test.palisade.dev/v1\nkind: Slow\nmetadata: {name: slow-ignore}\nspec: {sleepMs: 1500, failurePolicy: Ignore}\n",
    );
    h.wait_readyz("generation 2", |_, v| v["policies"]["generation"] == 2)
        .await;
    let resp = h
        .client
        .review("/validate?timeout=1s", &review("d2", "CREATE", &p, "alice"))
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");
    assert!(
        resp["warnings"][0]
            .as_str()
            .unwrap()
            .contains("failurePolicy Ignore"),
        "{resp}"
    );
    let metrics = h.client.metrics().await;
    assert!(
        metrics.contains(r#"palisade_admission_deadline_exceeded_total{endpoint="validate"} 2"#),
        "{metrics}"
    );
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutate_answers_with_a_json_patch() {
    let h = Harness::start(Setup {
        policies: vec![(
            "labels.yaml",
            "apiVersion: test.palisade.dev/v1\nkind: AddLabel\nmetadata: {name: team}\nspec: {key: team, value: payments}\n---\n\
             apiVersion: test.palisade.dev/v1\nkind: AddLabel\nmetadata: {name: tier}\nspec: {key: example.com/tier, value: web}\n"
                .to_owned(),
        ), ("strict.yaml", check_policy("no-privileged", "mandatory", "POD-001"))],
        ..Setup::default()
    })
    .await;
    h.wait_readyz("ready", |s, _| s == 200).await;
    let p = restricted_pod("p", "open");
    let resp = h
        .client
        .review("/mutate", &review("m1", "CREATE", &p, "alice"))
        .await;
    assert_eq!(resp["allowed"], true, "{resp}");
    assert_eq!(resp["patchType"], "JSONPatch");
    let patch: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(resp["patch"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        patch,
        json!([
            {"op": "add", "path": "/metadata/labels", "value": {"team": "payments"}},
            {"op": "add", "path": "/metadata/labels/example.com~1tier", "value": "web"},
        ])
    );
    let mut patched = p.clone();
    palisade_vap::patch::apply_json_patch(&mut patched, &patch).unwrap();
    assert_eq!(
        patched["metadata"]["labels"],
        json!({"team": "payments", "example.com/tier": "web"})
    );

    // validating policies are not served on /mutate, and mutating ones not on /validate
    let privileged = pod("bad", "open", json!({"privileged": true}));
    let resp = h
        .client
        .review("/mutate", &review("m2", "CREATE", &privileged, "alice"))
        .await;
    assert_eq!(resp["allowed"], true);
    let resp = h
        .client
        .review("/validate", &review("m3", "CREATE", &p, "alice"))
        .await;
    assert!(resp.get("patch").is_none());
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_and_tls12_clients_are_served() {
    let h = Harness::start(Setup::default()).await;
    h.wait_readyz("ready", |s, _| s == 200).await;
    let ca = h.dir.path().join("certs/ca.crt");

    // HTTP/2 over TLS 1.3 (what the API server's Go client negotiates)
    let config = common::client_config(&ca, &[&rustls::version::TLS13], &[b"h2"]);
    let tcp = tokio::net::TcpStream::connect(h.client.addr).await.unwrap();
    let tls = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
        .connect(
            rustls::pki_types::ServerName::try_from("localhost").unwrap(),
            tcp,
        )
        .await
        .unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut send, conn) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(tls),
    )
    .await
    .unwrap();
    tokio::spawn(conn);
    let body = serde_json::to_vec(&review(
        "h2",
        "CREATE",
        &restricted_pod("p", "open"),
        "alice",
    ))
    .unwrap();
    let req = hyper::Request::post("https://localhost/validate")
        .body(http_body_util::Full::new(hyper::body::Bytes::from(body)))
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.version(), hyper::Version::HTTP_2);

    // TLS 1.2
    let config = common::client_config(&ca, &[&rustls::version::TLS12], &[b"http/1.1"]);
    let tcp = tokio::net::TcpStream::connect(h.client.addr).await.unwrap();
    let tls = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
        .connect(
            rustls::pki_types::ServerName::try_from("localhost").unwrap(),
            tcp,
        )
        .await
        .unwrap();
    assert_eq!(
        tls.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_2)
    );
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_reload_without_dropping_connections() {
    let h = Harness::start(Setup::default()).await;
    h.wait_readyz("ready", |s, _| s == 200).await;
    let mut old_conn = h.client.connect().await.unwrap();
    let (status, _) = common::Client::send(&mut old_conn, "GET", "/healthz", Vec::new()).await;
    assert_eq!(status, 200);

    // a new CA and serving pair, written over the files the server watches
    let fresh = h.dir.path().join("fresh");
    let generated =
        palisade_server::certs::write_all(&["localhost".to_owned()], &fresh, 30).unwrap();
    let new_client = common::Client::new(h.client.addr, &generated.ca_cert);
    assert!(
        new_client.tls().await.is_err(),
        "the new CA is not served yet"
    );
    let certs = h.dir.path().join("certs");
    std::fs::copy(&generated.tls_key, certs.join("tls.key")).unwrap();
    std::fs::copy(&generated.tls_cert, certs.join("tls.crt")).unwrap();

    let mut switched = false;
    for _ in 0..200 {
        if new_client.tls().await.is_ok() {
            switched = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(switched, "new connections get the new certificate");
    // (a fresh client: the old one could resume its TLS session without seeing a certificate)
    let old_ca_client = common::Client::new(h.client.addr, &h.dir.path().join("certs/ca.crt"));
    assert!(
        old_ca_client.tls().await.is_err(),
        "the old CA no longer verifies new connections"
    );
    // the connection made before the reload still works
    let (status, _) = common::Client::send(&mut old_conn, "GET", "/healthz", Vec::new()).await;
    assert_eq!(status, 200);
    let metrics = new_client.metrics().await;
    assert!(
        metrics.contains(r#"palisade_tls_certificate_reloads_total{result="success"} 2"#),
        "{metrics}"
    );
    h.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_cluster_the_namespace_watch_keeps_the_server_unready_and_says_why() {
    let home_config = std::env::var_os("HOME")
        .is_some_and(|h| std::path::Path::new(&h).join(".kube/config").exists());
    if std::env::var_os("KUBECONFIG").is_some()
        || std::env::var_os("KUBERNETES_SERVICE_HOST").is_some()
        || home_config
    {
        eprintln!("skipped: a cluster configuration is present");
        return;
    }
    let h = Harness::start(Setup {
        policies: vec![("p.yaml", check_policy("priv", "advisory", "POD-001"))],
        cluster: Some(palisade_server::ClusterAccess::Default),
        ..Setup::default()
    })
    .await;
    let v = h
        .wait_readyz("the namespace source error", |_, v| {
            v["namespaces"]["errors"]
                .as_array()
                .is_some_and(|e| !e.is_empty())
        })
        .await;
    assert_eq!(v["ready"], false, "{v}");
    assert_eq!(v["namespaces"]["source"], "cluster (list + watch)", "{v}");
    let (status, _) = h.client.get("/readyz").await;
    assert_eq!(status, 503);
    // reviews are still answered (policies loaded), the namespaces just unknown
    let resp = h
        .client
        .review(
            "/validate",
            &review("c1", "CREATE", &restricted_pod("p", "open"), "alice"),
        )
        .await;
    assert_eq!(resp["uid"], "c1");
    h.server.shutdown().await;
}

/// A stand-in API server on loopback (plain HTTP, as `kubectl proxy` serves): lists and
/// watches of Namespaces, RoleBindings and ClusterRoleBindings, the watches fed by the test
#[cfg(feature = "cluster")]
#[allow(
    clippy::unwrap_used,
    reason = "test helper: a failed step fails the test"
)]
mod fake_api {
    use axum::body::Body;
    use axum::extract::{Request, State};
    use axum::response::Response;
    use serde_json::{Value, json};
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    use tokio::sync::broadcast;

    pub const NAMESPACES: &str = "/api/v1/namespaces";
    pub const ROLE_BINDINGS: &str = "/apis/rbac.authorization.k8s.io/v1/rolebindings";
    pub const CLUSTER_ROLE_BINDINGS: &str =
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings";

    #[derive(Clone)]
    pub struct FakeApi {
        /// Items listed per collection path
        lists: Arc<Mutex<HashMap<&'static str, Vec<Value>>>>,
        /// Watch events: (collection path, event)
        events: broadcast::Sender<(String, Value)>,
        /// Requests served, by path and whether they were watches
        pub seen: Arc<Mutex<Vec<(String, bool)>>>,
    }

    impl FakeApi {
        pub fn new(lists: HashMap<&'static str, Vec<Value>>) -> Self {
            Self {
                lists: Arc::new(Mutex::new(lists)),
                events: broadcast::channel(64).0,
                seen: Arc::default(),
            }
        }

        /// Serve on loopback; returns the base URL
        pub async fn start(&self) -> String {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let app = axum::Router::new().fallback(serve).with_state(self.clone());
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let service = hyper_util::service::TowerToHyperService::new(app.clone());
                    tokio::spawn(
                        hyper::server::conn::http1::Builder::new()
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
                    );
                }
            });
            format!("http://{addr}")
        }

        /// Send a watch event (`ADDED`, `MODIFIED`, `DELETED`) to the watches of `path`
        pub fn event(&self, path: &str, kind: &str, object: Value) {
            let _ = self
                .events
                .send((path.to_owned(), json!({"type": kind, "object": object})));
        }

        pub fn watching(&self, path: &str) -> bool {
            self.seen
                .lock()
                .unwrap()
                .iter()
                .any(|(p, watch)| p == path && *watch)
        }
    }

    async fn serve(State(api): State<FakeApi>, req: Request) -> Response {
        let path = req.uri().path().to_owned();
        let watch = req
            .uri()
            .query()
            .is_some_and(|q| q.split('&').any(|kv| kv == "watch=true" || kv == "watch=1"));
        api.seen.lock().unwrap().push((path.clone(), watch));
        let Some(items) = api.lists.lock().unwrap().get(path.as_str()).cloned() else {
            return Response::builder()
                .status(404)
                .body(Body::from("{}"))
                .unwrap();
        };
        if !watch {
            let list = json!({"apiVersion": "v1", "kind": "List",
                              "metadata": {"resourceVersion": "1"}, "items": items});
            return Response::builder()
                .header("content-type", "application/json")
                .body(Body::from(list.to_string()))
                .unwrap();
        }
        // One JSON event per line, for as long as the client listens
        let events = api.events.subscribe();
        let stream = futures::stream::unfold((events, path), |(mut events, path)| async move {
            loop {
                match events.recv().await {
                    Ok((p, event)) if p == path => {
                        let line = format!("{event}\n");
                        return Some((Ok::<_, std::convert::Infallible>(line), (events, path)));
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        Response::builder()
            .header("content-type", "application/json")
            .body(Body::from_stream(stream))
            .unwrap()
    }
}

#[cfg(feature = "cluster")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespaces_and_bindings_are_listed_and_watched_through_a_kubeconfig() {
    use fake_api::{CLUSTER_ROLE_BINDINGS, FakeApi, NAMESPACES, ROLE_BINDINGS};
    let namespace = |enforce: &str, rv: &str| {
        json!({"apiVersion": "v1", "kind": "Namespace",
               "metadata": {"name": "team", "resourceVersion": rv,
                            "labels": {"pod-security.kubernetes.io/enforce": enforce}}})
    };
    let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "readers", "namespace": "team", "resourceVersion": "1"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]});
    let api = FakeApi::new(
        [
            (NAMESPACES, vec![namespace("restricted", "1")]),
            (ROLE_BINDINGS, vec![binding]),
            (CLUSTER_ROLE_BINDINGS, Vec::new()),
        ]
        .into(),
    );
    let url = api.start().await;
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    write(
        &kubeconfig,
        &format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: fake\n\
             clusters: [{{name: fake, cluster: {{server: \"{url}\"}}}}]\n\
             users: [{{name: fake, user: {{token: not-checked}}}}]\n\
             contexts: [{{name: fake, context: {{cluster: fake, user: fake}}}}]\n"
        ),
    );
    let h = Harness::start(Setup {
        policies: vec![(
            "psa.yaml",
            "apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\n\
             defaults: {enforce: privileged}\n"
                .to_owned(),
        )],
        cluster: Some(palisade_server::ClusterAccess::Kubeconfig(kubeconfig)),
        ..Setup::default()
    })
    .await;
    // Ready once the namespaces are listed; the binding is listed too
    let v = h
        .wait_readyz("namespaces and bindings listed", |s, v| {
            s == 200 && v["roleBindings"]["count"] == 1
        })
        .await;
    assert_eq!(v["namespaces"]["source"], "cluster (list + watch)", "{v}");

    // The listed label is enforced
    let plain = pod("plain", "team", json!({}));
    let resp = h
        .client
        .review("/validate", &review("k1", "CREATE", &plain, "alice"))
        .await;
    assert_eq!(resp["allowed"], false, "{resp}");
    assert_eq!(
        resp["auditAnnotations"]["enforce-policy"],
        "restricted:latest"
    );

    // A watched change of the label applies to the next reviews, without a relist
    let mut relaxed = false;
    for attempt in 0..200 {
        if api.watching(NAMESPACES) {
            api.event(NAMESPACES, "MODIFIED", namespace("privileged", "2"));
        }
        let resp = h
            .client
            .review(
                "/validate",
                &review(&format!("k2-{attempt}"), "CREATE", &plain, "alice"),
            )
            .await;
        if resp["allowed"] == true {
            relaxed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(relaxed, "the MODIFIED namespace was never applied");
    let lists = api
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|(p, watch)| p == NAMESPACES && !watch)
        .count();
    assert_eq!(lists, 1, "the change came through the watch, not a relist");

    // A deleted binding leaves the served set
    api.event(
        ROLE_BINDINGS,
        "DELETED",
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "readers", "namespace": "team", "resourceVersion": "3"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}}),
    );
    h.wait_readyz("the binding deleted", |_, v| {
        v["roleBindings"]["count"] == 0
    })
    .await;
    h.server.shutdown().await;
}
