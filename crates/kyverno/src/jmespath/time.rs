//! Kyverno's `time_*` JMESPath functions (Go `time` semantics over RFC 3339 strings).

use crate::duration;
use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDateTime, SecondsFormat, TimeZone, Timelike, Utc,
};
use serde_json::Value;

fn rfc3339(t: &DateTime<FixedOffset>) -> String {
    if t.offset().local_minus_utc() == 0 {
        t.with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    } else {
        t.to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

fn parse_rfc3339(s: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(s).map_err(|e| format!("parsing time {s:?}: {e}"))
}

/// Parse with a Go reference layout (`2006-01-02T15:04:05Z07:00` …); empty means RFC 3339
fn parse_layout(layout: &str, s: &str) -> Result<DateTime<FixedOffset>, String> {
    if layout.is_empty() || layout == "2006-01-02T15:04:05Z07:00" {
        return parse_rfc3339(s);
    }
    let fmt = go_layout_to_chrono(layout);
    if let Ok(t) = DateTime::parse_from_str(s, &fmt) {
        return Ok(t);
    }
    NaiveDateTime::parse_from_str(s, &fmt)
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(s, &fmt)
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default())
        })
        .map(|n| Utc.from_utc_datetime(&n).fixed_offset())
        .map_err(|e| format!("parsing time {s:?} as {layout:?}: {e}"))
}

fn go_layout_to_chrono(layout: &str) -> String {
    const TOKENS: &[(&str, &str)] = &[
        ("January", "%B"),
        ("Monday", "%A"),
        ("Z07:00", "%:z"),
        ("-07:00", "%:z"),
        ("-0700", "%z"),
        ("2006", "%Y"),
        (".000000000", "%.9f"),
        (".000000", "%.6f"),
        (".000", "%.3f"),
        ("Jan", "%b"),
        ("Mon", "%a"),
        ("MST", "%Z"),
        ("01", "%m"),
        ("02", "%d"),
        ("15", "%H"),
        ("03", "%I"),
        ("04", "%M"),
        ("05", "%S"),
        ("06", "%y"),
        ("PM", "%p"),
        ("_2", "%e"),
    ];
    let mut out = String::new();
    let mut rest = layout;
    'outer: while !rest.is_empty() {
        for (go, ch) in TOKENS {
            if let Some(r) = rest.strip_prefix(go) {
                out.push_str(ch);
                rest = r;
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        if c == '%' {
            out.push_str("%%");
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn dur(s: &str) -> Result<i64, String> {
    duration::parse(s).ok_or_else(|| format!("time: invalid duration {s:?}"))
}

fn nanos_between(a: &DateTime<FixedOffset>, b: &DateTime<FixedOffset>) -> i64 {
    b.signed_duration_since(*a)
        .num_nanoseconds()
        .unwrap_or(i64::MAX)
}

/// Evaluate one of the time functions on string arguments
pub fn call(name: &str, a: &[&str]) -> Result<Value, String> {
    let arg = |i: usize| a.get(i).copied().unwrap_or("");
    Ok(match name {
        "time_now" => Value::String(rfc3339(&chrono::Local::now().fixed_offset())),
        "time_now_utc" => Value::String(rfc3339(&Utc::now().fixed_offset())),
        "time_since" => {
            let t1 = parse_layout(arg(0), arg(1))?;
            let t2 = if arg(2).is_empty() {
                Utc::now().fixed_offset()
            } else {
                parse_layout(arg(0), arg(2))?
            };
            Value::String(duration::format(nanos_between(&t1, &t2)))
        }
        "time_to_cron" => {
            let t = parse_rfc3339(arg(0))?.with_timezone(&Utc);
            Value::String(format!(
                "{} {} {} {} {}",
                t.minute(),
                t.hour(),
                t.day(),
                t.month(),
                t.weekday().num_days_from_sunday()
            ))
        }
        "time_add" => {
            let t = parse_rfc3339(arg(0))?;
            let d = dur(arg(1))?;
            Value::String(rfc3339(&(t + chrono::Duration::nanoseconds(d))))
        }
        "time_parse" => Value::String(rfc3339(&parse_layout(arg(0), arg(1))?)),
        "time_utc" => Value::String(rfc3339(
            &parse_rfc3339(arg(0))?.with_timezone(&Utc).fixed_offset(),
        )),
        "time_diff" => {
            let t1 = parse_rfc3339(arg(0))?;
            let t2 = parse_rfc3339(arg(1))?;
            Value::String(duration::format(nanos_between(&t1, &t2)))
        }
        "time_before" => Value::Bool(parse_rfc3339(arg(0))? < parse_rfc3339(arg(1))?),
        "time_after" => Value::Bool(parse_rfc3339(arg(0))? > parse_rfc3339(arg(1))?),
        "time_between" => {
            let t = parse_rfc3339(arg(0))?;
            Value::Bool(t > parse_rfc3339(arg(1))? && t < parse_rfc3339(arg(2))?)
        }
        "time_truncate" => {
            let t = parse_rfc3339(arg(0))?;
            let d = dur(arg(1))?;
            if d <= 0 {
                return Ok(Value::String(rfc3339(&t)));
            }
            let ns = t.timestamp_nanos_opt().unwrap_or(0);
            let truncated = ns - ns.rem_euclid(d);
            let secs = truncated.div_euclid(1_000_000_000);
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let sub = truncated.rem_euclid(1_000_000_000) as u32;
            let out = DateTime::from_timestamp(secs, sub)
                .ok_or("time out of range")?
                .with_timezone(t.offset());
            Value::String(rfc3339(&out))
        }
        other => return Err(format!("unknown time function {other}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_functions() {
        assert_eq!(
            call(
                "time_since",
                &["", "2020-01-01T00:00:00Z", "2020-01-01T01:30:00Z"]
            )
            .unwrap(),
            Value::String("1h30m0s".into())
        );
        assert_eq!(
            call("time_add", &["2020-01-01T00:00:00Z", "1h"]).unwrap(),
            Value::String("2020-01-01T01:00:00Z".into())
        );
        assert_eq!(
            call("time_to_cron", &["2023-02-02T15:04:05Z"]).unwrap(),
            Value::String("4 15 2 2 4".into())
        );
        assert_eq!(
            call(
                "time_before",
                &["2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z"]
            )
            .unwrap(),
            Value::Bool(true)
        );
        assert_eq!(
            call("time_parse", &["2006-01-02", "2021-03-04"]).unwrap(),
            Value::String("2021-03-04T00:00:00Z".into())
        );
        assert_eq!(
            call("time_truncate", &["2020-01-01T10:35:00Z", "1h"]).unwrap(),
            Value::String("2020-01-01T10:00:00Z".into())
        );
    }
}
