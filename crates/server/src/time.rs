//! Calendar arithmetic for certificate validity and log timestamps (no time crate needed)

use std::time::{SystemTime, UNIX_EPOCH};

/// Days since the Unix epoch → (year, month, day), proleptic Gregorian
pub(crate) fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        i32::try_from(y).unwrap_or(9999),
        u8::try_from(m).unwrap_or(1),
        u8::try_from(d).unwrap_or(1),
    )
}

/// Append the RFC 3339 UTC timestamp with microseconds, e.g. `2026-01-02T03:04:05.000006Z`.
///
/// Digits are written by hand: every decision line carries one, and `format!` cost ten
/// times the rest of the line's shared part
pub(crate) fn write_rfc3339(out: &mut Vec<u8>, t: SystemTime) {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = i64::try_from(d.as_secs()).unwrap_or(0);
    let (y, m, day) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let fields = [
        (i64::from(y), 4, b'-'),
        (i64::from(m), 2, b'-'),
        (i64::from(day), 2, b'T'),
        (sod / 3600, 2, b':'),
        (sod / 60 % 60, 2, b':'),
        (sod % 60, 2, b'.'),
        (i64::from(d.subsec_micros()), 6, b'Z'),
    ];
    for (value, width, separator) in fields {
        let mut digits = [b'0'; 6];
        let mut rest = value.clamp(0, 999_999);
        for slot in digits.iter_mut().take(width).rev() {
            // `rest % 10` is a digit: the cast cannot truncate
            *slot = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        out.extend_from_slice(digits.get(..width).unwrap_or_default());
        out.push(separator);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn civil_dates_and_timestamps() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        let t = UNIX_EPOCH + Duration::from_micros(1_709_175_845_000_123);
        let mut out = b"at ".to_vec();
        write_rfc3339(&mut out, t);
        assert_eq!(out, b"at 2024-02-29T03:04:05.000123Z");
        let mut out = Vec::new();
        write_rfc3339(
            &mut out,
            UNIX_EPOCH + Duration::new(253_402_300_799, 999_999_000),
        );
        assert_eq!(out, b"9999-12-31T23:59:59.999999Z");
    }
}
