//! Test harness: a real server on 127.0.0.1:0 with its own CA, and an HTTPS client.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of the harness"
)]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test harness: a failed setup step should fail the test loudly"
)]

use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use palisade_server::{
    Decisions, Dialect, FailurePolicy, KindMatch, Limits, MatchSpec, PolicyLoadError, PolicyMeta,
    PolicySet, Request, ServeOptions, Server,
};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// A running server and everything needed to talk to it
pub struct Harness {
    pub server: Server,
    pub dir: tempfile::TempDir,
    pub policies: PathBuf,
    pub namespaces: PathBuf,
    pub client: Client,
}

pub struct Setup {
    pub policies: Vec<(&'static str, String)>,
    pub namespaces: Option<String>,
    pub limits: Limits,
    /// Create the policies directory (false: start with it missing)
    pub create_policies_dir: bool,
    /// Watch namespaces from the cluster (when `namespaces` is `None`)
    pub cluster: Option<palisade_server::ClusterAccess>,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            policies: Vec::new(),
            namespaces: None,
            limits: Limits {
                poll_interval: Duration::from_millis(200),
                drain_timeout: Duration::from_secs(2),
                ..Limits::default()
            },
            create_policies_dir: true,
            cluster: None,
        }
    }
}

pub fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

impl Harness {
    pub async fn start(setup: Setup) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let certs = dir.path().join("certs");
        let generated =
            palisade_server::certs::write_all(&["localhost".to_owned()], &certs, 30).unwrap();
        let policies = dir.path().join("policies");
        if setup.create_policies_dir {
            std::fs::create_dir(&policies).unwrap();
            for (name, text) in &setup.policies {
                write(&policies.join(name), text);
            }
        }
        let namespaces = dir.path().join("namespaces.yaml");
        if let Some(ns) = &setup.namespaces {
            write(&namespaces, ns);
        }
        let mut dialects = palisade_server::dialects::defaults();
        dialects.push(Arc::new(SlowDialect));
        dialects.push(Arc::new(LabelMutator));
        let server = Server::start(
            ServeOptions {
                policies: policies.clone(),
                tls_cert: generated.tls_cert.clone(),
                tls_key: generated.tls_key.clone(),
                listen: "127.0.0.1:0".parse().unwrap(),
                namespaces: setup.namespaces.as_ref().map(|_| namespaces.clone()),
                cluster: setup.cluster.clone(),
                limits: setup.limits,
            },
            dialects,
        )
        .await
        .unwrap();
        let client = Client::new(server.local_addr(), &generated.ca_cert);
        Self {
            server,
            dir,
            policies,
            namespaces,
            client,
        }
    }

    /// Wait (bounded) until `/readyz` satisfies `pred`
    pub async fn wait_readyz(&self, what: &str, pred: impl Fn(u16, &Value) -> bool) -> Value {
        for _ in 0..200 {
            let (status, body) = self.client.get("/readyz").await;
            let v: Value = serde_json::from_str(&body).unwrap();
            if pred(status, &v) {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let (status, body) = self.client.get("/readyz").await;
        panic!("gave up waiting for {what}; /readyz is {status}: {body}");
    }
}

/// HTTPS client trusting one CA
#[derive(Clone)]
pub struct Client {
    pub addr: std::net::SocketAddr,
    pub connector: TlsConnector,
}

pub fn client_config(
    ca: &Path,
    versions: &[&'static rustls::SupportedProtocolVersion],
    alpn: &[&[u8]],
) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(versions)
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    config
}

impl Client {
    pub fn new(addr: std::net::SocketAddr, ca: &Path) -> Self {
        let config = client_config(
            ca,
            &[&rustls::version::TLS13, &rustls::version::TLS12],
            &[b"http/1.1"],
        );
        Self {
            addr,
            connector: TlsConnector::from(Arc::new(config)),
        }
    }

    pub async fn tls(&self) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
        let tcp = TcpStream::connect(self.addr).await?;
        self.connector
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
    }

    /// A keep-alive HTTP/1.1 connection
    pub async fn connect(&self) -> std::io::Result<SendRequest<Full<Bytes>>> {
        let tls = self.tls().await?;
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(std::io::Error::other)?;
        tokio::spawn(conn);
        Ok(send)
    }

    pub async fn send(
        send: &mut SendRequest<Full<Bytes>>,
        method: &str,
        path: &str,
        body: Vec<u8>,
    ) -> (u16, Vec<u8>) {
        let req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", "localhost")
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .unwrap();
        let resp = send.send_request(req).await.unwrap();
        let status = resp.status().as_u16();
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        (status, body)
    }

    pub async fn post(&self, path: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
        let mut send = self.connect().await.unwrap();
        Self::send(&mut send, "POST", path, body).await
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let mut send = self.connect().await.unwrap();
        let (s, b) = Self::send(&mut send, "GET", path, Vec::new()).await;
        (s, String::from_utf8(b).unwrap())
    }

    /// POST a review; expects 200 and returns `response`
    pub async fn review(&self, path: &str, review: &Value) -> Value {
        let (status, body) = self.post(path, serde_json::to_vec(review).unwrap()).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
        assert_eq!(v["kind"], "AdmissionReview");
        v["response"].clone()
    }

    pub async fn metrics(&self) -> String {
        self.get("/metrics").await.1
    }
}

/// An AdmissionReview for an object
pub fn review(uid: &str, operation: &str, object: &Value, user: &str) -> Value {
    let api_version = object["apiVersion"].as_str().unwrap_or("v1");
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let kind = object["kind"].as_str().unwrap_or_default();
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": format!("{}s", kind.to_lowercase())},
            "name": object["metadata"]["name"],
            "namespace": object["metadata"]["namespace"].as_str().unwrap_or(""),
            "operation": operation,
            "userInfo": {"username": user, "groups": ["system:authenticated"]},
            "object": object,
            "oldObject": null,
            "dryRun": false,
        }
    })
}

pub const DIGEST: &str = "sha256:4c0f3a4f4b3b7c0d6f7a8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3";

/// A pod with one container and the given container securityContext
pub fn pod(name: &str, namespace: &str, security_context: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"containers": [{
            "name": "app", "image": format!("registry.example/app@{DIGEST}"),
            "securityContext": security_context,
        }]}
    })
}

/// A pod that passes the restricted profile
pub fn restricted_pod(name: &str, namespace: &str) -> Value {
    pod(
        name,
        namespace,
        json!({
            "allowPrivilegeEscalation": false, "runAsNonRoot": true,
            "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"},
        }),
    )
}

/// `apiVersion: test.palisade.dev/v1, kind: Slow`: sleeps `spec.sleepMs`, then denies Pods (or,
/// with `spec.panic: true`, panics: a policy engine's bug)
#[derive(Debug)]
pub struct SlowDialect;

#[derive(Debug)]
struct SlowSet {
    metas: Vec<PolicyMeta>,
    sleeps: Vec<u64>,
    panics: Vec<bool>,
}

impl Dialect for SlowDialect {
    fn name(&self) -> &'static str {
        "test-slow"
    }
    fn claims(&self, api_version: &str, kind: &str) -> bool {
        api_version == "test.palisade.dev/v1" && kind == "Slow"
    }
    fn compile(
        &self,
        documents: &[palisade_model::Resource],
    ) -> Result<Arc<dyn PolicySet>, Vec<PolicyLoadError>> {
        let mut metas = Vec::new();
        let mut sleeps = Vec::new();
        let mut panics = Vec::new();
        for d in documents {
            let failure = match d.get("spec/failurePolicy").and_then(Value::as_str) {
                Some("Ignore") => FailurePolicy::Ignore,
                _ => FailurePolicy::Fail,
            };
            metas.push(PolicyMeta {
                name: d.name.as_str().into(),
                matches: MatchSpec {
                    kinds: vec![KindMatch::new("", "Pod")],
                    ..MatchSpec::default()
                },
                failure_policy: failure,
                mutating: false,
            });
            sleeps.push(d.get("spec/sleepMs").and_then(Value::as_u64).unwrap_or(0));
            panics.push(d.get("spec/panic").and_then(Value::as_bool) == Some(true));
        }
        Ok(Arc::new(SlowSet {
            metas,
            sleeps,
            panics,
        }))
    }
}

impl PolicySet for SlowSet {
    fn policies(&self) -> &[PolicyMeta] {
        &self.metas
    }
    fn evaluate(&self, _: &Request<'_>, selected: &[usize], out: &mut Decisions) {
        for &i in selected {
            std::thread::sleep(Duration::from_millis(self.sleeps[i]));
            assert!(!self.panics[i], "a policy engine's bug");
            out.deny(i, "slow", "slow policy denies");
        }
    }
}

/// `apiVersion: test.palisade.dev/v1, kind: AddLabel`: a mutating policy adding
/// `spec.key: spec.value` to the labels of every object
#[derive(Debug)]
pub struct LabelMutator;

#[derive(Debug)]
struct LabelSet {
    metas: Vec<PolicyMeta>,
    labels: Vec<(String, String)>,
}

impl Dialect for LabelMutator {
    fn name(&self) -> &'static str {
        "test-add-label"
    }
    fn claims(&self, api_version: &str, kind: &str) -> bool {
        api_version == "test.palisade.dev/v1" && kind == "AddLabel"
    }
    fn compile(
        &self,
        documents: &[palisade_model::Resource],
    ) -> Result<Arc<dyn PolicySet>, Vec<PolicyLoadError>> {
        let metas = documents
            .iter()
            .map(|d| PolicyMeta {
                name: d.name.as_str().into(),
                matches: MatchSpec::default(),
                failure_policy: FailurePolicy::Fail,
                mutating: true,
            })
            .collect();
        let labels = documents
            .iter()
            .map(|d| {
                let s = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                (s("spec/key"), s("spec/value"))
            })
            .collect();
        Ok(Arc::new(LabelSet { metas, labels }))
    }
}

impl PolicySet for LabelSet {
    fn policies(&self) -> &[PolicyMeta] {
        &self.metas
    }
    fn evaluate(&self, request: &Request<'_>, selected: &[usize], out: &mut Decisions) {
        let Some(object) = request.object else { return };
        // Each policy patches the object as the policies before it in this set left it.
        let mut has_labels = object.value.pointer("/metadata/labels").is_some();
        for &i in selected {
            let (k, v) = &self.labels[i];
            let ops = if has_labels {
                vec![
                    json!({"op": "add", "path": format!("/metadata/labels/{}", k.replace('~', "~0").replace('/', "~1")), "value": v}),
                ]
            } else {
                vec![json!({"op": "add", "path": "/metadata/labels", "value": {k.clone(): v}})]
            };
            has_labels = true;
            out.patch(i, "add-label", ops);
        }
    }
}

/// `CheckPolicy` YAML
pub fn check_policy(name: &str, mode: &str, select: &str) -> String {
    format!(
        "apiVersion: palisade.dev/v1alpha1\nkind: CheckPolicy\nmetadata:\n  name: {name}\nspec:\n  mode: {mode}\n  select: [{select}]\n"
    )
}
