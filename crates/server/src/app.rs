//! The HTTP layer: `fn app(state) -> Router` and its handlers.
//!
//! Input never causes a 500 or a panic: a body that is too large, too slow, not JSON or not an
//! AdmissionReview gets a 400 (or, when its `request.uid` can be read, an AdmissionReview that
//! rejects it as invalid). Evaluation runs on the evaluation threads (`pool.rs`), under a
//! per-request deadline; when the deadline passes, what finished stands and the policies that
//! did not finish are answered per their failure policy. The one exception: when every
//! selected policy set is native code of bounded cost (built-in checks, Pod Security) and the
//! body is small, evaluation runs on the request's task, because the hand-off would cost more
//! than the work.

use crate::evaluate::{self, Evaluation, Progress};
use crate::metrics::Endpoint;
use crate::review::{self, AdmissionRequest, AdmissionResponse};
use crate::state::AppState;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Largest body evaluated on the request's own task when every selected policy set is of
/// bounded cost (see [`PolicySet::bounded_cost`](crate::PolicySet::bounded_cost)); larger ones
/// always go to an evaluation thread
const INLINE_MAX_BODY: usize = 256 * 1024;

/// The router: `/validate`, `/mutate`, `/healthz`, `/readyz`, `/metrics`
pub fn app(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/validate", post(validate))
        .route("/mutate", post(mutate))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

async fn validate(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    admit(&state, Endpoint::Validate, &uri, &headers, body).await
}

async fn mutate(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    admit(&state, Endpoint::Mutate, &uri, &headers, body).await
}

async fn healthz() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain")],
        "ok\n",
    )
        .into_response()
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let body = state.readiness();
    let status = if state.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let text = serde_json::to_vec_pretty(&body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

fn json(status: StatusCode, body: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A 400 (or 503) carrying a `metav1.Status`-shaped JSON body
fn http_error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({
        "kind": "Status", "apiVersion": "v1", "status": "Failure",
        "message": message, "code": status.as_u16(),
    });
    json(status, serde_json::to_vec(&body).unwrap_or_default())
}

/// Go duration of the API server's `?timeout=10s` query parameter
fn query_timeout(uri: &Uri) -> Option<Duration> {
    let query = uri.query()?;
    let raw = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("timeout="))?;
    let (number, unit) = raw.split_at(raw.find(|c: char| !c.is_ascii_digit() && c != '.')?);
    let n: f64 = number.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "ms" => n / 1e3,
        "m" => n * 60.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(secs).ok()
}

/// What the decision log says about the request
struct LogInfo {
    uid: String,
    kind: String,
    namespace: String,
    name: String,
    user: String,
    operation: &'static str,
    dry_run: bool,
}

impl LogInfo {
    fn of(req: &AdmissionRequest) -> Self {
        let name = if req.name.is_empty() {
            req.object
                .as_ref()
                .and_then(|o| o.pointer("/metadata/generateName"))
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned()
        } else {
            req.name.clone()
        };
        let kind = if req.kind.group.is_empty() {
            req.kind.kind.clone()
        } else {
            format!("{}.{}", req.kind.kind, req.kind.group)
        };
        Self {
            uid: req.uid.clone(),
            kind,
            namespace: req.namespace.clone(),
            name,
            user: req.user_info.username.clone(),
            operation: req.operation.as_str(),
            dry_run: req.dry_run == Some(true),
        }
    }
}

/// One JSON line per decision (one line with `action: allow` when no policy acted)
fn log_decisions(endpoint: Endpoint, info: &LogInfo, evaluation: &Evaluation, latency: Duration) {
    if !crate::logging::decisions_enabled() {
        return;
    }
    let ctx = crate::logging::DecisionContext {
        endpoint: endpoint.as_str(),
        uid: &info.uid,
        kind: &info.kind,
        namespace: &info.namespace,
        name: &info.name,
        user: &info.user,
        operation: info.operation,
        dry_run: info.dry_run,
        allowed: evaluation.response.allowed,
        latency_us: u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
    };
    let prefix = ctx.prefix();
    // sized for every line up front: growing a buffer of many lines copied it (5k instructions
    // per request); 64 bytes per line cover the field names and a few escapes
    let lines = evaluation.records.len().max(1);
    let texts: usize = evaluation
        .records
        .iter()
        .map(|r| r.policy.len() + r.rule.len() + r.message.len())
        .sum();
    let mut out = Vec::with_capacity((prefix.len() + 64) * lines + texts);
    if evaluation.records.is_empty() {
        crate::logging::decision_line(&mut out, &prefix, "", "", "allow", "");
    }
    for r in &evaluation.records {
        crate::logging::decision_line(
            &mut out,
            &prefix,
            &r.policy,
            &r.rule,
            r.action.as_str(),
            &r.message,
        );
    }
    crate::logging::write_decisions(&out);
}

async fn read_body(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<axum::body::Bytes, (&'static str, String)> {
    let limit = state.limits.max_body_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err((
            "body-too-large",
            format!("request body exceeds the limit of {limit} bytes"),
        ));
    }
    match tokio::time::timeout(
        state.limits.body_timeout,
        Limited::new(body, limit).collect(),
    )
    .await
    {
        Err(_) => Err((
            "body-timeout",
            format!(
                "request body not received within {:?}",
                state.limits.body_timeout
            ),
        )),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err((
            "body-too-large",
            format!("request body exceeds the limit of {limit} bytes"),
        )),
        Ok(Err(e)) => Err(("body-read-error", format!("cannot read request body: {e}"))),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

async fn admit(
    state: &Arc<AppState>,
    endpoint: Endpoint,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let bytes = match read_body(state, headers, body).await {
        Ok(b) => b,
        Err((reason, message)) => {
            state.metrics.invalid(endpoint, reason);
            tracing::warn!(target: "palisade::admission", endpoint = endpoint.as_str(), reason, error = %message, "rejected request");
            return http_error(StatusCode::BAD_REQUEST, &message);
        }
    };
    let start = Instant::now();
    let req = match review::parse(&bytes) {
        Ok(r) => r,
        Err(invalid) => {
            state.metrics.invalid(endpoint, invalid.reason);
            tracing::warn!(
                target: "palisade::admission",
                endpoint = endpoint.as_str(), reason = invalid.reason,
                uid = invalid.uid.as_deref().unwrap_or(""), error = %invalid.message,
                "invalid AdmissionReview"
            );
            return match invalid.uid {
                Some(uid) => json(
                    StatusCode::OK,
                    AdmissionResponse::invalid(uid, invalid.message).to_review_json(),
                ),
                None => http_error(StatusCode::BAD_REQUEST, &invalid.message),
            };
        }
    };
    let body_len = bytes.len();
    drop(bytes);
    let Some(snapshot) = state.policies.load_full() else {
        // Not ready: let the API server apply the webhook's own failurePolicy.
        return http_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "policies are not loaded yet; see /readyz",
        );
    };
    let info = LogInfo::of(&req);
    let ids = evaluate::select(&snapshot, endpoint, &req);
    let evaluation = if ids.is_empty() {
        Evaluation {
            response: AdmissionResponse::allow(req.uid),
            records: Vec::new(),
        }
    } else {
        evaluate_with_deadline(state, endpoint, uri, snapshot, req, ids, body_len).await
    };
    let latency = start.elapsed();
    state
        .metrics
        .request(endpoint, evaluation.response.allowed, latency);
    for r in &evaluation.records {
        state.metrics.decision(&r.policy, &r.rule, r.action);
    }
    log_decisions(endpoint, &info, &evaluation, latency);
    json(StatusCode::OK, evaluation.response.to_review_json())
}

async fn evaluate_with_deadline(
    state: &Arc<AppState>,
    endpoint: Endpoint,
    uri: &Uri,
    snapshot: Arc<crate::load::PolicySnapshot>,
    req: AdmissionRequest,
    ids: Vec<u32>,
    body_len: usize,
) -> Evaluation {
    if body_len <= INLINE_MAX_BODY && evaluate::all_bounded(&snapshot, endpoint, &ids) {
        // Native checks on a small object take microseconds: less than the hand-off to an
        // evaluation thread (measured 2026-11-28 with 40 such policies: at concurrency 1,
        // 4.9-5.1k instead of 3.7-3.9k req/s; at 8 the same throughput).
        let cluster = state.cluster_view();
        let progress = Mutex::new(Progress::default());
        return evaluate::evaluate(&snapshot, &cluster, req, endpoint, &ids, &progress);
    }
    let deadline = query_timeout(uri).map_or(state.limits.deadline, |t| {
        // Answer before the API server gives up on us.
        state.limits.deadline.min(t.mul_f64(0.9))
    });
    let uid = req.uid.clone();
    let cluster = state.cluster_view();
    let progress = Arc::new(Mutex::new(Progress::default()));
    let (answer, answered) = tokio::sync::oneshot::channel();
    let job = {
        let (snapshot, ids, progress) = (Arc::clone(&snapshot), ids.clone(), Arc::clone(&progress));
        Box::new(move || {
            // Nobody waits any more (the deadline passed while queued, or the client left):
            // the answer per failure policy has been sent, evaluating would be wasted.
            if answer.is_closed() {
                return;
            }
            let evaluation =
                evaluate::evaluate(&snapshot, &cluster, req, endpoint, &ids, &progress);
            let _ = answer.send(evaluation);
        })
    };
    state.pool.run(job);
    match tokio::time::timeout(deadline, answered).await {
        Ok(Ok(evaluation)) => evaluation,
        Ok(Err(_)) => {
            // The answer channel closes unanswered only when the evaluation panicked.
            let why = "internal error while evaluating";
            tracing::error!(target: "palisade::admission", uid = %uid, error = why, "evaluation failed");
            evaluate::unfinished(&snapshot, endpoint, &ids, &progress, &uid, why, 403)
        }
        Err(_) => {
            state.metrics.deadline_exceeded(endpoint);
            let why = format!("evaluation did not finish within the deadline of {deadline:?}");
            tracing::warn!(target: "palisade::admission", uid = %uid, deadline_ms = u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX), "deadline exceeded");
            evaluate::unfinished(&snapshot, endpoint, &ids, &progress, &uid, &why, 504)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_api_servers_timeout() {
        let uri: Uri = "/validate?timeout=10s".parse().unwrap();
        assert_eq!(query_timeout(&uri), Some(Duration::from_secs(10)));
        let uri: Uri = "/validate?x=1&timeout=500ms".parse().unwrap();
        assert_eq!(query_timeout(&uri), Some(Duration::from_millis(500)));
        let uri: Uri = "/validate?timeout=forever".parse().unwrap();
        assert_eq!(query_timeout(&uri), None);
        let uri: Uri = "/validate".parse().unwrap();
        assert_eq!(query_timeout(&uri), None);
    }
}
