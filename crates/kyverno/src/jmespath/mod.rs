//! JMESPath with the semantics of Kyverno's fork of go-jmespath.
//!
//! Why not the `jmespath` crate: Kyverno's dialect differs from standard JMESPath where it
//! matters most — a lookup of a missing key is an *error* (`Unknown key`) that only some
//! constructs swallow (see [`interp`]), which decides between `pass`, `fail` and `error` on real
//! policies — and Kyverno registers ~50 functions with go-jmespath's argument checking. The
//! standard crate returns `null` for missing keys and cannot express that, so this module is a
//! small evaluator of its own (lexer, Pratt parser, interpreter) over `serde_json::Value`.

mod functions;
mod interp;
mod lexer;
mod parser;
pub(crate) mod random;
pub(crate) mod time;

pub use parser::{CmpOp, Node};

use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// A JMESPath failure
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JpError {
    /// The expression does not parse
    #[error("JMESPath syntax error at offset {offset} in `{expression}`: {msg}")]
    Syntax {
        /// What is wrong
        msg: String,
        /// Byte offset in the expression
        offset: usize,
        /// The expression
        expression: String,
    },
    /// Lookup of a key the object does not have (the Kyverno fork's `NotFoundError`)
    #[error("Unknown key \"{0}\" in path")]
    NotFound(String),
    /// A function failed or got bad arguments
    #[error("{0}")]
    Runtime(String),
}

/// Parse an expression (cached: policies evaluate the same expressions over and over)
pub fn compile(expression: &str) -> Result<Arc<Node>, JpError> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Node>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Ok(guard) = cache.lock()
        && let Some(n) = guard.get(expression)
    {
        return Ok(Arc::clone(n));
    }
    let node = Arc::new(parser::parse(expression)?);
    if let Ok(mut guard) = cache.lock() {
        if guard.len() > 50_000 {
            guard.clear();
        }
        guard.insert(expression.to_owned(), Arc::clone(&node));
    }
    Ok(node)
}

/// Evaluate an expression against data
pub fn search(expression: &str, data: &Value) -> Result<Value, JpError> {
    let node = compile(expression)?;
    interp::eval(&node, data).map(std::borrow::Cow::into_owned)
}

/// Evaluate a parsed expression against data
pub fn eval(node: &Node, data: &Value) -> Result<Value, JpError> {
    interp::eval(node, data).map(std::borrow::Cow::into_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn s(expr: &str, data: &Value) -> Result<Value, JpError> {
        search(expr, data)
    }

    #[test]
    fn missing_keys_error_except_where_swallowed() {
        let d = json!({"request": {"object": {"metadata": {"name": "x"}, "spec": {"containers": [
            {"name": "a", "securityContext": {"privileged": true}}, {"name": "b"}
        ]}}}});
        assert_eq!(s("request.object.metadata.name", &d).unwrap(), json!("x"));
        assert!(matches!(
            s("request.object.metadata.labels.app", &d),
            Err(JpError::NotFound(_))
        ));
        assert_eq!(
            s("request.object.metadata.labels.app || ''", &d).unwrap(),
            json!("")
        );
        assert_eq!(
            s(
                "request.object.spec.containers[].securityContext.privileged",
                &d
            )
            .unwrap(),
            json!([true])
        );
        assert_eq!(
            s(
                "request.object.spec.containers[?securityContext.privileged == `true`].name",
                &d
            )
            .unwrap(),
            json!(["a"])
        );
        assert_eq!(
            s(
                "request.object.spec.[ephemeralContainers, initContainers, containers][].name",
                &d
            )
            .unwrap(),
            json!(["a", "b"])
        );
        assert!(s("length(request.object.metadata.labels)", &d).is_err());
        assert_eq!(
            s("!(request.object.metadata.labels)", &d).unwrap(),
            json!(true)
        );
        assert_eq!(
            s("!request.object.metadata.labels", &d).unwrap(),
            Value::Null
        );
        assert_eq!(
            s("request.object.metadata.labels | length(@ || `{}`)", &d).unwrap(),
            json!(0)
        );
        assert!(s("request.object.spec.initContainers[0]", &d).is_err());
        assert_eq!(
            s("request.object.metadata.name.foo", &d).unwrap(),
            Value::Null
        );
    }

    #[test]
    fn standard_features() {
        let d = json!({"a": [1, 2, 3, 4], "o": {"x": 1, "y": 2}, "s": "abc", "e": ""});
        assert_eq!(s("a[1:3]", &d).unwrap(), json!([2, 3]));
        assert_eq!(s("a[::-1]", &d).unwrap(), json!([4, 3, 2, 1]));
        assert_eq!(s("a[-1]", &d).unwrap(), json!(4));
        assert_eq!(s("o.*", &d).unwrap(), json!([1, 2]));
        assert_eq!(
            s("{first: a[0], n: length(a)}", &d).unwrap(),
            json!({"first": 1, "n": 4})
        );
        assert_eq!(s("a[?@ > `2`]", &d).unwrap(), json!([3, 4]));
        assert_eq!(s("max(a)", &d).unwrap(), json!(4));
        assert_eq!(
            s("sort_by(`[{\"k\":2},{\"k\":1}]`, &k)[0].k", &d).unwrap(),
            json!(1)
        );
        assert_eq!(
            s("map(&to_string(@), a)", &d).unwrap(),
            json!(["1", "2", "3", "4"])
        );
        assert_eq!(s("e || 'def'", &d).unwrap(), json!("def"));
        assert_eq!(s("s == 'abc' && 'yes'", &d).unwrap(), json!("yes"));
        assert_eq!(s("`foo`", &d).unwrap(), json!("foo"));
        assert_eq!(s("'it\\'s'", &d).unwrap(), json!("it's"));
        assert_eq!(s("contains(keys(o), 'x')", &d).unwrap(), json!(true));
        assert_eq!(s("o.\"x\"", &d).unwrap(), json!(1));
        assert!(matches!(s("a[", &d), Err(JpError::Syntax { .. })));
        assert!(matches!(s("a = b", &d), Err(JpError::Syntax { .. })));
    }
}
