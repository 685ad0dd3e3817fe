//! `metadata.managedFields`: the per-manager field sets, their identities (manager, operation,
//! apiVersion for updates, subresource), the wire form, and the apply conflict error.

use std::collections::BTreeMap;

use kubesim_api::{ApiError, Cause};
use serde_json::{Map, Value, json};

use super::fieldpath::{Path, Set, path_string};

/// What kind of write recorded an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    /// Server-side apply.
    Apply,
    /// Any other write (create, update, patch).
    Update,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Operation::Apply => "Apply",
            Operation::Update => "Update",
        }
    }
}

/// Who owns a set: entries with the same identity are one manager. Appliers are identified
/// without their apiVersion, so re-applying at another version stays the same manager.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ManagerId {
    /// The `fieldManager` (or User-Agent derived) name.
    pub manager: String,
    /// Apply or Update.
    pub operation: Operation,
    /// The apiVersion of an Update entry ("" for appliers).
    pub api_version: String,
    /// The subresource written ("" for the main resource).
    pub subresource: String,
}

impl ManagerId {
    /// An applier.
    pub fn apply(manager: &str, subresource: &str) -> Self {
        ManagerId {
            manager: manager.to_string(),
            operation: Operation::Apply,
            api_version: String::new(),
            subresource: subresource.to_string(),
        }
    }

    /// An updater writing at `api_version`.
    pub fn update(manager: &str, api_version: &str, subresource: &str) -> Self {
        ManagerId {
            manager: manager.to_string(),
            operation: Operation::Update,
            api_version: api_version.to_string(),
            subresource: subresource.to_string(),
        }
    }

    /// The manager as conflict messages name it: `"kubectl-client-side-apply" using apps/v1`.
    pub fn describe(&self) -> String {
        let mut s = Value::String(self.manager.clone()).to_string();
        if !self.subresource.is_empty() {
            s.push_str(&format!(
                " with subresource {}",
                Value::String(self.subresource.clone())
            ));
        }
        if self.operation == Operation::Update {
            s.push_str(&format!(" using {}", self.api_version));
        }
        s
    }
}

/// One manager's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The fields it owns.
    pub set: Set,
    /// The apiVersion the set is expressed in.
    pub api_version: String,
    /// When it last changed the object.
    pub time: Option<String>,
}

/// Every manager's fields of one object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Managed {
    /// The entries by identity.
    pub entries: BTreeMap<ManagerId, Entry>,
}

/// Whether a `managedFields` value written by a client asks to clear tracking: an empty list or
/// a list of one empty entry.
pub fn is_reset(v: &Value) -> bool {
    match v.as_array() {
        Some(a) if a.is_empty() => true,
        Some(a) if a.len() == 1 => a[0].as_object().is_some_and(Map::is_empty),
        _ => false,
    }
}

fn time_seconds(t: Option<&String>) -> i64 {
    t.and_then(|s| s.parse::<jiff::Timestamp>().ok())
        .map(|t| t.as_second())
        .unwrap_or(0)
}

impl Managed {
    /// Whether no manager owns anything.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Reads the `metadata.managedFields` of an object (absent = no entries).
    pub fn of_object(obj: &Value) -> Result<Managed, String> {
        match obj.pointer("/metadata/managedFields") {
            None | Some(Value::Null) => Ok(Managed::default()),
            Some(v) => Managed::decode(v),
        }
    }

    /// Parses a `managedFields` list, refusing entries upstream refuses.
    pub fn decode(v: &Value) -> Result<Managed, String> {
        let list = v
            .as_array()
            .ok_or_else(|| "managedFields must be a list".to_string())?;
        let mut out = Managed::default();
        for (i, e) in list.iter().enumerate() {
            let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("");
            let operation = match s("operation") {
                "Apply" => Operation::Apply,
                "Update" => Operation::Update,
                _ => return Err("operation must be `Apply` or `Update`".into()),
            };
            let api_version = s("apiVersion");
            if api_version.is_empty() {
                return Err("apiVersion must not be empty".into());
            }
            match s("fieldsType") {
                "FieldsV1" => {}
                "" => return Err(format!("missing fieldsType in managed fields entry {i}")),
                other => {
                    return Err(format!(
                        "invalid fieldsType {other:?} in managed fields entry {i}"
                    ));
                }
            }
            let set = match e.get("fieldsV1") {
                None | Some(Value::Null) => Set::new(),
                Some(f) => {
                    Set::from_fields_v1(f).map_err(|err| format!("error decoding set: {err}"))?
                }
            };
            let manager = s("manager");
            let subresource = s("subresource");
            let id = match operation {
                Operation::Apply => ManagerId::apply(manager, subresource),
                Operation::Update => ManagerId::update(manager, api_version, subresource),
            };
            let time = e.get("time").and_then(Value::as_str).map(str::to_string);
            out.entries.insert(
                id,
                Entry {
                    set,
                    api_version: api_version.to_string(),
                    time,
                },
            );
        }
        Ok(out)
    }

    /// The wire form, sorted as upstream sorts it (operation, time, manager, apiVersion,
    /// subresource); `None` when there are no entries.
    pub fn encode(&self) -> Option<Value> {
        if self.entries.is_empty() {
            return None;
        }
        let mut entries: Vec<(&ManagerId, &Entry)> = self.entries.iter().collect();
        entries.sort_by(|(a, ea), (b, eb)| {
            a.operation
                .cmp(&b.operation)
                .then_with(|| time_seconds(ea.time.as_ref()).cmp(&time_seconds(eb.time.as_ref())))
                .then_with(|| a.manager.cmp(&b.manager))
                .then_with(|| ea.api_version.cmp(&eb.api_version))
                .then_with(|| a.subresource.cmp(&b.subresource))
        });
        let list = entries
            .into_iter()
            .map(|(id, e)| {
                let mut m = Map::new();
                m.insert("manager".into(), json!(id.manager));
                m.insert("operation".into(), json!(id.operation.as_str()));
                m.insert("apiVersion".into(), json!(e.api_version));
                if let Some(t) = &e.time {
                    m.insert("time".into(), json!(t));
                }
                m.insert("fieldsType".into(), json!("FieldsV1"));
                m.insert("fieldsV1".into(), e.set.to_fields_v1());
                if !id.subresource.is_empty() {
                    m.insert("subresource".into(), json!(id.subresource));
                }
                Value::Object(m)
            })
            .collect();
        Some(Value::Array(list))
    }

    /// Every field anyone owns.
    pub fn owned(&self) -> Set {
        self.entries
            .values()
            .fold(Set::new(), |acc, e| acc.union(&e.set))
    }

    /// Drops entries that own nothing.
    pub fn drop_empty(&mut self) {
        self.entries.retain(|_, e| !e.set.is_empty());
    }

    /// Keeps at most `max` Update entries by merging the oldest into one `ancient-changes`
    /// entry per apiVersion.
    pub fn cap_updaters(&mut self, max: usize) {
        let mut updaters: Vec<ManagerId> = self
            .entries
            .keys()
            .filter(|id| id.operation == Operation::Update)
            .cloned()
            .collect();
        if updaters.len() <= max {
            return;
        }
        updaters.sort_by(|a, b| {
            let ta = time_seconds(self.entries[a].time.as_ref());
            let tb = time_seconds(self.entries[b].time.as_ref());
            ta.cmp(&tb).then_with(|| a.cmp(b))
        });
        let mut first_of_version: BTreeMap<String, ManagerId> = BTreeMap::new();
        let mut count = updaters.len();
        for id in updaters {
            if count <= max {
                break;
            }
            let Some(entry) = self.entries.get(&id).cloned() else {
                continue;
            };
            let version = entry.api_version.clone();
            let bucket = ManagerId::update("ancient-changes", &version, "");
            match first_of_version.get(&version) {
                Some(first) => {
                    if !self.entries.contains_key(&bucket)
                        && let Some(f) = self.entries.remove(first)
                    {
                        self.entries.insert(bucket.clone(), f);
                    }
                    if let Some(b) = self.entries.get_mut(&bucket) {
                        b.set = b.set.union(&entry.set);
                        b.time = entry.time.clone();
                    }
                    self.entries.remove(&id);
                    count -= 1;
                }
                None => {
                    first_of_version.insert(version, id);
                }
            }
        }
    }
}

/// One field another manager owns and an apply would change.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// The owner.
    pub manager: ManagerId,
    /// The field.
    pub path: Path,
}

/// The 409 of an apply with conflicts, worded as upstream.
pub fn conflict_error(conflicts: &[Conflict]) -> ApiError {
    let causes = conflicts
        .iter()
        .map(|c| {
            Cause::new(
                "FieldManagerConflict",
                format!("conflict with {}", c.manager.describe()),
                path_string(&c.path),
            )
        })
        .collect();
    let message = if let [only] = conflicts {
        format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            only.manager.describe(),
            path_string(&only.path)
        )
    } else {
        let mut by_manager: BTreeMap<&ManagerId, Vec<String>> = BTreeMap::new();
        for c in conflicts {
            by_manager
                .entry(&c.manager)
                .or_default()
                .push(path_string(&c.path));
        }
        let mut lines = Vec::new();
        for (m, paths) in by_manager {
            lines.push(format!("conflicts with {}:", m.describe()));
            for p in paths {
                lines.push(format!("- {p}"));
            }
        }
        format!(
            "Apply failed with {} conflicts: {}",
            conflicts.len(),
            lines.join("\n")
        )
    };
    ApiError::Conflict {
        group: String::new(),
        resource: String::new(),
        name: String::new(),
        message,
        causes,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fieldpath::PathElement;
    use super::*;

    #[test]
    fn decode_encode_round_trip_and_sort() {
        let wire = json!([
            {"manager": "b", "operation": "Update", "apiVersion": "apps/v1", "time": "2024-01-01T00:00:02Z",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
            {"manager": "kubectl", "operation": "Apply", "apiVersion": "apps/v1", "time": "2024-01-01T00:00:05Z",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {"f:a": {}}}}},
            {"manager": "a", "operation": "Update", "apiVersion": "apps/v1", "time": "2024-01-01T00:00:01Z",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {"f:replicas": {}}}, "subresource": "status"}
        ]);
        let m = Managed::decode(&wire).unwrap();
        assert_eq!(m.entries.len(), 3);
        let out = m.encode().unwrap();
        let names: Vec<&str> = out
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["manager"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["kubectl", "a", "b"]);
        assert_eq!(out[1]["subresource"], "status");
        assert_eq!(Managed::decode(&out).unwrap(), m);
    }

    #[test]
    fn decode_refuses_what_upstream_refuses() {
        let bad = [
            (
                json!([{"manager": "a", "operation": "Patch", "apiVersion": "v1", "fieldsType": "FieldsV1"}]),
                "operation must be",
            ),
            (
                json!([{"manager": "a", "operation": "Update", "fieldsType": "FieldsV1"}]),
                "apiVersion must not be empty",
            ),
            (
                json!([{"manager": "a", "operation": "Update", "apiVersion": "v1"}]),
                "missing fieldsType",
            ),
            (
                json!([{"manager": "a", "operation": "Update", "apiVersion": "v1", "fieldsType": "X"}]),
                "invalid fieldsType",
            ),
        ];
        for (v, want) in bad {
            let e = Managed::decode(&v).unwrap_err();
            assert!(e.contains(want), "{e}");
        }
        assert!(is_reset(&json!([])));
        assert!(is_reset(&json!([{}])));
        assert!(!is_reset(&json!([{"manager": "x"}])));
    }

    #[test]
    fn conflict_messages_match_upstream() {
        let replicas = vec![
            PathElement::Field("spec".into()),
            PathElement::Field("replicas".into()),
        ];
        let csa = ManagerId::update("kubectl-client-side-apply", "apps/v1", "");
        let e = conflict_error(&[Conflict {
            manager: csa.clone(),
            path: replicas.clone(),
        }]);
        let s = e.to_status();
        assert_eq!(s["code"], 409);
        assert_eq!(s["reason"], "Conflict");
        assert_eq!(
            s["message"],
            "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas"
        );
        assert_eq!(
            s["details"]["causes"],
            json!([{"reason": "FieldManagerConflict", "message": "conflict with \"kubectl-client-side-apply\" using apps/v1", "field": ".spec.replicas"}])
        );
        let helm = ManagerId::apply("helm", "status");
        let e = conflict_error(&[
            Conflict {
                manager: csa,
                path: replicas.clone(),
            },
            Conflict {
                manager: helm,
                path: replicas,
            },
        ]);
        assert_eq!(
            e.to_string(),
            "Apply failed with 2 conflicts: conflicts with \"helm\" with subresource \"status\":\n- .spec.replicas\nconflicts with \"kubectl-client-side-apply\" using apps/v1:\n- .spec.replicas"
        );
    }

    #[test]
    fn cap_merges_oldest_updaters() {
        let mut m = Managed::default();
        for i in 0..12 {
            let mut set = Set::new();
            set.insert(&[PathElement::Field(format!("f{i}"))]);
            m.entries.insert(
                ManagerId::update(&format!("m{i:02}"), "v1", ""),
                Entry {
                    set,
                    api_version: "v1".into(),
                    time: Some(format!("2024-01-01T00:00:{i:02}Z")),
                },
            );
        }
        m.cap_updaters(10);
        assert_eq!(m.entries.len(), 10);
        let bucket = &m.entries[&ManagerId::update("ancient-changes", "v1", "")];
        assert_eq!(bucket.set.paths().len(), 3);
    }
}
