//! `region` as pulumi-aws v7 has it: Check fills it from the provider, each deployment's calls go
//! to its own region, import ids carry `@region`, state from before it shows no diff, and a change
//! of the provider's region replaces only the deployments that took it.

use super::*;

const WEST: &str = "eu-west-1";

fn failure_reasons(resp: &rpc::CheckResponse) -> Vec<(String, String)> {
    resp.failures.iter().map(|f| (f.property.clone(), f.reason.clone())).collect()
}

/// Check writes the provider's region into inputs that set none, keeps one that is set, and
/// refuses a region of another partition or a name that is no region, naming `region`.
#[tokio::test]
async fn check_lends_the_provider_region() {
    let mut h = harness(fast_settings()).await;
    let checked = check(&mut h.rpc, json!({"apiId": "a1"})).await;
    assert!(checked.failures.is_empty(), "{:?}", checked.failures);
    assert_eq!(from_struct(&checked.inputs.unwrap())["region"], json!("us-east-1"));
    let checked = check(&mut h.rpc, json!({"apiId": "a1", "region": WEST})).await;
    assert!(checked.failures.is_empty(), "{:?}", checked.failures);
    assert_eq!(from_struct(&checked.inputs.unwrap())["region"], json!(WEST));
    let china = check(&mut h.rpc, json!({"apiId": "a1", "region": "cn-north-1"})).await;
    let reasons = failure_reasons(&china);
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert_eq!(reasons[0].0, "region");
    assert!(
        reasons[0].1.contains("partition aws") && reasons[0].1.contains("aws-cn"),
        "{reasons:?}"
    );
    let bad = check(&mut h.rpc, json!({"apiId": "a1", "region": "Frankfurt"})).await;
    assert_eq!(failure_reasons(&bad)[0].0, "region");
    assert!(failure_reasons(&bad)[0].1.contains("AWS region name"), "{:?}", bad.failures);
}

/// A deployment with `region: eu-west-1` is made, read, listed, looked up and deleted in that
/// region (the API is NotFound from the provider's own); import ids take `@eu-west-1`.
#[tokio::test]
async fn a_deployment_lives_in_its_own_region() {
    let mut h = harness(fast_settings()).await;
    let west = fixture(&client_in(&h.em.url, WEST), "west").await;
    let api = west.api_id.clone();

    let checked = check(&mut h.rpc, json!({"apiId": api, "region": WEST})).await;
    let created = create(&mut h.rpc, from_struct(&checked.inputs.unwrap()), 60.0).await.unwrap();
    let outputs = from_struct(created.properties.as_ref().unwrap());
    assert_eq!(outputs["region"], json!(WEST));
    assert_eq!(outputs["deploymentStatus"], json!("DEPLOYED"));
    assert_eq!(h.em.emulator.deployment_ids_in(WEST, &api), vec![created.id.clone()]);
    assert!(h.em.emulator.deployment_ids(&api).is_empty(), "nothing in us-east-1");

    // Refresh: the stored region is used.
    let read = |id: String, props: Option<prost_types::Struct>| rpc::ReadRequest {
        id,
        urn: URN.into(),
        properties: props.clone(),
        inputs: props,
        ..Default::default()
    };
    let refreshed = h
        .rpc
        .read(read(created.id.clone(), created.properties.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(refreshed.id, created.id);
    // Import: the id names the region; the inputs record it.
    let imported = h
        .rpc
        .read(read(format!("{api}/{}@{WEST}", created.id), None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(imported.id, created.id);
    let inputs = from_struct(&imported.inputs.unwrap());
    assert_eq!((inputs["apiId"].clone(), inputs["region"].clone()), (json!(api), json!(WEST)));
    // Without the suffix the provider's region is asked, where the API does not exist: gone.
    let elsewhere = h.rpc.read(read(format!("{api}/{}", created.id), None)).await.unwrap().into_inner();
    assert_eq!(elsewhere.id, "", "not found in us-east-1");

    // Listing and the functions follow their region argument.
    let (ids, _, _) = list(&mut h.rpc, json!({"apiId": api, "region": WEST}), 0, "").await.unwrap();
    assert_eq!(ids, vec![format!("{api}/{}@{WEST}", created.id)]);
    let got = result(
        &mut h.rpc,
        "getDeployment",
        json!({"apiId": api, "deploymentId": created.id, "region": WEST}),
    )
    .await;
    assert_eq!(got["deploymentStatus"], json!("DEPLOYED"));
    let err = invoke(&mut h.rpc, "getDeployments", json!({"apiId": api})).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound, "{}", err.message());

    // An API of another region: AWS's NotFound, the message naming the region asked.
    let err = create(&mut h.rpc, json!({"apiId": h.fixture.api_id, "region": WEST}), 60.0)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound, "{}", err.message());
    assert!(
        err.message().contains(&format!("API {} in {WEST}", h.fixture.api_id)),
        "{}",
        err.message()
    );

    h.rpc
        .delete(rpc::DeleteRequest {
            id: created.id.clone(),
            urn: URN.into(),
            properties: created.properties.clone(),
            old_inputs: created.properties.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(h.em.emulator.deployment_ids_in(WEST, &api).is_empty());
}

/// State written before `region` existed (0.1.0, 0.2.0) diffs clean against inputs Check filled
/// from the same provider; a region set to another one replaces, naming `region` alone.
#[tokio::test]
async fn state_without_region_shows_no_diff() {
    let mut h = harness(fast_settings()).await;
    let old_inputs = json!({"apiId": "a1", "description": "v1"});
    let olds = Some(to_struct(json!({
        "apiId": "a1", "description": "v1", "deploymentStatus": "DEPLOYED", "autoDeployed": false,
        "createdDate": "2026-01-01T00:00:00Z"
    })));
    let news = from_struct(&check(&mut h.rpc, old_inputs.clone()).await.inputs.unwrap());
    assert_eq!(news["region"], json!("us-east-1"));
    let d = h.rpc.diff(diff_req("d1", &olds, &old_inputs, &news)).await.unwrap().into_inner();
    assert_eq!(d.changes, rpc::diff_response::DiffChanges::DiffNone as i32, "{d:?}");

    let moved = from_struct(
        &check(&mut h.rpc, json!({"apiId": "a1", "description": "v1", "region": WEST}))
            .await
            .inputs
            .unwrap(),
    );
    let d = h.rpc.diff(diff_req("d1", &olds, &old_inputs, &moved)).await.unwrap().into_inner();
    assert_eq!(d.replaces, vec!["region".to_string()]);
    assert_eq!(d.detailed_diff.keys().collect::<Vec<_>>(), vec!["region"]);
}

/// A provider moved to eu-west-1 replaces the deployments that took its region (Diff naming
/// `region` and nothing else) and leaves one that set us-east-1 itself; DiffConfig does not
/// replace the provider for it.
#[tokio::test]
async fn provider_region_change_replaces_what_took_it() {
    let mut h = harness_with(fast_settings(), json!({"region": WEST})).await;
    let stored = json!({"apiId": "a1", "description": "v1", "region": "us-east-1"});
    let olds = Some(to_struct(stored.clone()));
    let took = from_struct(&check(&mut h.rpc, json!({"apiId": "a1", "description": "v1"})).await.inputs.unwrap());
    assert_eq!(took["region"], json!(WEST));
    let d = h.rpc.diff(diff_req("d1", &olds, &stored, &took)).await.unwrap().into_inner();
    assert_eq!(d.replaces, vec!["region".to_string()]);
    assert_eq!(d.diffs, vec!["region".to_string()]);
    let pinned = from_struct(&check(&mut h.rpc, stored.clone()).await.inputs.unwrap());
    let d = h.rpc.diff(diff_req("d1", &olds, &stored, &pinned)).await.unwrap().into_inner();
    assert_eq!(d.changes, rpc::diff_response::DiffChanges::DiffNone as i32, "{d:?}");

    let cfg = config(&h.em.url);
    let mut moved = cfg.clone();
    moved["region"] = json!(WEST);
    let d = h
        .rpc
        .diff_config(rpc::DiffRequest {
            urn: "urn:pulumi:dev::proj::pulumi:providers:aws-apigatewayv2::default".into(),
            olds: Some(to_struct(cfg.clone())),
            old_inputs: Some(to_struct(cfg)),
            news: Some(to_struct(moved)),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(d.diffs, vec!["region".to_string()]);
    assert!(d.replaces.is_empty(), "{:?}", d.replaces);
}
