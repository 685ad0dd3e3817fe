//! `fieldValidation`: unknown and duplicate fields in a write are dropped, warned about or
//! refused (Ignore / Warn / Strict) with upstream's messages, using the kinds' schemas.
//!
//! The object is walked along the schema of its kind (see `crate::openapi`), at any depth —
//! through lists, maps of objects and `metadata` (an `ObjectMeta` like any other struct).
//! Free-form places are not looked into: maps (`labels`, `data`), `RawExtension`-like
//! fields (an object schema without properties), `x-kubernetes-preserve-unknown-fields`,
//! and the alternatives of a `oneOf`.
//!
//! * An unknown field is always removed, so it is never stored. Strict refuses the write
//!   with 400 `<Kind> in version "<v>" cannot be handled as a <Kind>: strict decoding error:
//!   unknown field "spec.foo", duplicate field "spec.replicas"` (in document order, as Go's
//!   decoder reports them); Warn adds one warning per field (`unknown field "spec.foo"`);
//!   Ignore says nothing.
//! * A duplicate key can only be seen in the raw body: the HTTP layer scans JSON bodies
//!   with [`duplicate_fields`] and hands the paths over in `WriteContext::duplicate_fields`
//!   (see [`with_duplicates`]); patch bodies are scanned by [`check_patch`] itself.
//! * A value of the wrong type (a string where an integer belongs) is refused whatever the
//!   mode, with the message of Go's JSON decoder: `json: cannot unmarshal string into Go
//!   struct field DeploymentSpec.spec.replicas of type int32`.
//! * Patches (JSON, merge, strategic) answer 422 `patch: Invalid value: ...` as upstream's
//!   patch handler does, reporting the patch body's duplicates before the patched object's
//!   unknown fields.
//!
//! [`check`] and [`check_patch`] skip kinds without a built-in schema; for custom resources
//! the CRD code calls [`check_custom`] and [`check_custom_patch`] with the version's
//! `openAPIV3Schema`: structural semantics (an object keeps only the fields it declares unless
//! it preserves unknown fields; an embedded resource's `metadata` is an `ObjectMeta`), and
//! wrong types left to the schema validation.
// SIMPLIFICATION: only JSON bodies are scanned for duplicate keys (not YAML), the value shown
// in a patch error is the patch body rather than Go's rendering of it, numbers with a zero
// fraction are accepted for integers, and formats (base64, date-time) are not checked; see
// README#differences.

mod duplicates;

use std::borrow::Cow;
use std::collections::HashMap;

use kubesim_api::{ApiError, Cause, ResourceDef};
use serde_json::Value;

pub use duplicates::duplicate_fields;

use crate::openapi::builtin;
use crate::openapi::definitions::{OBJECT_META, REF_PREFIX};
use crate::registry::{FieldValidation, PatchType, WriteContext};

/// Checks `obj` against the schema of `def` as `ctx.field_validation` says: unknown fields are
/// removed (Ignore), removed with a warning in `ctx` (Warn), or refused with 400 (Strict);
/// duplicates found in the body (`ctx.duplicate_fields`) are reported the same way; a value
/// of the wrong type is refused in every mode.
pub fn check(def: &ResourceDef, obj: &mut Value, ctx: &WriteContext) -> Result<(), ApiError> {
    check_against(def, Against::Builtin, obj, ctx)
}

/// The same for a custom resource: `schema` is the `openAPIV3Schema` of its version. Only
/// unknown and duplicate fields are reported; wrong types are left to schema validation.
pub fn check_custom(
    def: &ResourceDef,
    schema: &Value,
    obj: &mut Value,
    ctx: &WriteContext,
) -> Result<(), ApiError> {
    check_against(def, Against::Custom(schema), obj, ctx)
}

fn check_against(
    def: &ResourceDef,
    against: Against,
    obj: &mut Value,
    ctx: &WriteContext,
) -> Result<(), ApiError> {
    let Some(findings) = walk_object(def, against, obj, &ctx.duplicate_fields, false) else {
        return Ok(());
    };
    let kind = &def.kind;
    let decode_error = |detail: String| {
        ApiError::BadRequest(format!(
            "{kind} in version {:?} cannot be handled as a {kind}: {detail}",
            def.version
        ))
    };
    if let Some(e) = findings.type_error {
        return Err(decode_error(e));
    }
    report(findings.strict, ctx, |joined| {
        decode_error(format!("strict decoding error: {joined}"))
    })
}

/// The same for a patched object: `body` is the patch of type `patch_type` that produced
/// `patched`. Strategic merge directives (`$patch`, `$setElementOrder/...`) left in the
/// result are dropped silently.
pub fn check_patch(
    def: &ResourceDef,
    patched: &mut Value,
    patch_type: PatchType,
    body: &[u8],
    ctx: &WriteContext,
) -> Result<(), ApiError> {
    check_patch_against(def, Against::Builtin, patched, patch_type, body, ctx)
}

/// [`check_patch`] for a custom resource whose version has `schema` as `openAPIV3Schema`.
pub fn check_custom_patch(
    def: &ResourceDef,
    schema: &Value,
    patched: &mut Value,
    patch_type: PatchType,
    body: &[u8],
    ctx: &WriteContext,
) -> Result<(), ApiError> {
    check_patch_against(def, Against::Custom(schema), patched, patch_type, body, ctx)
}

fn check_patch_against(
    def: &ResourceDef,
    against: Against,
    patched: &mut Value,
    patch_type: PatchType,
    body: &[u8],
    ctx: &WriteContext,
) -> Result<(), ApiError> {
    let mut strict: Vec<String> = Vec::new();
    if ctx.field_validation != FieldValidation::Ignore {
        let prefix = if patch_type == PatchType::Json {
            "json patch "
        } else {
            ""
        };
        strict.extend(
            duplicate_fields(body)
                .into_iter()
                .map(|p| format!("{prefix}duplicate field {p:?}")),
        );
    }
    if let Some(findings) = walk_object(def, against, patched, &[], true) {
        if let Some(e) = findings.type_error {
            return Err(patch_error(body, e));
        }
        strict.extend(findings.strict);
    }
    report(strict, ctx, |joined| {
        patch_error(body, format!("strict decoding error: {joined}"))
    })
}

/// Upstream's answer to a patch whose result does not decode: 422 with an empty kind and
/// name and a `patch` cause.
fn patch_error(body: &[u8], detail: String) -> ApiError {
    let shown = serde_json::from_slice::<Value>(body)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| String::from_utf8_lossy(body).into_owned());
    ApiError::invalid(
        "",
        "",
        "",
        vec![Cause::invalid("patch", &Value::String(shown), &detail)],
    )
}

/// Acts on strict findings as the mode says.
fn report(
    strict: Vec<String>,
    ctx: &WriteContext,
    refuse: impl FnOnce(String) -> ApiError,
) -> Result<(), ApiError> {
    if strict.is_empty() {
        return Ok(());
    }
    match ctx.field_validation {
        FieldValidation::Strict => Err(refuse(strict.join(", "))),
        FieldValidation::Warn => {
            // A write that is retried after a conflict must not warn twice.
            let mut warnings = ctx.warnings.lock().unwrap_or_else(|e| e.into_inner());
            for w in strict {
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
            Ok(())
        }
        FieldValidation::Ignore => Ok(()),
    }
}

/// `ctx` with the duplicate keys of a JSON request `body` recorded, when there are any and
/// the mode cares.
pub fn with_duplicates<'a>(
    ctx: &'a WriteContext,
    content_type: Option<&str>,
    body: &[u8],
) -> Cow<'a, WriteContext> {
    let media = content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let json = matches!(media.as_str(), "" | "application/json" | "*/*");
    if !json || ctx.field_validation == FieldValidation::Ignore {
        return Cow::Borrowed(ctx);
    }
    let found = duplicate_fields(body);
    if found.is_empty() {
        return Cow::Borrowed(ctx);
    }
    let mut with = ctx.clone();
    with.duplicate_fields = found;
    Cow::Owned(with)
}

/// What walking an object found.
#[derive(Debug, Default, PartialEq)]
pub struct Findings {
    /// Strict decoding errors in document order: `unknown field "spec.foo"`,
    /// `duplicate field "spec.replicas"`.
    pub strict: Vec<String>,
    /// The first value of the wrong type, as Go's decoder words it.
    pub type_error: Option<String>,
}

/// Walks `obj` along the built-in schema of `def`, removing unknown fields; `None` for kinds
/// without one. `duplicates` are paths of keys the body held twice, reported where the walk
/// passes them (and at the end otherwise); with `drop_directives`, keys starting with `$`
/// are removed without a report.
pub fn inspect(
    def: &ResourceDef,
    obj: &mut Value,
    duplicates: &[String],
    drop_directives: bool,
) -> Option<Findings> {
    walk_object(def, Against::Builtin, obj, duplicates, drop_directives)
}

/// The schema an object is checked against.
#[derive(Clone, Copy)]
enum Against<'s> {
    /// The built-in schema of the kind, if any.
    Builtin,
    /// A custom resource version's `openAPIV3Schema`.
    Custom(&'s Value),
}

fn walk_object(
    def: &ResourceDef,
    against: Against,
    obj: &mut Value,
    duplicates: &[String],
    drop_directives: bool,
) -> Option<Findings> {
    let b = builtin();
    let published;
    let (schema, owner) = match against {
        Against::Builtin => {
            let kind = b.kind(&def.group, &def.version, &def.kind)?;
            (
                b.definitions.get(&kind.definition)?,
                short_name(&kind.definition),
            )
        }
        Against::Custom(raw) => {
            published = crate::openapi::published_custom_schema(&crate::openapi::CustomSchema {
                group: def.group.clone(),
                version: def.version.clone(),
                kind: def.kind.clone(),
                schema: raw.clone(),
            });
            (&published, def.kind.as_str())
        }
    };
    let mut walk = Walk {
        defs: &b.definitions,
        path: Vec::new(),
        findings: Findings::default(),
        duplicates,
        reported: vec![false; duplicates.len()],
        drop_directives,
        structural: matches!(against, Against::Custom(_)),
    };
    walk.node(schema, obj, owner);
    for (i, d) in duplicates.iter().enumerate() {
        if !walk.reported[i] {
            walk.findings.strict.push(format!("duplicate field {d:?}"));
        }
    }
    if matches!(against, Against::Custom(_)) {
        // Custom resources report wrong types through their schema validation (422).
        walk.findings.type_error = None;
    }
    Some(walk.findings)
}

enum Seg {
    /// A struct field.
    Field(String),
    /// A map key.
    Key(String),
    /// A list index.
    Index(usize),
}

struct Walk<'a> {
    defs: &'a HashMap<String, Value>,
    path: Vec<Seg>,
    findings: Findings,
    duplicates: &'a [String],
    reported: Vec<bool>,
    drop_directives: bool,
    /// Custom resources: objects keep only what their schema declares.
    structural: bool,
}

/// `io.k8s.api.apps.v1.DeploymentSpec` → `DeploymentSpec`.
fn short_name(definition: &str) -> &str {
    definition.rsplit('.').next().unwrap_or(definition)
}

/// `io.k8s.api.core.v1.Container` → `v1.Container`, as Go prints a named type.
fn go_name(definition: &str) -> String {
    let mut parts = definition.rsplit('.');
    let name = parts.next().unwrap_or(definition);
    match parts.next() {
        Some(package) => format!("{package}.{name}"),
        None => name.to_string(),
    }
}

/// The definition a schema refers to (`$ref`, or a one-element `allOf` of one).
fn ref_name(schema: &Value) -> Option<&str> {
    let target = match schema.get("allOf").and_then(Value::as_array) {
        Some(all) if all.len() == 1 && schema.get("properties").is_none() => &all[0],
        _ => schema,
    };
    target
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(REF_PREFIX))
}

/// The JSON type of a value as Go's decoder names it in errors.
fn json_kind(value: &Value) -> String {
    match value {
        Value::String(_) => "string".into(),
        Value::Number(_) => "number".into(),
        Value::Bool(_) => "bool".into(),
        Value::Array(_) => "array".into(),
        Value::Object(_) => "object".into(),
        Value::Null => "null".into(),
    }
}

impl<'a> Walk<'a> {
    /// Follows references to the schema that describes the value, with its definition name.
    fn resolve(&self, schema: &'a Value) -> (&'a Value, Option<&'a str>) {
        let mut current = schema;
        let mut name = None;
        for _ in 0..8 {
            match ref_name(current) {
                Some(n) => match self.defs.get(n) {
                    Some(target) => {
                        current = target;
                        name = Some(n);
                    }
                    None => break,
                },
                None => break,
            }
        }
        (current, name)
    }

    /// The Go type of a schema, as Go's decoder prints it.
    fn go_type(&self, schema: &'a Value) -> String {
        if let Some(name) = ref_name(schema) {
            return go_name(name);
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("array") => format!(
                "[]{}",
                schema
                    .get("items")
                    .map(|i| self.go_type(i))
                    .unwrap_or_else(|| "interface {}".into())
            ),
            Some("object") => match schema.get("additionalProperties") {
                Some(v @ Value::Object(_)) => format!("map[string]{}", self.go_type(v)),
                _ => "map[string]interface {}".into(),
            },
            Some("string") if schema.get("format").and_then(Value::as_str) == Some("byte") => {
                "[]uint8".into()
            }
            Some("string") => "string".into(),
            Some("integer") => match schema.get("format").and_then(Value::as_str) {
                Some("int32") => "int32".into(),
                Some("int64") => "int64".into(),
                _ => "int".into(),
            },
            Some("number") => "float64".into(),
            Some("boolean") => "bool".into(),
            _ => "interface {}".into(),
        }
    }

    fn strict_path(&self) -> String {
        let mut out = String::new();
        for seg in &self.path {
            match seg {
                Seg::Field(name) | Seg::Key(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
                Seg::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    fn go_path(&self) -> String {
        let fields: Vec<&str> = self
            .path
            .iter()
            .filter_map(|s| match s {
                Seg::Field(name) => Some(name.as_str()),
                _ => None,
            })
            .collect();
        fields.join(".")
    }

    fn type_error(&mut self, described: String, go_type: String, owner: &str) {
        if self.findings.type_error.is_none() {
            self.findings.type_error = Some(format!(
                "json: cannot unmarshal {described} into Go struct field {owner}.{} of type {go_type}",
                self.go_path()
            ));
        }
    }

    fn note_duplicate(&mut self) {
        if self.duplicates.is_empty() {
            return;
        }
        let here = self.strict_path();
        for (i, d) in self.duplicates.iter().enumerate() {
            if !self.reported[i] && *d == here {
                self.reported[i] = true;
                self.findings.strict.push(format!("duplicate field {d:?}"));
            }
        }
    }

    fn node(&mut self, schema: &'a Value, value: &mut Value, owner: &str) {
        if value.is_null() {
            // Go decodes null into any field as its zero value.
            return;
        }
        let (s, via) = self.resolve(schema);
        let preserve = s
            .get("x-kubernetes-preserve-unknown-fields")
            .and_then(Value::as_bool)
            == Some(true);
        let alternatives = s.get("oneOf").is_some() || s.get("anyOf").is_some();
        if alternatives && s.get("type").is_none() && s.get("properties").is_none() {
            // Either of several shapes (JSONSchemaPropsOrArray...): not looked into.
            return;
        }
        if s.get("x-kubernetes-int-or-string").and_then(Value::as_bool) == Some(true) {
            if !(value.is_string() || value.is_number()) {
                self.wrong_type(schema, value, owner);
            }
            return;
        }
        match s.get("type").and_then(Value::as_str) {
            Some("object") => {
                // Fields inside a struct are reported against that struct (Go's wording).
                let inner = via.map(short_name).unwrap_or(owner);
                self.object(s, schema, value, owner, inner, preserve)
            }
            Some("array") => {
                let Some(items) = value.as_array_mut() else {
                    self.wrong_type(schema, value, owner);
                    return;
                };
                let Some(item_schema) = s.get("items") else {
                    return;
                };
                for (i, item) in items.iter_mut().enumerate() {
                    self.path.push(Seg::Index(i));
                    self.node(item_schema, item, owner);
                    self.path.pop();
                }
            }
            Some("string") if !value.is_string() => self.wrong_type(schema, value, owner),
            Some("boolean") if !value.is_boolean() => self.wrong_type(schema, value, owner),
            Some("number") if !value.is_number() => self.wrong_type(schema, value, owner),
            Some("integer") => self.integer(s, schema, value, owner),
            _ => {}
        }
    }

    fn integer(&mut self, s: &Value, schema: &'a Value, value: &Value, owner: &str) {
        let Value::Number(n) = value else {
            self.wrong_type(schema, value, owner);
            return;
        };
        let whole = n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18)
                .map(|f| f as i64)
        });
        let fits = match (whole, s.get("format").and_then(Value::as_str)) {
            (None, _) => false,
            (Some(i), Some("int32")) => i32::try_from(i).is_ok(),
            (Some(_), _) => true,
        };
        if !fits {
            let go_type = self.go_type(schema);
            self.type_error(format!("number {n}"), go_type, owner);
        }
    }

    fn wrong_type(&mut self, schema: &'a Value, value: &Value, owner: &str) {
        let go_type = self.go_type(schema);
        self.type_error(json_kind(value), go_type, owner);
    }

    fn object(
        &mut self,
        s: &'a Value,
        schema: &'a Value,
        value: &mut Value,
        owner: &str,
        inner: &str,
        preserve: bool,
    ) {
        let Some(map) = value.as_object_mut() else {
            // An object schema without properties or values is free-form (RawExtension, JSON).
            if s.get("properties").is_some() || s.get("additionalProperties").is_some() {
                self.wrong_type(schema, value, owner);
            }
            return;
        };
        let embedded = s
            .get("x-kubernetes-embedded-resource")
            .and_then(Value::as_bool)
            == Some(true);
        let props = s.get("properties").and_then(Value::as_object);
        let values = s.get("additionalProperties").filter(|v| v.is_object());
        // A custom resource's schema is structural: an object that declares nothing keeps
        // nothing (unless it preserves unknown fields).
        let closed = self.structural && values.is_none() && !preserve;
        if props.is_some() || embedded || closed {
            let mut unknown = Vec::new();
            for (key, child) in map.iter_mut() {
                self.path.push(Seg::Field(key.clone()));
                let known = if embedded && key == "metadata" {
                    self.defs.get(OBJECT_META)
                } else {
                    props.and_then(|p| p.get(key))
                };
                match known {
                    Some(child_schema) => self.node(child_schema, child, inner),
                    None if embedded && (key == "apiVersion" || key == "kind") => {}
                    None if self.drop_directives && key.starts_with('$') => {
                        unknown.push(key.clone())
                    }
                    None if preserve => {}
                    None => {
                        let path = self.strict_path();
                        self.findings.strict.push(format!("unknown field {path:?}"));
                        unknown.push(key.clone());
                    }
                }
                self.note_duplicate();
                self.path.pop();
            }
            for key in unknown {
                map.remove(&key);
            }
        } else if let Some(values) = values {
            for (key, child) in map.iter_mut() {
                self.path.push(Seg::Key(key.clone()));
                self.node(values, child, owner);
                self.note_duplicate();
                self.path.pop();
            }
        }
    }
}

#[cfg(test)]
mod tests;
