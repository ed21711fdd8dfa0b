//! Structured JSON logs on stdout: one line per event, and one line per admission decision
//! (`"target":"palisade::decision"`). Filter with `PALISADE_LOG` (`info` by default,
//! e.g. `PALISADE_LOG=palisade::decision=off,info`).
//!
//! Decision lines are the audit trail and are many (one per policy and rule that acted, or one
//! `allow` line per request), so they skip the generic event formatter: each request renders
//! its lines into one buffer, handed to the same background writer as the other logs.

// the renderers' escaper: strings that need no escaping (most names and messages) are copied
// whole, where serde_json tests every byte
use palisade_report::write_json_string as json_str;
use std::io::Write as _;
use std::sync::OnceLock;
use std::time::SystemTime;
use tracing_appender::non_blocking::NonBlocking;
use tracing_subscriber::EnvFilter;

/// Keeps the background log writer alive; logs written before it drops are flushed
pub type LogGuard = tracing_appender::non_blocking::WorkerGuard;

static DECISIONS: OnceLock<NonBlocking> = OnceLock::new();

/// Install the JSON subscriber. Lines are handed to a background writer so a slow stdout never
/// stalls a request; the writer applies back-pressure rather than dropping decision lines.
pub fn init_json_logs() -> LogGuard {
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(64 * 1024)
        .thread_name("palisade-log")
        // The writer drains every line queued and then flushes: through a buffer that is one
        // write per batch, where stdout's own line buffering wrote every request's lines apart
        // (≈1 write per request at load; one syscall per line batch into a container's pipe).
        .finish(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stdout(),
        ));
    let filter = EnvFilter::try_from_env("PALISADE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = DECISIONS.set(writer.clone());
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(true)
        .with_env_filter(filter)
        .with_writer(writer)
        .try_init();
    guard
}

/// True when decision lines are wanted (logging initialised and the filter lets them through)
pub(crate) fn decisions_enabled() -> bool {
    DECISIONS.get().is_some()
        && tracing::enabled!(target: "palisade::decision", tracing::Level::INFO)
}

/// Hand a request's rendered decision lines to the log writer
pub(crate) fn write_decisions(lines: &[u8]) {
    if let Some(w) = DECISIONS.get() {
        let mut w = w.clone();
        let _ = w.write_all(lines);
    }
}

/// The fields every decision line of one request shares
#[derive(Debug)]
pub(crate) struct DecisionContext<'a> {
    pub endpoint: &'a str,
    pub uid: &'a str,
    pub kind: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
    pub user: &'a str,
    pub operation: &'a str,
    pub dry_run: bool,
    pub allowed: bool,
    pub latency_us: u64,
}

impl DecisionContext<'_> {
    /// Render the shared part once: `{"timestamp":…,"uid":…,…,"latency_us":N,`
    pub(crate) fn prefix(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(320);
        out.extend_from_slice(b"{\"timestamp\":\"");
        crate::time::write_rfc3339(&mut out, SystemTime::now());
        out.extend_from_slice(
            b"\",\"level\":\"INFO\",\"target\":\"palisade::decision\",\"message\":\"admission decision\",\"endpoint\":",
        );
        json_str(&mut out, self.endpoint);
        for (key, value) in [
            ("uid", self.uid),
            ("kind", self.kind),
            ("namespace", self.namespace),
            ("name", self.name),
            ("user", self.user),
            ("operation", self.operation),
        ] {
            out.push(b',');
            json_str(&mut out, key);
            out.push(b':');
            json_str(&mut out, value);
        }
        let flag = |set: bool| if set { &b"true"[..] } else { &b"false"[..] };
        out.extend_from_slice(b",\"dry_run\":");
        out.extend_from_slice(flag(self.dry_run));
        out.extend_from_slice(b",\"allowed\":");
        out.extend_from_slice(flag(self.allowed));
        out.extend_from_slice(b",\"latency_us\":");
        out.extend_from_slice(itoa::Buffer::new().format(self.latency_us).as_bytes());
        out.push(b',');
        out
    }
}

/// Append one line: the shared prefix, then policy, rule, action and reason
pub(crate) fn decision_line(
    out: &mut Vec<u8>,
    prefix: &[u8],
    policy: &str,
    rule: &str,
    action: &str,
    reason: &str,
) {
    out.extend_from_slice(prefix);
    out.extend_from_slice(b"\"policy\":");
    json_str(out, policy);
    out.extend_from_slice(b",\"rule\":");
    json_str(out, rule);
    out.extend_from_slice(b",\"action\":");
    json_str(out, action);
    out.extend_from_slice(b",\"reason\":");
    json_str(out, reason);
    out.extend_from_slice(b"}\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_lines_are_json() {
        let ctx = DecisionContext {
            endpoint: "validate",
            uid: "u\"1",
            kind: "Pod",
            namespace: "team",
            name: "p",
            user: "alice",
            operation: "CREATE",
            dry_run: false,
            allowed: false,
            latency_us: 42,
        };
        let prefix = ctx.prefix();
        let mut out = Vec::new();
        decision_line(
            &mut out,
            &prefix,
            "strict",
            "POD-001",
            "deny",
            "runs\nprivileged",
        );
        decision_line(&mut out, &prefix, "", "", "allow", "");
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["uid"], "u\"1");
        assert_eq!(lines[0]["policy"], "strict");
        assert_eq!(lines[0]["reason"], "runs\nprivileged");
        assert_eq!(lines[0]["allowed"], false);
        assert_eq!(lines[0]["latency_us"], 42);
        assert_eq!(lines[0]["target"], "palisade::decision");
        assert_eq!(lines[1]["action"], "allow");
    }
}
