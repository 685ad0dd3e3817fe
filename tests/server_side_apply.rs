//! Server-side apply end to end: kubectl 1.33 and 1.27 `apply --server-side` (create, unchanged
//! re-apply, removal of dropped fields, conflicts with client-side apply and `--force-conflicts`,
//! the CSA→SSA migration kubectl performs, dry run), kube-rs `Patch::Apply`, the raw HTTP
//! answers (201 on create, 422 without fieldManager, 409 body), and the Python client.

mod common;

use common::{TestCluster, json};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

/// Writes a manifest into the cluster's temporary directory and returns its path.
fn manifest(c: &TestCluster, name: &str, text: &str) -> String {
    let p = c.dir.path().join(name);
    std::fs::write(&p, text).expect("write manifest");
    p.to_string_lossy().into_owned()
}

fn deployment(ns: &str, replicas: u32, image: &str, extra_label: bool, sidecar: bool) -> String {
    let label = if extra_label { "\n    tier: front" } else { "" };
    let side = if sidecar {
        "\n      - name: side\n        image: busybox:1.36"
    } else {
        ""
    };
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {ns}
  labels:
    app: web{label}
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: {image}
        ports:
        - containerPort: 80{side}
"
    )
}

async fn get(c: &TestCluster, v: Option<&str>, ns: &str, what: &str) -> Value {
    json(
        &c.kubectl_ok(
            v,
            &["get", what, "-n", ns, "-o", "json", "--show-managed-fields"],
        )
        .await,
    )
}

/// The managedFields entry of `manager` with `operation`.
fn entry<'a>(obj: &'a Value, manager: &str, operation: &str) -> Option<&'a Value> {
    obj.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .and_then(|a| {
            a.iter()
                .find(|e| e["manager"] == manager && e["operation"] == operation)
        })
}

fn managers(obj: &Value) -> Vec<String> {
    let mut m: Vec<String> = obj
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|e| {
                    format!(
                        "{}/{}",
                        e["manager"].as_str().unwrap_or(""),
                        e["operation"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    m.sort();
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_server_side_apply_creates_reapplies_and_prunes() {
    let c = TestCluster::start().await;
    let ns = "ssa-life";
    c.kubectl_ok(None, &["create", "namespace", ns]).await;
    let full = manifest(
        &c,
        "full.yaml",
        &deployment(ns, 2, "nginx:1.25", true, true),
    );
    let out = c
        .kubectl_ok(None, &["apply", "--server-side", "-f", &full])
        .await;
    assert_eq!(out.trim(), "deployment.apps/web serverside-applied");
    let d = get(&c, None, ns, "deployment/web").await;
    assert_eq!(d["metadata"]["generation"], 1);
    assert_eq!(managers(&d), ["kubectl/Apply"], "{d}");
    let e = entry(&d, "kubectl", "Apply").unwrap();
    assert_eq!(e["apiVersion"], "apps/v1");
    assert_eq!(e["fieldsType"], "FieldsV1");
    assert!(e.get("subresource").is_none());
    assert_eq!(
        e["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"],
        json!({".": {}, "f:image": {}, "f:name": {}, "f:ports": {
            "k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}}
        }})
    );
    assert_eq!(e["fieldsV1"]["f:spec"]["f:selector"], json!({}));
    // Defaults are nobody's but are there.
    assert_eq!(d["spec"]["strategy"]["type"], "RollingUpdate");
    let rv = d["metadata"]["resourceVersion"].clone();

    // Re-applying the same file changes nothing.
    let out = c
        .kubectl_ok(None, &["apply", "--server-side", "-f", &full])
        .await;
    assert_eq!(out.trim(), "deployment.apps/web serverside-applied");
    let d = get(&c, None, ns, "deployment/web").await;
    assert_eq!(d["metadata"]["resourceVersion"], rv);
    assert_eq!(d["metadata"]["generation"], 1);

    // Fields dropped from the file are removed.
    let slim = manifest(
        &c,
        "slim.yaml",
        &deployment(ns, 2, "nginx:1.25", false, false),
    );
    c.kubectl_ok(None, &["apply", "--server-side", "-f", &slim])
        .await;
    let d = get(&c, None, ns, "deployment/web").await;
    assert_eq!(d["metadata"]["labels"], json!({"app": "web"}));
    let names: Vec<&str> = d["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["web"]);
    assert_eq!(d["metadata"]["generation"], 2);

    // Server-side dry run creates nothing.
    let other = manifest(
        &c,
        "other.yaml",
        &format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\n  namespace: {ns}\ndata:\n  a: \"1\"\n"
        ),
    );
    c.kubectl_ok(
        None,
        &["apply", "--server-side", "--dry-run=server", "-f", &other],
    )
    .await;
    let err = c
        .kubectl_err(None, &["get", "configmap", "dry", "-n", ns])
        .await;
    assert!(err.contains("not found"), "{err}");
    c.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_conflicts_with_client_side_apply_and_force_moves_ownership() {
    let c = TestCluster::start().await;
    let ns = "ssa-conflict";
    c.kubectl_ok(None, &["create", "namespace", ns]).await;
    let v1 = manifest(
        &c,
        "v1.yaml",
        &deployment(ns, 2, "nginx:1.25", false, false),
    );
    let out = c.kubectl_ok(None, &["apply", "-f", &v1]).await;
    assert_eq!(out.trim(), "deployment.apps/web created");
    let d = get(&c, None, ns, "deployment/web").await;
    assert_eq!(managers(&d), ["kubectl-client-side-apply/Update"]);

    // Another manager changing a field client-side apply owns conflicts.
    let v2 = manifest(
        &c,
        "v2.yaml",
        &deployment(ns, 3, "nginx:1.25", false, false),
    );
    let err = c
        .kubectl_err(
            None,
            &[
                "apply",
                "--server-side",
                "--field-manager=deployer",
                "-f",
                &v2,
            ],
        )
        .await;
    assert!(
        err.contains("Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas"),
        "{err}"
    );
    assert!(err.contains("--force-conflicts"), "{err}");
    let d = get(&c, None, ns, "deployment/web").await;
    assert_eq!(d["spec"]["replicas"], 2);

    // Forcing takes the field over.
    c.kubectl_ok(
        None,
        &[
            "apply",
            "--server-side",
            "--field-manager=deployer",
            "--force-conflicts",
            "-f",
            &v2,
        ],
    )
    .await;
    let d = get(&c, None, ns, "deployment/web").await;
    assert_eq!(d["spec"]["replicas"], 3);
    let deployer = entry(&d, "deployer", "Apply").expect("deployer entry");
    assert_eq!(deployer["fieldsV1"]["f:spec"]["f:replicas"], json!({}));
    // kubectl then migrates what client-side apply owned to the applier (a JSON patch of
    // managedFields) and applies again: the applier owns exactly its file, and the
    // last-applied annotation, which only the default manager keeps, is gone.
    assert_eq!(managers(&d), ["deployer/Apply"], "{d}");
    assert!(deployer["fieldsV1"]["f:spec"].get("f:selector").is_some());
    assert!(d["metadata"].get("annotations").is_none(), "{d}");
    c.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_migrates_client_side_apply_to_server_side() {
    let c = TestCluster::start().await;
    let ns = "ssa-migrate";
    c.kubectl_ok(None, &["create", "namespace", ns]).await;
    let v1 = manifest(&c, "v1.yaml", &deployment(ns, 2, "nginx:1.25", true, false));
    c.kubectl_ok(None, &["apply", "-f", &v1]).await;
    // The same file server-side: no conflict; kubectl moves client-side apply's fields to
    // its own apply entry (a JSON patch of /metadata/managedFields).
    let out = c
        .kubectl_ok(None, &["apply", "--server-side", "-f", &v1])
        .await;
    assert_eq!(out.trim(), "deployment.apps/web serverside-applied");
    let d = get(&c, None, ns, "deployment/web").await;
    // The last-applied annotation is kept under its own applier for a later downgrade.
    assert_eq!(
        managers(&d),
        ["kubectl-last-applied/Apply", "kubectl/Apply"],
        "{d}"
    );
    assert!(
        d["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
            .as_str()
            .is_some_and(|s| s.contains("\"replicas\":2")),
        "{d}"
    );
    let kubectl = entry(&d, "kubectl", "Apply").unwrap();
    assert_eq!(kubectl["fieldsV1"]["f:spec"]["f:replicas"], json!({}));
    // Now the file is the source of truth: a dropped label goes, a changed value lands.
    let v2 = manifest(
        &c,
        "v2.yaml",
        &deployment(ns, 4, "nginx:1.26", false, false),
    );
    c.kubectl_ok(None, &["apply", "--server-side", "-f", &v2])
        .await;
    let d = get(&c, None, ns, "deployment/web").await;
    assert_eq!(d["metadata"]["labels"], json!({"app": "web"}));
    assert_eq!(d["spec"]["replicas"], 4);
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.26"
    );

    // Without the migration step (a value changed right away), kubectl is still allowed to
    // take over what its last client-side apply set.
    let cm1 = manifest(
        &c,
        "cm1.yaml",
        &format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: {ns}\ndata:\n  a: \"1\"\n  b: \"2\"\n"
        ),
    );
    let cm2 = manifest(
        &c,
        "cm2.yaml",
        &format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: {ns}\ndata:\n  a: \"9\"\n"
        ),
    );
    c.kubectl_ok(None, &["apply", "-f", &cm1]).await;
    c.kubectl_ok(None, &["apply", "--server-side", "-f", &cm2])
        .await;
    let cm = get(&c, None, ns, "configmap/cfg").await;
    assert_eq!(cm["data"]["a"], "9");
    c.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_1_27_server_side_apply() {
    let c = TestCluster::start().await;
    let v = Some("1.27");
    let ns = "ssa-old";
    c.kubectl_ok(v, &["create", "namespace", ns]).await;
    let f = manifest(&c, "d.yaml", &deployment(ns, 1, "nginx:1.25", true, true));
    let out = c.kubectl_ok(v, &["apply", "--server-side", "-f", &f]).await;
    assert_eq!(out.trim(), "deployment.apps/web serverside-applied");
    let out = c.kubectl_ok(v, &["apply", "--server-side", "-f", &f]).await;
    assert_eq!(out.trim(), "deployment.apps/web serverside-applied");
    let slim = manifest(&c, "s.yaml", &deployment(ns, 1, "nginx:1.25", false, false));
    c.kubectl_ok(v, &["apply", "--server-side", "-f", &slim])
        .await;
    let d = get(&c, v, ns, "deployment/web").await;
    assert_eq!(d["metadata"]["labels"], json!({"app": "web"}));
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(entry(&d, "kubectl", "Apply").is_some());
    c.handle.shutdown().await;
}

fn config_map(name: &str, data: &[(&str, &str)]) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name},
        "data": data.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_rs_patch_apply_create_update_conflict_force() {
    let c = TestCluster::start().await;
    let client = c.kube_client().await;
    let mut ns = Namespace::default();
    ns.metadata.name = Some("ssa-kube".into());
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &ns)
        .await
        .expect("namespace");
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "ssa-kube");

    let created = api
        .patch(
            "app",
            &PatchParams::apply("mgr"),
            &Patch::Apply(config_map("app", &[("a", "1"), ("b", "2")])),
        )
        .await
        .expect("apply creates");
    assert!(created.metadata.uid.is_some());
    let mf = created.metadata.managed_fields.clone().unwrap_or_default();
    assert_eq!(mf.len(), 1);
    assert_eq!(mf[0].manager.as_deref(), Some("mgr"));
    assert_eq!(mf[0].operation.as_deref(), Some("Apply"));

    // Dropping a key removes it.
    let updated = api
        .patch(
            "app",
            &PatchParams::apply("mgr"),
            &Patch::Apply(config_map("app", &[("a", "1")])),
        )
        .await
        .expect("apply updates");
    let data = updated.data.clone().unwrap_or_default();
    assert_eq!(data.len(), 1);

    // Another applier changing `a` conflicts; forcing takes it.
    let err = api
        .patch(
            "app",
            &PatchParams::apply("other"),
            &Patch::Apply(config_map("app", &[("a", "2")])),
        )
        .await
        .expect_err("conflict");
    match err {
        kube::Error::Api(s) => {
            assert_eq!(s.code, 409);
            assert_eq!(s.reason, "Conflict");
            assert_eq!(
                s.message,
                "Apply failed with 1 conflict: conflict with \"mgr\": .data.a"
            );
        }
        other => panic!("{other:?}"),
    }
    let forced = api
        .patch(
            "app",
            &PatchParams::apply("other").force(),
            &Patch::Apply(config_map("app", &[("a", "2")])),
        )
        .await
        .expect("forced apply");
    assert_eq!(forced.data.unwrap_or_default()["a"], "2");
    let mf = forced.metadata.managed_fields.unwrap_or_default();
    let mgr = mf.iter().find(|e| e.manager.as_deref() == Some("mgr"));
    assert!(
        mgr.is_none(),
        "mgr owned only data.a, which moved to other: {mf:?}"
    );
    c.handle.shutdown().await;
}

/// A raw request through kube-rs's client: status code and JSON body.
async fn raw(
    client: &kube::Client,
    method: &str,
    uri: &str,
    content_type: &str,
    body: &str,
) -> (u16, Value) {
    let req = http::Request::builder()
        .method(method)
        .uri(uri)
        .header("Content-Type", content_type)
        .body(kube::client::Body::from(body.as_bytes().to_vec()))
        .expect("request");
    let resp = client.send(req).await.expect("send");
    let code = resp.status().as_u16();
    let bytes = resp.into_body().collect_bytes().await.expect("body");
    (code, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_apply_answers_as_upstream() {
    let c = TestCluster::start().await;
    let client = c.kube_client().await;
    let url = "/api/v1/namespaces/default/configmaps/raw";
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: raw\ndata:\n  a: \"1\"\n";
    let ct = "application/apply-patch+yaml";

    let (code, body) = raw(&client, "PATCH", url, ct, yaml).await;
    assert_eq!(code, 422, "{body}");
    assert_eq!(body["reason"], "Invalid");
    assert_eq!(
        body["details"]["causes"],
        json!([{"reason": "FieldValueRequired", "message": "Required value: is required for apply patch", "field": "fieldManager"}])
    );

    let (code, body) = raw(&client, "PATCH", &format!("{url}?fieldManager=m"), ct, yaml).await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(body["data"]["a"], "1");
    let (code, _) = raw(&client, "PATCH", &format!("{url}?fieldManager=m"), ct, yaml).await;
    assert_eq!(code, 200);

    let other = yaml.replace("\"1\"", "\"2\"");
    let (code, body) = raw(
        &client,
        "PATCH",
        &format!("{url}?fieldManager=n&force=false"),
        ct,
        &other,
    )
    .await;
    assert_eq!(code, 409, "{body}");
    assert_eq!(
        body,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": "Apply failed with 1 conflict: conflict with \"m\": .data.a",
               "reason": "Conflict",
               "details": {"causes": [{"reason": "FieldManagerConflict", "message": "conflict with \"m\"", "field": ".data.a"}]},
               "code": 409})
    );

    // The body must name the URL's object and kind.
    let (code, body) = raw(
        &client,
        "PATCH",
        &format!("{url}?fieldManager=m"),
        ct,
        &yaml.replace("name: raw", "name: other"),
    )
    .await;
    assert_eq!(code, 400, "{body}");
    assert_eq!(
        body["message"],
        "the name of the object (other) does not match the name on the URL (raw)"
    );
    let (code, body) = raw(
        &client,
        "PATCH",
        &format!("{url}?fieldManager=m"),
        ct,
        &yaml.replace("kind: ConfigMap", "kind: Secret"),
    )
    .await;
    assert_eq!(code, 400, "{body}");
    assert_eq!(body["message"], "invalid object type: /v1, Kind=Secret");
    // A stale resourceVersion is a failed precondition.
    let (code, body) = raw(
        &client,
        "PATCH",
        &format!("{url}?fieldManager=m"),
        ct,
        &yaml.replace("name: raw", "name: raw\n  resourceVersion: \"1\""),
    )
    .await;
    assert_eq!(code, 409, "{body}");
    // force belongs to apply only.
    let (code, body) = raw(
        &client,
        "PATCH",
        &format!("{url}?force=true"),
        "application/merge-patch+json",
        "{}",
    )
    .await;
    assert_eq!(code, 422, "{body}");
    assert_eq!(
        body["details"]["causes"][0]["message"],
        "Forbidden: may not be specified for non-apply patch"
    );
    c.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_server_side_apply() {
    let c = TestCluster::start().await;
    common::run_python(&c, "ssa_test.py").await;
    c.handle.shutdown().await;
}
