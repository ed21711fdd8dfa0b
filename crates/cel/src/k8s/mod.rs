//! The Kubernetes CEL environment (apiserver 1.34 `StoredExpressions`): the libraries Kubernetes
//! adds on top of the CEL standard library, implemented over the `cel` crate.
//!
//! | library | module |
//! |---|---|
//! | URLs, Regex, Lists (k8s) | [`urls`], [`regex`], [`lists`] |
//! | cel-go ext.Strings v2, ext.Lists v3 | the `cel` crate's extensions, plus `first`/`last` in [`lists`] |
//! | Quantity, IP, CIDR, Format, Semver | [`quantity`], [`net`], [`format`], [`semver`] |
//! | ext.Sets, ext.TwoVarComprehensions | [`sets`], [`comprehensions`] |
//! | Authz | [`authz`] (answered from an [`authz::AuthorizerConfig`], allow-all by default) |
//! | MAP `jsonpatch.escapeKey` | here |

pub mod authz;
pub mod comprehensions;
pub mod format;
pub(crate) mod internal;
pub mod lists;
pub mod net;
pub mod quantity;
pub mod regex;
pub mod semver;
pub mod sets;
pub mod urls;

use crate::util::{Res, str_arg, string_val};
use cel::common::types::STRING_TYPE;
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env};

/// Register every Kubernetes library on `env`
pub(crate) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_extension(cel::extensions::strings)?;
    env.add_extension(cel::extensions::lists)?;
    internal::register(env)?;
    crate::host::register(env)?;
    lists::register(env)?;
    regex::register(env)?;
    urls::register(env)?;
    quantity::register(env)?;
    net::register(env)?;
    semver::register(env)?;
    sets::register(env)?;
    format::register(env)?;
    authz::register(env)?;
    comprehensions::register(env)?;
    env.add_overload(
        "jsonpatch.escapeKey",
        "jsonpatch_escape_key",
        vec![STRING_TYPE],
        escape_key,
    )?;
    Ok(())
}

fn escape_key<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Res<'b, 'v> {
    let s = str_arg("jsonpatch.escapeKey", &args, 0)?;
    Ok(string_val(s.replace('~', "~0").replace('/', "~1")))
}

/// The string form of a Kubernetes library value (for JSON output), if `v` is one
pub(crate) fn display_string(v: &dyn Val) -> Option<String> {
    if let Some(q) = v.downcast_ref::<quantity::Quantity>() {
        return Some(q.to_string());
    }
    if let Some(u) = v.downcast_ref::<urls::Url>() {
        return Some(u.raw.clone());
    }
    if let Some(ip) = v.downcast_ref::<net::Ip>() {
        return Some(ip.0.to_string());
    }
    if let Some(c) = v.downcast_ref::<net::Cidr>() {
        return Some(c.to_string());
    }
    if let Some(s) = v.downcast_ref::<semver::Semver>() {
        return Some(s.to_string());
    }
    None
}

/// Implement `Val` for a `'static` library type with equality `$eq`
macro_rules! opaque_val {
    ($t:ty, $ty:expr, $eq:expr) => {
        impl cel::common::value::Val for $t {
            fn get_type(&self) -> &cel::common::types::Type {
                &$ty
            }
            fn cel_type() -> &'static cel::common::types::Type
            where
                Self: Sized,
            {
                &$ty
            }
            fn equals(&self, other: &dyn cel::common::value::Val) -> bool {
                let eq: fn(&$t, &$t) -> bool = $eq;
                other.downcast_ref::<$t>().is_some_and(|o| eq(self, o))
            }
            fn clone_as_boxed<'w>(&self) -> Box<dyn cel::common::value::Val + 'w>
            where
                Self: 'w,
            {
                Box::new(self.clone())
            }
            fn as_any(&self) -> Option<&dyn std::any::Any> {
                Some(self)
            }
        }
        impl cel::common::value::StaticVal for $t {}
    };
}
pub(crate) use opaque_val;

/// Downcast argument `i` to a library type
pub(crate) fn typed_arg<'a, T: cel::common::value::StaticVal>(
    function: &str,
    args: &'a [CowVal<'_, '_>],
    i: usize,
) -> Result<&'a T, cel::ExecutionError> {
    args.get(i)
        .and_then(|a| {
            let v: &dyn Val = a.as_ref();
            v.as_any().and_then(|any| any.downcast_ref::<T>())
        })
        .ok_or_else(|| crate::util::bad_args(function, args))
}
