//! Functions the compiler inserts (see `rewrite`); not callable by name from policies, as
//! their names start with `@`.

use crate::budget;
use crate::json::deep_equal;
use crate::util::{Res, arg, bad_args, bool_val, int_arg, kind_of, str_arg};
use cel::common::types::{CelOptional, CelString, DYN_TYPE, INT_TYPE, Kind, STRING_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};

pub(crate) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_overload("@has", "palisade_has", vec![DYN_TYPE, STRING_TYPE], has)?;
    env.add_overload("@eq", "palisade_eq", vec![DYN_TYPE, DYN_TYPE], eq)?;
    env.add_overload("@ne", "palisade_ne", vec![DYN_TYPE, DYN_TYPE], ne)?;
    env.add_overload("@iter", "palisade_iter", vec![DYN_TYPE], iter)?;
    env.add_overload("@charge", "palisade_charge", vec![INT_TYPE], charge)?;
    env.add_overload("@error", "palisade_error", vec![STRING_TYPE], error)?;
    env.add_overload(
        "@optPresent",
        "palisade_opt_present",
        vec![DYN_TYPE],
        opt_present,
    )?;
    env.add_overload("@optGet", "palisade_opt_get", vec![DYN_TYPE], opt_get)?;
    Ok(())
}

/// `has(x.f)`: false when `x` is null or not a map, as in cel-go
fn has<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let field = str_arg("has", &args, 1)?;
    let v = arg("has", &args, 0)?;
    Ok(bool_val(has_field(v, field)))
}

pub(crate) fn has_field(v: &dyn Val, field: &str) -> bool {
    if let Some(opt) = v.downcast_ref::<CelOptional<'_>>() {
        return opt.option().is_some_and(|inner| has_field(inner, field));
    }
    if !matches!(kind_of(v), Kind::Map | Kind::Struct) {
        return false;
    }
    let key = CelString::from(field);
    v.as_indexer().is_some_and(|ix| ix.get(&key).is_ok())
}

fn eq<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    match args.as_slice() {
        [a, b] => Ok(bool_val(deep_equal(a.as_ref(), b.as_ref()))),
        _ => Err(bad_args("_==_", &args)),
    }
}

fn ne<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    match args.as_slice() {
        [a, b] => Ok(bool_val(!deep_equal(a.as_ref(), b.as_ref()))),
        _ => Err(bad_args("_!=_", &args)),
    }
}

/// A comprehension range: charged its size
fn iter<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let Some(range) = args.into_iter().next() else {
        return Err(ExecutionError::invalid_argument_count(1, 0));
    };
    let size = range
        .as_sizer()
        .map_or(0, |s| u64::try_from(*s.size().inner()).unwrap_or(0));
    budget::charge(size + 1)?;
    Ok(range)
}

/// A size about to be allocated: charged
fn charge<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let n = int_arg("lists.range", &args, 0)?;
    budget::charge(u64::try_from(n).unwrap_or(0) + 1)?;
    args.into_iter()
        .next()
        .ok_or_else(|| ExecutionError::invalid_argument_count(1, 0))
}

/// An expression that did not compile
fn error<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    Err(ExecutionError::function_error(
        "compile",
        str_arg("compile", &args, 0)?,
    ))
}

/// `orValue`/`or` receiver test: a value that is not an optional counts as present (cel-go
/// returns it unchanged), an optional when it holds a value
fn opt_present<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let v = arg("orValue", &args, 0)?;
    Ok(bool_val(
        v.downcast_ref::<CelOptional<'_>>()
            .is_none_or(|opt| opt.option().is_some()),
    ))
}

/// The value an `orValue` receiver stands for: the optional's value, or the receiver itself
fn opt_get<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let Some(v) = args.into_iter().next() else {
        return Err(ExecutionError::invalid_argument_count(1, 0));
    };
    match v {
        CowVal::Borrowed(b) => match b.downcast_ref::<CelOptional<'_>>() {
            Some(opt) => opt.option().map(CowVal::Borrowed).ok_or_else(|| {
                ExecutionError::function_error("value", "optional.none() dereference")
            }),
            None => Ok(CowVal::Borrowed(b)),
        },
        CowVal::Owned(o) => match o.downcast_ref::<CelOptional<'_>>() {
            Some(opt) => opt
                .option()
                .map(|inner| CowVal::Owned(inner.clone_as_boxed()))
                .ok_or_else(|| {
                    ExecutionError::function_error("value", "optional.none() dereference")
                }),
            None => Ok(CowVal::Owned(o)),
        },
    }
}
