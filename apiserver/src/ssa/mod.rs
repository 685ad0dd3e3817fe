//! Server-side apply and field ownership, after sigs.k8s.io/structured-merge-diff and the
//! apiserver's fieldmanager.
//!
//! Every write records who owns which fields in `metadata.managedFields`:
//! - an **update** (create, PUT, non-apply PATCH) takes the fields it added or changed from every
//!   other manager and adds them to its own `Update` entry ([`track_update`]);
//! - an **apply** merges the applied configuration into the live object, removes fields the
//!   manager applied last time and omits now (unless someone else owns them), refuses to change
//!   fields other managers own (409, unless forced, which moves ownership) and replaces the
//!   manager's `Apply` entry with the configuration's field set ([`apply`]).
//!
//! Lists follow their list type (see [`schema`]); `fieldsV1` is encoded as upstream
//! ([`fieldpath`]).

pub mod fieldpath;
pub mod managed;
pub mod schema;
pub mod typed;

use kubesim_api::{ApiError, ResourceDef};
use serde_json::{Map, Value, json};

use fieldpath::{PathElement, Set};
use managed::{Conflict, Entry, Managed, ManagerId, conflict_error, is_reset};
use schema::Schema;
use typed::{Comparison, Typed};

/// The annotation client-side `kubectl apply` keeps its last configuration in.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The manager whose applies upgrade client-side apply's ownership (upstream hard-codes it).
const KUBECTL: &str = "kubectl";

/// Update entries kept before the oldest are merged (upstream's `DefaultMaxUpdateManagers`).
const MAX_UPDATE_MANAGERS: usize = 10;

/// Fields the server writes: never part of anyone's set (exact paths, not subtrees).
const STRIPPED: &[&[&str]] = &[
    &["apiVersion"],
    &["kind"],
    &["metadata"],
    &["metadata", "name"],
    &["metadata", "namespace"],
    &["metadata", "creationTimestamp"],
    &["metadata", "selfLink"],
    &["metadata", "uid"],
    &["metadata", "clusterName"],
    &["metadata", "generation"],
    &["metadata", "managedFields"],
    &["metadata", "resourceVersion"],
];

/// Fields a write cannot set and that nobody owns through it (upstream's reset fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reset {
    /// Everything is writable.
    Nothing,
    /// The main resource of a kind with a status subresource: `status` is not.
    Status,
    /// The status subresource: only `status` is.
    AllButStatus,
}

impl Reset {
    fn filter(self, set: Set) -> Set {
        let mut status = Set::new();
        status.insert(&[PathElement::Field("status".into())]);
        match self {
            Reset::Nothing => set,
            Reset::Status => set.recursive_difference(&status),
            Reset::AllButStatus => set.restrict_to(&status),
        }
    }
}

/// Everything about a write that field tracking depends on.
pub struct Scope<'a> {
    typed: Typed<'a>,
    api_version: String,
    gvk: String,
    subresource: String,
    reset: Reset,
    empty: Value,
}

impl<'a> Scope<'a> {
    /// The scope of a write to `def` (its `status` subresource when `status`), walking objects
    /// with `schema`.
    pub fn new(schema: &'a dyn Schema, def: &ResourceDef, status: bool) -> Self {
        let reset = if status {
            Reset::AllButStatus
        } else if def.has_status() {
            Reset::Status
        } else {
            Reset::Nothing
        };
        Scope {
            typed: Typed::new(schema),
            api_version: def.api_version(),
            gvk: format!("{}/{}, Kind={}", def.group, def.version, def.kind),
            subresource: if status {
                "status".into()
            } else {
                String::new()
            },
            reset,
            empty: empty_object(def),
        }
    }

    fn update_id(&self, manager: &str) -> ManagerId {
        ManagerId::update(manager, &self.api_version, &self.subresource)
    }

    /// The comparison of two objects, without the fields this write cannot set.
    fn compare(&self, old: &Value, new: &Value) -> Comparison {
        let reset = self.reset;
        self.typed
            .compare(old, new)
            .filter(move |s| reset.filter(s))
    }
}

/// The object a create is compared against: what upstream's empty typed object of the kind
/// holds (struct fields are present, pointers and omitted fields are not). Custom resources
/// start from nothing.
// SIMPLIFICATION: the struct-valued fields of the common workload kinds are listed by hand
// (they decide only where a create's managedFields carry `.` entries); see README#differences.
fn empty_object(def: &ResourceDef) -> Value {
    if !schema::is_builtin(def) {
        return json!({});
    }
    let pod_template =
        || json!({"metadata": {"creationTimestamp": null}, "spec": {"containers": null}});
    let spec = match def.kind.as_str() {
        "Pod" => json!({"containers": null}),
        "Deployment" => json!({"selector": null, "template": pod_template(), "strategy": {}}),
        "StatefulSet" | "DaemonSet" => {
            json!({"selector": null, "template": pod_template(), "updateStrategy": {}})
        }
        "ReplicaSet" => json!({"selector": null, "template": pod_template()}),
        "Job" => json!({"template": pod_template()}),
        "CronJob" => json!({"jobTemplate": {"metadata": {"creationTimestamp": null},
                                            "spec": {"template": pod_template()}}}),
        _ => json!({}),
    };
    json!({"metadata": {"creationTimestamp": null}, "spec": spec, "status": {}})
}

/// A copy of `obj` without the metadata that is not compared (managedFields, resourceVersion).
fn comparable(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
        m.remove("resourceVersion");
    }
    o
}

fn strip_server_fields(set: Set) -> Set {
    let mut strip = Set::new();
    for p in STRIPPED {
        let path: Vec<PathElement> = p
            .iter()
            .map(|s| PathElement::Field((*s).to_string()))
            .collect();
        strip.insert(&path);
    }
    set.difference(&strip)
}

fn now() -> String {
    crate::registry::meta::now_rfc3339()
}

/// Sets (or removes) `metadata.managedFields` of `obj`.
fn store_managed(obj: &mut Value, managed: &Managed) {
    let Some(m) = obj.as_object_mut() else {
        return;
    };
    let meta = m.entry("metadata").or_insert_with(|| json!({}));
    if !meta.is_object() {
        *meta = json!({});
    }
    if let Some(meta) = meta.as_object_mut() {
        match managed.encode() {
            Some(list) => {
                meta.insert("managedFields".into(), list);
            }
            None => {
                meta.remove("managedFields");
            }
        }
    }
}

/// Every other manager gives up the fields the change touched.
// SIMPLIFICATION: upstream converts the objects to each manager's apiVersion before comparing;
// here every set is taken to be in the request's version (they only differ for kinds served at
// several versions, e.g. HorizontalPodAutoscaler); see README#differences.
fn take_ownership(managed: &mut Managed, cmp: &Comparison, except: Option<&ManagerId>) {
    let touched = cmp.added.union(&cmp.modified).union(&cmp.removed);
    for (id, e) in managed.entries.iter_mut() {
        if Some(id) != except {
            e.set = e.set.difference(&touched);
        }
    }
    managed.drop_empty();
}

/// Records a non-apply change from `old` to `new` as `manager`'s Update.
fn record_update(scope: &Scope, old: &Value, new: &Value, managed: &mut Managed, manager: &str) {
    let cmp = scope.compare(old, new);
    take_ownership(managed, &cmp, None);
    let changed = strip_server_fields(cmp.added.union(&cmp.modified));
    if !changed.is_empty() {
        let entry = managed
            .entries
            .entry(scope.update_id(manager))
            .or_insert_with(|| Entry {
                set: Set::new(),
                api_version: scope.api_version.clone(),
                time: None,
            });
        entry.set = entry.set.union(&changed);
        entry.api_version = scope.api_version.clone();
        entry.time = Some(now());
    }
    managed.cap_updaters(MAX_UPDATE_MANAGERS);
}

/// Records the managedFields of a non-apply write: `new` (the object about to be stored, its
/// `managedFields` already taken out into `requested`) replaces `live` (`None` on create).
///
/// As upstream: managedFields sent by the client replace the live ones when they decode (an
/// empty list, or one empty entry, clears them), except on subresources; an existing object
/// without managedFields stays untracked until the next apply.
pub fn track_update(
    scope: &Scope,
    live: Option<&Value>,
    new: &mut Value,
    requested: Option<&Value>,
    manager: &str,
) {
    let from_live = || {
        live.map(|l| Managed::of_object(l).unwrap_or_default())
            .unwrap_or_default()
    };
    let mut managed = match requested {
        _ if !scope.subresource.is_empty() => from_live(),
        Some(r) if is_reset(r) => Managed::default(),
        Some(r) if !r.is_null() => match Managed::decode(r) {
            Ok(m) if !m.is_empty() => m,
            _ => from_live(),
        },
        _ => from_live(),
    };
    if managed.is_empty() && live.is_some() {
        store_managed(new, &managed);
        return;
    }
    let old = comparable(live.unwrap_or(&scope.empty));
    let cur = comparable(new);
    let manager = if manager.is_empty() {
        "unknown"
    } else {
        manager
    };
    record_update(scope, &old, &cur, &mut managed, manager);
    store_managed(new, &managed);
}

/// Why one apply attempt failed.
enum Failure {
    Conflicts(Vec<Conflict>),
    Api(ApiError),
}

/// Server-side apply of `config` by `manager` onto `live` (`None`: the object does not exist).
/// Returns the object to store, with its managedFields; the caller defaults, validates and
/// writes it.
pub fn apply(
    scope: &Scope,
    live: Option<&Value>,
    config: &Value,
    manager: &str,
    force: bool,
) -> Result<Value, ApiError> {
    let live_obj = comparable(live.unwrap_or(&json!({})));
    let mut managed = match live {
        Some(l) => Managed::of_object(l)
            .map_err(|e| ApiError::Internal(format!("failed to decode managed fields: {e}")))?,
        None => Managed::default(),
    };
    if managed.is_empty() {
        // Fields set before the first apply belong to someone, so the applier cannot take
        // them silently.
        let empty = comparable(&scope.empty);
        let before = if live.is_some() { &live_obj } else { &empty };
        record_update(scope, &empty, before, &mut managed, "before-first-apply");
    }
    let attempt =
        |force: bool| apply_once(scope, &live_obj, managed.clone(), config, manager, force);
    let (mut new, managed) = match attempt(force) {
        Err(Failure::Conflicts(conflicts)) if manager == KUBECTL => {
            // kubectl taking over from client-side apply: fields whose live value still is
            // the last-applied one are the user's own and may be taken.
            match allowed_from_last_applied(scope, &live_obj) {
                Some(allowed) => {
                    let rest: Vec<Conflict> = conflicts
                        .into_iter()
                        .filter(|c| !allowed.has(&c.path))
                        .collect();
                    if rest.is_empty() {
                        attempt(true)
                    } else {
                        Err(Failure::Conflicts(rest))
                    }
                }
                None => Err(Failure::Conflicts(conflicts)),
            }
        }
        other => other,
    }
    .map_err(|f| match f {
        Failure::Conflicts(c) => conflict_error(&c),
        Failure::Api(e) => e,
    })?;
    if manager == KUBECTL && has_last_applied(&new) {
        let text = last_applied_text(config);
        if let Some(a) = new
            .pointer_mut("/metadata/annotations")
            .and_then(Value::as_object_mut)
        {
            a.insert(LAST_APPLIED.into(), Value::String(text));
        }
    }
    drop_applied_nulls(&mut new, config);
    store_managed(&mut new, &managed);
    Ok(new)
}

fn apply_once(
    scope: &Scope,
    live: &Value,
    mut managed: Managed,
    config: &Value,
    manager: &str,
    force: bool,
) -> Result<(Value, Managed), Failure> {
    let t = &scope.typed;
    let config_set = t.field_set(config).map_err(|e| {
        let ns = config
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        let name = config
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        Failure::Api(ApiError::Internal(format!(
            "failed to create typed patch object ({ns}/{name}; {}): {e}",
            scope.gvk
        )))
    })?;
    let config_set = scope.reset.filter(config_set);
    let id = ManagerId::apply(manager, &scope.subresource);
    let previous = managed.entries.get(&id).cloned();
    let last = previous
        .as_ref()
        .map(|e| scope.reset.filter(e.set.clone()))
        .unwrap_or_default();
    managed.entries.insert(
        id.clone(),
        Entry {
            set: config_set,
            api_version: scope.api_version.clone(),
            time: previous.and_then(|e| e.time),
        },
    );
    let mut new = t.merge(live, config);
    if !last.is_empty() {
        // What this manager applied before and nobody (itself included) owns now goes.
        let owned = t.with_named_members(&managed.owned());
        let gone = t.with_named_members(&last).difference(&owned);
        new = t.remove(&new, &gone);
    }
    let cmp = scope.compare(live, &new);
    let changed_by_apply = cmp.added.union(&cmp.modified);
    let mut conflicts = Vec::new();
    for (other, e) in &managed.entries {
        if *other == id {
            continue;
        }
        for path in e.set.intersection(&changed_by_apply).paths() {
            conflicts.push(Conflict {
                manager: other.clone(),
                path,
            });
        }
    }
    if !force && !conflicts.is_empty() {
        return Err(Failure::Conflicts(conflicts));
    }
    take_ownership(&mut managed, &cmp, Some(&id));
    if let Some(e) = managed.entries.get_mut(&id) {
        e.set = strip_server_fields(std::mem::take(&mut e.set));
    }
    managed.drop_empty();
    let changed = new != *live;
    if let Some(e) = managed.entries.get_mut(&id)
        && (changed || e.time.is_none())
    {
        e.time = Some(now());
    }
    Ok((new, managed))
}

/// The fields kubectl's client-side apply set whose live value is still the last-applied one.
fn allowed_from_last_applied(scope: &Scope, live: &Value) -> Option<Set> {
    let text = live
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(LAST_APPLIED))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())?;
    let last: Value = serde_json::from_str(text).ok()?;
    if last.get("apiVersion").and_then(Value::as_str) != Some(scope.api_version.as_str()) {
        return None;
    }
    let set = scope.typed.field_set(&last).ok()?;
    let cmp = scope.typed.compare(&last, live);
    Some(
        set.difference(&cmp.modified)
            .difference(&cmp.added)
            .difference(&cmp.removed),
    )
}

fn has_last_applied(obj: &Value) -> bool {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(LAST_APPLIED))
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty())
}

/// The last-applied annotation text of an applied configuration: the configuration without the
/// annotation, as Go encodes it (sorted keys, HTML-escaped, trailing newline).
fn last_applied_text(config: &Value) -> String {
    let mut c = config.clone();
    if let Some(a) = c
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        a.remove(LAST_APPLIED);
    }
    let mut text = go_json(&c);
    text.push('\n');
    text
}

/// JSON as Go's encoding/json writes a map: keys sorted, `<`, `>`, `&`, U+2028 and U+2029
/// escaped.
pub fn go_json(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                let mut out = Map::new();
                for k in keys {
                    out.insert(k.clone(), sorted(&m[k]));
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(v)
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// Fields the configuration sets to `null` are owned but absent from the stored object, as
/// upstream's typed conversion drops them.
fn drop_applied_nulls(obj: &mut Value, config: &Value) {
    let (Some(o), Some(c)) = (obj.as_object_mut(), config.as_object()) else {
        return;
    };
    for (k, cv) in c {
        match cv {
            Value::Null if o.get(k).is_some_and(Value::is_null) => {
                o.remove(k);
            }
            Value::Object(_) => {
                if let Some(ov) = o.get_mut(k) {
                    drop_applied_nulls(ov, cv);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
