//! Server-side apply (`application/apply-patch+yaml`): merges the applied configuration into the
//! live object by field ownership, records `managedFields`, and reports conflicts. The merge
//! itself lives in [`crate::ssa`]; this is the request around it: PatchOptions checks, decoding,
//! identity checks, preconditions, and the normal create or update path (defaults, validation,
//! generation, resourceVersion compare-and-swap with retries).

use std::sync::Arc;

use kubesim_api::{ApiError, Cause, ResourceDef};
use serde_json::{Value, json};

use super::{MAX_RETRIES, Registry, Retry, Target, WriteContext, meta};
use crate::ssa::{self, schema::Schema};

/// How a write records `metadata.managedFields`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tracking {
    /// A non-apply write: the writer's changes become its `Update` entry.
    Update,
    /// An apply: the object already carries the managedFields the apply computed.
    Applied,
}

/// The storage key of the CustomResourceDefinition serving `def`.
fn crd_key(def: &ResourceDef) -> String {
    format!(
        "apiextensions.k8s.io/customresourcedefinitions/{}.{}",
        def.plural, def.group
    )
}

/// The `openAPIV3Schema` a CRD declares for `version`.
fn crd_version_schema(crd: &Value, version: &str) -> Option<Value> {
    let versions = crd.pointer("/spec/versions").and_then(Value::as_array);
    let per_version = versions.and_then(|vs| {
        vs.iter()
            .find(|v| v.get("name").and_then(Value::as_str) == Some(version))
            .and_then(|v| v.pointer("/schema/openAPIV3Schema"))
    });
    per_version
        .or_else(|| crd.pointer("/spec/validation/openAPIV3Schema"))
        .cloned()
}

/// Checks that the object about to be written is the one the URL names (upstream's `checkName`).
fn check_name(
    def: &ResourceDef,
    obj: &Value,
    ns: Option<&str>,
    name: &str,
) -> Result<(), ApiError> {
    let obj_name = meta::meta_str(obj, "name");
    if obj_name.is_empty() {
        return Err(ApiError::BadRequest(format!(
            "the name of the object ({name} based on URL) was undeterminable: name parameter required."
        )));
    }
    if obj_name != name {
        return Err(ApiError::BadRequest(format!(
            "the name of the object ({obj_name}) does not match the name on the URL ({name})"
        )));
    }
    let obj_ns = meta::meta_str(obj, "namespace");
    if def.namespaced
        && let Some(ns) = ns.filter(|n| !n.is_empty())
        && !obj_ns.is_empty()
        && obj_ns != ns
    {
        return Err(ApiError::BadRequest(format!(
            "the namespace of the object ({obj_ns}) does not match the namespace on the URL ({ns})"
        )));
    }
    Ok(())
}

/// Decodes an apply body (YAML, of which JSON is a subset) into an object.
fn decode_config(body: &[u8]) -> Result<Value, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| ApiError::BadRequest(format!("error decoding YAML: {e}")))?;
    let v: Value = if text.trim().is_empty() {
        json!({})
    } else {
        serde_saphyr::from_str(text)
            .map_err(|e| ApiError::BadRequest(format!("error decoding YAML: {e}")))?
    };
    match v {
        Value::Object(_) => Ok(v),
        Value::Null => Ok(json!({})),
        other => Err(ApiError::BadRequest(format!(
            "error decoding YAML: cannot unmarshal {} into an object",
            match other {
                Value::Array(_) => "a list",
                _ => "a scalar",
            }
        ))),
    }
}

/// The group, version and kind an applied configuration names, printed as Go prints a GVK.
fn config_gvk(config: &Value) -> (String, String, String) {
    let av = config
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let (group, version) = match av.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), av.to_string()),
    };
    let kind = config
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    (group, version, kind)
}

impl Registry {
    /// The field schema server-side apply walks objects of `def` with: the built-in table, a
    /// custom resource's CRD structural schema, or untyped.
    pub fn ssa_schema(&self, def: &ResourceDef) -> Arc<dyn Schema> {
        if ssa::schema::is_builtin(def) {
            return ssa::schema::builtin(def);
        }
        let crd = self.store.get(&crd_key(def)).ok().flatten();
        let schema = crd
            .as_ref()
            .and_then(|v| crd_version_schema(&v.object, &def.version));
        ssa::schema::for_resource(def, schema.as_ref())
    }

    /// PATCH with `application/apply-patch+yaml`: creates the object when absent (`true` in the
    /// answer), else merges the configuration into it by field ownership.
    // SIMPLIFICATION: apply to the `scale` subresource is not supported, and `fieldValidation`
    // does not look for duplicate keys in the YAML body; see README#differences.
    pub async fn apply(
        &self,
        def: &ResourceDef,
        ns: Option<&str>,
        name: &str,
        body: &[u8],
        target: Target,
        ctx: &WriteContext,
    ) -> Result<(Value, bool), ApiError> {
        let manager = ctx.field_manager.as_deref().unwrap_or("");
        if manager.is_empty() {
            return Err(ApiError::invalid(
                "meta.k8s.io",
                "PatchOptions",
                "",
                vec![Cause::required(
                    "fieldManager",
                    "is required for apply patch",
                )],
            ));
        }
        let config = decode_config(body)?;
        let (group, version, kind) = config_gvk(&config);
        if group != def.group || version != def.version || kind != def.kind {
            return Err(ApiError::BadRequest(format!(
                "invalid object type: {group}/{version}, Kind={kind}"
            )));
        }
        if config
            .pointer("/metadata/managedFields")
            .is_some_and(|v| !v.is_null())
        {
            return Err(ApiError::BadRequest(
                "metadata.managedFields must be nil".into(),
            ));
        }
        let precondition = match meta::meta_str(&config, "resourceVersion") {
            "" => None,
            rv => Some(
                rv.parse::<u64>()
                    .map_err(|_| ApiError::BadRequest(format!("invalid resourceVersion {rv:?}")))?,
            ),
        };
        let uid = meta::meta_str(&config, "uid").to_string();
        let schema = self.ssa_schema(def);
        let scope = ssa::Scope::new(&*schema, def, target == Target::Status);
        let key = Self::key(def, ns, name);
        for _ in 0..MAX_RETRIES {
            let current = self
                .store
                .get(&key)
                .map_err(|e| Self::store_err(def, name, e))?;
            let Some(current) = current else {
                if target == Target::Status {
                    return Err(ApiError::not_found(&def.group, &def.plural, name));
                }
                let mut obj = ssa::apply(&scope, None, &config, manager, ctx.force)?;
                if !uid.is_empty() {
                    return Err(ApiError::conflict(
                        &def.group,
                        &def.plural,
                        name,
                        &format!(
                            "uid mismatch: the provided object specified uid {uid}, and no existing object was found"
                        ),
                    ));
                }
                check_name(def, &obj, ns, name)?;
                if precondition.is_some() {
                    // Nothing exists at the requested revision.
                    return Err(ApiError::not_found(&def.group, &def.plural, name));
                }
                meta::meta_mut(&mut obj).remove("resourceVersion");
                match self
                    .create_tracked(def, ns, obj, ctx, Tracking::Applied)
                    .await
                {
                    Err(ApiError::AlreadyExists { .. }) => continue,
                    other => return other.map(|o| (o, true)),
                }
            };
            if let Some(rv) = precondition
                && rv != current.rv
            {
                return Err(ApiError::conflict_modified(&def.group, &def.plural, name));
            }
            let live = self.output(def, &current.object)?;
            let have_uid = meta::meta_str(&live, "uid");
            if !uid.is_empty() && uid != have_uid {
                return Err(ApiError::conflict(
                    &def.group,
                    &def.plural,
                    name,
                    &format!(
                        "Precondition failed: UID in precondition: {uid}, UID in object meta: {have_uid}"
                    ),
                ));
            }
            let obj = ssa::apply(&scope, Some(&live), &config, manager, ctx.force)?;
            check_name(def, &obj, ns, name)?;
            match self
                .write_update(
                    def,
                    &key,
                    name,
                    &current,
                    obj,
                    target,
                    ctx,
                    Tracking::Applied,
                )
                .await
            {
                Ok(v) => return Ok((v, false)),
                Err(Retry::Again(_)) if precondition.is_none() => continue,
                Err(Retry::Again(_)) => {
                    return Err(ApiError::conflict_modified(&def.group, &def.plural, name));
                }
                Err(Retry::Fail(e)) => return Err(e),
            }
        }
        Err(ApiError::conflict_modified(&def.group, &def.plural, name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crd_schema_is_found_per_version() {
        let crd = json!({"spec": {"versions": [
            {"name": "v1", "schema": {"openAPIV3Schema": {"type": "object", "x": 1}}},
            {"name": "v2", "schema": {"openAPIV3Schema": {"type": "object", "x": 2}}}
        ]}});
        assert_eq!(crd_version_schema(&crd, "v2").unwrap()["x"], 2);
        assert!(crd_version_schema(&crd, "v3").is_none());
    }

    #[test]
    fn configs_decode_from_yaml_and_json() {
        let y = decode_config(b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n").unwrap();
        assert_eq!(y["metadata"]["name"], "a");
        let j = decode_config(br#"{"apiVersion":"v1","kind":"ConfigMap"}"#).unwrap();
        assert_eq!(config_gvk(&j), ("".into(), "v1".into(), "ConfigMap".into()));
        assert_eq!(decode_config(b"").unwrap(), json!({}));
        assert!(decode_config(b"- a\n- b\n").is_err());
    }
}
