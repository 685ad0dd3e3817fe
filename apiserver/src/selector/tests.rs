use super::*;
use proptest::prelude::*;
use serde_json::json;

fn def(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> ResourceDef {
    ResourceDef {
        group: group.into(),
        version: version.into(),
        kind: kind.into(),
        plural: plural.into(),
        singular: kind.to_lowercase(),
        namespaced,
        short_names: vec![],
        categories: vec![],
        verbs: vec![],
        subresources: vec![],
        storage: format!("{group}/{plural}"),
        virtual_only: false,
    }
}

fn labels(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn bad_request(e: ApiError) -> String {
    match e {
        ApiError::BadRequest(m) => m,
        other => panic!("expected BadRequest, got {other:?}"),
    }
}

#[test]
fn label_matching_table() {
    let l = labels(json!({"app": "web", "tier": "fe", "n": "5", "empty": ""}));
    let cases: &[(&str, bool)] = &[
        ("", true),
        ("app=web", true),
        ("app==web", true),
        ("app = web", true),
        ("app!=web", false),
        ("app!=db", true),
        ("missing!=x", true),
        ("app in (web,db)", true),
        ("app in (db)", false),
        ("app notin (db)", true),
        ("missing notin (db)", true),
        ("app notin (web)", false),
        ("app", true),
        ("missing", false),
        ("!missing", true),
        ("!app", false),
        ("app=web,tier=fe", true),
        ("app=web,tier=be", false),
        ("  app  in  ( web , db )  ,  tier  ", true),
        ("empty=", true),
        ("empty in ()", true),
        ("app=", false),
        ("n>4", true),
        ("n>5", false),
        ("n<6", true),
        ("app>1", false),
        ("missing<1", false),
        ("x in (in)", false),
        ("in", false),
        ("app in (a,,web)", true),
    ];
    for (sel, want) in cases {
        let s = LabelSelector::parse(sel).unwrap_or_else(|e| panic!("{sel}: {e}"));
        assert_eq!(s.matches(Some(&l)), *want, "selector {sel:?}");
    }
    assert!(LabelSelector::parse("missing!=x").unwrap().matches(None));
    assert!(!LabelSelector::parse("app").unwrap().matches(None));
    assert!(LabelSelector::parse("").unwrap().is_everything());
    assert!(!LabelSelector::parse("a").unwrap().is_everything());
}

#[test]
fn label_parse_errors_have_upstream_wording() {
    let cases: &[(&str, &str)] = &[
        (
            "a b",
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
        ),
        ("a=b c", "found 'c', expected: ',' or 'end of string'"),
        ("a,", "found '', expected: identifier after ','"),
        (
            ",a",
            "found ',', expected: !, identifier, or 'end of string'",
        ),
        (
            "a in b",
            "unable to parse requirement: found 'b' expected: '('",
        ),
        (
            "a in (b",
            "unable to parse requirement: found '', expected: ',' or ')'",
        ),
        (
            "a in (b c)",
            "unable to parse requirement: found 'c', expected: ',' or ')'",
        ),
        (
            "a=(",
            "unable to parse requirement: found '(', expected: identifier",
        ),
        (
            "!",
            "unable to parse requirement: found '', expected: identifier",
        ),
        (
            "app:monolith",
            "unable to parse requirement: <nil>: Invalid value: \"app:monolith\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        ),
        ("a=b c d", "found 'c', expected: ',' or 'end of string'"),
        (
            "a>x",
            "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer",
        ),
        (
            "a=-bad",
            "unable to parse requirement: values[0][a]: Invalid value: \"-bad\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ),
        ("!a=b", "found '=', expected: ',' or 'end of string'"),
    ];
    for (sel, want) in cases {
        let err = LabelSelector::parse(sel).expect_err(sel);
        assert_eq!(err.code(), 400);
        assert_eq!(bad_request(err), *want, "selector {sel:?}");
    }
}

#[test]
fn label_selector_prints_canonically() {
    let s =
        LabelSelector::parse("z in (b,a,b), !y, x, w!=1, v==2, u=3, t notin (), s>4, r<5").unwrap();
    assert_eq!(
        s.to_string(),
        "r<5,s>4,t notin (),u=3,v==2,w!=1,x,!y,z in (a,b)"
    );
    assert_eq!(LabelSelector::parse(&s.to_string()).unwrap(), s);
    assert_eq!(s.requires_exact_match("u"), Some("3"));
    assert_eq!(s.requires_exact_match("w"), None);
}

#[test]
fn label_selector_from_json() {
    let s = LabelSelector::from_json(&json!({
        "matchLabels": {"app": "web"},
        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe", "be"]},
                             {"key": "canary", "operator": "DoesNotExist"}]
    }))
    .unwrap();
    assert_eq!(
        s.to_string(),
        "app=web,!canary,tier in (be,fe)"
            .split(',')
            .collect::<Vec<_>>()
            .join(",")
    );
    assert!(s.matches(Some(&labels(json!({"app": "web", "tier": "fe"})))));
    assert!(!s.matches(Some(&labels(
        json!({"app": "web", "tier": "fe", "canary": "1"})
    ))));
    assert!(
        LabelSelector::from_json(&json!({}))
            .unwrap()
            .is_everything()
    );
    let nothing = LabelSelector::from_json(&Value::Null).unwrap();
    assert!(!nothing.matches(Some(&labels(json!({})))));
    assert!(!nothing.is_everything());
    assert_eq!(
        LabelSelector::from_json(&json!({"matchExpressions": [{"key": "a", "operator": "Gt"}]}))
            .unwrap_err(),
        "\"Gt\" is not a valid label selector operator"
    );
    assert_eq!(
        LabelSelector::from_json(
            &json!({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]})
        )
        .unwrap_err(),
        "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"
    );
    assert!(
        LabelSelector::from_json(&json!({"matchLabels": {"bad key": "x"}}))
            .unwrap_err()
            .starts_with("key: Invalid value: \"bad key\"")
    );
}

#[test]
fn field_selector_matching() {
    let pods = def("", "v1", "Pod", "pods", true);
    let pod = json!({
        "metadata": {"name": "web-1", "namespace": "default"},
        "spec": {"nodeName": "node-a", "restartPolicy": "Always"},
        "status": {"phase": "Running", "podIP": "10.0.0.5", "podIPs": [{"ip": "10.0.0.5"}]}
    });
    let cases: &[(&str, bool)] = &[
        ("", true),
        ("metadata.name=web-1", true),
        ("metadata.name==web-1", true),
        ("metadata.name!=web-1", false),
        ("metadata.namespace=default,spec.nodeName=node-a", true),
        ("status.phase!=Succeeded,status.phase!=Failed", true),
        ("spec.hostNetwork=false", true),
        ("spec.hostNetwork=true", false),
        ("status.podIP=10.0.0.5", true),
        ("status.podIPs=10.0.0.5", false),
        ("spec.schedulerName=", true),
        ("spec.host=node-a", true),
        ("status.nominatedNodeName=", true),
    ];
    for (sel, want) in cases {
        let s = FieldSelector::parse(sel, &pods).unwrap_or_else(|e| panic!("{sel}: {e}"));
        assert_eq!(s.matches(&pod), *want, "selector {sel:?}");
    }
    assert_eq!(
        FieldSelector::parse("metadata.name=web-1", &pods)
            .unwrap()
            .pinned_name(),
        Some("web-1")
    );
    assert_eq!(
        FieldSelector::parse("metadata.name!=web-1", &pods)
            .unwrap()
            .pinned_name(),
        None
    );
    assert!(FieldSelector::everything().matches(&pod));
}

#[test]
fn field_selector_errors() {
    let pods = def("", "v1", "Pod", "pods", true);
    let deploys = def("apps", "v1", "Deployment", "deployments", true);
    let jobs = def("batch", "v1", "Job", "jobs", true);
    let nodes = def("", "v1", "Node", "nodes", false);
    let cases: Vec<(&str, &ResourceDef, &str)> = vec![
        ("spec.foo=x", &pods, "field label not supported: spec.foo"),
        (
            "status.replicas=1",
            &deploys,
            "\"status.replicas\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
        ),
        (
            "spec.x=1",
            &jobs,
            "field label \"spec.x\" not supported for Job",
        ),
        (
            "metadata.namespace=x",
            &nodes,
            "field label not supported: metadata.namespace",
        ),
        (
            "foo",
            &pods,
            "invalid selector: 'foo'; can't understand 'foo'",
        ),
        (
            "a=b,c",
            &pods,
            "invalid selector: 'a=b,c'; can't understand 'c'",
        ),
        (
            "metadata.name=a\\x",
            &pods,
            "invalid field selector: invalid escape sequence: \\x",
        ),
        (
            "metadata.name=a\\",
            &pods,
            "invalid field selector: invalid escape sequence: \\",
        ),
        (
            "metadata.name=a=b",
            &pods,
            "invalid field selector: unescaped character in value: 61",
        ),
    ];
    for (sel, d, want) in cases {
        let err = FieldSelector::parse(sel, d).expect_err(sel);
        assert_eq!(bad_request(err), want, "selector {sel:?}");
    }
}

#[test]
fn field_selector_escapes() {
    let cms = def("", "v1", "ConfigMap", "configmaps", true);
    let s = FieldSelector::parse("metadata.name=a\\,b\\=c\\\\d", &cms).unwrap();
    assert!(s.matches(&json!({"metadata": {"name": "a,b=c\\d"}})));
    assert_eq!(s.to_string(), "metadata.name=a\\,b\\=c\\\\d");
    assert_eq!(s.pinned_name(), Some("a,b=c\\d"));
}

#[test]
fn field_selector_per_kind_values() {
    let nodes = def("", "v1", "Node", "nodes", false);
    let s = FieldSelector::parse("spec.unschedulable=false", &nodes).unwrap();
    assert!(s.matches(&json!({"metadata": {"name": "n"}})));
    assert!(!s.matches(&json!({"metadata": {"name": "n"}, "spec": {"unschedulable": true}})));

    let rcs = def(
        "",
        "v1",
        "ReplicationController",
        "replicationcontrollers",
        true,
    );
    assert!(
        FieldSelector::parse("status.replicas=0", &rcs)
            .unwrap()
            .matches(&json!({}))
    );
    assert!(
        FieldSelector::parse("status.replicas=3", &rcs)
            .unwrap()
            .matches(&json!({"status": {"replicas": 3}}))
    );

    let jobs = def("batch", "v1", "Job", "jobs", true);
    assert!(
        FieldSelector::parse("status.successful=2", &jobs)
            .unwrap()
            .matches(&json!({"status": {"succeeded": 2}}))
    );

    let secrets = def("", "v1", "Secret", "secrets", true);
    let s = FieldSelector::parse("type=kubernetes.io/tls", &secrets).unwrap();
    assert!(s.matches(&json!({"type": "kubernetes.io/tls"})));

    let ns = def("", "v1", "Namespace", "namespaces", false);
    assert!(
        FieldSelector::parse("status.phase=Active", &ns)
            .unwrap()
            .matches(&json!({"status": {"phase": "Active"}}))
    );

    let svcs = def("", "v1", "Service", "services", true);
    assert!(
        FieldSelector::parse("spec.type=ClusterIP", &svcs)
            .unwrap()
            .matches(&json!({"spec": {"type": "ClusterIP"}}))
    );

    let csrs = def(
        "certificates.k8s.io",
        "v1",
        "CertificateSigningRequest",
        "certificatesigningrequests",
        false,
    );
    assert!(
        FieldSelector::parse("spec.signerName=kubernetes.io/kubelet-serving", &csrs)
            .unwrap()
            .matches(&json!({"spec": {"signerName": "kubernetes.io/kubelet-serving"}}))
    );
}

#[test]
fn event_field_selectors_on_both_shapes() {
    let core = def("", "v1", "Event", "events", true);
    let v1 = def("events.k8s.io", "v1", "Event", "events", true);
    let core_ev = json!({
        "metadata": {"name": "e", "namespace": "default"},
        "involvedObject": {"kind": "Node", "name": "node-a", "uid": "u1"},
        "reason": "Starting", "type": "Normal", "source": {"component": "kubelet"},
        "reportingComponent": "kubelet"
    });
    let new_ev = json!({
        "metadata": {"name": "e", "namespace": "default"},
        "regarding": {"kind": "Node", "name": "node-a", "uid": "u1"},
        "reason": "Starting", "type": "Normal", "reportingController": "kubelet"
    });
    // `involvedObject.namespace=` selects events about cluster-scoped objects.
    let s = FieldSelector::parse("involvedObject.kind=Node,involvedObject.name=node-a,involvedObject.namespace=,involvedObject.uid=u1", &core).unwrap();
    assert!(s.matches(&core_ev));
    assert!(s.matches(&new_ev));
    let s = FieldSelector::parse(
        "regarding.name=node-a,reportingController=kubelet,source=kubelet",
        &v1,
    )
    .unwrap();
    assert!(s.matches(&core_ev));
    assert!(s.matches(&new_ev));
    assert_eq!(
        bad_request(FieldSelector::parse("involvedObject.name=x", &v1).unwrap_err()),
        "field label not supported: involvedObject.name"
    );
    let s = FieldSelector::parse(
        "reportingComponent=kubelet,type=Normal,reason=Starting",
        &core,
    )
    .unwrap();
    assert!(s.matches(&core_ev));
}

fn arb_key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-c]",
        "[a-z][a-z0-9._-]{0,6}[a-z0-9]",
        "(example\\.com|k8s\\.io)/[a-z]{1,4}",
    ]
}

fn arb_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-c]",
        "[A-Za-z0-9][A-Za-z0-9._-]{0,4}[A-Za-z0-9]",
        "[0-9]{1,3}"
    ]
}

fn arb_requirement() -> impl Strategy<Value = String> {
    (
        arb_key(),
        0..9u8,
        prop::collection::vec(arb_value(), 1..4),
        "[0-9]{1,3}",
    )
        .prop_map(|(k, op, vals, n)| match op {
            0 => k,
            1 => format!("!{k}"),
            2 => format!("{k}={}", vals[0]),
            3 => format!("{k} == {}", vals[0]),
            4 => format!("{k}!={}", vals[0]),
            5 => format!("{k} in ({})", vals.join(",")),
            6 => format!("{k} notin ( {} )", vals.join(" , ")),
            7 => format!("{k}>{n}"),
            _ => format!("{k} < {n}"),
        })
}

fn arb_labels() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(arb_key(), arb_value(), 0..5)
        .prop_map(|m| m.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
}

proptest! {
    #[test]
    fn printing_and_reparsing_keeps_matching(
        reqs in prop::collection::vec(arb_requirement(), 0..5),
        label_sets in prop::collection::vec(arb_labels(), 1..6),
    ) {
        let text = reqs.join(",");
        let parsed = LabelSelector::parse(&text).expect("generated selectors are valid");
        let printed = parsed.to_string();
        let reparsed = LabelSelector::parse(&printed).expect("printed selectors parse");
        prop_assert_eq!(&reparsed.to_string(), &printed);
        for l in &label_sets {
            prop_assert_eq!(parsed.matches(Some(l)), reparsed.matches(Some(l)));
        }
        prop_assert_eq!(parsed.matches(None), reparsed.matches(None));
    }

    #[test]
    fn field_values_round_trip_through_escaping(v in "[a-z,=\\\\]{0,8}") {
        let cms = def("", "v1", "ConfigMap", "configmaps", true);
        let sel = format!("metadata.name={}", escape_value(&v));
        let s = FieldSelector::parse(&sel, &cms).expect("escaped values parse");
        let obj = json!({"metadata": {"name": v}});
        prop_assert!(s.matches(&obj));
        prop_assert_eq!(s.pinned_name(), Some(v.as_str()));
    }
}

#[test]
fn upstream_valid_and_invalid_selectors() {
    let valid = [
        "x=a,y=b,z=c",
        "",
        "x!=a,y=b",
        "x=",
        "x= ",
        "x=,z= ",
        "x= ,z= ",
        "!x",
        "x>1",
        "x>1,z<5",
        "x in (foo,,baz),y,z notin ()",
        "x notin ( )",
        "x in (,a)",
        "  x  ==  a  ",
        "example.com/app=web",
        "a.b-c_d=v.1",
    ];
    for s in valid {
        assert!(
            LabelSelector::parse(s).is_ok(),
            "{s:?} should parse: {:?}",
            LabelSelector::parse(s).err()
        );
    }
    let invalid = [
        "x=a||y=b", "x==a==b", "!x=a", "x<a", "x>1.1", "x>", "a b", "x in (a", "x=a,", "(x)",
        "x=a b", "k!", "x in ()y",
    ];
    for s in invalid {
        assert!(LabelSelector::parse(s).is_err(), "{s:?} should not parse");
    }
}
