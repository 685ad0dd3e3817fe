//! The `x-kubernetes-*` merge extensions of the built-in definitions: strategic merge patch
//! strategies and merge keys, and server-side apply list and map types.
//!
//! They tell clients how lists and maps merge: kubectl 1.27/1.28 compute client-side apply
//! patches from the `/openapi/v2` definitions, so a list field without its merge key would
//! be replaced instead of merged.

use serde_json::{Value, json};

use crate::schema::{self, ListType, PatchStrategy};

/// Adds the merge extensions of definition `name` to its schema: on each property, and
/// `x-kubernetes-map-type: atomic` on structs that are atomic as a whole.
pub fn decorate(name: &str, schema: &mut Value) {
    let Some(ty) = schema::type_named(name) else {
        return;
    };
    let info = ty.info();
    let Value::Object(m) = schema else {
        return;
    };
    if info.atomic {
        m.insert("x-kubernetes-map-type".into(), json!("atomic"));
    }
    let Some(Value::Object(props)) = m.get_mut("properties") else {
        return;
    };
    for (prop, sub) in props.iter_mut() {
        let Some(field) = ty.field(prop) else {
            continue;
        };
        let Value::Object(sub) = sub else {
            continue;
        };
        let strategy = match field.patch_strategy {
            PatchStrategy::Merge => Some("merge"),
            PatchStrategy::RetainKeys => Some("retainKeys"),
            PatchStrategy::MergeRetainKeys => Some("merge,retainKeys"),
            PatchStrategy::Replace => Some("replace"),
            PatchStrategy::Unspecified => None,
        };
        if let Some(s) = strategy {
            sub.insert("x-kubernetes-patch-strategy".into(), json!(s));
        }
        if let Some(key) = &field.patch_merge_key {
            sub.insert("x-kubernetes-patch-merge-key".into(), json!(key));
        }
        match &field.list_type {
            Some(ListType::Atomic) => {
                sub.insert("x-kubernetes-list-type".into(), json!("atomic"));
            }
            Some(ListType::Set) => {
                sub.insert("x-kubernetes-list-type".into(), json!("set"));
            }
            Some(ListType::Map(keys)) => {
                sub.insert("x-kubernetes-list-type".into(), json!("map"));
                sub.insert("x-kubernetes-list-map-keys".into(), json!(keys));
            }
            None => {}
        }
        if field.map_atomic {
            sub.insert("x-kubernetes-map-type".into(), json!("atomic"));
        }
    }
}
