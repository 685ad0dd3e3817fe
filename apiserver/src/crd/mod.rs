//! CustomResourceDefinitions and custom resources.
//!
//! A CRD is an ordinary stored object (`apiextensions.k8s.io/v1`); this module gives it its
//! meaning, hooked into the registry's single write path:
//!
//! - **The CRD itself** — defaults, validation with upstream's messages ([`definition`]), and the
//!   status upstream's naming/establishing controllers maintain, computed as part of the write so
//!   that the CRD is `Established` when its create returns.
//! - **Serving** — after every CRD write the served versions are rebuilt from the stored CRDs
//!   ([`Crds::sync`]) and replace the custom part of the resource table, so discovery, routing,
//!   short names and categories follow. The same rebuild runs when the registry is built, so CRDs
//!   survive a restart.
//! - **Custom resources** — pruning of unknown fields (with `fieldValidation` semantics),
//!   defaulting, schema validation with kube-openapi's wording, CEL rules ([`cel`]), the status
//!   and scale subresources, printer columns ([`printer`]), and 415 for strategic merge patches.
//! - **Deletion** — deleting a CRD marks it with the `customresourcecleanup.apiextensions.k8s.io`
//!   finalizer and a `Terminating` condition, deletes its objects, then lets the CRD go.
//!
//! For other parts of the server (OpenAPI, field validation, server-side apply) the structural
//! schema of a served group/version/kind is [`Crds::schema`].

pub mod cel;
pub mod definition;
pub mod jsonpath;
pub mod objects;
pub mod path;
pub mod printer;
pub mod schema;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use kubesim_api::{ApiError, Cause, ResourceDef};
use serde_json::{Value, json};

pub use definition::{CLEANUP_FINALIZER, ScalePaths, ServedVersion};
pub use schema::Schema;

use crate::registry::{PatchType, Registry, ScaleChange, Target, WriteContext, meta};
use crate::storage::StoreError;

/// The API group of CustomResourceDefinitions.
pub const GROUP: &str = "apiextensions.k8s.io";
/// Store prefix of CustomResourceDefinitions.
const CRD_PREFIX: &str = "apiextensions.k8s.io/customresourcedefinitions/";

/// Whether `def` is the CustomResourceDefinition resource itself.
pub fn is_crd(def: &ResourceDef) -> bool {
    def.group == GROUP && def.plural == "customresourcedefinitions"
}

/// What the served custom resources are, rebuilt from the stored CRDs after every CRD write.
#[derive(Default)]
struct Index {
    /// Every served version, in discovery order.
    versions: Vec<Arc<ServedVersion>>,
    /// Per CRD: the resourceVersion its versions were built from (a cache), and the versions.
    by_crd: HashMap<String, (u64, Vec<Arc<ServedVersion>>)>,
    /// Storage prefixes of custom resources.
    storages: HashSet<String>,
}

/// The custom resources a registry serves.
#[derive(Default)]
pub struct Crds {
    index: RwLock<Arc<Index>>,
    sync_lock: Mutex<()>,
}

impl Crds {
    /// An empty set (no CRDs).
    pub fn new() -> Self {
        Crds::default()
    }

    fn snapshot(&self) -> Arc<Index> {
        self.index.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The served version behind a resource of the table, if it is a custom resource.
    pub fn served(&self, def: &ResourceDef) -> Option<Arc<ServedVersion>> {
        self.snapshot()
            .versions
            .iter()
            .find(|v| {
                v.def.group == def.group
                    && v.def.version == def.version
                    && v.def.plural == def.plural
            })
            .cloned()
    }

    /// Whether `def` is a custom resource.
    pub fn is_custom(&self, def: &ResourceDef) -> bool {
        self.snapshot().storages.contains(&def.storage)
    }

    /// Every served custom resource version, in discovery order.
    pub fn all(&self) -> Vec<Arc<ServedVersion>> {
        self.snapshot().versions.clone()
    }

    /// The structural schema of a served custom resource `group`/`version`/`kind`: what the
    /// OpenAPI documents publish, what field validation and server-side apply read.
    pub fn schema(&self, group: &str, version: &str, kind: &str) -> Option<Arc<Schema>> {
        self.snapshot()
            .versions
            .iter()
            .find(|v| v.def.group == group && v.def.version == version && v.def.kind == kind)
            .and_then(|v| v.schema.clone())
    }

    /// Rebuilds the served versions from the stored CRDs and puts them in the registry's table.
    pub fn sync(&self, reg: &Registry) {
        let _guard = self.sync_lock.lock().unwrap_or_else(|e| e.into_inner());
        let stored = match reg.store().list(CRD_PREFIX, None, None) {
            Ok(page) => page.items,
            Err(e) => {
                tracing::error!(error = %e, "Listing CustomResourceDefinitions failed.");
                return;
            }
        };
        let old = self.snapshot();
        let builtin: HashSet<(String, String)> = kubesim_api::resources::builtin()
            .into_iter()
            .map(|d| (d.group, d.plural))
            .collect();
        let mut by_crd = HashMap::new();
        let mut all: Vec<Arc<ServedVersion>> = Vec::new();
        for v in &stored {
            let name = meta::meta_str(&v.object, "name").to_string();
            let versions = match old.by_crd.get(&name) {
                Some((rv, versions)) if *rv == v.rv => versions.clone(),
                _ => definition::served_versions(&v.object)
                    .into_iter()
                    .map(Arc::new)
                    .collect(),
            };
            // A CRD never shadows a built-in resource.
            let versions: Vec<Arc<ServedVersion>> = versions
                .into_iter()
                .filter(|sv| !builtin.contains(&(sv.def.group.clone(), sv.def.plural.clone())))
                .collect();
            all.extend(versions.iter().cloned());
            by_crd.insert(name, (v.rv, versions));
        }
        // Groups alphabetically, versions by priority within a group, resources by name.
        all.sort_by(|a, b| {
            a.def
                .group
                .cmp(&b.def.group)
                .then_with(|| definition::compare_versions(&a.def.version, &b.def.version))
                .then_with(|| a.def.plural.cmp(&b.def.plural))
        });
        let storages: HashSet<String> = all.iter().map(|v| v.def.storage.clone()).collect();
        let mut drop: HashSet<String> = old.storages.clone();
        drop.extend(storages.iter().cloned());
        reg.replace_custom_resources(&drop, all.iter().map(|v| v.def.clone()).collect());
        publish_schemas(reg, &old.versions, &all);
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(Index {
            versions: all,
            by_crd,
            storages,
        });
    }
}

/// Hands the served versions' schemas to the OpenAPI catalog (only kinds that changed).
fn publish_schemas(reg: &Registry, old: &[Arc<ServedVersion>], new: &[Arc<ServedVersion>]) {
    let entries = |list: &[Arc<ServedVersion>],
                   group: &str,
                   kind: &str|
     -> Vec<crate::openapi::CustomSchema> {
        list.iter()
            .filter(|v| v.def.group == group && v.def.kind == kind)
            .map(|v| crate::openapi::CustomSchema {
                group: v.def.group.clone(),
                version: v.def.version.clone(),
                kind: v.def.kind.clone(),
                schema: v
                    .schema
                    .as_ref()
                    .map(|s| s.to_json())
                    .unwrap_or(Value::Null),
            })
            .collect()
    };
    let mut kinds: Vec<(String, String)> = old
        .iter()
        .chain(new)
        .map(|v| (v.def.group.clone(), v.def.kind.clone()))
        .collect();
    kinds.sort();
    kinds.dedup();
    for (group, kind) in kinds {
        let before = entries(old, &group, &kind);
        let after = entries(new, &group, &kind);
        if before != after {
            reg.openapi().set_custom_schemas(&group, &kind, after);
        }
    }
}

fn other_crds(reg: &Registry) -> Vec<Value> {
    reg.store()
        .list(CRD_PREFIX, None, None)
        .map(|p| p.items.into_iter().map(|v| (*v.object).clone()).collect())
        .unwrap_or_default()
}

/// Prunes, defaults and drops disallowed nulls of a custom resource; unknown (and duplicate)
/// fields are reported as `ctx.field_validation` says, by `fieldvalidation::check_custom`.
fn process(sv: &ServedVersion, obj: &mut Value, ctx: &WriteContext) -> Result<(), ApiError> {
    let Some(schema) = &sv.schema else {
        return Ok(());
    };
    without_managed_fields(obj, |o| {
        crate::fieldvalidation::check_custom(&sv.def, &schema.raw, o, ctx)
    })?;
    // Whatever the report left (nothing, normally) is pruned silently.
    objects::prune_object(obj, schema);
    objects::default_value(obj, schema);
    objects::prune_nulls(obj, schema);
    Ok(())
}

/// Runs `f` on `obj` with `metadata.managedFields` set aside: they are the server's own record
/// (their `fieldsV1` sets are free-form) and are never the client's unknown fields.
fn without_managed_fields<T>(obj: &mut Value, f: impl FnOnce(&mut Value) -> T) -> T {
    let saved = obj
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
        .and_then(|m| m.remove("managedFields"));
    let out = f(obj);
    if let Some(mf) = saved {
        meta::meta_mut(obj).insert("managedFields".into(), mf);
    }
    out
}

/// Hook: a patched custom resource, before the write: unknown fields reported as upstream's
/// patch handler reports them (422 `patch: Invalid value: ...` in Strict mode).
pub(crate) fn check_patch(
    reg: &Registry,
    def: &ResourceDef,
    patched: &mut Value,
    pt: PatchType,
    body: &[u8],
    ctx: &WriteContext,
) -> Result<(), ApiError> {
    match reg.crds().served(def) {
        Some(sv) => match &sv.schema {
            Some(schema) => without_managed_fields(patched, |o| {
                crate::fieldvalidation::check_custom_patch(def, &schema.raw, o, pt, body, ctx)
            }),
            None => Ok(()),
        },
        None => Ok(()),
    }
}

/// Hook: a create, after system metadata and before defaults and validation.
pub(crate) fn prepare_create(
    reg: &Registry,
    def: &ResourceDef,
    obj: &mut Value,
    ctx: &WriteContext,
) -> Result<(), ApiError> {
    if is_crd(def) {
        definition::apply_defaults(obj);
        // A new CRD starts with empty status; the controllers' part is filled in right away.
        obj["status"] = json!({});
        let others = other_crds(reg);
        definition::update_status(obj, &others);
        return Ok(());
    }
    let Some(sv) = reg.crds().served(def) else {
        return Ok(());
    };
    if sv.terminating {
        return Err(ApiError::MethodNotSupported(
            "create not allowed while custom resource definition is terminating".into(),
        ));
    }
    if sv.status
        && let Some(m) = obj.as_object_mut()
    {
        m.remove("status");
    }
    process(&sv, obj, ctx)
}

/// Hook: an update (main resource or status), after the target's rules and system metadata.
pub(crate) fn prepare_update(
    reg: &Registry,
    def: &ResourceDef,
    new: &mut Value,
    old: &Value,
    target: Target,
    ctx: &WriteContext,
) -> Result<(), ApiError> {
    if is_crd(def) {
        if target == Target::Main {
            definition::apply_defaults(new);
            let others = other_crds(reg);
            definition::update_status(new, &others);
        }
        return Ok(());
    }
    let Some(sv) = reg.crds().served(def) else {
        return Ok(());
    };
    process(&sv, new, ctx)?;
    if target == Target::Status {
        let causes = validate_custom(&sv, new, Some(old));
        if !causes.is_empty() {
            let name = meta::meta_str(new, "name").to_string();
            return Err(ApiError::invalid(&def.group, &def.kind, &name, causes));
        }
    }
    Ok(())
}

/// Hook: extra validation causes for CRDs and custom resources.
pub(crate) fn validate(
    reg: &Registry,
    def: &ResourceDef,
    obj: &Value,
    old: Option<&Value>,
) -> Vec<Cause> {
    if is_crd(def) {
        return definition::validate(obj, old);
    }
    match reg.crds().served(def) {
        Some(sv) => validate_custom(&sv, obj, old),
        None => vec![],
    }
}

fn validate_custom(sv: &ServedVersion, obj: &Value, old: Option<&Value>) -> Vec<Cause> {
    let mut errs = Vec::new();
    if let Some(schema) = &sv.schema {
        errs.extend(objects::validate_value(obj, schema, ""));
        objects::validate_embedded(obj, schema, "", &mut errs);
        objects::validate_list_types(obj, schema, "", &mut errs);
    }
    if let Some(scale) = &sv.scale {
        check_replicas(obj, &scale.spec_replicas, &mut errs);
        check_replicas(obj, &scale.status_replicas, &mut errs);
    }
    if let Some(schema) = &sv.schema
        && schema.has_rules()
    {
        cel::validate(schema, obj, old, "", &mut errs);
    }
    errs
}

fn check_replicas(obj: &Value, p: &str, errs: &mut Vec<Cause>) {
    // Upstream names the field by the path as written (with its leading dot).
    let Some(v) = jsonpath::get_simple(obj, p) else {
        return;
    };
    match v.as_i64() {
        Some(n) if n < 0 => errs.push(Cause::invalid(p, v, "should be a non-negative integer")),
        Some(n) if n > i64::from(i32::MAX) => errs.push(Cause::invalid(
            p,
            v,
            &format!("should be less than or equal to {}", i32::MAX),
        )),
        Some(_) => {}
        None => {
            let (shown, go_type) = match v {
                Value::String(s) => (s.clone(), "string"),
                Value::Bool(b) => (b.to_string(), "bool"),
                Value::Number(n) => (n.to_string(), "float64"),
                Value::Array(_) => (v.to_string(), "[]interface {}"),
                Value::Object(_) => (v.to_string(), "map[string]interface {}"),
                Value::Null => ("<nil>".to_string(), "<nil>"),
            };
            errs.push(Cause::invalid(
                p,
                &json!(0),
                &format!("{p} accessor error: {shown} is of the type {go_type}, expected int64"),
            ));
        }
    }
}

/// Hook: whether a patch type is allowed (custom resources take no strategic merge patch).
pub(crate) fn check_patch_type(
    reg: &Registry,
    def: &ResourceDef,
    pt: PatchType,
) -> Result<(), ApiError> {
    if pt == PatchType::Strategic && reg.crds().is_custom(def) {
        return Err(ApiError::UnsupportedMediaType(
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml".into(),
        ));
    }
    Ok(())
}

/// Hook: `metadata.generation` is tracked for every custom resource.
pub(crate) fn tracks_generation(reg: &Registry, def: &ResourceDef) -> bool {
    reg.crds().is_custom(def)
}

/// Hook: after a write landed. A CRD write re-syncs what is served; the last object of a
/// terminating CRD going away lets the CRD go.
pub(crate) async fn written(reg: &Registry, def: &ResourceDef) {
    if is_crd(def) {
        reg.crds().sync(reg);
        return;
    }
    if let Some(sv) = reg.crds().served(def)
        && sv.terminating
    {
        finish_cleanup(reg, &sv.crd).await;
    }
}

/// Hook: a delete of a CRD that is not yet being deleted gets the cleanup finalizer and the
/// `Terminating` condition (upstream's CRD storage does this on the first delete).
pub(crate) fn on_delete(def: &ResourceDef, obj: &mut Value, finalizers: &mut Vec<String>) {
    if !is_crd(def) || meta::is_deleting(obj) {
        return;
    }
    if !finalizers.iter().any(|f| f == CLEANUP_FINALIZER) {
        finalizers.push(CLEANUP_FINALIZER.to_string());
    }
    definition::set_condition(
        obj,
        "Terminating",
        "True",
        "InstanceDeletionPending",
        "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon",
    );
}

/// Hook: after a CRD was marked for deletion: delete its objects and, once none is left,
/// remove the finalizer (which deletes the CRD unless other finalizers hold it).
// SIMPLIFICATION: this runs within the delete request (upstream's cleanup controller runs a moment
// later), so the CRD is usually gone when the delete answers; see README#differences.
pub(crate) async fn after_delete_marked(reg: &Registry, def: &ResourceDef, name: &str) {
    if !is_crd(def) {
        return;
    }
    reg.crds().sync(reg);
    let Ok(Some(crd)) = reg.store().get(&format!("{CRD_PREFIX}{name}")) else {
        return;
    };
    let group = crd
        .object
        .pointer("/spec/group")
        .and_then(Value::as_str)
        .unwrap_or("");
    let plural = crd
        .object
        .pointer("/spec/names/plural")
        .and_then(Value::as_str)
        .unwrap_or("");
    let prefix = format!("{group}/{plural}/");
    let items = reg
        .store()
        .list(&prefix, None, None)
        .map(|p| p.items)
        .unwrap_or_default();
    for item in items {
        let obj = &*item.object;
        let ns = meta::meta_str(obj, "namespace");
        let n = meta::meta_str(obj, "name");
        let key = if ns.is_empty() {
            format!("{prefix}{n}")
        } else {
            format!("{prefix}{ns}/{n}")
        };
        if meta::finalizers(obj).is_empty() {
            if let Err(e) = reg.store().delete(&key, None).await
                && !matches!(e, StoreError::NotFound(_))
            {
                tracing::warn!(error = %e, key, "Deleting a custom resource failed.");
            }
        } else if !meta::is_deleting(obj) {
            let mut marked = obj.clone();
            let m = meta::meta_mut(&mut marked);
            m.insert("deletionTimestamp".into(), json!(meta::now_rfc3339()));
            m.insert("deletionGracePeriodSeconds".into(), json!(0));
            m.remove("resourceVersion");
            if let Err(e) = reg.store().update(&key, Some(item.rv), marked).await {
                tracing::warn!(error = %e, key, "Marking a custom resource for deletion failed.");
            }
        }
    }
    finish_cleanup(reg, name).await;
}

/// Removes the cleanup finalizer of a terminating CRD once none of its objects is left.
async fn finish_cleanup(reg: &Registry, name: &str) {
    let key = format!("{CRD_PREFIX}{name}");
    for _ in 0..8 {
        let Ok(Some(crd)) = reg.store().get(&key) else {
            break;
        };
        let obj = &*crd.object;
        let fins = meta::finalizers(obj);
        if !meta::is_deleting(obj) || !fins.iter().any(|f| f == CLEANUP_FINALIZER) {
            break;
        }
        let group = obj
            .pointer("/spec/group")
            .and_then(Value::as_str)
            .unwrap_or("");
        let plural = obj
            .pointer("/spec/names/plural")
            .and_then(Value::as_str)
            .unwrap_or("");
        let remaining = reg
            .store()
            .list(&format!("{group}/{plural}/"), None, Some(1))
            .map(|p| p.items.len())
            .unwrap_or(0);
        let mut next = obj.clone();
        if remaining > 0 {
            if definition::is_condition_true(obj, "Terminating")
                && obj
                    .pointer("/status/conditions")
                    .and_then(Value::as_array)
                    .is_some_and(|cs| {
                        cs.iter().any(|c| {
                            c["type"] == "Terminating"
                                && c["reason"] == "InstanceDeletionInProgress"
                        })
                    })
            {
                break;
            }
            definition::set_condition(
                &mut next,
                "Terminating",
                "True",
                "InstanceDeletionInProgress",
                "CustomResource deletion is in progress",
            );
        } else {
            let left: Vec<String> = fins
                .into_iter()
                .filter(|f| f != CLEANUP_FINALIZER)
                .collect();
            let m = meta::meta_mut(&mut next);
            if left.is_empty() {
                m.remove("finalizers");
            } else {
                m.insert("finalizers".into(), json!(left));
            }
        }
        meta::meta_mut(&mut next).remove("resourceVersion");
        let gone = remaining == 0 && meta::finalizers(&next).is_empty();
        let result = match reg.store().update(&key, Some(crd.rv), next).await {
            Ok(_) if gone => reg.store().delete(&key, None).await.map(|_| ()),
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => break,
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => {
                tracing::warn!(error = %e, name, "Finishing a CustomResourceDefinition's deletion failed.");
                break;
            }
        }
    }
    reg.crds().sync(reg);
}

/// The `autoscaling/v1 Scale` of a custom resource.
pub fn scale_of(scale: &ScalePaths, obj: &Value) -> Value {
    let m = &obj["metadata"];
    let mut meta_out = json!({});
    for k in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if let Some(v) = m.get(k) {
            meta_out[k] = v.clone();
        }
    }
    let int_at = |p: &str| {
        jsonpath::get_simple(obj, p)
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    let mut status = json!({"replicas": int_at(&scale.status_replicas)});
    if let Some(sel) = scale
        .label_selector
        .as_deref()
        .and_then(|p| jsonpath::get_simple(obj, p))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        status["selector"] = json!(sel);
    }
    let replicas = int_at(&scale.spec_replicas);
    let spec = if replicas == 0 {
        json!({})
    } else {
        json!({"replicas": replicas})
    };
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": meta_out,
        "spec": spec,
        "status": status,
    })
}

/// GET of a custom resource's `scale`, if `def` is a custom resource with one.
pub(crate) fn get_scale(
    reg: &Registry,
    def: &ResourceDef,
    ns: Option<&str>,
    name: &str,
) -> Option<Result<Value, ApiError>> {
    let sv = reg.crds().served(def)?;
    let scale = sv.scale.as_ref()?;
    Some(reg.get(def, ns, name).map(|o| scale_of(scale, &o)))
}

/// PUT or PATCH of a custom resource's `scale`: the replicas land at `specReplicasPath`.
pub(crate) async fn update_scale(
    reg: &Registry,
    sv: &ServedVersion,
    ns: Option<&str>,
    name: &str,
    change: ScaleChange<'_>,
    ctx: &WriteContext,
) -> Result<Value, ApiError> {
    let Some(scale) = &sv.scale else {
        return Err(ApiError::NoRoute);
    };
    let def = &sv.def;
    let obj = reg.get(def, ns, name)?;
    let current = scale_of(scale, &obj);
    let wanted = match change {
        ScaleChange::Replace(v) => v,
        ScaleChange::Patch(pt, body) => {
            check_patch_type(reg, def, pt)?;
            crate::registry::apply_patch(&current, pt, body)?
        }
    };
    let replicas = crate::registry::desired_replicas(&wanted, name)?;
    let mut next = obj.clone();
    jsonpath::set_simple(&mut next, &scale.spec_replicas, json!(replicas));
    crate::registry::carry_resource_version(&mut next, &wanted);
    let (updated, _) = reg.update(def, ns, name, next, Target::Main, ctx).await?;
    Ok(scale_of(scale, &updated))
}
