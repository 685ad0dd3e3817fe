//! Table columns of a custom resource version: `Name`, then the version's
//! `additionalPrinterColumns` (or upstream's default `Age` column when it declares none), with
//! cells formatted as upstream's CRD table convertor formats them.

use serde_json::{Value, json};

use super::jsonpath::JsonPath;
use crate::printers::human_duration;

/// Upstream's description of the `Name` column (the swagger doc of `metadata.name`).
const NAME_DESCRIPTION: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

/// Upstream's description of the default `Age` column (the swagger doc of `creationTimestamp`).
const AGE_DESCRIPTION: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/// One printer column.
#[derive(Debug, Clone)]
pub struct Column {
    /// Header.
    pub name: String,
    /// `integer`, `number`, `string`, `boolean` or `date`.
    pub type_: String,
    /// OpenAPI format.
    pub format: String,
    /// Description.
    pub description: String,
    /// 0 = always shown, >0 = `-o wide`.
    pub priority: i64,
    /// The path, parsed (None when it does not parse: the cell stays empty).
    pub path: Option<JsonPath>,
}

/// The printer of one custom resource version.
#[derive(Debug, Clone)]
pub struct Printer {
    columns: Vec<Column>,
}

impl Printer {
    /// From a version's `additionalPrinterColumns` (JSON array); none gives upstream's `Age`.
    pub fn new(columns: Option<&Value>) -> Printer {
        let declared: Vec<Column> = columns
            .and_then(Value::as_array)
            .map(|cols| {
                cols.iter()
                    .map(|c| {
                        let s =
                            |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                        let jp = s("jsonPath");
                        let description = if s("description").is_empty() {
                            format!("Custom resource definition column (in JSONPath format): {jp}")
                        } else {
                            s("description")
                        };
                        Column {
                            name: s("name"),
                            type_: s("type"),
                            format: s("format"),
                            description,
                            priority: c.get("priority").and_then(Value::as_i64).unwrap_or(0),
                            path: JsonPath::parse(&jp).ok(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let columns = if declared.is_empty() {
            vec![Column {
                name: "Age".into(),
                type_: "date".into(),
                format: String::new(),
                description: AGE_DESCRIPTION.into(),
                priority: 0,
                path: JsonPath::parse(".metadata.creationTimestamp").ok(),
            }]
        } else {
            declared
        };
        Printer { columns }
    }

    /// `Table.columnDefinitions`.
    pub fn column_definitions(&self) -> Vec<Value> {
        let mut out = vec![
            json!({"name": "Name", "type": "string", "format": "name", "description": NAME_DESCRIPTION, "priority": 0}),
        ];
        out.extend(self.columns.iter().map(|c| {
            json!({"name": c.name, "type": c.type_, "format": c.format, "description": c.description, "priority": c.priority})
        }));
        out
    }

    /// One row's cells.
    pub fn cells(&self, obj: &Value, now: jiff::Timestamp) -> Vec<Value> {
        let name = obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let mut out = vec![json!(name)];
        for c in &self.columns {
            let found = c.path.as_ref().and_then(|p| p.first(obj));
            out.push(match found {
                None | Some(Value::Null) => Value::Null,
                Some(v) => cell(&c.type_, v, now),
            });
        }
        out
    }
}

/// A cell as upstream's `cellForJSONValue` (and jsonpath printing for strings) makes it.
fn cell(type_: &str, v: &Value, now: jiff::Timestamp) -> Value {
    match type_ {
        "string" => Value::String(print_text(v)),
        "integer" => match v {
            Value::Number(n) => n
                .as_i64()
                .map(Value::from)
                .or_else(|| n.as_f64().map(|f| Value::from(f as i64)))
                .unwrap_or(Value::Null),
            _ => Value::Null,
        },
        "number" => match v {
            Value::Number(n) => n.as_f64().map(Value::from).unwrap_or(Value::Null),
            _ => Value::Null,
        },
        "boolean" => match v {
            Value::Bool(b) => Value::Bool(*b),
            _ => Value::Null,
        },
        "date" => match v {
            Value::String(s) => match s.parse::<jiff::Timestamp>() {
                Ok(t) => {
                    let d = now.duration_since(t);
                    let nanos = d.as_nanos();
                    let std = std::time::Duration::from_nanos(
                        nanos.max(0).try_into().unwrap_or(u64::MAX),
                    );
                    if nanos < 0 {
                        Value::String(crate::printers::human_duration(std::time::Duration::ZERO))
                    } else {
                        Value::String(human_duration(std))
                    }
                }
                Err(_) => Value::String("<invalid>".into()),
            },
            _ => Value::Null,
        },
        _ => Value::Null,
    }
}

/// How kubectl's JSONPath printer writes one value: strings bare, scalars as Go prints them,
/// objects and arrays as JSON.
fn print_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => super::objects::go_float(n.as_f64().unwrap_or(0.0)),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}
