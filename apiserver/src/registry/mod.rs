//! The registry: one generic store plus a strategy per resource. It owns every API semantic
//! between the HTTP adapter and the store — system metadata, defaults, validation, generation,
//! resourceVersion preconditions, finalizers and graceful deletion, subresources — so that
//! kubectl's writes and the in-process components' writes take exactly the same path.
//!
//! It never encodes HTTP and never reaches around the store.

mod apply;
pub mod meta;
mod patch;
mod smp;
mod subresources;
mod watch;

use std::sync::{Arc, Mutex, RwLock};

use kubesim_api::{ApiError, Cause, ResourceDef, ResourceTable};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use apply::Tracking;
pub use patch::PatchType;
pub(crate) use patch::apply as apply_patch;
pub use subresources::{ScaleChange, selector_string, success};
pub(crate) use subresources::{carry_resource_version, desired_replicas};
pub use watch::{WatchItem, WatchOptions};

use crate::auth::{Authorizer, Identity};
use crate::selector::{FieldSelector, LabelSelector};
use crate::storage::{Store, StoreError, Versioned};
use crate::{conversion, crd, defaults, fieldvalidation, validation};

/// What every write carries besides its body.
#[derive(Debug, Clone)]
pub struct WriteContext {
    /// Who asks.
    pub user: Identity,
    /// `dryRun=All`: run everything, persist nothing.
    pub dry_run: bool,
    /// The `fieldManager` parameter.
    pub field_manager: Option<String>,
    /// The request's User-Agent (the manager's name when `fieldManager` is absent).
    pub user_agent: Option<String>,
    /// `fieldValidation`: how unknown or duplicate fields are treated.
    pub field_validation: FieldValidation,
    /// Paths of keys the request body held twice (found by the HTTP layer in JSON bodies).
    pub duplicate_fields: Vec<String>,
    /// `force` of a server-side apply.
    pub force: bool,
    /// Warnings for the client (`Warning: 299 - "..."` headers), collected while the request runs.
    pub warnings: Arc<Mutex<Vec<String>>>,
}

/// The `fieldValidation` modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldValidation {
    /// Drop unknown fields silently.
    Ignore,
    /// Drop them and warn.
    #[default]
    Warn,
    /// Refuse the request.
    Strict,
}

impl FieldValidation {
    /// Parses the query parameter (absent or empty = Warn, upstream's default).
    pub fn parse(v: Option<&str>) -> Result<FieldValidation, ApiError> {
        match v.unwrap_or("") {
            "" | "Warn" => Ok(FieldValidation::Warn),
            "Ignore" => Ok(FieldValidation::Ignore),
            "Strict" => Ok(FieldValidation::Strict),
            other => Err(ApiError::BadRequest(format!(
                "fieldValidation: Invalid value: {other:?}: must be one of [Ignore, Warn, Strict]"
            ))),
        }
    }
}

impl WriteContext {
    /// A context for an in-process caller.
    pub fn internal(user: Identity, manager: &str) -> Self {
        WriteContext {
            user,
            dry_run: false,
            field_manager: Some(manager.to_string()),
            user_agent: None,
            field_validation: FieldValidation::Ignore,
            duplicate_fields: Vec::new(),
            force: false,
            warnings: Arc::default(),
        }
    }
    /// Adds a warning for the client.
    pub fn warn(&self, message: impl Into<String>) {
        self.warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(message.into());
    }
    /// The warnings collected so far.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|e| e.into_inner()))
    }
    /// The field manager's name: `fieldManager`, else derived from the User-Agent.
    pub fn manager(&self) -> String {
        meta::manager_name(self.field_manager.as_deref(), self.user_agent.as_deref())
    }
}

/// Options of a list.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    /// `labelSelector`.
    pub label_selector: Option<String>,
    /// `fieldSelector`.
    pub field_selector: Option<String>,
    /// `limit` (0 = none).
    pub limit: usize,
    /// `continue` token.
    pub continue_token: Option<String>,
}

/// A page of objects.
#[derive(Debug, Clone)]
pub struct ListResult {
    /// The objects, converted to the requested version.
    pub items: Vec<Value>,
    /// The list's resourceVersion.
    pub rv: u64,
    /// Token for the next page.
    pub continue_token: Option<String>,
    /// Items after this page, when known.
    pub remaining: Option<usize>,
}

/// Options of a delete, merged from the body and the query.
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    /// `gracePeriodSeconds`.
    pub grace_period_seconds: Option<i64>,
    /// `propagationPolicy`: Orphan, Background or Foreground.
    pub propagation_policy: Option<String>,
    /// Legacy `orphanDependents`.
    pub orphan_dependents: Option<bool>,
    /// `preconditions.uid`.
    pub precondition_uid: Option<String>,
    /// `preconditions.resourceVersion`.
    pub precondition_rv: Option<String>,
}

impl DeleteOptions {
    /// Reads DeleteOptions JSON (`{}` or absent fields are fine).
    pub fn from_json(v: &Value) -> Result<Self, ApiError> {
        if !v.is_object() && !v.is_null() {
            return Err(ApiError::BadRequest(
                "DeleteOptions must be an object".into(),
            ));
        }
        let grace = match v.get("gracePeriodSeconds") {
            None | Some(Value::Null) => None,
            Some(g) => Some(g.as_i64().ok_or_else(|| {
                ApiError::BadRequest("gracePeriodSeconds must be an integer".into())
            })?),
        };
        let s = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
        Ok(DeleteOptions {
            grace_period_seconds: grace,
            propagation_policy: s("/propagationPolicy"),
            orphan_dependents: v.get("orphanDependents").and_then(Value::as_bool),
            precondition_uid: s("/preconditions/uid"),
            precondition_rv: s("/preconditions/resourceVersion"),
        })
    }
}

/// What a delete did.
#[derive(Debug, Clone)]
pub enum Deleted {
    /// The object is gone; its last state.
    Gone(Value),
    /// The object remains, marked for deletion (finalizers or grace period).
    Pending(Value),
}

/// Which part of an object a write targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The main resource: status is kept from the stored object where a status subresource exists.
    Main,
    /// The `status` subresource: only status changes.
    Status,
}

/// The API semantics over a store.
pub struct Registry {
    store: Store,
    table: RwLock<ResourceTable>,
    authorizer: Box<dyn Authorizer>,
    shutdown: CancellationToken,
    openapi: crate::openapi::Catalog,
    crds: crd::Crds,
}

/// Kinds whose `metadata.generation` is tracked (set to 1 on create, bumped on spec changes).
const GENERATION_TRACKED: &[&str] = &[
    "apps/deployments",
    "apps/replicasets",
    "apps/statefulsets",
    "apps/daemonsets",
    "core/replicationcontrollers",
    "batch/jobs",
    "batch/cronjobs",
    "policy/poddisruptionbudgets",
    "networking.k8s.io/networkpolicies",
    "networking.k8s.io/ingresses",
    "networking.k8s.io/ingressclasses",
    "apiextensions.k8s.io/customresourcedefinitions",
    "autoscaling/horizontalpodautoscalers",
];

/// Kinds a PUT may create (upstream's `AllowCreateOnUpdate`).
const CREATE_ON_UPDATE: &[&str] = &[
    "core/endpoints",
    "core/events",
    "coordination.k8s.io/leases",
    "rbac.authorization.k8s.io/roles",
    "rbac.authorization.k8s.io/rolebindings",
    "rbac.authorization.k8s.io/clusterroles",
    "rbac.authorization.k8s.io/clusterrolebindings",
];

/// Kinds whose delete answers with the object instead of a Status (upstream's `ReturnDeletedObject`).
const RETURNS_DELETED_OBJECT: &[&str] = &[
    "core/pods",
    "core/services",
    "core/serviceaccounts",
    "core/namespaces",
    "storage.k8s.io/storageclasses",
    "apiextensions.k8s.io/customresourcedefinitions",
];

/// Retries of a read-modify-write whose resourceVersion raced with another writer.
const MAX_RETRIES: usize = 16;

impl Registry {
    /// A registry over `store` serving `table`.
    pub fn new(
        store: Store,
        table: ResourceTable,
        authorizer: Box<dyn Authorizer>,
        shutdown: CancellationToken,
    ) -> Self {
        let reg = Registry {
            store,
            table: RwLock::new(table),
            authorizer,
            shutdown,
            openapi: Default::default(),
            crds: crd::Crds::new(),
        };
        // Stored CRDs are served again after a restart.
        reg.crds.sync(&reg);
        reg
    }

    /// The custom resources served (CRDs and their schemas).
    pub fn crds(&self) -> &crd::Crds {
        &self.crds
    }

    /// Replaces the custom resources of the table: drops every resource stored under one of
    /// `storages` and appends `defs` (in their order).
    pub(crate) fn replace_custom_resources(
        &self,
        storages: &std::collections::HashSet<String>,
        defs: Vec<ResourceDef>,
    ) {
        let mut table = self.table.write().unwrap_or_else(|e| e.into_inner());
        let mut all: Vec<ResourceDef> = table
            .all()
            .iter()
            .filter(|d| !storages.contains(&d.storage))
            .cloned()
            .collect();
        all.extend(defs);
        *table = ResourceTable::new(all);
    }

    /// The OpenAPI schemas and documents (custom kinds add their schemas here).
    pub fn openapi(&self) -> &crate::openapi::Catalog {
        &self.openapi
    }

    /// The store underneath (for readiness and benchmarks).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A snapshot of the served resources.
    pub fn table(&self) -> ResourceTable {
        self.table.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The resource served at `group`/`version`/`plural`.
    pub fn resolve(&self, group: &str, version: &str, plural: &str) -> Option<ResourceDef> {
        self.table
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .by_plural(group, version, plural)
            .cloned()
    }

    /// The authorizer.
    pub fn authorizer(&self) -> &dyn Authorizer {
        &*self.authorizer
    }

    /// Cancelled when the server shuts down (ends watches).
    pub fn shutdown_token(&self) -> &CancellationToken {
        &self.shutdown
    }

    /// The version objects of this resource are stored at (the first served version).
    fn storage_def(&self, def: &ResourceDef) -> ResourceDef {
        let table = self.table.read().unwrap_or_else(|e| e.into_inner());
        table
            .all()
            .iter()
            .find(|d| d.storage == def.storage)
            .cloned()
            .unwrap_or_else(|| def.clone())
    }

    /// An object as served at `def`'s version.
    pub fn output(&self, def: &ResourceDef, obj: &Value) -> Result<Value, ApiError> {
        served_form(def, obj)
    }

    /// The store key of an object.
    pub fn key(def: &ResourceDef, ns: Option<&str>, name: &str) -> String {
        match (def.namespaced, ns) {
            (true, Some(ns)) => format!("{}/{ns}/{name}", def.storage),
            _ => format!("{}/{name}", def.storage),
        }
    }

    fn prefix(def: &ResourceDef, ns: Option<&str>) -> String {
        match (def.namespaced, ns) {
            (true, Some(ns)) => format!("{}/{ns}/", def.storage),
            _ => format!("{}/", def.storage),
        }
    }

    fn store_err(def: &ResourceDef, name: &str, e: StoreError) -> ApiError {
        match e {
            StoreError::AlreadyExists(_) => ApiError::already_exists(&def.group, &def.plural, name),
            StoreError::NotFound(_) => ApiError::not_found(&def.group, &def.plural, name),
            StoreError::Conflict { .. } => {
                ApiError::conflict_modified(&def.group, &def.plural, name)
            }
            StoreError::Gone { requested, oldest } => {
                ApiError::Expired(format!("too old resource version: {requested} ({oldest})"))
            }
            StoreError::Backend(msg) => {
                tracing::error!(error = %msg, "Storage failed.");
                ApiError::Internal(
                    "an error on the server has prevented the request from succeeding".into(),
                )
            }
        }
    }

    fn read(&self, def: &ResourceDef, ns: Option<&str>, name: &str) -> Result<Versioned, ApiError> {
        self.store
            .get(&Self::key(def, ns, name))
            .map_err(|e| Self::store_err(def, name, e))?
            .ok_or_else(|| ApiError::not_found(&def.group, &def.plural, name))
    }

    /// GET of one object.
    pub fn get(&self, def: &ResourceDef, ns: Option<&str>, name: &str) -> Result<Value, ApiError> {
        let v = self.read(def, ns, name)?;
        self.output(def, &v.object)
    }

    /// LIST with selectors and pagination.
    pub fn list(
        &self,
        def: &ResourceDef,
        ns: Option<&str>,
        opts: &ListOptions,
    ) -> Result<ListResult, ApiError> {
        let labels = LabelSelector::parse(opts.label_selector.as_deref().unwrap_or(""))?;
        let fields = FieldSelector::parse(opts.field_selector.as_deref().unwrap_or(""), def)?;
        let prefix = Self::prefix(def, ns);
        let (mut start_after, token_rv) = match &opts.continue_token {
            Some(t) if !t.is_empty() => {
                let (rv, key) = decode_continue(t, &prefix)?;
                (Some(key), Some(rv))
            }
            _ => (None, None),
        };
        let filtered = !labels.is_everything()
            || opts
                .field_selector
                .as_deref()
                .is_some_and(|s| !s.is_empty());
        let mut items = Vec::new();
        let mut list_rv;
        loop {
            let want = if opts.limit == 0 {
                None
            } else {
                Some(opts.limit - items.len())
            };
            let page = self
                .store
                .list(&prefix, start_after.as_deref(), want)
                .map_err(|e| Self::store_err(def, "", e))?;
            list_rv = page.rv;
            for v in &page.items {
                let obj = &*v.object;
                if labels.matches(obj.pointer("/metadata/labels").and_then(Value::as_object))
                    && fields.matches(obj)
                {
                    items.push(self.output(def, obj)?);
                }
            }
            match page.last_key {
                Some(last) if opts.limit > 0 && items.len() < opts.limit => {
                    start_after = Some(last)
                }
                Some(last) if opts.limit > 0 => {
                    let rv = token_rv.unwrap_or(list_rv);
                    let remaining = if filtered { None } else { Some(page.remaining) };
                    return Ok(ListResult {
                        items,
                        rv,
                        continue_token: Some(encode_continue(rv, &last, &prefix)),
                        remaining,
                    });
                }
                _ => break,
            }
        }
        // SIMPLIFICATION: pages after the first show the current state, not a snapshot at the
        // first page's revision (which is kept as the list's resourceVersion); see README#differences.
        Ok(ListResult {
            items,
            rv: token_rv.unwrap_or(list_rv),
            continue_token: None,
            remaining: None,
        })
    }

    /// POST: creates an object in the collection.
    pub async fn create(
        &self,
        def: &ResourceDef,
        ns: Option<&str>,
        obj: Value,
        ctx: &WriteContext,
    ) -> Result<Value, ApiError> {
        self.create_tracked(def, ns, obj, ctx, Tracking::Update)
            .await
    }

    async fn create_tracked(
        &self,
        def: &ResourceDef,
        ns: Option<&str>,
        mut obj: Value,
        ctx: &WriteContext,
        tracking: Tracking,
    ) -> Result<Value, ApiError> {
        check_type(def, &mut obj)?;
        let meta = meta::meta_mut(&mut obj);
        if def.namespaced {
            let url_ns = ns.ok_or_else(|| ApiError::BadRequest("namespace is required".into()))?;
            match meta.get("namespace").and_then(Value::as_str) {
                Some(body_ns) if !body_ns.is_empty() && body_ns != url_ns => {
                    return Err(ApiError::BadRequest(
                        "the namespace of the provided object does not match the namespace sent on the request".into(),
                    ));
                }
                _ => {
                    meta.insert("namespace".into(), json!(url_ns));
                }
            }
        } else {
            meta.remove("namespace");
        }
        if meta
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
            && let Some(prefix) = meta
                .get("generateName")
                .and_then(Value::as_str)
                .filter(|p| !p.is_empty())
        {
            let name = format!("{prefix}{}", meta::random_suffix());
            meta.insert("name".into(), json!(name));
        }
        let name = meta
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if def.virtual_only {
            return self.review(def, obj, ctx);
        }
        if def.namespaced {
            self.check_namespace_open(def, ns.unwrap_or_default(), &name)?;
        }
        let requested_fields = meta::take_managed_fields(&mut obj);
        let meta = meta::meta_mut(&mut obj);
        for k in [
            "uid",
            "resourceVersion",
            "generation",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "selfLink",
        ] {
            meta.remove(k);
        }
        meta.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
        meta.insert("creationTimestamp".into(), json!(meta::now_rfc3339()));
        if GENERATION_TRACKED.contains(&def.storage.as_str()) || crd::tracks_generation(self, def) {
            meta.insert("generation".into(), json!(1));
        }
        prepare_create_status(def, &mut obj);
        crd::prepare_create(self, def, &mut obj, ctx)?;
        fieldvalidation::check(def, &mut obj, ctx)?;
        canonicalize(def, &mut obj);
        defaults::apply_defaults(def, &mut obj);
        self.validate(def, &obj, None, &name)?;
        match tracking {
            Tracking::Update => {
                let schema = self.ssa_schema(def);
                let scope = crate::ssa::Scope::new(&*schema, def, false);
                crate::ssa::track_update(
                    &scope,
                    None,
                    &mut obj,
                    requested_fields.as_ref(),
                    &ctx.manager(),
                );
            }
            Tracking::Applied => {
                if let Some(mf) = requested_fields {
                    meta::meta_mut(&mut obj).insert("managedFields".into(), mf);
                }
            }
        }
        if ctx.dry_run {
            return Ok(obj);
        }
        let stored_form = self.to_storage(def, obj)?;
        let key = Self::key(def, ns, &name);
        let v = self
            .store
            .create(&key, stored_form)
            .await
            .map_err(|e| Self::store_err(def, &name, e))?;
        crd::written(self, def).await;
        self.output(def, &v.object)
    }

    fn to_storage(&self, def: &ResourceDef, obj: Value) -> Result<Value, ApiError> {
        let sdef = self.storage_def(def);
        if sdef.version == def.version && sdef.group == def.group {
            Ok(obj)
        } else {
            conversion::convert(obj, &sdef)
        }
    }

    fn validate(
        &self,
        def: &ResourceDef,
        obj: &Value,
        old: Option<&Value>,
        name: &str,
    ) -> Result<(), ApiError> {
        let mut causes = validation::validate(def, obj, old);
        causes.extend(crd::validate(self, def, obj, old));
        if causes.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid(&def.group, &def.kind, name, causes))
        }
    }

    fn check_namespace_open(
        &self,
        def: &ResourceDef,
        ns: &str,
        name: &str,
    ) -> Result<(), ApiError> {
        let key = format!("core/namespaces/{ns}");
        let found = self
            .store
            .get(&key)
            .map_err(|e| Self::store_err(def, name, e))?;
        match found {
            None => Err(ApiError::not_found("", "namespaces", ns)),
            Some(v) if meta::is_deleting(&v.object) => Err(ApiError::Forbidden(format!(
                "{} {name:?} is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                def.qualified()
            ))),
            Some(_) => Ok(()),
        }
    }

    /// PUT: replaces an object (or its status). Returns the object and whether it was created.
    pub async fn update(
        &self,
        def: &ResourceDef,
        ns: Option<&str>,
        name: &str,
        mut obj: Value,
        target: Target,
        ctx: &WriteContext,
    ) -> Result<(Value, bool), ApiError> {
        check_type(def, &mut obj)?;
        check_identity(def, ns, name, &mut obj)?;
        let precondition = match meta::meta_str(&obj, "resourceVersion") {
            "" => None,
            rv => Some(
                rv.parse::<u64>()
                    .map_err(|_| ApiError::BadRequest(format!("invalid resourceVersion {rv:?}")))?,
            ),
        };
        let key = Self::key(def, ns, name);
        let current = self
            .store
            .get(&key)
            .map_err(|e| Self::store_err(def, name, e))?;
        let Some(current) = current else {
            if target == Target::Main
                && CREATE_ON_UPDATE.contains(&def.storage.as_str())
                && precondition.is_none()
            {
                return self.create(def, ns, obj, ctx).await.map(|o| (o, true));
            }
            return Err(ApiError::not_found(&def.group, &def.plural, name));
        };
        let mut current = current;
        for _ in 0..MAX_RETRIES {
            if let Some(rv) = precondition
                && rv != current.rv
            {
                return Err(ApiError::conflict_modified(&def.group, &def.plural, name));
            }
            match self
                .write_update(
                    def,
                    &key,
                    name,
                    &current,
                    obj.clone(),
                    target,
                    ctx,
                    Tracking::Update,
                )
                .await
            {
                Err(Retry::Again(latest)) if precondition.is_none() => current = latest,
                Err(Retry::Again(_)) => {
                    return Err(ApiError::conflict_modified(&def.group, &def.plural, name));
                }
                Err(Retry::Fail(e)) => return Err(e),
                Ok(v) => return Ok((v, false)),
            }
        }
        Err(ApiError::conflict_modified(&def.group, &def.plural, name))
    }

    /// PATCH of an object (or its status): applies the patch to the stored object and writes it.
    #[allow(clippy::too_many_arguments)]
    pub async fn patch(
        &self,
        def: &ResourceDef,
        ns: Option<&str>,
        name: &str,
        patch_type: PatchType,
        body: &[u8],
        target: Target,
        ctx: &WriteContext,
    ) -> Result<Value, ApiError> {
        crd::check_patch_type(self, def, patch_type)?;
        if patch_type == PatchType::Apply {
            return self
                .apply(def, ns, name, body, target, ctx)
                .await
                .map(|(obj, _)| obj);
        }
        let key = Self::key(def, ns, name);
        for _ in 0..MAX_RETRIES {
            let current = self.read(def, ns, name)?;
            let served = self.output(def, &current.object)?;
            let mut patched = patch::apply(&served, patch_type, body)?;
            let precondition = match meta::meta_str(&patched, "resourceVersion") {
                "" => None,
                rv => Some(rv.parse::<u64>().map_err(|_| {
                    ApiError::BadRequest(format!("invalid resourceVersion {rv:?}"))
                })?),
            };
            if let Some(rv) = precondition
                && rv != current.rv
            {
                return Err(ApiError::conflict_modified(&def.group, &def.plural, name));
            }
            check_type(def, &mut patched)?;
            check_identity(def, ns, name, &mut patched)?;
            fieldvalidation::check_patch(def, &mut patched, patch_type, body, ctx)?;
            crd::check_patch(self, def, &mut patched, patch_type, body, ctx)?;
            match self
                .write_update(
                    def,
                    &key,
                    name,
                    &current,
                    patched,
                    target,
                    ctx,
                    Tracking::Update,
                )
                .await
            {
                Err(Retry::Again(_)) if precondition.is_none() => continue,
                Err(Retry::Again(_)) => {
                    return Err(ApiError::conflict_modified(&def.group, &def.plural, name));
                }
                Err(Retry::Fail(e)) => return Err(e),
                Ok(v) => return Ok(v),
            }
        }
        Err(ApiError::conflict_modified(&def.group, &def.plural, name))
    }

    /// The shared update path: merge system metadata, apply the target's rules, default,
    /// validate, bump generation, finish deletion when the last finalizer goes, and write with
    /// the revision that was read.
    #[allow(clippy::too_many_arguments)]
    async fn write_update(
        &self,
        def: &ResourceDef,
        key: &str,
        name: &str,
        current: &Versioned,
        mut incoming: Value,
        target: Target,
        ctx: &WriteContext,
        tracking: Tracking,
    ) -> Result<Value, Retry> {
        let old = self.output(def, &current.object).map_err(Retry::Fail)?;
        let requested_fields = meta::take_managed_fields(&mut incoming);
        let mut new = match target {
            Target::Main => {
                let mut new = incoming;
                if def.has_status() {
                    match old.get("status") {
                        Some(s) => new["status"] = s.clone(),
                        None => {
                            if let Some(m) = new.as_object_mut() {
                                m.remove("status");
                            }
                        }
                    }
                }
                new
            }
            Target::Status => {
                let mut new = old.clone();
                match incoming.get("status") {
                    Some(s) => new["status"] = s.clone(),
                    None => {
                        if let Some(m) = new.as_object_mut() {
                            m.remove("status");
                        }
                    }
                }
                new
            }
        };
        // System metadata always comes from the stored object.
        {
            let old_meta = old.get("metadata").cloned().unwrap_or_else(|| json!({}));
            let m = meta::meta_mut(&mut new);
            for k in [
                "uid",
                "creationTimestamp",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "generation",
                "namespace",
                "name",
                "managedFields",
            ] {
                match old_meta.get(k) {
                    Some(v) => {
                        m.insert(k.into(), v.clone());
                    }
                    None => {
                        m.remove(k);
                    }
                }
            }
            m.remove("resourceVersion");
            m.remove("selfLink");
        }
        crd::prepare_update(self, def, &mut new, &old, target, ctx).map_err(Retry::Fail)?;
        fieldvalidation::check(def, &mut new, ctx).map_err(Retry::Fail)?;
        if target == Target::Main {
            canonicalize(def, &mut new);
            defaults::apply_defaults(def, &mut new);
        }
        let deleting = meta::is_deleting(&old);
        if deleting {
            let before = meta::finalizers(&old);
            if let Some(added) = meta::finalizers(&new)
                .into_iter()
                .find(|f| !before.contains(f))
            {
                return Err(Retry::Fail(ApiError::invalid(
                    &def.group,
                    &def.kind,
                    name,
                    vec![Cause::forbidden(
                        "metadata.finalizers",
                        &format!(
                            "no new finalizers can be added if the object is being deleted, found new finalizers []string{{{added:?}}}"
                        ),
                    )],
                )));
            }
        }
        if target == Target::Main {
            self.validate(def, &new, Some(&old), name)
                .map_err(Retry::Fail)?;
        }
        if (GENERATION_TRACKED.contains(&def.storage.as_str()) || crd::tracks_generation(self, def))
            && spec_changed(&old, &new)
        {
            let g = old
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            meta::meta_mut(&mut new).insert("generation".into(), json!(g + 1));
        }
        match tracking {
            Tracking::Update => {
                let schema = self.ssa_schema(def);
                let scope = crate::ssa::Scope::new(&*schema, def, target == Target::Status);
                crate::ssa::track_update(
                    &scope,
                    Some(&old),
                    &mut new,
                    requested_fields.as_ref(),
                    &ctx.manager(),
                );
            }
            Tracking::Applied => match requested_fields {
                Some(mf) => {
                    meta::meta_mut(&mut new).insert("managedFields".into(), mf);
                }
                None => {
                    meta::meta_mut(&mut new).remove("managedFields");
                }
            },
        }
        if unchanged(&old, &new) {
            // Nothing changed: no write, no event, same resourceVersion (upstream's no-op update).
            return Ok(old);
        }
        let finished = deleting && meta::finalizers(&new).is_empty() && deletion_due(&new);
        if ctx.dry_run {
            return Ok(new);
        }
        let stored = self.to_storage(def, new).map_err(Retry::Fail)?;
        let result = if finished {
            match self.store.update(key, Some(current.rv), stored).await {
                Ok(_) => self.store.delete(key, None).await,
                Err(e) => Err(e),
            }
        } else {
            self.store.update(key, Some(current.rv), stored).await
        };
        match result {
            Ok(v) => {
                crd::written(self, def).await;
                self.output(def, &v.object).map_err(Retry::Fail)
            }
            Err(StoreError::Conflict { current, .. }) => Err(Retry::Again(current)),
            Err(e) => Err(Retry::Fail(Self::store_err(def, name, e))),
        }
    }

    /// DELETE of one object.
    pub async fn delete(
        &self,
        def: &ResourceDef,
        ns: Option<&str>,
        name: &str,
        opts: &DeleteOptions,
        ctx: &WriteContext,
    ) -> Result<Deleted, ApiError> {
        let key = Self::key(def, ns, name);
        for _ in 0..MAX_RETRIES {
            let current = self.read(def, ns, name)?;
            let obj = &*current.object;
            if let Some(uid) = &opts.precondition_uid {
                let have = meta::meta_str(obj, "uid");
                if uid != have {
                    return Err(ApiError::conflict(
                        &def.group,
                        &def.plural,
                        name,
                        &format!(
                            "Precondition failed: UID in precondition: {uid}, UID in object meta: {have}"
                        ),
                    ));
                }
            }
            if let Some(rv) = &opts.precondition_rv
                && *rv != current.rv.to_string()
            {
                return Err(ApiError::conflict(
                    &def.group,
                    &def.plural,
                    name,
                    &format!(
                        "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                        current.rv
                    ),
                ));
            }
            let mut next = self.output(def, obj)?;
            let mut fins = meta::finalizers(&next);
            let policy = opts.propagation_policy.clone().or_else(|| {
                opts.orphan_dependents.map(|o| {
                    if o {
                        "Orphan".to_string()
                    } else {
                        "Background".to_string()
                    }
                })
            });
            match policy.as_deref() {
                None | Some("Background") => {}
                Some("Orphan") => push_unique(&mut fins, kubesim_api::wellknown::FINALIZER_ORPHAN),
                Some("Foreground") => push_unique(
                    &mut fins,
                    kubesim_api::wellknown::FINALIZER_FOREGROUND_DELETION,
                ),
                Some(other) => {
                    return Err(ApiError::invalid(
                        &def.group,
                        &def.kind,
                        name,
                        vec![Cause::not_supported(
                            "propagationPolicy",
                            &json!(other),
                            &["Foreground", "Background", "Orphan"],
                        )],
                    ));
                }
            }
            crd::on_delete(def, &mut next, &mut fins);
            let grace = self.grace_period(def, &next, opts);
            let already = meta::is_deleting(&next);
            let keep_for_grace = grace > 0;
            let namespace_finalizers = def.storage == "core/namespaces"
                && next
                    .pointer("/spec/finalizers")
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty());
            if fins.is_empty() && !keep_for_grace && !namespace_finalizers {
                if ctx.dry_run {
                    return Ok(Deleted::Gone(next));
                }
                return match self.store.delete(&key, Some(current.rv)).await {
                    Ok(v) => Ok(Deleted::Gone(self.output(def, &v.object)?)),
                    Err(StoreError::Conflict { .. }) => continue,
                    Err(e) => Err(Self::store_err(def, name, e)),
                };
            }
            // Graceful or finalizer-held deletion: mark and keep.
            {
                let m = meta::meta_mut(&mut next);
                if !already {
                    let at = jiff::Timestamp::now()
                        .checked_add(jiff::SignedDuration::from_secs(grace.max(0)))
                        .unwrap_or_else(|_| jiff::Timestamp::now());
                    m.insert("deletionTimestamp".into(), json!(meta::format_time(at)));
                    m.insert("deletionGracePeriodSeconds".into(), json!(grace.max(0)));
                } else if let Some(prev) =
                    m.get("deletionGracePeriodSeconds").and_then(Value::as_i64)
                    && grace < prev
                {
                    // A shorter grace period shortens a deletion in progress.
                    let at = jiff::Timestamp::now()
                        .checked_add(jiff::SignedDuration::from_secs(grace.max(0)))
                        .unwrap_or_else(|_| jiff::Timestamp::now());
                    m.insert("deletionTimestamp".into(), json!(meta::format_time(at)));
                    m.insert("deletionGracePeriodSeconds".into(), json!(grace.max(0)));
                }
                if fins.is_empty() {
                    m.remove("finalizers");
                } else {
                    m.insert("finalizers".into(), json!(fins));
                }
                m.remove("resourceVersion");
            }
            if def.storage == "core/namespaces" {
                next["status"]["phase"] = json!("Terminating");
            }
            if ctx.dry_run {
                return Ok(Deleted::Pending(next));
            }
            // A pod whose grace period is zero and that has no finalizers goes now.
            let stored = self.to_storage(def, next)?;
            match self.store.update(&key, Some(current.rv), stored).await {
                Ok(v) => {
                    let out = self.output(def, &v.object)?;
                    crd::after_delete_marked(self, def, name).await;
                    return Ok(Deleted::Pending(out));
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(Self::store_err(def, name, e)),
            }
        }
        Err(ApiError::conflict_modified(&def.group, &def.plural, name))
    }

    /// The grace period a delete gets: only pods bound to a node are deleted gracefully.
    fn grace_period(&self, def: &ResourceDef, obj: &Value, opts: &DeleteOptions) -> i64 {
        if def.storage != "core/pods" {
            return 0;
        }
        let bound = obj
            .pointer("/spec/nodeName")
            .and_then(Value::as_str)
            .is_some_and(|n| !n.is_empty());
        let running = !matches!(
            obj.pointer("/status/phase").and_then(Value::as_str),
            Some("Succeeded" | "Failed")
        );
        if !bound || !running {
            return 0;
        }
        opts.grace_period_seconds
            .or_else(|| {
                obj.pointer("/spec/terminationGracePeriodSeconds")
                    .and_then(Value::as_i64)
            })
            .unwrap_or(30)
    }

    /// Whether a delete of this resource answers with the object rather than a Status.
    pub fn returns_deleted_object(def: &ResourceDef) -> bool {
        RETURNS_DELETED_OBJECT.contains(&def.storage.as_str())
    }

    /// DELETE of a collection: deletes every matching object, returning them.
    pub async fn delete_collection(
        &self,
        def: &ResourceDef,
        ns: Option<&str>,
        list: &ListOptions,
        opts: &DeleteOptions,
        ctx: &WriteContext,
    ) -> Result<ListResult, ApiError> {
        let mut all = ListOptions {
            limit: 0,
            continue_token: None,
            ..list.clone()
        };
        all.limit = 0;
        let found = self.list(def, ns, &all)?;
        let mut items = Vec::new();
        for obj in found.items {
            let name = meta::meta_str(&obj, "name").to_string();
            let obj_ns = obj
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .map(str::to_string);
            match self
                .delete(def, obj_ns.as_deref().or(ns), &name, opts, ctx)
                .await
            {
                Ok(Deleted::Gone(o) | Deleted::Pending(o)) => items.push(o),
                Err(ApiError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(ListResult {
            items,
            rv: self.store.revision(),
            continue_token: None,
            remaining: None,
        })
    }

    /// Answers a review kind (access reviews, self subject review): computed, never stored.
    fn review(
        &self,
        def: &ResourceDef,
        mut obj: Value,
        ctx: &WriteContext,
    ) -> Result<Value, ApiError> {
        let user = &ctx.user;
        match def.kind.as_str() {
            "SelfSubjectReview" => {
                obj["status"] = json!({"userInfo": {"username": user.user, "groups": user.groups}});
            }
            "SelfSubjectAccessReview" | "SubjectAccessReview" | "LocalSubjectAccessReview" => {
                let ra = obj
                    .pointer("/spec/resourceAttributes")
                    .cloned()
                    .unwrap_or(Value::Null);
                let s = |k: &str| ra.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                let (verb, group, resource, sub, ns, name) = (
                    s("verb"),
                    s("group"),
                    s("resource"),
                    s("subresource"),
                    s("namespace"),
                    s("name"),
                );
                let attrs = crate::auth::Attributes {
                    user,
                    verb: &verb,
                    group: &group,
                    resource: &resource,
                    subresource: &sub,
                    namespace: &ns,
                    name: &name,
                };
                match self.authorizer.authorize(&attrs) {
                    Ok(()) => obj["status"] = json!({"allowed": true}),
                    Err(reason) => obj["status"] = json!({"allowed": false, "reason": reason}),
                }
            }
            "SelfSubjectRulesReview" => {
                obj["status"] = json!({
                    "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                    "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
                    "incomplete": false
                });
            }
            "TokenReview" => {
                obj["status"] = json!({"authenticated": false});
            }
            _ => {
                return Err(ApiError::MethodNotSupported(format!(
                    "create is not supported on {}",
                    def.qualified()
                )));
            }
        }
        Ok(obj)
    }
}

/// An object converted to the version `def` serves, if it is stored at another one.
fn served_form(def: &ResourceDef, obj: &Value) -> Result<Value, ApiError> {
    let served = obj.get("apiVersion").and_then(Value::as_str) == Some(&def.api_version())
        && obj.get("kind").and_then(Value::as_str) == Some(&def.kind);
    if served {
        Ok(obj.clone())
    } else {
        conversion::convert(obj.clone(), def)
    }
}

/// Why an update attempt did not land.
enum Retry {
    /// The stored revision moved; retry from this state if the client gave no precondition.
    Again(Versioned),
    /// A real failure.
    Fail(ApiError),
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|f| f == item) {
        list.push(item.to_string());
    }
}

/// Whether a marked object's grace period has run out (finalizer-held objects have grace 0).
fn deletion_due(obj: &Value) -> bool {
    obj.pointer("/metadata/deletionGracePeriodSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(0)
        == 0
}

/// Whether anything outside metadata and status changed (what bumps `generation`).
fn spec_changed(old: &Value, new: &Value) -> bool {
    !same_except(old, new, &["metadata", "status", "apiVersion", "kind"])
}

/// Whether two objects are equal in every top-level field but those in `skip` (no copies made:
/// this runs on every write).
fn same_except(a: &Value, b: &Value, skip: &[&str]) -> bool {
    match (a.as_object(), b.as_object()) {
        (Some(a), Some(b)) => {
            let kept = |m: &'_ serde_json::Map<String, Value>| {
                m.iter()
                    .filter(|(k, _)| !skip.contains(&k.as_str()))
                    .count()
            };
            kept(a) == kept(b)
                && a.iter()
                    .filter(|(k, _)| !skip.contains(&k.as_str()))
                    .all(|(k, v)| b.get(k) == Some(v))
        }
        _ => a == b,
    }
}

/// Whether a write would store exactly what is stored, `resourceVersion` aside.
fn unchanged(old: &Value, new: &Value) -> bool {
    same_except(old, new, &["metadata"])
        && same_except(
            old.get("metadata").unwrap_or(&Value::Null),
            new.get("metadata").unwrap_or(&Value::Null),
            &["resourceVersion"],
        )
}

/// Checks (and fills) `apiVersion` and `kind` of a body against the resource it is sent to.
fn check_type(def: &ResourceDef, obj: &mut Value) -> Result<(), ApiError> {
    let Some(map) = obj.as_object_mut() else {
        return Err(ApiError::BadRequest(
            "the body of the request must be a JSON object".into(),
        ));
    };
    let want_av = def.api_version();
    match map.get("apiVersion").and_then(Value::as_str) {
        None | Some("") => {
            map.insert("apiVersion".into(), json!(want_av));
        }
        Some(av) if av == want_av => {}
        Some(av) => {
            return Err(ApiError::BadRequest(format!(
                "the API version in the data ({av}) does not match the expected API version ({want_av})"
            )));
        }
    }
    match map.get("kind").and_then(Value::as_str) {
        None | Some("") => {
            map.insert("kind".into(), json!(def.kind));
        }
        Some(k) if k == def.kind => {}
        Some(k) => {
            return Err(ApiError::BadRequest(format!(
                "the kind in the data ({k}) does not match the expected kind ({})",
                def.kind
            )));
        }
    }
    Ok(())
}

/// Checks that an update's body names the object of the URL.
fn check_identity(
    def: &ResourceDef,
    ns: Option<&str>,
    name: &str,
    obj: &mut Value,
) -> Result<(), ApiError> {
    let body_name = meta::meta_str(obj, "name").to_string();
    if body_name.is_empty() {
        meta::meta_mut(obj).insert("name".into(), json!(name));
    } else if body_name != name {
        return Err(ApiError::BadRequest(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    if def.namespaced {
        let body_ns = meta::meta_str(obj, "namespace").to_string();
        let url_ns = ns.unwrap_or_default();
        if body_ns.is_empty() {
            meta::meta_mut(obj).insert("namespace".into(), json!(url_ns));
        } else if body_ns != url_ns {
            return Err(ApiError::BadRequest(
                "the namespace of the provided object does not match the namespace sent on the request".into(),
            ));
        }
    }
    Ok(())
}

/// Rewrites write-only conveniences into their stored form: a Secret's `stringData` is merged
/// into `data` (base64, `stringData` wins), as upstream's v1 conversion does.
fn canonicalize(def: &ResourceDef, obj: &mut Value) {
    if def.storage != "core/secrets" {
        return;
    }
    let Some(map) = obj.as_object_mut() else {
        return;
    };
    let Some(Value::Object(plain)) = map.remove("stringData") else {
        return;
    };
    use base64::Engine;
    let data = map.entry("data").or_insert_with(|| json!({}));
    if !data.is_object() {
        *data = json!({});
    }
    let data = data.as_object_mut().expect("invariant: data is an object");
    for (k, v) in plain {
        let text = match v {
            Value::String(s) => s,
            other => other.to_string(),
        };
        data.insert(
            k,
            json!(base64::engine::general_purpose::STANDARD.encode(text)),
        );
    }
}

/// Status on create, as each kind's strategy sets it.
fn prepare_create_status(def: &ResourceDef, obj: &mut Value) {
    let Some(map) = obj.as_object_mut() else {
        return;
    };
    match def.storage.as_str() {
        // kubelets create their Node with its status.
        "core/nodes" => {}
        "core/namespaces" => {
            map.insert("status".into(), json!({"phase": "Active"}));
        }
        "core/pods" => {
            let qos = qos_class(map.get("spec").unwrap_or(&Value::Null));
            map.insert(
                "status".into(),
                json!({"phase": "Pending", "qosClass": qos}),
            );
        }
        "core/persistentvolumes" | "core/persistentvolumeclaims" => {
            map.insert("status".into(), json!({"phase": "Pending"}));
        }
        _ if def.has_status() => {
            map.insert("status".into(), json!({}));
        }
        _ => {}
    }
}

/// A pod's QoS class from its containers' requests and limits (upstream `GetPodQOS`).
pub fn qos_class(spec: &Value) -> &'static str {
    let containers: Vec<&Value> = ["containers", "initContainers"]
        .iter()
        .filter_map(|k| spec.get(*k).and_then(Value::as_array))
        .flatten()
        .collect();
    let mut any = false;
    let mut guaranteed = true;
    for c in &containers {
        let req = c.pointer("/resources/requests").and_then(Value::as_object);
        let lim = c.pointer("/resources/limits").and_then(Value::as_object);
        let relevant = |m: Option<&serde_json::Map<String, Value>>| {
            m.map(|m| m.keys().filter(|k| *k == "cpu" || *k == "memory").count())
                .unwrap_or(0)
        };
        if relevant(req) > 0 || relevant(lim) > 0 {
            any = true;
        }
        for r in ["cpu", "memory"] {
            let l = lim.and_then(|m| m.get(r));
            let q = req.and_then(|m| m.get(r)).or(l);
            if l.is_none() || q != l {
                guaranteed = false;
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

fn encode_continue(rv: u64, key: &str, prefix: &str) -> String {
    use base64::Engine;
    let start = key.strip_prefix(prefix).unwrap_or(key);
    let token = json!({"v": "meta.k8s.io/v1", "rv": rv, "start": start});
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token.to_string())
}

fn decode_continue(token: &str, prefix: &str) -> Result<(u64, String), ApiError> {
    use base64::Engine;
    let bad = || ApiError::BadRequest(format!("continue key is not valid: {token:?}"));
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    let rv = v.get("rv").and_then(Value::as_u64).ok_or_else(bad)?;
    let start = v.get("start").and_then(Value::as_str).ok_or_else(bad)?;
    if start.contains("..") {
        return Err(bad());
    }
    Ok((rv, format!("{prefix}{start}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qos_follows_requests_and_limits() {
        assert_eq!(
            qos_class(&json!({"containers": [{"name": "a"}]})),
            "BestEffort"
        );
        assert_eq!(
            qos_class(
                &json!({"containers": [{"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]})
            ),
            "Guaranteed"
        );
        assert_eq!(
            qos_class(&json!({"containers": [{"resources": {"requests": {"cpu": "1"}}}]})),
            "Burstable"
        );
    }

    #[test]
    fn continue_token_round_trips_and_rejects_garbage() {
        let t = encode_continue(42, "core/pods/default/web-1", "core/pods/default/");
        assert_eq!(
            decode_continue(&t, "core/pods/default/").unwrap(),
            (42, "core/pods/default/web-1".to_string())
        );
        assert!(matches!(
            decode_continue("!!!", "p/"),
            Err(ApiError::BadRequest(_))
        ));
    }
}
