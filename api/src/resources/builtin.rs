//! The built-in resources of Kubernetes v1.33 that kubesim serves.
//!
//! The table mirrors what a v1.33 kube-apiserver reports in discovery (`kubectl api-resources -o wide`,
//! `GET /api/v1`, `GET /apis/{group}/{version}`):
//!
//! - Groups come in the order the aggregator sorts them by group priority (core first, then
//!   `apiregistration.k8s.io`, `apps`, `events.k8s.io`, ... `discovery.k8s.io`), and the versions of a
//!   group in preference order (`autoscaling/v2` before `autoscaling/v1`).
//! - Within one group version the resources, and the subresources of each resource, are sorted by
//!   name, as the real server lists them. kubectl expands the `all` category in this order, so
//!   `kubectl get all` prints pods, replicationcontrollers, services, daemonsets, deployments,
//!   replicasets, statefulsets, horizontalpodautoscalers, cronjobs, jobs — as on a real cluster.
//! - Verbs are sorted alphabetically, as discovery reports them.
//!
//! Flow control (`flowcontrol.apiserver.k8s.io`) and the groups v1.33 leaves off by default
//! (`resource.k8s.io`, `storagemigration.k8s.io`, beta versions, ...) are not served.

use super::{ResourceDef, SubresourceDef};

const STD_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const NO_COLLECTION_DELETE: &[&str] = &[
    "create", "delete", "get", "list", "patch", "update", "watch",
];
const CREATE_ONLY: &[&str] = &["create"];
const STATUS_VERBS: &[&str] = &["get", "patch", "update"];
const CONNECT_VERBS: &[&str] = &["create", "get"];
const PROXY_VERBS: &[&str] = &["create", "delete", "get", "patch", "update"];
const ALL: &[&str] = &["all"];
const EXT: &[&str] = &["api-extensions"];
const NS: bool = true;
const CLUSTER: bool = false;

fn sub(name: &str, gvk: (&str, &str, &str), verbs: &[&str]) -> SubresourceDef {
    SubresourceDef {
        name: name.into(),
        group: gvk.0.into(),
        version: gvk.1.into(),
        kind: gvk.2.into(),
        verbs: verbs.iter().map(|s| s.to_string()).collect(),
    }
}

#[allow(clippy::too_many_arguments)]
fn def(
    group: &str,
    version: &str,
    kind: &str,
    plural: &str,
    namespaced: bool,
    short_names: &[&str],
    categories: &[&str],
    verbs: &[&str],
    subresources: Vec<SubresourceDef>,
) -> ResourceDef {
    ResourceDef {
        group: group.into(),
        version: version.into(),
        kind: kind.into(),
        plural: plural.into(),
        singular: kind.to_lowercase(),
        namespaced,
        short_names: short_names.iter().map(|s| s.to_string()).collect(),
        categories: categories.iter().map(|s| s.to_string()).collect(),
        verbs: verbs.iter().map(|s| s.to_string()).collect(),
        subresources,
        storage: if group.is_empty() {
            format!("core/{plural}")
        } else {
            format!("{group}/{plural}")
        },
        virtual_only: false,
    }
}

/// A create-only kind that is answered and never stored (reviews, bindings).
fn virtual_create(group: &str, kind: &str, plural: &str, namespaced: bool) -> ResourceDef {
    ResourceDef {
        virtual_only: true,
        ..def(
            group,
            "v1",
            kind,
            plural,
            namespaced,
            &[],
            &[],
            CREATE_ONLY,
            vec![],
        )
    }
}

/// The same resource stored under another resource's prefix (served at two group versions).
fn stored_at(storage: &str, d: ResourceDef) -> ResourceDef {
    ResourceDef {
        storage: storage.into(),
        ..d
    }
}

/// The `status` subresource of a kind; it speaks the kind itself.
fn status(group: &str, version: &str, kind: &str) -> SubresourceDef {
    sub("status", (group, version, kind), STATUS_VERBS)
}

/// The `scale` subresource; it always speaks `autoscaling/v1` Scale.
fn scale() -> SubresourceDef {
    sub("scale", ("autoscaling", "v1", "Scale"), STATUS_VERBS)
}

/// A connect subresource of a core kind (`exec`, `attach`, `portforward`, `proxy`), named by its options kind.
fn connect(name: &str, options_kind: &str, verbs: &[&str]) -> SubresourceDef {
    sub(name, ("", "v1", options_kind), verbs)
}

#[rustfmt::skip]
fn core() -> Vec<ResourceDef> {
    let core = |kind: &str, plural: &str, namespaced: bool, short: &[&str], cats: &[&str], verbs: &[&str], subs| {
        def("", "v1", kind, plural, namespaced, short, cats, verbs, subs)
    };
    let st = |kind: &str| status("", "v1", kind);
    vec![
        virtual_create("", "Binding", "bindings", NS),
        core("ComponentStatus", "componentstatuses", CLUSTER, &["cs"], &[], &["get", "list"], vec![]),
        core("ConfigMap", "configmaps", NS, &["cm"], &[], STD_VERBS, vec![]),
        core("Endpoints", "endpoints", NS, &["ep"], &[], STD_VERBS, vec![]),
        core("Event", "events", NS, &["ev"], &[], STD_VERBS, vec![]),
        core("LimitRange", "limitranges", NS, &["limits"], &[], STD_VERBS, vec![]),
        core("Namespace", "namespaces", CLUSTER, &["ns"], &[], NO_COLLECTION_DELETE,
            vec![sub("finalize", ("", "v1", "Namespace"), &["update"]), st("Namespace")]),
        core("Node", "nodes", CLUSTER, &["no"], &[], STD_VERBS,
            vec![connect("proxy", "NodeProxyOptions", PROXY_VERBS), st("Node")]),
        core("PersistentVolumeClaim", "persistentvolumeclaims", NS, &["pvc"], &[], STD_VERBS, vec![st("PersistentVolumeClaim")]),
        core("PersistentVolume", "persistentvolumes", CLUSTER, &["pv"], &[], STD_VERBS, vec![st("PersistentVolume")]),
        core("Pod", "pods", NS, &["po"], ALL, STD_VERBS, vec![
            connect("attach", "PodAttachOptions", CONNECT_VERBS),
            sub("binding", ("", "v1", "Binding"), CREATE_ONLY),
            sub("ephemeralcontainers", ("", "v1", "Pod"), STATUS_VERBS),
            sub("eviction", ("policy", "v1", "Eviction"), CREATE_ONLY),
            connect("exec", "PodExecOptions", CONNECT_VERBS),
            sub("log", ("", "v1", "Pod"), &["get"]),
            connect("portforward", "PodPortForwardOptions", CONNECT_VERBS),
            connect("proxy", "PodProxyOptions", PROXY_VERBS),
            // InPlacePodVerticalScaling is beta and on by default in v1.33, which serves pods/resize.
            sub("resize", ("", "v1", "Pod"), STATUS_VERBS),
            st("Pod"),
        ]),
        core("PodTemplate", "podtemplates", NS, &[], &[], STD_VERBS, vec![]),
        core("ReplicationController", "replicationcontrollers", NS, &["rc"], ALL, STD_VERBS,
            vec![scale(), st("ReplicationController")]),
        core("ResourceQuota", "resourcequotas", NS, &["quota"], &[], STD_VERBS, vec![st("ResourceQuota")]),
        core("Secret", "secrets", NS, &[], &[], STD_VERBS, vec![]),
        core("ServiceAccount", "serviceaccounts", NS, &["sa"], &[], STD_VERBS,
            vec![sub("token", ("authentication.k8s.io", "v1", "TokenRequest"), CREATE_ONLY)]),
        // Services have served deletecollection since their storage moved onto the generic store (v1.23).
        core("Service", "services", NS, &["svc"], ALL, STD_VERBS,
            vec![connect("proxy", "ServiceProxyOptions", PROXY_VERBS), st("Service")]),
    ]
}

#[rustfmt::skip]
fn apps() -> Vec<ResourceDef> {
    let apps = |kind: &str, plural: &str, short: &[&str], cats: &[&str], subs| {
        def("apps", "v1", kind, plural, NS, short, cats, STD_VERBS, subs)
    };
    let st = |kind: &str| status("apps", "v1", kind);
    vec![
        apps("ControllerRevision", "controllerrevisions", &[], &[], vec![]),
        apps("DaemonSet", "daemonsets", &["ds"], ALL, vec![st("DaemonSet")]),
        apps("Deployment", "deployments", &["deploy"], ALL, vec![scale(), st("Deployment")]),
        apps("ReplicaSet", "replicasets", &["rs"], ALL, vec![scale(), st("ReplicaSet")]),
        apps("StatefulSet", "statefulsets", &["sts"], ALL, vec![scale(), st("StatefulSet")]),
    ]
}

#[rustfmt::skip]
fn hpa(version: &str) -> ResourceDef {
    let kind = "HorizontalPodAutoscaler";
    def("autoscaling", version, kind, "horizontalpodautoscalers", NS, &["hpa"], ALL, STD_VERBS,
        vec![status("autoscaling", version, kind)])
}

/// Every built-in resource, in the order upstream's discovery lists them.
#[rustfmt::skip]
pub fn builtin() -> Vec<ResourceDef> {
    let (authn, authz, certs) = ("authentication.k8s.io", "authorization.k8s.io", "certificates.k8s.io");
    let (net, storage, rbac) = ("networking.k8s.io", "storage.k8s.io", "rbac.authorization.k8s.io");
    let admission = "admissionregistration.k8s.io";
    let mut out = core();
    out.push(def("apiregistration.k8s.io", "v1", "APIService", "apiservices", CLUSTER, &[], EXT, STD_VERBS,
        vec![status("apiregistration.k8s.io", "v1", "APIService")]));
    out.extend(apps());
    // events.k8s.io/v1 is another view of the core events: one store, two shapes.
    out.push(stored_at("core/events", def("events.k8s.io", "v1", "Event", "events", NS, &["ev"], &[], STD_VERBS, vec![])));
    out.extend([
        virtual_create(authn, "SelfSubjectReview", "selfsubjectreviews", CLUSTER),
        virtual_create(authn, "TokenReview", "tokenreviews", CLUSTER),
        virtual_create(authz, "LocalSubjectAccessReview", "localsubjectaccessreviews", NS),
        virtual_create(authz, "SelfSubjectAccessReview", "selfsubjectaccessreviews", CLUSTER),
        virtual_create(authz, "SelfSubjectRulesReview", "selfsubjectrulesreviews", CLUSTER),
        virtual_create(authz, "SubjectAccessReview", "subjectaccessreviews", CLUSTER),
    ]);
    // v2 is the preferred version, so it comes first; both share autoscaling/horizontalpodautoscalers.
    out.extend([hpa("v2"), hpa("v1")]);
    out.extend([
        def("batch", "v1", "CronJob", "cronjobs", NS, &["cj"], ALL, STD_VERBS, vec![status("batch", "v1", "CronJob")]),
        def("batch", "v1", "Job", "jobs", NS, &[], ALL, STD_VERBS, vec![status("batch", "v1", "Job")]),
    ]);
    let csr = "CertificateSigningRequest";
    out.push(def(certs, "v1", csr, "certificatesigningrequests", CLUSTER, &["csr"], &[], STD_VERBS,
        vec![sub("approval", (certs, "v1", csr), STATUS_VERBS), status(certs, "v1", csr)]));
    out.extend([
        def(net, "v1", "IngressClass", "ingressclasses", CLUSTER, &[], &[], STD_VERBS, vec![]),
        def(net, "v1", "Ingress", "ingresses", NS, &["ing"], &[], STD_VERBS, vec![status(net, "v1", "Ingress")]),
        // ServiceCIDR and IPAddress went GA (networking.k8s.io/v1, on by default) in v1.33.
        def(net, "v1", "IPAddress", "ipaddresses", CLUSTER, &["ip"], &[], STD_VERBS, vec![]),
        // NetworkPolicy's status field, and with it the subresource, was removed before v1.33.
        def(net, "v1", "NetworkPolicy", "networkpolicies", NS, &["netpol"], &[], STD_VERBS, vec![]),
        def(net, "v1", "ServiceCIDR", "servicecidrs", CLUSTER, &[], &[], STD_VERBS, vec![status(net, "v1", "ServiceCIDR")]),
    ]);
    out.push(def("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", NS, &["pdb"], &[], STD_VERBS,
        vec![status("policy", "v1", "PodDisruptionBudget")]));
    out.extend([
        def(rbac, "v1", "ClusterRoleBinding", "clusterrolebindings", CLUSTER, &[], &[], STD_VERBS, vec![]),
        def(rbac, "v1", "ClusterRole", "clusterroles", CLUSTER, &[], &[], STD_VERBS, vec![]),
        def(rbac, "v1", "RoleBinding", "rolebindings", NS, &[], &[], STD_VERBS, vec![]),
        def(rbac, "v1", "Role", "roles", NS, &[], &[], STD_VERBS, vec![]),
    ]);
    out.extend([
        def(storage, "v1", "CSIDriver", "csidrivers", CLUSTER, &[], &[], STD_VERBS, vec![]),
        def(storage, "v1", "CSINode", "csinodes", CLUSTER, &[], &[], STD_VERBS, vec![]),
        def(storage, "v1", "CSIStorageCapacity", "csistoragecapacities", NS, &[], &[], STD_VERBS, vec![]),
        def(storage, "v1", "StorageClass", "storageclasses", CLUSTER, &["sc"], &[], STD_VERBS, vec![]),
        def(storage, "v1", "VolumeAttachment", "volumeattachments", CLUSTER, &[], &[], STD_VERBS,
            vec![status(storage, "v1", "VolumeAttachment")]),
    ]);
    out.extend([
        def(admission, "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", CLUSTER, &[], EXT, STD_VERBS, vec![]),
        def(admission, "v1", "ValidatingAdmissionPolicy", "validatingadmissionpolicies", CLUSTER, &[], EXT, STD_VERBS,
            vec![status(admission, "v1", "ValidatingAdmissionPolicy")]),
        def(admission, "v1", "ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings", CLUSTER, &[], EXT,
            STD_VERBS, vec![]),
        def(admission, "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", CLUSTER, &[], EXT,
            STD_VERBS, vec![]),
    ]);
    out.push(def("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", CLUSTER,
        &["crd", "crds"], EXT, STD_VERBS, vec![status("apiextensions.k8s.io", "v1", "CustomResourceDefinition")]));
    out.extend([
        def("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", CLUSTER, &["pc"], &[], STD_VERBS, vec![]),
        def("coordination.k8s.io", "v1", "Lease", "leases", NS, &[], &[], STD_VERBS, vec![]),
        def("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", CLUSTER, &[], &[], STD_VERBS, vec![]),
        def("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", NS, &[], &[], STD_VERBS, vec![]),
    ]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ResourceTable;
    use std::collections::HashSet;

    fn table() -> ResourceTable {
        ResourceTable::builtin()
    }

    #[test]
    fn plurals_and_kinds_are_unique_per_group_version() {
        let mut plurals = HashSet::new();
        let mut kinds = HashSet::new();
        for d in builtin() {
            assert!(
                plurals.insert((d.group.clone(), d.version.clone(), d.plural.clone())),
                "duplicate plural {}",
                d.plural
            );
            assert!(
                kinds.insert((d.group.clone(), d.version.clone(), d.kind.clone())),
                "duplicate kind {}",
                d.kind
            );
        }
    }

    #[test]
    fn short_names_are_unique_per_group() {
        let mut seen = HashSet::new();
        for d in builtin() {
            for s in &d.short_names {
                let first_version = seen.insert((d.group.clone(), s.clone()));
                // A resource served at two versions repeats its short names; nothing else may.
                assert!(
                    first_version || d.plural == "horizontalpodautoscalers",
                    "short name {s} reused in {}",
                    d.group
                );
            }
        }
    }

    #[test]
    fn resources_and_subresources_are_sorted_within_a_group_version() {
        let t = table();
        for (group, versions) in t.groups() {
            for version in versions {
                let names: Vec<&str> = t
                    .in_group_version(&group, &version)
                    .map(|d| d.plural.as_str())
                    .collect();
                let mut sorted = names.clone();
                sorted.sort_unstable();
                assert_eq!(names, sorted, "{group}/{version}");
            }
        }
        for d in builtin() {
            let subs: Vec<&str> = d.subresources.iter().map(|s| s.name.as_str()).collect();
            let mut sorted = subs.clone();
            sorted.sort_unstable();
            assert_eq!(subs, sorted, "{}", d.plural);
            let mut verbs = d.verbs.clone();
            verbs.sort();
            assert_eq!(verbs, d.verbs, "{} verbs", d.plural);
        }
    }

    #[test]
    fn groups_come_in_upstream_priority_order() {
        let groups: Vec<String> = table().groups().into_iter().map(|(g, _)| g).collect();
        assert_eq!(
            groups,
            [
                "",
                "apiregistration.k8s.io",
                "apps",
                "events.k8s.io",
                "authentication.k8s.io",
                "authorization.k8s.io",
                "autoscaling",
                "batch",
                "certificates.k8s.io",
                "networking.k8s.io",
                "policy",
                "rbac.authorization.k8s.io",
                "storage.k8s.io",
                "admissionregistration.k8s.io",
                "apiextensions.k8s.io",
                "scheduling.k8s.io",
                "coordination.k8s.io",
                "node.k8s.io",
                "discovery.k8s.io",
            ]
        );
        let autoscaling = table()
            .groups()
            .into_iter()
            .find(|(g, _)| g == "autoscaling")
            .map(|(_, v)| v);
        assert_eq!(autoscaling, Some(vec!["v2".to_string(), "v1".to_string()]));
    }

    #[test]
    fn all_category_expands_like_a_real_cluster() {
        let mut seen = HashSet::new();
        let all: Vec<String> = builtin()
            .into_iter()
            .filter(|d| d.categories.iter().any(|c| c == "all"))
            .filter(|d| seen.insert((d.group.clone(), d.plural.clone())))
            .map(|d| d.plural)
            .collect();
        assert_eq!(
            all,
            [
                "pods",
                "replicationcontrollers",
                "services",
                "daemonsets",
                "deployments",
                "replicasets",
                "statefulsets",
                "horizontalpodautoscalers",
                "cronjobs",
                "jobs",
            ]
        );
        let ext: Vec<String> = builtin()
            .into_iter()
            .filter(|d| d.categories.iter().any(|c| c == "api-extensions"))
            .map(|d| d.plural)
            .collect();
        assert!(
            ext.contains(&"customresourcedefinitions".into())
                && ext.contains(&"apiservices".into())
        );
        assert!(ext.contains(&"mutatingwebhookconfigurations".into()));
    }

    #[test]
    fn subresources_speak_the_right_kinds() {
        let t = table();
        for (group, plural) in [
            ("apps", "deployments"),
            ("apps", "replicasets"),
            ("apps", "statefulsets"),
            ("", "replicationcontrollers"),
        ] {
            let d = t.by_plural(group, "v1", plural).expect(plural);
            let s = d.subresource("scale").expect("scale");
            assert_eq!(
                (s.group.as_str(), s.version.as_str(), s.kind.as_str()),
                ("autoscaling", "v1", "Scale")
            );
            assert_eq!(s.verbs, ["get", "patch", "update"]);
        }
        let pods = t.by_plural("", "v1", "pods").expect("pods");
        let eviction = pods.subresource("eviction").expect("eviction");
        assert_eq!(
            (
                eviction.group.as_str(),
                eviction.version.as_str(),
                eviction.kind.as_str()
            ),
            ("policy", "v1", "Eviction")
        );
        assert_eq!(eviction.verbs, ["create"]);
        let binding = pods.subresource("binding").expect("binding");
        assert_eq!(
            (
                binding.group.as_str(),
                binding.kind.as_str(),
                binding.verbs.as_slice()
            ),
            ("", "Binding", &["create".to_string()][..])
        );
        assert_eq!(
            pods.subresource("log")
                .map(|s| (s.kind.as_str(), s.verbs.clone())),
            Some(("Pod", vec!["get".into()]))
        );
        assert_eq!(
            pods.subresource("exec").map(|s| s.kind.as_str()),
            Some("PodExecOptions")
        );
        assert_eq!(
            pods.subresource("exec").map(|s| s.verbs.clone()),
            Some(vec!["create".into(), "get".into()])
        );
        assert_eq!(
            pods.subresource("proxy").map(|s| s.kind.as_str()),
            Some("PodProxyOptions")
        );
        let token = t
            .by_plural("", "v1", "serviceaccounts")
            .and_then(|d| d.subresource("token"))
            .expect("token");
        assert_eq!(
            (token.group.as_str(), token.kind.as_str()),
            ("authentication.k8s.io", "TokenRequest")
        );
        let ns = t.by_plural("", "v1", "namespaces").expect("namespaces");
        assert!(!ns.has_verb("deletecollection"));
        assert_eq!(
            ns.subresource("finalize").map(|s| s.verbs.clone()),
            Some(vec!["update".into()])
        );
        assert!(
            t.by_plural("networking.k8s.io", "v1", "networkpolicies")
                .is_some_and(|d| !d.has_status())
        );
    }

    #[test]
    fn storage_prefixes_are_shared_only_by_the_same_resource() {
        let t = table();
        let v2 = t
            .by_plural("autoscaling", "v2", "horizontalpodautoscalers")
            .expect("v2");
        let v1 = t
            .by_plural("autoscaling", "v1", "horizontalpodautoscalers")
            .expect("v1");
        assert_eq!(v1.storage, "autoscaling/horizontalpodautoscalers");
        assert_eq!(v1.storage, v2.storage);
        let core_events = t.by_plural("", "v1", "events").expect("events");
        let new_events = t
            .by_plural("events.k8s.io", "v1", "events")
            .expect("events.k8s.io");
        assert_eq!(
            (core_events.storage.as_str(), new_events.storage.as_str()),
            ("core/events", "core/events")
        );
        let mut owners: std::collections::HashMap<String, String> =
            std::collections::HashMap::new();
        for d in builtin() {
            let owner = owners
                .entry(d.storage.clone())
                .or_insert_with(|| d.kind.clone());
            assert_eq!(*owner, d.kind, "{} shared by two kinds", d.storage);
        }
    }

    #[test]
    fn reviews_are_virtual_and_create_only() {
        for d in builtin() {
            let review = d.kind.ends_with("Review");
            if review {
                assert!(d.virtual_only, "{}", d.kind);
                assert_eq!(d.verbs, ["create"], "{}", d.kind);
            }
            if d.virtual_only {
                assert!(review || d.kind == "Binding", "{} is virtual", d.kind);
            }
        }
        let t = table();
        assert_eq!(
            t.by_plural("", "v1", "bindings").map(|d| d.verbs.clone()),
            Some(vec!["create".into()])
        );
        assert_eq!(
            t.by_plural("", "v1", "componentstatuses")
                .map(|d| d.verbs.clone()),
            Some(vec!["get".into(), "list".into()])
        );
        assert!(
            t.by_plural("authorization.k8s.io", "v1", "localsubjectaccessreviews")
                .is_some_and(|d| d.namespaced)
        );
    }

    #[test]
    fn short_names_match_upstream() {
        let t = table();
        let short = |g: &str, v: &str, p: &str| {
            t.by_plural(g, v, p)
                .map(|d| d.short_names.join(","))
                .unwrap_or_default()
        };
        for (g, p, s) in [
            ("", "persistentvolumeclaims", "pvc"),
            ("", "persistentvolumes", "pv"),
            ("", "endpoints", "ep"),
            ("", "events", "ev"),
            ("", "services", "svc"),
            ("", "serviceaccounts", "sa"),
            ("", "replicationcontrollers", "rc"),
            ("", "limitranges", "limits"),
            ("", "resourcequotas", "quota"),
            ("", "componentstatuses", "cs"),
            ("", "nodes", "no"),
            ("", "namespaces", "ns"),
            ("", "pods", "po"),
            ("", "configmaps", "cm"),
            ("apps", "daemonsets", "ds"),
            ("apps", "statefulsets", "sts"),
            ("apps", "replicasets", "rs"),
            ("apps", "deployments", "deploy"),
            ("batch", "cronjobs", "cj"),
            ("policy", "poddisruptionbudgets", "pdb"),
            ("networking.k8s.io", "ingresses", "ing"),
            ("networking.k8s.io", "networkpolicies", "netpol"),
            ("storage.k8s.io", "storageclasses", "sc"),
            (
                "apiextensions.k8s.io",
                "customresourcedefinitions",
                "crd,crds",
            ),
            ("scheduling.k8s.io", "priorityclasses", "pc"),
            ("certificates.k8s.io", "certificatesigningrequests", "csr"),
            ("events.k8s.io", "events", "ev"),
        ] {
            assert_eq!(short(g, "v1", p), s, "{g}/{p}");
        }
        assert_eq!(
            short("autoscaling", "v2", "horizontalpodautoscalers"),
            "hpa"
        );
    }
}
