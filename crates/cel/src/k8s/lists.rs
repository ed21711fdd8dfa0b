//! Kubernetes list library: `isSorted() sum() min() max() indexOf(x) lastIndexOf(x)`, and the
//! cel-go ext.Lists v3 `first()` / `last()` the `cel` crate lacks.

use crate::budget;
use crate::json::{deep_equal, list_elems};
use crate::util::{Res, arg, bool_val, err, int_val};
use cel::common::types::{CelOptional, DYN_TYPE, LIST_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};
use std::cmp::Ordering;

pub(crate) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_member_overload("isSorted", "list_is_sorted", LIST_TYPE, vec![], is_sorted)?;
    env.add_member_overload("sum", "list_sum", LIST_TYPE, vec![], sum)?;
    env.add_member_overload("min", "list_min", LIST_TYPE, vec![], min)?;
    env.add_member_overload("max", "list_max", LIST_TYPE, vec![], max)?;
    env.add_member_overload(
        "indexOf",
        "list_index_of",
        LIST_TYPE,
        vec![DYN_TYPE],
        index_of,
    )?;
    env.add_member_overload(
        "lastIndexOf",
        "list_last_index_of",
        LIST_TYPE,
        vec![DYN_TYPE],
        last_index_of,
    )?;
    env.add_member_overload("first", "list_first", LIST_TYPE, vec![], first)?;
    env.add_member_overload("last", "list_last", LIST_TYPE, vec![], last)?;
    Ok(())
}

fn elems<'a, 'v>(
    function: &str,
    args: &'a [CowVal<'_, 'v>],
) -> Result<Vec<&'a (dyn Val + 'v)>, ExecutionError> {
    let list = arg(function, args, 0)?;
    let items = list_elems(list).ok_or_else(|| err(function, "receiver is not a list"))?;
    budget::charge(items.len() as u64 + 1)?;
    Ok(items)
}

fn compare(function: &str, a: &dyn Val, b: &dyn Val) -> Result<Ordering, ExecutionError> {
    a.as_comparer()
        .ok_or_else(|| {
            err(
                function,
                format!("{} is not comparable", a.get_type().name()),
            )
        })?
        .compare(b)
}

fn is_sorted<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let items = elems("isSorted", &args)?;
    for w in items.windows(2) {
        if compare("isSorted", w[0], w[1])? == Ordering::Greater {
            return Ok(bool_val(false));
        }
    }
    Ok(bool_val(true))
}

fn sum<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let items = elems("sum", &args)?;
    let mut iter = items.into_iter();
    let Some(first) = iter.next() else {
        return Ok(int_val(0));
    };
    let mut acc: Box<dyn Val + 'v> = first.clone_as_boxed();
    for item in iter {
        let next = acc
            .as_adder()
            .ok_or_else(|| err("sum", format!("cannot sum {}", acc.get_type().name())))?
            .add(item)?
            .into_owned();
        acc = next;
    }
    Ok(CowVal::Owned(acc))
}

fn extreme<'b, 'v>(args: Vec<CowVal<'b, 'v>>, function: &str, want: Ordering) -> Res<'b, 'v> {
    let items = elems(function, &args)?;
    let mut iter = items.into_iter();
    let Some(mut best) = iter.next() else {
        return Err(err(function, format!("{function} called on empty list")));
    };
    for item in iter {
        if compare(function, item, best)? == want {
            best = item;
        }
    }
    Ok(CowVal::Owned(best.clone_as_boxed()))
}

fn min<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    extreme(args, "min", Ordering::Less)
}

fn max<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    extreme(args, "max", Ordering::Greater)
}

fn position<'b, 'v>(args: Vec<CowVal<'b, 'v>>, function: &str, last: bool) -> Res<'b, 'v> {
    let items = elems(function, &args)?;
    let needle = arg(function, &args, 1)?;
    let found = if last {
        items.iter().rposition(|x| deep_equal(*x, needle))
    } else {
        items.iter().position(|x| deep_equal(*x, needle))
    };
    Ok(int_val(
        found.map_or(-1, |i| i64::try_from(i).unwrap_or(i64::MAX)),
    ))
}

fn index_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    position(args, "indexOf", false)
}

fn last_index_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    position(args, "lastIndexOf", true)
}

fn first<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let items = elems("first", &args)?;
    Ok(CowVal::owned(match items.first() {
        Some(v) => CelOptional::of(v.clone_as_boxed()),
        None => CelOptional::none(),
    }))
}

fn last<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let items = elems("last", &args)?;
    Ok(CowVal::owned(match items.last() {
        Some(v) => CelOptional::of(v.clone_as_boxed()),
        None => CelOptional::none(),
    }))
}
