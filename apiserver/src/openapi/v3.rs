//! OpenAPI v3 documents: one per group version, with the operations of its resources and
//! every schema they refer to.

use std::collections::{BTreeMap, HashMap};

use kubesim_api::{KUBERNETES_VERSION, ResourceDef, ResourceTable};
use serde_json::{Map, Value, json};

use super::CustomSchema;
use super::definitions::{
    self, DELETE_OPTIONS, OBJECT_META, PATCH, REF_PREFIX, STATUS, WATCH_EVENT, builtin, gvk_list,
};

/// The URL path of one group version (`api/v1`, `apis/apps/v1`).
pub fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// The definition name upstream gives a custom kind: the group reversed, then version and
/// kind (`stable.example.com` v1 `CronTab` → `com.example.stable.v1.CronTab`).
pub fn custom_definition_name(group: &str, version: &str, kind: &str) -> String {
    let reversed: Vec<&str> = group.split('.').rev().collect();
    format!("{}.{version}.{kind}", reversed.join("."))
}

/// The schemas one document can use: the built-in ones and those of custom kinds.
pub struct Schemas<'a> {
    custom: &'a [CustomSchema],
    custom_definitions: HashMap<String, Value>,
}

impl<'a> Schemas<'a> {
    /// Prepares the custom kinds' definitions (each with its list kind).
    pub fn new(custom: &'a [CustomSchema]) -> Self {
        let mut custom_definitions = HashMap::new();
        for c in custom {
            let name = custom_definition_name(&c.group, &c.version, &c.kind);
            let list = format!("{name}List");
            custom_definitions.insert(name.clone(), custom_schema(c));
            custom_definitions.insert(
                list,
                json!({
                    "description": format!("{}List is a list of {}", c.kind, c.kind),
                    "type": "object",
                    "required": ["items"],
                    "properties": {
                        "apiVersion": {"description": API_VERSION_DESCRIPTION, "type": "string"},
                        "items": {
                            "description": format!("List of {}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md", c.kind),
                            "type": "array",
                            "items": {"$ref": format!("{REF_PREFIX}{name}")}
                        },
                        "kind": {"description": KIND_DESCRIPTION, "type": "string"},
                        "metadata": {
                            "allOf": [{"$ref": format!("{REF_PREFIX}io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta")}],
                            "description": "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"
                        }
                    },
                    "x-kubernetes-group-version-kind": gvk_list(&c.group, &c.version, &format!("{}List", c.kind))
                }),
            );
        }
        Schemas {
            custom,
            custom_definitions,
        }
    }

    /// The definition name of `group`/`version`/`kind`, if it has a schema.
    pub fn definition(&self, group: &str, version: &str, kind: &str) -> Option<String> {
        if let Some(k) = builtin().kind(group, version, kind) {
            return Some(k.definition.clone());
        }
        self.custom
            .iter()
            .any(|c| c.group == group && c.version == version && c.kind == kind)
            .then(|| custom_definition_name(group, version, kind))
    }

    /// The definition name of the list kind of `group`/`version`/`kind`.
    fn list_definition(&self, group: &str, version: &str, kind: &str) -> Option<String> {
        if let Some(k) = builtin().kind(group, version, kind) {
            return k.list_definition.clone();
        }
        self.definition(group, version, kind)
            .map(|d| format!("{d}List"))
    }

    /// A definition by name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        builtin()
            .definitions
            .get(name)
            .or_else(|| self.custom_definitions.get(name))
    }

    /// The definitions reachable from `roots`, sorted by name.
    pub fn closure(&self, roots: impl IntoIterator<Item = String>) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        let mut todo: Vec<String> = roots.into_iter().collect();
        while let Some(name) = todo.pop() {
            if out.contains_key(&name) {
                continue;
            }
            if let Some(schema) = self.get(&name) {
                definitions::refs_of(schema, &mut todo);
                out.insert(name, schema.clone());
            }
        }
        out
    }
}

const API_VERSION_DESCRIPTION: &str = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
const KIND_DESCRIPTION: &str = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";

/// A custom kind's published schema: its structural schema with the standard `apiVersion`,
/// `kind` and `metadata` fields and the GVK extension.
pub fn custom_schema(c: &CustomSchema) -> Value {
    let mut schema = match &c.schema {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    if c.schema.is_null() {
        // A version without a schema accepts anything.
        schema.insert("x-kubernetes-preserve-unknown-fields".into(), json!(true));
    }
    schema.insert("type".into(), json!("object"));
    let props = schema.entry("properties").or_insert_with(|| json!({}));
    if let Value::Object(props) = props {
        props.insert(
            "apiVersion".into(),
            json!({"description": API_VERSION_DESCRIPTION, "type": "string"}),
        );
        props.insert(
            "kind".into(),
            json!({"description": KIND_DESCRIPTION, "type": "string"}),
        );
        props.insert(
            "metadata".into(),
            json!({
                "allOf": [{"$ref": format!("{REF_PREFIX}{OBJECT_META}")}],
                "description": "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
            }),
        );
    }
    schema.insert(
        "x-kubernetes-group-version-kind".into(),
        gvk_list(&c.group, &c.version, &c.kind),
    );
    Value::Object(schema)
}

/// `apps` v1 → `AppsV1`, `rbac.authorization.k8s.io` v1 → `RbacAuthorizationV1`, core →
/// `CoreV1`: the middle of upstream's operation ids.
fn gv_camel(group: &str, version: &str) -> String {
    let group = if group.is_empty() {
        "core"
    } else {
        group.strip_suffix(".k8s.io").unwrap_or(group)
    };
    let mut out = String::new();
    for part in group.split(['.', '-']).chain(std::iter::once(version)) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

/// `apps_v1`, `rbacAuthorization_v1`, `core_v1`: upstream's operation tags.
fn tag(group: &str, version: &str) -> String {
    let camel = gv_camel(group, "");
    let mut chars = camel.chars();
    let lower: String = chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default();
    format!("{lower}_{version}")
}

fn query(name: &str, description: &str, ty: &str) -> Value {
    json!({"name": name, "in": "query", "description": description, "schema": {"type": ty, "uniqueItems": true}})
}

fn path_param(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "path", "description": description, "required": true, "schema": {"type": "string", "uniqueItems": true}})
}

fn write_params(patch: bool) -> Vec<Value> {
    let mut p = vec![
        query(
            "dryRun",
            "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed",
            "string",
        ),
        query(
            "fieldManager",
            "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.",
            "string",
        ),
        query(
            "fieldValidation",
            "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default. - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.",
            "string",
        ),
    ];
    if patch {
        p.push(query(
            "force",
            "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.",
            "boolean",
        ));
    }
    p
}

fn list_params() -> Vec<Value> {
    vec![
        query(
            "allowWatchBookmarks",
            "allowWatchBookmarks requests watch events with type \"BOOKMARK\". Servers that do not implement bookmarks may ignore this flag.",
            "boolean",
        ),
        query(
            "continue",
            "The continue option should be set when retrieving more results from the server, with the value of the continue token a previous paginated list returned.",
            "string",
        ),
        query(
            "fieldSelector",
            "A selector to restrict the list of returned objects by their fields. Defaults to everything.",
            "string",
        ),
        query(
            "labelSelector",
            "A selector to restrict the list of returned objects by their labels. Defaults to everything.",
            "string",
        ),
        json!({"name": "limit", "in": "query", "description": "limit is a maximum number of responses to return for a list call. If more items exist, the server sets the continue field on the list metadata.", "schema": {"type": "integer", "uniqueItems": true}}),
        query(
            "resourceVersion",
            "resourceVersion sets a constraint on what resource versions a request may be served from. Defaults to unset.",
            "string",
        ),
        query(
            "resourceVersionMatch",
            "resourceVersionMatch determines how resourceVersion is applied to list calls. Defaults to unset.",
            "string",
        ),
        query(
            "sendInitialEvents",
            "`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream begins with synthetic events to produce the current state of objects in the collection, followed by a bookmark event.",
            "boolean",
        ),
        json!({"name": "timeoutSeconds", "in": "query", "description": "Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.", "schema": {"type": "integer", "uniqueItems": true}}),
        query(
            "watch",
            "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.",
            "boolean",
        ),
    ]
}

fn delete_params() -> Vec<Value> {
    vec![
        query(
            "dryRun",
            "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed",
            "string",
        ),
        json!({"name": "gracePeriodSeconds", "in": "query", "description": "The duration in seconds before the object should be deleted. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used.", "schema": {"type": "integer", "uniqueItems": true}}),
        query(
            "orphanDependents",
            "Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned.",
            "boolean",
        ),
        query(
            "propagationPolicy",
            "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background' and 'Foreground'.",
            "string",
        ),
    ]
}

/// The answer bodies of an operation.
fn content(schema_ref: Option<&str>, protobuf: bool) -> Value {
    let schema = match schema_ref {
        Some(name) => json!({"$ref": format!("{REF_PREFIX}{name}")}),
        None => json!({"type": "object"}),
    };
    let mut c = Map::new();
    c.insert("application/json".into(), json!({"schema": schema}));
    c.insert("application/yaml".into(), json!({"schema": schema}));
    if protobuf {
        c.insert(
            "application/vnd.kubernetes.protobuf".into(),
            json!({"schema": schema}),
        );
    }
    Value::Object(c)
}

/// One resource's context while its paths are written.
struct Kind {
    group: String,
    version: String,
    kind: String,
    definition: Option<String>,
    builtin: bool,
}

impl Kind {
    fn gvk(&self) -> Value {
        json!({"group": self.group, "kind": self.kind, "version": self.version})
    }

    #[allow(clippy::too_many_arguments)]
    fn op(
        &self,
        action: &str,
        id: String,
        description: String,
        params: Vec<Value>,
        body: Option<(&str, &str)>,
        answers: &[(&str, &str, Option<&str>)],
    ) -> Value {
        let mut op = Map::new();
        op.insert("tags".into(), json!([tag(&self.group, &self.version)]));
        op.insert("description".into(), json!(description));
        op.insert("operationId".into(), json!(id));
        if !params.is_empty() {
            op.insert("parameters".into(), Value::Array(params));
        }
        if let Some((media, schema)) = body {
            let content: Map<String, Value> = media
                .split(',')
                .map(|m| {
                    (
                        m.to_string(),
                        json!({"schema": {"$ref": format!("{REF_PREFIX}{schema}")}}),
                    )
                })
                .collect();
            op.insert(
                "requestBody".into(),
                json!({"content": content, "required": true}),
            );
        }
        let mut responses = Map::new();
        for (code, text, schema) in answers {
            responses.insert(
                code.to_string(),
                json!({"description": text, "content": content(*schema, self.builtin)}),
            );
        }
        responses.insert("401".into(), json!({"description": "Unauthorized"}));
        op.insert("responses".into(), Value::Object(responses));
        op.insert("x-kubernetes-action".into(), json!(action));
        op.insert("x-kubernetes-group-version-kind".into(), self.gvk());
        Value::Object(op)
    }
}

const PATCH_MEDIA: &str = "application/apply-patch+yaml,application/json-patch+json,application/merge-patch+json,application/strategic-merge-patch+json";

/// Writes the paths of one resource (and its subresources) into `paths`.
fn resource_paths(d: &ResourceDef, schemas: &Schemas, paths: &mut Map<String, Value>) {
    let gv = format!("/{}", gv_path(&d.group, &d.version));
    let kind = Kind {
        group: d.group.clone(),
        version: d.version.clone(),
        kind: d.kind.clone(),
        definition: schemas.definition(&d.group, &d.version, &d.kind),
        builtin: builtin().kind(&d.group, &d.version, &d.kind).is_some(),
    };
    let def = kind.definition.as_deref();
    let list_def = schemas.list_definition(&d.group, &d.version, &d.kind);
    let camel = gv_camel(&d.group, &d.version);
    let scope = if d.namespaced { "Namespaced" } else { "" };
    let k = &d.kind;
    let collection = if d.namespaced {
        format!("{gv}/namespaces/{{namespace}}/{}", d.plural)
    } else {
        format!("{gv}/{}", d.plural)
    };
    let mut common = Vec::new();
    if d.namespaced {
        common.push(path_param(
            "namespace",
            "object name and auth scope, such as for teams and projects",
        ));
    }
    common.push(query(
        "pretty",
        "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
        "string",
    ));

    let mut item = Map::new();
    if d.has_verb("list") {
        item.insert(
            "get".into(),
            kind.op(
                "list",
                format!("list{camel}{scope}{k}"),
                format!("list or watch objects of kind {k}"),
                list_params(),
                None,
                &[("200", "OK", list_def.as_deref())],
            ),
        );
    }
    if d.has_verb("create") {
        item.insert(
            "post".into(),
            kind.op(
                "post",
                format!("create{camel}{scope}{k}"),
                format!("create a {k}"),
                write_params(false),
                def.map(|s| ("*/*", s)),
                &[
                    ("200", "OK", def),
                    ("201", "Created", def),
                    ("202", "Accepted", def),
                ],
            ),
        );
    }
    if d.has_verb("deletecollection") {
        let mut params = delete_params();
        params.extend(list_params());
        item.insert(
            "delete".into(),
            kind.op(
                "deletecollection",
                format!("delete{camel}Collection{scope}{k}"),
                format!("delete collection of {k}"),
                params,
                Some(("*/*", DELETE_OPTIONS)),
                &[("200", "OK", Some(STATUS))],
            ),
        );
    }
    if !item.is_empty() {
        item.insert("parameters".into(), Value::Array(common.clone()));
        paths.insert(collection.clone(), Value::Object(item));
    }

    let mut named = common.clone();
    named.insert(0, path_param("name", &format!("name of the {k}")));
    let mut item = Map::new();
    if d.has_verb("get") {
        item.insert(
            "get".into(),
            kind.op(
                "get",
                format!("read{camel}{scope}{k}"),
                format!("read the specified {k}"),
                vec![],
                None,
                &[("200", "OK", def)],
            ),
        );
    }
    if d.has_verb("update") {
        item.insert(
            "put".into(),
            kind.op(
                "put",
                format!("replace{camel}{scope}{k}"),
                format!("replace the specified {k}"),
                write_params(false),
                def.map(|s| ("*/*", s)),
                &[("200", "OK", def), ("201", "Created", def)],
            ),
        );
    }
    if d.has_verb("delete") {
        let params = delete_params();
        item.insert(
            "delete".into(),
            kind.op(
                "delete",
                format!("delete{camel}{scope}{k}"),
                format!("delete a {k}"),
                params,
                Some(("*/*", DELETE_OPTIONS)),
                &[
                    ("200", "OK", Some(STATUS)),
                    ("202", "Accepted", Some(STATUS)),
                ],
            ),
        );
    }
    if d.has_verb("patch") {
        item.insert(
            "patch".into(),
            kind.op(
                "patch",
                format!("patch{camel}{scope}{k}"),
                format!("partially update the specified {k}"),
                write_params(true),
                Some((PATCH_MEDIA, PATCH)),
                &[("200", "OK", def), ("201", "Created", def)],
            ),
        );
    }
    if !item.is_empty() {
        item.insert("parameters".into(), Value::Array(named.clone()));
        paths.insert(format!("{collection}/{{name}}"), Value::Object(item));
    }

    if d.namespaced && d.has_verb("list") {
        let mut item = Map::new();
        item.insert(
            "get".into(),
            kind.op(
                "list",
                format!("list{camel}{k}ForAllNamespaces"),
                format!("list or watch objects of kind {k}"),
                list_params(),
                None,
                &[("200", "OK", list_def.as_deref())],
            ),
        );
        item.insert("parameters".into(), json!([common.last()]));
        paths.insert(format!("{gv}/{}", d.plural), Value::Object(item));
    }

    for s in &d.subresources {
        // Connect subresources (exec, proxy, ...) and logs have no object bodies.
        if s.name == "log" {
            continue;
        }
        let Some(sub_def) = schemas.definition(&s.group, &s.version, &s.kind) else {
            continue;
        };
        let sub = Kind {
            group: s.group.clone(),
            version: s.version.clone(),
            kind: s.kind.clone(),
            definition: Some(sub_def.clone()),
            builtin: builtin().kind(&s.group, &s.version, &s.kind).is_some(),
        };
        let suffix = upper_first(&s.name);
        let sd = Some(sub_def.as_str());
        let mut item = Map::new();
        for verb in &s.verbs {
            let (method, op) = match verb.as_str() {
                "get" => (
                    "get",
                    sub.op(
                        "get",
                        format!("read{camel}{scope}{k}{suffix}"),
                        format!("read {} of the specified {k}", s.name),
                        vec![],
                        None,
                        &[("200", "OK", sd)],
                    ),
                ),
                "update" => (
                    "put",
                    sub.op(
                        "put",
                        format!("replace{camel}{scope}{k}{suffix}"),
                        format!("replace {} of the specified {k}", s.name),
                        write_params(false),
                        Some(("*/*", &sub_def)),
                        &[("200", "OK", sd), ("201", "Created", sd)],
                    ),
                ),
                "patch" => (
                    "patch",
                    sub.op(
                        "patch",
                        format!("patch{camel}{scope}{k}{suffix}"),
                        format!("partially update {} of the specified {k}", s.name),
                        write_params(true),
                        Some((PATCH_MEDIA, PATCH)),
                        &[("200", "OK", sd), ("201", "Created", sd)],
                    ),
                ),
                "create" => (
                    "post",
                    sub.op(
                        "post",
                        format!("create{camel}{scope}{k}{suffix}"),
                        format!("create {} of a {k}", s.name),
                        write_params(false),
                        Some(("*/*", &sub_def)),
                        &[
                            ("200", "OK", sd),
                            ("201", "Created", sd),
                            ("202", "Accepted", sd),
                        ],
                    ),
                ),
                _ => continue,
            };
            item.insert(method.into(), op);
        }
        if !item.is_empty() {
            item.insert("parameters".into(), Value::Array(named.clone()));
            paths.insert(
                format!("{collection}/{{name}}/{}", s.name),
                Value::Object(item),
            );
        }
    }
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The v3 document of `group`/`version`, or `None` if nothing is served there.
pub fn document(
    table: &ResourceTable,
    schemas: &Schemas,
    group: &str,
    version: &str,
) -> Option<Value> {
    let defs: Vec<&ResourceDef> = table.in_group_version(group, version).collect();
    if defs.is_empty() {
        return None;
    }
    let mut paths = Map::new();
    let mut roots = vec![
        DELETE_OPTIONS.to_string(),
        STATUS.to_string(),
        PATCH.to_string(),
        WATCH_EVENT.to_string(),
    ];
    for d in &defs {
        resource_paths(d, schemas, &mut paths);
        roots.extend(schemas.definition(&d.group, &d.version, &d.kind));
        roots.extend(schemas.list_definition(&d.group, &d.version, &d.kind));
        for s in &d.subresources {
            roots.extend(schemas.definition(&s.group, &s.version, &s.kind));
        }
    }
    let components: Map<String, Value> = schemas.closure(roots).into_iter().collect();
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION},
        "paths": paths,
        "components": {"schemas": components}
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_upstream() {
        assert_eq!(gv_camel("", "v1"), "CoreV1");
        assert_eq!(gv_camel("apps", "v1"), "AppsV1");
        assert_eq!(
            gv_camel("rbac.authorization.k8s.io", "v1"),
            "RbacAuthorizationV1"
        );
        assert_eq!(
            tag("rbac.authorization.k8s.io", "v1"),
            "rbacAuthorization_v1"
        );
        assert_eq!(tag("", "v1"), "core_v1");
        assert_eq!(
            custom_definition_name("stable.example.com", "v1", "CronTab"),
            "com.example.stable.v1.CronTab"
        );
    }

    #[test]
    fn apps_document_has_operations_and_schemas() {
        let table = ResourceTable::builtin();
        let schemas = Schemas::new(&[]);
        let doc = document(&table, &schemas, "apps", "v1").expect("apps/v1");
        let item = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
        assert_eq!(
            item["patch"]["x-kubernetes-group-version-kind"],
            json!({"group": "apps", "kind": "Deployment", "version": "v1"})
        );
        assert!(
            item["patch"]["parameters"]
                .as_array()
                .expect("parameters")
                .iter()
                .any(|p| p["name"] == "fieldValidation")
        );
        assert_eq!(item["get"]["operationId"], "readAppsV1NamespacedDeployment");
        assert!(doc["paths"]["/apis/apps/v1/deployments"]["get"].is_object());
        assert!(
            doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]["patch"]
                .is_object()
        );
        let schemas = &doc["components"]["schemas"];
        for name in [
            "io.k8s.api.apps.v1.Deployment",
            "io.k8s.api.core.v1.PodSpec",
            "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
            "io.k8s.api.autoscaling.v1.Scale",
            DELETE_OPTIONS,
        ] {
            assert!(schemas[name].is_object(), "{name} missing");
        }
        assert!(schemas["io.k8s.api.batch.v1.Job"].is_null());
    }

    #[test]
    fn custom_kinds_get_their_schema() {
        let mut table = ResourceTable::builtin();
        table.upsert(ResourceDef {
            group: "stable.example.com".into(),
            version: "v1".into(),
            kind: "CronTab".into(),
            plural: "crontabs".into(),
            singular: "crontab".into(),
            namespaced: true,
            short_names: vec![],
            categories: vec![],
            verbs: [
                "create", "delete", "get", "list", "patch", "update", "watch",
            ]
            .map(String::from)
            .to_vec(),
            subresources: vec![],
            storage: "stable.example.com/crontabs".into(),
            virtual_only: false,
        });
        let custom = [CustomSchema {
            group: "stable.example.com".into(),
            version: "v1".into(),
            kind: "CronTab".into(),
            schema: json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {"cronSpec": {"type": "string"}}}}}),
        }];
        let schemas = Schemas::new(&custom);
        let doc = document(&table, &schemas, "stable.example.com", "v1").expect("document");
        let s = &doc["components"]["schemas"]["com.example.stable.v1.CronTab"];
        assert_eq!(
            s["properties"]["spec"]["properties"]["cronSpec"]["type"],
            "string"
        );
        assert_eq!(s["x-kubernetes-group-version-kind"][0]["kind"], "CronTab");
        assert!(doc["components"]["schemas"][OBJECT_META].is_object());
        assert!(
            doc["paths"]["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}"]
                ["patch"]
                .is_object()
        );
    }
}
