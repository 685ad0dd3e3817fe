//! Tests: bodies captured from kubectl and helm, hand-built messages, and the OpenAPI v2
//! document decoded back.

use serde_json::{Value, json};

use super::json::go_duration;
use super::schema::{Schema, Special, Ty};
use super::wire::{Reader, WireType, put_len, put_uint};
use super::*;

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// A protobuf message built field by field.
#[derive(Default, Clone)]
struct Msg(Vec<u8>);

impl Msg {
    fn new() -> Self {
        Self::default()
    }
    fn s(mut self, tag: u32, value: &str) -> Self {
        put_len(&mut self.0, tag, value.as_bytes());
        self
    }
    fn b(mut self, tag: u32, value: &[u8]) -> Self {
        put_len(&mut self.0, tag, value);
        self
    }
    fn i(mut self, tag: u32, value: i64) -> Self {
        put_uint(&mut self.0, tag, value as u64);
        self
    }
    fn m(mut self, tag: u32, value: Msg) -> Self {
        put_len(&mut self.0, tag, &value.0);
        self
    }
    /// A `map<string, string>` entry.
    fn kv(self, tag: u32, key: &str, value: &str) -> Self {
        self.m(tag, Msg::new().s(1, key).s(2, value))
    }
}

/// `k8s\0` + runtime.Unknown around `raw`.
fn envelope(api_version: &str, kind: &str, raw: Msg) -> Vec<u8> {
    let unknown = Msg::new()
        .m(1, Msg::new().s(1, api_version).s(2, kind))
        .m(2, raw)
        .s(3, "")
        .s(4, "");
    [MAGIC.to_vec(), unknown.0].concat()
}

/// ObjectMeta the way Go writes it: every value field present, empty or zero.
fn go_meta(name: &str) -> Msg {
    Msg::new()
        .s(1, name)
        .s(2, "")
        .s(3, "")
        .s(4, "")
        .s(5, "")
        .s(6, "")
        .i(7, 0)
        .m(8, Msg::new())
}

#[test]
fn decodes_kubectl_create_configmap() {
    let body = unhex(
        "6b3873000a0f0a0276311209436f6e6669674d6170121c0a120a02633912001a0022002a0032003800420012060a01611201621a002200",
    );
    let object = decode(&body).unwrap();
    assert_eq!(
        object,
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c9"}, "data": {"a": "b"}})
    );
    // apiVersion and kind come first.
    let keys: Vec<&String> = object.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["apiVersion", "kind", "metadata", "data"]);
}

#[test]
fn decodes_kubectl_auth_can_i() {
    let body = unhex(
        "6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374416363657373526576696577123f0a100a0012001a0022002a0032003800420012210a1f0a0764656661756c7412066372656174651a0022002a04706f647332003a001a08080012001a0020001a002200",
    );
    assert_eq!(
        decode(&body).unwrap(),
        json!({
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "metadata": {},
            "spec": {"resourceAttributes": {"namespace": "default", "verb": "create", "resource": "pods"}},
            // `allowed` has no omitempty in Go; `denied` has.
            "status": {"allowed": false}
        })
    );
}

#[test]
fn decodes_helm_delete_options() {
    let body = unhex("6b3873000a130a027631120d44656c6574654f7074696f6e7312001a002200");
    assert_eq!(
        decode(&body).unwrap(),
        json!({"apiVersion": "v1", "kind": "DeleteOptions"})
    );
    let body = envelope(
        "meta.k8s.io/v1",
        "DeleteOptions",
        Msg::new().i(1, 0).s(4, "Background"),
    );
    // gracePeriodSeconds is a pointer: an explicit 0 (delete now) must survive.
    assert_eq!(
        decode(&body).unwrap(),
        json!({"apiVersion": "meta.k8s.io/v1", "kind": "DeleteOptions",
               "gracePeriodSeconds": 0, "propagationPolicy": "Background"})
    );
    let body = envelope(
        "apps/v1",
        "DeleteOptions",
        Msg::new().s(4, "Foreground").s(5, "All"),
    );
    assert_eq!(
        decode(&body).unwrap(),
        json!({"apiVersion": "apps/v1", "kind": "DeleteOptions",
               "propagationPolicy": "Foreground", "dryRun": ["All"]})
    );
}

#[test]
fn decodes_secret_with_binary_data() {
    let meta = go_meta("sh.helm.release.v1.r1.v1")
        .kv(11, "owner", "helm")
        .kv(11, "status", "deployed");
    let secret = Msg::new()
        .m(1, meta)
        .m(2, Msg::new().s(1, "release").b(2, &[0, 1, 2, 0xff, 0xfe]))
        .m(2, Msg::new().s(1, "empty").b(2, b""))
        .s(3, "helm.sh/release.v1");
    assert_eq!(
        decode(&envelope("v1", "Secret", secret)).unwrap(),
        json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "sh.helm.release.v1.r1.v1", "labels": {"owner": "helm", "status": "deployed"}},
            "data": {"release": "AAEC//4=", "empty": ""},
            "type": "helm.sh/release.v1"
        })
    );
}

/// What `kubectl create deployment web --image=nginx --replicas=0` sends (Go writes every
/// value field), plus resource quantities.
fn deployment() -> Msg {
    let labels = |m: Msg| m.kv(11, "app", "web");
    let resources = Msg::new()
        .m(1, Msg::new().s(1, "cpu").m(2, Msg::new().s(1, "500m")))
        .m(1, Msg::new().s(1, "memory").m(2, Msg::new().s(1, "128Mi")));
    let container = Msg::new()
        .s(1, "nginx")
        .s(2, "nginx")
        .s(5, "")
        .m(8, resources)
        .s(13, "")
        .s(14, "")
        .i(16, 0)
        .i(17, 0)
        .i(18, 0)
        .s(20, "");
    let pod_spec = Msg::new()
        .m(2, container)
        .s(3, "")
        .s(6, "")
        .s(8, "")
        .s(9, "")
        .s(10, "")
        .i(11, 0)
        .i(12, 0)
        .i(13, 0)
        .s(16, "")
        .s(17, "")
        .s(19, "");
    let template = Msg::new().m(1, labels(go_meta(""))).m(2, pod_spec);
    let spec = Msg::new()
        .i(1, 0)
        .m(2, Msg::new().kv(1, "app", "web"))
        .m(3, template)
        .m(4, Msg::new().s(1, ""))
        .i(5, 0)
        .i(7, 0);
    let status = Msg::new().i(1, 0).i(2, 0).i(3, 0).i(4, 0).i(5, 0).i(7, 0);
    Msg::new()
        .m(1, labels(go_meta("web")))
        .m(2, spec)
        .m(3, status)
}

#[test]
fn decodes_deployment_like_go_prints_it() {
    let object = decode(&envelope("apps/v1", "Deployment", deployment())).unwrap();
    assert_eq!(
        object,
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {
                // A pointer: the explicit zero is kept.
                "replicas": 0,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{
                        "name": "nginx", "image": "nginx",
                        "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}}
                    }]}
                },
                "strategy": {}
            },
            "status": {}
        })
    );
    // Zero-valued value fields (minReadySeconds, paused, status counters) are gone.
    let spec: Vec<&String> = object["spec"].as_object().unwrap().keys().collect();
    assert_eq!(spec, ["replicas", "selector", "template", "strategy"]);
}

#[test]
fn decodes_service_ports_and_int_or_string() {
    let port = |name: &str, number: i64, target: Msg| {
        Msg::new()
            .s(1, name)
            .s(2, "TCP")
            .i(3, number)
            .m(4, target)
            .i(5, 0)
    };
    let spec = Msg::new()
        .m(1, port("http", 80, Msg::new().i(1, 0).i(2, 8080).s(3, "")))
        .m(
            1,
            port("https", 443, Msg::new().i(1, 1).i(2, 0).s(3, "web-tls")),
        )
        .m(1, port("dns", 53, Msg::new().i(1, 0).i(2, 0).s(3, "")))
        .kv(2, "app", "web")
        .s(4, "ClusterIP")
        .s(3, "");
    let service = Msg::new().m(1, go_meta("web")).m(2, spec).m(3, Msg::new());
    assert_eq!(
        decode(&envelope("v1", "Service", service)).unwrap(),
        json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web"},
            "spec": {
                "ports": [
                    {"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080},
                    {"name": "https", "protocol": "TCP", "port": 443, "targetPort": "web-tls"},
                    // A zero targetPort means "same as port" upstream: left out.
                    {"name": "dns", "protocol": "TCP", "port": 53}
                ],
                "selector": {"app": "web"},
                "type": "ClusterIP"
            },
            "status": {}
        })
    );
}

#[test]
fn decodes_times_and_micro_times() {
    let meta = Msg::new()
        .s(1, "e1")
        .m(8, Msg::new().i(1, 1_704_164_645).i(2, 999_000_000))
        .m(9, Msg::new())
        .i(10, 0);
    let event = Msg::new()
        .m(1, meta)
        .m(2, Msg::new().i(1, 1_704_164_645).i(2, 123_456_789))
        .s(4, "kubesim")
        .s(11, "Normal")
        .i(15, 0);
    assert_eq!(
        decode(&envelope("events.k8s.io/v1", "Event", event)).unwrap(),
        json!({
            "apiVersion": "events.k8s.io/v1", "kind": "Event",
            // Seconds precision; a present but zero deletionTimestamp is Go's null;
            // deletionGracePeriodSeconds is a pointer and keeps its 0.
            "metadata": {"name": "e1", "creationTimestamp": "2024-01-02T03:04:05Z",
                         "deletionGracePeriodSeconds": 0},
            "eventTime": "2024-01-02T03:04:05.123456Z",
            "reportingController": "kubesim",
            "type": "Normal"
        })
    );
}

#[test]
fn formats_durations_like_go() {
    let cases = [
        (0, "0s"),
        (999, "999ns"),
        (1_500, "1.5µs"),
        (1_500_000, "1.5ms"),
        (100_000_000, "100ms"),
        (1_000_000_000, "1s"),
        (90_000_000_000, "1m30s"),
        (3_600_000_000_000, "1h0m0s"),
        (3_723_500_000_000, "1h2m3.5s"),
        (-2_000_000_000, "-2s"),
    ];
    for (nanos, text) in cases {
        assert_eq!(go_duration(nanos), text, "{nanos}ns");
    }
}

#[test]
fn decodes_packed_and_unpacked_repeated_numbers() {
    let mut packed = Vec::new();
    for group in [1000u64, 2000, 3000] {
        super::wire::put_varint(&mut packed, group);
    }
    let security = Msg::new().i(2, 0).b(4, &packed).i(4, 4000);
    let pod = Msg::new().m(
        2,
        Msg::new()
            .m(2, Msg::new().s(1, "c").s(2, "busybox"))
            .m(14, security),
    );
    let object = decode(&envelope("v1", "Pod", pod)).unwrap();
    assert_eq!(
        object["spec"]["securityContext"],
        json!({"runAsUser": 0, "supplementalGroups": [1000, 2000, 3000, 4000]})
    );
}

#[test]
fn decodes_embedded_json_and_managed_fields() {
    let managed = Msg::new()
        .s(1, "kubectl")
        .s(2, "Apply")
        .s(3, "v1")
        .s(6, "FieldsV1")
        .m(7, Msg::new().b(1, br#"{"f:data":{"f:a":{}}}"#));
    let meta = go_meta("c").m(17, managed);
    let revision = Msg::new()
        .m(1, meta)
        .m(2, Msg::new().b(1, br#"{"spec":{"x":1}}"#))
        .i(3, 2);
    assert_eq!(
        decode(&envelope("apps/v1", "ControllerRevision", revision)).unwrap(),
        json!({
            "apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": {"name": "c", "managedFields": [{
                "manager": "kubectl", "operation": "Apply", "apiVersion": "v1",
                "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:a": {}}}
            }]},
            "data": {"spec": {"x": 1}},
            "revision": 2
        })
    );
    let bad = Msg::new()
        .m(1, go_meta("c"))
        .m(2, Msg::new().b(1, b"{nope"));
    assert!(matches!(
        decode(&envelope("apps/v1", "ControllerRevision", bad)),
        Err(DecodeError::EmbeddedJson { .. })
    ));
}

#[test]
fn keeps_meaningful_empty_strings_and_embedded_structs() {
    let pvc = Msg::new()
        .m(1, go_meta("data"))
        .m(2, Msg::new().s(1, "ReadWriteOnce").s(5, "").s(3, ""));
    assert_eq!(
        decode(&envelope("v1", "PersistentVolumeClaim", pvc)).unwrap()["spec"],
        json!({"accessModes": ["ReadWriteOnce"], "storageClassName": ""})
    );
    // Probe embeds ProbeHandler; Volume embeds VolumeSource; EnvFromSource's
    // ConfigMapEnvSource embeds LocalObjectReference.
    let probe = Msg::new()
        .m(
            1,
            Msg::new().m(
                2,
                Msg::new()
                    .s(1, "/healthz")
                    .m(2, Msg::new().i(1, 0).i(2, 80)),
            ),
        )
        .i(2, 0)
        .i(3, 1)
        .i(4, 10);
    let container = Msg::new()
        .s(1, "c")
        .m(10, probe)
        .m(19, Msg::new().m(2, Msg::new().m(1, Msg::new().s(1, "cfg"))));
    let volume = Msg::new()
        .s(1, "v")
        .m(2, Msg::new().m(2, Msg::new().s(1, "")));
    let pod = Msg::new().m(2, Msg::new().m(1, volume).m(2, container));
    let object = decode(&envelope("v1", "Pod", pod)).unwrap();
    // Go struct order, not field-number order: envFrom (19) before livenessProbe (10).
    let keys: Vec<&String> = object["spec"]["containers"][0]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, ["name", "envFrom", "livenessProbe"]);
    assert_eq!(
        object["spec"],
        json!({
            "volumes": [{"name": "v", "emptyDir": {}}],
            "containers": [{
                "name": "c",
                "envFrom": [{"configMapRef": {"name": "cfg"}}],
                "livenessProbe": {"httpGet": {"path": "/healthz", "port": 80},
                                  "timeoutSeconds": 1, "periodSeconds": 10}
            }]
        })
    );
    let lease = Msg::new()
        .m(1, go_meta("leader"))
        .m(2, Msg::new().s(1, "").i(2, 1));
    assert_eq!(
        decode(&envelope("coordination.k8s.io/v1", "Lease", lease)).unwrap()["spec"],
        json!({"holderIdentity": "", "leaseDurationSeconds": 1})
    );
}

#[test]
fn decodes_crd_schema_unions() {
    let string_schema = Msg::new().s(5, "string");
    let props = Msg::new()
        .s(5, "object")
        .m(
            29,
            Msg::new().s(1, "tags").m(
                2,
                Msg::new()
                    .s(5, "array")
                    .m(24, Msg::new().m(1, string_schema)),
            ),
        )
        .m(30, Msg::new().i(1, 1))
        .m(20, Msg::new().b(1, b"\"a\""))
        .m(20, Msg::new().b(1, b"1"))
        .m(8, Msg::new().b(1, br#"{"tags":[]}"#));
    let version = Msg::new()
        .s(1, "v1")
        .i(2, 1)
        .i(3, 1)
        .m(4, Msg::new().m(1, props));
    let crd = Msg::new().m(1, go_meta("widgets.example.com")).m(
        2,
        Msg::new()
            .s(1, "example.com")
            .m(3, Msg::new().s(1, "widgets").s(4, "Widget"))
            .s(4, "Namespaced")
            .m(7, version),
    );
    let object = decode(&envelope(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        crd,
    ))
    .unwrap();
    assert_eq!(
        object["spec"]["versions"][0],
        json!({
            "name": "v1", "served": true, "storage": true,
            "schema": {"openAPIV3Schema": {
                "type": "object",
                "default": {"tags": []},
                "enum": ["a", 1],
                "properties": {"tags": {"type": "array", "items": {"type": "string"}}},
                "additionalProperties": true
            }}
        })
    );
}

#[test]
fn finds_the_kinds_clients_send() {
    let schema = Schema::get();
    let kinds = [
        ("v1", "ConfigMap"),
        ("v1", "Secret"),
        ("v1", "Namespace"),
        ("v1", "ServiceAccount"),
        ("v1", "Service"),
        ("v1", "Pod"),
        ("v1", "Event"),
        ("v1", "Node"),
        ("v1", "Binding"),
        ("v1", "Endpoints"),
        ("v1", "PersistentVolumeClaim"),
        ("v1", "DeleteOptions"),
        ("meta.k8s.io/v1", "DeleteOptions"),
        ("apps/v1", "Deployment"),
        ("apps/v1", "StatefulSet"),
        ("apps/v1", "DaemonSet"),
        ("apps/v1", "ReplicaSet"),
        ("apps/v1", "DeleteOptions"),
        ("batch/v1", "Job"),
        ("batch/v1", "CronJob"),
        ("autoscaling/v1", "HorizontalPodAutoscaler"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"),
        ("autoscaling/v1", "Scale"),
        ("policy/v1", "PodDisruptionBudget"),
        ("policy/v1", "Eviction"),
        ("scheduling.k8s.io/v1", "PriorityClass"),
        ("coordination.k8s.io/v1", "Lease"),
        ("networking.k8s.io/v1", "Ingress"),
        ("networking.k8s.io/v1", "NetworkPolicy"),
        ("rbac.authorization.k8s.io/v1", "Role"),
        ("rbac.authorization.k8s.io/v1", "RoleBinding"),
        ("rbac.authorization.k8s.io/v1", "ClusterRole"),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
        ("authorization.k8s.io/v1", "SelfSubjectAccessReview"),
        ("authorization.k8s.io/v1", "SelfSubjectRulesReview"),
        ("authentication.k8s.io/v1", "SelfSubjectReview"),
        ("authentication.k8s.io/v1", "TokenRequest"),
        ("discovery.k8s.io/v1", "EndpointSlice"),
        ("events.k8s.io/v1", "Event"),
        ("storage.k8s.io/v1", "StorageClass"),
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
        ("apiregistration.k8s.io/v1", "APIService"),
    ];
    for (api_version, kind) in kinds {
        let index = schema.kind(api_version, kind);
        assert!(index.is_some(), "{api_version} {kind}");
        let name = schema.messages[index.unwrap()].name;
        assert!(
            name.to_ascii_lowercase()
                .ends_with(&format!(".{}", kind.to_ascii_lowercase())),
            "{api_version} {kind} → {name}"
        );
    }
    assert!(schema.kind("v1", "Nonsense").is_none());
    assert!(schema.kind("apps/v1", "DeploymentSpec").is_none());
    assert!(schema.kind("example.com/v1", "Widget").is_none());
}

#[test]
fn special_messages_have_the_expected_field_numbers() {
    let schema = Schema::get();
    let check = |name: &str, special: Special, fields: &[(u32, &str)]| {
        let message = schema.message(name).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(message.special, special, "{name}");
        for (tag, json) in fields {
            assert_eq!(
                message.field(*tag).map(|f| f.json),
                Some(*json),
                "{name}.{tag}"
            );
        }
    };
    check(
        "meta.v1.Time",
        Special::Time,
        &[(1, "seconds"), (2, "nanos")],
    );
    check(
        "meta.v1.MicroTime",
        Special::MicroTime,
        &[(1, "seconds"), (2, "nanos")],
    );
    check("meta.v1.Duration", Special::Duration, &[(1, "duration")]);
    check("meta.v1.FieldsV1", Special::RawJson, &[(1, "raw")]);
    check("meta.v1.Verbs", Special::StringList, &[(1, "items")]);
    check("api.resource.Quantity", Special::Quantity, &[(1, "string")]);
    check(
        "util.intstr.IntOrString",
        Special::IntOrString,
        &[(1, "type"), (2, "intVal"), (3, "strVal")],
    );
    check("runtime.RawExtension", Special::RawExtension, &[(1, "raw")]);
    check(
        "authentication.v1.ExtraValue",
        Special::StringList,
        &[(1, "items")],
    );
    check("apiextensions.v1.JSON", Special::RawJson, &[(1, "raw")]);
    check(
        "apiextensions.v1.JSONSchemaPropsOrBool",
        Special::SchemaOrBool,
        &[(1, "allows")],
    );
    for name in [
        "apiextensions.v1.JSONSchemaPropsOrArray",
        "apiextensions.v1.JSONSchemaPropsOrStringArray",
    ] {
        let message = schema.message(name).unwrap();
        assert!(
            matches!(message.field(1).map(|f| f.ty), Some(Ty::Message(_))),
            "{name}"
        );
    }
}

#[test]
fn curated_field_lists_name_real_fields() {
    let schema = Schema::get();
    for entry in Schema::curated_names() {
        let (message, field) = entry.rsplit_once('.').unwrap();
        let found = schema
            .message(message)
            .and_then(|m| m.fields.iter().find(|f| f.json == field));
        assert!(found.is_some(), "{entry} is not in the schema");
        let found = found.unwrap();
        assert!(found.omit_zero || found.keep_empty, "{entry}");
        assert!(
            !found.required,
            "{entry} has no omitempty in Go, it is required"
        );
    }
}

#[test]
fn rejects_bad_bodies_with_clear_errors() {
    assert!(matches!(decode(b""), Err(DecodeError::BadMagic)));
    assert!(matches!(
        decode(b"{\"kind\":\"Pod\"}"),
        Err(DecodeError::BadMagic)
    ));
    let body = envelope("v1", "Nonsense", Msg::new());
    let error = decode(&body).unwrap_err();
    assert!(matches!(error, DecodeError::UnknownKind { .. }));
    assert!(error.to_string().contains("Nonsense"), "{error}");
    let body = envelope("", "Pod", Msg::new());
    assert!(matches!(
        decode(&body),
        Err(DecodeError::MissingTypeMeta("apiVersion"))
    ));
    let body = envelope("v1", "", Msg::new());
    assert!(matches!(
        decode(&body),
        Err(DecodeError::MissingTypeMeta("kind"))
    ));

    let full = envelope("apps/v1", "Deployment", deployment());
    for cut in 5..full.len() - 4 {
        // Every prefix either decodes (a shorter envelope) or fails cleanly.
        let _ = decode(&full[..cut]);
    }
    assert!(matches!(
        decode(&full[..full.len() / 2]),
        Err(DecodeError::Truncated(_))
    ));
    // A string field sent as a varint.
    let wrong = Msg::new().m(1, Msg::new().i(1, 7));
    assert!(matches!(
        decode(&envelope("v1", "ConfigMap", wrong)),
        Err(DecodeError::Malformed(_))
    ));
    let gzip = [
        MAGIC.to_vec(),
        Msg::new()
            .m(1, Msg::new().s(1, "v1").s(2, "Pod"))
            .s(3, "gzip")
            .0,
    ]
    .concat();
    assert!(matches!(decode(&gzip), Err(DecodeError::Unsupported(_))));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    // A CRD validation schema nested through `not`.
    let mut props = Msg::new().s(5, "object");
    for _ in 0..200 {
        props = Msg::new().m(28, props);
    }
    let version = Msg::new().s(1, "v1").m(4, Msg::new().m(1, props));
    let crd = Msg::new().m(2, Msg::new().m(7, version));
    let result = decode(&envelope(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        crd,
    ));
    assert!(matches!(result, Err(DecodeError::TooDeep(_))), "{result:?}");
}

#[test]
fn unknown_fields_are_skipped() {
    let cm = Msg::new()
        .m(1, go_meta("c"))
        .kv(2, "a", "b")
        .s(99, "from the future")
        .i(98, 5);
    assert_eq!(
        decode(&envelope("v1", "ConfigMap", cm)).unwrap(),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "b"}})
    );
}

#[test]
fn raw_json_envelopes_are_accepted() {
    let unknown = Msg::new()
        .m(1, Msg::new().s(1, "v1").s(2, "ConfigMap"))
        .b(2, br#"{"metadata":{"name":"j"}}"#)
        .s(4, "application/json");
    let body = [MAGIC.to_vec(), unknown.0].concat();
    assert_eq!(
        decode(&body).unwrap(),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j"}})
    );
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(tail in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
        let _ = decode(&[MAGIC.to_vec(), tail.clone()].concat());
        let _ = decode(&envelope("apps/v1", "Deployment", Msg(tail)));
    }
}

/// Reads one message into (field number, bytes or varint) pairs.
fn fields(bytes: &[u8]) -> Vec<(u32, Result<Vec<u8>, u64>)> {
    let mut reader = Reader::new(bytes);
    let mut out = Vec::new();
    while !reader.is_empty() {
        let (tag, wire) = reader.key().unwrap();
        let value = match wire {
            WireType::Len => Ok(reader.bytes().unwrap().to_vec()),
            WireType::Varint => Err(reader.varint().unwrap()),
            other => panic!("unexpected wire type {other:?}"),
        };
        out.push((tag, value));
    }
    out
}

fn field(bytes: &[u8], tag: u32) -> Vec<u8> {
    fields(bytes)
        .into_iter()
        .find(|(t, _)| *t == tag)
        .and_then(|(_, v)| v.ok())
        .unwrap_or_else(|| panic!("no field {tag}"))
}

fn text(bytes: &[u8], tag: u32) -> String {
    String::from_utf8(field(bytes, tag)).unwrap()
}

#[test]
fn openapi_v2_document_decodes_back() {
    let ops = [
        OpenApiV2Op {
            path: "/apis/apps/v1/namespaces/{namespace}/deployments/{name}".into(),
            group: "apps".into(),
            version: "v1".into(),
            kind: "Deployment".into(),
        },
        OpenApiV2Op {
            path: "/api/v1/namespaces/{namespace}/configmaps/{name}".into(),
            group: String::new(),
            version: "v1".into(),
            kind: "ConfigMap".into(),
        },
    ];
    let document = openapi_v2_document(&ops, "v1.33.0");
    assert_eq!(text(&document, 1), "2.0");
    let info = field(&document, 2);
    assert_eq!(text(&info, 1), "Kubernetes");
    assert_eq!(text(&info, 2), "v1.33.0");
    let paths = field(&document, 8);
    let named: Vec<Vec<u8>> = fields(&paths)
        .into_iter()
        .map(|(tag, v)| {
            assert_eq!(tag, 2);
            v.unwrap()
        })
        .collect();
    assert_eq!(named.len(), 2);
    let mut seen = Vec::new();
    for (named, op) in named.iter().zip(&ops) {
        assert_eq!(text(named, 1), op.path);
        let patch = field(&field(named, 2), 8);
        let query = field(&field(&field(&field(&patch, 8), 1), 2), 3);
        assert_eq!(text(&query, 2), "query");
        assert_eq!(text(&query, 4), "fieldValidation");
        assert_eq!(text(&query, 6), "string");
        let extension = field(&patch, 13);
        assert_eq!(text(&extension, 1), "x-kubernetes-group-version-kind");
        let yaml = text(&field(&extension, 2), 2);
        seen.push(yaml);
    }
    assert_eq!(
        seen,
        [
            "group: \"apps\"\nkind: \"Deployment\"\nversion: \"v1\"\n",
            "group: \"\"\nkind: \"ConfigMap\"\nversion: \"v1\"\n"
        ]
    );
    assert!(
        OPENAPI_V2_CONTENT_TYPE.ends_with("+protobuf") && !OPENAPI_V2_CONTENT_TYPE.contains('@')
    );
    let _: Value = json!(null);
}

/// A message with every field set (one element per list, one entry per map), the way a
/// round-trip fuzzer fills objects; a message type is not entered again below itself.
fn populated(schema: &Schema, index: usize, path: &mut Vec<usize>) -> Msg {
    use super::schema::{Card, Scalar};
    let message = &schema.messages[index];
    match message.special {
        Special::Time => return Msg::new().i(1, 1_700_000_000),
        Special::MicroTime => return Msg::new().i(1, 1_700_000_000).i(2, 123_456_000),
        Special::Duration => return Msg::new().i(1, 90_000_000_000),
        Special::Quantity => return Msg::new().s(1, "2Gi"),
        Special::IntOrString => return Msg::new().i(1, 1).s(3, "25%"),
        Special::RawExtension => return Msg::new().b(1, br#"{"apiVersion":"v1","kind":"Pod"}"#),
        Special::RawJson => return Msg::new().b(1, b"{}"),
        Special::StringList => return Msg::new().s(1, "x"),
        Special::SchemaOrArray | Special::SchemaOrStringArray => {
            return Msg::new().m(1, Msg::new().s(5, "string"));
        }
        Special::SchemaOrBool => return Msg::new().i(1, 1),
        Special::None => {}
    }
    path.push(index);
    let mut out = Msg::new();
    for field in &message.fields {
        if let Ty::Message(inner) = field.ty
            && path.contains(&inner)
        {
            continue;
        }
        let mut value = |out: Msg, tag: u32| -> Msg {
            match field.ty {
                Ty::Scalar(Scalar::String) => out.s(tag, "x"),
                Ty::Scalar(Scalar::Bytes) => out.b(tag, b"\x01\x02"),
                Ty::Scalar(Scalar::Bool) => out.i(tag, 1),
                Ty::Scalar(Scalar::Int32 | Scalar::Int64) => out.i(tag, 3),
                Ty::Scalar(Scalar::Double) => {
                    let mut out = out;
                    super::wire::put_key(&mut out.0, tag, WireType::Fixed64);
                    out.0.extend_from_slice(&1.5f64.to_le_bytes());
                    out
                }
                Ty::Message(inner) => out.m(tag, populated(schema, inner, path)),
            }
        };
        out = match field.card {
            Card::Single | Card::Repeated => value(out, field.tag),
            Card::Map => {
                let entry = value(Msg::new().s(1, "k"), 2);
                out.m(field.tag, entry)
            }
        };
    }
    path.pop();
    out
}

/// Paths present in `ours` but missing or different in `theirs`.
fn differences(ours: &Value, theirs: &Value, path: &str, out: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let here = format!("{path}.{key}");
                match b.get(key) {
                    Some(other) => differences(value, other, &here, out),
                    None => out.push(here),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (x, y) in a.iter().zip(b) {
                differences(x, y, &format!("{path}[]"), out);
            }
        }
        _ if ours == theirs => {}
        _ => out.push(format!("{path}: {ours} vs {theirs}")),
    }
}

fn roundtrip<T>(api_version: &str, kind: &str) -> Vec<String>
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let schema = Schema::get();
    let index = schema.kind(api_version, kind).unwrap();
    let body = envelope(api_version, kind, populated(schema, index, &mut Vec::new()));
    let ours = decode(&body).unwrap();
    let typed: T = serde_json::from_value(ours.clone())
        .unwrap_or_else(|e| panic!("{kind}: k8s-openapi rejects our JSON: {e}\n{ours:#}"));
    let theirs = serde_json::to_value(&typed).unwrap();
    let mut out = Vec::new();
    differences(&ours, &theirs, kind, &mut out);
    out
}

#[test]
fn populated_objects_round_trip_through_k8s_openapi() {
    use k8s_openapi::api;
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiextensions;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
    let mut all = Vec::new();
    all.extend(roundtrip::<api::core::v1::ConfigMap>("v1", "ConfigMap"));
    all.extend(roundtrip::<api::core::v1::Secret>("v1", "Secret"));
    all.extend(roundtrip::<api::core::v1::Namespace>("v1", "Namespace"));
    all.extend(roundtrip::<api::core::v1::ServiceAccount>(
        "v1",
        "ServiceAccount",
    ));
    all.extend(roundtrip::<api::core::v1::Service>("v1", "Service"));
    all.extend(roundtrip::<api::core::v1::Pod>("v1", "Pod"));
    all.extend(roundtrip::<api::core::v1::Event>("v1", "Event"));
    all.extend(roundtrip::<api::core::v1::Node>("v1", "Node"));
    all.extend(roundtrip::<api::core::v1::Binding>("v1", "Binding"));
    all.extend(roundtrip::<api::core::v1::Endpoints>("v1", "Endpoints"));
    all.extend(roundtrip::<api::core::v1::PersistentVolume>(
        "v1",
        "PersistentVolume",
    ));
    all.extend(roundtrip::<api::core::v1::PersistentVolumeClaim>(
        "v1",
        "PersistentVolumeClaim",
    ));
    all.extend(roundtrip::<api::core::v1::ResourceQuota>(
        "v1",
        "ResourceQuota",
    ));
    all.extend(roundtrip::<api::core::v1::LimitRange>("v1", "LimitRange"));
    all.extend(roundtrip::<api::core::v1::ReplicationController>(
        "v1",
        "ReplicationController",
    ));
    all.extend(roundtrip::<meta::DeleteOptions>("v1", "DeleteOptions"));
    all.extend(roundtrip::<api::apps::v1::Deployment>(
        "apps/v1",
        "Deployment",
    ));
    all.extend(roundtrip::<api::apps::v1::StatefulSet>(
        "apps/v1",
        "StatefulSet",
    ));
    all.extend(roundtrip::<api::apps::v1::DaemonSet>(
        "apps/v1",
        "DaemonSet",
    ));
    all.extend(roundtrip::<api::apps::v1::ReplicaSet>(
        "apps/v1",
        "ReplicaSet",
    ));
    all.extend(roundtrip::<api::apps::v1::ControllerRevision>(
        "apps/v1",
        "ControllerRevision",
    ));
    all.extend(roundtrip::<api::batch::v1::Job>("batch/v1", "Job"));
    all.extend(roundtrip::<api::batch::v1::CronJob>("batch/v1", "CronJob"));
    all.extend(roundtrip::<api::autoscaling::v1::HorizontalPodAutoscaler>(
        "autoscaling/v1",
        "HorizontalPodAutoscaler",
    ));
    all.extend(roundtrip::<api::autoscaling::v2::HorizontalPodAutoscaler>(
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
    ));
    all.extend(roundtrip::<api::autoscaling::v1::Scale>(
        "autoscaling/v1",
        "Scale",
    ));
    all.extend(roundtrip::<api::policy::v1::PodDisruptionBudget>(
        "policy/v1",
        "PodDisruptionBudget",
    ));
    all.extend(roundtrip::<api::policy::v1::Eviction>(
        "policy/v1",
        "Eviction",
    ));
    all.extend(roundtrip::<api::scheduling::v1::PriorityClass>(
        "scheduling.k8s.io/v1",
        "PriorityClass",
    ));
    all.extend(roundtrip::<api::coordination::v1::Lease>(
        "coordination.k8s.io/v1",
        "Lease",
    ));
    all.extend(roundtrip::<api::networking::v1::Ingress>(
        "networking.k8s.io/v1",
        "Ingress",
    ));
    all.extend(roundtrip::<api::networking::v1::IngressClass>(
        "networking.k8s.io/v1",
        "IngressClass",
    ));
    all.extend(roundtrip::<api::networking::v1::NetworkPolicy>(
        "networking.k8s.io/v1",
        "NetworkPolicy",
    ));
    all.extend(roundtrip::<api::rbac::v1::Role>(
        "rbac.authorization.k8s.io/v1",
        "Role",
    ));
    all.extend(roundtrip::<api::rbac::v1::RoleBinding>(
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
    ));
    all.extend(roundtrip::<api::rbac::v1::ClusterRole>(
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
    ));
    all.extend(roundtrip::<api::rbac::v1::ClusterRoleBinding>(
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
    ));
    all.extend(
        roundtrip::<api::authorization::v1::SelfSubjectAccessReview>(
            "authorization.k8s.io/v1",
            "SelfSubjectAccessReview",
        ),
    );
    all.extend(roundtrip::<api::authorization::v1::SubjectAccessReview>(
        "authorization.k8s.io/v1",
        "SubjectAccessReview",
    ));
    all.extend(roundtrip::<api::authorization::v1::SelfSubjectRulesReview>(
        "authorization.k8s.io/v1",
        "SelfSubjectRulesReview",
    ));
    all.extend(roundtrip::<api::authentication::v1::SelfSubjectReview>(
        "authentication.k8s.io/v1",
        "SelfSubjectReview",
    ));
    all.extend(roundtrip::<api::authentication::v1::TokenRequest>(
        "authentication.k8s.io/v1",
        "TokenRequest",
    ));
    all.extend(roundtrip::<api::authentication::v1::TokenReview>(
        "authentication.k8s.io/v1",
        "TokenReview",
    ));
    all.extend(roundtrip::<api::discovery::v1::EndpointSlice>(
        "discovery.k8s.io/v1",
        "EndpointSlice",
    ));
    all.extend(roundtrip::<api::events::v1::Event>(
        "events.k8s.io/v1",
        "Event",
    ));
    all.extend(roundtrip::<api::storage::v1::StorageClass>(
        "storage.k8s.io/v1",
        "StorageClass",
    ));
    all.extend(roundtrip::<api::storage::v1::CSIDriver>(
        "storage.k8s.io/v1",
        "CSIDriver",
    ));
    all.extend(
        roundtrip::<api::certificates::v1::CertificateSigningRequest>(
            "certificates.k8s.io/v1",
            "CertificateSigningRequest",
        ),
    );
    all.extend(roundtrip::<
        api::admissionregistration::v1::ValidatingWebhookConfiguration,
    >(
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
    ));
    all.extend(roundtrip::<
        api::admissionregistration::v1::MutatingWebhookConfiguration,
    >(
        "admissionregistration.k8s.io/v1",
        "MutatingWebhookConfiguration",
    ));
    all.extend(roundtrip::<apiextensions::CustomResourceDefinition>(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
    ));
    for line in &all {
        eprintln!("{line}");
    }
    assert!(all.is_empty(), "{} differences", all.len());
}
