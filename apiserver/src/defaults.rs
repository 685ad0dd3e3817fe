//! TEMPORARY STUB: server-side defaults.
#![allow(missing_docs, unused_variables)]
pub fn apply_defaults(def: &kubesim_api::ResourceDef, obj: &mut serde_json::Value) {}
