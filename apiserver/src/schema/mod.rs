//! Type metadata of every built-in Kubernetes type: fields, their shapes, and the merge
//! semantics of strategic merge patch (SMP) and server-side apply (SSA).
//!
//! The data is generated from the types (see `gen_types.py` beside this file and the header
//! of `types.txt` for the command): the k8s-openapi crate's v1.33 structs give each type's
//! JSON fields and their shapes and its `DeepMerge` impls give the SSA list types; the
//! `+patchStrategy`/`+patchMergeKey`/`+listType`/`+listMapKey`/`+mapType`/`+structType`
//! markers that upstream keeps in `generated.proto` (carried by the k8s-pb crate) give the
//! SMP strategies and the full list-map keys. It is parsed once, on first use.
//!
//! # API
//!
//! * [`kind_type`]`(group, version, kind)` → the [`TypeId`] of a top-level kind (`""` is
//!   the core group), e.g. `kind_type("apps", "v1", "Deployment")`. `None` for kinds
//!   without built-in metadata (custom resources).
//! * [`object_type`]`(&obj)` → the same from an object's own `apiVersion` and `kind`.
//! * [`type_named`]`("io.k8s.api.core.v1.PodSpec")` → a type by its OpenAPI definition name.
//! * [`kinds`]`()` → every top-level kind with its type.
//! * [`field`]`(ty, "containers")` (or `ty.field(..)`) → the [`FieldInfo`] of one JSON field.
//! * [`TypeId::info`] → the [`TypeInfo`]: definition name, `atomic` (`+structType=atomic`)
//!   and every field sorted by JSON name.
//! * [`FieldInfo`]: `name`, `shape` ([`Shape`]: `Scalar` | `Object(TypeId)` |
//!   `List(Box<Shape>)` | `Map(Box<Shape>)` | `Any`), the SMP `patch_strategy`
//!   ([`PatchStrategy`]) and `patch_merge_key`, the SSA `list_type` ([`ListType`]: `Atomic`
//!   | `Set` | `Map(keys)`, present on every list field) and `map_atomic` for maps.
//! * [`descend`] walks a shape to the object type of an element (`List(Object(t))` → `t`).
//!
//! Top-level kinds also list `apiVersion` and `kind` (strings). Embedded Go structs
//! (`json:",inline"`) are already flattened: their fields belong to the outer type.
//!
//! Example: `Container.ports` is `List(Object(ContainerPort))`, `patch_strategy: Merge`,
//! `patch_merge_key: Some("containerPort")`, `list_type: Some(Map(["containerPort",
//! "protocol"]))`; `PodSpec.tolerations` is `Unspecified` (SMP replaces it) and `Atomic`.

use std::collections::HashMap;
use std::sync::OnceLock;

#[cfg(test)]
mod tests;

/// The generated metadata; see `gen_types.py` for the format.
const TYPES_TEXT: &str = include_str!("types.txt");

/// A type of the metadata (an index; cheap to copy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TypeId(u32);

impl TypeId {
    /// The type's metadata.
    pub fn info(self) -> &'static TypeInfo {
        &data().types[self.0 as usize]
    }

    /// The type's OpenAPI definition name, e.g. `io.k8s.api.core.v1.PodSpec`.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The field with JSON name `json_name`.
    pub fn field(self, json_name: &str) -> Option<&'static FieldInfo> {
        self.info().field(json_name)
    }
}

/// One type: an object with named fields.
#[derive(Debug)]
pub struct TypeInfo {
    /// The OpenAPI definition name, e.g. `io.k8s.api.core.v1.PodSpec`.
    pub name: &'static str,
    /// `+structType=atomic`: SSA owns and replaces the object as a whole.
    pub atomic: bool,
    /// Every field, sorted by JSON name.
    pub fields: Vec<FieldInfo>,
}

impl TypeInfo {
    /// The field with JSON name `json_name`.
    pub fn field(&self, json_name: &str) -> Option<&FieldInfo> {
        self.fields
            .binary_search_by(|f| f.name.cmp(json_name))
            .ok()
            .map(|i| &self.fields[i])
    }
}

/// One field of a type.
#[derive(Debug)]
pub struct FieldInfo {
    /// The JSON name.
    pub name: &'static str,
    /// What the field holds.
    pub shape: Shape,
    /// The SMP `patchStrategy` struct tag.
    pub patch_strategy: PatchStrategy,
    /// The SMP `patchMergeKey` struct tag (lists of objects with a merge strategy).
    pub patch_merge_key: Option<&'static str>,
    /// The SSA list type; `Some` on every list field (`Atomic` when upstream says nothing).
    pub list_type: Option<ListType>,
    /// A map field with `+mapType=atomic`: SSA replaces it as a whole.
    pub map_atomic: bool,
}

/// The shape of a field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// A scalar.
    Scalar(Scalar),
    /// An object of a known type.
    Object(TypeId),
    /// A list of the inner shape.
    List(Box<Shape>),
    /// A map from strings to the inner shape.
    Map(Box<Shape>),
    /// Arbitrary JSON (`RawExtension`, `FieldsV1`, apiextensions `JSON`...).
    Any,
}

/// A scalar type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// A string.
    String,
    /// An integer (int32 or int64).
    Integer,
    /// A floating point number.
    Number,
    /// A boolean.
    Boolean,
    /// A resource quantity (a string, or a number clients send).
    Quantity,
    /// A timestamp (RFC 3339 string).
    Time,
    /// An integer or a string (`IntOrString`).
    IntOrString,
    /// Bytes, base64 in JSON.
    Bytes,
}

/// The SMP `patchStrategy` of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchStrategy {
    /// No tag: lists are replaced whole, maps and objects merge key by key.
    Unspecified,
    /// `merge`: lists merge by their merge key (lists of scalars merge as sets).
    Merge,
    /// `replace`: the value is replaced whole.
    Replace,
    /// `retainKeys`: an object in which the patch's `$retainKeys` drops unlisted keys.
    RetainKeys,
    /// `merge,retainKeys`: a merging list whose items honour `$retainKeys`.
    MergeRetainKeys,
}

impl PatchStrategy {
    /// Whether a list with this strategy merges (rather than being replaced).
    pub fn merges(self) -> bool {
        matches!(self, PatchStrategy::Merge | PatchStrategy::MergeRetainKeys)
    }

    /// Whether `$retainKeys` applies.
    pub fn retains_keys(self) -> bool {
        matches!(
            self,
            PatchStrategy::RetainKeys | PatchStrategy::MergeRetainKeys
        )
    }
}

/// The SSA list type (`x-kubernetes-list-type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListType {
    /// Replaced as a whole.
    Atomic,
    /// A set of scalars.
    Set,
    /// A map keyed by these item fields (`x-kubernetes-list-map-keys`).
    Map(Vec<&'static str>),
}

/// The object type of `shape` or of its elements: `Object(t)`, `List(Object(t))` and
/// `Map(Object(t))` all give `t`.
pub fn descend(shape: &Shape) -> Option<TypeId> {
    match shape {
        Shape::Object(t) => Some(*t),
        Shape::List(inner) | Shape::Map(inner) => descend(inner),
        _ => None,
    }
}

/// The type of the top-level kind `group` (`""` for core) / `version` / `kind`.
pub fn kind_type(group: &str, version: &str, kind: &str) -> Option<TypeId> {
    data().kinds.get(&(group, version, kind)).copied()
}

/// The type of an object by its own `apiVersion` and `kind`.
pub fn object_type(obj: &serde_json::Value) -> Option<TypeId> {
    let api_version = obj.get("apiVersion")?.as_str()?;
    let kind = obj.get("kind")?.as_str()?;
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    kind_type(group, version, kind)
}

/// The type with OpenAPI definition name `name`.
pub fn type_named(name: &str) -> Option<TypeId> {
    data().by_name.get(name).copied()
}

/// The field `json_name` of `ty`.
pub fn field(ty: TypeId, json_name: &str) -> Option<&'static FieldInfo> {
    ty.field(json_name)
}

/// Every top-level kind: (group, version, kind, type).
pub fn kinds() -> impl Iterator<Item = (&'static str, &'static str, &'static str, TypeId)> {
    data().kinds.iter().map(|(&(g, v, k), &t)| (g, v, k, t))
}

struct Data {
    types: Vec<TypeInfo>,
    by_name: HashMap<&'static str, TypeId>,
    kinds: HashMap<(&'static str, &'static str, &'static str), TypeId>,
}

fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| parse(TYPES_TEXT))
}

/// Parses the generated text. The text is part of the binary and covered by the unit
/// tests, so a malformed line is a build defect: it is skipped rather than failing requests.
fn parse(text: &'static str) -> Data {
    let lines = || {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
    };
    let mut by_name = HashMap::new();
    for l in lines() {
        if let Some(rest) = l.strip_prefix("@ ") {
            let name = rest.split(' ').next().unwrap_or(rest);
            let id = TypeId(by_name.len() as u32);
            by_name.insert(name, id);
        }
    }
    let mut types: Vec<TypeInfo> = Vec::with_capacity(by_name.len());
    let mut kinds = HashMap::new();
    for l in lines() {
        if let Some(rest) = l.strip_prefix("@ ") {
            let mut parts = rest.split(' ');
            let name = parts.next().unwrap_or(rest);
            types.push(TypeInfo {
                name,
                atomic: parts.any(|p| p == "atomic"),
                fields: Vec::new(),
            });
        } else if let Some(rest) = l.strip_prefix("= ") {
            let p: Vec<&'static str> = rest.split(' ').collect();
            if let [g, v, k, def] = p[..]
                && let Some(&id) = by_name.get(def)
            {
                kinds.insert((if g == "-" { "" } else { g }, v, k), id);
            }
        } else if let Some(ty) = types.last_mut() {
            let mut parts = l.split(' ');
            let (Some(name), Some(shape)) = (parts.next(), parts.next()) else {
                continue;
            };
            let Some(shape) = parse_shape(shape, &by_name) else {
                continue;
            };
            let mut f = FieldInfo {
                name,
                shape,
                patch_strategy: PatchStrategy::Unspecified,
                patch_merge_key: None,
                list_type: None,
                map_atomic: false,
            };
            for attr in parts {
                match attr.split_once('=') {
                    Some(("list", "atomic")) => f.list_type = Some(ListType::Atomic),
                    Some(("list", "set")) => f.list_type = Some(ListType::Set),
                    Some(("list", m)) => {
                        if let Some(keys) = m.strip_prefix("map:") {
                            f.list_type = Some(ListType::Map(keys.split(',').collect()));
                        }
                    }
                    Some(("map", "atomic")) => f.map_atomic = true,
                    Some(("patch", s)) => {
                        f.patch_strategy = match s {
                            "merge" => PatchStrategy::Merge,
                            "replace" => PatchStrategy::Replace,
                            "retainKeys" => PatchStrategy::RetainKeys,
                            "merge,retainKeys" => PatchStrategy::MergeRetainKeys,
                            _ => PatchStrategy::Unspecified,
                        }
                    }
                    Some(("key", k)) => f.patch_merge_key = Some(k),
                    _ => {}
                }
            }
            ty.fields.push(f);
        }
    }
    for t in &mut types {
        t.fields.sort_by(|a, b| a.name.cmp(b.name));
    }
    Data {
        types,
        by_name,
        kinds,
    }
}

fn parse_shape(s: &str, by_name: &HashMap<&'static str, TypeId>) -> Option<Shape> {
    if let Some(inner) = s.strip_prefix('[') {
        return parse_shape(inner, by_name).map(|i| Shape::List(Box::new(i)));
    }
    if let Some(inner) = s.strip_prefix('{') {
        return parse_shape(inner, by_name).map(|i| Shape::Map(Box::new(i)));
    }
    if let Some(name) = s.strip_prefix('.') {
        return by_name.get(name).map(|&t| Shape::Object(t));
    }
    Some(match s {
        "s" => Shape::Scalar(Scalar::String),
        "i" => Shape::Scalar(Scalar::Integer),
        "n" => Shape::Scalar(Scalar::Number),
        "b" => Shape::Scalar(Scalar::Boolean),
        "q" => Shape::Scalar(Scalar::Quantity),
        "t" => Shape::Scalar(Scalar::Time),
        "x" => Shape::Scalar(Scalar::IntOrString),
        "y" => Shape::Scalar(Scalar::Bytes),
        "a" => Shape::Any,
        _ => return None,
    })
}
