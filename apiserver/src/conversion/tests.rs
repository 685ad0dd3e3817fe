use super::*;
use serde_json::json;

fn def(group: &str, version: &str, kind: &str, plural: &str) -> ResourceDef {
    ResourceDef {
        group: group.into(),
        version: version.into(),
        kind: kind.into(),
        plural: plural.into(),
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

fn hpa_v1() -> ResourceDef {
    def(
        "autoscaling",
        "v1",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
    )
}
fn hpa_v2() -> ResourceDef {
    def(
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
    )
}
fn core_event() -> ResourceDef {
    def("", "v1", "Event", "events")
}
fn events_event() -> ResourceDef {
    def("events.k8s.io", "v1", "Event", "events")
}

fn conv(obj: Value, to: &ResourceDef) -> Value {
    match convert(obj, to) {
        Ok(v) => v,
        Err(e) => panic!("conversion to {} failed: {e}", to.api_version()),
    }
}

#[test]
fn identity_when_versions_match() {
    let obj =
        json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"}, "message": "hi"});
    assert_eq!(conv(obj.clone(), &core_event()), obj);
}

#[test]
fn hpa_v2_cpu_only_round_trip() {
    let v2 = json!({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 1, "maxReplicas": 5,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]
        },
        "status": {"currentReplicas": 2, "desiredReplicas": 3,
                   "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 42, "averageValue": "120m"}}}]}
    });
    let v1 = conv(v2.clone(), &hpa_v1());
    assert_eq!(v1["apiVersion"], "autoscaling/v1");
    assert_eq!(v1["spec"]["targetCPUUtilizationPercentage"], 50);
    assert!(v1["spec"].get("metrics").is_none());
    assert_eq!(v1["status"]["currentCPUUtilizationPercentage"], 42);
    let annotations = v1["metadata"]["annotations"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert!(
        !annotations.contains_key(METRIC_SPECS_ANNOTATION),
        "cpu target needs no annotation"
    );
    let current: Value = serde_json::from_str(
        annotations[METRIC_STATUSES_ANNOTATION]
            .as_str()
            .unwrap_or(""),
    )
    .unwrap_or(Value::Null);
    assert_eq!(
        current,
        json!([{"type": "Resource", "resource": {"name": "cpu", "currentAverageUtilization": 42, "currentAverageValue": "120m"}}])
    );
    assert_eq!(conv(v1, &hpa_v2()), v2);
}

#[test]
fn hpa_v2_other_metrics_and_conditions_survive_v1() {
    let v2 = json!({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "default", "annotations": {"team": "a"}},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2, "maxReplicas": 10,
            "metrics": [
                {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "100Mi"}}},
                {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "10"}}},
                {"type": "Object", "object": {"describedObject": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "main"},
                                               "metric": {"name": "rps"}, "target": {"type": "Value", "value": "2k"}}},
                {"type": "External", "external": {"metric": {"name": "queue", "selector": {"matchLabels": {"q": "jobs"}}},
                                                   "target": {"type": "AverageValue", "averageValue": "30"}}},
                {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}
            ]
        },
        "status": {
            "currentReplicas": 2, "desiredReplicas": 2,
            "conditions": [{"type": "AbleToScale", "status": "True", "lastTransitionTime": "2024-01-01T00:00:00Z", "reason": "ReadyForNewScale", "message": "ok"}]
        }
    });
    let v1 = conv(v2.clone(), &hpa_v1());
    assert_eq!(v1["spec"]["targetCPUUtilizationPercentage"], 70);
    let ann = v1["metadata"]["annotations"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert_eq!(ann["team"], "a");
    let specs: Value = serde_json::from_str(ann[METRIC_SPECS_ANNOTATION].as_str().unwrap_or(""))
        .unwrap_or(Value::Null);
    assert_eq!(
        specs[0],
        json!({"type": "Resource", "resource": {"name": "memory", "targetAverageValue": "100Mi"}})
    );
    assert_eq!(
        specs[1],
        json!({"type": "Pods", "pods": {"metricName": "qps", "targetAverageValue": "10"}})
    );
    assert_eq!(specs[2]["object"]["targetValue"], "2k");
    assert_eq!(
        specs[3]["external"]["metricSelector"],
        json!({"matchLabels": {"q": "jobs"}})
    );
    assert!(ann.contains_key(CONDITIONS_ANNOTATION));

    // Back to v2: same metrics (the CPU one moves last, as upstream), conditions restored,
    // conversion annotations removed.
    let back = conv(v1, &hpa_v2());
    assert_eq!(back, v2);
}

#[test]
fn hpa_v1_without_target_gets_the_implicit_default() {
    let v1 = json!({
        "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3}
    });
    let v2 = conv(v1, &hpa_v2());
    assert_eq!(
        v2["spec"]["metrics"],
        json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}])
    );
    assert_eq!(v2["status"], json!({"desiredReplicas": 0}));
    let v1_again = conv(v2, &hpa_v1());
    assert_eq!(v1_again["spec"]["targetCPUUtilizationPercentage"], 80);
    assert_eq!(
        v1_again["status"],
        json!({"currentReplicas": 0, "desiredReplicas": 0})
    );
    assert!(v1_again["metadata"].get("annotations").is_none());
}

#[test]
fn hpa_v1_round_trip() {
    let v1 = json!({
        "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "minReplicas": 1, "maxReplicas": 4, "targetCPUUtilizationPercentage": 60},
        "status": {"currentReplicas": 1, "desiredReplicas": 1, "currentCPUUtilizationPercentage": 12}
    });
    let v2 = conv(v1.clone(), &hpa_v2());
    assert_eq!(
        v2["status"]["currentMetrics"][0]["resource"]["current"]["averageUtilization"],
        12
    );
    let mut back = conv(v2, &hpa_v1());
    // v2 → v1 records the current metrics in their annotation; otherwise identical.
    let ann = back["metadata"]
        .as_object_mut()
        .and_then(|m| m.remove("annotations"));
    assert!(ann.is_some_and(|a| a.get(METRIC_STATUSES_ANNOTATION).is_some()));
    assert_eq!(back, v1);
}

#[test]
fn event_core_to_events_and_back() {
    let core = json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "web-1.17a", "namespace": "default"},
        "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": "web-1", "namespace": "default", "uid": "u1", "fieldPath": "spec.containers{app}"},
        "reason": "Pulled", "message": "Successfully pulled image", "type": "Normal",
        "source": {"component": "kubelet", "host": "node-a"},
        "firstTimestamp": "2024-01-01T00:00:00Z", "lastTimestamp": "2024-01-01T00:00:05Z", "count": 2,
        "eventTime": null, "reportingComponent": "kubelet", "reportingInstance": "node-a"
    });
    let ev = conv(core.clone(), &events_event());
    assert_eq!(
        ev,
        json!({
            "apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": "web-1.17a", "namespace": "default"},
            "regarding": {"apiVersion": "v1", "kind": "Pod", "name": "web-1", "namespace": "default", "uid": "u1", "fieldPath": "spec.containers{app}"},
            "reason": "Pulled", "note": "Successfully pulled image", "type": "Normal",
            "deprecatedSource": {"component": "kubelet", "host": "node-a"},
            "deprecatedFirstTimestamp": "2024-01-01T00:00:00Z", "deprecatedLastTimestamp": "2024-01-01T00:00:05Z",
            "deprecatedCount": 2, "eventTime": null, "reportingController": "kubelet", "reportingInstance": "node-a"
        })
    );
    assert_eq!(conv(ev, &core_event()), core);
}

#[test]
fn event_events_to_core_fills_core_zero_values() {
    let ev = json!({
        "apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": "e", "namespace": "default"},
        "eventTime": "2024-01-01T00:00:00.000000Z",
        "series": {"count": 3, "lastObservedTime": "2024-01-01T00:01:00.000000Z"},
        "reportingController": "example.com/ctl", "reportingInstance": "ctl-1",
        "action": "Scale", "reason": "Scaled", "regarding": {"kind": "Deployment", "name": "web"}, "note": "scaled", "type": "Normal"
    });
    let core = conv(ev.clone(), &core_event());
    assert_eq!(core["involvedObject"]["kind"], "Deployment");
    assert_eq!(core["message"], "scaled");
    assert_eq!(core["reportingComponent"], "example.com/ctl");
    assert_eq!(core["source"], json!({}));
    assert_eq!(core["firstTimestamp"], Value::Null);
    assert_eq!(core["series"]["count"], 3);
    let back = conv(core, &events_event());
    let mut want = ev;
    if let Some(m) = want.as_object_mut() {
        m.insert("deprecatedSource".into(), json!({}));
        m.insert("deprecatedFirstTimestamp".into(), Value::Null);
        m.insert("deprecatedLastTimestamp".into(), Value::Null);
    }
    assert_eq!(back, want);
}

#[test]
fn other_version_changes_only_rewrite_api_version() {
    let crd_v1 = def("example.com", "v1", "Widget", "widgets");
    let obj = json!({"apiVersion": "example.com/v1beta1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 1}});
    let out = conv(obj, &crd_v1);
    assert_eq!(
        out,
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 1}})
    );
    let err = convert(
        json!({"apiVersion": "v1", "kind": "ConfigMap"}),
        &core_event(),
    )
    .unwrap_err();
    assert_eq!(err.code(), 500);
}
