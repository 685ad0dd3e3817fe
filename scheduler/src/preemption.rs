//! `DefaultPreemption`: when a pod fits nowhere, find a node where removing lower-priority pods
//! makes room, with the fewest and least important victims.
//!
//! Mirrors `pkg/scheduler/framework/preemption` and `plugins/defaultpreemption`: only nodes
//! rejected as `Unschedulable` (not `UnschedulableAndUnresolvable`) are candidates; on each, all
//! lower-priority pods are removed, the pod must then pass the filters, and victims are
//! reprieved from the most important down while the pod still fits. The candidate is picked by
//! lowest highest-victim priority, then lowest priority sum, then fewest victims, then latest
//! start. Pure: it decides; the scheduler performs the deletions through the API.

use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;
use rand::Rng;
use rand::rngs::StdRng;

use crate::algorithm::{Algorithm, with_nominated};
use crate::cache::{Cache, NodeInfo, PodInfo};
use crate::framework::{Code, Diagnosis, Status};
use crate::plugins::{self, DEFAULT_PREEMPTION};

/// `minCandidateNodesPercentage` of `DefaultPreemptionArgs`.
pub const MIN_CANDIDATE_NODES_PERCENTAGE: usize = 10;
/// `minCandidateNodesAbsolute` of `DefaultPreemptionArgs`.
pub const MIN_CANDIDATE_NODES_ABSOLUTE: usize = 100;

/// The reason a node without lower-priority pods gives.
pub const NO_VICTIMS: &str = "No preemption victims found for incoming pod";
/// The reason every node that preemption could not help gives.
pub const NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";

/// The condition a victim gets before it is deleted (`DisruptionTarget`).
pub const DISRUPTION_TARGET: &str = "DisruptionTarget";
/// The reason of that condition (`PreemptionByScheduler`).
pub const REASON_PREEMPTION_BY_SCHEDULER: &str = "PreemptionByScheduler";

/// What preemption decided.
#[derive(Debug)]
pub enum Outcome {
    /// Evict these victims; the pod is nominated to this node.
    Nominate {
        /// The node.
        node: String,
        /// The pods to evict, most important first.
        victims: Vec<Arc<PodInfo>>,
    },
    /// The pod may not preempt now; the message goes after `preemption: `. Its nomination stays.
    NotEligible(String),
    /// No node would help; the message goes after `preemption: `. Its nomination is cleared.
    NoCandidate(String),
}

/// Whether a pod is terminating because the scheduler preempted it.
pub fn terminating_by_preemption(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_some()
        && pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .into_iter()
            .flatten()
            .find(|c| c.type_ == DISRUPTION_TARGET)
            .is_some_and(|c| {
                c.status == "True" && c.reason.as_deref() == Some(REASON_PREEMPTION_BY_SCHEDULER)
            })
}

/// When the pod started, in nanoseconds; a pod that has not started counts as starting now,
/// later than any that has (`GetPodStartTime`).
fn start_nanos(pod: &PodInfo) -> i128 {
    pod.pod
        .status
        .as_ref()
        .and_then(|s| s.start_time.as_ref())
        .map_or(i128::MAX, |t| t.0.as_nanosecond())
}

/// `MoreImportantPod`: higher priority, then the one that started earlier.
fn more_important(a: &PodInfo, b: &PodInfo) -> std::cmp::Ordering {
    b.priority
        .cmp(&a.priority)
        .then_with(|| start_nanos(a).cmp(&start_nanos(b)))
}

/// Decides whether and where `pod` may preempt, given the diagnosis of its failed cycle.
/// `preemption_policy` is the pod's resolved `preemptionPolicy`; `nominated` its current
/// nominated node.
pub fn preempt(
    cache: &Cache,
    pod: &PodInfo,
    preemption_policy: &str,
    nominated: Option<&str>,
    diagnosis: &Diagnosis,
    rng: &mut StdRng,
) -> Outcome {
    if preemption_policy == "Never" {
        return Outcome::NotEligible("not eligible due to preemptionPolicy=Never.".into());
    }
    if let Some(nom) = nominated.filter(|n| !n.is_empty()) {
        let resolvable = diagnosis
            .node_statuses
            .get(nom)
            .is_none_or(|s| s.code != Code::UnschedulableAndUnresolvable);
        if resolvable
            && let Some(node) = cache.node(nom)
            && node
                .pods
                .iter()
                .any(|p| p.priority < pod.priority && terminating_by_preemption(&p.pod))
        {
            return Outcome::NotEligible(
                "not eligible due to a terminating pod on the nominated node.".into(),
            );
        }
    }

    let all = cache.node_count();
    let potential: Vec<&NodeInfo> = cache
        .nodes()
        .filter(|n| {
            diagnosis
                .node_statuses
                .get(&n.name)
                .is_some_and(|s| s.code == Code::Unschedulable)
        })
        .collect();
    let mut statuses = Diagnosis {
        absent_status: Some(Status::unresolvable(DEFAULT_PREEMPTION, NOT_HELPFUL)),
        ..Diagnosis::default()
    };
    if potential.is_empty() {
        return Outcome::NoCandidate(statuses.fit_error_message(all));
    }

    let wanted = (potential.len() * MIN_CANDIDATE_NODES_PERCENTAGE / 100)
        .max(MIN_CANDIDATE_NODES_ABSOLUTE)
        .min(potential.len());
    let offset = rng.random_range(0..potential.len());
    let mut candidates: Vec<(String, Vec<Arc<PodInfo>>)> = Vec::new();
    for i in 0..potential.len() {
        if candidates.len() >= wanted {
            break;
        }
        let node = potential[(offset + i) % potential.len()];
        match select_victims(cache, pod, node) {
            Ok(victims) => candidates.push((node.name.clone(), victims)),
            Err(status) => statuses.reject(&node.name, status),
        }
    }
    if candidates.is_empty() {
        return Outcome::NoCandidate(statuses.fit_error_message(all));
    }
    let (node, victims) = pick_one(candidates);
    Outcome::Nominate { node, victims }
}

/// Finds the fewest, least important pods to remove from `node` so that `pod` fits
/// (`SelectVictimsOnNode`), or the status saying why it would not.
// SIMPLIFICATION: PodDisruptionBudgets are not consulted (no victim counts as violating one).
pub fn select_victims(
    cache: &Cache,
    pod: &PodInfo,
    node: &NodeInfo,
) -> Result<Vec<Arc<PodInfo>>, Status> {
    let mut potential: Vec<Arc<PodInfo>> = node
        .pods
        .iter()
        .filter(|p| p.priority < pod.priority)
        .cloned()
        .collect();
    if potential.is_empty() {
        return Err(Status::unresolvable(DEFAULT_PREEMPTION, NO_VICTIMS));
    }
    let mut trial = node.clone();
    for p in &potential {
        trial.remove_pod(&p.key);
    }
    let fits = |trial: &NodeInfo| {
        let state = Algorithm::cycle_state_with(cache, pod, trial);
        plugins::run_filters(&state, pod, &with_nominated(cache, trial, pod))
    };
    let status = fits(&trial);
    if !status.is_success() {
        return Err(status);
    }
    potential.sort_by(|a, b| more_important(a, b));
    let mut victims = Vec::new();
    for p in potential {
        trial.add_pod(p.clone());
        if !fits(&trial).is_success() {
            trial.remove_pod(&p.key);
            victims.push(p);
        }
    }
    Ok(victims)
}

/// `pickOneNodeForPreemption` without PDBs: the lowest most-important victim, then the lowest
/// sum of priorities, then the fewest victims, then the latest start of the most important
/// victims, then the first candidate.
fn pick_one(mut candidates: Vec<(String, Vec<Arc<PodInfo>>)>) -> (String, Vec<Arc<PodInfo>>) {
    type Key = Box<dyn Fn(&[Arc<PodInfo>]) -> i128>;
    let keys: [Key; 4] = [
        Box::new(|v| -i128::from(v.first().map_or(i32::MIN, |p| p.priority))),
        Box::new(|v| {
            -v.iter()
                .map(|p| i128::from(p.priority) + i128::from(i32::MAX) + 1)
                .sum::<i128>()
        }),
        Box::new(|v| -(v.len() as i128)),
        Box::new(|v| {
            let top = v.first().map_or(i32::MIN, |p| p.priority);
            v.iter()
                .filter(|p| p.priority == top)
                .map(|p| start_nanos(p))
                .min()
                .unwrap_or(i128::MIN)
        }),
    ];
    for key in keys {
        if candidates.len() <= 1 {
            break;
        }
        let scores: Vec<i128> = candidates.iter().map(|(_, v)| key(v)).collect();
        let best = scores.iter().copied().max().unwrap_or(i128::MIN);
        let mut i = 0;
        candidates.retain(|_| {
            i += 1;
            scores[i - 1] == best
        });
    }
    candidates.swap_remove(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::testing::*;
    use rand::SeedableRng;

    fn prio(p: Pod, priority: i32) -> Arc<PodInfo> {
        Arc::new(PodInfo::new(Arc::new(p), priority))
    }

    fn rejected(cache: &Cache, pod: &PodInfo) -> Diagnosis {
        let mut d = Diagnosis::default();
        let nodes: Vec<&NodeInfo> = cache.nodes().collect();
        let state = plugins::pre_filter(pod, &nodes, cache.namespaces());
        for n in nodes {
            let s = plugins::run_filters(&state, pod, n);
            if !s.is_success() {
                d.reject(&n.name, s);
            }
        }
        d
    }

    fn cache(nodes: &[(&str, Vec<Arc<PodInfo>>)]) -> Cache {
        let mut c = Cache::new();
        for (name, pods) in nodes {
            c.set_node(node(name, &[("cpu", "4"), ("pods", "10")], &[]));
            for p in pods {
                c.add_assigned_pod(p.clone(), name);
            }
        }
        c
    }

    #[test]
    fn victims_are_the_fewest_lowest_priority_pods_needed() {
        let c = cache(&[(
            "n",
            vec![
                prio(pod("a", &[("cpu", "1")], &[]), 10),
                prio(pod("b", &[("cpu", "1")], &[]), 5),
                prio(pod("c", &[("cpu", "2")], &[]), 1),
            ],
        )]);
        let p = prio(pod("p", &[("cpu", "2")], &[]), 100);
        let victims = select_victims(&c, &p, c.node("n").expect("node")).expect("fits");
        let names: Vec<&str> = victims.iter().map(|v| v.key.name.as_str()).collect();
        assert_eq!(names, vec!["c"]);
    }

    #[test]
    fn equal_priority_pods_are_not_victims() {
        let c = cache(&[("n1", vec![prio(pod("a", &[("cpu", "3")], &[]), 0)])]);
        let p = prio(pod("p", &[("cpu", "2")], &[]), 0);
        let d = rejected(&c, &p);
        let mut rng = StdRng::seed_from_u64(1);
        match preempt(&c, &p, "PreemptLowerPriority", None, &d, &mut rng) {
            Outcome::NoCandidate(msg) => assert_eq!(
                msg,
                "0/1 nodes are available: 1 No preemption victims found for incoming pod."
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unresolvable_nodes_are_not_candidates() {
        let mut c = cache(&[]);
        let mut n = node("n1", &[("cpu", "4"), ("pods", "10")], &[]);
        if let Some(s) = n.spec.as_mut() {
            s.unschedulable = Some(true);
        }
        c.set_node(n);
        let p = prio(pod("p", &[("cpu", "2")], &[]), 100);
        let d = rejected(&c, &p);
        let mut rng = StdRng::seed_from_u64(1);
        match preempt(&c, &p, "PreemptLowerPriority", None, &d, &mut rng) {
            Outcome::NoCandidate(msg) => assert_eq!(
                msg,
                "0/1 nodes are available: 1 Preemption is not helpful for scheduling."
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            preempt(&c, &p, "Never", None, &d, &mut rng),
            Outcome::NotEligible(m) if m == "not eligible due to preemptionPolicy=Never."
        ));
    }

    #[test]
    fn the_node_with_the_least_important_victims_is_picked() {
        let c = cache(&[
            ("n1", vec![prio(pod("a", &[("cpu", "3")], &[]), 50)]),
            ("n2", vec![prio(pod("b", &[("cpu", "3")], &[]), 10)]),
            (
                "n3",
                vec![
                    prio(pod("c", &[("cpu", "2")], &[]), 10),
                    prio(pod("d", &[("cpu", "1")], &[]), 10),
                ],
            ),
        ]);
        let p = prio(pod("p", &[("cpu", "3")], &[]), 100);
        let d = rejected(&c, &p);
        let mut rng = StdRng::seed_from_u64(3);
        match preempt(&c, &p, "PreemptLowerPriority", None, &d, &mut rng) {
            Outcome::Nominate { node, victims } => {
                assert_eq!(node, "n2");
                assert_eq!(victims.len(), 1);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_preemptor_waits_while_its_victims_terminate() {
        let mut victim = pod("v", &[("cpu", "3")], &[]);
        victim.metadata.deletion_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                k8s_openapi::jiff::Timestamp::now(),
            ));
        victim.status = Some(k8s_openapi::api::core::v1::PodStatus {
            conditions: Some(vec![k8s_openapi::api::core::v1::PodCondition {
                type_: DISRUPTION_TARGET.into(),
                status: "True".into(),
                reason: Some(REASON_PREEMPTION_BY_SCHEDULER.into()),
                ..Default::default()
            }]),
            ..Default::default()
        });
        let c = cache(&[("n1", vec![prio(victim, 0)])]);
        let p = prio(pod("p", &[("cpu", "3")], &[]), 100);
        let d = rejected(&c, &p);
        let mut rng = StdRng::seed_from_u64(1);
        assert!(matches!(
            preempt(&c, &p, "PreemptLowerPriority", Some("n1"), &d, &mut rng),
            Outcome::NotEligible(m) if m == "not eligible due to a terminating pod on the nominated node."
        ));
    }
}
