//! Discovery documents: aggregated (`apidiscovery.k8s.io` v2 and v2beta1) and legacy
//! (`APIVersions`, `APIGroupList`, `APIGroup`, `APIResourceList`), all built from the resource table.

use kubesim_api::{ResourceDef, ResourceTable};
use serde_json::{Value, json};

/// Which aggregated discovery version a client accepted, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregated {
    /// `apidiscovery.k8s.io/v2`.
    V2,
    /// `apidiscovery.k8s.io/v2beta1`.
    V2Beta1,
}

impl Aggregated {
    /// The first aggregated form an Accept header lists, if any.
    pub fn negotiate(accept: &str) -> Option<Aggregated> {
        for part in accept.split(',') {
            let params: Vec<&str> = part.split(';').map(str::trim).collect();
            if params.first() != Some(&"application/json") {
                continue;
            }
            let has = |p: &str| params.contains(&p);
            if has("g=apidiscovery.k8s.io") && has("as=APIGroupDiscoveryList") {
                if has("v=v2") {
                    return Some(Aggregated::V2);
                }
                if has("v=v2beta1") {
                    return Some(Aggregated::V2Beta1);
                }
            }
            // A plain application/json before any aggregated form means legacy.
            if params.len() == 1 {
                return None;
            }
        }
        None
    }
    /// The exact Content-Type to answer with.
    pub fn content_type(self) -> &'static str {
        match self {
            Aggregated::V2 => {
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
            }
            Aggregated::V2Beta1 => {
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
            }
        }
    }
    fn api_version(self) -> &'static str {
        match self {
            Aggregated::V2 => "apidiscovery.k8s.io/v2",
            Aggregated::V2Beta1 => "apidiscovery.k8s.io/v2beta1",
        }
    }
}

/// The aggregated document for `/api` (`core` = true) or `/apis`.
pub fn aggregated(table: &ResourceTable, core: bool, form: Aggregated) -> Value {
    let items: Vec<Value> = table
        .groups()
        .into_iter()
        .filter(|(g, _)| g.is_empty() == core)
        .map(|(group, versions)| {
            let versions: Vec<Value> = versions
                .iter()
                .map(|v| {
                    let resources: Vec<Value> = table
                        .in_group_version(&group, v)
                        .map(aggregated_resource)
                        .collect();
                    json!({"version": v, "resources": resources, "freshness": "Current"})
                })
                .collect();
            json!({"metadata": {"name": group, "creationTimestamp": null}, "versions": versions})
        })
        .collect();
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": form.api_version(), "metadata": {}, "items": items})
}

fn aggregated_resource(d: &ResourceDef) -> Value {
    let mut r = json!({
        "resource": d.plural,
        "responseKind": {"group": d.group, "version": d.version, "kind": d.kind},
        "scope": if d.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": d.singular,
        "verbs": d.verbs,
    });
    if !d.short_names.is_empty() {
        r["shortNames"] = json!(d.short_names);
    }
    if !d.categories.is_empty() {
        r["categories"] = json!(d.categories);
    }
    if !d.subresources.is_empty() {
        r["subresources"] = Value::Array(
            d.subresources
                .iter()
                .map(|s| {
                    json!({"subresource": s.name,
                           "responseKind": {"group": s.group, "version": s.version, "kind": s.kind},
                           "verbs": s.verbs})
                })
                .collect(),
        );
    }
    r
}

/// Legacy `/api`.
pub fn api_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]
    })
}

fn group_entry(group: &str, versions: &[String]) -> Value {
    let vs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
        .collect();
    json!({"name": group, "versions": vs, "preferredVersion": vs[0].clone()})
}

/// Legacy `/apis`.
pub fn api_group_list(table: &ResourceTable) -> Value {
    let groups: Vec<Value> = table
        .groups()
        .into_iter()
        .filter(|(g, _)| !g.is_empty())
        .map(|(g, vs)| group_entry(&g, &vs))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// Legacy `/apis/{group}`, if served.
pub fn api_group(table: &ResourceTable, group: &str) -> Option<Value> {
    table
        .groups()
        .into_iter()
        .find(|(g, _)| g == group && !g.is_empty())
        .map(|(g, vs)| {
            let mut e = group_entry(&g, &vs);
            e["kind"] = json!("APIGroup");
            e["apiVersion"] = json!("v1");
            e
        })
}

/// Legacy `/api/v1` or `/apis/{group}/{version}`, if served.
pub fn api_resource_list(table: &ResourceTable, group: &str, version: &str) -> Option<Value> {
    let mut resources = Vec::new();
    for d in table.in_group_version(group, version) {
        let mut r = json!({
            "name": d.plural,
            "singularName": d.singular,
            "namespaced": d.namespaced,
            "kind": d.kind,
            "verbs": d.verbs,
        });
        if !d.short_names.is_empty() {
            r["shortNames"] = json!(d.short_names);
        }
        if !d.categories.is_empty() {
            r["categories"] = json!(d.categories);
        }
        resources.push(r);
        for s in &d.subresources {
            let mut sr = json!({
                "name": format!("{}/{}", d.plural, s.name),
                "singularName": "",
                "namespaced": d.namespaced,
                "kind": s.kind,
                "verbs": s.verbs,
            });
            if s.group != d.group || s.version != d.version {
                sr["group"] = json!(s.group);
                sr["version"] = json!(s.version);
            }
            resources.push(sr);
        }
    }
    if resources.is_empty() {
        return None;
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_like_kubectl_versions() {
        let k133 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        let k127 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(Aggregated::negotiate(k133), Some(Aggregated::V2));
        assert_eq!(Aggregated::negotiate(k127), Some(Aggregated::V2Beta1));
        assert_eq!(Aggregated::negotiate("application/json, */*"), None);
    }

    #[test]
    fn legacy_lists_subresources_with_foreign_group() {
        let t = ResourceTable::builtin();
        let l = api_resource_list(&t, "", "v1").unwrap();
        let names: Vec<&str> = l["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"pods"));
        assert!(names.contains(&"pods/status"));
    }
}
