//! Node pools from the cluster config file (`kubesim up --config cluster.yaml`), or the default
//! pool of `--nodes` b3-16 nodes, expanded into the nodes the simulated kubelets register.
//!
//! ```yaml
//! region: EU-WEST-PAR                 # optional; zones default to <region>-a/-b/-c, lowercase
//! zones: [eu-west-par-a, eu-west-par-b, eu-west-par-c]
//! pools:
//!   - name: general                   # DNS label; nodes are <name>-node-<6 hex>
//!     flavor: b3-16                   # an OVHcloud flavor (see kubesim_api::flavor)
//!     count: 3
//!     labels: {team: web}
//!     taints: [{key: dedicated, value: batch, effect: NoSchedule}]
//!     autoscale: {min: 1, max: 5}     # kept for the autoscaler (a later issue)
//!     upgradeStrategy: {maxSurge: 1, maxUnavailable: 0}   # kept for upgrades
//!     autoHeal: {enabled: true, delay: 10m}               # kept for healing
//! ```

use std::collections::BTreeMap;

use anyhow::{Context as _, Result, bail, ensure};
use k8s_openapi::api::core::v1::Taint;
use kubesim_api::flavor::{DEFAULT_FLAVOR, Flavor};
use kubesim_kubelet::NodeSpec;
use serde::Deserialize;

/// The default region (OVHcloud's 3-AZ Paris region).
pub const DEFAULT_REGION: &str = "EU-WEST-PAR";
/// Name of the pool used when no config file is given.
pub const DEFAULT_POOL: &str = "default";
/// At most this many nodes (pod CIDRs are 10.2.<index>.0/24).
pub const MAX_NODES: u32 = 256;

/// Autoscaling bounds of a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Autoscale {
    /// Fewest nodes.
    pub min: u32,
    /// Most nodes.
    pub max: u32,
}

/// How a pool's nodes are replaced during upgrades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpgradeStrategy {
    /// Extra nodes created during an upgrade.
    #[serde(default = "one")]
    pub max_surge: u32,
    /// Nodes that may be unavailable during an upgrade.
    #[serde(default)]
    pub max_unavailable: u32,
}

fn one() -> u32 {
    1
}

impl Default for UpgradeStrategy {
    fn default() -> Self {
        UpgradeStrategy {
            max_surge: 1,
            max_unavailable: 0,
        }
    }
}

/// When broken nodes are replaced.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoHeal {
    /// Whether NotReady nodes are replaced.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// How long a node stays NotReady before it is replaced (Go duration).
    #[serde(default = "ten_minutes")]
    pub delay: String,
}

fn yes() -> bool {
    true
}

fn ten_minutes() -> String {
    "10m".into()
}

impl Default for AutoHeal {
    fn default() -> Self {
        AutoHeal {
            enabled: true,
            delay: ten_minutes(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaintEntry {
    key: String,
    #[serde(default)]
    value: Option<String>,
    effect: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PoolEntry {
    name: String,
    #[serde(default)]
    flavor: Option<String>,
    #[serde(default)]
    count: Option<u32>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    taints: Vec<TaintEntry>,
    #[serde(default)]
    autoscale: Option<Autoscale>,
    #[serde(default)]
    upgrade_strategy: Option<UpgradeStrategy>,
    #[serde(default)]
    auto_heal: Option<AutoHeal>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClusterFile {
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    zones: Vec<String>,
    pools: Vec<PoolEntry>,
}

/// One node pool.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    /// Name (label `nodepool`).
    pub name: String,
    /// Flavor of its nodes.
    pub flavor: &'static Flavor,
    /// Nodes at start.
    pub count: u32,
    /// Labels of its nodes.
    pub labels: BTreeMap<String, String>,
    /// Taints of its nodes.
    pub taints: Vec<Taint>,
    /// Autoscaling bounds, when autoscaling is on.
    pub autoscale: Option<Autoscale>,
    /// Upgrade strategy.
    pub upgrade_strategy: UpgradeStrategy,
    /// Auto-healing.
    pub auto_heal: AutoHeal,
}

/// The pools and where they run.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Region label of every node.
    pub region: String,
    /// Zones nodes are spread over (round robin within each pool).
    pub zones: Vec<String>,
    /// The pools, in order.
    pub pools: Vec<Pool>,
}

fn default_zones(region: &str) -> Vec<String> {
    let r = region.to_ascii_lowercase();
    ["a", "b", "c"].iter().map(|z| format!("{r}-{z}")).collect()
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

impl Layout {
    /// One pool `default` of `nodes` b3-16 nodes.
    pub fn default_pool(nodes: u32) -> Layout {
        Layout {
            region: DEFAULT_REGION.into(),
            zones: default_zones(DEFAULT_REGION),
            pools: vec![Pool {
                name: DEFAULT_POOL.into(),
                flavor: Flavor::lookup(DEFAULT_FLAVOR)
                    .expect("invariant: the default flavor is in the table"),
                count: nodes,
                labels: BTreeMap::new(),
                taints: Vec::new(),
                autoscale: None,
                upgrade_strategy: UpgradeStrategy::default(),
                auto_heal: AutoHeal::default(),
            }],
        }
    }

    /// Parses and checks a cluster config file.
    pub fn parse(yaml: &str) -> Result<Layout> {
        let file: ClusterFile =
            serde_saphyr::from_str(yaml).context("the cluster config is not valid")?;
        if let Some(v) = &file.api_version {
            ensure!(
                v == "kubesim.dev/v1alpha1",
                "unknown apiVersion {v:?} (expected kubesim.dev/v1alpha1)"
            );
        }
        if let Some(k) = &file.kind {
            ensure!(k == "Cluster", "unknown kind {k:?} (expected Cluster)");
        }
        let region = file.region.unwrap_or_else(|| DEFAULT_REGION.into());
        let zones = if file.zones.is_empty() {
            default_zones(&region)
        } else {
            file.zones
        };
        ensure!(
            !file.pools.is_empty(),
            "the cluster config declares no pools"
        );
        let mut pools = Vec::new();
        let mut total = 0u32;
        for p in file.pools {
            ensure!(
                is_dns_label(&p.name),
                "pool name {:?} must be a lowercase DNS label of at most 40 characters",
                p.name
            );
            ensure!(
                !pools.iter().any(|q: &Pool| q.name == p.name),
                "pool {:?} is declared twice",
                p.name
            );
            let flavor_name = p.flavor.as_deref().unwrap_or(DEFAULT_FLAVOR);
            let Some(flavor) = Flavor::lookup(flavor_name) else {
                bail!(
                    "pool {:?}: unknown flavor {flavor_name:?} (known: {})",
                    p.name,
                    Flavor::names().join(", ")
                );
            };
            let count = p.count.unwrap_or(p.autoscale.map(|a| a.min).unwrap_or(1));
            if let Some(a) = p.autoscale {
                ensure!(
                    a.min <= a.max,
                    "pool {:?}: autoscale.min ({}) is above autoscale.max ({})",
                    p.name,
                    a.min,
                    a.max
                );
                ensure!(
                    (a.min..=a.max).contains(&count),
                    "pool {:?}: count {count} is outside autoscale bounds {}..{}",
                    p.name,
                    a.min,
                    a.max
                );
            }
            let mut taints = Vec::new();
            for t in p.taints {
                ensure!(
                    matches!(
                        t.effect.as_str(),
                        "NoSchedule" | "PreferNoSchedule" | "NoExecute"
                    ),
                    "pool {:?}: taint effect {:?} must be NoSchedule, PreferNoSchedule or NoExecute",
                    p.name,
                    t.effect
                );
                ensure!(!t.key.is_empty(), "pool {:?}: a taint has no key", p.name);
                taints.push(Taint {
                    key: t.key,
                    value: t.value,
                    effect: t.effect,
                    time_added: None,
                });
            }
            total += count;
            pools.push(Pool {
                name: p.name,
                flavor,
                count,
                labels: p.labels,
                taints,
                autoscale: p.autoscale,
                upgrade_strategy: p.upgrade_strategy.unwrap_or_default(),
                auto_heal: p.auto_heal.unwrap_or_default(),
            });
        }
        ensure!(
            total <= MAX_NODES,
            "the pools declare {total} nodes; kubesim supports at most {MAX_NODES}"
        );
        Ok(Layout {
            region,
            zones,
            pools,
        })
    }

    /// The nodes to start: pools in order, each pool's nodes spread over the zones.
    pub fn nodes(&self) -> Vec<NodeSpec> {
        let mut out = Vec::new();
        for pool in &self.pools {
            for i in 0..pool.count {
                let index = out.len() as u32;
                let zone = self
                    .zones
                    .get(i as usize % self.zones.len().max(1))
                    .cloned()
                    .unwrap_or_else(|| "nova".into());
                out.push(NodeSpec {
                    name: node_name(&pool.name, i),
                    pool: pool.name.clone(),
                    flavor: pool.flavor,
                    labels: pool.labels.clone(),
                    taints: pool.taints.clone(),
                    region: self.region.clone(),
                    zone,
                    index,
                });
            }
        }
        out
    }
}

/// `<pool>-node-<6 hex>`, as OVHcloud names nodes; stable for a pool and position.
pub fn node_name(pool: &str, i: u32) -> String {
    // FNV-1a, kept here so names never change with other hashing choices.
    let mut h: u32 = 0x811c_9dc5;
    for b in pool.bytes().chain([0]).chain(i.to_le_bytes()) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    format!("{pool}-node-{:06x}", h & 0x00ff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_three_b3_16_nodes_over_three_zones() {
        let l = Layout::default_pool(3);
        let nodes = l.nodes();
        assert_eq!(nodes.len(), 3);
        assert!(
            nodes
                .iter()
                .all(|n| n.flavor.name == "b3-16" && n.pool == "default")
        );
        assert_eq!(
            nodes.iter().map(|n| n.zone.as_str()).collect::<Vec<_>>(),
            vec!["eu-west-par-a", "eu-west-par-b", "eu-west-par-c"]
        );
        assert_eq!(nodes[2].index, 2);
        assert!(nodes[0].name.starts_with("default-node-"));
        assert_eq!(nodes[0].name.len(), "default-node-".len() + 6);
        assert_ne!(nodes[0].name, nodes[1].name);
    }

    #[test]
    fn the_fixture_parses() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/cluster.yaml"
        ))
        .expect("fixture");
        let l = Layout::parse(&text).expect("valid");
        assert!(l.pools.len() >= 2);
        let gpu = l
            .pools
            .iter()
            .find(|p| p.flavor.is_gpu())
            .expect("a GPU pool");
        assert_eq!(gpu.taints[0].effect, "NoSchedule");
    }

    #[test]
    fn pools_carry_labels_taints_and_later_settings() {
        let l = Layout::parse(
            r#"
region: GRA11
zones: [nova]
pools:
  - name: web
    flavor: b3-8
    count: 2
    labels: {team: web}
    autoscale: {min: 1, max: 4}
    upgradeStrategy: {maxSurge: 2}
  - name: batch
    flavor: c3-16
    count: 1
    taints: [{key: dedicated, value: batch, effect: NoSchedule}]
    autoHeal: {enabled: false}
"#,
        )
        .expect("valid");
        let nodes = l.nodes();
        assert_eq!(nodes.len(), 3);
        assert_eq!(nodes[2].pool, "batch");
        assert_eq!(nodes[2].index, 2);
        assert_eq!(nodes[2].taints[0].key, "dedicated");
        assert_eq!(nodes[0].labels["team"], "web");
        assert_eq!(nodes[0].zone, "nova");
        assert_eq!(l.pools[0].autoscale, Some(Autoscale { min: 1, max: 4 }));
        assert_eq!(l.pools[0].upgrade_strategy.max_surge, 2);
        assert!(!l.pools[1].auto_heal.enabled);
    }

    #[test]
    fn mistakes_are_reported() {
        let err = |y: &str| Layout::parse(y).unwrap_err().to_string();
        assert!(err("pools: [{name: a, flavor: b3-17}]").contains("unknown flavor \"b3-17\""));
        assert!(err("pools: [{name: A}]").contains("DNS label"));
        assert!(err("pools: [{name: a}, {name: a}]").contains("declared twice"));
        assert!(
            err("pools: [{name: a, count: 9, autoscale: {min: 1, max: 3}}]")
                .contains("outside autoscale bounds")
        );
        assert!(
            err("pools: [{name: a, taints: [{key: k, effect: Never}]}]").contains("taint effect")
        );
        assert!(err("pools: [{name: a, count: 300}]").contains("at most 256"));
        assert!(err("pools: [{name: a, size: 3}]").contains("not valid"));
    }
}
