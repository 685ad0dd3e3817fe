"""The `kubernetes` Python client against kubesim: CRUD, selectors, pagination, watch with
resume and 410, and the dynamic client (legacy discovery). Run by tests/python_client.rs with
the kubeconfig path as its argument; exits non-zero on the first failure."""

import sys

from kubernetes import client, config, dynamic, watch
from kubernetes.client.rest import ApiException


def main(kubeconfig: str) -> None:
    config.load_kube_config(config_file=kubeconfig)
    api = client.ApiClient()
    v1 = client.CoreV1Api(api)

    v1.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="py")))
    for i in range(5):
        v1.create_namespaced_config_map(
            "py",
            client.V1ConfigMap(
                metadata=client.V1ObjectMeta(name=f"cm-{i}", labels={"parity": "even" if i % 2 == 0 else "odd"}),
                data={"i": str(i)},
            ),
        )
    got = v1.read_namespaced_config_map("cm-1", "py")
    assert got.data == {"i": "1"}, got.data
    assert got.metadata.uid and got.metadata.creation_timestamp

    even = v1.list_namespaced_config_map("py", label_selector="parity=even")
    assert sorted(c.metadata.name for c in even.items) == ["cm-0", "cm-2", "cm-4"], even.items
    notodd = v1.list_namespaced_config_map("py", label_selector="parity notin (odd)")
    assert len(notodd.items) == 3

    names, token, pages = [], None, 0
    while True:
        page = v1.list_namespaced_config_map("py", limit=2, _continue=token)
        pages += 1
        names += [c.metadata.name for c in page.items]
        token = page.metadata._continue
        if not token:
            break
    assert pages == 3 and names == [f"cm-{i}" for i in range(5)], (pages, names)

    # The client sends a dict patch as a strategic merge patch.
    patched = v1.patch_namespaced_config_map("cm-0", "py", {"metadata": {"labels": {"x": "y"}}, "data": {"j": "k"}})
    assert patched.metadata.labels["x"] == "y" and patched.data["j"] == "k"
    patched.data["i"] = "changed"
    replaced = v1.replace_namespaced_config_map("cm-0", "py", patched)
    assert replaced.data["i"] == "changed"
    try:
        v1.replace_namespaced_config_map("cm-0", "py", patched)
        raise AssertionError("a stale replace must conflict")
    except ApiException as e:
        assert e.status == 409, e

    start = v1.list_namespaced_config_map("py").metadata.resource_version
    for n in range(3):
        v1.patch_namespaced_config_map("cm-1", "py", {"data": {"n": str(n)}})
    seen = []
    w = watch.Watch()
    for ev in w.stream(v1.list_namespaced_config_map, "py", resource_version=start, timeout_seconds=10):
        seen.append((ev["type"], ev["object"].data.get("n")))
        if len(seen) == 3:
            w.stop()
    assert seen == [("MODIFIED", "0"), ("MODIFIED", "1"), ("MODIFIED", "2")], seen

    for n in range(40):
        v1.patch_namespaced_config_map("cm-2", "py", {"data": {"n": str(n)}})
    try:
        for _ in watch.Watch().stream(v1.list_namespaced_config_map, "py", resource_version=start, timeout_seconds=5):
            pass
        raise AssertionError("a watch from a compacted resourceVersion must fail with 410")
    except ApiException as e:
        assert e.status == 410, e

    v1.delete_namespaced_config_map("cm-3", "py")
    try:
        v1.read_namespaced_config_map("cm-3", "py")
        raise AssertionError("deleted object still readable")
    except ApiException as e:
        assert e.status == 404, e

    dyn = dynamic.DynamicClient(api)
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    assert deployments.namespaced and deployments.name == "deployments"
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    assert len(cms.get(namespace="py").items) == 4
    print("python client: all checks passed")


if __name__ == "__main__":
    main(sys.argv[1])
