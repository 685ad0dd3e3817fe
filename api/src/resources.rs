//! The resource table: every resource kubesim serves, with its group, version, kind, plural,
//! scope, short names, categories, verbs and subresources, exactly as discovery reports it.

mod builtin;

pub use builtin::builtin;

/// A subresource such as `status`, `scale` or `eviction`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubresourceDef {
    /// Subresource name, e.g. `scale`.
    pub name: String,
    /// Group of the kind the subresource speaks (e.g. `autoscaling` for scale).
    pub group: String,
    /// Version of that kind (e.g. `v1`).
    pub version: String,
    /// Kind it speaks (e.g. `Scale`).
    pub kind: String,
    /// Verbs, e.g. `["get", "patch", "update"]`.
    pub verbs: Vec<String>,
}

/// One served resource at one group version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceDef {
    /// API group, `""` for core.
    pub group: String,
    /// Version, e.g. `v1`.
    pub version: String,
    /// Kind, e.g. `Deployment`.
    pub kind: String,
    /// Plural resource name used in URLs, e.g. `deployments`.
    pub plural: String,
    /// Singular name, e.g. `deployment`.
    pub singular: String,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// Short names, e.g. `["deploy"]`.
    pub short_names: Vec<String>,
    /// Categories, e.g. `["all"]`.
    pub categories: Vec<String>,
    /// Verbs on the resource itself, sorted as upstream lists them.
    pub verbs: Vec<String>,
    /// Subresources.
    pub subresources: Vec<SubresourceDef>,
    /// Storage prefix shared by every version of this resource, e.g. `apps/deployments`.
    /// Two versions of one resource (autoscaling v1 and v2 HPAs) share it, and the apiserver
    /// converts between them.
    pub storage: String,
    /// Whether objects are only ever created and answered, never stored (reviews).
    pub virtual_only: bool,
}

impl ResourceDef {
    /// `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
    /// `plural.group` (or `plural` for core), as Status details and messages name it.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
    /// The subresource of that name, if served.
    pub fn subresource(&self, name: &str) -> Option<&SubresourceDef> {
        self.subresources.iter().find(|s| s.name == name)
    }
    /// Whether the verb is served on the resource itself.
    pub fn has_verb(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }
    /// Whether the resource has a `status` subresource (then main writes ignore status).
    pub fn has_status(&self) -> bool {
        self.subresource("status").is_some()
    }
}

/// All served resources, in discovery order, with lookups by URL segment and by kind.
#[derive(Debug, Clone, Default)]
pub struct ResourceTable {
    defs: Vec<ResourceDef>,
}

impl ResourceTable {
    /// A table of the given resources, in the given (discovery) order.
    pub fn new(defs: Vec<ResourceDef>) -> Self {
        ResourceTable { defs }
    }
    /// The table of every built-in resource.
    pub fn builtin() -> Self {
        ResourceTable::new(builtin())
    }
    /// Every resource, in discovery order.
    pub fn all(&self) -> &[ResourceDef] {
        &self.defs
    }
    /// The resource served at `group`/`version` under `plural`.
    pub fn by_plural(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceDef> {
        self.defs
            .iter()
            .find(|d| d.group == group && d.version == version && d.plural == plural)
    }
    /// The resource for `group`/`version` and `kind`.
    pub fn by_kind(&self, group: &str, version: &str, kind: &str) -> Option<&ResourceDef> {
        self.defs
            .iter()
            .find(|d| d.group == group && d.version == version && d.kind == kind)
    }
    /// Groups in discovery order, each with its versions in preference order (first = preferred).
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for d in &self.defs {
            match out.iter_mut().find(|(g, _)| *g == d.group) {
                Some((_, versions)) => {
                    if !versions.contains(&d.version) {
                        versions.push(d.version.clone());
                    }
                }
                None => out.push((d.group.clone(), vec![d.version.clone()])),
            }
        }
        out
    }
    /// Every resource served at one group version, in discovery order.
    pub fn in_group_version<'a>(
        &'a self,
        group: &'a str,
        version: &'a str,
    ) -> impl Iterator<Item = &'a ResourceDef> {
        self.defs
            .iter()
            .filter(move |d| d.group == group && d.version == version)
    }
    /// Adds (or replaces, by group/version/plural) a resource, e.g. a CRD's.
    pub fn upsert(&mut self, def: ResourceDef) {
        match self
            .defs
            .iter_mut()
            .find(|d| d.group == def.group && d.version == def.version && d.plural == def.plural)
        {
            Some(slot) => *slot = def,
            None => self.defs.push(def),
        }
    }
}
