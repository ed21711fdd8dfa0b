//! Go `time.Duration`: `time.ParseDuration` and `Duration.String()`, in nanoseconds.

/// Parse a Go duration string (`1h30m`, `1.5s`, `-2m`, `300ms`, `0`)
pub fn parse(s: &str) -> Option<i64> {
    let mut rest = s;
    let mut negative = false;
    if let Some(r) = rest.strip_prefix('-') {
        negative = true;
        rest = r;
    } else if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    }
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let b = rest.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return None;
        }
        let int_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let int_part = &rest[..int_end];
        rest = &rest[int_end..];
        let mut frac_part = "";
        if let Some(r) = rest.strip_prefix('.') {
            let fe = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            frac_part = &r[..fe];
            rest = &r[fe..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        let unit_end = rest
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_end];
        rest = &rest[unit_end..];
        let scale: u128 = match unit {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        let int: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().ok()?
        };
        let mut v = int.checked_mul(scale)?;
        if !frac_part.is_empty() {
            // fraction * scale, truncated like Go
            let mut f: u128 = 0;
            let mut div: u128 = 1;
            for c in frac_part.bytes().take(30) {
                f = f * 10 + u128::from(c - b'0');
                div *= 10;
            }
            v = v.checked_add(f * scale / div)?;
        }
        total = total.checked_add(v)?;
        if total > i64::MAX as u128 + u128::from(negative) {
            return None;
        }
    }
    let t = i128::try_from(total).ok()?;
    i64::try_from(if negative { -t } else { t }).ok()
}

/// Format like Go's `Duration.String()` (`1h0m0s`, `1.5s`, `300ms`, `0s`)
pub fn format(d: i64) -> String {
    if d == 0 {
        return "0s".to_owned();
    }
    let negative = d < 0;
    let u = d.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        // sub-second: ns, µs or ms with fraction
        let (unit, div) = if u < 1_000 {
            ("ns", 1u64)
        } else if u < 1_000_000 {
            ("\u{b5}s", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        out.push_str(&frac(u, div));
        out.push_str(unit);
    } else {
        let secs_ns = u % 60_000_000_000;
        let total_min = u / 60_000_000_000;
        let hours = total_min / 60;
        let mins = total_min % 60;
        if hours > 0 {
            out.push_str(&format!("{hours}h"));
        }
        if hours > 0 || mins > 0 {
            out.push_str(&format!("{mins}m"));
        }
        out.push_str(&frac(secs_ns, 1_000_000_000));
        out.push('s');
    }
    if negative {
        out.insert(0, '-');
    }
    out
}

/// `v / div` with the fraction's trailing zeros trimmed
fn frac(v: u64, div: u64) -> String {
    let int = v / div;
    let rem = v % div;
    if rem == 0 {
        return int.to_string();
    }
    let width = div.to_string().len() - 1;
    let f = format!("{rem:0width$}");
    format!("{int}.{}", f.trim_end_matches('0'))
}

/// Seconds as `f64`
pub fn seconds(d: i64) -> f64 {
    d as f64 / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse("1h"), Some(3_600_000_000_000));
        assert_eq!(parse("1h30m"), Some(5_400_000_000_000));
        assert_eq!(parse("1.5s"), Some(1_500_000_000));
        assert_eq!(parse("-2m"), Some(-120_000_000_000));
        assert_eq!(parse("0"), Some(0));
        assert_eq!(parse("10"), None);
        assert_eq!(parse("1Gi"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("300ms"), Some(300_000_000));
    }

    #[test]
    fn formats_go_durations() {
        assert_eq!(format(3_600_000_000_000), "1h0m0s");
        assert_eq!(format(90_000_000_000), "1m30s");
        assert_eq!(format(1_500_000_000), "1.5s");
        assert_eq!(format(300_000_000), "300ms");
        assert_eq!(format(0), "0s");
        assert_eq!(format(-60_000_000_000), "-1m0s");
    }
}
