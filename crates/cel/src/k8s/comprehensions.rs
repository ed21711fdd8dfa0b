//! cel-go ext.TwoVarComprehensions: `all(i, v, p)`, `exists(i, v, p)`, `existsOne(i, v, p)`,
//! `transformList(i, v, [f,] e)`, `transformMap(k, v, [f,] e)`, `transformMapEntry(k, v, [f,] e)`.
//!
//! The `cel` crate's interpreter binds one variable per comprehension, so these macros iterate
//! over `@pairs(range)` (`[index, element]` for lists, `[key, value]` for maps) with a hidden
//! variable, and the two names in the body are rewritten to its two halves.

use crate::budget;
use crate::json::{list_elems, map_keys};
use crate::util::{Res, arg, err};
use cel::common::ast::{
    CallExpr, ComprehensionExpr, Expr, IdedExpr, ListExpr, LiteralValue, operators,
};
use cel::common::types::{CelInt, CelList, CelMap, CelMapKey, DYN_TYPE};
use cel::common::value::{CowVal, Val};
use cel::parser::{Macro, MacroExprHelper, ParseError};
use cel::{DeclarationError, Env, ExecutionError};
use std::collections::HashMap;

pub(crate) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_overload("@pairs", "palisade_pairs", vec![DYN_TYPE], pairs)?;
    env.add_overload(
        "@pairsToMap",
        "palisade_pairs_to_map",
        vec![DYN_TYPE],
        pairs_to_map,
    )?;
    env.add_overload(
        "@mergeEntries",
        "palisade_merge_entries",
        vec![DYN_TYPE],
        merge_entries,
    )?;
    for (name, kind) in [
        ("all", Kind2::All),
        ("exists", Kind2::Exists),
        ("existsOne", Kind2::ExistsOne),
        ("exists_one", Kind2::ExistsOne),
    ] {
        env.add_macro(Macro::receiver(name, 3, move |h, t, a| {
            expand(h, t, a, kind, false)
        }))?;
    }
    for (name, kind) in [
        ("transformList", Kind2::List),
        ("transformMap", Kind2::Map),
        ("transformMapEntry", Kind2::MapEntry),
    ] {
        env.add_macro(Macro::receiver(name, 3, move |h, t, a| {
            expand(h, t, a, kind, false)
        }))?;
        env.add_macro(Macro::receiver(name, 4, move |h, t, a| {
            expand(h, t, a, kind, true)
        }))?;
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Kind2 {
    All,
    Exists,
    ExistsOne,
    List,
    Map,
    MapEntry,
}

fn ident(h: &mut MacroExprHelper<'_>, e: &IdedExpr) -> Result<String, ParseError> {
    match &e.expr {
        Expr::Ident(n) => Ok(n.clone()),
        _ => Err(h.new_error(e.id, "argument must be a simple name")),
    }
}

fn call(h: &mut MacroExprHelper<'_>, name: &str, args: Vec<IdedExpr>) -> IdedExpr {
    h.next_expr(Expr::Call(CallExpr {
        func_name: name.to_owned(),
        target: None,
        args,
    }))
}

fn id(h: &mut MacroExprHelper<'_>, name: &str) -> IdedExpr {
    h.next_expr(Expr::Ident(name.to_owned()))
}

fn int(h: &mut MacroExprHelper<'_>, i: i64) -> IdedExpr {
    h.next_expr(Expr::Literal(LiteralValue::Int(CelInt::from(i))))
}

fn half(h: &mut MacroExprHelper<'_>, it: &str, i: i64) -> IdedExpr {
    let base = id(h, it);
    let idx = int(h, i);
    call(h, operators::INDEX, vec![base, idx])
}

/// Replace free occurrences of `names[k]` by `it[k]`
fn substitute(h: &mut MacroExprHelper<'_>, e: &mut IdedExpr, names: &[String; 2], it: &str) {
    match &mut e.expr {
        Expr::Ident(n) => {
            if let Some(k) = names.iter().position(|x| x == n) {
                *e = half(h, it, i64::try_from(k).unwrap_or(0));
            }
        }
        Expr::Select(s) => substitute(h, &mut s.operand, names, it),
        Expr::Call(c) => {
            if let Some(t) = c.target.as_deref_mut() {
                substitute(h, t, names, it);
            }
            for a in &mut c.args {
                substitute(h, a, names, it);
            }
        }
        Expr::List(l) => {
            for el in &mut l.elements {
                substitute(h, el, names, it);
            }
        }
        Expr::Map(m) => {
            for entry in &mut m.entries {
                if let cel::common::ast::EntryExpr::MapEntry(me) = &mut entry.expr {
                    substitute(h, &mut me.key, names, it);
                    substitute(h, &mut me.value, names, it);
                }
            }
        }
        Expr::Struct(s) => {
            for entry in &mut s.entries {
                if let cel::common::ast::EntryExpr::StructField(f) = &mut entry.expr {
                    substitute(h, &mut f.value, names, it);
                }
            }
        }
        Expr::Comprehension(c) => {
            substitute(h, &mut c.iter_range, names, it);
            substitute(h, &mut c.accu_init, names, it);
            let shadowed = |n: &String| {
                *n == c.iter_var || c.iter_var2.as_ref() == Some(n) || *n == c.accu_var
            };
            let inner: [String; 2] = [
                if shadowed(&names[0]) {
                    String::new()
                } else {
                    names[0].clone()
                },
                if shadowed(&names[1]) {
                    String::new()
                } else {
                    names[1].clone()
                },
            ];
            substitute(h, &mut c.loop_cond, &inner, it);
            substitute(h, &mut c.loop_step, &inner, it);
            substitute(h, &mut c.result, &inner, it);
        }
        Expr::Unspecified | Expr::Literal(_) => {}
    }
}

fn expand(
    h: &mut MacroExprHelper<'_>,
    target: &mut Option<IdedExpr>,
    args: &mut Vec<IdedExpr>,
    kind: Kind2,
    filtered: bool,
) -> Result<Option<IdedExpr>, ParseError> {
    let Some(range) = target.take() else {
        return Ok(None);
    };
    let mut body = args.pop().unwrap_or_default();
    let mut filter = if filtered { args.pop() } else { None };
    let second = args.pop().unwrap_or_default();
    let first = args.pop().unwrap_or_default();
    let names = [ident(h, &first)?, ident(h, &second)?];
    if names[0] == names[1] {
        return Err(h.new_error(second.id, "duplicate variable name"));
    }
    let marker = h.next_expr(Expr::Unspecified);
    let it = format!("@it{}", marker.id);
    substitute(h, &mut body, &names, &it);
    if let Some(f) = filter.as_mut() {
        substitute(h, f, &names, &it);
    }
    let range = call(h, "@pairs", vec![range]);
    let accu = "@result".to_owned();
    let t = h.next_expr(Expr::Literal(LiteralValue::Boolean(true.into())));
    let (init, cond, step, result) = match kind {
        Kind2::All | Kind2::Exists => {
            let all = matches!(kind, Kind2::All);
            let init = h.next_expr(Expr::Literal(LiteralValue::Boolean(all.into())));
            let acc = id(h, &accu);
            let guard = if all {
                acc
            } else {
                call(h, operators::LOGICAL_NOT, vec![acc])
            };
            let cond = call(h, operators::NOT_STRICTLY_FALSE, vec![guard]);
            let acc = id(h, &accu);
            let op = if all {
                operators::LOGICAL_AND
            } else {
                operators::LOGICAL_OR
            };
            let step = call(h, op, vec![acc, body]);
            let result = id(h, &accu);
            (init, cond, step, result)
        }
        Kind2::ExistsOne => {
            let init = int(h, 0);
            let acc = id(h, &accu);
            let one = int(h, 1);
            let plus = call(h, operators::ADD, vec![acc, one]);
            let acc2 = id(h, &accu);
            let step = call(h, operators::CONDITIONAL, vec![body, plus, acc2]);
            let acc3 = id(h, &accu);
            let one = int(h, 1);
            let result = call(h, operators::EQUALS, vec![acc3, one]);
            (init, t, step, result)
        }
        Kind2::List | Kind2::Map | Kind2::MapEntry => {
            let init = h.next_expr(Expr::List(ListExpr::new(Vec::new())));
            let item = if matches!(kind, Kind2::Map) {
                let key = half(h, &it, 0);
                h.next_expr(Expr::List(ListExpr::new(vec![key, body])))
            } else {
                body
            };
            let wrapped = h.next_expr(Expr::List(ListExpr::new(vec![item])));
            let acc = id(h, &accu);
            let append = call(h, operators::ADD, vec![acc, wrapped]);
            let step = match filter.take() {
                Some(f) => {
                    let acc = id(h, &accu);
                    call(h, operators::CONDITIONAL, vec![f, append, acc])
                }
                None => append,
            };
            let result = id(h, &accu);
            (init, t, step, result)
        }
    };
    let comp = h.next_expr(Expr::Comprehension(Box::new(ComprehensionExpr {
        iter_range: range,
        iter_var: it,
        iter_var2: None,
        accu_var: accu,
        accu_init: init,
        loop_cond: cond,
        loop_step: step,
        result,
    })));
    Ok(Some(match kind {
        Kind2::Map => call(h, "@pairsToMap", vec![comp]),
        Kind2::MapEntry => call(h, "@mergeEntries", vec![comp]),
        _ => comp,
    }))
}

fn pairs<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let range = arg("@pairs", &args, 0)?;
    let mut out: Vec<Box<dyn Val + 'v>> = Vec::new();
    if let Some(items) = list_elems(range) {
        budget::charge(items.len() as u64 + 1)?;
        for (i, v) in items.into_iter().enumerate() {
            let pair: Vec<Box<dyn Val + 'v>> = vec![
                Box::new(CelInt::from(i64::try_from(i).unwrap_or(i64::MAX))),
                v.clone_as_boxed(),
            ];
            out.push(Box::new(CelList::from(pair)));
        }
    } else if let Some(keys) = map_keys(range) {
        budget::charge(keys.len() as u64 + 1)?;
        let ix = range
            .as_indexer()
            .ok_or_else(|| err("@pairs", "map cannot be indexed"))?;
        for k in keys {
            let v = ix.get(k)?.into_owned();
            let pair: Vec<Box<dyn Val + 'v>> = vec![k.clone_as_boxed(), v];
            out.push(Box::new(CelList::from(pair)));
        }
    } else {
        return Err(err(
            "comprehension",
            format!("cannot iterate over {}", range.get_type().name()),
        ));
    }
    Ok(CowVal::owned(CelList::from(out)))
}

fn insert<'v>(
    map: &mut HashMap<CelMapKey<'v>, Box<dyn Val + 'v>>,
    k: Box<dyn Val + 'v>,
    v: Box<dyn Val + 'v>,
) -> Result<(), ExecutionError> {
    let key =
        CelMapKey::try_from(k).map_err(|_| err("transformMap", "unsupported map key type"))?;
    if map.contains_key(&key) {
        return Err(err(
            "transformMapEntry",
            "insert failed: key already exists",
        ));
    }
    map.insert(key, v);
    Ok(())
}

fn pairs_to_map<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let list = arg("transformMap", &args, 0)?;
    let mut map = HashMap::new();
    for pair in list_elems(list).unwrap_or_default() {
        let kv = list_elems(pair).unwrap_or_default();
        if let [k, v] = kv.as_slice() {
            insert(&mut map, k.clone_as_boxed(), v.clone_as_boxed())?;
        }
    }
    Ok(CowVal::owned(CelMap::from(map)))
}

fn merge_entries<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let list = arg("transformMapEntry", &args, 0)?;
    let mut map = HashMap::new();
    for entry in list_elems(list).unwrap_or_default() {
        let keys = map_keys(entry).ok_or_else(|| {
            err(
                "transformMapEntry",
                "the transform expression must produce a map",
            )
        })?;
        let ix = entry
            .as_indexer()
            .ok_or_else(|| err("transformMapEntry", "map cannot be indexed"))?;
        for k in keys {
            let v = ix.get(k)?.into_owned();
            insert(&mut map, k.clone_as_boxed(), v)?;
        }
    }
    Ok(CowVal::owned(CelMap::from(map)))
}
