use super::*;
use serde_json::json;

pub(crate) fn def(
    group: &str,
    version: &str,
    kind: &str,
    plural: &str,
    namespaced: bool,
) -> ResourceDef {
    ResourceDef {
        group: group.into(),
        version: version.into(),
        kind: kind.into(),
        plural: plural.into(),
        singular: kind.to_lowercase(),
        namespaced,
        short_names: vec![],
        categories: vec![],
        verbs: vec![],
        subresources: vec![],
        storage: format!("{group}/{plural}"),
        virtual_only: false,
    }
}

/// `field: message` lines, as kubectl shows them.
fn lines(causes: &[Cause]) -> Vec<String> {
    causes
        .iter()
        .map(|c| format!("{}: {}", c.field, c.message))
        .collect()
}

fn pod(spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"}, "spec": spec})
}

fn good_pod_spec() -> Value {
    json!({
        "containers": [{"name": "app", "image": "nginx", "ports": [{"containerPort": 80, "protocol": "TCP"}],
                        "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
        "volumes": [{"name": "data", "emptyDir": {}}],
        "restartPolicy": "Always",
        "dnsPolicy": "ClusterFirst"
    })
}

fn deployment(selector: Value, labels: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": 1,
            "selector": selector,
            "template": {"metadata": {"labels": labels}, "spec": good_pod_spec()}
        }
    })
}

#[test]
fn metadata_names_per_kind() {
    let cm = def("", "v1", "ConfigMap", "configmaps", true);
    let got = lines(&validate(
        &cm,
        &json!({"metadata": {"name": "Bad_Name", "namespace": "default"}}),
        None,
    ));
    assert_eq!(
        got,
        vec![
            "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        ]
    );

    let ns = def("", "v1", "Namespace", "namespaces", false);
    let got = lines(&validate(&ns, &json!({"metadata": {"name": "a.b"}}), None));
    assert_eq!(
        got,
        vec!["metadata.name: Invalid value: \"a.b\": must not contain dots"]
    );

    let svc = def("", "v1", "Service", "services", true);
    let svc_obj = json!({"metadata": {"name": "1web", "namespace": "d"}, "spec": {"ports": [{"port": 80, "protocol": "TCP"}]}});
    let got = lines(&validate(&svc, &svc_obj, None));
    assert_eq!(got.len(), 1);
    assert!(
        got[0].starts_with("metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist"),
        "{got:?}"
    );

    let role = def(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
    );
    assert!(
        validate(
            &role,
            &json!({"metadata": {"name": "system:controller:foo"}}),
            None
        )
        .is_empty()
    );
    assert_eq!(
        lines(&validate(
            &role,
            &json!({"metadata": {"name": "a/b"}}),
            None
        )),
        vec!["metadata.name: Invalid value: \"a/b\": may not contain '/'"]
    );

    let got = lines(&validate(
        &cm,
        &json!({"metadata": {"namespace": "default"}}),
        None,
    ));
    assert_eq!(
        got,
        vec!["metadata.name: Required value: name or generateName is required"]
    );
    let got = lines(&validate(&cm, &json!({"metadata": {"name": "x"}}), None));
    assert_eq!(got, vec!["metadata.namespace: Required value"]);
    let got = lines(&validate(
        &cm,
        &json!({"metadata": {"name": "x-abcde", "generateName": "x-", "namespace": "d"}}),
        None,
    ));
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn metadata_labels_annotations_finalizers_owners() {
    let cm = def("", "v1", "ConfigMap", "configmaps", true);
    let obj = json!({"metadata": {
        "name": "x", "namespace": "d",
        "labels": {"good": "v", "bad key": "v", "k": "-bad"},
        "annotations": {"Example.COM/Ok": "x", "a/b/c": "y"},
        "finalizers": ["example.com/f", "orphan", "foregroundDeletion"],
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "1", "controller": true},
                            {"apiVersion": "", "kind": "", "name": "", "uid": "", "controller": true}]
    }});
    let got = lines(&validate(&cm, &obj, None));
    let want_prefixes = [
        "metadata.labels: Invalid value: \"bad key\": name part must consist of alphanumeric characters",
        "metadata.labels: Invalid value: \"-bad\": a valid label must be an empty string",
        "metadata.annotations: Invalid value: \"a/b/c\": a qualified name must consist of",
        "metadata.finalizers: Invalid value: []string{\"example.com/f\", \"orphan\", \"foregroundDeletion\"}: finalizer orphan and foregroundDeletion cannot be both set",
        "metadata.ownerReferences.apiVersion: Invalid value: \"\": version must not be empty",
        "metadata.ownerReferences.kind: Invalid value: \"\": kind must not be empty",
        "metadata.ownerReferences.name: Invalid value: \"\": name must not be empty",
        "metadata.ownerReferences.uid: Invalid value: \"\": uid must not be empty",
        "metadata.ownerReferences: Invalid value: []v1.OwnerReference{...}: Only one reference can have Controller set to true. Found \"true\" in references for ReplicaSet/rs and /",
    ];
    assert_eq!(got.len(), want_prefixes.len(), "{got:#?}");
    for (g, w) in got.iter().zip(want_prefixes) {
        assert!(g.starts_with(w), "got {g:?}, want prefix {w:?}");
    }

    let big = "x".repeat(256 * 1024);
    let obj = json!({"metadata": {"name": "x", "namespace": "d", "annotations": {"a": big}}});
    let causes = validate(&cm, &obj, None);
    assert_eq!(
        lines(&causes),
        vec!["metadata.annotations: Too long: must have at most 262144 bytes"]
    );
    assert_eq!(causes[0].reason, "FieldValueTooLong");
}

#[test]
fn pod_spec_checks() {
    let pods = def("", "v1", "Pod", "pods", true);
    assert!(validate(&pods, &pod(good_pod_spec()), None).is_empty());
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({"containers": [], "restartPolicy": "Always", "dnsPolicy": "ClusterFirst"}),
            vec!["spec.containers: Required value"],
        ),
        (
            json!({"containers": [{"name": "a"}], "restartPolicy": "Always", "dnsPolicy": "ClusterFirst"}),
            vec!["spec.containers[0].image: Required value"],
        ),
        (
            json!({"containers": [{"image": "x"}], "restartPolicy": "Always", "dnsPolicy": "ClusterFirst"}),
            vec!["spec.containers[0].name: Required value"],
        ),
        (
            json!({"containers": [{"name": "a", "image": "x"}, {"name": "a", "image": "y"}], "restartPolicy": "Always", "dnsPolicy": "ClusterFirst"}),
            vec!["spec.containers[1].name: Duplicate value: \"a\""],
        ),
        (
            json!({"containers": [{"name": "a", "image": "x", "ports": [{"containerPort": 70000, "protocol": "TCP"}, {"containerPort": 1, "protocol": "HTTP"}]}], "restartPolicy": "Always", "dnsPolicy": "ClusterFirst"}),
            vec![
                "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
                "spec.containers[0].ports[1].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
            ],
        ),
        (
            json!({"containers": [{"name": "a", "image": "x"}], "restartPolicy": "Sometimes", "dnsPolicy": "ClusterFirst"}),
            vec![
                "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
            ],
        ),
        (
            json!({"containers": [{"name": "a", "image": "x", "volumeMounts": [{"name": "nope", "mountPath": "/x"}]}], "restartPolicy": "Always", "dnsPolicy": "ClusterFirst"}),
            vec!["spec.containers[0].volumeMounts[0].name: Not found: \"nope\""],
        ),
        (
            json!({"containers": [{"name": "Bad", "image": "x"}], "restartPolicy": "Always", "dnsPolicy": "ClusterFirst"}),
            vec![
                "spec.containers[0].name: Invalid value: \"Bad\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
            ],
        ),
    ];
    for (spec, want) in cases {
        assert_eq!(
            lines(&validate(&pods, &pod(spec.clone()), None)),
            want,
            "spec {spec}"
        );
    }
}

#[test]
fn pod_update_rule() {
    let pods = def("", "v1", "Pod", "pods", true);
    let old = pod(good_pod_spec());
    let mut new = old.clone();
    new["spec"]["containers"][0]["image"] = json!("nginx:2");
    new["spec"]["activeDeadlineSeconds"] = json!(30);
    new["spec"]["tolerations"] = json!([{"key": "k", "operator": "Exists"}]);
    new["metadata"]["labels"] = json!({"a": "b"});
    assert!(validate(&pods, &new, Some(&old)).is_empty());

    let mut bad = old.clone();
    bad["spec"]["containers"][0]["ports"][0]["containerPort"] = json!(81);
    let got = validate(&pods, &bad, Some(&old));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].field, "spec");
    assert_eq!(got[0].reason, "FieldValueForbidden");
    assert!(got[0].message.starts_with("Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n"));
}

#[test]
fn workload_selectors() {
    let deploys = def("apps", "v1", "Deployment", "deployments", true);
    let ok = deployment(
        json!({"matchLabels": {"app": "web"}}),
        json!({"app": "web", "x": "y"}),
    );
    assert!(
        validate(&deploys, &ok, None).is_empty(),
        "{:?}",
        validate(&deploys, &ok, None)
    );

    let bad = deployment(json!({"matchLabels": {"app": "web"}}), json!({"app": "db"}));
    assert_eq!(
        lines(&validate(&deploys, &bad, None)),
        vec![
            "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"db\"}: `selector` does not match template `labels`"
        ]
    );

    let mut none = ok.clone();
    none["spec"].as_object_mut().map(|m| m.remove("selector"));
    assert_eq!(
        lines(&validate(&deploys, &none, None)),
        vec!["spec.selector: Required value"]
    );

    let mut neg = ok.clone();
    neg["spec"]["replicas"] = json!(-1);
    neg["spec"]["template"]["spec"]["restartPolicy"] = json!("Never");
    assert_eq!(
        lines(&validate(&deploys, &neg, None)),
        vec![
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
            "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"",
        ]
    );

    let mut changed = ok.clone();
    changed["spec"]["selector"] = json!({"matchLabels": {"app": "web2"}});
    changed["spec"]["template"]["metadata"]["labels"] = json!({"app": "web2"});
    assert_eq!(
        lines(&validate(&deploys, &changed, Some(&ok))),
        vec![
            "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web2\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"
        ]
    );

    let sts = def("apps", "v1", "StatefulSet", "statefulsets", true);
    let mut s_old = ok.clone();
    s_old["kind"] = json!("StatefulSet");
    s_old["spec"]["serviceName"] = json!("web");
    assert!(validate(&sts, &s_old, None).is_empty());
    let mut s_new = s_old.clone();
    s_new["spec"]["replicas"] = json!(3);
    assert!(validate(&sts, &s_new, Some(&s_old)).is_empty());
    s_new["spec"]["serviceName"] = json!("other");
    assert_eq!(
        lines(&validate(&sts, &s_new, Some(&s_old))),
        vec![
            "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
        ]
    );
}

#[test]
fn jobs() {
    let jobs = def("batch", "v1", "Job", "jobs", true);
    let mut spec = good_pod_spec();
    spec["restartPolicy"] = json!("Always");
    let job = json!({
        "metadata": {"name": "j", "namespace": "d"},
        "spec": {"selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u"}},
                 "template": {"metadata": {"labels": {"batch.kubernetes.io/controller-uid": "u"}}, "spec": spec}}
    });
    assert_eq!(
        lines(&validate(&jobs, &job, None)),
        vec![
            "spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""
        ]
    );
    let mut ok = job.clone();
    ok["spec"]["template"]["spec"]["restartPolicy"] = json!("Never");
    assert!(validate(&jobs, &ok, None).is_empty());
    let mut changed = ok.clone();
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = json!("other");
    assert_eq!(
        lines(&validate(&jobs, &changed, Some(&ok))),
        vec!["spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable"]
    );
}

#[test]
fn services() {
    let svcs = def("", "v1", "Service", "services", true);
    let svc = |spec: Value| json!({"metadata": {"name": "web", "namespace": "d"}, "spec": spec});
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({"type": "ClusterIP", "ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}]}),
            vec![],
        ),
        (
            json!({"type": "ClusterIP"}),
            vec!["spec.ports: Required value"],
        ),
        (json!({"type": "ClusterIP", "clusterIP": "None"}), vec![]),
        (
            json!({"type": "ExternalName", "externalName": "example.com"}),
            vec![],
        ),
        (
            json!({"type": "Magic", "ports": [{"port": 0, "protocol": "TCP"}]}),
            vec![
                "spec.type: Unsupported value: \"Magic\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"",
                "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            ],
        ),
        (
            json!({"type": "ClusterIP", "ports": [{"port": 80, "protocol": "TCP"}, {"port": 81, "protocol": "TCP"}]}),
            vec![
                "spec.ports[0].name: Required value",
                "spec.ports[1].name: Required value",
            ],
        ),
    ];
    for (spec, want) in cases {
        assert_eq!(
            lines(&validate(&svcs, &svc(spec.clone()), None)),
            want,
            "spec {spec}"
        );
    }
    let old = svc(
        json!({"type": "ClusterIP", "clusterIP": "10.0.0.1", "ports": [{"port": 80, "protocol": "TCP"}]}),
    );
    let mut new = old.clone();
    new["spec"]["clusterIP"] = json!("10.0.0.2");
    assert_eq!(
        lines(&validate(&svcs, &new, Some(&old))),
        vec!["spec.clusterIP: Invalid value: \"10.0.0.2\": field is immutable"]
    );
}

#[test]
fn config_maps_and_secrets() {
    let cms = def("", "v1", "ConfigMap", "configmaps", true);
    let cm = json!({"metadata": {"name": "c", "namespace": "d"}, "data": {"ok.key": "v", "bad/key": "v"}});
    let got = lines(&validate(&cms, &cm, None));
    assert_eq!(
        got,
        vec![
            "data[bad/key]: Invalid value: \"bad/key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
        ]
    );
    let big = json!({"metadata": {"name": "c", "namespace": "d"}, "data": {"a": "x".repeat(1024 * 1024 + 1)}});
    assert_eq!(
        lines(&validate(&cms, &big, None)),
        vec![": Too long: must have at most 1048576 bytes"]
    );

    let old =
        json!({"metadata": {"name": "c", "namespace": "d"}, "immutable": true, "data": {"a": "1"}});
    let mut new = old.clone();
    new["data"]["a"] = json!("2");
    assert_eq!(
        lines(&validate(&cms, &new, Some(&old))),
        vec!["data: Forbidden: field is immutable when `immutable` is set"]
    );

    let secrets = def("", "v1", "Secret", "secrets", true);
    let tls = json!({"metadata": {"name": "s", "namespace": "d"}, "type": "kubernetes.io/tls", "data": {"tls.crt": "eA=="}});
    assert_eq!(
        lines(&validate(&secrets, &tls, None)),
        vec!["data[tls.key]: Required value"]
    );
    let old = json!({"metadata": {"name": "s", "namespace": "d"}, "type": "Opaque"});
    let new = json!({"metadata": {"name": "s", "namespace": "d"}, "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}});
    assert_eq!(
        lines(&validate(&secrets, &new, Some(&old))),
        vec!["type: Invalid value: \"kubernetes.io/tls\": field is immutable"]
    );
}

#[test]
fn pvc_updates() {
    let pvcs = def(
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
    );
    let old = json!({
        "metadata": {"name": "c", "namespace": "d"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}, "volumeName": "pv1"},
        "status": {"phase": "Bound", "capacity": {"storage": "1Gi"}}
    });
    let mut grow = old.clone();
    grow["spec"]["resources"]["requests"]["storage"] = json!("2Gi");
    assert!(validate(&pvcs, &grow, Some(&old)).is_empty());
    let mut shrink = old.clone();
    shrink["spec"]["resources"]["requests"]["storage"] = json!("500Mi");
    assert_eq!(
        lines(&validate(&pvcs, &shrink, Some(&old))),
        vec![
            "spec.resources.requests.storage: Forbidden: field can not be less than status.capacity"
        ]
    );
    let mut modes = old.clone();
    modes["spec"]["accessModes"] = json!(["ReadWriteMany"]);
    let got = validate(&pvcs, &modes, Some(&old));
    assert_eq!(got.len(), 1);
    assert!(
        got[0]
            .message
            .starts_with("Forbidden: spec is immutable after creation except resources.requests")
    );
    assert_eq!(workloads::quantity_for_tests("1Gi"), Some(1073741824.0));
    assert_eq!(workloads::quantity_for_tests("500M"), Some(5e8));
}

/// Objects as clients typically send them validate cleanly once defaulted.
#[test]
fn defaulted_typical_objects_are_valid() {
    let pod_spec = json!({"containers": [{"name": "app", "image": "nginx:1.25", "ports": [{"containerPort": 80}]}]});
    let job_spec =
        json!({"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl"}]});
    let cases: Vec<(ResourceDef, Value)> = vec![
        (
            def("", "v1", "Pod", "pods", true),
            json!({"metadata": {"name": "web", "namespace": "default", "uid": "u1"}, "spec": pod_spec}),
        ),
        (
            def("apps", "v1", "Deployment", "deployments", true),
            json!({"metadata": {"name": "web", "namespace": "default"}, "spec": {"selector": {"matchLabels": {"app": "web"}},
                   "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod_spec}}}),
        ),
        (
            def("apps", "v1", "StatefulSet", "statefulsets", true),
            json!({"metadata": {"name": "db", "namespace": "default"}, "spec": {"serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                   "template": {"metadata": {"labels": {"app": "db"}}, "spec": pod_spec},
                   "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}}),
        ),
        (
            def("apps", "v1", "DaemonSet", "daemonsets", true),
            json!({"metadata": {"name": "agent", "namespace": "default"}, "spec": {"selector": {"matchLabels": {"app": "agent"}},
                   "template": {"metadata": {"labels": {"app": "agent"}}, "spec": pod_spec}}}),
        ),
        (
            def("batch", "v1", "Job", "jobs", true),
            json!({"metadata": {"name": "pi", "namespace": "default", "uid": "u2"}, "spec": {"template": {"spec": job_spec}}}),
        ),
        (
            def("batch", "v1", "CronJob", "cronjobs", true),
            json!({"metadata": {"name": "tick", "namespace": "default"}, "spec": {"schedule": "*/5 * * * *",
                   "jobTemplate": {"spec": {"template": {"spec": job_spec}}}}}),
        ),
        (
            def("", "v1", "Service", "services", true),
            json!({"metadata": {"name": "web", "namespace": "default"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}),
        ),
        (
            def("", "v1", "Namespace", "namespaces", false),
            json!({"metadata": {"name": "team-a"}}),
        ),
        (
            def("", "v1", "Secret", "secrets", true),
            json!({"metadata": {"name": "s", "namespace": "default"}, "stringData": {"password": "x"}}),
        ),
    ];
    for (d, mut obj) in cases {
        crate::defaults::apply_defaults(&d, &mut obj);
        let causes = validate(&d, &obj, None);
        assert!(causes.is_empty(), "{}: {:?}", d.kind, lines(&causes));
        // An unchanged update is valid too.
        let causes = validate(&d, &obj, Some(&obj));
        assert!(causes.is_empty(), "{} update: {:?}", d.kind, lines(&causes));
    }
}
