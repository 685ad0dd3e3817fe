"""Server-side apply with the `kubernetes` Python client's dynamic client: create, update with a
dropped key, conflict (409 with FieldManagerConflict causes) and force. Run by
tests/server_side_apply.rs with the kubeconfig path as its argument."""

import json
import sys

from kubernetes import client, config, dynamic
from kubernetes.client.rest import ApiException


def cm(data):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app", "namespace": "default"}, "data": data}


def main(kubeconfig: str) -> None:
    config.load_kube_config(config_file=kubeconfig)
    dyn = dynamic.DynamicClient(client.ApiClient())
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")

    created = dyn.server_side_apply(cms, body=cm({"a": "1", "b": "2"}), field_manager="py")
    assert created.data.a == "1", created
    entries = created.metadata.managedFields
    assert [(e.manager, e.operation) for e in entries] == [("py", "Apply")], entries

    updated = dyn.server_side_apply(cms, body=cm({"a": "1"}), field_manager="py")
    assert dict(updated.data) == {"a": "1"}, updated.data

    try:
        dyn.server_side_apply(cms, body=cm({"a": "2"}), field_manager="other")
        raise AssertionError("expected a conflict")
    except ApiException as e:
        assert e.status == 409, e
        status = json.loads(e.body)
        assert status["reason"] == "Conflict", status
        assert status["details"]["causes"] == [
            {"reason": "FieldManagerConflict", "message": 'conflict with "py"', "field": ".data.a"}
        ], status

    forced = dyn.server_side_apply(cms, body=cm({"a": "2"}), field_manager="other", force_conflicts=True)
    assert forced.data.a == "2", forced
    assert [e.manager for e in forced.metadata.managedFields] == ["other"], forced.metadata.managedFields
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1])
