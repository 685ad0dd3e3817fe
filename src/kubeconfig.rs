//! Writing the kubeconfig: a file of its own (`--kubeconfig PATH`, credentials inline, written
//! atomically), or — like kind — a context `kubesim-<name>` merged into the default kubeconfig
//! and made current.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use base64::Engine;
use serde_json::{Value, json};

use crate::pki::Pki;

/// The kubeconfig entries of one cluster.
pub fn entries(context: &str, server: &str, pki: &Pki) -> Value {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
    json!({
        "clusters": [{"name": context, "cluster": {"server": server, "certificate-authority-data": b64(&pki.ca_cert)}}],
        "users": [{"name": context, "user": {"client-certificate-data": b64(&pki.admin_cert), "client-key-data": b64(&pki.admin_key)}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": context}}],
    })
}

/// Where kubectl reads its configuration by default: the first `$KUBECONFIG` entry, else `~/.kube/config`.
pub fn default_path() -> Result<PathBuf> {
    if let Some(k) = std::env::var_os("KUBECONFIG")
        && let Some(first) = std::env::split_paths(&k).find(|p| !p.as_os_str().is_empty())
    {
        return Ok(first);
    }
    let home =
        directories::BaseDirs::new().context("no home directory to put ~/.kube/config in")?;
    Ok(home.home_dir().join(".kube").join("config"))
}

/// Merges the cluster's entries into the kubeconfig at `path` (creating it) and makes its context current.
pub fn merge_into(path: &Path, context: &str, server: &str, pki: &Pki) -> Result<()> {
    let mut doc = match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => serde_saphyr::from_str::<Value>(&text)
            .with_context(|| format!("reading {}", path.display()))?,
        _ => json!({"apiVersion": "v1", "kind": "Config", "preferences": {}}),
    };
    if !doc.is_object() {
        anyhow::bail!("{} is not a kubeconfig", path.display());
    }
    let new = entries(context, server, pki);
    for section in ["clusters", "users", "contexts"] {
        let list = doc
            .get_mut(section)
            .filter(|v| v.is_array())
            .map(|v| v.take())
            .unwrap_or_else(|| json!([]));
        let mut items: Vec<Value> = list.as_array().cloned().unwrap_or_default();
        items.retain(|e| e["name"] != context);
        items.extend(new[section].as_array().cloned().unwrap_or_default());
        doc[section] = Value::Array(items);
    }
    doc["current-context"] = json!(context);
    write(path, &doc)
}

/// Writes a kubeconfig holding only this cluster to `path`.
pub fn write_standalone(path: &Path, context: &str, server: &str, pki: &Pki) -> Result<()> {
    let mut doc = entries(context, server, pki);
    doc["apiVersion"] = json!("v1");
    doc["kind"] = json!("Config");
    doc["current-context"] = json!(context);
    doc["preferences"] = json!({});
    write(path, &doc)
}

fn write(path: &Path, doc: &Value) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let text = serde_saphyr::to_string(doc).context("encoding the kubeconfig")?;
    crate::pki::write_private(path, &text)
}
