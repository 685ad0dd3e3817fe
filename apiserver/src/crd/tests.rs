//! Unit tests of schema checks, pruning, defaulting, validation, CEL and JSONPath.

use serde_json::json;

use super::definition;

fn widget_crd() -> serde_json::Value {
    let text = include_str!("../../../fixtures/manifests/crd/widgets.yaml");
    serde_saphyr::from_str(text).expect("fixture parses")
}

#[test]
fn status_names_accepted_and_established() {
    let mut crd = widget_crd();
    definition::apply_defaults(&mut crd);
    crd["status"] = json!({});
    definition::update_status(&mut crd, &[]);
    assert!(
        definition::is_condition_true(&crd, "Established"),
        "{}",
        crd["status"]
    );
    assert!(definition::is_condition_true(&crd, "NamesAccepted"));
    assert_eq!(crd["status"]["storedVersions"], json!(["v1"]));
}

fn registry() -> crate::registry::Registry {
    crate::registry::Registry::new(
        crate::storage::Store::memory(Default::default()),
        kubesim_api::ResourceTable::builtin(),
        Box::new(crate::auth::AllowAll),
        tokio_util::sync::CancellationToken::new(),
    )
}

fn ctx() -> crate::registry::WriteContext {
    crate::registry::WriteContext::internal(
        crate::auth::Identity::new("admin", &["system:masters"]),
        "test",
    )
}

fn crd_def(reg: &crate::registry::Registry) -> kubesim_api::ResourceDef {
    reg.resolve("apiextensions.k8s.io", "v1", "customresourcedefinitions")
        .expect("crd resource")
}

#[tokio::test]
async fn created_crd_is_established_and_served() {
    let reg = registry();
    let out = reg
        .create(&crd_def(&reg), None, widget_crd(), &ctx())
        .await
        .expect("created");
    assert!(
        definition::is_condition_true(&out, "Established"),
        "{}",
        out["status"]
    );
    let def = reg.resolve("example.com", "v1", "widgets").expect("served");
    assert!(def.has_status());
    assert_eq!(def.short_names, vec!["wd"]);
}
