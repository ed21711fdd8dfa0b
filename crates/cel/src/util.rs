//! Small helpers for library functions: argument access and errors.

use cel::ExecutionError;
use cel::common::types::{CelBool, CelInt, CelString, Kind};
use cel::common::value::{CowVal, Val};

/// The kind of a value's type
pub(crate) fn kind_of(v: &dyn Val) -> Kind {
    v.get_type().kind()
}

/// The name of a value's type, for messages
pub(crate) fn type_name(v: &dyn Val) -> String {
    v.get_type().name().to_owned()
}

/// Result type of library functions
pub(crate) type Res<'b, 'v> = Result<CowVal<'b, 'v>, ExecutionError>;

/// Error of a library function
pub(crate) fn err(function: &str, message: impl std::fmt::Display) -> ExecutionError {
    ExecutionError::function_error(function, message)
}

/// Argument `i` as a string
pub(crate) fn str_arg<'a>(
    function: &str,
    args: &'a [CowVal<'_, '_>],
    i: usize,
) -> Result<&'a str, ExecutionError> {
    args.get(i)
        .and_then(|a| a.downcast_ref::<CelString<'_>>())
        .map(|s| s.inner())
        .ok_or_else(|| bad_args(function, args))
}

/// Argument `i` as an int
pub(crate) fn int_arg(
    function: &str,
    args: &[CowVal<'_, '_>],
    i: usize,
) -> Result<i64, ExecutionError> {
    args.get(i)
        .and_then(|a| a.downcast_ref::<CelInt>())
        .map(|s| *s.inner())
        .ok_or_else(|| bad_args(function, args))
}

/// Argument `i` as a bool
pub(crate) fn bool_arg(
    function: &str,
    args: &[CowVal<'_, '_>],
    i: usize,
) -> Result<bool, ExecutionError> {
    args.get(i)
        .and_then(|a| a.downcast_ref::<CelBool>())
        .map(|s| *s.inner())
        .ok_or_else(|| bad_args(function, args))
}

/// Argument `i` as a value
pub(crate) fn arg<'a, 'v>(
    function: &str,
    args: &'a [CowVal<'_, 'v>],
    i: usize,
) -> Result<&'a (dyn Val + 'v), ExecutionError> {
    args.get(i)
        .map(AsRef::as_ref)
        .ok_or_else(|| bad_args(function, args))
}

/// No overload for these arguments
pub(crate) fn bad_args(function: &str, args: &[CowVal<'_, '_>]) -> ExecutionError {
    ExecutionError::no_such_overload(
        function,
        args.iter().map(|a| type_name(a.as_ref())).collect(),
    )
}

/// A boolean result
pub(crate) fn bool_val<'b, 'v>(b: bool) -> CowVal<'b, 'v> {
    CowVal::owned(CelBool::from(b))
}

/// An int result
pub(crate) fn int_val<'b, 'v>(i: i64) -> CowVal<'b, 'v> {
    CowVal::owned(CelInt::from(i))
}

/// A string result
pub(crate) fn string_val<'b, 'v>(s: impl Into<String>) -> CowVal<'b, 'v> {
    CowVal::owned(CelString::from(s.into()))
}

/// A duration as protobuf-style seconds, e.g. `1.5s`
pub(crate) fn format_duration(secs: i64, nanos: i32) -> String {
    if nanos == 0 {
        return format!("{secs}s");
    }
    let frac = format!("{:09}", nanos.unsigned_abs());
    let frac = frac.trim_end_matches('0');
    let sign = if secs == 0 && nanos < 0 { "-" } else { "" };
    format!("{sign}{secs}.{frac}s")
}
