//! TEMPORARY STUB: table printers.
#![allow(missing_docs, unused_variables)]
pub struct Column { pub name: &'static str, pub type_: &'static str, pub format: &'static str, pub description: &'static str, pub priority: i32 }
pub fn columns(def: &kubesim_api::ResourceDef) -> Vec<Column> {
    vec![Column { name: "Name", type_: "string", format: "name", description: "Name must be unique", priority: 0 },
         Column { name: "Age", type_: "string", format: "", description: "", priority: 0 }]
}
pub fn cells(def: &kubesim_api::ResourceDef, obj: &serde_json::Value, now: jiff::Timestamp) -> Vec<serde_json::Value> {
    vec![obj["metadata"]["name"].clone(), "0s".into()]
}
pub fn human_duration(d: std::time::Duration) -> String { format!("{}s", d.as_secs()) }
