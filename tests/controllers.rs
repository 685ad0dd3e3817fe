//! End to end: the controller manager's small controllers, seen through the real kubectl.

mod common;

use common::TestCluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_namespace_gets_a_default_service_account_back() {
    let c = TestCluster::start().await;
    c.kubectl_ok(None, &["create", "namespace", "team"]).await;
    let wait = [
        "wait",
        "--for=create",
        "serviceaccount/default",
        "-n",
        "team",
        "--timeout=30s",
    ];
    c.kubectl_ok(None, &wait).await;
    // Deleted, it comes back (a new object: a new uid).
    let uid = || async {
        let args = [
            "get",
            "sa",
            "default",
            "-n",
            "team",
            "-o",
            "jsonpath={.metadata.uid}",
        ];
        c.kubectl_ok(None, &args).await.trim().to_string()
    };
    let before = uid().await;
    c.kubectl_ok(None, &["delete", "sa", "default", "-n", "team"])
        .await;
    c.kubectl_ok(None, &wait).await;
    let after = uid().await;
    assert_ne!(before, after, "a new default ServiceAccount");
    // The bootstrap namespaces have theirs too.
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        c.kubectl_ok(
            None,
            &[
                "wait",
                "--for=create",
                "serviceaccount/default",
                "-n",
                ns,
                "--timeout=30s",
            ],
        )
        .await;
    }
    c.handle.shutdown().await;
}
