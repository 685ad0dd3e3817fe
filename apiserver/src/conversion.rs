//! TEMPORARY STUB: conversion between served versions.
#![allow(missing_docs, unused_variables)]
pub fn convert(mut obj: serde_json::Value, to: &kubesim_api::ResourceDef) -> Result<serde_json::Value, kubesim_api::ApiError> {
    obj["apiVersion"] = to.api_version().into();
    obj["kind"] = to.kind.clone().into();
    Ok(obj)
}
