//! The template's `openAPIV3Schema` applied to a constraint's `spec.parameters`: structural
//! defaulting (as the apiserver does for the generated CRD) and a type check.
//!
//! Defaulting follows the structural-schema rules of apiextensions: for every object, each
//! property that is absent (or `null` without `nullable: true`) and has a `default` gets a deep
//! copy of it; then every present property is defaulted recursively with its own schema (or the
//! `additionalProperties` schema), and every array item with the `items` schema. Defaults are
//! only applied *below* values that exist: a constraint without `spec.parameters` stays without.

use serde_json::Value;

/// Apply `default:` values of `schema` to `value`, recursively
pub fn apply_defaults(value: &mut Value, schema: &Value) {
    match value {
        Value::Object(map) => {
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (key, prop) in props {
                    let Some(default) = prop.get("default") else {
                        continue;
                    };
                    let missing = match map.get(key) {
                        None => true,
                        Some(Value::Null) => !is_nullable(prop),
                        Some(_) => false,
                    };
                    if missing {
                        map.insert(key.clone(), default.clone());
                    }
                }
            }
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            for (key, child) in map.iter_mut() {
                let sub = schema
                    .get("properties")
                    .and_then(|p| p.get(key))
                    .or(additional);
                if let Some(sub) = sub {
                    apply_defaults(child, sub);
                }
            }
        }
        Value::Array(items) => {
            if let Some(sub) = schema.get("items").filter(|i| i.is_object()) {
                for item in items {
                    apply_defaults(item, sub);
                }
            }
        }
        _ => {}
    }
}

fn is_nullable(schema: &Value) -> bool {
    schema.get("nullable").and_then(Value::as_bool) == Some(true)
}

/// Check `value` against the `type`, `enum`, `items`, `properties` and `additionalProperties`
/// of `schema`. Returns the first problem as `path: what`. Only what a structural schema
/// states is checked; unknown fields are accepted (the apiserver prunes, it does not reject).
pub fn validate(value: &Value, schema: &Value) -> Result<(), String> {
    validate_at(value, schema, "parameters")
}

fn validate_at(value: &Value, schema: &Value, path: &str) -> Result<(), String> {
    if value.is_null() {
        // `nullable` handling differs between legacy and structural schemas; accept null
        return Ok(());
    }
    let int_or_string = schema
        .get("x-kubernetes-int-or-string")
        .and_then(Value::as_bool)
        == Some(true);
    if int_or_string {
        if !(value.is_string() || is_integer(value)) {
            return Err(format!("{path}: must be an integer or a string"));
        }
    } else if let Some(ty) = schema.get("type").and_then(Value::as_str) {
        let ok = match ty {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "integer" => is_integer(value),
            "number" => value.is_number(),
            _ => true,
        };
        if !ok {
            return Err(format!(
                "{path}: must be of type {ty}, got {}",
                type_of(value)
            ));
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        return Err(format!("{path}: {value} is not one of the allowed values"));
    }
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            for (key, child) in map {
                let sub = props.and_then(|p| p.get(key)).or(additional);
                if let Some(sub) = sub {
                    validate_at(child, sub, &format!("{path}.{key}"))?;
                }
            }
        }
        Value::Array(items) => {
            if let Some(sub) = schema.get("items").filter(|i| i.is_object()) {
                for (i, item) in items.iter().enumerate() {
                    validate_at(item, sub, &format!("{path}[{i}]"))?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn is_integer(v: &Value) -> bool {
    v.as_i64().is_some()
        || v.as_u64().is_some()
        || v.as_f64()
            .is_some_and(|f| f.fract() == 0.0 && f.is_finite())
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_missing_and_nested_values() {
        let schema = json!({
            "type": "object",
            "properties": {
                "flag": {"type": "boolean", "default": true},
                "present": {"type": "string", "default": "unused"},
                "nested": {
                    "type": "object",
                    "properties": {"depth": {"type": "integer", "default": 3}}
                },
                "list": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"mode": {"type": "string", "default": "strict"}}
                    }
                },
                "withDefaultObject": {
                    "type": "object",
                    "default": {},
                    "properties": {"inner": {"type": "integer", "default": 7}}
                }
            }
        });
        let mut params = json!({
            "present": "kept",
            "nested": {},
            "list": [{"mode": "loose"}, {}]
        });
        apply_defaults(&mut params, &schema);
        assert_eq!(
            params,
            json!({
                "present": "kept",
                "nested": {"depth": 3},
                "list": [{"mode": "loose"}, {"mode": "strict"}],
                "flag": true,
                "withDefaultObject": {"inner": 7}
            })
        );
    }

    #[test]
    fn null_is_defaulted_unless_nullable() {
        let schema = json!({
            "properties": {
                "a": {"default": 1},
                "b": {"default": 2, "nullable": true}
            }
        });
        let mut params = json!({"a": null, "b": null});
        apply_defaults(&mut params, &schema);
        assert_eq!(params, json!({"a": 1, "b": null}));
    }

    #[test]
    fn additional_properties_are_defaulted() {
        let schema = json!({
            "additionalProperties": {"properties": {"x": {"default": "d"}}}
        });
        let mut params = json!({"one": {}, "two": {"x": "set"}});
        apply_defaults(&mut params, &schema);
        assert_eq!(params, json!({"one": {"x": "d"}, "two": {"x": "set"}}));
    }

    #[test]
    fn validates_types() {
        let schema = json!({
            "type": "object",
            "properties": {
                "repos": {"type": "array", "items": {"type": "string"}},
                "max": {"type": "integer"},
                "port": {"x-kubernetes-int-or-string": true}
            }
        });
        assert!(validate(&json!({"repos": ["a"], "max": 3, "port": "http"}), &schema).is_ok());
        assert!(validate(&json!({"unknown": true}), &schema).is_ok());
        let err = validate(&json!({"repos": ["a", 1]}), &schema).unwrap_err();
        assert_eq!(
            err,
            "parameters.repos[1]: must be of type string, got number"
        );
        assert!(validate(&json!({"max": 1.5}), &schema).is_err());
        assert!(validate(&json!({"port": true}), &schema).is_err());
    }
}
