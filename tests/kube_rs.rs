//! End to end with kube-rs over HTTPS: CRUD, selectors, pagination, watch with resume and 410.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::TestCluster;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{
    Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams,
};

fn cm(name: &str, labels: &[(&str, &str)]) -> ConfigMap {
    let mut c = ConfigMap::default();
    c.metadata.name = Some(name.to_string());
    c.metadata.labels = Some(
        labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    c.data = Some(BTreeMap::from([("k".to_string(), "v".to_string())]));
    c
}

async fn namespace(client: &kube::Client, name: &str) {
    let mut ns = Namespace::default();
    ns.metadata.name = Some(name.to_string());
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &ns)
        .await
        .expect("namespace");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_rs_crud_round_trip() {
    let c = TestCluster::start().await;
    let client = c.kube_client().await;
    namespace(&client, "crud").await;
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "crud");

    let created = api
        .create(&PostParams::default(), &cm("one", &[("app", "a")]))
        .await
        .expect("create");
    assert!(created.metadata.uid.is_some() && created.metadata.creation_timestamp.is_some());
    let got = api.get("one").await.expect("get");
    assert_eq!(
        got.metadata.resource_version,
        created.metadata.resource_version
    );

    let mut changed = got.clone();
    changed.data = Some(BTreeMap::from([("k".to_string(), "w".to_string())]));
    let replaced = api
        .replace("one", &PostParams::default(), &changed)
        .await
        .expect("replace");
    assert_ne!(
        replaced.metadata.resource_version,
        got.metadata.resource_version
    );
    // A second replace with the stale resourceVersion conflicts.
    let err = api
        .replace("one", &PostParams::default(), &changed)
        .await
        .expect_err("stale replace");
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 409 && s.reason == "Conflict"),
        "{err:?}"
    );

    let patched = api
        .patch(
            "one",
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"data": {"extra": "x"}})),
        )
        .await
        .expect("merge patch");
    assert_eq!(patched.data.as_ref().unwrap()["extra"], "x");
    let patched = api
        .patch(
            "one",
            &PatchParams::default(),
            &Patch::Json::<()>(
                serde_json::from_value(
                    serde_json::json!([{"op": "remove", "path": "/data/extra"}]),
                )
                .unwrap(),
            ),
        )
        .await
        .expect("json patch");
    assert!(!patched.data.as_ref().unwrap().contains_key("extra"));

    api.delete("one", &DeleteParams::default())
        .await
        .expect("delete");
    let err = api.get("one").await.expect_err("gone");
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 404),
        "{err:?}"
    );
    c.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_rs_lists_with_selectors_and_pages() {
    let c = TestCluster::start().await;
    let client = c.kube_client().await;
    namespace(&client, "lists").await;
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "lists");
    for i in 0..7 {
        let tier = if i % 2 == 0 { "web" } else { "db" };
        api.create(
            &PostParams::default(),
            &cm(&format!("cm-{i}"), &[("tier", tier)]),
        )
        .await
        .expect("create");
    }
    let web = api
        .list(&ListParams::default().labels("tier=web"))
        .await
        .expect("list");
    assert_eq!(web.items.len(), 4);
    let set = api
        .list(&ListParams::default().labels("tier in (web,db),tier!=db"))
        .await
        .expect("list");
    assert_eq!(set.items.len(), 4);
    let named = api
        .list(&ListParams::default().fields("metadata.name=cm-3"))
        .await
        .expect("list");
    assert_eq!(named.items.len(), 1);

    let mut names = Vec::new();
    let mut params = ListParams::default().limit(3);
    let mut pages = 0;
    loop {
        let page = api.list(&params).await.expect("page");
        pages += 1;
        names.extend(page.items.iter().map(|i| i.metadata.name.clone().unwrap()));
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => break,
        }
    }
    assert_eq!(pages, 3);
    let want: Vec<String> = (0..7).map(|i| format!("cm-{i}")).collect();
    assert_eq!(names, want);
    // Across namespaces too.
    let all: Api<ConfigMap> = Api::all(client);
    assert!(
        all.list(&ListParams::default())
            .await
            .expect("list all")
            .items
            .len()
            >= 7
    );
    c.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_rs_watch_resumes_and_gets_gone_past_the_window() {
    let c = TestCluster::start_with(|cfg| cfg.watch_window = 16).await;
    let client = c.kube_client().await;
    namespace(&client, "watch").await;
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "watch");
    let first = api
        .create(&PostParams::default(), &cm("w", &[]))
        .await
        .expect("create");
    let rv0 = first.metadata.resource_version.clone().unwrap();

    // Resume from rv0: exactly the later changes, in order.
    let stream = api
        .watch(&WatchParams::default().timeout(30), &rv0)
        .await
        .expect("watch");
    let mut stream = stream.boxed();
    for i in 0..3 {
        api.patch(
            "w",
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"data": {"i": i.to_string()}})),
        )
        .await
        .expect("patch");
    }
    for i in 0..3 {
        let ev = tokio::time::timeout(Duration::from_secs(10), stream.try_next())
            .await
            .expect("event in time")
            .expect("ok");
        match ev {
            Some(WatchEvent::Modified(o)) => assert_eq!(o.data.unwrap()["i"], i.to_string()),
            other => panic!("unexpected {other:?}"),
        }
    }
    drop(stream);

    // Push rv0 out of the 16-event window: resuming from it is 410 Expired.
    for i in 0..40 {
        api.patch(
            "w",
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"data": {"n": i.to_string()}})),
        )
        .await
        .expect("patch");
    }
    let stream = api.watch(&WatchParams::default().timeout(30), &rv0).await;
    let gone = match stream {
        Err(kube::Error::Api(s)) => s.code == 410,
        Ok(s) => {
            let mut s = s.boxed();
            match tokio::time::timeout(Duration::from_secs(10), s.next())
                .await
                .expect("event in time")
            {
                Some(Ok(WatchEvent::Error(e))) => e.code == 410 && e.reason == "Expired",
                Some(Err(kube::Error::Api(e))) => e.code == 410,
                other => panic!("expected 410, got {other:?}"),
            }
        }
        Err(e) => panic!("expected 410, got {e:?}"),
    };
    assert!(gone);

    // kube-runtime's watcher relists on 410 and keeps going.
    let mut w =
        kube::runtime::watcher(api.clone(), kube::runtime::watcher::Config::default()).boxed();
    let ev = tokio::time::timeout(Duration::from_secs(10), w.try_next())
        .await
        .expect("watcher starts")
        .expect("ok");
    assert!(ev.is_some());
    c.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_client_goes_through_the_same_api() {
    let c = TestCluster::start().await;
    let client = c.handle.client();
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &cm("inproc", &[]))
        .await
        .expect("create in-process");
    let over_tcp: Api<ConfigMap> = Api::namespaced(c.kube_client().await, "default");
    let seen = over_tcp.get("inproc").await.expect("visible over HTTPS");
    assert_eq!(seen.data.unwrap()["k"], "v");
    let stream = api
        .watch(&WatchParams::default().timeout(10), "0")
        .await
        .expect("watch over the router");
    let mut stream = stream.boxed();
    let ev = tokio::time::timeout(Duration::from_secs(10), stream.try_next())
        .await
        .expect("in time")
        .expect("ok");
    assert!(matches!(ev, Some(WatchEvent::Added(_))));
    c.handle.shutdown().await;
}
