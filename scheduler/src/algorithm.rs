//! One scheduling decision over the cache: PreFilter, Filter (over enough nodes), Score, and
//! host selection with a seeded RNG for ties.
//!
//! Mirrors `schedulePod` in `pkg/scheduler/schedule_one.go`: the nominated node is tried first;
//! otherwise nodes are filtered starting where the previous cycle stopped, until
//! `numFeasibleNodesToFind` feasible nodes are found; a single feasible node is taken without
//! scoring. Pure: reads the cache, never changes it.

use std::borrow::Cow;
use std::sync::Arc;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::cache::{Cache, NodeInfo, PodInfo};
use crate::framework::Diagnosis;
use crate::plugins::{self, CycleState};

/// `minFeasibleNodesToFind`: below this many nodes, every node is checked.
pub const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;
/// `minFeasibleNodesPercentageToFind`.
pub const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND: usize = 5;

/// How many feasible nodes to look for before scoring (`numFeasibleNodesToFind`). A percentage
/// of 0 means adaptive: 50 % minus 1 % per 125 nodes, at least 5 %.
pub fn num_feasible_nodes_to_find(percentage: u32, num_all_nodes: usize) -> usize {
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND || percentage >= 100 {
        return num_all_nodes;
    }
    let pct = if percentage == 0 {
        50usize
            .saturating_sub(num_all_nodes / 125)
            .max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    } else {
        percentage as usize
    };
    (num_all_nodes * pct / 100).max(MIN_FEASIBLE_NODES_TO_FIND)
}

/// The outcome of one scheduling cycle's algorithm.
#[derive(Debug)]
pub enum Decision {
    /// The pod goes to this node.
    Fits {
        /// The chosen node.
        node: String,
        /// Nodes the filters ran on.
        evaluated: usize,
        /// Nodes that passed them.
        feasible: usize,
    },
    /// No node fits; why, per node.
    NoFit(Diagnosis),
    /// The cluster has no nodes at all.
    NoNodes,
}

/// The node as the filters must see it for `pod`: with the pods nominated to it that are at
/// least as important as `pod` (`RunFilterPluginsWithNominatedPods`), so a preemptor's room is
/// not taken by a less important pod.
// SIMPLIFICATION: nominated pods are added to the node's totals only; the PreFilter counts of
// InterPodAffinity and PodTopologySpread do not include them.
pub fn with_nominated<'a>(cache: &Cache, node: &'a NodeInfo, pod: &PodInfo) -> Cow<'a, NodeInfo> {
    let extra: Vec<&Arc<PodInfo>> = cache
        .nominated_pods(&node.name)
        .iter()
        .filter(|p| p.key != pod.key && p.priority >= pod.priority)
        .collect();
    if extra.is_empty() {
        return Cow::Borrowed(node);
    }
    let mut n = node.clone();
    for p in extra {
        n.add_pod(p.clone());
    }
    Cow::Owned(n)
}

/// Scheduling state kept across cycles: where filtering starts next and the seeded RNG.
#[derive(Debug)]
pub struct Algorithm {
    percentage_of_nodes_to_score: u32,
    next_start_node_index: usize,
    rng: StdRng,
}

impl Algorithm {
    /// A new algorithm with the given percentage of nodes to score (0 = adaptive) and seed.
    pub fn new(percentage_of_nodes_to_score: u32, seed: u64) -> Algorithm {
        Algorithm {
            percentage_of_nodes_to_score,
            next_start_node_index: 0,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// The seeded RNG, shared with preemption's random offset.
    pub fn rng(&mut self) -> &mut StdRng {
        &mut self.rng
    }

    /// Decides where `pod` goes. `nominated` is the node preemption nominated it to, if any.
    pub fn schedule(&mut self, cache: &Cache, pod: &PodInfo, nominated: Option<&str>) -> Decision {
        let nodes: Vec<&NodeInfo> = cache.nodes().collect();
        if nodes.is_empty() {
            return Decision::NoNodes;
        }
        let state = plugins::pre_filter(pod, &nodes, cache.namespaces());
        let mut diagnosis = Diagnosis::default();

        if let Some(node) = nominated.and_then(|n| cache.node(n)) {
            let status = plugins::run_filters(&state, pod, &with_nominated(cache, node, pod));
            if status.is_success() {
                return Decision::Fits {
                    node: node.name.clone(),
                    evaluated: 1,
                    feasible: 1,
                };
            }
        }

        let want = num_feasible_nodes_to_find(self.percentage_of_nodes_to_score, nodes.len());
        let start = self.next_start_node_index % nodes.len();
        let mut feasible: Vec<&NodeInfo> = Vec::with_capacity(want.min(nodes.len()));
        let mut processed = 0;
        for i in 0..nodes.len() {
            if feasible.len() >= want {
                break;
            }
            let node = nodes[(start + i) % nodes.len()];
            processed += 1;
            let status = plugins::run_filters(&state, pod, &with_nominated(cache, node, pod));
            if status.is_success() {
                feasible.push(node);
            } else {
                diagnosis.reject(&node.name, status);
            }
        }
        self.next_start_node_index = (start + processed) % nodes.len();

        match feasible.len() {
            0 => Decision::NoFit(diagnosis),
            1 => Decision::Fits {
                node: feasible[0].name.clone(),
                evaluated: processed,
                feasible: 1,
            },
            n => {
                let scores = plugins::score_nodes(pod, &feasible, &nodes, cache.namespaces());
                let best = select_host(&scores, &mut self.rng);
                Decision::Fits {
                    node: feasible[best].name.clone(),
                    evaluated: processed,
                    feasible: n,
                }
            }
        }
    }

    /// The CycleState the filters of `pod` would use, with `replaced` standing in for the node
    /// of the same name (preemption's dry runs).
    pub fn cycle_state_with(cache: &Cache, pod: &PodInfo, replaced: &NodeInfo) -> CycleState {
        let nodes: Vec<&NodeInfo> = cache
            .nodes()
            .map(|n| if n.name == replaced.name { replaced } else { n })
            .collect();
        plugins::pre_filter(pod, &nodes, cache.namespaces())
    }
}

/// Index of the highest score; ties are broken uniformly at random (reservoir sampling, as
/// `selectHost`), from the seeded RNG so runs repeat.
pub fn select_host(scores: &[i64], rng: &mut StdRng) -> usize {
    let mut best = 0;
    let mut ties = 0u32;
    for (i, s) in scores.iter().enumerate() {
        if i == 0 || *s > scores[best] {
            best = i;
            ties = 1;
        } else if *s == scores[best] {
            ties += 1;
            if rng.random_range(0..ties) == 0 {
                best = i;
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::testing::*;

    #[test]
    fn adaptive_percentage_matches_upstream() {
        assert_eq!(num_feasible_nodes_to_find(0, 3), 3);
        assert_eq!(num_feasible_nodes_to_find(0, 100), 100);
        assert_eq!(num_feasible_nodes_to_find(0, 1000), 420);
        assert_eq!(num_feasible_nodes_to_find(0, 5000), 500);
        assert_eq!(num_feasible_nodes_to_find(0, 200), 100);
        assert_eq!(num_feasible_nodes_to_find(10, 5000), 500);
        assert_eq!(num_feasible_nodes_to_find(100, 5000), 5000);
    }

    #[test]
    fn ties_are_broken_by_the_seeded_rng() {
        let scores = [5, 9, 9, 1, 9];
        let pick = |seed| select_host(&scores, &mut StdRng::seed_from_u64(seed));
        assert!([1, 2, 4].contains(&pick(1)));
        assert_eq!(pick(7), pick(7));
        let seen: std::collections::BTreeSet<usize> = (0..64).map(pick).collect();
        assert_eq!(seen, [1, 2, 4].into());
    }

    fn cache_with(nodes: Vec<k8s_openapi::api::core::v1::Node>) -> Cache {
        let mut c = Cache::new();
        for n in nodes {
            c.set_node(n);
        }
        c
    }

    #[test]
    fn schedules_on_the_only_node_that_fits_and_diagnoses_the_rest() {
        let cache = cache_with(vec![
            node("small-1", &[("cpu", "1"), ("pods", "10")], &[]),
            node("big", &[("cpu", "8"), ("pods", "10")], &[]),
            node("small-2", &[("cpu", "1"), ("pods", "10")], &[]),
        ]);
        let mut alg = Algorithm::new(0, 1);
        let p = info(pod("p", &[("cpu", "2")], &[]));
        match alg.schedule(&cache, &p, None) {
            Decision::Fits { node, feasible, .. } => {
                assert_eq!(node, "big");
                assert_eq!(feasible, 1);
            }
            other => panic!("{other:?}"),
        }
        let huge = info(pod("huge", &[("cpu", "16")], &[]));
        match alg.schedule(&cache, &huge, None) {
            Decision::NoFit(d) => assert_eq!(
                d.fit_error_message(3),
                "0/3 nodes are available: 3 Insufficient cpu."
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            alg.schedule(&Cache::new(), &p, None),
            Decision::NoNodes
        ));
    }

    #[test]
    fn nominated_pods_keep_their_room() {
        let mut cache = cache_with(vec![node("n", &[("cpu", "4"), ("pods", "10")], &[])]);
        let mut important = PodInfo::new(Arc::new(pod("vip", &[("cpu", "3")], &[])), 100);
        important.priority = 100;
        cache.set_nominated(Arc::new(important), Some("n"));
        let mut alg = Algorithm::new(0, 1);
        let low = info(pod("low", &[("cpu", "2")], &[]));
        assert!(matches!(
            alg.schedule(&cache, &low, None),
            Decision::NoFit(_)
        ));
        let tiny = info(pod("tiny", &[("cpu", "1")], &[]));
        assert!(matches!(
            alg.schedule(&cache, &tiny, None),
            Decision::Fits { .. }
        ));
    }

    #[test]
    fn filtering_resumes_where_the_last_cycle_stopped() {
        let nodes: Vec<_> = (0..250)
            .map(|i| node(&format!("n{i:03}"), &[("cpu", "4"), ("pods", "10")], &[]))
            .collect();
        let cache = cache_with(nodes);
        let mut alg = Algorithm::new(0, 1);
        let p = info(pod("p", &[("cpu", "1")], &[]));
        match alg.schedule(&cache, &p, None) {
            Decision::Fits {
                evaluated,
                feasible,
                ..
            } => {
                // 50 % − 250/125 % = 48 % of 250 nodes.
                assert_eq!(evaluated, 120);
                assert_eq!(feasible, 120);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(alg.next_start_node_index, 120);
    }

    /// The algorithm alone, without the API: schedules 10,000 pods onto 1,000 nodes in the
    /// cache. Run with `cargo test --release -p kubesim-scheduler -- --ignored --nocapture`.
    #[test]
    #[ignore = "benchmark: run with --release --ignored --nocapture"]
    fn algorithm_throughput_10000_pods_on_1000_nodes() {
        let mut cache = cache_with(
            (0..1000)
                .map(|i| {
                    node(
                        &format!("n{i:04}"),
                        &[("cpu", "32"), ("memory", "64Gi"), ("pods", "110")],
                        &[("kubernetes.io/hostname", &format!("n{i:04}"))],
                    )
                })
                .collect(),
        );
        let mut alg = Algorithm::new(0, 1);
        let start = tokio::time::Instant::now();
        for i in 0..10_000 {
            let p = info(pod(
                &format!("p{i:05}"),
                &[("cpu", "100m"), ("memory", "128Mi")],
                &[],
            ));
            match alg.schedule(&cache, &p, None) {
                Decision::Fits { node, .. } => cache.assume(p, &node),
                other => panic!("{other:?}"),
            }
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "algorithm alone: 10000 pods on 1000 nodes in {secs:.2} s = {:.0} pods/s",
            10_000.0 / secs
        );
    }
}
