//! `x-kubernetes-validations`: CEL rules compiled with the `cel` crate (the CEL standard library
//! with the strings, lists and math extensions and optional syntax) and evaluated with `self`
//! (and `oldSelf` for transition rules) bound to the value at the rule's schema node.
//!
//! SIMPLIFICATION: rules are parsed when the CRD is written but not type-checked against the
//! schema (upstream checks types and estimates cost), so a reference to an undeclared field is
//! reported when an object is validated, as a rule evaluation error. Kubernetes' own libraries
//! (`quantity`, `url`, `ip`, `isSorted`, `format`, ...) are not available; see README#differences.

use std::sync::{Arc, OnceLock};

use cel::{Context, Env, Value as CelValue};
use kubesim_api::Cause;
use serde_json::Value;

use super::path;
use super::schema::{Rule, Schema};

pub use cel::Program;

fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        // Registering the extensions on a fresh standard environment cannot clash.
        let _ = env.add_extension(cel::extensions::strings);
        let _ = env.add_extension(cel::extensions::lists);
        let _ = env.add_extension(cel::extensions::math);
        Arc::new(env)
    })
    .clone()
}

/// Parses a rule (or message expression).
pub fn compile(source: &str) -> Result<Program, String> {
    env().compile(source).map_err(|e| e.to_string())
}

/// Whether a program reads `oldSelf` (then it is a transition rule).
pub fn reads_old_self(p: &Program) -> bool {
    p.references().has_variable("oldSelf")
}

/// A JSON value as CEL sees it under `schema`: `number` fields are doubles even when integral.
fn to_cel(v: &Value, s: Option<&Schema>) -> CelValue {
    match v {
        Value::Null => CelValue::Null,
        Value::Bool(b) => CelValue::Bool(*b),
        Value::Number(n) => {
            let number = s.is_some_and(|s| s.type_ == "number");
            match (n.as_i64(), number) {
                (Some(i), false) => CelValue::Int(i),
                _ => match n.as_u64() {
                    Some(u) if !number && n.as_i64().is_none() => CelValue::UInt(u),
                    _ => CelValue::Float(n.as_f64().unwrap_or(0.0)),
                },
            }
        }
        Value::String(t) => CelValue::String(Arc::new(t.clone())),
        Value::Array(a) => {
            let items = s.and_then(|s| s.items.as_deref());
            CelValue::List(Arc::new(a.iter().map(|x| to_cel(x, items)).collect()))
        }
        Value::Object(m) => {
            let map: std::collections::HashMap<String, CelValue> = m
                .iter()
                .map(|(k, x)| (k.clone(), to_cel(x, s.and_then(|s| s.child(k)))))
                .collect();
            map.into()
        }
    }
}

/// Evaluates every rule of `schema` and its descendants against `value` (the object, or a part
/// of it at `p`); `old` is the stored counterpart on update (transition rules need it).
pub fn validate(
    schema: &Schema,
    value: &Value,
    old: Option<&Value>,
    p: &str,
    errs: &mut Vec<Cause>,
) {
    if value.is_null() {
        return;
    }
    if !schema.validations.is_empty() {
        let this = to_cel(value, Some(schema));
        let before = old.map(|o| to_cel(o, Some(schema)));
        for rule in &schema.validations {
            check_rule(rule, schema, &this, before.as_ref(), p, errs);
        }
    }
    match value {
        Value::Object(m) => {
            for (k, v) in m {
                if p.is_empty() && k == "metadata" {
                    continue;
                }
                let Some(sub) = schema.child(k) else {
                    continue;
                };
                let sub_path = if schema.property(k).is_some() {
                    path::child(p, k)
                } else {
                    path::key(p, k)
                };
                let old_sub = old.and_then(|o| o.get(k));
                validate(sub, v, old_sub, &sub_path, errs);
            }
        }
        Value::Array(a) => {
            if let Some(items) = schema.items.as_deref() {
                for (i, v) in a.iter().enumerate() {
                    // SIMPLIFICATION: list items are not correlated with the stored object, so
                    // transition rules below a list only run where upstream correlates too rarely
                    // to matter (map lists keyed by x-kubernetes-list-map-keys).
                    validate(items, v, None, &path::index(p, i), errs);
                }
            }
        }
        _ => {}
    }
}

fn check_rule(
    rule: &Rule,
    schema: &Schema,
    this: &CelValue,
    old: Option<&CelValue>,
    p: &str,
    errs: &mut Vec<Cause>,
) {
    let Some(program) = &rule.program else {
        return;
    };
    if rule.transition && old.is_none() {
        return;
    }
    let env = env();
    let mut ctx = Context::with_env(env);
    ctx.add_variable_from_value("self", this.clone());
    if let Some(o) = old {
        ctx.add_variable_from_value("oldSelf", o.clone());
    }
    let shown = rule_text(rule);
    let at = if rule.field_path.is_empty() {
        p.to_string()
    } else {
        join_field_path(p, &rule.field_path)
    };
    let type_name = Value::String(if schema.int_or_string {
        "string".to_string()
    } else if schema.type_.is_empty() {
        "object".to_string()
    } else {
        schema.type_.clone()
    });
    match program.execute(&ctx) {
        Ok(CelValue::Bool(true)) => {}
        Ok(CelValue::Bool(false)) => {
            let mut message = if rule.message.trim().is_empty() {
                format!("failed rule: {shown}")
            } else {
                rule.message.trim().to_string()
            };
            if let Some(mp) = &rule.message_program
                && let Ok(CelValue::String(s)) = mp.execute(&ctx)
                && !s.trim().is_empty()
                && !s.contains('\n')
            {
                message = s.trim().to_string();
            }
            errs.push(cause_for(&rule.reason, &at, &type_name, &message));
        }
        Ok(_) => errs.push(Cause::invalid(
            path::or_nil(&at),
            &type_name,
            &format!("{shown}: rule did not evaluate to a boolean"),
        )),
        Err(e) => errs.push(Cause::invalid(
            path::or_nil(&at),
            &type_name,
            &format!("{shown}: {e}"),
        )),
    }
}

/// The rule as upstream quotes it in messages: its message if set, else the trimmed rule.
fn rule_text(rule: &Rule) -> String {
    if rule.message.trim().is_empty() {
        rule.rule.trim().to_string()
    } else {
        rule.message.trim().to_string()
    }
}

fn join_field_path(p: &str, rel: &str) -> String {
    let rel = rel.trim();
    if let Some(rest) = rel.strip_prefix('.') {
        path::child(p, rest)
    } else {
        format!("{p}{rel}")
    }
}

fn cause_for(reason: &str, at: &str, type_name: &Value, message: &str) -> Cause {
    let field = path::or_nil(at);
    match reason {
        "FieldValueForbidden" => Cause::forbidden(field, message),
        "FieldValueRequired" => Cause::required(field, message),
        "FieldValueDuplicate" => Cause::new(
            "FieldValueDuplicate",
            format!("Duplicate value: {type_name}: {message}"),
            field,
        ),
        _ => Cause::invalid(field, type_name, message),
    }
}
