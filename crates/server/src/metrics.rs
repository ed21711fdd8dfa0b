//! Prometheus metrics, hand-written: atomics on the request path, text exposition format
//! (version 0.0.4) on `/metrics`.

use crate::policy::Action;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::Duration;

/// Which admission endpoint
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    /// `/validate`
    Validate,
    /// `/mutate`
    Mutate,
}

impl Endpoint {
    /// Label value
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validate => "validate",
            Self::Mutate => "mutate",
        }
    }

    fn index(self) -> usize {
        match self {
            Self::Validate => 0,
            Self::Mutate => 1,
        }
    }
}

const ENDPOINTS: [Endpoint; 2] = [Endpoint::Validate, Endpoint::Mutate];

/// Upper bounds of the latency buckets, in microseconds
const BUCKETS_US: [u64; 17] = [
    50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
    1_000_000, 2_500_000, 5_000_000, 10_000_000,
];

#[derive(Debug, Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS_US.len()],
    count: AtomicU64,
    sum_ns: AtomicU64,
}

impl Histogram {
    fn observe(&self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        if let Some(i) = BUCKETS_US.iter().position(|b| us <= *b)
            && let Some(b) = self.buckets.get(i)
        {
            b.fetch_add(1, Relaxed);
        }
        self.count.fetch_add(1, Relaxed);
        self.sum_ns
            .fetch_add(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX), Relaxed);
    }
}

type DecisionCounters = [AtomicU64; Action::ALL.len()];

/// Every metric the server exports
#[derive(Debug, Default)]
pub struct Metrics {
    /// `[endpoint][allowed]`
    requests: [[AtomicU64; 2]; 2],
    invalid: Mutex<BTreeMap<(Endpoint, &'static str), u64>>,
    latency: [Histogram; 2],
    deadline_exceeded: [AtomicU64; 2],
    /// policy → rule → per-action counters
    decisions: RwLock<foldhash::HashMap<String, foldhash::HashMap<String, DecisionCounters>>>,
    policy_load_errors: AtomicU64,
    policy_reloads: [AtomicU64; 2],
    policies_loaded: AtomicU64,
    policy_generation: AtomicU64,
    namespaces_loaded: AtomicU64,
    namespace_load_errors: AtomicU64,
    tls_reloads: [AtomicU64; 2],
    ready: AtomicU64,
}

impl Metrics {
    /// Count an answered review
    pub fn request(&self, endpoint: Endpoint, allowed: bool, latency: Duration) {
        if let Some(row) = self.requests.get(endpoint.index())
            && let Some(c) = row.get(usize::from(allowed))
        {
            c.fetch_add(1, Relaxed);
        }
        if let Some(h) = self.latency.get(endpoint.index()) {
            h.observe(latency);
        }
    }

    /// Count a body that was not a usable AdmissionReview
    pub fn invalid(&self, endpoint: Endpoint, reason: &'static str) {
        let mut map = self.invalid.lock().unwrap_or_else(PoisonError::into_inner);
        *map.entry((endpoint, reason)).or_default() += 1;
    }

    /// Count a review answered by the failure policy because evaluation missed the deadline
    pub fn deadline_exceeded(&self, endpoint: Endpoint) {
        if let Some(c) = self.deadline_exceeded.get(endpoint.index()) {
            c.fetch_add(1, Relaxed);
        }
    }

    /// Count one decision of one policy rule
    pub fn decision(&self, policy: &str, rule: &str, action: Action) {
        let bump = |counters: &DecisionCounters| {
            if let Some(c) = counters.get(action.index()) {
                c.fetch_add(1, Relaxed);
            }
        };
        {
            let map = self
                .decisions
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(counters) = map.get(policy).and_then(|rules| rules.get(rule)) {
                bump(counters);
                return;
            }
        }
        let mut map = self
            .decisions
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let counters = map
            .entry(policy.to_owned())
            .or_default()
            .entry(rule.to_owned())
            .or_default();
        bump(counters);
    }

    /// Record a policy (re)load
    pub fn policy_load(&self, ok: bool, errors: usize, policies: usize, generation: u64) {
        if let Some(c) = self.policy_reloads.get(usize::from(ok)) {
            c.fetch_add(1, Relaxed);
        }
        self.policy_load_errors
            .fetch_add(u64::try_from(errors).unwrap_or(u64::MAX), Relaxed);
        if ok {
            self.policies_loaded
                .store(u64::try_from(policies).unwrap_or(u64::MAX), Relaxed);
            self.policy_generation.store(generation, Relaxed);
        }
    }

    /// Record a namespace file (re)load
    pub fn namespace_load(&self, ok: bool, namespaces: usize) {
        if ok {
            self.namespaces_loaded
                .store(u64::try_from(namespaces).unwrap_or(u64::MAX), Relaxed);
        } else {
            self.namespace_load_errors.fetch_add(1, Relaxed);
        }
    }

    /// Record a serving certificate (re)load
    pub fn tls_reload(&self, ok: bool) {
        if let Some(c) = self.tls_reloads.get(usize::from(ok)) {
            c.fetch_add(1, Relaxed);
        }
    }

    /// Set the readiness gauge
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(u64::from(ready), Relaxed);
    }

    /// The text exposition
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        let _ = self.write(&mut out);
        out
    }

    fn write(&self, o: &mut String) -> std::fmt::Result {
        header(
            o,
            "palisade_admission_requests_total",
            "counter",
            "AdmissionReviews answered, by endpoint and decision",
        )?;
        for e in ENDPOINTS {
            for allowed in [false, true] {
                let v = self
                    .requests
                    .get(e.index())
                    .and_then(|r| r.get(usize::from(allowed)))
                    .map_or(0, |c| c.load(Relaxed));
                writeln!(
                    o,
                    "palisade_admission_requests_total{{endpoint=\"{}\",allowed=\"{allowed}\"}} {v}",
                    e.as_str()
                )?;
            }
        }
        header(
            o,
            "palisade_admission_invalid_requests_total",
            "counter",
            "Request bodies that were not a usable AdmissionReview, by endpoint and reason",
        )?;
        for ((e, reason), v) in self
            .invalid
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            writeln!(
                o,
                "palisade_admission_invalid_requests_total{{endpoint=\"{}\",reason=\"{reason}\"}} {v}",
                e.as_str()
            )?;
        }
        header(
            o,
            "palisade_admission_request_duration_seconds",
            "histogram",
            "Time from request body read to response, by endpoint",
        )?;
        for e in ENDPOINTS {
            let Some(h) = self.latency.get(e.index()) else {
                continue;
            };
            let mut cumulative = 0;
            for (bound, b) in BUCKETS_US.iter().zip(&h.buckets) {
                cumulative += b.load(Relaxed);
                let le = *bound as f64 / 1e6;
                writeln!(
                    o,
                    "palisade_admission_request_duration_seconds_bucket{{endpoint=\"{}\",le=\"{le}\"}} {cumulative}",
                    e.as_str()
                )?;
            }
            let count = h.count.load(Relaxed);
            writeln!(
                o,
                "palisade_admission_request_duration_seconds_bucket{{endpoint=\"{}\",le=\"+Inf\"}} {count}",
                e.as_str()
            )?;
            let sum = h.sum_ns.load(Relaxed) as f64 / 1e9;
            writeln!(
                o,
                "palisade_admission_request_duration_seconds_sum{{endpoint=\"{}\"}} {sum}",
                e.as_str()
            )?;
            writeln!(
                o,
                "palisade_admission_request_duration_seconds_count{{endpoint=\"{}\"}} {count}",
                e.as_str()
            )?;
        }
        header(
            o,
            "palisade_admission_deadline_exceeded_total",
            "counter",
            "Reviews answered by the failure policy because evaluation missed the deadline",
        )?;
        for e in ENDPOINTS {
            let v = self
                .deadline_exceeded
                .get(e.index())
                .map_or(0, |c| c.load(Relaxed));
            writeln!(
                o,
                "palisade_admission_deadline_exceeded_total{{endpoint=\"{}\"}} {v}",
                e.as_str()
            )?;
        }
        header(
            o,
            "palisade_admission_decisions_total",
            "counter",
            "Decisions, by policy, rule and action",
        )?;
        {
            let map = self
                .decisions
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            let mut rows: Vec<(&str, &str, Action, u64)> = Vec::new();
            for (policy, rules) in map.iter() {
                for (rule, counters) in rules {
                    for action in Action::ALL {
                        let v = counters.get(action.index()).map_or(0, |c| c.load(Relaxed));
                        if v > 0 {
                            rows.push((policy, rule, action, v));
                        }
                    }
                }
            }
            rows.sort_unstable();
            for (policy, rule, action, v) in rows {
                writeln!(
                    o,
                    "palisade_admission_decisions_total{{policy=\"{}\",rule=\"{}\",action=\"{action}\"}} {v}",
                    escape(policy),
                    escape(rule)
                )?;
            }
        }
        header(
            o,
            "palisade_policy_load_errors_total",
            "counter",
            "Policy load errors (every bad policy of every failed load)",
        )?;
        writeln!(
            o,
            "palisade_policy_load_errors_total {}",
            self.policy_load_errors.load(Relaxed)
        )?;
        header(
            o,
            "palisade_policy_reloads_total",
            "counter",
            "Policy loads, by result; a failed load keeps the previous policies",
        )?;
        for (i, result) in ["failure", "success"].iter().enumerate() {
            let v = self.policy_reloads.get(i).map_or(0, |c| c.load(Relaxed));
            writeln!(
                o,
                "palisade_policy_reloads_total{{result=\"{result}\"}} {v}"
            )?;
        }
        header(o, "palisade_policies_loaded", "gauge", "Policies serving")?;
        writeln!(
            o,
            "palisade_policies_loaded {}",
            self.policies_loaded.load(Relaxed)
        )?;
        header(
            o,
            "palisade_policy_generation",
            "gauge",
            "Number of the policy set serving (1 = first successful load)",
        )?;
        writeln!(
            o,
            "palisade_policy_generation {}",
            self.policy_generation.load(Relaxed)
        )?;
        header(
            o,
            "palisade_namespaces_loaded",
            "gauge",
            "Namespaces in the namespace cache",
        )?;
        writeln!(
            o,
            "palisade_namespaces_loaded {}",
            self.namespaces_loaded.load(Relaxed)
        )?;
        header(
            o,
            "palisade_namespace_load_errors_total",
            "counter",
            "Failed loads of the namespace file",
        )?;
        writeln!(
            o,
            "palisade_namespace_load_errors_total {}",
            self.namespace_load_errors.load(Relaxed)
        )?;
        header(
            o,
            "palisade_tls_certificate_reloads_total",
            "counter",
            "Serving certificate loads, by result; a failed load keeps the previous certificate",
        )?;
        for (i, result) in ["failure", "success"].iter().enumerate() {
            let v = self.tls_reloads.get(i).map_or(0, |c| c.load(Relaxed));
            writeln!(
                o,
                "palisade_tls_certificate_reloads_total{{result=\"{result}\"}} {v}"
            )?;
        }
        header(
            o,
            "palisade_ready",
            "gauge",
            "1 when policies are loaded and the server is not shutting down",
        )?;
        writeln!(o, "palisade_ready {}", self.ready.load(Relaxed))
    }
}

fn header(o: &mut String, name: &str, kind: &str, help: &str) -> std::fmt::Result {
    writeln!(o, "# HELP {name} {help}")?;
    writeln!(o, "# TYPE {name} {kind}")
}

/// Label value escaping of the text format
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_text_format() {
        let m = Metrics::default();
        m.request(Endpoint::Validate, true, Duration::from_micros(80));
        m.request(Endpoint::Validate, false, Duration::from_millis(3));
        m.decision("strict\"x", "POD-001", Action::Deny);
        m.decision("strict\"x", "POD-001", Action::Deny);
        m.invalid(Endpoint::Mutate, "malformed-json");
        m.policy_load(false, 3, 0, 0);
        let text = m.render();
        for line in [
            r#"palisade_admission_requests_total{endpoint="validate",allowed="true"} 1"#,
            r#"palisade_admission_request_duration_seconds_bucket{endpoint="validate",le="0.0001"} 1"#,
            r#"palisade_admission_request_duration_seconds_bucket{endpoint="validate",le="0.005"} 2"#,
            r#"palisade_admission_request_duration_seconds_count{endpoint="validate"} 2"#,
            r#"palisade_admission_decisions_total{policy="strict\"x",rule="POD-001",action="deny"} 2"#,
            r#"palisade_admission_invalid_requests_total{endpoint="mutate",reason="malformed-json"} 1"#,
            "palisade_policy_load_errors_total 3",
            r#"palisade_policy_reloads_total{result="failure"} 1"#,
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in\n{text}"
            );
        }
    }
}
