//! Kubernetes resource quantities (`k8s.io/apimachinery/pkg/api/resource`): parsing, comparison,
//! arithmetic and canonical formatting.
//!
//! Values are kept as an exact decimal: `mantissa × 10^exp` with an `i128` mantissa, which holds
//! every quantity Kubernetes accepts in practice (binary suffixes up to `Ei`) without rounding.

use std::cmp::Ordering;

/// How a quantity is written, which decides how results are formatted
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `Ki`, `Mi`, `Gi`, …
    BinarySi,
    /// `m`, `k`, `M`, … or no suffix
    DecimalSi,
    /// `1e3`
    DecimalExponent,
}

/// A parsed quantity
#[derive(Debug, Clone, Copy)]
pub struct Quantity {
    mantissa: i128,
    exp: i32,
    /// Format of the written form
    pub format: Format,
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.cmp_value(other) == Ordering::Equal
    }
}

impl Quantity {
    /// Parse like `resource.ParseQuantity`
    pub fn parse(s: &str) -> Option<Self> {
        if s.is_empty() {
            return None;
        }
        let bytes = s.as_bytes();
        let mut i = 0;
        let mut negative = false;
        if bytes[0] == b'+' || bytes[0] == b'-' {
            negative = bytes[0] == b'-';
            i = 1;
        }
        let num_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let int_part = &s[num_start..i];
        let mut frac_part = "";
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            let fs = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            frac_part = &s[fs..i];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        let suffix = &s[i..];
        let (base2, exp10, format) = parse_suffix(suffix)?;
        let digits = format!("{int_part}{frac_part}");
        let digits = digits.trim_start_matches('0');
        let mut mantissa: i128 = if digits.is_empty() {
            0
        } else {
            if digits.len() > 30 {
                return None;
            }
            digits.parse().ok()?
        };
        let mut exp = exp10 - i32::try_from(frac_part.len()).ok()?;
        if base2 > 0 {
            mantissa = mantissa.checked_mul(1i128.checked_shl(base2)?)?;
        }
        if negative {
            mantissa = -mantissa;
        }
        // Normalise trailing zeros away
        while mantissa != 0 && mantissa % 10 == 0 {
            mantissa /= 10;
            exp += 1;
        }
        if mantissa == 0 {
            exp = 0;
        }
        Some(Self {
            mantissa,
            exp,
            format,
        })
    }

    /// A quantity from a plain number
    pub fn from_f64(f: f64) -> Option<Self> {
        let s = crate::value::go_json_number(f);
        let mut q = Self::parse(&s.replace("e+", "e"))?;
        q.format = Format::DecimalSi;
        Some(q)
    }

    /// Approximate value as `f64`
    pub fn as_f64(&self) -> f64 {
        format!("{}e{}", self.mantissa, self.exp)
            .parse()
            .unwrap_or(0.0)
    }

    /// Compare values exactly
    pub fn cmp_value(&self, other: &Self) -> Ordering {
        let (a, b) = align(self, other);
        match (a, b) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => self
                .as_f64()
                .partial_cmp(&other.as_f64())
                .unwrap_or(Ordering::Equal),
        }
    }

    /// Sum, keeping the receiver's format
    pub fn add(&self, other: &Self) -> Option<Self> {
        let (a, b, exp) = align_with_exp(self, other)?;
        Some(Self::make(a.checked_add(b)?, exp, self.format))
    }

    /// Difference, keeping the receiver's format
    pub fn sub(&self, other: &Self) -> Option<Self> {
        let (a, b, exp) = align_with_exp(self, other)?;
        Some(Self::make(a.checked_sub(b)?, exp, self.format))
    }

    /// Product with a scalar
    pub fn mul_f64(&self, f: f64) -> Option<Self> {
        let s = Self::from_f64(f)?;
        Some(Self::make(
            self.mantissa.checked_mul(s.mantissa)?,
            self.exp + s.exp,
            self.format,
        ))
    }

    fn make(mantissa: i128, exp: i32, format: Format) -> Self {
        let mut q = Self {
            mantissa,
            exp,
            format,
        };
        while q.mantissa != 0 && q.mantissa % 10 == 0 {
            q.mantissa /= 10;
            q.exp += 1;
        }
        if q.mantissa == 0 {
            q.exp = 0;
        }
        q
    }

    /// Canonical string form (`Quantity.String()`)
    pub fn canonical(&self) -> String {
        if self.mantissa == 0 {
            return "0".to_owned();
        }
        let mut format = self.format;
        if format == Format::BinarySi {
            let v = self.as_f64();
            if v > -1024.0 && v < 1024.0 {
                format = Format::DecimalSi;
            }
        }
        if format == Format::BinarySi {
            if let Some(int) = self.integer_value() {
                let mut n = int;
                let mut k = 0usize;
                while n != 0 && n % 1024 == 0 && k < 6 {
                    n /= 1024;
                    k += 1;
                }
                let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][k];
                return format!("{n}{suffix}");
            }
            format = Format::DecimalSi;
        }
        // Decimal: round up to nano precision like Kubernetes, then pick exponent multiple of 3
        let (mut m, mut e) = (self.mantissa, self.exp);
        if e < -9 {
            let shift = u32::try_from(-9 - e).unwrap_or(0);
            let div = 10i128.checked_pow(shift).unwrap_or(i128::MAX);
            let q = m / div;
            let rem = m % div;
            m = if rem != 0 && m > 0 { q + 1 } else { q };
            e = -9;
        }
        // make exponent a multiple of 3 by moving digits into the mantissa
        while e.rem_euclid(3) != 0 {
            m *= 10;
            e -= 1;
        }
        // grow exponent while mantissa divisible by 1000
        while m != 0 && m % 1000 == 0 && e < 18 {
            m /= 1000;
            e += 3;
        }
        if format == Format::DecimalExponent {
            return if e == 0 {
                format!("{m}")
            } else {
                format!("{m}e{e}")
            };
        }
        let suffix = match e {
            -9 => "n",
            -6 => "u",
            -3 => "m",
            0 => "",
            3 => "k",
            6 => "M",
            9 => "G",
            12 => "T",
            15 => "P",
            18 => "E",
            _ => return format!("{m}e{e}"),
        };
        format!("{m}{suffix}")
    }

    fn integer_value(&self) -> Option<i128> {
        if self.exp >= 0 {
            self.mantissa
                .checked_mul(10i128.checked_pow(u32::try_from(self.exp).ok()?)?)
        } else {
            None
        }
    }
}

fn parse_suffix(s: &str) -> Option<(u32, i32, Format)> {
    Some(match s {
        "" => (0, 0, Format::DecimalSi),
        "Ki" => (10, 0, Format::BinarySi),
        "Mi" => (20, 0, Format::BinarySi),
        "Gi" => (30, 0, Format::BinarySi),
        "Ti" => (40, 0, Format::BinarySi),
        "Pi" => (50, 0, Format::BinarySi),
        "Ei" => (60, 0, Format::BinarySi),
        "n" => (0, -9, Format::DecimalSi),
        "u" => (0, -6, Format::DecimalSi),
        "m" => (0, -3, Format::DecimalSi),
        "k" => (0, 3, Format::DecimalSi),
        "M" => (0, 6, Format::DecimalSi),
        "G" => (0, 9, Format::DecimalSi),
        "T" => (0, 12, Format::DecimalSi),
        "P" => (0, 15, Format::DecimalSi),
        "E" => (0, 18, Format::DecimalSi),
        _ => {
            let rest = s.strip_prefix(['e', 'E'])?;
            let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let e: i32 = rest.parse().ok()?;
            (0, e, Format::DecimalExponent)
        }
    })
}

fn align(a: &Quantity, b: &Quantity) -> (Option<i128>, Option<i128>) {
    match align_with_exp(a, b) {
        Some((x, y, _)) => (Some(x), Some(y)),
        None => (None, None),
    }
}

fn align_with_exp(a: &Quantity, b: &Quantity) -> Option<(i128, i128, i32)> {
    let exp = a.exp.min(b.exp);
    let scale = |q: &Quantity| -> Option<i128> {
        let shift = u32::try_from(q.exp - exp).ok()?;
        q.mantissa.checked_mul(10i128.checked_pow(shift)?)
    };
    Some((scale(a)?, scale(b)?, exp))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap()
    }

    #[test]
    fn parses_and_compares() {
        assert_eq!(q("1Gi"), q("1024Mi"));
        assert_eq!(q("1Ki"), q("1024"));
        assert_eq!(q("100m"), q("0.1"));
        assert_eq!(q("1e3"), q("1k"));
        assert!(q("2Gi").cmp_value(&q("500Mi")) == Ordering::Greater);
        assert!(Quantity::parse("abc").is_none());
        assert!(Quantity::parse("1h").is_none());
        assert!(Quantity::parse("1.5.2").is_none());
        assert!(Quantity::parse("8080.000000").is_some());
        assert!(Quantity::parse(".5").is_some());
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(q("1Gi").add(&q("1Gi")).unwrap().canonical(), "2Gi");
        assert_eq!(q("1.5").canonical(), "1500m");
        assert_eq!(q("2000").canonical(), "2k");
        assert_eq!(q("1500").canonical(), "1500");
        assert_eq!(q("100Mi").add(&q("200Mi")).unwrap().canonical(), "300Mi");
        assert_eq!(q("1e3").canonical(), "1e3");
        assert_eq!(q("512").canonical(), "512");
    }
}
