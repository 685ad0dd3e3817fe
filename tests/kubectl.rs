//! End to end with the real kubectl over HTTPS: 1.33 (through the dispatcher on PATH) and 1.27.

mod common;

use std::time::Duration;

use common::{TestCluster, json};
use tokio::io::{AsyncBufReadExt, BufReader};

async fn everyday_commands(version: Option<&str>) {
    let c = TestCluster::start().await;
    let v = version;

    let info = c.kubectl_ok(v, &["cluster-info"]).await;
    assert!(
        info.contains("Kubernetes control plane") && info.contains(&c.handle.server_url()),
        "{info}"
    );

    let resources = c.kubectl_ok(v, &["api-resources"]).await;
    let line = resources
        .lines()
        .find(|l| l.starts_with("deployments "))
        .expect("deployments listed");
    for want in ["deploy", "apps/v1", "true", "Deployment"] {
        assert!(line.split_whitespace().any(|w| w == want), "{line}");
    }
    assert!(
        resources
            .lines()
            .any(|l| l.starts_with("pods ") && l.contains(" po ")),
        "{resources}"
    );
    let versions = c.kubectl_ok(v, &["api-versions"]).await;
    for gv in [
        "v1",
        "apps/v1",
        "batch/v1",
        "autoscaling/v2",
        "rbac.authorization.k8s.io/v1",
    ] {
        assert!(
            versions.lines().any(|l| l == gv),
            "{gv} missing from {versions}"
        );
    }

    assert_eq!(
        c.kubectl_ok(v, &["create", "namespace", "team"])
            .await
            .trim(),
        "namespace/team created"
    );
    assert_eq!(
        c.kubectl_ok(
            v,
            &[
                "create",
                "configmap",
                "cm1",
                "-n",
                "team",
                "--from-literal=a=b"
            ]
        )
        .await
        .trim(),
        "configmap/cm1 created"
    );
    assert_eq!(
        c.kubectl_ok(
            v,
            &[
                "create",
                "secret",
                "generic",
                "s1",
                "-n",
                "team",
                "--from-literal=p=q"
            ]
        )
        .await
        .trim(),
        "secret/s1 created"
    );
    assert_eq!(
        c.kubectl_ok(v, &["create", "serviceaccount", "sa1", "-n", "team"])
            .await
            .trim(),
        "serviceaccount/sa1 created"
    );
    let secret = json(
        &c.kubectl_ok(v, &["get", "secret", "s1", "-n", "team", "-o", "json"])
            .await,
    );
    assert_eq!(secret["data"]["p"], "cQ==", "{secret}");
    assert_eq!(secret["type"], "Opaque", "{secret}");

    let err = c
        .kubectl_err(v, &["create", "configmap", "cm1", "-n", "team"])
        .await;
    assert!(err.contains("configmaps \"cm1\" already exists"), "{err}");

    let table = c.kubectl_ok(v, &["get", "configmaps", "-n", "team"]).await;
    let header: Vec<&str> = table
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(header, ["NAME", "DATA", "AGE"], "{table}");
    let row: Vec<&str> = table
        .lines()
        .find(|l| l.starts_with("cm1 "))
        .expect("cm1 row")
        .split_whitespace()
        .collect();
    assert_eq!(row[1], "1", "{table}");
    c.kubectl_ok(v, &["get", "cm", "cm1", "-n", "team", "-o", "wide"])
        .await;
    let obj = json(
        &c.kubectl_ok(v, &["get", "cm", "cm1", "-n", "team", "-o", "json"])
            .await,
    );
    assert_eq!(obj["data"]["a"], "b");
    assert!(
        obj["metadata"]["uid"]
            .as_str()
            .is_some_and(|u| u.len() == 36),
        "{obj}"
    );
    assert_eq!(
        c.kubectl_ok(
            v,
            &["get", "cm", "cm1", "-n", "team", "-o", "jsonpath={.data.a}"]
        )
        .await,
        "b"
    );

    let all = c.kubectl_ok(v, &["get", "cm", "-A"]).await;
    assert!(
        all.lines()
            .any(|l| l.starts_with("team ") && l.contains("cm1")),
        "{all}"
    );
    let secrets = c.kubectl_ok(v, &["get", "secrets", "-n", "team"]).await;
    assert!(
        secrets
            .lines()
            .any(|l| l.starts_with("s1 ") && l.contains("Opaque")),
        "{secrets}"
    );

    assert_eq!(
        c.kubectl_ok(v, &["label", "cm", "cm1", "-n", "team", "env=prod"])
            .await
            .trim(),
        "configmap/cm1 labeled"
    );
    let shown = c
        .kubectl_ok(v, &["get", "cm", "-n", "team", "--show-labels"])
        .await;
    assert!(
        shown
            .lines()
            .any(|l| l.starts_with("cm1 ") && l.contains("env=prod")),
        "{shown}"
    );
    assert_eq!(
        c.kubectl_ok(
            v,
            &["get", "cm", "-n", "team", "-l", "env=prod", "-o", "name"]
        )
        .await
        .trim(),
        "configmap/cm1"
    );
    let none = c
        .kubectl_ok(
            v,
            &[
                "get",
                "cm",
                "-n",
                "team",
                "-l",
                "env in (dev,test)",
                "-o",
                "name",
            ],
        )
        .await;
    assert!(none.trim().is_empty(), "{none}");
    assert_eq!(
        c.kubectl_ok(
            v,
            &[
                "get",
                "cm",
                "-n",
                "team",
                "--field-selector",
                "metadata.name=cm1",
                "-o",
                "name"
            ]
        )
        .await
        .trim(),
        "configmap/cm1"
    );
    let err = c
        .kubectl_err(
            v,
            &["get", "cm", "-n", "team", "--field-selector", "data.a=b"],
        )
        .await;
    assert!(
        err.contains("\"data.a\" is not a known field selector"),
        "{err}"
    );

    // kubectl 1.27 prints "annotate", later ones "annotated".
    let out = c
        .kubectl_ok(v, &["annotate", "cm", "cm1", "-n", "team", "note=hello"])
        .await;
    assert!(out.starts_with("configmap/cm1 annotate"), "{out}");
    assert_eq!(
        c.kubectl_ok(
            v,
            &[
                "patch",
                "cm",
                "cm1",
                "-n",
                "team",
                "--type=merge",
                "-p",
                r#"{"data":{"c":"d"}}"#
            ]
        )
        .await
        .trim(),
        "configmap/cm1 patched"
    );
    c.kubectl_ok(
        v,
        &[
            "patch",
            "cm",
            "cm1",
            "-n",
            "team",
            "--type=json",
            "-p",
            r#"[{"op":"replace","path":"/data/a","value":"z"}]"#,
        ],
    )
    .await;
    let obj = json(
        &c.kubectl_ok(v, &["get", "cm", "cm1", "-n", "team", "-o", "json"])
            .await,
    );
    assert_eq!(obj["data"], serde_json::json!({"a": "z", "c": "d"}));
    assert_eq!(obj["metadata"]["annotations"]["note"], "hello");
    let err = c
        .kubectl_err(
            v,
            &[
                "patch",
                "cm",
                "cm1",
                "-n",
                "team",
                "--type=json",
                "-p",
                r#"[{"op":"test","path":"/data/a","value":"nope"}]"#,
            ],
        )
        .await;
    assert!(err.contains("The request is invalid"), "{err}");

    let described = c
        .kubectl_ok(v, &["describe", "cm", "cm1", "-n", "team"])
        .await;
    for want in [
        "Name:",
        "cm1",
        "Namespace:",
        "team",
        "env=prod",
        "note: hello",
    ] {
        assert!(described.contains(want), "{want} missing in {described}");
    }
    let described = c.kubectl_ok(v, &["describe", "namespace", "team"]).await;
    assert!(described.contains("Active"), "{described}");

    let mut edited = obj.clone();
    edited["data"]["a"] = "replaced".into();
    let out = c
        .kubectl_stdin(v, &["replace", "-f", "-"], Some(&edited.to_string()))
        .await;
    assert!(
        out.status.success(),
        "replace: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "configmap/cm1 replaced"
    );
    // Replacing with the old resourceVersion again is a conflict.
    let out = c
        .kubectl_stdin(v, &["replace", "-f", "-"], Some(&edited.to_string()))
        .await;
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the object has been modified"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // get -w prints changes as they happen.
    let mut watch = c.kubectl_command(v, &["get", "cm", "-n", "team", "-w", "-o", "name"]);
    watch
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    let mut child = watch.spawn().expect("kubectl get -w runs");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("initial list")
        .expect("read");
    assert_eq!(first.as_deref(), Some("configmap/cm1"));
    c.kubectl_ok(v, &["create", "configmap", "watched", "-n", "team"])
        .await;
    let seen = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(l)) = lines.next_line().await {
            if l == "configmap/watched" {
                return true;
            }
        }
        false
    })
    .await
    .expect("the watch shows the new configmap");
    assert!(seen);
    child.kill().await.ok();

    let out = c
        .kubectl_ok(v, &["run", "web", "--image=nginx", "-n", "team"])
        .await;
    assert_eq!(out.trim(), "pod/web created");
    let pods = c
        .kubectl_ok(v, &["get", "pods", "-n", "team", "-o", "wide"])
        .await;
    assert!(
        pods.lines().next().unwrap_or("").contains("NOMINATED NODE"),
        "{pods}"
    );
    // Scheduled onto a simulated node and started, or still on its way there.
    assert!(
        pods.lines().any(|l| l.starts_with("web ")
            && ["Pending", "ContainerCreating", "Running"]
                .iter()
                .any(|s| l.contains(s))),
        "{pods}"
    );

    assert_eq!(
        c.kubectl_ok(v, &["delete", "cm", "cm1", "-n", "team"])
            .await
            .trim(),
        "configmap \"cm1\" deleted"
    );
    let err = c.kubectl_err(v, &["get", "cm", "cm1", "-n", "team"]).await;
    assert!(
        err.contains("Error from server (NotFound): configmaps \"cm1\" not found"),
        "{err}"
    );
    c.kubectl_ok(v, &["delete", "pod", "web", "-n", "team"])
        .await;
    let out = c.kubectl(v, &["get", "pods", "-n", "team"]).await;
    assert!(String::from_utf8_lossy(&out.stderr).contains("No resources found in team namespace."));
    c.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_1_33_everyday_commands() {
    everyday_commands(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_1_27_everyday_commands() {
    everyday_commands(Some("1.27")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_without_credentials_is_unauthorized() {
    let c = TestCluster::start().await;
    use base64::Engine;
    let ca = base64::engine::general_purpose::STANDARD.encode(c.handle.ca_pem());
    let anonymous = c.dir.path().join("anonymous.kubeconfig");
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {}\n    certificate-authority-data: {ca}\nusers:\n- name: nobody\n  user:\n    token: not-a-token\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: nobody\ncurrent-context: c\n",
        c.handle.server_url()
    );
    std::fs::write(&anonymous, text).expect("write kubeconfig");
    let out = c
        .kubectl(
            None,
            &["--kubeconfig", anonymous.to_str().unwrap(), "get", "pods"],
        )
        .await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("You must be logged in to the server") || err.contains("Unauthorized"),
        "{err}"
    );
    c.handle.shutdown().await;
}
