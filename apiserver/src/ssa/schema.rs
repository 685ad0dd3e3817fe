//! What server-side apply needs to know about a kind's fields: which values are structs (named
//! fields), maps or lists, and how each list is merged (`x-kubernetes-list-type` atomic, set or
//! map with its keys). Field sets, merges and removals walk objects through a [`Schema`].
//!
//! Three schemas exist: [`builtin`] for the built-in kinds, [`CrdSchema`] over a
//! CustomResourceDefinition's structural schema, and [`Untyped`] (upstream's "deduced" type: every
//! list atomic, every map granular) for anything else. [`for_resource`] picks one; it is the one
//! place a better source (generated per-type metadata, a CRD store) plugs in.

use std::sync::{Arc, OnceLock};

use kubesim_api::{ResourceDef, ResourceTable};
use serde_json::Value;

/// A type in a schema, opaque to the walkers; `None` is the untyped (deduced) type.
pub type TypeRef = Option<Arc<str>>;

/// How the items of a list are identified and merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListType {
    /// The list is one value: replaced and owned as a whole.
    Atomic,
    /// Items are scalars identified by their value.
    Set,
    /// Items are objects identified by these key fields.
    Map(Vec<String>),
}

/// The shape of a value at a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// Unknown: deduced from the value (objects are granular maps, lists atomic).
    Untyped,
    /// A leaf value.
    Scalar,
    /// An object with declared (named) fields; `atomic` objects are owned as a whole.
    Struct {
        /// `x-kubernetes-map-type: atomic`.
        atomic: bool,
    },
    /// An object whose keys are data (`additionalProperties`); `atomic` maps are owned whole.
    Map {
        /// `x-kubernetes-map-type: atomic`.
        atomic: bool,
    },
    /// A list.
    List(ListType),
}

/// Field metadata of one kind.
pub trait Schema: Send + Sync {
    /// The type of the whole object.
    fn root(&self) -> TypeRef;
    /// The shape of values of type `ty`.
    fn shape(&self, ty: &TypeRef) -> Shape;
    /// The type of field (or map key) `name` of the struct or map type `ty`.
    fn field(&self, ty: &TypeRef, name: &str) -> TypeRef;
    /// Whether `name` is a declared field of the struct type `ty` (map keys are not).
    fn is_named_field(&self, ty: &TypeRef, name: &str) -> bool;
    /// The item type of the list type `ty`.
    fn element(&self, ty: &TypeRef) -> TypeRef;
    /// The default of key field `key` of the list-map type `ty`, used when an item omits it.
    fn key_default(&self, _ty: &TypeRef, _key: &str) -> Option<Value> {
        None
    }
}

/// The schema of unknown kinds: everything deduced from the values.
#[derive(Debug, Clone, Copy, Default)]
pub struct Untyped;

impl Schema for Untyped {
    fn root(&self) -> TypeRef {
        None
    }
    fn shape(&self, _ty: &TypeRef) -> Shape {
        Shape::Untyped
    }
    fn field(&self, _ty: &TypeRef, _name: &str) -> TypeRef {
        None
    }
    fn is_named_field(&self, _ty: &TypeRef, _name: &str) -> bool {
        false
    }
    fn element(&self, _ty: &TypeRef) -> TypeRef {
        None
    }
}

/// The schema of a resource: the built-in table for built-in kinds, the structural schema of
/// its CRD (`crd_schema`: the version's `openAPIV3Schema`) when given, else [`Untyped`].
pub fn for_resource(def: &ResourceDef, crd_schema: Option<&Value>) -> Arc<dyn Schema> {
    if is_builtin(def) {
        return builtin(def);
    }
    match crd_schema {
        Some(s) => Arc::new(CrdSchema::new(s.clone())),
        None => Arc::new(Untyped),
    }
}

/// Whether `def` is one of the kinds compiled into the server (not a custom resource).
pub fn is_builtin(def: &ResourceDef) -> bool {
    static TABLE: OnceLock<ResourceTable> = OnceLock::new();
    TABLE
        .get_or_init(ResourceTable::builtin)
        .by_kind(&def.group, &def.version, &def.kind)
        .is_some()
}

/// The schema of a built-in kind.
pub fn builtin(def: &ResourceDef) -> Arc<dyn Schema> {
    Arc::new(Builtin {
        kind: def.kind.clone(),
    })
}

// SIMPLIFICATION: until the generated per-type metadata (`crate::schema`) is merged, built-in
// kinds use this table of the commonly applied list-map, set and atomic fields, matched by field
// name and position; other lists are atomic and other objects granular structs.
/// Built-in kinds, described by field-name rules. Types are dotted paths (`spec.template.spec.
/// containers[]`) so the rules can look at where a field sits.
struct Builtin {
    kind: String,
}

fn ty(s: String) -> TypeRef {
    Some(Arc::from(s))
}

/// Fields whose values are maps (keys are data, not declared fields).
const MAP_FIELDS: &[&str] = &[
    "labels",
    "annotations",
    "data",
    "binaryData",
    "stringData",
    "limits",
    "requests",
    "capacity",
    "allocatable",
    "parameters",
    "matchLabels",
    "nodeSelector",
    "hard",
    "used",
];

impl Builtin {
    fn last(path: &str) -> &str {
        path.rsplit('.').next().unwrap_or(path)
    }

    fn list_type(&self, path: &str) -> Option<ListType> {
        let name = Self::last(path);
        let keys = |k: &[&str]| Some(ListType::Map(k.iter().map(|s| s.to_string()).collect()));
        match name {
            "containers"
            | "initContainers"
            | "ephemeralContainers"
            | "volumes"
            | "env"
            | "imagePullSecrets"
            | "resourceClaims"
            | "schedulingGates" => keys(&["name"]),
            "volumeMounts" => keys(&["mountPath"]),
            "volumeDevices" => keys(&["devicePath"]),
            "hostAliases" => keys(&["ip"]),
            "topologySpreadConstraints" => keys(&["topologyKey", "whenUnsatisfiable"]),
            "conditions" => keys(&["type"]),
            "ports"
                if path.ends_with("containers[].ports") || path.ends_with("Containers[].ports") =>
            {
                keys(&["containerPort", "protocol"])
            }
            "ports" if self.kind == "Service" && path == "spec.ports" => {
                keys(&["port", "protocol"])
            }
            "ownerReferences" if path.ends_with("metadata.ownerReferences") => keys(&["uid"]),
            "finalizers" if path.ends_with("metadata.finalizers") => Some(ListType::Set),
            "managedFields" => Some(ListType::Atomic),
            _ => None,
        }
    }
}

impl Schema for Builtin {
    fn root(&self) -> TypeRef {
        ty(String::new())
    }

    fn shape(&self, t: &TypeRef) -> Shape {
        let Some(path) = t.as_deref() else {
            return Shape::Untyped;
        };
        if path.is_empty() {
            return Shape::Struct { atomic: false };
        }
        if let Some(list) = path.strip_suffix("[]") {
            return match self.list_type(list) {
                Some(ListType::Map(_)) => Shape::Struct { atomic: false },
                Some(ListType::Set) => Shape::Scalar,
                _ => Shape::Untyped,
            };
        }
        if let Some(lt) = self.list_type(path) {
            return Shape::List(lt);
        }
        let name = Self::last(path);
        if name == "selector" || (name.ends_with("Selector") && name != "nodeSelector") {
            return Shape::Struct { atomic: true };
        }
        if name == "nodeSelector" {
            return Shape::Map { atomic: true };
        }
        if MAP_FIELDS.contains(&name) {
            return Shape::Map { atomic: false };
        }
        Shape::Untyped
    }

    fn field(&self, t: &TypeRef, name: &str) -> TypeRef {
        let path = t.as_deref()?;
        if matches!(self.shape(t), Shape::Map { .. }) {
            // Map values: leaves.
            return ty(format!("{path}.*"));
        }
        if path.is_empty() {
            ty(name.to_string())
        } else {
            ty(format!("{path}.{name}"))
        }
    }

    fn is_named_field(&self, t: &TypeRef, _name: &str) -> bool {
        t.is_some() && !matches!(self.shape(t), Shape::Map { .. } | Shape::List(_))
    }

    fn element(&self, t: &TypeRef) -> TypeRef {
        let path = t.as_deref()?;
        ty(format!("{path}[]"))
    }

    fn key_default(&self, t: &TypeRef, key: &str) -> Option<Value> {
        let path = t.as_deref()?;
        (Self::last(path) == "ports" && key == "protocol").then(|| Value::from("TCP"))
    }
}

/// A CustomResourceDefinition's structural schema (`openAPIV3Schema` of one version). Types are
/// JSON pointers into it; `metadata` follows the built-in ObjectMeta rules.
pub struct CrdSchema {
    root: Value,
    meta: Builtin,
}

impl CrdSchema {
    /// A schema over `openapi_v3_schema`.
    pub fn new(openapi_v3_schema: Value) -> Self {
        CrdSchema {
            root: openapi_v3_schema,
            meta: Builtin {
                kind: String::new(),
            },
        }
    }

    fn node(&self, t: &TypeRef) -> Option<&Value> {
        let p = t.as_deref()?;
        let p = p.strip_prefix('#')?;
        self.root.pointer(p)
    }

    /// Whether `t` is a type of the ObjectMeta rules (a path under `metadata`).
    fn is_meta(t: &TypeRef) -> bool {
        t.as_deref().is_some_and(|p| p.starts_with("metadata"))
    }
}

fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

impl Schema for CrdSchema {
    fn root(&self) -> TypeRef {
        ty("#".into())
    }

    fn shape(&self, t: &TypeRef) -> Shape {
        if Self::is_meta(t) {
            return match t.as_deref() {
                Some("metadata") => Shape::Struct { atomic: false },
                _ => self.meta.shape(t),
            };
        }
        let Some(node) = self.node(t) else {
            return Shape::Untyped;
        };
        let s = |k: &str| node.get(k).and_then(Value::as_str);
        if node.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
            return Shape::Scalar;
        }
        match s("type") {
            Some("array") => Shape::List(match s("x-kubernetes-list-type") {
                Some("set") => ListType::Set,
                Some("map") => ListType::Map(
                    node.get("x-kubernetes-list-map-keys")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|k| k.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                ),
                _ => ListType::Atomic,
            }),
            Some("object") => {
                let atomic = s("x-kubernetes-map-type") == Some("atomic");
                if node.get("properties").is_some_and(Value::is_object) {
                    Shape::Struct { atomic }
                } else if node
                    .get("additionalProperties")
                    .is_some_and(Value::is_object)
                {
                    Shape::Map { atomic }
                } else if atomic {
                    Shape::Map { atomic }
                } else {
                    Shape::Untyped
                }
            }
            Some(_) => Shape::Scalar,
            None => Shape::Untyped,
        }
    }

    fn field(&self, t: &TypeRef, name: &str) -> TypeRef {
        if Self::is_meta(t) {
            return self.meta.field(t, name);
        }
        if t.as_deref() == Some("#") && name == "metadata" {
            return ty("metadata".into());
        }
        let p = t.as_deref()?;
        let node = self.node(t)?;
        if node.get("properties").and_then(|ps| ps.get(name)).is_some() {
            return ty(format!("{p}/properties/{}", escape_pointer(name)));
        }
        if node
            .get("additionalProperties")
            .is_some_and(Value::is_object)
        {
            return ty(format!("{p}/additionalProperties"));
        }
        None
    }

    fn is_named_field(&self, t: &TypeRef, name: &str) -> bool {
        if Self::is_meta(t) {
            return self.meta.is_named_field(t, name);
        }
        if t.as_deref() == Some("#") && name == "metadata" {
            return true;
        }
        self.node(t)
            .and_then(|n| n.get("properties"))
            .and_then(|ps| ps.get(name))
            .is_some()
    }

    fn element(&self, t: &TypeRef) -> TypeRef {
        if Self::is_meta(t) {
            return self.meta.element(t);
        }
        let p = t.as_deref()?;
        self.node(t)?.get("items")?;
        ty(format!("{p}/items"))
    }

    fn key_default(&self, t: &TypeRef, key: &str) -> Option<Value> {
        if Self::is_meta(t) {
            return None;
        }
        self.node(t)?
            .pointer(&format!(
                "/items/properties/{}/default",
                escape_pointer(key)
            ))
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builtin_rules_describe_pod_templates() {
        let s = Builtin {
            kind: "Deployment".into(),
        };
        let mut t = s.root();
        for f in ["spec", "template", "spec", "containers"] {
            t = s.field(&t, f);
        }
        assert_eq!(s.shape(&t), Shape::List(ListType::Map(vec!["name".into()])));
        let item = s.element(&t);
        assert_eq!(s.shape(&item), Shape::Struct { atomic: false });
        let ports = s.field(&item, "ports");
        assert_eq!(
            s.shape(&ports),
            Shape::List(ListType::Map(vec![
                "containerPort".into(),
                "protocol".into()
            ]))
        );
        assert_eq!(s.key_default(&ports, "protocol"), Some(json!("TCP")));
        let sel = s.field(&s.field(&s.root(), "spec"), "selector");
        assert_eq!(s.shape(&sel), Shape::Struct { atomic: true });
        let labels = s.field(&s.field(&s.root(), "metadata"), "labels");
        assert_eq!(s.shape(&labels), Shape::Map { atomic: false });
        assert!(!s.is_named_field(&labels, "app"));
        assert!(s.is_named_field(&s.root(), "spec"));
        let fin = s.field(&s.field(&s.root(), "metadata"), "finalizers");
        assert_eq!(s.shape(&fin), Shape::List(ListType::Set));
        let args = s.field(&item, "args");
        assert_eq!(s.shape(&args), Shape::Untyped);
    }

    #[test]
    fn crd_schema_reads_list_types_and_metadata_rules() {
        let s = CrdSchema::new(json!({
            "type": "object",
            "properties": {
                "metadata": {"type": "object"},
                "spec": {"type": "object", "properties": {
                    "items": {"type": "array", "x-kubernetes-list-type": "map",
                              "x-kubernetes-list-map-keys": ["id"],
                              "items": {"type": "object", "properties": {
                                  "id": {"type": "integer"}, "proto": {"type": "string", "default": "TCP"}}}},
                    "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
                    "plain": {"type": "array", "items": {"type": "string"}},
                    "env": {"type": "object", "additionalProperties": {"type": "string"}},
                    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
                }}
            }
        }));
        let spec = s.field(&s.root(), "spec");
        assert_eq!(s.shape(&spec), Shape::Struct { atomic: false });
        let items = s.field(&spec, "items");
        assert_eq!(
            s.shape(&items),
            Shape::List(ListType::Map(vec!["id".into()]))
        );
        assert_eq!(s.key_default(&items, "proto"), Some(json!("TCP")));
        assert_eq!(s.shape(&s.field(&spec, "tags")), Shape::List(ListType::Set));
        assert_eq!(
            s.shape(&s.field(&spec, "plain")),
            Shape::List(ListType::Atomic)
        );
        let env = s.field(&spec, "env");
        assert_eq!(s.shape(&env), Shape::Map { atomic: false });
        assert_eq!(s.shape(&s.field(&env, "X")), Shape::Scalar);
        assert_eq!(s.shape(&s.field(&spec, "free")), Shape::Untyped);
        assert_eq!(s.field(&spec, "unknown"), None);
        let meta = s.field(&s.root(), "metadata");
        assert_eq!(
            s.shape(&s.field(&meta, "finalizers")),
            Shape::List(ListType::Set)
        );
        assert_eq!(
            s.shape(&s.field(&meta, "labels")),
            Shape::Map { atomic: false }
        );
    }
}
