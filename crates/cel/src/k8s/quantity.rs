//! Kubernetes quantity library: `quantity(s)`, `isQuantity(s)`, `isInteger() asInteger()
//! asApproximateFloat() sign() add() sub() isLessThan() isGreaterThan() compareTo()`.
//!
//! A quantity is kept exactly as `m × 10^e` (i128 mantissa), so `quantity('1Gi')`,
//! `quantity('1073741824')` and `quantity('1073741824000m')` compare equal.

use super::{opaque_val, typed_arg};
use crate::util::{Res, bool_val, err, int_arg, int_val, str_arg};
use cel::common::types::{CelDouble, INT_TYPE, STRING_TYPE, Type};
use cel::common::value::CowVal;
use cel::{DeclarationError, Env, ExecutionError};
use std::cmp::Ordering;
use std::fmt;

/// The type of `quantity(…)` values
pub static QUANTITY_TYPE: Type = Type::new_unspecified_type("kubernetes.Quantity");

/// An exact decimal quantity
#[derive(Debug, Clone)]
pub struct Quantity {
    m: i128,
    e: i32,
    /// The string it was parsed from, if any
    text: Option<String>,
}

opaque_val!(Quantity, QUANTITY_TYPE, |a, b| a.cmp_q(b)
    == Ordering::Equal);

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(t) = &self.text {
            return f.write_str(t);
        }
        if self.e >= 0 {
            write!(f, "{}", self.m)?;
            for _ in 0..self.e {
                f.write_str("0")?;
            }
            return Ok(());
        }
        let digits = self.m.unsigned_abs().to_string();
        let frac = usize::try_from(-self.e).unwrap_or(0);
        let sign = if self.m < 0 { "-" } else { "" };
        if digits.len() > frac {
            let (int, dec) = digits.split_at(digits.len() - frac);
            write!(f, "{sign}{int}.{dec}")
        } else {
            write!(f, "{sign}0.{}{digits}", "0".repeat(frac - digits.len()))
        }
    }
}

impl Quantity {
    fn new(m: i128, e: i32) -> Self {
        let mut q = Self { m, e, text: None };
        q.normalize();
        q
    }

    fn normalize(&mut self) {
        if self.m == 0 {
            self.e = 0;
            return;
        }
        while self.m % 10 == 0 {
            self.m /= 10;
            self.e += 1;
        }
    }

    /// The mantissas of `self` and `other` at a common exponent
    fn aligned(&self, other: &Self) -> Option<(i128, i128, i32)> {
        let e = self.e.min(other.e);
        let scale = |q: &Self| {
            let shift = u32::try_from(q.e - e).ok()?;
            10i128.checked_pow(shift).and_then(|p| q.m.checked_mul(p))
        };
        Some((scale(self)?, scale(other)?, e))
    }

    fn approx(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let m = self.m as f64;
        m * 10f64.powi(self.e)
    }

    fn cmp_q(&self, other: &Self) -> Ordering {
        match self.aligned(other) {
            Some((a, b, _)) => a.cmp(&b),
            None => self
                .approx()
                .partial_cmp(&other.approx())
                .unwrap_or(Ordering::Equal),
        }
    }

    fn add_q(&self, other: &Self, negate: bool) -> Result<Self, ExecutionError> {
        let (a, b, e) = self
            .aligned(other)
            .ok_or_else(|| err("add", "quantity overflow"))?;
        let b = if negate { -b } else { b };
        let m = a
            .checked_add(b)
            .ok_or_else(|| err("add", "quantity overflow"))?;
        Ok(Self::new(m, e))
    }
}

/// Parse a Kubernetes quantity string (`100m`, `1.5Gi`, `2e3`, `-1k`)
pub fn parse_quantity(s: &str) -> Result<Quantity, String> {
    let bad = || {
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'".to_owned()
    };
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let num_end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (num, suffix) = body.split_at(num_end);
    if num.is_empty() || num.matches('.').count() > 1 || !num.bytes().any(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    let digits: String = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    if digits.len() > 36 {
        return Err("quantity has too many digits".into());
    }
    let mut m: i128 = if digits.is_empty() {
        0
    } else {
        digits.parse().map_err(|_| bad())?
    };
    let mut e = -i32::try_from(frac.len()).map_err(|_| bad())?;
    let binary = |p: u32| 2i128.checked_pow(p);
    let pow2 = match suffix {
        "" => None,
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        "n" => {
            e -= 9;
            None
        }
        "u" => {
            e -= 6;
            None
        }
        "m" => {
            e -= 3;
            None
        }
        "k" => {
            e += 3;
            None
        }
        "M" => {
            e += 6;
            None
        }
        "G" => {
            e += 9;
            None
        }
        "T" => {
            e += 12;
            None
        }
        "P" => {
            e += 15;
            None
        }
        "E" => {
            e += 18;
            None
        }
        other => {
            let exp = other
                .strip_prefix('e')
                .or_else(|| other.strip_prefix('E'))
                .ok_or_else(bad)?;
            let unsigned = exp.trim_start_matches(['+', '-']);
            if unsigned.is_empty()
                || exp.len() - unsigned.len() > 1
                || !unsigned.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(bad());
            }
            let x: i32 = exp.parse().map_err(|_| bad())?;
            if x.abs() > 100 {
                return Err("quantity exponent out of range".into());
            }
            e += x;
            None
        }
    };
    if let Some(p) = pow2 {
        m = m
            .checked_mul(p)
            .ok_or_else(|| "quantity is too large".to_owned())?;
    }
    if neg {
        m = -m;
    }
    let mut q = Quantity::new(m, e);
    q.text = Some(s.to_owned());
    Ok(q)
}

pub(crate) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    let q = || QUANTITY_TYPE.to_owned();
    env.add_overload(
        "quantity",
        "string_to_quantity",
        vec![STRING_TYPE],
        quantity,
    )?;
    env.add_overload(
        "isQuantity",
        "is_quantity_string",
        vec![STRING_TYPE],
        is_quantity,
    )?;
    env.add_member_overload("isInteger", "quantity_is_integer", q(), vec![], is_integer)?;
    env.add_member_overload("asInteger", "quantity_as_integer", q(), vec![], as_integer)?;
    env.add_member_overload(
        "asApproximateFloat",
        "quantity_as_float",
        q(),
        vec![],
        as_float,
    )?;
    env.add_member_overload("sign", "quantity_sign", q(), vec![], sign)?;
    env.add_member_overload("add", "quantity_add", q(), vec![q()], add)?;
    env.add_member_overload("add", "quantity_add_int", q(), vec![INT_TYPE], add)?;
    env.add_member_overload("sub", "quantity_sub", q(), vec![q()], sub)?;
    env.add_member_overload("sub", "quantity_sub_int", q(), vec![INT_TYPE], sub)?;
    env.add_member_overload("isLessThan", "quantity_less_than", q(), vec![q()], less)?;
    env.add_member_overload(
        "isGreaterThan",
        "quantity_greater_than",
        q(),
        vec![q()],
        greater,
    )?;
    env.add_member_overload(
        "compareTo",
        "quantity_compare_to",
        q(),
        vec![q()],
        compare_to,
    )?;
    Ok(())
}

fn quantity<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    parse_quantity(str_arg("quantity", &args, 0)?)
        .map(CowVal::owned)
        .map_err(|e| err("quantity", e))
}

fn is_quantity<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(bool_val(
        parse_quantity(str_arg("isQuantity", &args, 0)?).is_ok(),
    ))
}

fn is_integer<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(bool_val(
        typed_arg::<Quantity>("isInteger", &args, 0)?.e >= 0,
    ))
}

fn as_integer<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let q = typed_arg::<Quantity>("asInteger", &args, 0)?;
    let fail = || err("asInteger", "cannot convert value to integer");
    if q.e < 0 {
        return Err(fail());
    }
    let v = u32::try_from(q.e)
        .ok()
        .and_then(|e| 10i128.checked_pow(e))
        .and_then(|p| q.m.checked_mul(p))
        .and_then(|v| i64::try_from(v).ok())
        .ok_or_else(fail)?;
    Ok(int_val(v))
}

fn as_float<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let q = typed_arg::<Quantity>("asApproximateFloat", &args, 0)?;
    Ok(CowVal::owned(CelDouble::from(q.approx())))
}

fn sign<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let q = typed_arg::<Quantity>("sign", &args, 0)?;
    Ok(int_val(i64::try_from(q.m.signum()).unwrap_or(0)))
}

fn other_operand(function: &str, args: &[CowVal<'_, '_>]) -> Result<Quantity, ExecutionError> {
    match typed_arg::<Quantity>(function, args, 1) {
        Ok(q) => Ok(q.clone()),
        Err(_) => Ok(Quantity::new(i128::from(int_arg(function, args, 1)?), 0)),
    }
}

fn add<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let a = typed_arg::<Quantity>("add", &args, 0)?;
    let b = other_operand("add", &args)?;
    Ok(CowVal::owned(a.add_q(&b, false)?))
}

fn sub<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let a = typed_arg::<Quantity>("sub", &args, 0)?;
    let b = other_operand("sub", &args)?;
    Ok(CowVal::owned(a.add_q(&b, true)?))
}

fn cmp_args(function: &str, args: &[CowVal<'_, '_>]) -> Result<Ordering, ExecutionError> {
    let a = typed_arg::<Quantity>(function, args, 0)?;
    let b = typed_arg::<Quantity>(function, args, 1)?;
    Ok(a.cmp_q(b))
}

fn less<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(bool_val(cmp_args("isLessThan", &args)? == Ordering::Less))
}

fn greater<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(bool_val(
        cmp_args("isGreaterThan", &args)? == Ordering::Greater,
    ))
}

fn compare_to<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Ok(int_val(match cmp_args("compareTo", &args)? {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }))
}
