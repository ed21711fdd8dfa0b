//! Kubernetes regex library: `s.find(re)`, `s.findAll(re)`, `s.findAll(re, n)` (RE2 syntax; the
//! `regex` crate implements the same linear-time subset).

use crate::budget;
use crate::util::{Res, err, int_arg, str_arg, string_val};
use cel::common::types::{CelList, CelString, INT_TYPE, STRING_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};
use regex::Regex;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

pub(crate) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_member_overload("find", "string_find", STRING_TYPE, vec![STRING_TYPE], find)?;
    env.add_member_overload(
        "findAll",
        "string_find_all",
        STRING_TYPE,
        vec![STRING_TYPE],
        find_all,
    )?;
    env.add_member_overload(
        "findAll",
        "string_find_all_n",
        STRING_TYPE,
        vec![STRING_TYPE, INT_TYPE],
        find_all,
    )?;
    Ok(())
}

static CACHE: LazyLock<RwLock<HashMap<String, Arc<Regex>>>> =
    LazyLock::new(|| RwLock::new(HashMap::new()));

/// A compiled regex, cached by pattern (policies reuse a handful of patterns)
pub(crate) fn compiled(function: &str, pattern: &str) -> Result<Arc<Regex>, ExecutionError> {
    if let Ok(cache) = CACHE.read()
        && let Some(re) = cache.get(pattern)
    {
        return Ok(Arc::clone(re));
    }
    budget::charge_size(pattern.len() * 16)?;
    let re = regexp(pattern).map_err(|e| err(function, e))?;
    let re = Arc::new(re);
    if let Ok(mut cache) = CACHE.write() {
        if cache.len() > 1024 {
            cache.clear();
        }
        cache.insert(pattern.to_owned(), Arc::clone(&re));
    }
    Ok(re)
}

/// Compile an RE2 pattern, with a size limit so a pattern cannot exhaust memory
pub fn regexp(pattern: &str) -> Result<Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 22)
        .build()
        .map_err(|e| format!("error parsing regexp: {e}"))
}

fn find<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let s = str_arg("find", &args, 0)?;
    let re = compiled("find", str_arg("find", &args, 1)?)?;
    budget::charge_size(s.len())?;
    Ok(string_val(re.find(s).map_or("", |m| m.as_str())))
}

fn find_all<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let s = str_arg("findAll", &args, 0)?;
    let re = compiled("findAll", str_arg("findAll", &args, 1)?)?;
    let limit = if args.len() > 2 {
        int_arg("findAll", &args, 2)?
    } else {
        -1
    };
    budget::charge_size(s.len())?;
    let matches = re.find_iter(s).map(|m| m.as_str().to_owned());
    let items: Vec<Box<dyn Val + 'v>> = match usize::try_from(limit) {
        Ok(n) => matches
            .take(n)
            .map(|m| Box::new(CelString::from(m)) as Box<dyn Val>)
            .collect(),
        Err(_) => matches
            .map(|m| Box::new(CelString::from(m)) as Box<dyn Val>)
            .collect(),
    };
    Ok(CowVal::owned(CelList::from(items)))
}
