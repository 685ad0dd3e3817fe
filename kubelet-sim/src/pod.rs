//! The lifecycle of one pod on a simulated kubelet: a state machine over simulated time.
//!
//! [`PodRt::advance`] takes the pod as last observed, the simulated and wall-clock "now" and the
//! node's shared state, moves every container as far as time allows — sandbox, image pull,
//! create, start, run (the container's program prints and sleeps), exit, restart with
//! CrashLoopBackOff, probes, graceful stop — and returns the events to record and when to wake
//! up next. It does no I/O: the worker around it (`kubelet.rs`) writes events and status through
//! the API and sleeps on the injected clock. Every delay and message comes from the stage data.
//!
//! It mirrors the kubelet's pod worker and `SyncPod` (pkg/kubelet/kuberuntime): init containers
//! run one at a time, app containers start in order within one sync, a container that exits is
//! restarted per the restart policy after upstream's flowcontrol back-off.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use kubesim_api::clock::SimInstant;

use crate::catalog::{Catalog, ImageRef, LaunchCtx, PullFailure, Pulled, Sigterm};
use crate::logs::ContainerLogs;
use crate::shell::{Effect, ExecCtx, Process};
use crate::stages::{Curve, Delays, EventText, Stages, format_duration};
use crate::view::{ContainerView, PodView, ProbeKind, ProbeView, PullPolicy, RestartPolicy};

/// Upstream's `flowcontrol.Backoff` for one key: `initial` doubling to `max`; an entry idle for
/// longer than twice `max` starts over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    curve: Curve,
    entry: Option<(Duration, SimInstant)>,
}

impl Backoff {
    /// A back-off with no history.
    pub fn new(curve: Curve) -> Backoff {
        Backoff { curve, entry: None }
    }

    fn expired(&self, at: SimInstant, last: SimInstant) -> bool {
        at.since(last) > self.curve.max * 2
    }

    /// The current back-off duration.
    pub fn current(&self) -> Duration {
        self.entry.map(|e| e.0).unwrap_or(self.curve.initial)
    }

    /// Whether less than the current back-off has passed since `event` (`IsInBackOffSince`).
    pub fn in_backoff_since(&self, event: SimInstant, now: SimInstant) -> bool {
        match self.entry {
            None => false,
            Some((d, last)) => !self.expired(event, last) && now.since(event) < d,
        }
    }

    /// Whether less than the current back-off has passed since the last update
    /// (`IsInBackOffSinceUpdate`).
    pub fn in_backoff_since_update(&self, now: SimInstant) -> bool {
        match self.entry {
            None => false,
            Some((d, last)) => !self.expired(now, last) && now.since(last) < d,
        }
    }

    /// When the current back-off ends.
    pub fn until(&self) -> Option<SimInstant> {
        self.entry.map(|(d, last)| last.plus(d))
    }

    /// Records a failure at `at`: the first (or after expiry) gets `initial`, later ones double
    /// up to `max` (`Next`).
    pub fn next(&mut self, at: SimInstant) {
        let d = match self.entry {
            Some((d, last)) if !self.expired(at, last) => (d * 2).min(self.curve.max),
            _ => self.curve.initial,
        };
        self.entry = Some((d, at));
    }
}

/// The IP addresses of a node's pod CIDR (`/24`): `.1` is the gateway, pods get `.2`–`.254`.
#[derive(Debug, Clone)]
pub struct IpPool {
    base: [u8; 3],
    used: BTreeSet<u8>,
}

impl IpPool {
    /// The pool of the `/24` starting at `base` (e.g. 10.2.3.0).
    pub fn new(base: Ipv4Addr) -> IpPool {
        let o = base.octets();
        IpPool {
            base: [o[0], o[1], o[2]],
            used: BTreeSet::new(),
        }
    }

    /// Takes the lowest free address.
    pub fn alloc(&mut self) -> Option<Ipv4Addr> {
        let host = (2..=254u8).find(|h| !self.used.contains(h))?;
        self.used.insert(host);
        Some(Ipv4Addr::new(
            self.base[0],
            self.base[1],
            self.base[2],
            host,
        ))
    }

    /// Takes a given address if it is in the pool and free (a pod seen again after a restart).
    pub fn claim(&mut self, ip: Ipv4Addr) -> bool {
        let o = ip.octets();
        if o[..3] != self.base || !(2..=254).contains(&o[3]) || self.used.contains(&o[3]) {
            return false;
        }
        self.used.insert(o[3]);
        true
    }

    /// Gives an address back.
    pub fn release(&mut self, ip: Ipv4Addr) {
        if ip.octets()[..3] == self.base {
            self.used.remove(&ip.octets()[3]);
        }
    }
}

/// The node around a pod: what `advance` may read and change.
pub struct Env<'a> {
    /// Node name.
    pub node: &'a str,
    /// The node's IP.
    pub host_ip: &'a str,
    /// The node's kernel version (nginx logs it).
    pub kernel: &'a str,
    /// Simulated-work delays, already under the profile.
    pub delays: &'a Delays,
    /// Stage data (backoffs, event texts).
    pub stages: &'a Stages,
    /// The registry and behaviours.
    pub catalog: &'a Catalog,
    /// Images present on the node (fully qualified references).
    pub images: &'a mut BTreeSet<String>,
    /// The node's pod IPs.
    pub ips: &'a mut IpPool,
}

/// One event to record about the pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodEvent {
    /// `spec.containers{name}` or `spec.initContainers{name}` for container events.
    pub field_path: Option<String>,
    /// Type, reason and message.
    pub text: EventText,
}

/// What one `advance` produced.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Effects {
    /// Events, in order.
    pub events: Vec<PodEvent>,
    /// When to call `advance` again if nothing else happens.
    pub wake: Option<SimInstant>,
    /// Every container has stopped after deletion: delete the pod (grace period 0).
    pub delete: bool,
}

/// How a container ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Exit code.
    pub exit_code: i32,
    /// `Completed` or `Error`.
    pub reason: String,
    /// Wall-clock start.
    pub started: SystemTime,
    /// Wall-clock end.
    pub finished: SystemTime,
    /// Simulated end (for back-off).
    pub finished_at: SimInstant,
    /// Container ID (`containerd://…`).
    pub id: String,
}

#[derive(Debug, Clone)]
struct Stop {
    at: SimInstant,
    code: i32,
}

#[derive(Debug, Clone)]
struct ProbeRt {
    next: Option<SimInstant>,
    failures: u32,
}

/// A running container instance.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Container ID.
    pub id: String,
    /// Wall-clock start.
    pub started_wall: SystemTime,
    started_at: SimInstant,
    proc: Process,
    next_at: Option<SimInstant>,
    sigterm: Sigterm,
    forced_exit: Option<(SimInstant, i32)>,
    stop: Option<Stop>,
    /// The startup probe (if any) has succeeded.
    pub started: bool,
    /// When the pending startup probe succeeds.
    startup_at: Option<SimInstant>,
    /// Ready as the readiness probe (or its absence) says.
    pub ready: bool,
    readiness: ProbeRt,
    liveness: ProbeRt,
    image: String,
    restart_anyway: bool,
}

/// Where a container is in its lifecycle.
#[derive(Debug, Clone)]
pub enum Phase {
    /// Not running; may start at `not_before` when its turn comes.
    Idle {
        /// Earliest start.
        not_before: SimInstant,
    },
    /// Pulling its image.
    Pulling {
        /// Pull ends.
        until: SimInstant,
        /// What the pull yields.
        result: Result<Pulled, PullFailure>,
        /// How long it took.
        took: Duration,
    },
    /// Waiting for the image pull back-off to end.
    PullBackOff {
        /// Back-off ends.
        until: SimInstant,
    },
    /// CreateContainer.
    Creating {
        /// Done.
        until: SimInstant,
    },
    /// StartContainer.
    Starting {
        /// Done.
        until: SimInstant,
    },
    /// Running.
    Running(Box<Instance>),
    /// Waiting for the restart back-off to end.
    CrashBackOff {
        /// Back-off ends.
        until: SimInstant,
    },
    /// Will not run (again).
    Done,
}

/// The runtime state of one container.
#[derive(Debug, Clone)]
pub struct Ctr {
    /// Name.
    pub name: String,
    /// An init container.
    pub init: bool,
    /// Lifecycle position.
    pub phase: Phase,
    /// Waiting reason and message shown while not running.
    pub waiting: (String, Option<String>),
    /// Restart count.
    pub restart_count: i32,
    /// The last two terminations, oldest first.
    pub terms: Vec<Term>,
    /// The image as last pulled.
    pub pulled: Option<Pulled>,
    /// Instances created so far (for container IDs).
    created: u32,
    /// The first start attempt has finished (later containers may start).
    pub attempted: bool,
    restart_pending: bool,
    backoff: Backoff,
    pull_backoff: Backoff,
    /// Log lines of every instance.
    pub logs: Arc<ContainerLogs>,
    id: Option<String>,
}

impl Ctr {
    fn new(name: &str, init: bool, stages: &Stages, waiting: &str) -> Ctr {
        Ctr {
            name: name.to_string(),
            init,
            phase: Phase::Idle {
                not_before: SimInstant::default(),
            },
            waiting: (waiting.to_string(), None),
            restart_count: 0,
            terms: Vec::new(),
            pulled: None,
            created: 0,
            attempted: false,
            restart_pending: false,
            backoff: Backoff::new(stages.backoff.container),
            pull_backoff: Backoff::new(stages.backoff.image),
            logs: Arc::new(ContainerLogs::default()),
            id: None,
        }
    }

    /// The running instance, if any.
    pub fn instance(&self) -> Option<&Instance> {
        match &self.phase {
            Phase::Running(i) => Some(i),
            _ => None,
        }
    }

    /// The ID of the latest instance created.
    pub fn latest_id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    fn field_path(&self) -> String {
        if self.init {
            format!("spec.initContainers{{{}}}", self.name)
        } else {
            format!("spec.containers{{{}}}", self.name)
        }
    }

    /// An init container that lets the next one start: exited 0, or a started sidecar.
    fn init_satisfied(&self, spec: &ContainerView) -> bool {
        if spec.sidecar {
            return self.instance().is_some_and(|i| i.started) || !self.terms.is_empty();
        }
        matches!(self.phase, Phase::Done) && self.terms.last().is_some_and(|t| t.exit_code == 0)
    }
}

/// Sandbox state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sandbox {
    /// Not created yet.
    None,
    /// Being created.
    Creating(SimInstant),
    /// Ready, with the pod's IP.
    Ready,
}

/// The runtime state of one pod on its node.
#[derive(Debug, Clone)]
pub struct PodRt {
    /// Sandbox.
    pub sandbox: Sandbox,
    /// Pod IP.
    pub ip: Option<Ipv4Addr>,
    /// `status.startTime`.
    pub start_time: Option<SystemTime>,
    /// Init containers, in spec order.
    pub init: Vec<Ctr>,
    /// App containers, in spec order.
    pub app: Vec<Ctr>,
    /// Deletion seen: containers are being stopped.
    pub killing: bool,
    delete_sent: bool,
    /// The pod was already terminal (Succeeded/Failed) when first seen: nothing to run.
    pub finished_before: bool,
    adopted: bool,
    last_overrides: Option<crate::view::Overrides>,
    /// Condition status and transition time by type (owned by `status.rs`).
    pub conditions: std::collections::BTreeMap<String, (String, SystemTime)>,
}

fn ms(d: Duration) -> Duration {
    Duration::from_millis(d.as_millis() as u64)
}

impl PodRt {
    /// A pod first seen in this state.
    pub fn new(pod: &PodView, stages: &Stages) -> PodRt {
        let has_init = !pod.init.is_empty();
        let mk = |c: &ContainerView, init: bool| {
            let waiting = if has_init && !init {
                "PodInitializing"
            } else {
                "ContainerCreating"
            };
            let mut ctr = Ctr::new(&c.name, init, stages, waiting);
            if let Some(r) = pod.prior.ran.get(&c.name) {
                // SIMPLIFICATION: the runtime does not survive a kubesim restart; a container
                // that ran before comes back as a restart (after SandboxChanged) and its old
                // logs are gone. See README#differences.
                ctr.restart_count = *r;
                ctr.created = (*r as u32).saturating_add(1);
            }
            ctr
        };
        let finished_before = matches!(pod.prior.phase.as_deref(), Some("Succeeded" | "Failed"));
        PodRt {
            sandbox: Sandbox::None,
            ip: None,
            start_time: None,
            init: pod.init.iter().map(|c| mk(c, true)).collect(),
            app: pod.app.iter().map(|c| mk(c, false)).collect(),
            killing: false,
            delete_sent: false,
            finished_before,
            adopted: !pod.prior.ran.is_empty(),
            last_overrides: None,
            conditions: Default::default(),
        }
    }

    /// Every container, init containers first.
    pub fn all(&self) -> impl Iterator<Item = &Ctr> {
        self.init.iter().chain(self.app.iter())
    }

    /// Moves the pod as far as `now` allows. See the module docs.
    pub fn advance(
        &mut self,
        pod: &PodView,
        now: SimInstant,
        wall: SystemTime,
        env: &mut Env<'_>,
    ) -> Effects {
        let mut fx = Effects::default();
        if self.finished_before {
            if pod.deleting && !self.delete_sent {
                self.delete_sent = true;
                fx.delete = true;
            }
            return fx;
        }
        self.watch_spec(pod, now, env, &mut fx);
        for _ in 0..256 {
            if !self.tick(pod, now, wall, env, &mut fx) {
                break;
            }
        }
        fx.wake = self.next_wake(now);
        fx
    }

    /// Reacts to changes of the pod itself: annotations re-arm probes, a new image restarts a
    /// running container.
    fn watch_spec(&mut self, pod: &PodView, now: SimInstant, env: &Env<'_>, fx: &mut Effects) {
        let changed = self.last_overrides.as_ref() != Some(&pod.overrides);
        self.last_overrides = Some(pod.overrides.clone());
        let grace = pod.grace;
        let pairs = self
            .init
            .iter_mut()
            .zip(pod.init.iter())
            .chain(self.app.iter_mut().zip(pod.app.iter()));
        for (c, spec) in pairs {
            let field_path = c.field_path();
            if let Phase::Running(inst) = &mut c.phase {
                if changed {
                    if spec.readiness.is_some() {
                        inst.readiness.next = Some(now);
                    }
                    if spec.liveness.is_some() {
                        inst.liveness.next = Some(now);
                    }
                }
                if inst.stop.is_none() && inst.image != spec.image && !pod.deleting {
                    fx.events.push(PodEvent {
                        field_path: Some(field_path),
                        text: env
                            .stages
                            .event("killingChanged", &[("container", &c.name)]),
                    });
                    inst.stop = Some(stop_for(inst, now, grace, env.delays));
                    inst.restart_anyway = true;
                    c.backoff = Backoff::new(env.stages.backoff.container);
                }
            }
        }
    }

    fn tick(
        &mut self,
        pod: &PodView,
        now: SimInstant,
        wall: SystemTime,
        env: &mut Env<'_>,
        fx: &mut Effects,
    ) -> bool {
        let mut changed = false;
        if pod.deleting && !self.killing {
            self.killing = true;
            changed = true;
            for c in self.init.iter_mut().chain(self.app.iter_mut()) {
                let field_path = c.field_path();
                match &mut c.phase {
                    Phase::Running(inst) => {
                        if inst.stop.is_none() {
                            fx.events.push(PodEvent {
                                field_path: Some(field_path),
                                text: env.stages.event("killing", &[("container", &c.name)]),
                            });
                            inst.stop = Some(stop_for(inst, now, pod.grace, env.delays));
                        }
                    }
                    _ => c.phase = Phase::Done,
                }
            }
        }
        if self.killing {
            let ctx = self.launch_ip();
            for (c, spec) in self
                .init
                .iter_mut()
                .zip(pod.init.iter())
                .chain(self.app.iter_mut().zip(pod.app.iter()))
            {
                changed |= run_instance(c, spec, pod, now, wall, env, fx, &ctx, true);
            }
            let running = self.all().any(|c| matches!(c.phase, Phase::Running(_)));
            if !running && !self.delete_sent {
                self.delete_sent = true;
                fx.delete = true;
                changed = true;
            }
            return changed;
        }
        match self.sandbox {
            Sandbox::None => {
                self.start_time.get_or_insert(wall);
                self.sandbox = Sandbox::Creating(now.plus(env.delays.sandbox));
                if self.adopted {
                    fx.events.push(PodEvent {
                        field_path: None,
                        text: env.stages.event("sandboxChanged", &[]),
                    });
                }
                return true;
            }
            Sandbox::Creating(until) => {
                if now < until {
                    return changed;
                }
                let prior = pod
                    .prior
                    .pod_ip
                    .as_deref()
                    .and_then(|s| s.parse::<Ipv4Addr>().ok())
                    .filter(|ip| env.ips.claim(*ip));
                self.ip = prior.or_else(|| env.ips.alloc());
                self.sandbox = Sandbox::Ready;
                return true;
            }
            Sandbox::Ready => {}
        }
        let ctx = self.launch_ip();
        // Init containers, one at a time.
        let mut blocked = false;
        for (c, spec) in self.init.iter_mut().zip(pod.init.iter()) {
            changed |= drive(c, spec, pod, now, wall, env, fx, &ctx);
            if !c.init_satisfied(spec) {
                blocked = true;
                break;
            }
        }
        if blocked {
            return changed;
        }
        // App containers: the first attempts go in order, one after the other.
        let mut gate_open = true;
        for (c, spec) in self.app.iter_mut().zip(pod.app.iter()) {
            if !c.attempted && !gate_open {
                continue;
            }
            changed |= drive(c, spec, pod, now, wall, env, fx, &ctx);
            if !c.attempted {
                gate_open = false;
            }
        }
        changed
    }

    fn launch_ip(&self) -> String {
        self.ip.map(|i| i.to_string()).unwrap_or_default()
    }

    fn next_wake(&self, now: SimInstant) -> Option<SimInstant> {
        let mut times: Vec<SimInstant> = Vec::new();
        if let Sandbox::Creating(t) = self.sandbox {
            times.push(t);
        }
        for c in self.all() {
            match &c.phase {
                Phase::Idle { not_before } if *not_before > now => times.push(*not_before),
                Phase::Pulling { until, .. }
                | Phase::PullBackOff { until }
                | Phase::Creating { until }
                | Phase::Starting { until }
                | Phase::CrashBackOff { until } => times.push(*until),
                Phase::Running(i) => {
                    times.extend(i.next_at);
                    times.extend(i.forced_exit.map(|f| f.0));
                    times.extend(i.stop.as_ref().map(|s| s.at));
                    if i.stop.is_none() {
                        if i.started {
                            times.extend(i.readiness.next);
                            times.extend(i.liveness.next);
                        } else {
                            times.extend(i.startup_at);
                        }
                    }
                }
                _ => {}
            }
        }
        // Everything due by `now` was done by the fixpoint; never ask to wake at `now` again
        // (a stale timer must not make the worker spin).
        times
            .into_iter()
            .min()
            .map(|t| t.max(now.plus(Duration::from_millis(1))))
    }

    /// Releases what the pod held on the node.
    pub fn release(&mut self, env_ips: &mut IpPool) {
        if let Some(ip) = self.ip.take() {
            env_ips.release(ip);
        }
        for c in self.init.iter().chain(self.app.iter()) {
            c.logs.close();
        }
    }
}

fn stop_for(inst: &Instance, now: SimInstant, grace: Duration, delays: &Delays) -> Stop {
    let honours = match inst.sigterm {
        Sigterm::Exit(_) => true,
        Sigterm::Ignore => inst.proc.handles_sigterm(),
    };
    if honours {
        let code = match inst.sigterm {
            Sigterm::Exit(c) => c,
            Sigterm::Ignore => 0,
        };
        Stop {
            at: now.plus(delays.stop.min(grace)),
            code,
        }
    } else {
        Stop {
            at: now.plus(grace),
            code: 137,
        }
    }
}

fn event(c: &Ctr, env: &Env<'_>, key: &str, vars: &[(&str, &str)]) -> PodEvent {
    PodEvent {
        field_path: Some(c.field_path()),
        text: env.stages.event(key, vars),
    }
}

/// Moves one container that should be running.
#[allow(clippy::too_many_arguments)]
fn drive(
    c: &mut Ctr,
    spec: &ContainerView,
    pod: &PodView,
    now: SimInstant,
    wall: SystemTime,
    env: &mut Env<'_>,
    fx: &mut Effects,
    ip: &str,
) -> bool {
    match &c.phase {
        Phase::Done => false,
        Phase::Idle { not_before } => {
            if now < *not_before {
                return false;
            }
            if c.restart_pending {
                let Some(finished_at) = c.terms.last().map(|t| t.finished_at) else {
                    c.restart_pending = false;
                    return true;
                };
                if c.backoff.in_backoff_since(finished_at, now) {
                    let until = finished_at.plus(c.backoff.current());
                    let msg = format!(
                        "back-off {} restarting failed container={} pod={}",
                        format_duration(c.backoff.current()),
                        c.name,
                        pod.full_name()
                    );
                    c.waiting = ("CrashLoopBackOff".into(), Some(msg));
                    fx.events.push(event(
                        c,
                        env,
                        "backOffRestart",
                        &[
                            ("container", &c.name),
                            ("pod", &pod.name),
                            ("namespace", &pod.namespace),
                            ("uid", &pod.uid),
                        ],
                    ));
                    c.phase = Phase::CrashBackOff { until };
                    return true;
                }
                c.backoff.next(finished_at);
                c.restart_pending = false;
            }
            begin_pull(c, spec, now, env, fx);
            true
        }
        Phase::CrashBackOff { until } => {
            if now < *until {
                return false;
            }
            c.phase = Phase::Idle { not_before: now };
            true
        }
        Phase::PullBackOff { until } => {
            if now < *until {
                return false;
            }
            c.phase = Phase::Idle { not_before: now };
            true
        }
        Phase::Pulling {
            until,
            result,
            took,
        } => {
            if now < *until {
                return false;
            }
            let took = format_duration(ms(*took));
            match result.clone() {
                Ok(p) => {
                    env.images.insert(p.image.clone());
                    fx.events.push(event(
                        c,
                        env,
                        "pulled",
                        &[
                            ("image", &spec.image),
                            ("pull", &took),
                            ("total", &took),
                            ("size", &p.size.to_string()),
                        ],
                    ));
                    c.pulled = Some(p);
                    c.phase = Phase::Creating {
                        until: now.plus(env.delays.create),
                    };
                }
                Err(PullFailure::NotFound(msg)) | Err(PullFailure::InvalidName(msg)) => {
                    fx.events.push(event(
                        c,
                        env,
                        "pullFailed",
                        &[("image", &spec.image), ("error", &msg)],
                    ));
                    fx.events.push(event(c, env, "errImagePull", &[]));
                    c.waiting = ("ErrImagePull".into(), Some(msg));
                    c.pull_backoff.next(now);
                    c.attempted = true;
                    c.phase = Phase::Idle {
                        not_before: now.plus(env.delays.notice),
                    };
                }
            }
            true
        }
        Phase::Creating { until } => {
            if now < *until {
                return false;
            }
            if !c.terms.is_empty() || c.created > 0 {
                c.restart_count = c.restart_count.max(c.created as i32);
            }
            c.created += 1;
            let id = format!(
                "containerd://{}",
                crate::ids::hex64(&[&pod.uid, &c.name, &c.created.to_string()])
            );
            c.id = Some(id);
            fx.events
                .push(event(c, env, "created", &[("container", &c.name)]));
            c.phase = Phase::Starting {
                until: now.plus(env.delays.start),
            };
            true
        }
        Phase::Starting { until } => {
            if now < *until {
                return false;
            }
            let id = c.id.clone().unwrap_or_default();
            let names: Vec<String> = spec.env.iter().map(|(k, _)| k.clone()).collect();
            let launch = env.catalog.launch(
                &spec.image,
                &spec.command,
                &spec.args,
                &LaunchCtx {
                    wall,
                    ip,
                    hostname: &pod.name,
                    kernel: env.kernel,
                    env_names: if spec.env_from { None } else { Some(&names) },
                },
            );
            let mut vars = vec![
                (
                    "PATH".to_string(),
                    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
                ),
                ("HOSTNAME".to_string(), pod.name.clone()),
            ];
            vars.extend(spec.env.iter().cloned());
            vars.push(("HOME".to_string(), "/root".to_string()));
            let forced_exit = if c.init {
                None
            } else {
                pod.overrides
                    .exit
                    .map(|(code, after)| (now.plus(after), code))
            };
            c.logs.start(&id);
            fx.events
                .push(event(c, env, "started", &[("container", &c.name)]));
            let started = spec.startup.is_none();
            c.phase = Phase::Running(Box::new(Instance {
                id,
                started_wall: wall,
                started_at: now,
                proc: Process::new(launch.script, vars),
                next_at: Some(now),
                sigterm: launch.sigterm,
                forced_exit,
                stop: None,
                started,
                startup_at: None,
                ready: false,
                readiness: ProbeRt {
                    next: None,
                    failures: 0,
                },
                liveness: ProbeRt {
                    next: None,
                    failures: 0,
                },
                image: spec.image.clone(),
                restart_anyway: false,
            }));
            if let Phase::Running(inst) = &mut c.phase {
                arm_probes(inst, spec, now);
            }
            c.waiting = ("ContainerCreating".into(), None);
            c.attempted = true;
            true
        }
        Phase::Running(_) => run_instance(c, spec, pod, now, wall, env, fx, ip, false),
    }
}

fn arm_probes(inst: &mut Instance, spec: &ContainerView, now: SimInstant) {
    // The startup probe succeeds at its first check; the other probes start after it.
    inst.startup_at = spec.startup.as_ref().map(|s| now.plus(s.initial_delay));
    let after = inst.startup_at.unwrap_or(now);
    let first = |p: &Option<ProbeView>| p.as_ref().map(|p| now.plus(p.initial_delay).max(after));
    inst.readiness.next = first(&spec.readiness);
    inst.liveness.next = first(&spec.liveness);
}

/// Starts a pull (or reports the image present, or the back-off).
fn begin_pull(
    c: &mut Ctr,
    spec: &ContainerView,
    now: SimInstant,
    env: &mut Env<'_>,
    fx: &mut Effects,
) {
    let full = match ImageRef::parse(&spec.image) {
        Ok(r) => r.full(),
        Err(msg) => {
            fx.events.push(PodEvent {
                field_path: Some(c.field_path()),
                text: EventText {
                    kind: "Warning".into(),
                    reason: "InspectFailed".into(),
                    message: msg.clone(),
                },
            });
            fx.events.push(PodEvent {
                field_path: Some(c.field_path()),
                text: EventText {
                    kind: "Warning".into(),
                    reason: "Failed".into(),
                    message: "Error: InvalidImageName".into(),
                },
            });
            c.waiting = ("InvalidImageName".into(), Some(msg));
            c.attempted = true;
            c.phase = Phase::Done;
            return;
        }
    };
    let cached = env.images.contains(&full);
    let present = |c: &mut Ctr, env: &mut Env<'_>, fx: &mut Effects| {
        fx.events
            .push(event(c, env, "alreadyPresent", &[("image", &spec.image)]));
        c.pulled = env.catalog.pull(&spec.image).ok();
        c.phase = Phase::Creating {
            until: now.plus(env.delays.create),
        };
    };
    match spec.pull_policy {
        PullPolicy::Never if cached => present(c, env, fx),
        PullPolicy::Never => {
            let msg = format!(
                "Container image {:?} is not present with pull policy of Never",
                spec.image
            );
            fx.events
                .push(event(c, env, "neverPull", &[("image", &spec.image)]));
            c.waiting = ("ErrImageNeverPull".into(), Some(msg));
            c.attempted = true;
            c.phase = Phase::Idle {
                not_before: now.plus(env.stages.backoff.image.initial),
            };
        }
        PullPolicy::IfNotPresent if cached => present(c, env, fx),
        _ => {
            if c.pull_backoff.in_backoff_since_update(now) {
                if c.waiting.0 != "ImagePullBackOff" {
                    fx.events
                        .push(event(c, env, "pullBackOff", &[("image", &spec.image)]));
                    fx.events.push(event(c, env, "errImagePullBackOff", &[]));
                }
                c.waiting = (
                    "ImagePullBackOff".into(),
                    Some(format!("Back-off pulling image {:?}", spec.image)),
                );
                c.phase = Phase::PullBackOff {
                    until: c.pull_backoff.until().unwrap_or(now),
                };
                return;
            }
            // SIMPLIFICATION: pulls of different pods run in parallel; upstream serializes
            // image pulls per node by default. See README#differences.
            fx.events
                .push(event(c, env, "pulling", &[("image", &spec.image)]));
            let result = env.catalog.pull(&spec.image);
            let took = match (&result, cached) {
                (Ok(_), true) => env.delays.pull_cached,
                (Ok(p), false) => env.delays.pull(p.size),
                (Err(_), _) => env.delays.pull_base,
            };
            c.phase = Phase::Pulling {
                until: now.plus(took),
                result,
                took,
            };
        }
    }
}

// SIMPLIFICATION: probes connect nowhere; they pass unless an annotation fails them, and exec
// probes report no output. See README#differences.
fn probe_output(kind: &ProbeKind, ip: &str) -> String {
    match kind {
        ProbeKind::Http => "HTTP probe failed with statuscode: 503".into(),
        ProbeKind::Tcp(port) => format!("dial tcp {ip}:{port}: connect: connection refused"),
        ProbeKind::Grpc => "service unhealthy (responded with \"NOT_SERVING\")".into(),
        ProbeKind::Exec => String::new(),
    }
}

/// Runs a container's program and probes up to `now`; handles its exit. With `killing`, a
/// container that exits is not restarted.
#[allow(clippy::too_many_arguments)]
fn run_instance(
    c: &mut Ctr,
    spec: &ContainerView,
    pod: &PodView,
    now: SimInstant,
    wall: SystemTime,
    env: &mut Env<'_>,
    fx: &mut Effects,
    ip: &str,
    killing: bool,
) -> bool {
    let field_path = c.field_path();
    let Phase::Running(inst) = &mut c.phase else {
        return false;
    };
    let mut changed = false;
    let exec = ExecCtx {
        wall,
        busy_loop: env.stages.busy_loop_iteration,
    };
    let mut exit: Option<i32> = None;
    // The program.
    while let Some(at) = inst.next_at {
        if at > now {
            break;
        }
        match inst.proc.step(&exec) {
            Effect::Output(line) => c.logs.append(&inst.id, wall, line),
            Effect::Sleep(d) => inst.next_at = Some(at.plus(d.max(Duration::from_nanos(1)))),
            Effect::Forever => inst.next_at = None,
            Effect::Exit(code) => {
                inst.next_at = None;
                exit = Some(code);
            }
        }
        changed = true;
    }
    if exit.is_none()
        && let Some((at, code)) = inst.forced_exit
        && now >= at
    {
        exit = Some(code);
    }
    if exit.is_none()
        && let Some(stop) = &inst.stop
        && now >= stop.at
    {
        exit = Some(stop.code);
    }
    if let Some(code) = exit {
        let term = Term {
            exit_code: code,
            reason: if code == 0 { "Completed" } else { "Error" }.into(),
            started: inst.started_wall,
            finished: wall,
            finished_at: now,
            id: inst.id.clone(),
        };
        let restart_anyway = inst.restart_anyway;
        c.logs.end(&term.id);
        c.terms.push(term);
        if c.terms.len() > 2 {
            c.terms.remove(0);
        }
        let restart = !killing
            && (restart_anyway
                || if c.init {
                    spec.sidecar || (code != 0 && pod.restart_policy != RestartPolicy::Never)
                } else {
                    match pod.restart_policy {
                        RestartPolicy::Always => true,
                        RestartPolicy::OnFailure => code != 0,
                        RestartPolicy::Never => false,
                    }
                });
        if restart {
            c.restart_pending = true;
            c.phase = Phase::Idle {
                not_before: now.plus(env.delays.notice),
            };
        } else {
            c.phase = Phase::Done;
        }
        return true;
    }
    if inst.stop.is_some() || killing {
        return changed;
    }
    // Startup probe: succeeds at its first check.
    if !inst.started
        && let Some(at) = inst.startup_at
        && now >= at
    {
        inst.started = true;
        inst.startup_at = None;
        changed = true;
    }
    if !inst.started {
        return changed;
    }
    let ready_after = inst.started_at.plus(pod.overrides.ready_after);
    match &spec.readiness {
        None => {
            let ready = now >= ready_after;
            if ready != inst.ready {
                inst.ready = ready;
                changed = true;
            }
            inst.readiness.next = (!ready).then_some(ready_after);
        }
        Some(p) => {
            while let Some(at) = inst.readiness.next {
                if at > now {
                    break;
                }
                let ok = !pod.overrides.readiness_fails && at >= ready_after;
                if ok {
                    inst.readiness.failures = 0;
                    if !inst.ready {
                        inst.ready = true;
                        changed = true;
                    }
                    // A passing probe is re-armed only when the pod changes (annotations).
                    inst.readiness.next = if at < ready_after {
                        Some(ready_after)
                    } else {
                        None
                    };
                } else {
                    inst.readiness.failures += 1;
                    fx.events.push(PodEvent {
                        field_path: Some(field_path.clone()),
                        text: env.stages.event(
                            "unhealthy",
                            &[
                                ("probe", "Readiness"),
                                ("output", &probe_output(&p.kind, ip)),
                            ],
                        ),
                    });
                    if inst.ready && inst.readiness.failures >= p.failure_threshold {
                        inst.ready = false;
                    }
                    changed = true;
                    let next = at.plus(p.period);
                    inst.readiness.next =
                        Some(if pod.overrides.readiness_fails || next < ready_after {
                            next
                        } else {
                            ready_after.max(next)
                        });
                }
            }
        }
    }
    let Some(p) = &spec.liveness else {
        inst.liveness.next = None;
        return changed;
    };
    {
        while let Some(at) = inst.liveness.next {
            if at > now {
                break;
            }
            if !pod.overrides.liveness_fails {
                inst.liveness.failures = 0;
                inst.liveness.next = None;
                break;
            }
            inst.liveness.failures += 1;
            fx.events.push(PodEvent {
                field_path: Some(field_path.clone()),
                text: env.stages.event(
                    "unhealthy",
                    &[
                        ("probe", "Liveness"),
                        ("output", &probe_output(&p.kind, ip)),
                    ],
                ),
            });
            changed = true;
            if inst.liveness.failures >= p.failure_threshold {
                fx.events.push(PodEvent {
                    field_path: Some(field_path.clone()),
                    text: env
                        .stages
                        .event("killingLiveness", &[("container", &c.name)]),
                });
                inst.liveness.next = None;
                inst.stop = Some(stop_for(inst, now, pod.grace, env.delays));
                break;
            }
            inst.liveness.next = Some(at.plus(p.period));
        }
    }
    changed
}

#[cfg(test)]
mod tests;
