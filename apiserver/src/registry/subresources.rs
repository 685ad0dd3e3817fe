//! Subresources with their own semantics: `scale`, `binding`, `eviction` and `finalize`.
//! (`status` is a `Target` of the ordinary update path.)

use kubesim_api::{ApiError, Cause, ResourceDef};
use serde_json::{Value, json};

use super::{DeleteOptions, PatchType, Registry, Target, WriteContext, meta, patch};

impl Registry {
    /// GET of `scale`: an `autoscaling/v1 Scale` view of a workload.
    pub fn get_scale(
        &self,
        def: &ResourceDef,
        ns: Option<&str>,
        name: &str,
    ) -> Result<Value, ApiError> {
        if let Some(custom) = crate::crd::get_scale(self, def, ns, name) {
            return custom;
        }
        let obj = self.get(def, ns, name)?;
        Ok(scale_of(&obj))
    }

    /// PUT or PATCH of `scale`: the new `spec.replicas` is written to the workload.
    pub async fn update_scale(
        &self,
        def: &ResourceDef,
        ns: Option<&str>,
        name: &str,
        change: ScaleChange<'_>,
        ctx: &WriteContext,
    ) -> Result<Value, ApiError> {
        if let Some(sv) = self.crds().served(def) {
            return crate::crd::update_scale(self, &sv, ns, name, change, ctx).await;
        }
        let obj = self.get(def, ns, name)?;
        let current = scale_of(&obj);
        let wanted = match change {
            ScaleChange::Replace(v) => v,
            ScaleChange::Patch(pt, body) => patch::apply(&current, pt, body)?,
        };
        let replicas = desired_replicas(&wanted, name)?;
        let mut next = obj.clone();
        next["spec"]["replicas"] = json!(replicas);
        carry_resource_version(&mut next, &wanted);
        let (updated, _) = self.update(def, ns, name, next, Target::Main, ctx).await?;
        Ok(scale_of(&updated))
    }

    /// POST `pods/{name}/binding`: assigns an unbound pod to a node.
    pub async fn bind(
        &self,
        def: &ResourceDef,
        ns: Option<&str>,
        name: &str,
        binding: &Value,
        ctx: &WriteContext,
    ) -> Result<Value, ApiError> {
        let node = binding
            .pointer("/target/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        if node.is_empty() {
            return Err(ApiError::invalid(
                "",
                "Binding",
                name,
                vec![Cause::required("target.name", "")],
            ));
        }
        let conflict = |detail: String| ApiError::conflict("", "pods/binding", name, &detail);
        for _ in 0..4 {
            let pod = self.get(def, ns, name)?;
            if meta::is_deleting(&pod) {
                return Err(conflict(format!(
                    "pod {name} is being deleted, cannot be assigned to a host"
                )));
            }
            if let Some(bound) = pod
                .pointer("/spec/nodeName")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
            {
                return Err(conflict(format!(
                    "pod {name} is already assigned to node {bound:?}"
                )));
            }
            let mut next = pod.clone();
            next["spec"]["nodeName"] = json!(node);
            let now = meta::now_rfc3339();
            let mut conditions: Vec<Value> = next
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            conditions.retain(|c| c["type"] != "PodScheduled");
            conditions.push(json!({"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": now}));
            next["status"]["conditions"] = json!(conditions);
            // Binding writes spec.nodeName and the PodScheduled condition in one write, as upstream's BindingREST.
            let key = Registry::key(def, ns, name);
            let current = self.read(def, ns, name)?;
            let mut stored = next;
            meta::meta_mut(&mut stored).remove("resourceVersion");
            if ctx.dry_run {
                return Ok(success(201));
            }
            match self.store.update(&key, Some(current.rv), stored).await {
                Ok(_) => return Ok(success(201)),
                Err(crate::storage::StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(Registry::store_err(def, name, e)),
            }
        }
        Err(ApiError::conflict_modified("", "pods", name))
    }

    /// POST `pods/{name}/eviction`: deletes the pod with the eviction's options.
    // SIMPLIFICATION: PodDisruptionBudgets are not consulted until the node lifecycle work
    // (issue 8); see README#differences.
    pub async fn evict(
        &self,
        def: &ResourceDef,
        ns: Option<&str>,
        name: &str,
        eviction: &Value,
        ctx: &WriteContext,
    ) -> Result<Value, ApiError> {
        let opts = DeleteOptions::from_json(eviction.get("deleteOptions").unwrap_or(&Value::Null))?;
        self.delete(def, ns, name, &opts, ctx).await?;
        Ok(success(201))
    }

    /// PUT `namespaces/{name}/finalize`: replaces the namespace's `spec.finalizers`.
    pub async fn finalize_namespace(
        &self,
        def: &ResourceDef,
        name: &str,
        body: &Value,
        ctx: &WriteContext,
    ) -> Result<Value, ApiError> {
        let mut current = self.get(def, None, name)?;
        current["spec"]["finalizers"] = body
            .pointer("/spec/finalizers")
            .cloned()
            .unwrap_or_else(|| json!([]));
        let rv = meta::meta_str(body, "resourceVersion").to_string();
        if !rv.is_empty() {
            meta::meta_mut(&mut current).insert("resourceVersion".into(), json!(rv));
        } else {
            meta::meta_mut(&mut current).remove("resourceVersion");
        }
        let (out, _) = self
            .update(def, None, name, current, Target::Main, ctx)
            .await?;
        // A terminating namespace with no finalizers left is removed.
        let empty = out
            .pointer("/spec/finalizers")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty);
        if meta::is_deleting(&out) && empty && meta::finalizers(&out).is_empty() && !ctx.dry_run {
            let key = Registry::key(def, None, name);
            if let Ok(v) = self.store.delete(&key, None).await {
                return self.output(def, &v.object);
            }
        }
        Ok(out)
    }
}

/// The replicas a Scale write asks for, checked as upstream's Scale validation does.
pub(crate) fn desired_replicas(wanted: &Value, name: &str) -> Result<i64, ApiError> {
    let replicas = match wanted.pointer("/spec/replicas") {
        None | Some(Value::Null) => 0,
        Some(r) => r
            .as_i64()
            .ok_or_else(|| ApiError::BadRequest("Scale.spec.replicas must be an integer".into()))?,
    };
    if replicas < 0 {
        return Err(ApiError::invalid(
            "autoscaling",
            "Scale",
            name,
            vec![Cause::invalid(
                "spec.replicas",
                &json!(replicas),
                "must be greater than or equal to 0",
            )],
        ));
    }
    Ok(replicas)
}

/// Makes the Scale's resourceVersion (if any) the precondition of the write to the parent.
pub(crate) fn carry_resource_version(next: &mut Value, wanted: &Value) {
    let rv = meta::meta_str(wanted, "resourceVersion").to_string();
    if rv.is_empty() {
        meta::meta_mut(next).remove("resourceVersion");
    } else {
        meta::meta_mut(next).insert("resourceVersion".into(), json!(rv));
    }
}

/// How a scale subresource write arrives.
pub enum ScaleChange<'a> {
    /// PUT of a whole Scale.
    Replace(Value),
    /// PATCH of the Scale.
    Patch(PatchType, &'a [u8]),
}

/// A `Status` of success with the given code.
pub fn success(code: u16) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": code})
}

/// The `autoscaling/v1 Scale` of a workload.
fn scale_of(obj: &Value) -> Value {
    let m = &obj["metadata"];
    let mut meta = json!({});
    for k in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if let Some(v) = m.get(k) {
            meta[k] = v.clone();
        }
    }
    let selector = obj
        .pointer("/spec/selector")
        .map(selector_string)
        .unwrap_or_default();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": meta,
        "spec": {"replicas": obj.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1)},
        "status": {
            "replicas": obj.pointer("/status/replicas").and_then(Value::as_i64).unwrap_or(0),
            "selector": selector,
        }
    })
}

/// The string form of a label selector (a `metav1.LabelSelector` or a plain map).
pub fn selector_string(sel: &Value) -> String {
    let mut parts = Vec::new();
    let labels = sel.get("matchLabels").or_else(|| {
        if sel.get("matchExpressions").is_none() {
            Some(sel)
        } else {
            None
        }
    });
    if let Some(map) = labels.and_then(Value::as_object) {
        let mut kv: Vec<(&String, &Value)> = map.iter().collect();
        kv.sort_by(|a, b| a.0.cmp(b.0));
        for (k, v) in kv {
            parts.push(format!("{k}={}", v.as_str().unwrap_or("")));
        }
    }
    if let Some(exprs) = sel.get("matchExpressions").and_then(Value::as_array) {
        for e in exprs {
            let key = e["key"].as_str().unwrap_or("");
            let values: Vec<&str> = e["values"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            match e["operator"].as_str().unwrap_or("") {
                "In" => parts.push(format!("{key} in ({})", values.join(","))),
                "NotIn" => parts.push(format!("{key} notin ({})", values.join(","))),
                "Exists" => parts.push(key.to_string()),
                "DoesNotExist" => parts.push(format!("!{key}")),
                _ => {}
            }
        }
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_strings_match_kubectl_form() {
        let sel = json!({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]});
        assert_eq!(selector_string(&sel), "app=web,tier in (a,b)");
        assert_eq!(selector_string(&json!({"app": "x"})), "app=x");
    }
}
