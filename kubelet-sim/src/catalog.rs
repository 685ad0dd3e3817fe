//! The simulated registry and image behaviours, read from `data/images.yaml` (embedded in the
//! binary): which images exist, how big they are, what their digests are, and what a container
//! of each image does when it runs (DESIGN.md §6).
//!
//! Pure lookups over static data; the runtime decides when to use them.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::SystemTime;

use serde::Deserialize;

use crate::shell::{self, Script};

const IMAGES_YAML: &str = include_str!("../data/images.yaml");

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CatalogFile {
    official: BTreeMap<String, Entry>,
    images: BTreeMap<String, Entry>,
    default_image_size: u64,
    behaviours: BTreeMap<String, Behaviour>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    size: u64,
    behaviour: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RunDef {
    Word(String),
    Exit { exit: i32 },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum SigtermDef {
    Word(String),
    Exit { exit: i32 },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Failure {
    exit: i32,
    #[serde(default)]
    logs: Vec<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Behaviour {
    #[serde(default)]
    entrypoint: Vec<String>,
    #[serde(default)]
    wrappers: Vec<String>,
    #[serde(default)]
    cmd: Vec<String>,
    #[serde(default)]
    programs: Vec<String>,
    #[serde(default = "yes")]
    shell: bool,
    #[serde(default)]
    shell_image: bool,
    #[serde(default)]
    logs: Vec<String>,
    run: Option<RunDef>,
    run_custom: Option<RunDef>,
    #[serde(default)]
    requires_env: Vec<String>,
    missing_env: Option<Failure>,
    sigterm: Option<SigtermDef>,
}

/// The simulated registry and behaviour table.
#[derive(Debug)]
pub struct Catalog {
    file: CatalogFile,
}

/// A parsed image reference (`nginx`, `nginx:1.27`, `ghcr.io/org/app@sha256:…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host (`docker.io` when none is given).
    pub domain: String,
    /// Repository path (`library/nginx` for official images).
    pub path: String,
    /// Tag (`latest` when neither tag nor digest is given).
    pub tag: Option<String>,
    /// Digest (`sha256:…`), if given.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses an image reference the way containerd normalizes it; `Err` carries the
    /// `InvalidImageName` message.
    pub fn parse(image: &str) -> Result<ImageRef, String> {
        let invalid = |why: &str| {
            format!(
                "Failed to apply default image tag {image:?}: couldn't parse image name {image:?}: invalid reference format{why}"
            )
        };
        if image.is_empty() || image.contains(char::is_whitespace) {
            return Err(invalid(""));
        }
        let (rest, digest) = match image.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (image, None),
        };
        // A tag is after the last ':' that follows the last '/'.
        let slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (name, tag) = match rest[slash..].rfind(':') {
            Some(i) => (&rest[..slash + i], Some(rest[slash + i + 1..].to_string())),
            None => (rest, None),
        };
        let (domain, path) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_string(), rest.to_string())
            }
            _ => ("docker.io".to_string(), name.to_string()),
        };
        if path.chars().any(|c| c.is_ascii_uppercase()) {
            let repo = if domain == "docker.io" && !path.contains('/') {
                format!("library/{path}")
            } else {
                path.clone()
            };
            return Err(invalid(&format!(
                ": repository name ({repo}) must be lowercase"
            )));
        }
        if path.is_empty()
            || !path
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c))
            || tag.as_deref() == Some("")
        {
            return Err(invalid(""));
        }
        let path = if domain == "docker.io" && !path.contains('/') {
            format!("library/{path}")
        } else {
            path
        };
        let tag = match (&tag, &digest) {
            (None, None) => Some("latest".to_string()),
            _ => tag,
        };
        Ok(ImageRef {
            domain,
            path,
            tag,
            digest,
        })
    }

    /// `docker.io/library/nginx`.
    pub fn repository(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// The fully qualified reference a container status reports as `image`
    /// (`docker.io/library/nginx:latest`).
    pub fn full(&self) -> String {
        match (&self.tag, &self.digest) {
            (Some(t), _) => format!("{}:{t}", self.repository()),
            (None, Some(d)) => format!("{}@{d}", self.repository()),
            (None, None) => self.repository(),
        }
    }

    /// The name of a Docker Hub official image (`nginx` for `docker.io/library/nginx`).
    pub fn official_name(&self) -> Option<&str> {
        if self.domain == "docker.io" {
            self.path.strip_prefix("library/")
        } else {
            None
        }
    }

    /// The key of this image in the catalog's `images` table (`hashicorp/http-echo`,
    /// `ghcr.io/stefanprodan/podinfo`).
    fn catalog_key(&self) -> String {
        if self.domain == "docker.io" {
            self.path.clone()
        } else {
            self.repository()
        }
    }
}

/// What a successful pull yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    /// The status' `image`: `docker.io/library/nginx:latest`.
    pub image: String,
    /// The status' `imageID`: `docker.io/library/nginx@sha256:…`.
    pub image_id: String,
    /// Size in bytes (the Pulled event's "Image size").
    pub size: u64,
}

/// Why a pull failed, with the runtime's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PullFailure {
    /// The registry does not have it (`ErrImagePull`).
    NotFound(String),
    /// The reference does not parse (`InvalidImageName`).
    InvalidName(String),
}

/// What a signal to stop does to a running program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sigterm {
    /// Exits with this code (after the stage's stop delay).
    Exit(i32),
    /// Ignores it: PID 1 without a handler; the kubelet SIGKILLs it at the end of the grace
    /// period (exit code 137).
    Ignore,
}

/// What a container runs: its program and how it reacts to SIGTERM.
#[derive(Debug, Clone)]
pub struct Launch {
    /// The program.
    pub script: Script,
    /// Its reaction to SIGTERM (a shell may still install a trap while it runs).
    pub sigterm: Sigterm,
}

/// Values behaviour log lines can mention.
#[derive(Debug, Clone)]
pub struct LaunchCtx<'a> {
    /// Wall-clock time of the start.
    pub wall: SystemTime,
    /// The pod's IP.
    pub ip: &'a str,
    /// The pod's hostname (its name).
    pub hostname: &'a str,
    /// The node's kernel version.
    pub kernel: &'a str,
    /// Names of the container's environment variables; `None` when some come from `envFrom`
    /// (unknown here, assumed to satisfy any requirement).
    pub env_names: Option<&'a [String]>,
}

impl Catalog {
    /// The catalog embedded in the binary.
    pub fn builtin() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            Catalog::parse(IMAGES_YAML)
                .expect("invariant: the embedded data/images.yaml is valid (unit-tested)")
        })
    }

    /// Parses and checks a catalog file.
    fn parse(yaml: &str) -> Result<Catalog, String> {
        let file: CatalogFile = serde_saphyr::from_str(yaml).map_err(|e| e.to_string())?;
        if !file.behaviours.contains_key("default") {
            return Err("no `default` behaviour".into());
        }
        for (name, e) in file.official.iter().chain(file.images.iter()) {
            if !file.behaviours.contains_key(&e.behaviour) {
                return Err(format!("{name} names an unknown behaviour {}", e.behaviour));
            }
        }
        for (name, b) in &file.behaviours {
            for run in [&b.run, &b.run_custom].into_iter().flatten() {
                if let RunDef::Word(w) = run
                    && w != "forever"
                {
                    return Err(format!(
                        "{name}: run must be `forever` or {{exit: N}}, not {w:?}"
                    ));
                }
            }
            if let Some(SigtermDef::Word(w)) = &b.sigterm
                && w != "ignore"
            {
                return Err(format!(
                    "{name}: sigterm must be `ignore` or {{exit: N}}, not {w:?}"
                ));
            }
        }
        Ok(Catalog { file })
    }

    /// Pulls `image` from the simulated registry.
    pub fn pull(&self, image: &str) -> Result<Pulled, PullFailure> {
        let r = ImageRef::parse(image).map_err(PullFailure::InvalidName)?;
        let size = match r.official_name() {
            Some(name) => match self.file.official.get(name) {
                Some(e) => e.size,
                None => {
                    let full = r.full();
                    return Err(PullFailure::NotFound(format!(
                        "rpc error: code = Unknown desc = failed to pull and unpack image {full:?}: failed to resolve reference {full:?}: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"
                    )));
                }
            },
            None => self
                .file
                .images
                .get(&r.catalog_key())
                .map(|e| e.size)
                .unwrap_or(self.file.default_image_size),
        };
        let digest = match &r.digest {
            Some(d) => d.clone(),
            None => format!("sha256:{}", crate::ids::hex64(&[&r.full()])),
        };
        Ok(Pulled {
            image: r.full(),
            image_id: format!("{}@{digest}", r.repository()),
            size,
        })
    }

    fn behaviour(&self, r: &ImageRef) -> &Behaviour {
        let name = match r.official_name() {
            Some(n) => self.file.official.get(n).map(|e| e.behaviour.as_str()),
            None => self
                .file
                .images
                .get(&r.catalog_key())
                .map(|e| e.behaviour.as_str()),
        };
        name.and_then(|n| self.file.behaviours.get(n))
            .or_else(|| self.file.behaviours.get("default"))
            .expect("invariant: data/images.yaml has a default behaviour (unit-tested)")
    }

    /// What a container of `image` with this `command` and `args` runs (Kubernetes' rules:
    /// `command` replaces the ENTRYPOINT, `args` the CMD).
    pub fn launch(
        &self,
        image: &str,
        command: &[String],
        args: &[String],
        ctx: &LaunchCtx<'_>,
    ) -> Launch {
        let Ok(r) = ImageRef::parse(image) else {
            return Launch {
                script: Script::forever(),
                sigterm: Sigterm::Exit(0),
            };
        };
        let b = self.behaviour(&r);
        let mut argv: Vec<String> = if command.is_empty() {
            let tail = if args.is_empty() { &b.cmd } else { args };
            b.entrypoint.iter().chain(tail.iter()).cloned().collect()
        } else {
            command.iter().chain(args.iter()).cloned().collect()
        };
        while argv.first().is_some_and(|a| b.wrappers.contains(a)) {
            argv.remove(0);
        }
        let program_sigterm = match &b.sigterm {
            Some(SigtermDef::Word(w)) if w == "ignore" => Sigterm::Ignore,
            Some(SigtermDef::Exit { exit }) => Sigterm::Exit(*exit),
            _ => Sigterm::Exit(0),
        };
        let interpreted = || Launch {
            script: Script::argv(&argv),
            sigterm: Sigterm::Ignore,
        };
        if b.shell_image && !argv.is_empty() {
            return interpreted();
        }
        let base = |a: &str| a.rsplit('/').next().unwrap_or(a).to_string();
        let own_program = argv.is_empty()
            || argv == b.cmd
            || b.programs
                .iter()
                .any(|p| *p == argv[0] || base(p) == base(&argv[0]));
        if own_program {
            let default_run = argv.is_empty() || argv == b.cmd;
            let run = if default_run { &b.run } else { &b.run_custom };
            let exit = match run {
                Some(RunDef::Exit { exit }) => Some(*exit),
                _ => None,
            };
            let satisfied = b.requires_env.is_empty()
                || ctx
                    .env_names
                    .is_none_or(|names| b.requires_env.iter().any(|r| names.contains(r)));
            let (lines, exit) = match &b.missing_env {
                Some(f) if !satisfied => (&f.logs, Some(f.exit)),
                _ => (&b.logs, exit),
            };
            let rendered: Vec<String> = lines.iter().map(|l| render(l, ctx)).collect();
            return Launch {
                script: Script::program(&rendered, exit),
                sigterm: program_sigterm,
            };
        }
        if b.shell && (shell::is_shell(&argv[0]) || shell::is_utility(&base(&argv[0]))) {
            return interpreted();
        }
        // An image's own program kubesim knows nothing about: it keeps running quietly.
        Launch {
            script: Script::forever(),
            sigterm: program_sigterm,
        }
    }
}

/// Fills a behaviour log line's placeholders.
fn render(line: &str, ctx: &LaunchCtx<'_>) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        out.push_str(&rest[..open]);
        let key = &rest[open + 1..close];
        let value = match key {
            "ip" => Some(ctx.ip.to_string()),
            "hostname" => Some(ctx.hostname.to_string()),
            "kernel" => Some(ctx.kernel.to_string()),
            _ => key.strip_prefix("time:").and_then(|fmt| {
                let pattern = match fmt {
                    "nginx" => "%Y/%m/%d %H:%M:%S",
                    "redis" => "%d %b %Y %H:%M:%S%.3f",
                    "postgres" => "%Y-%m-%d %H:%M:%S%.3f UTC",
                    "httpd" => "%a %b %d %H:%M:%S%.6f %Y",
                    "mysql" => "%Y-%m-%dT%H:%M:%S%.6fZ",
                    "entrypoint" => "%Y-%m-%d %H:%M:%S+00:00",
                    "rfc3339" => "%Y-%m-%dT%H:%M:%S%.3fZ",
                    _ => return None,
                };
                Some(shell::format_wall(ctx.wall, pattern))
            }),
        };
        match value {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[open..=close]),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::shell::{Effect, ExecCtx, Process};

    fn ctx() -> LaunchCtx<'static> {
        LaunchCtx {
            wall: SystemTime::UNIX_EPOCH + Duration::from_secs(1_735_725_600),
            ip: "10.2.0.5",
            hostname: "web",
            kernel: "5.15.0-136-generic",
            env_names: Some(&[]),
        }
    }

    fn lines(l: &Launch, limit: usize) -> (Vec<String>, Effect) {
        let mut p = Process::new(l.script.clone(), vec![]);
        let exec = ExecCtx {
            wall: SystemTime::UNIX_EPOCH,
            busy_loop: Duration::from_millis(10),
        };
        let mut out = Vec::new();
        for _ in 0..limit {
            match p.step(&exec) {
                Effect::Output(s) => out.push(s),
                e @ (Effect::Exit(_) | Effect::Forever) => return (out, e),
                Effect::Sleep(_) => {}
            }
        }
        (out, Effect::Forever)
    }

    #[test]
    fn the_embedded_catalog_is_valid() {
        Catalog::parse(IMAGES_YAML).expect("valid");
        let broken = IMAGES_YAML.replace("behaviour: nginx}", "behaviour: ngnix}");
        assert!(
            Catalog::parse(&broken)
                .unwrap_err()
                .contains("unknown behaviour")
        );
    }

    #[test]
    fn references_normalize_like_containerd() {
        let r = ImageRef::parse("nginx").expect("parses");
        assert_eq!(r.full(), "docker.io/library/nginx:latest");
        assert_eq!(r.official_name(), Some("nginx"));
        let r = ImageRef::parse("registry.k8s.io/pause:3.10").expect("parses");
        assert_eq!(r.full(), "registry.k8s.io/pause:3.10");
        assert_eq!(r.official_name(), None);
        let r = ImageRef::parse("localhost:5000/app").expect("parses");
        assert_eq!(r.full(), "localhost:5000/app:latest");
        assert!(
            ImageRef::parse("NGINX")
                .unwrap_err()
                .contains("must be lowercase")
        );
    }

    #[test]
    fn typos_of_official_images_do_not_exist() {
        let c = Catalog::builtin();
        let ok = c.pull("nginx:1.27").expect("known");
        assert_eq!(ok.image, "docker.io/library/nginx:1.27");
        assert!(ok.image_id.starts_with("docker.io/library/nginx@sha256:"));
        assert_eq!(
            ok.image_id.len(),
            "docker.io/library/nginx@sha256:".len() + 64
        );
        match c.pull("ngnix") {
            Err(PullFailure::NotFound(m)) => assert!(
                m.contains("\"docker.io/library/ngnix:latest\": pull access denied"),
                "{m}"
            ),
            other => panic!("{other:?}"),
        }
        // Organisation and registry images are assumed to exist.
        assert!(c.pull("someorg/whatever:v1").is_ok());
        assert!(matches!(c.pull("Bad"), Err(PullFailure::InvalidName(_))));
    }

    #[test]
    fn nginx_logs_its_startup_and_keeps_running() {
        let l = Catalog::builtin().launch("nginx", &[], &[], &ctx());
        let (out, end) = lines(&l, 100);
        assert_eq!(end, Effect::Forever);
        assert!(out[0].starts_with("/docker-entrypoint.sh:"), "{out:?}");
        assert!(
            out.iter()
                .any(|l| l == "2025/01/01 10:00:00 [notice] 1#1: start worker processes"),
            "{out:?}"
        );
        assert_eq!(l.sigterm, Sigterm::Exit(0));
    }

    #[test]
    fn busybox_commands_go_through_the_shell() {
        let c = Catalog::builtin();
        let l = c.launch(
            "busybox",
            &[],
            &["sh".into(), "-c".into(), "echo hi; exit 3".into()],
            &ctx(),
        );
        assert_eq!(lines(&l, 10), (vec!["hi".to_string()], Effect::Exit(3)));
        assert_eq!(l.sigterm, Sigterm::Ignore);
        // No command: sh without a terminal exits at once.
        assert_eq!(
            lines(&c.launch("busybox", &[], &[], &ctx()), 10).1,
            Effect::Exit(0)
        );
    }

    #[test]
    fn entrypoint_wrappers_exec_their_arguments() {
        let c = Catalog::builtin();
        let l = c.launch(
            "nginx",
            &[],
            &["sh".into(), "-c".into(), "echo x".into()],
            &ctx(),
        );
        assert_eq!(lines(&l, 10), (vec!["x".to_string()], Effect::Exit(0)));
    }

    #[test]
    fn postgres_without_a_password_exits_one() {
        let c = Catalog::builtin();
        let (out, end) = lines(&c.launch("postgres:17", &[], &[], &ctx()), 100);
        assert_eq!(end, Effect::Exit(1));
        assert!(out[0].starts_with("Error: Database is uninitialized"));
        let names = vec!["POSTGRES_PASSWORD".to_string()];
        let with = LaunchCtx {
            env_names: Some(&names),
            ..ctx()
        };
        assert_eq!(
            lines(&c.launch("postgres:17", &[], &[], &with), 100).1,
            Effect::Forever
        );
    }

    #[test]
    fn unknown_programs_keep_running() {
        let c = Catalog::builtin();
        let l = c.launch("myorg/api:v2", &["/app/server".into()], &[], &ctx());
        assert_eq!(lines(&l, 10), (vec![], Effect::Forever));
        let l = c.launch(
            "python:3.12",
            &["python".into(), "app.py".into()],
            &[],
            &ctx(),
        );
        assert_eq!(lines(&l, 10).1, Effect::Forever);
        assert_eq!(
            lines(&c.launch("python:3.12", &[], &[], &ctx()), 10).1,
            Effect::Exit(0)
        );
    }
}
