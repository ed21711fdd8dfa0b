//! cel-go ext.Sets: `sets.contains(a, b)`, `sets.equivalent(a, b)`, `sets.intersects(a, b)` on
//! lists (elements compared with CEL equality).

use crate::budget;
use crate::json::{deep_equal, list_elems};
use crate::util::{Res, arg, bool_val, err};
use cel::common::types::LIST_TYPE;
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};

pub(crate) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    let l = || vec![LIST_TYPE, LIST_TYPE];
    env.add_overload("sets.contains", "list_sets_contains_list", l(), contains)?;
    env.add_overload(
        "sets.equivalent",
        "list_sets_equivalent_list",
        l(),
        equivalent,
    )?;
    env.add_overload(
        "sets.intersects",
        "list_sets_intersects_list",
        l(),
        intersects,
    )?;
    Ok(())
}

type Pair<'a, 'v> = (Vec<&'a (dyn Val + 'v)>, Vec<&'a (dyn Val + 'v)>);

fn lists<'a, 'v>(
    function: &str,
    args: &'a [CowVal<'_, 'v>],
) -> Result<Pair<'a, 'v>, ExecutionError> {
    let a = list_elems(arg(function, args, 0)?).ok_or_else(|| err(function, "not a list"))?;
    let b = list_elems(arg(function, args, 1)?).ok_or_else(|| err(function, "not a list"))?;
    budget::charge((a.len() as u64 + 1) * (b.len() as u64 + 1))?;
    Ok((a, b))
}

fn all_in(needles: &[&dyn Val], hay: &[&dyn Val]) -> bool {
    needles
        .iter()
        .all(|n| hay.iter().any(|h| deep_equal(*h, *n)))
}

fn contains<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let (a, b) = lists("sets.contains", &args)?;
    Ok(bool_val(all_in(&b, &a)))
}

fn equivalent<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let (a, b) = lists("sets.equivalent", &args)?;
    Ok(bool_val(all_in(&b, &a) && all_in(&a, &b)))
}

fn intersects<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let (a, b) = lists("sets.intersects", &args)?;
    Ok(bool_val(
        a.iter().any(|x| b.iter().any(|y| deep_equal(*x, *y))),
    ))
}
