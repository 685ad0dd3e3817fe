//! OpenAPI documents, as far as clients need them to validate writes: `/openapi/v3` (an index and
//! one document per group version whose PATCH operations carry the GVK and a `fieldValidation`
//! parameter) and the protobuf `/openapi/v2` that kubectl 1.27 and 1.28 read.
// SIMPLIFICATION: the documents carry no schemas yet, so `kubectl explain` has nothing to show;
// schemas from the types come with declarative management (issue 3); see README#differences.

use kubesim_api::{KUBERNETES_VERSION, ResourceDef, ResourceTable};
use serde_json::{Map, Value, json};

use crate::protobuf::{OpenApiV2Op, openapi_v2_document};

/// The URL path of one group version in the v3 index (`api/v1`, `apis/apps/v1`).
pub fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

fn object_path(d: &ResourceDef) -> String {
    let base = format!("/{}", gv_path(&d.group, &d.version));
    if d.namespaced {
        format!("{base}/namespaces/{{namespace}}/{}/{{name}}", d.plural)
    } else {
        format!("{base}/{}/{{name}}", d.plural)
    }
}

/// A short stable hash of a document, for `?hash=` URLs.
fn hash(v: &Value) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.to_string().hash(&mut h);
    format!("{:016X}", h.finish())
}

/// `/openapi/v3`.
pub fn v3_index(table: &ResourceTable) -> Value {
    let mut paths = Map::new();
    for (group, versions) in table.groups() {
        for v in versions {
            let doc = v3_document(table, &group, &v);
            let p = gv_path(&group, &v);
            paths.insert(
                p.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{p}?hash={}", hash(&doc))}),
            );
        }
    }
    json!({"paths": paths})
}

/// `/openapi/v3/{api/v1 | apis/g/v}`, if served.
pub fn v3_document(table: &ResourceTable, group: &str, version: &str) -> Value {
    let mut paths = Map::new();
    for d in table.in_group_version(group, version) {
        if d.virtual_only {
            continue;
        }
        let op = json!({
            "x-kubernetes-group-version-kind": {"group": d.group, "version": d.version, "kind": d.kind},
            "parameters": [
                {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true},
                 "description": "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields."},
                {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": true}}
            ],
            "responses": {"200": {"description": "OK"}}
        });
        paths.insert(object_path(d), json!({"patch": op}));
    }
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION},
        "paths": paths,
        "components": {"schemas": {}}
    })
}

/// `/openapi/v2` as gnostic protobuf.
pub fn v2_protobuf(table: &ResourceTable) -> Vec<u8> {
    let ops: Vec<OpenApiV2Op> = table
        .all()
        .iter()
        .filter(|d| !d.virtual_only)
        .map(|d| OpenApiV2Op {
            path: object_path(d),
            group: d.group.clone(),
            version: d.version.clone(),
            kind: d.kind.clone(),
        })
        .collect();
    openapi_v2_document(&ops, KUBERNETES_VERSION)
}
