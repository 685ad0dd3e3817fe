//! What server-side apply needs to know about a kind's fields: which values are structs (named
//! fields), maps or lists, and how each list is merged (`x-kubernetes-list-type` atomic, set or
//! map with its keys). Field sets, merges and removals walk objects through a [`Schema`].
//!
//! Three schemas exist: [`builtin`] for the built-in kinds (over the generated type metadata
//! of [`crate::schema`]), [`CrdSchema`] over a
//! CustomResourceDefinition's structural schema, and [`Untyped`] (upstream's "deduced" type: every
//! list atomic, every map granular) for anything else. [`for_resource`] picks one; it is the one
//! place a better source (generated per-type metadata, a CRD store) plugs in.

use std::sync::{Arc, OnceLock};

use kubesim_api::{ResourceDef, ResourceTable};
use serde_json::Value;

use crate::schema as types;

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

/// The schema of a built-in kind (untyped if the type metadata does not know it).
pub fn builtin(def: &ResourceDef) -> Arc<dyn Schema> {
    match types::kind_type(&def.group, &def.version, &def.kind) {
        Some(t) => Arc::new(Generated {
            root: Generated::object_ref(t),
        }),
        None => Arc::new(Untyped),
    }
}

/// Built-in kinds, over the generated type metadata of [`crate::schema`]. Types are strings:
/// `T<definition>` for an object type, `F<definition>|<field><steps>` for the value of a
/// non-object field, where each step (`[` list item, `{` map value) goes one level into it.
struct Generated {
    root: TypeRef,
}

/// The definition name of ObjectMeta, whose rules custom resources share.
const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

fn ty(s: String) -> TypeRef {
    Some(Arc::from(s))
}

/// A field's value (or a level inside it), resolved.
struct FieldAt {
    field: &'static types::FieldInfo,
    shape: &'static types::Shape,
    top: bool,
}

impl Generated {
    fn object_ref(t: types::TypeId) -> TypeRef {
        ty(format!("T{}", t.name()))
    }

    /// The type of a value of `shape`, which sits at `prefix` (`F<def>|<field><steps>`).
    fn value_ref(shape: &types::Shape, prefix: String) -> TypeRef {
        match shape {
            types::Shape::Object(t) => Self::object_ref(*t),
            _ => ty(prefix),
        }
    }

    fn object(t: &TypeRef) -> Option<types::TypeId> {
        types::type_named(t.as_deref()?.strip_prefix('T')?)
    }

    fn field_at(t: &TypeRef) -> Option<FieldAt> {
        let rest = t.as_deref()?.strip_prefix('F')?;
        let (def, rest) = rest.split_once('|')?;
        let steps_at = rest.find(['[', '{']).unwrap_or(rest.len());
        let (name, steps) = rest.split_at(steps_at);
        let field = types::type_named(def)?.field(name)?;
        let mut shape = &field.shape;
        for step in steps.chars() {
            shape = match (step, shape) {
                ('[', types::Shape::List(inner)) | ('{', types::Shape::Map(inner)) => inner,
                _ => return None,
            };
        }
        Some(FieldAt {
            field,
            shape,
            top: steps.is_empty(),
        })
    }
}

impl Schema for Generated {
    fn root(&self) -> TypeRef {
        self.root.clone()
    }

    fn shape(&self, t: &TypeRef) -> Shape {
        if let Some(obj) = Self::object(t) {
            return Shape::Struct {
                atomic: obj.info().atomic,
            };
        }
        let Some(at) = Self::field_at(t) else {
            return Shape::Untyped;
        };
        match at.shape {
            types::Shape::Scalar(_) => Shape::Scalar,
            types::Shape::Any => Shape::Untyped,
            types::Shape::Object(o) => Shape::Struct {
                atomic: o.info().atomic,
            },
            types::Shape::List(_) => Shape::List(match (&at.field.list_type, at.top) {
                (Some(types::ListType::Set), true) => ListType::Set,
                (Some(types::ListType::Map(keys)), true) => {
                    ListType::Map(keys.iter().map(|k| k.to_string()).collect())
                }
                _ => ListType::Atomic,
            }),
            types::Shape::Map(_) => Shape::Map {
                atomic: at.top && at.field.map_atomic,
            },
        }
    }

    fn field(&self, t: &TypeRef, name: &str) -> TypeRef {
        if let Some(obj) = Self::object(t) {
            let f = obj.field(name)?;
            return Self::value_ref(&f.shape, format!("F{}|{name}", obj.name()));
        }
        let at = Self::field_at(t)?;
        match at.shape {
            types::Shape::Map(inner) => Self::value_ref(inner, format!("{}{{", t.as_deref()?)),
            _ => None,
        }
    }

    fn is_named_field(&self, t: &TypeRef, name: &str) -> bool {
        Self::object(t).is_some_and(|o| o.field(name).is_some())
    }

    fn element(&self, t: &TypeRef) -> TypeRef {
        let at = Self::field_at(t)?;
        match at.shape {
            types::Shape::List(inner) => Self::value_ref(inner, format!("{}[", t.as_deref()?)),
            _ => None,
        }
    }

    fn key_default(&self, t: &TypeRef, key: &str) -> Option<Value> {
        // SIMPLIFICATION: the type metadata carries no defaults; the one list-map key with a
        // default in the built-in types is `protocol` (TCP) of container, service and endpoint
        // ports; see README#differences.
        let item = types::descend(Self::field_at(t)?.shape)?;
        (key == "protocol" && item.field("protocol").is_some()).then(|| Value::from("TCP"))
    }
}

/// A CustomResourceDefinition's structural schema (`openAPIV3Schema` of one version). Types are
/// JSON pointers into it; `metadata` follows the built-in ObjectMeta rules.
pub struct CrdSchema {
    root: Value,
    meta: Generated,
}

impl CrdSchema {
    /// A schema over `openapi_v3_schema`.
    pub fn new(openapi_v3_schema: Value) -> Self {
        CrdSchema {
            root: openapi_v3_schema,
            meta: Generated {
                root: ty(format!("T{OBJECT_META}")),
            },
        }
    }

    fn node(&self, t: &TypeRef) -> Option<&Value> {
        let p = t.as_deref()?;
        let p = p.strip_prefix('#')?;
        self.root.pointer(p)
    }

    /// Whether `t` is a type of the built-in metadata (under `metadata`), not of the CRD.
    fn is_meta(t: &TypeRef) -> bool {
        t.as_deref().is_some_and(|p| !p.starts_with('#'))
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
            return self.meta.shape(t);
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
                } else if atomic
                    || node
                        .get("additionalProperties")
                        .is_some_and(Value::is_object)
                {
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
            return self.meta.root();
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
    fn generated_metadata_describes_pod_templates() {
        let table = ResourceTable::builtin();
        let def = table.by_kind("apps", "v1", "Deployment").unwrap();
        let s = builtin(def);
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
        assert_eq!(s.key_default(&ports, "containerPort"), None);
        let sel = s.field(&s.field(&s.root(), "spec"), "selector");
        assert_eq!(s.shape(&sel), Shape::Struct { atomic: true });
        let labels = s.field(&s.field(&s.root(), "metadata"), "labels");
        assert_eq!(s.shape(&labels), Shape::Map { atomic: false });
        assert_eq!(s.shape(&s.field(&labels, "app")), Shape::Scalar);
        assert!(!s.is_named_field(&labels, "app"));
        assert!(s.is_named_field(&s.root(), "spec"));
        assert!(!s.is_named_field(&s.root(), "nope"));
        assert_eq!(s.field(&s.root(), "nope"), None);
        let fin = s.field(&s.field(&s.root(), "metadata"), "finalizers");
        assert_eq!(s.shape(&fin), Shape::List(ListType::Set));
        assert_eq!(s.shape(&s.element(&fin)), Shape::Scalar);
        let args = s.field(&item, "args");
        assert_eq!(s.shape(&args), Shape::List(ListType::Atomic));
        let limits = s.field(&s.field(&item, "resources"), "limits");
        assert_eq!(s.shape(&limits), Shape::Map { atomic: false });
        let pod = builtin(table.by_kind("", "v1", "Pod").unwrap());
        let ns = pod.field(&pod.field(&pod.root(), "spec"), "nodeSelector");
        assert_eq!(pod.shape(&ns), Shape::Map { atomic: true });
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
