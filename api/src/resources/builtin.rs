//! The built-in resources of Kubernetes v1.33 that kubesim serves.

use super::{ResourceDef, SubresourceDef};

const STD_VERBS: &[&str] = &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

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
        storage: if group.is_empty() { format!("core/{plural}") } else { format!("{group}/{plural}") },
        virtual_only: false,
    }
}

/// Every built-in resource, in the order upstream's discovery lists them.
pub fn builtin() -> Vec<ResourceDef> {
    let status = |kind: &str, group: &str, version: &str| {
        sub("status", (group, version, kind), &["get", "patch", "update"])
    };
    vec![
        def("", "v1", "Namespace", "namespaces", false, &["ns"], &[], &["create", "delete", "get", "list", "patch", "update", "watch"],
            vec![sub("finalize", ("", "v1", "Namespace"), &["update"]), status("Namespace", "", "v1")]),
        def("", "v1", "ConfigMap", "configmaps", true, &["cm"], &[], STD_VERBS, vec![]),
        def("", "v1", "Pod", "pods", true, &["po"], &["all"], STD_VERBS, vec![status("Pod", "", "v1")]),
    ]
}
