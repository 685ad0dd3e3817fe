//! OpenAPI: the schemas of every served kind and the documents built from them.
//!
//! Schemas come from the types (`k8s-openapi` with its `schemars` feature, see
//! [`definitions`]), decorated with the merge extensions of the `schema` module, under
//! upstream's definition names. They serve:
//!
//! * `/openapi/v3` — an index of one document per group version, each with a stable
//!   `?hash=`; the documents list every resource's operations (the PATCH operations carry
//!   `x-kubernetes-group-version-kind` and a `fieldValidation` parameter, which is how
//!   kubectl ≥ 1.29 and helm 4 decide to let the server validate fields) and every schema
//!   they refer to, which is what `kubectl explain` reads;
//! * `/openapi/v2` — gnostic protobuf with the PATCH operations and all `definitions`, for
//!   kubectl 1.27/1.28 (validation, explain and client-side apply's merge metadata);
//! * `fieldValidation` (see `crate::fieldvalidation`), which walks objects along them.
//!
//! # Custom resources
//!
//! Custom kinds contribute their structural schemas through the registry's [`Catalog`]:
//! `registry.openapi().set_custom_schemas(group, kind, versions)` with one
//! [`CustomSchema`] per served version (an empty list removes them). Each becomes
//! `<reversed group>.<version>.<Kind>` (upstream's naming) with the standard `apiVersion`,
//! `kind` and `metadata` fields added. The free functions [`v3_document`] and
//! [`v2_document`] take such entries directly.
//!
//! Documents are built on first request and cached until the served resources or the
//! custom schemas change.

pub mod definitions;
mod extensions;
mod v3;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use bytes::Bytes;
use kubesim_api::{KUBERNETES_VERSION, ResourceTable};
use serde_json::{Map, Value, json};

pub use definitions::{Builtin, BuiltinKind, builtin};
pub use v3::{custom_definition_name, custom_schema as published_custom_schema, gv_path};

use crate::protobuf::{OpenApiV2Op, openapi_v2_document_with_definitions};

/// The schema of one served version of a custom kind.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomSchema {
    /// API group.
    pub group: String,
    /// Version.
    pub version: String,
    /// Kind.
    pub kind: String,
    /// The version's `openAPIV3Schema` (`null` when the CRD gives none).
    pub schema: Value,
}

/// The v3 document of `group`/`version` with the built-in schemas and those in `custom`;
/// `None` if nothing is served there.
pub fn v3_document(
    table: &ResourceTable,
    custom: &[CustomSchema],
    group: &str,
    version: &str,
) -> Option<Value> {
    v3::document(table, &v3::Schemas::new(custom), group, version)
}

/// The gnostic protobuf `/openapi/v2` with the built-in schemas and those in `custom`.
pub fn v2_document(table: &ResourceTable, custom: &[CustomSchema]) -> Vec<u8> {
    let schemas = v3::Schemas::new(custom);
    let ops: Vec<OpenApiV2Op> = table
        .all()
        .iter()
        .filter(|d| !d.virtual_only && d.has_verb("patch"))
        .map(|d| OpenApiV2Op {
            path: object_path(d),
            group: d.group.clone(),
            version: d.version.clone(),
            kind: d.kind.clone(),
        })
        .collect();
    let mut roots: Vec<String> = builtin().definitions.keys().cloned().collect();
    for d in table.all() {
        roots.extend(schemas.definition(&d.group, &d.version, &d.kind));
    }
    let definitions: Vec<(String, Value)> = schemas
        .closure(roots)
        .into_iter()
        .map(|(name, mut schema)| {
            to_v2(&mut schema);
            (name, schema)
        })
        .collect();
    openapi_v2_document_with_definitions(&ops, &definitions, KUBERNETES_VERSION)
}

fn object_path(d: &kubesim_api::ResourceDef) -> String {
    let base = format!("/{}", gv_path(&d.group, &d.version));
    if d.namespaced {
        format!("{base}/namespaces/{{namespace}}/{}/{{name}}", d.plural)
    } else {
        format!("{base}/{}/{{name}}", d.plural)
    }
}

/// Rewrites a v3 schema into Swagger 2.0's shape: `#/definitions/` references, and a
/// described reference as `$ref` with sibling `description` (as upstream's v2 has it).
fn to_v2(schema: &mut Value) {
    let Value::Object(m) = schema else {
        return;
    };
    if let Some(Value::Array(all)) = m.get("allOf")
        && all.len() == 1
        && all[0].get("$ref").is_some()
        && !m.contains_key("properties")
    {
        let reference = all[0]["$ref"].clone();
        m.remove("allOf");
        let mut rebuilt = Map::new();
        rebuilt.insert("$ref".into(), reference);
        rebuilt.extend(std::mem::take(m));
        *m = rebuilt;
    }
    if let Some(Value::String(r)) = m.get_mut("$ref")
        && let Some(name) = r.strip_prefix(definitions::REF_PREFIX)
    {
        *r = format!("#/definitions/{name}");
    }
    if let Some(Value::Object(props)) = m.get_mut("properties") {
        props.values_mut().for_each(to_v2);
    }
    for key in ["items", "additionalProperties"] {
        if let Some(sub) = m.get_mut(key) {
            to_v2(sub);
        }
    }
    if let Some(Value::Array(all)) = m.get_mut("allOf") {
        all.iter_mut().for_each(to_v2);
    }
}

/// A served document: its bytes and the hash clients see in `?hash=`.
#[derive(Debug, Clone)]
pub struct Served {
    /// The encoded document.
    pub body: Bytes,
    /// Upper-case hex digest of `body`.
    pub hash: String,
}

#[derive(Debug)]
struct Cached {
    fingerprint: u64,
    served: Served,
}

/// The OpenAPI state of one API server: the custom kinds' schemas and the cached documents.
#[derive(Debug, Default)]
pub struct Catalog {
    custom: RwLock<Vec<CustomSchema>>,
    generation: std::sync::atomic::AtomicU64,
    v3: Mutex<HashMap<(String, String), Arc<Cached>>>,
    v2: Mutex<Option<Arc<Cached>>>,
}

impl Catalog {
    /// Replaces the schemas of custom kind `group`/`kind` with `versions` (one entry per
    /// served version; empty removes the kind).
    pub fn set_custom_schemas(&self, group: &str, kind: &str, versions: Vec<CustomSchema>) {
        let mut custom = self.custom.write().unwrap_or_else(|e| e.into_inner());
        custom.retain(|c| !(c.group == group && c.kind == kind));
        custom.extend(versions);
        drop(custom);
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// Every custom schema.
    pub fn custom_schemas(&self) -> Vec<CustomSchema> {
        self.custom
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The schema of custom kind `group`/`version`/`kind`, as given.
    pub fn custom_schema(&self, group: &str, version: &str, kind: &str) -> Option<Value> {
        self.custom
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|c| c.group == group && c.version == version && c.kind == kind)
            .map(|c| c.schema.clone())
    }

    fn fingerprint(&self, table: &ResourceTable, gv: Option<(&str, &str)>) -> u64 {
        let mut text = String::new();
        for d in table.all() {
            if gv.is_none_or(|(g, v)| d.group == g && d.version == v) {
                text.push_str(&format!("{d:?}\n"));
            }
        }
        text.push_str(
            &self
                .generation
                .load(std::sync::atomic::Ordering::SeqCst)
                .to_string(),
        );
        fnv(text.as_bytes())
    }

    /// The v3 document of `group`/`version`, if anything is served there.
    pub fn v3_document(&self, table: &ResourceTable, group: &str, version: &str) -> Option<Served> {
        let fingerprint = self.fingerprint(table, Some((group, version)));
        let key = (group.to_string(), version.to_string());
        if let Some(c) = self.v3.lock().unwrap_or_else(|e| e.into_inner()).get(&key)
            && c.fingerprint == fingerprint
        {
            return Some(c.served.clone());
        }
        let custom = self.custom_schemas();
        let doc = v3_document(table, &custom, group, version)?;
        let body = Bytes::from(serde_json::to_vec(&doc).unwrap_or_default());
        let served = Served {
            hash: format!("{:016X}", fnv(&body)),
            body,
        };
        self.v3.lock().unwrap_or_else(|e| e.into_inner()).insert(
            key,
            Arc::new(Cached {
                fingerprint,
                served: served.clone(),
            }),
        );
        Some(served)
    }

    /// `/openapi/v3`: `{"paths": {"apis/apps/v1": {"serverRelativeURL": ...}}}`.
    pub fn v3_index(&self, table: &ResourceTable) -> Value {
        let mut paths = Map::new();
        for (group, versions) in table.groups() {
            for version in versions {
                if let Some(doc) = self.v3_document(table, &group, &version) {
                    let p = gv_path(&group, &version);
                    paths.insert(
                        p.clone(),
                        json!({"serverRelativeURL": format!("/openapi/v3/{p}?hash={}", doc.hash)}),
                    );
                }
            }
        }
        json!({"paths": paths})
    }

    /// `/openapi/v2` as gnostic protobuf.
    pub fn v2_document(&self, table: &ResourceTable) -> Served {
        let fingerprint = self.fingerprint(table, None);
        if let Some(c) = self.v2.lock().unwrap_or_else(|e| e.into_inner()).as_ref()
            && c.fingerprint == fingerprint
        {
            return c.served.clone();
        }
        let body = Bytes::from(v2_document(table, &self.custom_schemas()));
        let served = Served {
            hash: format!("{:016X}", fnv(&body)),
            body,
        };
        *self.v2.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(Cached {
            fingerprint,
            served: served.clone(),
        }));
        served
    }
}

/// FNV-1a, 64 bits: a stable digest for `?hash=` and cache keys.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_form_uses_definitions_and_ref_siblings() {
        let mut s = json!({"properties": {"spec": {"allOf": [{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"}], "description": "d"}}});
        to_v2(&mut s);
        assert_eq!(
            s["properties"]["spec"],
            json!({"$ref": "#/definitions/io.k8s.api.apps.v1.DeploymentSpec", "description": "d"})
        );
    }

    #[test]
    fn index_hashes_are_stable_and_follow_content() {
        let table = ResourceTable::builtin();
        let catalog = Catalog::default();
        let a = catalog.v3_index(&table);
        let b = catalog.v3_index(&table);
        assert_eq!(a, b);
        let url = a["paths"]["apis/apps/v1"]["serverRelativeURL"]
            .as_str()
            .expect("apps/v1 listed");
        assert!(url.starts_with("/openapi/v3/apis/apps/v1?hash="), "{url}");
        assert!(a["paths"]["api/v1"].is_object());
        let fresh = Catalog::default().v3_index(&table);
        assert_eq!(a, fresh, "hashes do not depend on the process state");
    }

    #[test]
    fn v2_carries_definitions_with_merge_keys() {
        let table = ResourceTable::builtin();
        let doc = Catalog::default().v2_document(&table);
        let text = String::from_utf8_lossy(&doc.body);
        assert!(text.contains("io.k8s.api.apps.v1.Deployment"));
        assert!(text.contains("x-kubernetes-patch-merge-key"));
        assert!(text.contains("#/definitions/io.k8s.api.core.v1.PodSpec"));
    }
}
