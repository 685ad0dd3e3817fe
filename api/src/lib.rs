//! What every kubesim crate agrees on: the resource table, object keys, resource versions,
//! well-known names and the one error type that crosses the API boundary.
//!
//! No I/O and nothing async lives here.
#![deny(missing_docs)]

pub mod clock;
pub mod error;
pub mod flavor;
pub mod resources;
pub mod wellknown;

pub use error::{ApiError, Cause};
pub use resources::{ResourceDef, ResourceTable, SubresourceDef};

/// The version Kubernetes reports for this build of kubesim (`/version`, kubelet versions).
pub const KUBERNETES_VERSION: &str = "v1.33.5";

/// A global store revision, rendered as `metadata.resourceVersion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ResourceVersion(pub u64);

impl std::fmt::Display for ResourceVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::str::FromStr for ResourceVersion {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(ResourceVersion)
    }
}

/// Namespace and name of one object; `namespace` is `None` for cluster-scoped objects.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    /// The namespace, for namespaced objects.
    pub namespace: Option<String>,
    /// The object's name.
    pub name: String,
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{ns}/{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}
