use super::*;
use serde_json::json;

fn def(group: &str, version: &str, kind: &str) -> ResourceDef {
    ResourceDef {
        group: group.into(),
        version: version.into(),
        kind: kind.into(),
        plural: format!("{}s", kind.to_lowercase()),
        singular: kind.to_lowercase(),
        namespaced: true,
        short_names: vec![],
        categories: vec![],
        verbs: vec![],
        subresources: vec![],
        storage: String::new(),
        virtual_only: false,
    }
}

/// Applies defaults, checks a second application changes nothing, returns the result.
fn defaulted(d: &ResourceDef, mut obj: Value) -> Value {
    apply_defaults(d, &mut obj);
    let once = obj.clone();
    apply_defaults(d, &mut obj);
    assert_eq!(obj, once, "defaults must be idempotent for {}", d.kind);
    obj
}

fn p<'a>(v: &'a Value, ptr: &str) -> &'a Value {
    v.pointer(ptr).unwrap_or(&Value::Null)
}

#[test]
fn image_pull_policies() {
    for (image, want) in [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.25", "IfNotPresent"),
        ("docker.io/library/nginx", "Always"),
        ("localhost:5000/app", "Always"),
        ("localhost:5000/app:v1", "IfNotPresent"),
        ("nginx@sha256:0123456789abcdef", "IfNotPresent"),
        ("nginx:latest@sha256:0123456789abcdef", "Always"),
        ("Bad/Image", "IfNotPresent"),
        ("", "IfNotPresent"),
    ] {
        assert_eq!(image_pull_policy(image), want, "image {image:?}");
    }
}

#[test]
fn pod_defaults() {
    let d = def("", "v1", "Pod");
    let pod = defaulted(
        &d,
        json!({
            "metadata": {"name": "p", "namespace": "default", "uid": "1234"},
            "spec": {
                "containers": [{
                    "name": "app", "image": "nginx:1.25",
                    "ports": [{"containerPort": 80}],
                    "resources": {"limits": {"cpu": "1"}},
                    "livenessProbe": {"httpGet": {"port": 80}},
                    "env": [{"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}]
                }],
                "volumes": [{"name": "cfg", "configMap": {"name": "c"}}, {"name": "scratch"}]
            }
        }),
    );
    let spec = &pod["spec"];
    assert_eq!(spec["restartPolicy"], "Always");
    assert_eq!(spec["dnsPolicy"], "ClusterFirst");
    assert_eq!(spec["terminationGracePeriodSeconds"], 30);
    assert_eq!(spec["schedulerName"], "default-scheduler");
    assert_eq!(spec["securityContext"], json!({}));
    assert_eq!(spec["serviceAccountName"], "default");
    assert_eq!(spec["serviceAccount"], "default");
    assert_eq!(spec["enableServiceLinks"], true);
    assert_eq!(spec["priority"], 0);
    assert_eq!(spec["preemptionPolicy"], "PreemptLowerPriority");
    let c = &spec["containers"][0];
    assert_eq!(c["imagePullPolicy"], "IfNotPresent");
    assert_eq!(c["terminationMessagePath"], "/dev/termination-log");
    assert_eq!(c["terminationMessagePolicy"], "File");
    assert_eq!(c["ports"][0]["protocol"], "TCP");
    assert_eq!(c["resources"]["requests"]["cpu"], "1");
    assert_eq!(
        c["livenessProbe"],
        json!({"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3})
    );
    assert_eq!(c["env"][0]["valueFrom"]["fieldRef"]["apiVersion"], "v1");
    assert_eq!(spec["volumes"][0]["configMap"]["defaultMode"], 420);
    assert_eq!(
        spec["volumes"][1],
        json!({"name": "scratch", "emptyDir": {}})
    );
    let tolerations = spec["tolerations"].as_array().cloned().unwrap_or_default();
    assert_eq!(tolerations.len(), 2);
    assert_eq!(tolerations[0]["key"], "node.kubernetes.io/not-ready");
    assert_eq!(tolerations[1]["tolerationSeconds"], 300);
    // The service account token volume, mounted in the container.
    let vol = &spec["volumes"][2];
    let vol_name = vol["name"].as_str().unwrap_or("");
    assert!(
        vol_name.starts_with("kube-api-access-") && vol_name.len() == "kube-api-access-".len() + 5
    );
    assert_eq!(
        vol["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"],
        3607
    );
    let mount = &c["volumeMounts"][0];
    assert_eq!(mount["name"], vol_name);
    assert_eq!(
        mount["mountPath"],
        "/var/run/secrets/kubernetes.io/serviceaccount"
    );
    assert_eq!(mount["readOnly"], true);
}

#[test]
fn pod_defaults_keep_client_values() {
    let d = def("", "v1", "Pod");
    let pod = defaulted(
        &d,
        json!({
            "metadata": {"name": "p", "namespace": "default"},
            "spec": {
                "restartPolicy": "Never", "dnsPolicy": "Default", "terminationGracePeriodSeconds": 5,
                "serviceAccount": "builder", "automountServiceAccountToken": false, "hostNetwork": true,
                "tolerations": [{"operator": "Exists"}],
                "containers": [{"name": "app", "image": "busybox", "imagePullPolicy": "Never",
                                "ports": [{"containerPort": 8080, "protocol": "UDP"}]}]
            }
        }),
    );
    let spec = &pod["spec"];
    assert_eq!(spec["restartPolicy"], "Never");
    assert_eq!(spec["dnsPolicy"], "Default");
    assert_eq!(spec["terminationGracePeriodSeconds"], 5);
    assert_eq!(spec["serviceAccountName"], "builder");
    assert_eq!(spec["serviceAccount"], "builder");
    assert_eq!(spec["tolerations"], json!([{"operator": "Exists"}]));
    assert!(spec.get("volumes").is_none());
    let c = &spec["containers"][0];
    assert_eq!(c["imagePullPolicy"], "Never");
    assert_eq!(c["ports"][0]["protocol"], "UDP");
    assert_eq!(c["ports"][0]["hostPort"], 8080);
}

#[test]
fn deployment_defaults() {
    let d = def("apps", "v1", "Deployment");
    let obj = defaulted(
        &d,
        json!({"metadata": {"name": "web"}, "spec": {"selector": {"matchLabels": {"app": "web"}},
               "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}),
    );
    assert_eq!(obj["spec"]["replicas"], 1);
    assert_eq!(
        obj["spec"]["strategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})
    );
    assert_eq!(obj["spec"]["revisionHistoryLimit"], 10);
    assert_eq!(obj["spec"]["progressDeadlineSeconds"], 600);
    let t = &obj["spec"]["template"];
    assert_eq!(t["metadata"]["creationTimestamp"], Value::Null);
    assert!(
        t["metadata"]
            .as_object()
            .is_some_and(|m| m.contains_key("creationTimestamp"))
    );
    assert_eq!(t["spec"]["restartPolicy"], "Always");
    assert_eq!(t["spec"]["containers"][0]["imagePullPolicy"], "Always");
    // Pod-only defaults stay out of templates.
    assert!(t["spec"].get("enableServiceLinks").is_none());
    assert!(t["spec"].get("serviceAccountName").is_none());
    assert!(t["spec"].get("tolerations").is_none());

    let recreate = defaulted(&d, json!({"spec": {"strategy": {"type": "Recreate"}}}));
    assert_eq!(recreate["spec"]["strategy"], json!({"type": "Recreate"}));
}

#[test]
fn statefulset_daemonset_replicaset_defaults() {
    let sts = defaulted(
        &def("apps", "v1", "StatefulSet"),
        json!({"spec": {"volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {"accessModes": ["ReadWriteOnce"]}}]}}),
    );
    let spec = &sts["spec"];
    assert_eq!(spec["replicas"], 1);
    assert_eq!(spec["podManagementPolicy"], "OrderedReady");
    assert_eq!(
        spec["updateStrategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
    );
    assert_eq!(spec["revisionHistoryLimit"], 10);
    assert_eq!(
        spec["persistentVolumeClaimRetentionPolicy"],
        json!({"whenDeleted": "Retain", "whenScaled": "Retain"})
    );
    let claim = &spec["volumeClaimTemplates"][0];
    assert_eq!(claim["apiVersion"], "v1");
    assert_eq!(claim["kind"], "PersistentVolumeClaim");
    assert_eq!(claim["spec"]["volumeMode"], "Filesystem");
    assert_eq!(claim["status"]["phase"], "Pending");
    // An explicit RollingUpdate without rollingUpdate gets no partition (as upstream).
    let explicit = defaulted(
        &def("apps", "v1", "StatefulSet"),
        json!({"spec": {"updateStrategy": {"type": "RollingUpdate"}}}),
    );
    assert_eq!(
        explicit["spec"]["updateStrategy"],
        json!({"type": "RollingUpdate"})
    );

    let ds = defaulted(&def("apps", "v1", "DaemonSet"), json!({"spec": {}}));
    assert_eq!(
        ds["spec"]["updateStrategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})
    );
    assert_eq!(ds["spec"]["revisionHistoryLimit"], 10);

    let rs = defaulted(&def("apps", "v1", "ReplicaSet"), json!({"spec": {}}));
    assert_eq!(rs["spec"]["replicas"], 1);

    let rc = defaulted(
        &def("", "v1", "ReplicationController"),
        json!({"spec": {"template": {"metadata": {"labels": {"app": "x"}}, "spec": {}}}}),
    );
    assert_eq!(rc["spec"]["selector"], json!({"app": "x"}));
    assert_eq!(rc["metadata"]["labels"], json!({"app": "x"}));
    assert_eq!(rc["spec"]["replicas"], 1);
}

#[test]
fn job_and_cronjob_defaults() {
    let job = defaulted(
        &def("batch", "v1", "Job"),
        json!({"metadata": {"name": "pi", "uid": "u-1"},
               "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "perl"}]}}}}),
    );
    let spec = &job["spec"];
    assert_eq!(spec["parallelism"], 1);
    assert_eq!(spec["completions"], 1);
    assert_eq!(spec["backoffLimit"], 6);
    assert_eq!(spec["completionMode"], "NonIndexed");
    assert_eq!(spec["suspend"], false);
    assert_eq!(spec["manualSelector"], false);
    assert_eq!(spec["podReplacementPolicy"], "TerminatingOrFailed");
    assert_eq!(
        spec["selector"],
        json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "u-1"}})
    );
    let want_labels = json!({
        "batch.kubernetes.io/controller-uid": "u-1", "batch.kubernetes.io/job-name": "pi",
        "controller-uid": "u-1", "job-name": "pi"
    });
    assert_eq!(spec["template"]["metadata"]["labels"], want_labels);
    assert_eq!(job["metadata"]["labels"], want_labels);
    assert_eq!(spec["template"]["spec"]["restartPolicy"], "Never");

    let parallel = defaulted(
        &def("batch", "v1", "Job"),
        json!({"spec": {"parallelism": 3}}),
    );
    assert!(parallel["spec"].get("completions").is_none());

    let cj = defaulted(
        &def("batch", "v1", "CronJob"),
        json!({"spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}}}}),
    );
    let spec = &cj["spec"];
    assert_eq!(spec["concurrencyPolicy"], "Allow");
    assert_eq!(spec["suspend"], false);
    assert_eq!(spec["successfulJobsHistoryLimit"], 3);
    assert_eq!(spec["failedJobsHistoryLimit"], 1);
    assert_eq!(
        p(spec, "/jobTemplate/metadata/creationTimestamp"),
        &Value::Null
    );
    assert_eq!(
        spec["jobTemplate"]["spec"]["template"]["spec"]["dnsPolicy"],
        "ClusterFirst"
    );
    assert!(spec["jobTemplate"]["spec"].get("backoffLimit").is_none());
}

#[test]
fn service_defaults() {
    let d = def("", "v1", "Service");
    let svc = defaulted(
        &d,
        json!({"spec": {"selector": {"app": "web"}, "ports": [{"port": 80}, {"port": 443, "targetPort": "https"}]}}),
    );
    let spec = &svc["spec"];
    assert_eq!(spec["type"], "ClusterIP");
    assert_eq!(spec["sessionAffinity"], "None");
    assert_eq!(
        spec["ports"][0],
        json!({"port": 80, "protocol": "TCP", "targetPort": 80})
    );
    assert_eq!(spec["ports"][1]["targetPort"], "https");
    assert_eq!(spec["ipFamilyPolicy"], "SingleStack");
    assert_eq!(spec["ipFamilies"], json!(["IPv4"]));
    assert_eq!(spec["internalTrafficPolicy"], "Cluster");
    assert!(spec.get("externalTrafficPolicy").is_none());
    assert!(spec.get("clusterIP").is_none(), "no allocation here");
    assert_eq!(svc["status"], json!({"loadBalancer": {}}));

    let lb = defaulted(
        &d,
        json!({"spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}}),
    );
    assert_eq!(lb["spec"]["externalTrafficPolicy"], "Cluster");
    assert_eq!(lb["spec"]["allocateLoadBalancerNodePorts"], true);

    let headless = defaulted(&d, json!({"spec": {"clusterIP": "None"}}));
    assert_eq!(headless["spec"]["ipFamilyPolicy"], "RequireDualStack");
    assert_eq!(headless["spec"]["clusterIPs"], json!(["None"]));

    let ext = defaulted(
        &d,
        json!({"spec": {"type": "ExternalName", "externalName": "example.com"}}),
    );
    assert!(ext["spec"].get("ipFamilies").is_none());
    assert!(ext["spec"].get("internalTrafficPolicy").is_none());
}

#[test]
fn namespace_secret_storage_defaults() {
    let ns = defaulted(
        &def("", "v1", "Namespace"),
        json!({"metadata": {"name": "team-a", "labels": {"kubernetes.io/metadata.name": "wrong"}}}),
    );
    assert_eq!(
        ns["metadata"]["labels"]["kubernetes.io/metadata.name"],
        "team-a"
    );
    assert_eq!(ns["spec"]["finalizers"], json!(["kubernetes"]));
    assert_eq!(ns["status"]["phase"], "Active");
    // A terminating namespace whose finalizer was removed does not get it back.
    let terminating = defaulted(
        &def("", "v1", "Namespace"),
        json!({"metadata": {"name": "x", "deletionTimestamp": "2024-01-01T00:00:00Z"}, "spec": {}, "status": {"phase": "Terminating"}}),
    );
    assert!(terminating["spec"].get("finalizers").is_none());
    assert_eq!(terminating["status"]["phase"], "Terminating");

    let secret = defaulted(&def("", "v1", "Secret"), json!({"metadata": {"name": "s"}}));
    assert_eq!(secret["type"], "Opaque");
    let tls = defaulted(
        &def("", "v1", "Secret"),
        json!({"type": "kubernetes.io/tls"}),
    );
    assert_eq!(tls["type"], "kubernetes.io/tls");

    let pvc = defaulted(&def("", "v1", "PersistentVolumeClaim"), json!({"spec": {}}));
    assert_eq!(pvc["spec"]["volumeMode"], "Filesystem");
    assert_eq!(pvc["status"]["phase"], "Pending");
    let pv = defaulted(
        &def("", "v1", "PersistentVolume"),
        json!({"spec": {"hostPath": {"path": "/x"}}}),
    );
    assert_eq!(pv["spec"]["persistentVolumeReclaimPolicy"], "Retain");
    assert_eq!(pv["spec"]["volumeMode"], "Filesystem");
    assert_eq!(pv["spec"]["hostPath"]["type"], "");

    let cm = json!({"metadata": {"name": "c"}, "data": {"a": "b"}});
    assert_eq!(defaulted(&def("", "v1", "ConfigMap"), cm.clone()), cm);
    let sa = json!({"metadata": {"name": "sa"}});
    assert_eq!(defaulted(&def("", "v1", "ServiceAccount"), sa.clone()), sa);

    let node = defaulted(
        &def("", "v1", "Node"),
        json!({"status": {"capacity": {"cpu": "4"}}}),
    );
    assert_eq!(node["status"]["allocatable"], json!({"cpu": "4"}));
}

#[test]
fn other_group_defaults() {
    let np = defaulted(
        &def("networking.k8s.io", "v1", "NetworkPolicy"),
        json!({"spec": {"podSelector": {}, "egress": [{"ports": [{"port": 53}]}]}}),
    );
    assert_eq!(np["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
    assert_eq!(np["spec"]["egress"][0]["ports"][0]["protocol"], "TCP");
    let np = defaulted(
        &def("networking.k8s.io", "v1", "NetworkPolicy"),
        json!({"spec": {"podSelector": {}}}),
    );
    assert_eq!(np["spec"]["policyTypes"], json!(["Ingress"]));

    let hpa = defaulted(
        &def("autoscaling", "v2", "HorizontalPodAutoscaler"),
        json!({"spec": {"maxReplicas": 5, "behavior": {}}}),
    );
    assert_eq!(hpa["spec"]["minReplicas"], 1);
    assert_eq!(
        hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
        80
    );
    assert_eq!(
        hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"],
        300
    );
    assert_eq!(
        hpa["spec"]["behavior"]["scaleUp"]["policies"][0],
        json!({"type": "Pods", "value": 4, "periodSeconds": 15})
    );
    let hpa1 = defaulted(
        &def("autoscaling", "v1", "HorizontalPodAutoscaler"),
        json!({"spec": {"maxReplicas": 5}}),
    );
    assert_eq!(hpa1["spec"], json!({"maxReplicas": 5, "minReplicas": 1}));

    let rb = defaulted(
        &def("rbac.authorization.k8s.io", "v1", "RoleBinding"),
        json!({"roleRef": {"kind": "Role", "name": "r"}, "subjects": [{"kind": "User", "name": "u"}, {"kind": "ServiceAccount", "name": "s"}]}),
    );
    assert_eq!(rb["roleRef"]["apiGroup"], "rbac.authorization.k8s.io");
    assert_eq!(rb["subjects"][0]["apiGroup"], "rbac.authorization.k8s.io");
    assert!(rb["subjects"][1].get("apiGroup").is_none());

    let crd = defaulted(
        &def("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
        json!({"spec": {"group": "x.io", "names": {"kind": "Widget", "plural": "widgets"}}}),
    );
    assert_eq!(crd["spec"]["names"]["singular"], "widget");
    assert_eq!(crd["spec"]["names"]["listKind"], "WidgetList");
    assert_eq!(crd["spec"]["conversion"], json!({"strategy": "None"}));

    let hook = defaulted(
        &def(
            "admissionregistration.k8s.io",
            "v1",
            "MutatingWebhookConfiguration",
        ),
        json!({"webhooks": [{"name": "w.x.io", "clientConfig": {"service": {"name": "s", "namespace": "n"}}, "rules": [{"operations": ["CREATE"]}]}]}),
    );
    let w = &hook["webhooks"][0];
    assert_eq!(w["failurePolicy"], "Fail");
    assert_eq!(w["reinvocationPolicy"], "Never");
    assert_eq!(w["clientConfig"]["service"]["port"], 443);
    assert_eq!(w["rules"][0]["scope"], "*");

    let sc = defaulted(
        &def("storage.k8s.io", "v1", "StorageClass"),
        json!({"provisioner": "x"}),
    );
    assert_eq!(sc["reclaimPolicy"], "Delete");
    assert_eq!(sc["volumeBindingMode"], "Immediate");
    let pc = defaulted(
        &def("scheduling.k8s.io", "v1", "PriorityClass"),
        json!({"value": 5}),
    );
    assert_eq!(pc["preemptionPolicy"], "PreemptLowerPriority");
}
