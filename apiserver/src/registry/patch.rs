//! Applying PATCH bodies: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and strategic merge
//! patch (see [`super::smp`]). Server-side apply goes through `Registry::apply`.

use kubesim_api::ApiError;
use serde_json::Value;

use super::smp;

/// The patch formats of the Kubernetes API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// `application/json-patch+json`.
    Json,
    /// `application/merge-patch+json`.
    Merge,
    /// `application/strategic-merge-patch+json`.
    Strategic,
    /// `application/apply-patch+yaml` (server-side apply).
    Apply,
}

impl PatchType {
    /// The patch type of a Content-Type header value.
    pub fn from_content_type(ct: &str) -> Option<PatchType> {
        match ct.split(';').next().unwrap_or("").trim() {
            "application/json-patch+json" => Some(PatchType::Json),
            "application/merge-patch+json" => Some(PatchType::Merge),
            "application/strategic-merge-patch+json" => Some(PatchType::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+cbor" => {
                Some(PatchType::Apply)
            }
            _ => None,
        }
    }
}

/// Applies `body` of type `pt` to `current`, returning the patched object.
pub fn apply(current: &Value, pt: PatchType, body: &[u8]) -> Result<Value, ApiError> {
    match pt {
        PatchType::Json => {
            let patch: json_patch::Patch = serde_json::from_slice(body)
                .map_err(|e| ApiError::BadRequest(format!("error decoding patch: {e}")))?;
            let mut out = current.clone();
            json_patch::patch(&mut out, &patch)
                .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
            Ok(out)
        }
        PatchType::Merge | PatchType::Strategic => {
            // Decided before the body is read, as upstream refuses the media type first.
            let strategic_type = match pt {
                PatchType::Strategic => Some(smp::patch_type_of(current)?),
                _ => None,
            };
            let patch: Value = serde_json::from_slice(body)
                .map_err(|e| ApiError::BadRequest(format!("error decoding patch: {e}")))?;
            if !patch.is_object() {
                return Err(ApiError::BadRequest(
                    "patch body must be a JSON object".into(),
                ));
            }
            if let Some(ty) = strategic_type {
                return smp::strategic_merge(current, &patch, ty);
            }
            let mut out = current.clone();
            json_patch::merge(&mut out, &patch);
            Ok(out)
        }
        PatchType::Apply => Err(ApiError::Internal(
            "server-side apply goes through Registry::apply".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_map_to_patch_types() {
        assert_eq!(
            PatchType::from_content_type("application/merge-patch+json; charset=utf-8"),
            Some(PatchType::Merge)
        );
        assert_eq!(PatchType::from_content_type("application/json"), None);
    }
}
