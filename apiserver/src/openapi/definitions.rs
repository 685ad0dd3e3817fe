//! The schemas of the built-in kinds, generated once from the `k8s-openapi` types through
//! their `schemars` implementations.
//!
//! `k8s-openapi` names every schema after upstream's OpenAPI definition
//! (`io.k8s.api.apps.v1.Deployment`) and carries upstream's field descriptions, so the
//! generator's definitions are already upstream's `components.schemas`. This module reshapes
//! them the way upstream publishes them: a field that refers to another type and has its own
//! description becomes `{"allOf": [{"$ref": ...}], "description": ...}` (OpenAPI 3.0 ignores
//! the siblings of a `$ref`; kubectl explain reads the description beside `allOf`), each
//! top-level kind carries `x-kubernetes-group-version-kind`, and list kinds
//! (`DeploymentList`), which `k8s-openapi` models generically, are added.

use std::collections::HashMap;
use std::sync::LazyLock;

use k8s_openapi::api::admissionregistration::v1 as admission;
use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::authentication::v1 as authn;
use k8s_openapi::api::authorization::v1 as authz;
use k8s_openapi::api::autoscaling::{v1 as autoscaling1, v2 as autoscaling2};
use k8s_openapi::api::batch::v1 as batch;
use k8s_openapi::api::certificates::v1 as certificates;
use k8s_openapi::api::coordination::v1 as coordination;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::discovery::v1 as discovery;
use k8s_openapi::api::events::v1 as events;
use k8s_openapi::api::networking::v1 as networking;
use k8s_openapi::api::node::v1 as node;
use k8s_openapi::api::policy::v1 as policy;
use k8s_openapi::api::rbac::v1 as rbac;
use k8s_openapi::api::scheduling::v1 as scheduling;
use k8s_openapi::api::storage::v1 as storage;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiextensions;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1 as apiregistration;
use k8s_openapi::{ListableResource, Resource};
use schemars::JsonSchema;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

use super::extensions;

/// Where schemas refer to each other in an OpenAPI v3 document.
pub const REF_PREFIX: &str = "#/components/schemas/";

/// Definition names of the meta types every group version's operations use.
pub const DELETE_OPTIONS: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";
/// `metav1.Status`, the answer of deletes and errors.
pub const STATUS: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";
/// The body of a PATCH (any of the patch formats).
pub const PATCH: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
/// One event of a watch stream.
pub const WATCH_EVENT: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent";
/// `metav1.ObjectMeta`, referred to by custom resources' schemas.
pub const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const LIST_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";

/// One built-in kind with a schema.
#[derive(Debug, Clone)]
pub struct BuiltinKind {
    /// API group, empty for the core group.
    pub group: &'static str,
    /// API version.
    pub version: &'static str,
    /// Kind.
    pub kind: &'static str,
    /// Its definition name, e.g. `io.k8s.api.apps.v1.Deployment`.
    pub definition: String,
    /// The definition name of its list kind, if it has one.
    pub list_definition: Option<String>,
}

/// Every built-in definition and the kinds they describe.
#[derive(Debug)]
pub struct Builtin {
    /// Definitions by upstream name, in OpenAPI v3 form.
    pub definitions: HashMap<String, Value>,
    /// The kinds, in the order they were listed.
    pub kinds: Vec<BuiltinKind>,
    by_gvk: HashMap<(String, String, String), usize>,
}

impl Builtin {
    /// The built-in kind `group`/`version`/`kind`, if it has a schema.
    pub fn kind(&self, group: &str, version: &str, kind: &str) -> Option<&BuiltinKind> {
        self.by_gvk
            .get(&(group.to_string(), version.to_string(), kind.to_string()))
            .map(|i| &self.kinds[*i])
    }

    /// The schema of `group`/`version`/`kind`, if built in.
    pub fn schema(&self, group: &str, version: &str, kind: &str) -> Option<&Value> {
        self.kind(group, version, kind)
            .and_then(|k| self.definitions.get(&k.definition))
    }
}

/// The built-in definitions, generated on first use.
pub fn builtin() -> &'static Builtin {
    static BUILTIN: LazyLock<Builtin> = LazyLock::new(generate);
    &BUILTIN
}

/// Lists the kinds: `listed` ones have a `<Kind>List`, `single` ones (reviews, subresource
/// bodies) do not.
macro_rules! kinds {
    (listed: [$($l:ty),* $(,)?], single: [$($s:ty),* $(,)?] $(,)?) => {
        fn add_kinds(generator: &mut SchemaGenerator, kinds: &mut Vec<BuiltinKind>) {
            $(
                generator.subschema_for::<$l>();
                kinds.push(BuiltinKind {
                    group: <$l as Resource>::GROUP,
                    version: <$l as Resource>::VERSION,
                    kind: <$l as Resource>::KIND,
                    definition: <$l as JsonSchema>::schema_name().into_owned(),
                    list_definition: Some(list_name(
                        &<$l as JsonSchema>::schema_name(),
                        <$l as ListableResource>::LIST_KIND,
                    )),
                });
            )*
            $(
                generator.subschema_for::<$s>();
                kinds.push(BuiltinKind {
                    group: <$s as Resource>::GROUP,
                    version: <$s as Resource>::VERSION,
                    kind: <$s as Resource>::KIND,
                    definition: <$s as JsonSchema>::schema_name().into_owned(),
                    list_definition: None,
                });
            )*
        }
    };
}

kinds! {
    listed: [
        core::ComponentStatus, core::ConfigMap, core::Endpoints, core::Event, core::LimitRange,
        core::Namespace, core::Node, core::PersistentVolumeClaim, core::PersistentVolume,
        core::Pod, core::PodTemplate, core::ReplicationController, core::ResourceQuota,
        core::Secret, core::ServiceAccount, core::Service,
        apiregistration::APIService,
        apps::ControllerRevision, apps::DaemonSet, apps::Deployment, apps::ReplicaSet,
        apps::StatefulSet,
        events::Event,
        autoscaling2::HorizontalPodAutoscaler, autoscaling1::HorizontalPodAutoscaler,
        batch::CronJob, batch::Job,
        certificates::CertificateSigningRequest,
        networking::IngressClass, networking::Ingress, networking::IPAddress,
        networking::NetworkPolicy, networking::ServiceCIDR,
        policy::PodDisruptionBudget,
        rbac::ClusterRoleBinding, rbac::ClusterRole, rbac::RoleBinding, rbac::Role,
        storage::CSIDriver, storage::CSINode, storage::CSIStorageCapacity, storage::StorageClass,
        storage::VolumeAttachment,
        admission::MutatingWebhookConfiguration, admission::ValidatingAdmissionPolicy,
        admission::ValidatingAdmissionPolicyBinding, admission::ValidatingWebhookConfiguration,
        apiextensions::CustomResourceDefinition,
        scheduling::PriorityClass, coordination::Lease, node::RuntimeClass,
        discovery::EndpointSlice,
    ],
    single: [
        core::Binding,
        authn::SelfSubjectReview, authn::TokenReview, authn::TokenRequest,
        authz::LocalSubjectAccessReview, authz::SelfSubjectAccessReview,
        authz::SelfSubjectRulesReview, authz::SubjectAccessReview,
        autoscaling1::Scale, policy::Eviction,
    ],
}

/// `io.k8s.api.apps.v1.Deployment` + `DeploymentList` → `io.k8s.api.apps.v1.DeploymentList`.
fn list_name(definition: &str, list_kind: &str) -> String {
    match definition.rsplit_once('.') {
        Some((package, _)) => format!("{package}.{list_kind}"),
        None => list_kind.to_string(),
    }
}

fn generate() -> Builtin {
    let settings = SchemaSettings::openapi3().with(|s| {
        s.meta_schema = None;
        s.transforms.clear();
    });
    let mut generator = SchemaGenerator::new(settings);
    let mut kinds = Vec::new();
    add_kinds(&mut generator, &mut kinds);
    generator.subschema_for::<meta::ListMeta>();
    generator.subschema_for::<meta::DeleteOptions>();
    generator.subschema_for::<meta::Status>();
    let mut definitions: HashMap<String, Value> =
        generator.take_definitions(false).into_iter().collect();

    for (name, schema) in definitions.iter_mut() {
        reshape(schema);
        extensions::decorate(name, schema);
    }
    for k in &kinds {
        if let Some(Value::Object(schema)) = definitions.get_mut(&k.definition) {
            schema.insert(
                "x-kubernetes-group-version-kind".into(),
                gvk_list(k.group, k.version, k.kind),
            );
            // k8s-openapi marks `metadata` required (it is not optional in Rust); upstream's
            // schemas do not, and kubectl explain would print `-required-`.
            if let Some(Value::Array(required)) = schema.get_mut("required") {
                required.retain(|r| r != "metadata");
                if required.is_empty() {
                    schema.remove("required");
                }
            }
        }
    }
    let lists: Vec<(String, Value)> = kinds
        .iter()
        .filter_map(|k| {
            let name = k.list_definition.clone()?;
            let item = definitions.get(&k.definition)?;
            Some((name, list_schema(k, item)))
        })
        .collect();
    definitions.extend(lists);
    definitions.insert(
        PATCH.into(),
        json!({
            "description": "Patch is the body of a PATCH request: a JSON patch, a JSON merge patch, a strategic merge patch or an apply configuration, as its Content-Type says.",
            "type": "object"
        }),
    );
    definitions.insert(
        WATCH_EVENT.into(),
        json!({
            "description": "Event represents a single event to a watched resource.",
            "type": "object",
            "required": ["type", "object"],
            "properties": {
                "object": {
                    "description": "Object is the changed object (ADDED, MODIFIED, DELETED), the last resourceVersion (BOOKMARK) or a Status (ERROR).",
                    "type": "object"
                },
                "type": {"type": "string"}
            }
        }),
    );

    let by_gvk = kinds
        .iter()
        .enumerate()
        .map(|(i, k)| {
            (
                (
                    k.group.to_string(),
                    k.version.to_string(),
                    k.kind.to_string(),
                ),
                i,
            )
        })
        .collect();
    Builtin {
        definitions,
        kinds,
        by_gvk,
    }
}

/// `x-kubernetes-group-version-kind` of a schema: a list, since upstream shares some
/// definitions between group versions.
pub fn gvk_list(group: &str, version: &str, kind: &str) -> Value {
    json!([{"group": group, "kind": kind, "version": version}])
}

/// The schema of `<Kind>List`, built from the kind's own.
fn list_schema(k: &BuiltinKind, item: &Value) -> Value {
    let prop = |name: &str| item.pointer(&format!("/properties/{name}")).cloned();
    let list_kind = k
        .list_definition
        .as_deref()
        .and_then(|d| d.rsplit('.').next())
        .unwrap_or_default()
        .to_string();
    let mut props = Map::new();
    if let Some(p) = prop("apiVersion") {
        props.insert("apiVersion".into(), p);
    }
    props.insert(
        "items".into(),
        json!({
            "description": format!("Items is the list of {} objects.", k.kind),
            "type": "array",
            "items": {"$ref": format!("{REF_PREFIX}{}", k.definition)}
        }),
    );
    if let Some(p) = prop("kind") {
        props.insert("kind".into(), p);
    }
    props.insert(
        "metadata".into(),
        json!({
            "allOf": [{"$ref": format!("{REF_PREFIX}{LIST_META}")}],
            "description": "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"
        }),
    );
    // SIMPLIFICATION: list kinds get a generic description rather than upstream's wording.
    json!({
        "description": format!("{list_kind} is a list of {} objects.", k.kind),
        "type": "object",
        "required": ["items"],
        "properties": props,
        "x-kubernetes-group-version-kind": gvk_list(k.group, k.version, &list_kind)
    })
}

/// Rewrites a generated schema into upstream's v3 shape: a `$ref` with siblings moves into
/// a one-element `allOf`.
pub fn reshape(schema: &mut Value) {
    let Value::Object(m) = schema else {
        return;
    };
    if m.len() > 1
        && let Some(reference) = m.remove("$ref")
    {
        let mut rebuilt = Map::new();
        rebuilt.insert("allOf".into(), json!([{"$ref": reference}]));
        rebuilt.extend(std::mem::take(m));
        *m = rebuilt;
    }
    if let Some(Value::Object(props)) = m.get_mut("properties") {
        props.values_mut().for_each(reshape);
    }
    for key in ["items", "additionalProperties"] {
        if let Some(sub) = m.get_mut(key) {
            reshape(sub);
        }
    }
    if let Some(Value::Array(all)) = m.get_mut("allOf") {
        all.iter_mut().for_each(reshape);
    }
}

/// The definition names a schema refers to directly (through `$ref`s in its properties,
/// items, map values and `allOf`s — not through data such as defaults).
pub fn refs_of(schema: &Value, out: &mut Vec<String>) {
    let Value::Object(m) = schema else {
        return;
    };
    if let Some(Value::String(r)) = m.get("$ref")
        && let Some(name) = r.strip_prefix(REF_PREFIX)
    {
        out.push(name.to_string());
    }
    if let Some(Value::Object(props)) = m.get("properties") {
        props.values().for_each(|p| refs_of(p, out));
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(sub) = m.get(key) {
            refs_of(sub, out);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(all)) = m.get(key) {
            all.iter().for_each(|s| refs_of(s, out));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_is_upstreams_definition() {
        let b = builtin();
        let d = b
            .schema("apps", "v1", "Deployment")
            .expect("deployment schema");
        assert_eq!(
            d["x-kubernetes-group-version-kind"],
            json!([{"group": "apps", "kind": "Deployment", "version": "v1"}])
        );
        assert_eq!(
            d["properties"]["spec"]["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"
        );
        assert_eq!(
            d["properties"]["spec"]["description"],
            "Specification of the desired behavior of the Deployment."
        );
        let strategy = &b.definitions["io.k8s.api.apps.v1.DeploymentStrategy"];
        assert_eq!(strategy["properties"]["type"]["type"], "string");
        let list = &b.definitions["io.k8s.api.apps.v1.DeploymentList"];
        assert_eq!(
            list["properties"]["items"]["items"]["$ref"],
            "#/components/schemas/io.k8s.api.apps.v1.Deployment"
        );
        assert_eq!(
            list["x-kubernetes-group-version-kind"][0]["kind"],
            "DeploymentList"
        );
        assert!(
            d.get("required").is_none(),
            "metadata is not required upstream"
        );
    }

    #[test]
    fn every_reference_resolves() {
        let b = builtin();
        for (name, schema) in &b.definitions {
            let mut refs = Vec::new();
            refs_of(schema, &mut refs);
            for r in refs {
                assert!(
                    b.definitions.contains_key(&r),
                    "{name} refers to missing {r}"
                );
            }
        }
    }

    #[test]
    fn every_served_builtin_kind_has_a_schema() {
        let b = builtin();
        for d in kubesim_api::ResourceTable::builtin().all() {
            assert!(
                b.kind(&d.group, &d.version, &d.kind).is_some(),
                "{}/{} {} has no schema",
                d.group,
                d.version,
                d.kind
            );
            for s in &d.subresources {
                let connect = s.kind.ends_with("Options");
                assert!(
                    connect || b.kind(&s.group, &s.version, &s.kind).is_some(),
                    "{}/{} subresource {} has no schema",
                    d.kind,
                    s.name,
                    s.kind
                );
            }
        }
    }
}
