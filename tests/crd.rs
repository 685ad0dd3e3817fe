//! CustomResourceDefinitions end to end: kubectl 1.33 and 1.27 against a CRD with printer
//! columns, the `all` category, status and scale subresources, defaults, pruning, schema and CEL
//! validation; deletion of the CRD and its objects; kube-rs `DynamicObject` CRUD; a second served
//! version; and CRDs surviving a restart.

mod common;

use common::{TestCluster, json};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams,
};
use kube::core::GroupVersionKind;

const CRD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/manifests/crd/widgets.yaml"
);
const W1: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/manifests/crd/widget-w1.yaml"
);

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn lifecycle(v: Option<&str>) {
    let c = TestCluster::start().await;

    let created = c.kubectl_ok(v, &["create", "-f", CRD]).await;
    assert_eq!(
        created.trim(),
        "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created"
    );
    // Right away: discovery is refreshed on the lookup miss and the CRD is established.
    let out = c.kubectl(v, &["get", "widgets"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("No resources found in default namespace."),
        "{}",
        stderr(&out)
    );
    let crd = json(
        &c.kubectl_ok(v, &["get", "crd", "widgets.example.com", "-o", "json"])
            .await,
    );
    let conds = crd["status"]["conditions"]
        .as_array()
        .expect("conditions")
        .clone();
    for t in ["NamesAccepted", "Established"] {
        assert!(
            conds
                .iter()
                .any(|c| c["type"] == t && c["status"] == "True"),
            "{t} in {conds:?}"
        );
    }
    assert_eq!(crd["status"]["acceptedNames"]["kind"], "Widget");
    assert_eq!(crd["status"]["storedVersions"], serde_json::json!(["v1"]));

    // Strict field validation (kubectl's default) refuses the unknown field, as upstream does.
    let err = c.kubectl_err(v, &["create", "-f", W1]).await;
    assert!(
        err.contains(r#"Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.bogus""#),
        "{err}"
    );
    // Without validation the unknown field is pruned; preserved fields stay.
    let created = c
        .kubectl_ok(v, &["create", "-f", W1, "--validate=false"])
        .await;
    assert_eq!(created.trim(), "widget.example.com/w1 created");
    let w1 = json(&c.kubectl_ok(v, &["get", "wd", "w1", "-o", "json"]).await);
    assert!(w1["spec"].get("bogus").is_none(), "{w1}");
    assert_eq!(w1["spec"]["extra"]["anything"], "kept");
    assert_eq!(w1["metadata"]["generation"], 1);

    // Defaults from the schema.
    let w2 = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w2\nspec: {}\n";
    c.kubectl_stdin(v, &["create", "-f", "-"], Some(w2)).await;
    let w2 = json(
        &c.kubectl_ok(v, &["get", "widget", "w2", "-o", "json"])
            .await,
    );
    assert_eq!(w2["spec"]["replicas"], 1, "{w2}");
    assert_eq!(w2["spec"]["color"], "green", "{w2}");

    // A wrongly typed field: 422 with upstream's message.
    let bad = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: bad\nspec:\n  replicas: three\n";
    let out = c.kubectl_stdin(v, &["create", "-f", "-"], Some(bad)).await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(r#"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#),
        "{}",
        stderr(&out)
    );
    let bad =
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: bad\nspec:\n  color: pink\n";
    let out = c.kubectl_stdin(v, &["create", "-f", "-"], Some(bad)).await;
    assert!(
        stderr(&out).contains(
            r#"spec.color: Unsupported value: "pink": supported values: "red", "green", "blue""#
        ),
        "{}",
        stderr(&out)
    );

    // The table uses the printer columns.
    let table = c.kubectl_ok(v, &["get", "widgets"]).await;
    let header: Vec<&str> = table
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        ["NAME", "REPLICAS", "COLOR", "READY", "AGE"],
        "{table}"
    );
    let row: Vec<&str> = table
        .lines()
        .find(|l| l.starts_with("w1 "))
        .expect("w1 row")
        .split_whitespace()
        .collect();
    assert_eq!(&row[..3], ["w1", "2", "red"], "{table}");

    // Merge patch works; strategic merge patch is refused with 415.
    c.kubectl_ok(
        v,
        &[
            "patch",
            "wd",
            "w1",
            "--type=merge",
            "-p",
            r#"{"spec":{"color":"blue"}}"#,
        ],
    )
    .await;
    let w1 = json(&c.kubectl_ok(v, &["get", "wd", "w1", "-o", "json"]).await);
    assert_eq!(w1["spec"]["color"], "blue");
    assert_eq!(w1["metadata"]["generation"], 2);
    let err = c
        .kubectl_err(
            v,
            &[
                "patch",
                "wd",
                "w1",
                "--type=strategic",
                "-p",
                r#"{"spec":{"color":"red"}}"#,
            ],
        )
        .await;
    assert!(
        err.contains("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"),
        "{err}"
    );

    // CEL rule.
    let err = c
        .kubectl_err(
            v,
            &[
                "patch",
                "wd",
                "w1",
                "--type=merge",
                "-p",
                r#"{"spec":{"replicas":9,"maxReplicas":3}}"#,
            ],
        )
        .await;
    assert!(
        err.contains(r#"spec: Invalid value: "object": replicas must not exceed maxReplicas"#),
        "{err}"
    );

    // `kubectl get all` includes the CRD that declares the `all` category.
    let all = c.kubectl_ok(v, &["get", "all"]).await;
    assert!(all.contains("widget.example.com/w1"), "{all}");

    // Scale subresource.
    let scaled = c
        .kubectl_ok(v, &["scale", "widget", "w1", "--replicas=4"])
        .await;
    assert_eq!(scaled.trim(), "widget.example.com/w1 scaled");
    let scale = json(
        &c.kubectl_ok(
            v,
            &[
                "get",
                "--raw",
                "/apis/example.com/v1/namespaces/default/widgets/w1/scale",
            ],
        )
        .await,
    );
    assert_eq!(scale["kind"], "Scale");
    assert_eq!(scale["spec"]["replicas"], 4);

    // Status subresource: the status write keeps spec, the main write keeps status.
    c.kubectl_ok(
        v,
        &[
            "patch",
            "wd",
            "w1",
            "--subresource=status",
            "--type=merge",
            "-p",
            r#"{"spec":{"replicas":1},"status":{"replicas":4,"selector":"app=w1","conditions":[{"type":"Ready","status":"True"}]}}"#,
        ],
    )
    .await;
    c.kubectl_ok(
        v,
        &[
            "patch",
            "wd",
            "w1",
            "--type=merge",
            "-p",
            r#"{"status":{"replicas":7}}"#,
        ],
    )
    .await;
    let w1 = json(&c.kubectl_ok(v, &["get", "wd", "w1", "-o", "json"]).await);
    assert_eq!(w1["spec"]["replicas"], 4, "{w1}");
    assert_eq!(w1["status"]["replicas"], 4, "{w1}");
    let scale = json(
        &c.kubectl_ok(
            v,
            &[
                "get",
                "--raw",
                "/apis/example.com/v1/namespaces/default/widgets/w1/scale",
            ],
        )
        .await,
    );
    assert_eq!(scale["status"]["selector"], "app=w1");
    let table = c.kubectl_ok(v, &["get", "widgets", "w1"]).await;
    assert!(
        table
            .lines()
            .nth(1)
            .unwrap_or("")
            .split_whitespace()
            .any(|w| w == "True"),
        "{table}"
    );

    // Deleting the CRD deletes its objects and takes it out of discovery.
    let deleted = c
        .kubectl_ok(v, &["delete", "crd", "widgets.example.com"])
        .await;
    assert!(
        deleted.contains(r#""widgets.example.com" deleted"#),
        "{deleted}"
    );
    let out = c
        .kubectl(
            v,
            &[
                "get",
                "--raw",
                "/apis/example.com/v1/namespaces/default/widgets/w1",
            ],
        )
        .await;
    assert!(!out.status.success());
    // A client without a discovery cache (the cached one still names `widgets`).
    let _ = std::fs::remove_dir_all(
        c.dir
            .path()
            .join(format!("kube-cache-{}", v.unwrap_or("default"))),
    );
    let err = c.kubectl_err(v, &["get", "widgets"]).await;
    assert!(
        err.contains(r#"the server doesn't have a resource type "widgets""#),
        "{err}"
    );
    // A new CRD of the same name starts empty.
    c.kubectl_ok(v, &["create", "-f", CRD]).await;
    let out = c.kubectl(v, &["get", "widgets", "-A"]).await;
    assert!(
        stderr(&out).contains("No resources found"),
        "{} {}",
        stdout(&out),
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crd_lifecycle_kubectl_1_33() {
    lifecycle(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crd_lifecycle_kubectl_1_27() {
    lifecycle(Some("1.27")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_crd_is_refused_with_upstream_messages() {
    let c = TestCluster::start().await;
    let crd = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gadgets, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {properties: {size: {type: integer}}}
"#;
    let out = c
        .kubectl_stdin(None, &["create", "-f", "-"], Some(crd))
        .await;
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"),
        "{err}"
    );
    assert!(
        err.contains("must have exactly one version marked as storage version"),
        "{err}"
    );
}

async fn apply(v: Option<&str>) {
    let c = TestCluster::start().await;
    c.kubectl_ok(v, &["apply", "-f", CRD]).await;
    let w = |replicas: u32| {
        format!(
            "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: a1\nspec:\n  replicas: {replicas}\n  color: red\n"
        )
    };
    // Client-side apply: create, then a merge patch (custom resources take no strategic patch).
    let out = c.kubectl_stdin(v, &["apply", "-f", "-"], Some(&w(2))).await;
    assert_eq!(
        stdout(&out).trim(),
        "widget.example.com/a1 created",
        "{}",
        stderr(&out)
    );
    let out = c.kubectl_stdin(v, &["apply", "-f", "-"], Some(&w(3))).await;
    assert_eq!(
        stdout(&out).trim(),
        "widget.example.com/a1 configured",
        "{}",
        stderr(&out)
    );
    let a1 = json(&c.kubectl_ok(v, &["get", "wd", "a1", "-o", "json"]).await);
    assert_eq!(a1["spec"]["replicas"], 3);
    assert!(
        a1["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
            .is_string()
    );
    if v.is_none() {
        // Server-side apply creates and updates custom resources too.
        let ssa = w(4).replace("a1", "s1");
        let out = c
            .kubectl_stdin(v, &["apply", "--server-side", "-f", "-"], Some(&ssa))
            .await;
        assert_eq!(
            stdout(&out).trim(),
            "widget.example.com/s1 serverside-applied",
            "{}",
            stderr(&out)
        );
        let ssa = w(5).replace("a1", "s1");
        let out = c
            .kubectl_stdin(v, &["apply", "--server-side", "-f", "-"], Some(&ssa))
            .await;
        assert_eq!(
            stdout(&out).trim(),
            "widget.example.com/s1 serverside-applied",
            "{}",
            stderr(&out)
        );
        let s1 = json(
            &c.kubectl_ok(
                v,
                &["get", "wd", "s1", "-o", "json", "--show-managed-fields"],
            )
            .await,
        );
        assert_eq!(s1["spec"]["replicas"], 5);
        assert_eq!(s1["metadata"]["managedFields"][0]["operation"], "Apply");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_of_custom_resources_kubectl_1_33() {
    apply(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_of_custom_resources_kubectl_1_27() {
    apply(Some("1.27")).await;
}

fn widget_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("example.com", "v1", "Widget"),
        "widgets",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_rs_dynamic_object_crud() {
    let c = TestCluster::start().await;
    let client = c.kube_client().await;
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let text = std::fs::read_to_string(CRD).expect("fixture");
    let crd: CustomResourceDefinition = serde_saphyr::from_str(&text).expect("CRD parses");
    let created = crds
        .create(&PostParams::default(), &crd)
        .await
        .expect("CRD created");
    let established = created
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c.type_ == "Established" && c.status == "True")
        });
    assert!(established, "{:?}", created.status);

    let api: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), "default", &widget_resource());
    let mut obj = DynamicObject::new("k1", &widget_resource());
    obj.data = serde_json::json!({"spec": {"replicas": 3, "unknown": true}});
    let made = api
        .create(&PostParams::default(), &obj)
        .await
        .expect("created");
    assert_eq!(made.data["spec"]["replicas"], 3);
    assert_eq!(made.data["spec"]["color"], "green");
    assert!(made.data["spec"].get("unknown").is_none());
    assert_eq!(made.metadata.generation, Some(1));

    let got = api.get("k1").await.expect("get");
    assert_eq!(got.metadata.uid, made.metadata.uid);
    let list = api.list(&ListParams::default()).await.expect("list");
    assert_eq!(list.items.len(), 1);

    let patched = api
        .patch(
            "k1",
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"spec": {"color": "red"}})),
        )
        .await
        .expect("patched");
    assert_eq!(patched.data["spec"]["color"], "red");
    assert_eq!(patched.metadata.generation, Some(2));

    let mut replaced = patched.clone();
    replaced.data["spec"]["replicas"] = serde_json::json!(6);
    let replaced = api
        .replace("k1", &PostParams::default(), &replaced)
        .await
        .expect("replaced");
    assert_eq!(replaced.data["spec"]["replicas"], 6);

    let bad = api
        .patch(
            "k1",
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"spec": {"replicas": -1}})),
        )
        .await
        .expect_err("negative replicas refused");
    match bad {
        kube::Error::Api(s) => {
            assert_eq!(s.code, 422);
            assert!(
                s.message
                    .contains("spec.replicas in body should be greater than or equal to 0"),
                "{}",
                s.message
            );
        }
        other => panic!("unexpected {other:?}"),
    }

    // The second served version answers the same object under its own apiVersion.
    let beta = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("example.com", "v1beta1", "Widget"),
        "widgets",
    );
    let beta_api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &beta);
    let as_beta = beta_api.get("k1").await.expect("v1beta1 get");
    assert_eq!(
        as_beta.types.as_ref().map(|t| t.api_version.as_str()),
        Some("example.com/v1beta1")
    );
    assert_eq!(as_beta.data["spec"]["replicas"], 6);

    api.delete("k1", &DeleteParams::default())
        .await
        .expect("deleted");
    assert!(
        api.list(&ListParams::default())
            .await
            .expect("list")
            .items
            .is_empty()
    );
    crds.delete("widgets.example.com", &DeleteParams::default())
        .await
        .expect("CRD deleted");
    assert!(
        crds.get_opt("widgets.example.com")
            .await
            .expect("get")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crds_survive_a_restart() {
    let data = tempfile::tempdir().expect("tempdir");
    let dir = data.path().to_path_buf();
    let c = TestCluster::start_with(|cfg| {
        cfg.ephemeral = false;
        cfg.data_dir = Some(dir.clone());
    })
    .await;
    c.kubectl_ok(None, &["create", "-f", CRD]).await;
    c.kubectl_ok(None, &["create", "-f", W1, "--validate=false"])
        .await;
    let TestCluster {
        handle, dir: kdir, ..
    } = c;
    handle.shutdown().await;
    drop(kdir);

    let c = TestCluster::start_with(|cfg| {
        cfg.ephemeral = false;
        cfg.data_dir = Some(dir.clone());
    })
    .await;
    let table = c.kubectl_ok(None, &["get", "widgets"]).await;
    assert!(table.lines().any(|l| l.starts_with("w1 ")), "{table}");
    assert!(table.starts_with("NAME"), "{table}");
}
