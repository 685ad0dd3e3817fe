//! TEMPORARY STUB: label and field selectors (replaced by the selector work).
#![allow(missing_docs, unused_variables)]
use kubesim_api::{ApiError, ResourceDef};
use serde_json::{Map, Value};
#[derive(Debug, Clone)]
pub struct LabelSelector(Vec<(String, String)>);
impl LabelSelector {
    pub fn parse(s: &str) -> Result<LabelSelector, ApiError> {
        let mut v = vec![];
        for part in s.split(',').filter(|p| !p.is_empty()) {
            let (k, val) = part.split_once('=').ok_or_else(|| ApiError::BadRequest(format!("bad selector {s}")))?;
            v.push((k.to_string(), val.trim_start_matches('=').to_string()));
        }
        Ok(LabelSelector(v))
    }
    pub fn everything() -> LabelSelector { LabelSelector(vec![]) }
    pub fn is_everything(&self) -> bool { self.0.is_empty() }
    pub fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        self.0.iter().all(|(k, v)| labels.and_then(|l| l.get(k)).and_then(Value::as_str) == Some(v))
    }
    pub fn from_json(sel: &Value) -> Result<LabelSelector, String> { Ok(Self::everything()) }
}
#[derive(Debug, Clone)]
pub struct FieldSelector(Vec<(String, String)>);
impl FieldSelector {
    pub fn parse(s: &str, def: &ResourceDef) -> Result<FieldSelector, ApiError> {
        let mut v = vec![];
        for part in s.split(',').filter(|p| !p.is_empty()) {
            let (k, val) = part.split_once('=').ok_or_else(|| ApiError::BadRequest(format!("bad selector {s}")))?;
            v.push((k.to_string(), val.trim_start_matches('=').to_string()));
        }
        Ok(FieldSelector(v))
    }
    pub fn everything() -> FieldSelector { FieldSelector(vec![]) }
    pub fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|(k, v)| {
            let mut cur = obj;
            for seg in k.split('.') { cur = &cur[seg]; }
            cur.as_str().unwrap_or("") == v
        })
    }
    pub fn pinned_name(&self) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == "metadata.name").map(|(_, v)| v.as_str())
    }
}
