//! Server-side apply (`application/apply-patch+yaml`): merges the applied configuration into the
//! live object by field ownership, records `managedFields`, and reports conflicts.

use kubesim_api::{ApiError, ResourceDef};
use serde_json::Value;

use super::{Registry, Target, WriteContext};

impl Registry {
    /// PATCH with `application/apply-patch+yaml`: creates the object when absent.
    // SIMPLIFICATION: server-side apply answers 415 until it is built (issue 3); see README#differences.
    pub async fn apply(
        &self,
        _def: &ResourceDef,
        _ns: Option<&str>,
        _name: &str,
        _body: &[u8],
        _target: Target,
        _ctx: &WriteContext,
    ) -> Result<Value, ApiError> {
        Err(ApiError::UnsupportedMediaType(
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json".into(),
        ))
    }
}
