//! Walks over JSON objects guided by a [`Schema`]: the field set a value sets, the comparison of
//! two values (added, modified, removed paths), the apply merge (the applied value wins, list
//! items merged by identity) and the removal of a set of paths.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::fieldpath::{Path, PathElement, Set, path_string};
use super::schema::{ListType, Schema, Shape, TypeRef};

/// The paths that differ between two values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Present only in the new value.
    pub added: Set,
    /// Present in both with different values (leaves only).
    pub modified: Set,
    /// Present only in the old value.
    pub removed: Set,
}

impl Comparison {
    /// Keeps only the paths `keep` allows.
    pub fn filter(self, keep: impl Fn(Set) -> Set) -> Comparison {
        Comparison {
            added: keep(self.added),
            modified: keep(self.modified),
            removed: keep(self.removed),
        }
    }
}

/// How a value is treated at one position.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// Compared and owned as a whole.
    Leaf,
    /// An object walked key by key.
    Fields,
    /// A list walked item by item, items named as the list type says.
    Items(ListType),
}

/// The walkers over one schema.
pub struct Typed<'a> {
    schema: &'a dyn Schema,
}

fn is_empty_container(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Object(m)) => m.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    }
}

impl<'a> Typed<'a> {
    /// Walkers over `schema`.
    pub fn new(schema: &'a dyn Schema) -> Self {
        Typed { schema }
    }

    /// The root type.
    pub fn root(&self) -> TypeRef {
        self.schema.root()
    }

    /// How `v` of type `ty` is walked (untyped values deduced: objects walked, lists atomic).
    fn node(&self, ty: &TypeRef, v: Option<&Value>) -> Node {
        let shape = match self.schema.shape(ty) {
            Shape::Untyped => match v {
                Some(Value::Object(_)) => Shape::Map { atomic: false },
                _ => Shape::Scalar,
            },
            s => s,
        };
        match (shape, v) {
            (Shape::Struct { atomic: false } | Shape::Map { atomic: false }, None)
            | (
                Shape::Struct { atomic: false } | Shape::Map { atomic: false },
                Some(Value::Object(_) | Value::Null),
            ) => Node::Fields,
            (Shape::List(ListType::Atomic), _) => Node::Leaf,
            (Shape::List(lt), None | Some(Value::Array(_) | Value::Null)) => Node::Items(lt),
            _ => Node::Leaf,
        }
    }

    fn child_type(&self, ty: &TypeRef, pe: &PathElement) -> TypeRef {
        match pe {
            PathElement::Field(name) => self.schema.field(ty, name),
            _ => self.schema.element(ty),
        }
    }

    /// The path element naming `item` in a list of type `ty`.
    fn item_element(
        &self,
        ty: &TypeRef,
        lt: &ListType,
        index: usize,
        item: &Value,
    ) -> Result<PathElement, String> {
        match lt {
            ListType::Map(keys) if !keys.is_empty() => {
                let Value::Object(obj) = item else {
                    return Err(format!(
                        "element {index}: associative list with keys may not contain non-map elements"
                    ));
                };
                let mut fields = Vec::with_capacity(keys.len());
                for k in keys {
                    let value = match obj.get(k) {
                        Some(v) => v.clone(),
                        None => self.schema.key_default(ty, k).ok_or_else(|| {
                            format!(
                                "element {index}: associative list with keys has an element that omits key field {k:?} (and doesn't have default value)"
                            )
                        })?,
                    };
                    fields.push((k.clone(), value));
                }
                fields.sort_by(|a, b| a.0.cmp(&b.0));
                Ok(PathElement::Key(fields))
            }
            ListType::Map(_) | ListType::Set => Ok(PathElement::Value(item.clone())),
            ListType::Atomic => Ok(PathElement::Index(index)),
        }
    }

    /// Names every item; items that cannot be named (a live object breaking the schema) get
    /// their index.
    fn name_items<'v>(
        &self,
        ty: &TypeRef,
        lt: &ListType,
        items: &'v [Value],
    ) -> Vec<(PathElement, &'v Value)> {
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let pe = self
                    .item_element(ty, lt, i, item)
                    .unwrap_or(PathElement::Index(i));
                (pe, item)
            })
            .collect()
    }

    /// The set of fields `v` sets. Fails where a list item cannot be named or is duplicated
    /// (applied configurations must be well-formed).
    pub fn field_set(&self, v: &Value) -> Result<Set, String> {
        let mut out = Set::new();
        self.field_set_at(v, &self.root(), &mut Vec::new(), &mut out)?;
        Ok(out)
    }

    fn field_set_at(
        &self,
        v: &Value,
        ty: &TypeRef,
        path: &mut Path,
        out: &mut Set,
    ) -> Result<(), String> {
        match self.node(ty, Some(v)) {
            Node::Leaf => out.insert(path),
            Node::Fields => {
                if let Value::Object(m) = v {
                    for (k, child) in m {
                        let pe = PathElement::Field(k.clone());
                        let cty = self.child_type(ty, &pe);
                        path.push(pe);
                        self.field_set_at(child, &cty, path, out)?;
                        path.pop();
                    }
                }
            }
            Node::Items(lt) => {
                if let Value::Array(items) = v {
                    let ety = self.schema.element(ty);
                    let mut seen = HashSet::new();
                    for (i, item) in items.iter().enumerate() {
                        let pe = self
                            .item_element(ty, &lt, i, item)
                            .map_err(|e| format!("{}: {e}", path_string(path)))?;
                        if !seen.insert(pe.encode()) {
                            return Err(format!(
                                "{}: duplicate entries for key {pe}",
                                path_string(path)
                            ));
                        }
                        path.push(pe);
                        self.field_set_at(item, &ety, path, out)?;
                        out.insert(path);
                        path.pop();
                    }
                }
            }
        }
        Ok(())
    }

    /// Compares `old` with `new`.
    pub fn compare(&self, old: &Value, new: &Value) -> Comparison {
        let mut c = Comparison::default();
        self.compare_at(Some(old), Some(new), &self.root(), &mut Vec::new(), &mut c);
        c
    }

    fn compare_at(
        &self,
        old: Option<&Value>,
        new: Option<&Value>,
        ty: &TypeRef,
        path: &mut Path,
        c: &mut Comparison,
    ) {
        let node_old = self.node(ty, old);
        let node_new = self.node(ty, new);
        let node = if old.is_some() && new.is_some() && node_old != node_new {
            Node::Leaf
        } else if new.is_some() {
            node_new
        } else {
            node_old
        };
        let both_empty = is_empty_container(old) && is_empty_container(new);
        match node {
            Node::Fields if !both_empty => {
                let empty = Map::new();
                let om = old.and_then(Value::as_object).unwrap_or(&empty);
                let nm = new.and_then(Value::as_object).unwrap_or(&empty);
                for (k, ov) in om {
                    let pe = PathElement::Field(k.clone());
                    let cty = self.child_type(ty, &pe);
                    path.push(pe);
                    self.compare_at(Some(ov), nm.get(k), &cty, path, c);
                    path.pop();
                }
                for (k, nv) in nm {
                    if om.contains_key(k) {
                        continue;
                    }
                    let pe = PathElement::Field(k.clone());
                    let cty = self.child_type(ty, &pe);
                    path.push(pe);
                    self.compare_at(None, Some(nv), &cty, path, c);
                    path.pop();
                }
            }
            Node::Items(lt) if !both_empty => {
                let none: Vec<Value> = Vec::new();
                let ol = old.and_then(Value::as_array).unwrap_or(&none);
                let nl = new.and_then(Value::as_array).unwrap_or(&none);
                let olds = self.name_items(ty, &lt, ol);
                let news = self.name_items(ty, &lt, nl);
                let mut new_by: HashMap<String, &Value> = HashMap::new();
                for (pe, v) in &news {
                    new_by.entry(pe.encode()).or_insert(v);
                }
                let mut old_seen = HashSet::new();
                let ety = self.schema.element(ty);
                for (pe, ov) in &olds {
                    let key = pe.encode();
                    if !old_seen.insert(key.clone()) {
                        continue;
                    }
                    path.push(pe.clone());
                    self.compare_at(Some(ov), new_by.get(&key).copied(), &ety, path, c);
                    path.pop();
                }
                let mut new_seen = HashSet::new();
                for (pe, nv) in &news {
                    let key = pe.encode();
                    if old_seen.contains(&key) || !new_seen.insert(key) {
                        continue;
                    }
                    path.push(pe.clone());
                    self.compare_at(None, Some(nv), &ety, path, c);
                    path.pop();
                }
            }
            _ => {
                match (old, new) {
                    (None, Some(_)) => c.added.insert(path),
                    (Some(_), None) => c.removed.insert(path),
                    (Some(o), Some(n)) if o != n => c.modified.insert(path),
                    _ => {}
                }
                return;
            }
        }
        match (old, new) {
            (None, Some(_)) => c.added.insert(path),
            (Some(_), None) => c.removed.insert(path),
            _ => {}
        }
    }

    /// Merges the applied value `applied` into `live`: the applied value wins at every leaf,
    /// objects are merged key by key and granular lists item by item (items keep their relative
    /// order; items only in `live` stay where they were).
    pub fn merge(&self, live: &Value, applied: &Value) -> Value {
        self.merge_at(Some(live), Some(applied), &self.root())
            .unwrap_or(Value::Object(Map::new()))
    }

    fn merge_at(&self, lhs: Option<&Value>, rhs: Option<&Value>, ty: &TypeRef) -> Option<Value> {
        let node_l = self.node(ty, lhs);
        let node_r = self.node(ty, rhs);
        let node = if lhs.is_some() && rhs.is_some() && node_l != node_r {
            Node::Leaf
        } else if rhs.is_some() {
            node_r
        } else {
            node_l
        };
        let both_empty = is_empty_container(lhs) && is_empty_container(rhs);
        match node {
            Node::Fields if !both_empty => {
                let empty = Map::new();
                let lm = lhs.and_then(Value::as_object).unwrap_or(&empty);
                let rm = rhs.and_then(Value::as_object).unwrap_or(&empty);
                let mut out = Map::new();
                for (k, lv) in lm {
                    let cty = self.schema.field(ty, k);
                    if let Some(v) = self.merge_at(Some(lv), rm.get(k), &cty) {
                        out.insert(k.clone(), v);
                    }
                }
                for (k, rv) in rm {
                    if lm.contains_key(k) {
                        continue;
                    }
                    let cty = self.schema.field(ty, k);
                    if let Some(v) = self.merge_at(None, Some(rv), &cty) {
                        out.insert(k.clone(), v);
                    }
                }
                (!out.is_empty()).then_some(Value::Object(out))
            }
            Node::Items(lt) if !both_empty => {
                let none: Vec<Value> = Vec::new();
                let ll = lhs.and_then(Value::as_array).unwrap_or(&none);
                let rl = rhs.and_then(Value::as_array).unwrap_or(&none);
                let out = self.merge_items(ty, &lt, ll, rl);
                (!out.is_empty()).then_some(Value::Array(out))
            }
            _ => rhs.or(lhs).cloned(),
        }
    }

    /// Merges two lists item by item. Items present in both take the applied list's order;
    /// items only in the live list stay between the shared items they sat between.
    fn merge_items(&self, ty: &TypeRef, lt: &ListType, ll: &[Value], rl: &[Value]) -> Vec<Value> {
        let ety = self.schema.element(ty);
        let lhs: Vec<(String, &Value)> = self
            .name_items(ty, lt, ll)
            .into_iter()
            .map(|(pe, v)| (pe.encode(), v))
            .collect();
        let rhs: Vec<(String, &Value)> = self
            .name_items(ty, lt, rl)
            .into_iter()
            .map(|(pe, v)| (pe.encode(), v))
            .collect();
        let mut lhs_by: HashMap<&str, &Value> = HashMap::new();
        for (k, v) in &lhs {
            lhs_by.entry(k.as_str()).or_insert(v);
        }
        let mut rhs_by: HashMap<&str, &Value> = HashMap::new();
        for (k, v) in &rhs {
            rhs_by.entry(k.as_str()).or_insert(v);
        }
        // The shared items in the applied order: the next one due decides whether a shared
        // live item is taken now or later.
        let mut shared = rhs
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| lhs_by.contains_key(k));
        let mut next_shared = shared.next();
        let mut done: HashSet<&str> = HashSet::new();
        let mut out = Vec::with_capacity(ll.len().max(rl.len()));
        let (mut li, mut ri) = (0, 0);
        while li < lhs.len() || ri < rhs.len() {
            if li < lhs.len() && ri < rhs.len() {
                let key = lhs[li].0.as_str();
                if key == rhs[ri].0 {
                    if done.insert(key)
                        && let Some(v) =
                            self.merge_at(lhs_by.get(key).copied(), rhs_by.get(key).copied(), &ety)
                    {
                        out.push(v);
                    }
                    li += 1;
                    ri += 1;
                    next_shared = shared.next();
                    continue;
                }
                if rhs_by.contains_key(key) && next_shared.is_some_and(|n| n != key) {
                    li += 1;
                    continue;
                }
            }
            if li < lhs.len() {
                let key = lhs[li].0.as_str();
                if !rhs_by.contains_key(key) {
                    if let Some(v) = self.merge_at(Some(lhs[li].1), None, &ety) {
                        out.push(v);
                    }
                    li += 1;
                    continue;
                }
                if done.contains(key) {
                    li += 1;
                    continue;
                }
            }
            if ri < rhs.len() {
                let key = rhs[ri].0.as_str();
                if done.insert(key)
                    && let Some(v) =
                        self.merge_at(lhs_by.get(key).copied(), rhs_by.get(key).copied(), &ety)
                {
                    out.push(v);
                }
                ri += 1;
                if next_shared == Some(key) {
                    next_shared = shared.next();
                }
            }
        }
        out
    }

    /// `v` without the paths of `set` (a member path removes its whole subtree). Objects and
    /// lists emptied by the removal disappear.
    pub fn remove(&self, v: &Value, set: &Set) -> Value {
        self.remove_at(v, set, &self.root())
            .unwrap_or(Value::Object(Map::new()))
    }

    fn remove_at(&self, v: &Value, set: &Set, ty: &TypeRef) -> Option<Value> {
        match (self.node(ty, Some(v)), v) {
            (Node::Fields, Value::Object(m)) => {
                let mut out = Map::new();
                let mut changed = false;
                for (k, cv) in m {
                    let pe = PathElement::Field(k.clone());
                    if set.has_member(&pe) {
                        changed = true;
                        continue;
                    }
                    match set.child(&pe) {
                        Some(sub) => match self.remove_at(cv, sub, &self.schema.field(ty, k)) {
                            Some(x) => {
                                out.insert(k.clone(), x);
                            }
                            None => changed = true,
                        },
                        None => {
                            out.insert(k.clone(), cv.clone());
                        }
                    }
                }
                (!(changed && out.is_empty())).then_some(Value::Object(out))
            }
            (Node::Items(lt), Value::Array(items)) => {
                let ety = self.schema.element(ty);
                let mut out = Vec::new();
                let mut changed = false;
                for (pe, item) in self.name_items(ty, &lt, items) {
                    if set.has_member(&pe) {
                        changed = true;
                        continue;
                    }
                    match set.child(&pe) {
                        Some(sub) => match self.remove_at(item, sub, &ety) {
                            Some(x) => out.push(x),
                            None => changed = true,
                        },
                        None => out.push(item.clone()),
                    }
                }
                (!(changed && out.is_empty())).then_some(Value::Array(out))
            }
            _ => Some(v.clone()),
        }
    }

    /// `set` plus, as members, the declared struct fields it reaches into (so that removing a
    /// struct field removes the field, not just its leaves), as upstream's
    /// `EnsureNamedFieldsAreMembers`.
    pub fn with_named_members(&self, set: &Set) -> Set {
        self.named_at(set, &self.root())
    }

    fn named_at(&self, set: &Set, ty: &TypeRef) -> Set {
        let mut out = Set::new();
        for m in set.members() {
            out.insert_member(m.clone());
        }
        for (pe, child) in set.children() {
            if let PathElement::Field(name) = pe
                && self.schema.is_named_field(ty, name)
            {
                out.insert_member(pe.clone());
            }
            let cty = self.child_type(ty, pe);
            out.insert_child(pe.clone(), self.named_at(child, &cty));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema::{Untyped, builtin};
    use super::*;
    use kubesim_api::ResourceTable;
    use serde_json::json;

    fn deployment_schema() -> std::sync::Arc<dyn Schema> {
        let table = ResourceTable::builtin();
        let def = table.by_kind("apps", "v1", "Deployment").unwrap().clone();
        builtin(&def)
    }

    fn fields(s: &Set) -> Value {
        s.to_fields_v1()
    }

    #[test]
    fn field_sets_follow_list_types() {
        let schema = deployment_schema();
        let t = Typed::new(&*schema);
        let cases = [
            (
                "leaves and nested structs",
                json!({"spec": {"replicas": 2, "strategy": {"type": "Recreate"}}}),
                json!({"f:spec": {"f:replicas": {}, "f:strategy": {"f:type": {}}}}),
            ),
            (
                "list-map items are members with keys",
                json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "x", "ports": [{"containerPort": 80}]}]}}}}),
                json!({"f:spec": {"f:template": {"f:spec": {"f:containers": {
                    "k:{\"name\":\"a\"}": {".": {}, "f:image": {}, "f:name": {}, "f:ports": {
                        "k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}}
                    }}
                }}}}}),
            ),
            (
                "atomic selector and atomic lists are one field",
                json!({"spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"spec": {"containers": [{"name": "a", "args": ["x", "y"]}]}}}}),
                json!({"f:spec": {"f:selector": {}, "f:template": {"f:spec": {"f:containers": {
                    "k:{\"name\":\"a\"}": {".": {}, "f:args": {}, "f:name": {}}
                }}}}}),
            ),
            (
                "sets name items by value",
                json!({"metadata": {"finalizers": ["a", "b"], "labels": {"x": "1"}}}),
                json!({"f:metadata": {"f:finalizers": {"v:\"a\"": {}, "v:\"b\"": {}}, "f:labels": {"f:x": {}}}}),
            ),
            (
                "empty objects set nothing",
                json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "resources": {}}]}}}}),
                json!({"f:spec": {"f:template": {"f:spec": {"f:containers": {
                    "k:{\"name\":\"a\"}": {".": {}, "f:name": {}}
                }}}}}),
            ),
        ];
        for (name, obj, want) in cases {
            assert_eq!(fields(&t.field_set(&obj).unwrap()), want, "{name}");
        }
    }

    #[test]
    fn field_set_rejects_items_without_keys_and_duplicates() {
        let schema = deployment_schema();
        let t = Typed::new(&*schema);
        let e = t
            .field_set(&json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}))
            .unwrap_err();
        assert!(e.contains("omits key field \"name\""), "{e}");
        let e = t
            .field_set(&json!({"spec": {"template": {"spec": {"containers": [{"name": "a"}, {"name": "a"}]}}}}))
            .unwrap_err();
        assert!(e.contains("duplicate entries for key [name=\"a\"]"), "{e}");
    }

    #[test]
    fn compare_reports_added_modified_removed() {
        let schema = deployment_schema();
        let t = Typed::new(&*schema);
        let old = json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"replicas": 1,
            "template": {"spec": {"containers": [{"name": "a", "image": "x"}]}}}});
        let new = json!({"metadata": {"labels": {"a": "1", "c": "3"}}, "spec": {"replicas": 2,
            "template": {"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}}}});
        let c = t.compare(&old, &new);
        assert_eq!(
            fields(&c.added),
            json!({"f:metadata": {"f:labels": {"f:c": {}}}, "f:spec": {"f:template": {"f:spec": {"f:containers": {
                "k:{\"name\":\"b\"}": {".": {}, "f:image": {}, "f:name": {}}}}}}})
        );
        assert_eq!(fields(&c.modified), json!({"f:spec": {"f:replicas": {}}}));
        assert_eq!(
            fields(&c.removed),
            json!({"f:metadata": {"f:labels": {"f:b": {}}}})
        );
        // A new object gets its own path added (upstream's `.` entries).
        let c = t.compare(&json!({}), &json!({"metadata": {"labels": {"a": "1"}}}));
        assert_eq!(
            fields(&c.added),
            json!({"f:metadata": {".": {}, "f:labels": {".": {}, "f:a": {}}}})
        );
    }

    #[test]
    fn merge_keeps_applied_values_and_list_order() {
        let schema = deployment_schema();
        let t = Typed::new(&*schema);
        let live = json!({"spec": {"replicas": 3, "paused": false, "template": {"spec": {"containers": [
            {"name": "a", "image": "x", "imagePullPolicy": "Always"},
            {"name": "side", "image": "s"}
        ]}}}});
        let applied = json!({"spec": {"replicas": 2, "template": {"spec": {"containers": [
            {"name": "b", "image": "y"},
            {"name": "a", "image": "z"}
        ]}}}});
        let merged = t.merge(&live, &applied);
        assert_eq!(
            merged,
            json!({"spec": {"replicas": 2, "paused": false, "template": {"spec": {"containers": [
                {"name": "b", "image": "y"},
                {"name": "a", "image": "z", "imagePullPolicy": "Always"},
                {"name": "side", "image": "s"}
            ]}}}})
        );
        // Atomic lists are replaced.
        let live = json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "args": ["1", "2"]}]}}}});
        let applied =
            json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "args": ["3"]}]}}}});
        assert_eq!(t.merge(&live, &applied), applied);
    }

    #[test]
    fn remove_drops_paths_and_emptied_containers() {
        let schema = deployment_schema();
        let t = Typed::new(&*schema);
        let obj = json!({"metadata": {"labels": {"a": "1"}, "name": "n"}, "spec": {"replicas": 1,
            "template": {"spec": {"containers": [{"name": "a"}, {"name": "b"}]}}}});
        let mut set = Set::new();
        set.insert(&[
            PathElement::Field("metadata".into()),
            PathElement::Field("labels".into()),
            PathElement::Field("a".into()),
        ]);
        set.insert(&[
            PathElement::Field("spec".into()),
            PathElement::Field("replicas".into()),
        ]);
        set.insert(&[
            PathElement::Field("spec".into()),
            PathElement::Field("template".into()),
            PathElement::Field("spec".into()),
            PathElement::Field("containers".into()),
            PathElement::Key(vec![("name".into(), json!("b"))]),
        ]);
        assert_eq!(
            t.remove(&obj, &set),
            json!({"metadata": {"name": "n"}, "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}})
        );
    }

    #[test]
    fn named_members_cover_struct_fields_not_map_keys() {
        let schema = deployment_schema();
        let t = Typed::new(&*schema);
        let set = t
            .field_set(&json!({"metadata": {"labels": {"a": "1"}}, "spec": {"strategy": {"type": "Recreate"}}}))
            .unwrap();
        let named = t.with_named_members(&set);
        let f = |s: &str| PathElement::Field(s.into());
        assert!(named.has(&[f("spec")]));
        assert!(named.has(&[f("spec"), f("strategy")]));
        assert!(named.has(&[f("metadata"), f("labels")]));
        assert!(!set.has(&[f("spec")]));
    }

    #[test]
    fn untyped_lists_are_atomic_and_maps_granular() {
        let t = Typed::new(&Untyped);
        let set = t
            .field_set(&json!({"spec": {"items": [{"a": 1}], "m": {"k": "v"}}}))
            .unwrap();
        assert_eq!(
            fields(&set),
            json!({"f:spec": {"f:items": {}, "f:m": {"f:k": {}}}})
        );
        let merged = t.merge(
            &json!({"spec": {"items": [1, 2], "m": {"x": 1}}}),
            &json!({"spec": {"items": [3], "m": {"k": "v"}}}),
        );
        assert_eq!(
            merged,
            json!({"spec": {"items": [3], "m": {"x": 1, "k": "v"}}})
        );
    }
}
