use super::*;
use kubesim_api::ResourceTable;

fn at(kind: (&str, &str, &str), path: &[&str]) -> &'static FieldInfo {
    let mut ty = kind_type(kind.0, kind.1, kind.2).expect("kind has metadata");
    let (last, walk) = path.split_last().expect("non-empty path");
    for p in walk {
        let f = ty
            .field(p)
            .unwrap_or_else(|| panic!("{} has no field {p}", ty.name()));
        ty = descend(&f.shape).unwrap_or_else(|| panic!("{p} is not an object"));
    }
    ty.field(last)
        .unwrap_or_else(|| panic!("{} has no field {last}", ty.name()))
}

const POD: (&str, &str, &str) = ("", "v1", "Pod");
const DEPLOY: (&str, &str, &str) = ("apps", "v1", "Deployment");

fn merged_by(f: &FieldInfo, key: &str) {
    assert_eq!(f.patch_strategy, PatchStrategy::Merge, "{}", f.name);
    assert_eq!(f.patch_merge_key, Some(key), "{}", f.name);
}

#[test]
fn containers_merge_by_name() {
    let f = at(DEPLOY, &["spec", "template", "spec", "containers"]);
    merged_by(f, "name");
    assert_eq!(f.list_type, Some(ListType::Map(vec!["name"])));
    assert_eq!(
        f.shape,
        Shape::List(Box::new(Shape::Object(
            type_named("io.k8s.api.core.v1.Container").expect("Container")
        )))
    );
    merged_by(at(POD, &["spec", "initContainers"]), "name");
    merged_by(at(POD, &["spec", "ephemeralContainers"]), "name");
}

#[test]
fn container_ports_merge_by_container_port_and_ssa_keys_include_protocol() {
    let f = at(POD, &["spec", "containers", "ports"]);
    merged_by(f, "containerPort");
    assert_eq!(
        f.list_type,
        Some(ListType::Map(vec!["containerPort", "protocol"]))
    );
    // EphemeralContainer gets the tags of its embedded EphemeralContainerCommon.
    merged_by(
        at(POD, &["spec", "ephemeralContainers", "ports"]),
        "containerPort",
    );
}

#[test]
fn env_mounts_devices() {
    merged_by(at(POD, &["spec", "containers", "env"]), "name");
    merged_by(
        at(POD, &["spec", "containers", "volumeMounts"]),
        "mountPath",
    );
    merged_by(
        at(POD, &["spec", "containers", "volumeDevices"]),
        "devicePath",
    );
    merged_by(at(POD, &["spec", "imagePullSecrets"]), "name");
    merged_by(at(POD, &["spec", "hostAliases"]), "ip");
    merged_by(
        at(POD, &["spec", "topologySpreadConstraints"]),
        "topologyKey",
    );
}

#[test]
fn volumes_merge_by_name_and_retain_keys() {
    let f = at(POD, &["spec", "volumes"]);
    assert_eq!(f.patch_strategy, PatchStrategy::MergeRetainKeys);
    assert!(f.patch_strategy.merges() && f.patch_strategy.retains_keys());
    assert_eq!(f.patch_merge_key, Some("name"));
    let s = at(DEPLOY, &["spec", "strategy"]);
    assert_eq!(s.patch_strategy, PatchStrategy::RetainKeys);
    // Upstream's DaemonSetSpec.updateStrategy has no patch strategy.
    let d = at(("apps", "v1", "DaemonSet"), &["spec", "updateStrategy"]);
    assert_eq!(d.patch_strategy, PatchStrategy::Unspecified);
}

#[test]
fn atomic_lists_are_replaced() {
    for path in [
        &["spec", "tolerations"][..],
        &["spec", "containers", "args"],
        &["spec", "containers", "command"],
        &["spec", "containers", "envFrom"],
    ] {
        let f = at(POD, path);
        assert_eq!(f.patch_strategy, PatchStrategy::Unspecified, "{path:?}");
        assert!(!f.patch_strategy.merges());
        assert_eq!(f.list_type, Some(ListType::Atomic), "{path:?}");
    }
    // Node taints: upstream's NodeSpec.Taints carries no patch strategy (listType=atomic).
    let t = at(("", "v1", "Node"), &["spec", "taints"]);
    assert_eq!(t.patch_strategy, PatchStrategy::Unspecified);
    assert_eq!(t.list_type, Some(ListType::Atomic));
}

#[test]
fn metadata_lists() {
    let fin = at(POD, &["metadata", "finalizers"]);
    assert_eq!(fin.patch_strategy, PatchStrategy::Merge);
    assert_eq!(fin.patch_merge_key, None);
    assert_eq!(fin.list_type, Some(ListType::Set));
    let own = at(DEPLOY, &["metadata", "ownerReferences"]);
    merged_by(own, "uid");
    assert!(
        type_named("io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference")
            .expect("OwnerReference")
            .info()
            .atomic
    );
    assert_eq!(
        at(POD, &["metadata", "labels"]).shape,
        Shape::Map(Box::new(Shape::Scalar(Scalar::String)))
    );
}

#[test]
fn conditions_service_ports_and_scalars() {
    merged_by(at(POD, &["status", "conditions"]), "type");
    merged_by(at(DEPLOY, &["status", "conditions"]), "type");
    merged_by(at(("", "v1", "Node"), &["status", "conditions"]), "type");
    let sp = at(("", "v1", "Service"), &["spec", "ports"]);
    merged_by(sp, "port");
    assert_eq!(sp.list_type, Some(ListType::Map(vec!["port", "protocol"])));
    assert_eq!(
        at(("", "v1", "Service"), &["spec", "ports", "targetPort"]).shape,
        Shape::Scalar(Scalar::IntOrString)
    );
    assert_eq!(
        at(POD, &["spec", "containers", "resources", "limits"]).shape,
        Shape::Map(Box::new(Shape::Scalar(Scalar::Quantity)))
    );
    assert!(at(POD, &["spec", "nodeSelector"]).map_atomic);
    assert_eq!(
        at(
            ("policy", "v1", "PodDisruptionBudget"),
            &["spec", "selector"]
        )
        .patch_strategy,
        PatchStrategy::Replace
    );
    assert_eq!(at(DEPLOY, &["kind"]).shape, Shape::Scalar(Scalar::String));
}

#[test]
fn every_served_builtin_kind_has_metadata() {
    let missing: Vec<String> = ResourceTable::builtin()
        .all()
        .iter()
        .filter(|d| kind_type(&d.group, &d.version, &d.kind).is_none())
        .map(|d| format!("{}/{} {}", d.group, d.version, d.kind))
        .collect();
    assert!(missing.is_empty(), "no type metadata for {missing:?}");
}

#[test]
fn every_object_shape_resolves_and_fields_are_sorted() {
    for (_, _, _, t) in kinds() {
        assert!(
            t.field("apiVersion").is_some() && t.field("kind").is_some(),
            "{}",
            t.name()
        );
    }
    for t in &data().types {
        assert!(
            t.fields.windows(2).all(|w| w[0].name < w[1].name),
            "{}",
            t.name
        );
        for f in &t.fields {
            if matches!(f.shape, Shape::List(_)) {
                assert!(f.list_type.is_some(), "{}.{}", t.name, f.name);
            }
        }
    }
    assert!(data().types.len() > 500);
}

#[test]
fn every_field_line_parses() {
    let lines = TYPES_TEXT
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with(['#', '@', '=']))
        .count();
    let parsed: usize = data().types.iter().map(|t| t.fields.len()).sum();
    assert_eq!(lines, parsed);
    let kinds = TYPES_TEXT.lines().filter(|l| l.starts_with("= ")).count();
    assert_eq!(kinds, data().kinds.len());
}

#[test]
fn object_type_reads_api_version_and_kind() {
    let d = serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment"});
    assert_eq!(object_type(&d), kind_type("apps", "v1", "Deployment"));
    let cm = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap"});
    assert_eq!(
        object_type(&cm).map(TypeId::name),
        Some("io.k8s.api.core.v1.ConfigMap")
    );
    let cr = serde_json::json!({"apiVersion": "example.com/v1", "kind": "Widget"});
    assert_eq!(object_type(&cr), None);
    assert_eq!(object_type(&serde_json::json!({})), None);
}
