//! Table-driven tests of strategic merge patch: one case per behaviour and directive.

use super::*;
use serde_json::json;

/// What a case expects: the patched object, or an error's status code and message.
enum Want {
    Ok(Value),
    Err(u16, &'static str),
}

struct Case {
    name: &'static str,
    /// `apiVersion kind` of the object.
    kind: &'static str,
    original: Value,
    patch: Value,
    want: Want,
}

fn obj(kind: &str, mut body: Value) -> Value {
    let (api_version, k) = kind.split_once(' ').expect("`apiVersion Kind`");
    body["apiVersion"] = json!(api_version);
    body["kind"] = json!(k);
    body
}

const DEPLOY: &str = "apps/v1 Deployment";
const POD: &str = "v1 Pod";

fn pod_spec(spec: Value) -> Value {
    json!({"metadata": {"name": "p"}, "spec": spec})
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "maps merge recursively",
            kind: POD,
            original: json!({"metadata": {"labels": {"a": "1"}}}),
            patch: json!({"metadata": {"labels": {"b": "2"}, "annotations": {"x": "y"}}}),
            want: Want::Ok(
                json!({"metadata": {"labels": {"a": "1", "b": "2"}, "annotations": {"x": "y"}}}),
            ),
        },
        Case {
            name: "null deletes a key; null for an absent key is ignored",
            kind: POD,
            original: json!({"metadata": {"labels": {"a": "1", "b": "2"}}}),
            patch: json!({"metadata": {"labels": {"a": null, "zz": null}}}),
            want: Want::Ok(json!({"metadata": {"labels": {"b": "2"}}})),
        },
        Case {
            name: "containers merge by name",
            kind: POD,
            original: pod_spec(
                json!({"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}),
            ),
            patch: json!({"spec": {"containers": [{"name": "b", "image": "z"}]}}),
            want: Want::Ok(pod_spec(
                json!({"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "z"}]}),
            )),
        },
        Case {
            name: "a new item without $setElementOrder goes first, as upstream orders it",
            kind: POD,
            original: pod_spec(json!({"containers": [{"name": "a"}, {"name": "b"}]})),
            patch: json!({"spec": {"containers": [{"name": "c", "image": "i"}]}}),
            want: Want::Ok(pod_spec(
                json!({"containers": [{"name": "c", "image": "i"}, {"name": "a"}, {"name": "b"}]}),
            )),
        },
        Case {
            name: "$patch: delete removes the item with the merge key",
            kind: POD,
            original: pod_spec(json!({"containers": [{"name": "a"}, {"name": "b"}]})),
            patch: json!({"spec": {"containers": [{"name": "a", "$patch": "delete"}]}}),
            want: Want::Ok(pod_spec(json!({"containers": [{"name": "b"}]}))),
        },
        Case {
            name: "$patch: replace item replaces the list by the other items",
            kind: POD,
            original: pod_spec(json!({"containers": [{"name": "a", "image": "1"}, {"name": "b"}]})),
            patch: json!({"spec": {"containers": [{"$patch": "replace"}, {"name": "c"}, {"name": "a"}]}}),
            want: Want::Ok(pod_spec(
                json!({"containers": [{"name": "c"}, {"name": "a"}]}),
            )),
        },
        Case {
            name: "$patch: replace on a map replaces it",
            kind: DEPLOY,
            original: json!({"spec": {"template": {"metadata": {"labels": {"a": "1"}, "annotations": {"k": "v"}}}}}),
            patch: json!({"spec": {"template": {"metadata": {"$patch": "replace", "labels": {"b": "2"}}}}}),
            want: Want::Ok(json!({"spec": {"template": {"metadata": {"labels": {"b": "2"}}}}})),
        },
        Case {
            name: "$patch: delete on a map empties it",
            kind: DEPLOY,
            original: json!({"spec": {"strategy": {"type": "Recreate"}, "replicas": 1}}),
            patch: json!({"spec": {"strategy": {"$patch": "delete"}}}),
            want: Want::Ok(json!({"spec": {"strategy": {}, "replicas": 1}})),
        },
        Case {
            name: "$patch: merge in a map is refused as upstream refuses it",
            kind: DEPLOY,
            original: json!({"spec": {"strategy": {"type": "Recreate"}}}),
            patch: json!({"spec": {"strategy": {"$patch": "merge", "type": "RollingUpdate"}}}),
            want: Want::Err(
                500,
                "unknown patch type: merge in map: map[$patch:merge type:RollingUpdate]",
            ),
        },
        Case {
            name: "$patch: merge in a list item is refused",
            kind: POD,
            original: pod_spec(json!({"containers": [{"name": "a"}]})),
            patch: json!({"spec": {"containers": [{"name": "a", "$patch": "merge"}]}}),
            want: Want::Err(500, "merging lists cannot yet be specified in the patch"),
        },
        Case {
            name: "an unknown $patch in a list item is refused",
            kind: POD,
            original: pod_spec(json!({"containers": [{"name": "a"}]})),
            patch: json!({"spec": {"containers": [{"name": "a", "$patch": "bogus"}]}}),
            want: Want::Err(
                500,
                "unknown patch type: bogus in map: map[$patch:bogus name:a]",
            ),
        },
        Case {
            name: "lists without a merge strategy are replaced (args, tolerations)",
            kind: POD,
            original: pod_spec(json!({
                "containers": [{"name": "a", "args": ["1", "2"]}],
                "tolerations": [{"key": "k1", "operator": "Exists"}]
            })),
            patch: json!({"spec": {
                "containers": [{"name": "a", "args": ["3"]}],
                "tolerations": [{"key": "k2", "operator": "Exists"}]
            }}),
            want: Want::Ok(pod_spec(json!({
                "containers": [{"name": "a", "args": ["3"]}],
                "tolerations": [{"key": "k2", "operator": "Exists"}]
            }))),
        },
        Case {
            name: "Node taints are replaced whole (upstream has no merge strategy for them)",
            kind: "v1 Node",
            original: json!({"spec": {"taints": [{"key": "a", "effect": "NoSchedule"}]}}),
            patch: json!({"spec": {"taints": [{"key": "b", "effect": "NoSchedule"}]}}),
            want: Want::Ok(json!({"spec": {"taints": [{"key": "b", "effect": "NoSchedule"}]}})),
        },
        Case {
            name: "finalizers merge as a set",
            kind: POD,
            original: json!({"metadata": {"finalizers": ["a", "b"]}}),
            patch: json!({"metadata": {"finalizers": ["c", "a"]}}),
            want: Want::Ok(json!({"metadata": {"finalizers": ["c", "a", "b"]}})),
        },
        Case {
            name: "$deleteFromPrimitiveList removes values",
            kind: POD,
            original: json!({"metadata": {"finalizers": ["a", "b", "c"]}}),
            patch: json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"]}}),
            want: Want::Ok(json!({"metadata": {"finalizers": ["a", "c"]}})),
        },
        Case {
            name: "$deleteFromPrimitiveList with $setElementOrder and additions (kubectl apply)",
            kind: POD,
            original: json!({"metadata": {"finalizers": ["a", "b", "c"]}}),
            patch: json!({"metadata": {
                "$setElementOrder/finalizers": ["c", "d", "a"],
                "$deleteFromPrimitiveList/finalizers": ["b"],
                "finalizers": ["d"]
            }}),
            want: Want::Ok(json!({"metadata": {"finalizers": ["c", "d", "a"]}})),
        },
        Case {
            name: "$deleteFromPrimitiveList on an absent list sets it, as upstream does",
            kind: POD,
            original: json!({"metadata": {"name": "p"}}),
            patch: json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["x"]}}),
            want: Want::Ok(json!({"metadata": {"name": "p", "finalizers": ["x"]}})),
        },
        Case {
            name: "$setElementOrder orders the merged list",
            kind: POD,
            original: pod_spec(
                json!({"containers": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}),
            ),
            patch: json!({"spec": {
                "$setElementOrder/containers": [{"name": "c"}, {"name": "a"}, {"name": "b"}],
                "containers": [{"name": "a", "image": "new"}]
            }}),
            want: Want::Ok(pod_spec(json!({"containers": [
                {"name": "c"}, {"name": "a", "image": "new"}, {"name": "b"}
            ]}))),
        },
        Case {
            name: "$setElementOrder that contradicts the patch list is refused",
            kind: POD,
            original: pod_spec(json!({"containers": [{"name": "a"}, {"name": "b"}]})),
            patch: json!({"spec": {
                "$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
                "containers": [{"name": "b"}, {"name": "a"}]
            }}),
            want: Want::Err(
                500,
                "The order in patch list:\n[map[name:b] map[name:a]]\n doesn't match $setElementOrder list:\n[map[name:a] map[name:b]]\n",
            ),
        },
        Case {
            name: "a $setElementOrder directive with a bad prefix is a bad request",
            kind: POD,
            original: pod_spec(json!({"containers": [{"name": "a"}]})),
            patch: json!({"spec": {"$setElementOrderX/containers": [{"name": "a"}]}}),
            want: Want::Err(400, "invalid patch format of setElementOrder list"),
        },
        Case {
            name: "$retainKeys switches a Deployment strategy",
            kind: DEPLOY,
            original: json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}),
            patch: json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}),
            want: Want::Ok(json!({"spec": {"strategy": {"type": "Recreate"}}})),
        },
        Case {
            name: "$retainKeys in a volume switches its source",
            kind: POD,
            original: pod_spec(
                json!({"volumes": [{"name": "v", "emptyDir": {}}, {"name": "w", "emptyDir": {}}]}),
            ),
            patch: json!({"spec": {"volumes": [{"$retainKeys": ["configMap", "name"], "name": "v", "configMap": {"name": "cm"}}]}}),
            want: Want::Ok(pod_spec(json!({"volumes": [
                {"name": "v", "configMap": {"name": "cm"}}, {"name": "w", "emptyDir": {}}
            ]}))),
        },
        Case {
            name: "$retainKeys must list every key the patch sets",
            kind: DEPLOY,
            original: json!({"spec": {"strategy": {"type": "RollingUpdate"}}}),
            patch: json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}}),
            want: Want::Err(400, "invalid patch format of retainKeys"),
        },
        Case {
            name: "an item without its merge key is refused",
            kind: POD,
            original: pod_spec(json!({"containers": [{"name": "a"}]})),
            patch: json!({"spec": {"containers": [{"image": "x"}]}}),
            want: Want::Err(
                500,
                "map: map[image:x] does not contain declared merge key: name",
            ),
        },
        Case {
            name: "lists of lists are refused",
            kind: POD,
            original: json!({"metadata": {"finalizers": []}}),
            patch: json!({"metadata": {"finalizers": [["b"]]}}),
            want: Want::Err(422, "lists of lists are not supported"),
        },
        Case {
            name: "the observed kubectl 1.32 client-side apply body (contract 6.4)",
            kind: DEPLOY,
            original: json!({
                "metadata": {"name": "nginx", "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "old\n"}},
                "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "nginx"}},
                    "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [
                        {"image": "nginx:1.25", "name": "nginx", "ports": [{"containerPort": 80, "protocol": "TCP"}],
                         "imagePullPolicy": "IfNotPresent"}
                    ]}}}
            }),
            patch: json!({"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"new\n"}},
                "spec":{"replicas":3,"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],
                "containers":[{"$setElementOrder/ports":[{"containerPort":8080}],"image":"nginx:1.26","name":"nginx",
                "ports":[{"containerPort":8080},{"$patch":"delete","containerPort":80}]}]}}}}),
            want: Want::Ok(json!({
                "metadata": {"name": "nginx", "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "new\n"}},
                "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "nginx"}},
                    "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [
                        {"image": "nginx:1.26", "name": "nginx", "ports": [{"containerPort": 8080}],
                         "imagePullPolicy": "IfNotPresent"}
                    ]}}}
            })),
        },
        Case {
            name: "env var removal and addition with $setElementOrder keeps others' items",
            kind: POD,
            original: pod_spec(json!({"containers": [{"name": "a", "env": [
                {"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "OTHER", "value": "x"}
            ]}]})),
            patch: json!({"spec": {"containers": [{"name": "a",
                "$setElementOrder/env": [{"name": "A"}, {"name": "C"}],
                "env": [{"name": "C", "value": "3"}, {"$patch": "delete", "name": "B"}]}]}}),
            want: Want::Ok(pod_spec(json!({"containers": [{"name": "a", "env": [
                {"name": "A", "value": "1"}, {"name": "C", "value": "3"}, {"name": "OTHER", "value": "x"}
            ]}]}))),
        },
        Case {
            name: "Service ports merge by port",
            kind: "v1 Service",
            original: json!({"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443}]}}),
            patch: json!({"spec": {"ports": [{"port": 80, "targetPort": 9090}]}}),
            want: Want::Ok(
                json!({"spec": {"ports": [{"port": 80, "targetPort": 9090}, {"port": 443}]}}),
            ),
        },
        Case {
            name: "ownerReferences merge by uid, status conditions by type",
            kind: POD,
            original: json!({
                "metadata": {"ownerReferences": [{"uid": "1", "name": "a"}]},
                "status": {"conditions": [{"type": "Ready", "status": "False"}, {"type": "Initialized", "status": "True"}]}
            }),
            patch: json!({
                "metadata": {"ownerReferences": [{"uid": "1", "name": "b"}]},
                "status": {"conditions": [{"type": "Ready", "status": "True"}]}
            }),
            want: Want::Ok(json!({
                "metadata": {"ownerReferences": [{"uid": "1", "name": "b"}]},
                "status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "Initialized", "status": "True"}]}
            })),
        },
        Case {
            name: "a replace-tagged object (PodDisruptionBudget selector) is replaced",
            kind: "policy/v1 PodDisruptionBudget",
            original: json!({"spec": {"selector": {"matchLabels": {"a": "1"}}, "minAvailable": 1}}),
            patch: json!({"spec": {"selector": {"matchLabels": {"b": "2"}}}}),
            want: Want::Ok(
                json!({"spec": {"selector": {"matchLabels": {"b": "2"}}, "minAvailable": 1}}),
            ),
        },
        Case {
            name: "paths without metadata merge maps and replace lists",
            kind: "apps/v1 ControllerRevision",
            original: json!({"data": {"spec": {"a": 1, "list": [1, 2]}}}),
            patch: json!({"data": {"spec": {"b": 2, "a": null, "list": [3]}}}),
            want: Want::Ok(json!({"data": {"spec": {"list": [3], "b": 2}}})),
        },
        Case {
            name: "a list the original lacks takes the patch's items, less deletions",
            kind: POD,
            original: pod_spec(json!({"containers": [{"name": "a"}]})),
            patch: json!({"spec": {"containers": [{"name": "a",
                "env": [{"name": "X", "value": "1", "valueFrom": null}, {"name": "Y", "$patch": "delete"}]}]}}),
            want: Want::Ok(pod_spec(
                json!({"containers": [{"name": "a", "env": [{"name": "X", "value": "1"}]}]}),
            )),
        },
        Case {
            name: "a value of another JSON type replaces the original",
            kind: "v1 ConfigMap",
            original: json!({"data": {"a": "1"}, "metadata": {"labels": "oops"}}),
            patch: json!({"metadata": {"labels": {"x": "y"}}}),
            want: Want::Ok(json!({"data": {"a": "1"}, "metadata": {"labels": {"x": "y"}}})),
        },
        Case {
            name: "$patch: replace at the top replaces the whole object",
            kind: "v1 ConfigMap",
            original: json!({"data": {"a": "1"}, "metadata": {"name": "c"}}),
            patch: json!({"$patch": "replace", "apiVersion": "v1", "kind": "ConfigMap", "data": {"b": "2"}}),
            want: Want::Ok(json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"b": "2"}})),
        },
    ]
}

#[test]
fn strategic_merge_cases() {
    let cases = cases();
    assert!(cases.len() >= 25);
    let mut failures = Vec::new();
    for c in cases {
        let original = obj(c.kind, c.original);
        let ty = patch_type_of(&original).expect("built-in kind");
        let got = strategic_merge(&original, &c.patch, ty);
        match (got, c.want) {
            (Ok(got), Want::Ok(want)) => {
                let want = if c.name.contains("at the top") {
                    want
                } else {
                    obj(c.kind, want)
                };
                if got != want {
                    failures.push(format!("{}:\n  got  {got}\n  want {want}", c.name));
                }
            }
            (Err(e), Want::Err(code, msg)) => {
                if e.code() != code || e.to_string() != msg {
                    failures.push(format!(
                        "{}: got error {} {:?}, want {code} {msg:?}",
                        c.name,
                        e.code(),
                        e.to_string()
                    ));
                }
            }
            (Ok(got), Want::Err(code, msg)) => {
                failures.push(format!("{}: got {got}, want error {code} {msg}", c.name))
            }
            (Err(e), Want::Ok(_)) => failures.push(format!("{}: unexpected error {e}", c.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn custom_resources_are_refused_with_415() {
    let cr = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}});
    let e = patch_type_of(&cr).expect_err("no type metadata");
    assert_eq!(e.code(), 415);
    assert_eq!(e.reason(), "UnsupportedMediaType");
    assert!(e.to_string().contains("application/merge-patch+json"));
    assert!(!e.to_string().contains("strategic"));
}

#[test]
fn non_object_patches_are_bad_requests() {
    let cm = obj("v1 ConfigMap", json!({}));
    let ty = patch_type_of(&cm).expect("ConfigMap");
    let e = strategic_merge(&cm, &json!([1]), ty).expect_err("array patch");
    assert_eq!(e.code(), 400);
}

#[test]
fn go_formatting_of_values() {
    assert_eq!(go_fmt(&json!(80)), "80");
    assert_eq!(go_fmt(&json!(1000000)), "1e+06");
    assert_eq!(go_fmt(&json!(0.5)), "0.5");
    assert_eq!(
        go_fmt(&json!({"b": [1, "x"], "a": null})),
        "map[a:<nil> b:[1 x]]"
    );
}
