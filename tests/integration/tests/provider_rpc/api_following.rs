//! `redeployOnApiChange`: replacements that name what changed, refresh warnings, deployments without a fingerprint, failed live reads, WebSocket parts, unknown configuration.

use super::*;

fn logs(h: &Harness) -> Vec<String> {
    h.engine.logs.lock().unwrap().clone()
}

/// With redeployOnApiChange, Diff replaces a deployment whose API gained a route or whose
/// integration changed, naming each change, and plans nothing while the API is as recorded.
#[tokio::test]
async fn api_change_replaces_with_reason() {
    let mut h = harness(fast_settings()).await;
    let api = h.fixture.api_id.clone();
    let c = client(&h.em.url);
    let int_id = http_integration(&c, &api, "https://a.example").await;
    c.update_route()
        .api_id(&api)
        .route_id(&h.fixture.route_id)
        .target(format!("integrations/{int_id}"))
        .send()
        .await
        .unwrap();
    let inputs = json!({"apiId": api, "stageName": "prod", "redeployOnApiChange": true});
    let created = create(&mut h.rpc, inputs.clone(), 0.0).await.unwrap();
    let out = from_struct(created.properties.as_ref().unwrap());
    assert!(out["apiFingerprint"].as_str().unwrap().starts_with("v1:"), "{out}");
    assert_eq!(
        out["apiFingerprintParts"].as_object().unwrap().keys().cloned().collect::<Vec<_>>(),
        vec![format!("integration {int_id}"), "route GET /hello".to_string()]
    );

    let before = h.em.emulator.received("GetRoutes");
    let d = h
        .rpc
        .diff(diff_req(&created.id, &created.properties, &inputs, &inputs))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(d.changes, rpc::diff_response::DiffChanges::DiffNone as i32);
    assert_eq!(h.em.emulator.received("GetRoutes"), before + 1, "Diff read the live routes");

    add_route(&h.em.url, &api, "GET /users").await;
    c.update_integration()
        .api_id(&api)
        .integration_id(&int_id)
        .integration_uri("https://b.example")
        .send()
        .await
        .unwrap();
    let d = h
        .rpc
        .diff(diff_req(&created.id, &created.properties, &inputs, &inputs))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(d.changes, rpc::diff_response::DiffChanges::DiffSome as i32);
    assert_eq!(d.replaces, vec!["apiFingerprintParts".to_string()]);
    assert_eq!(d.diffs, vec!["apiFingerprintParts".to_string()]);
    let mut paths: Vec<(String, i32)> = d.detailed_diff.iter().map(|(k, v)| (k.clone(), v.kind)).collect();
    paths.sort();
    assert_eq!(
        paths,
        vec![
            (
                format!("apiFingerprintParts[\"integration {int_id}\"]"),
                rpc::property_diff::Kind::UpdateReplace as i32
            ),
            (
                "apiFingerprintParts[\"route GET /users\"]".to_string(),
                rpc::property_diff::Kind::AddReplace as i32
            ),
        ]
    );
    let said = logs(&h);
    assert!(
        said.iter().any(|m| m.contains(&format!(
            "taken before integration {int_id}: integrationUri changed; route GET /users added; replacing it (redeployOnApiChange)"
        ))),
        "{said:?}"
    );

    // The replacement, created with stageName, is what the stage serves, with the new route.
    let replaced = create(&mut h.rpc, inputs.clone(), 0.0).await.unwrap();
    let serving = h.em.emulator.serving(&api, "prod");
    assert_eq!(serving["deploymentId"], json!(replaced.id));
    assert_eq!(serving["routeKeys"], json!(["GET /hello", "GET /users"]));
    let d = h
        .rpc
        .diff(diff_req(&replaced.id, &replaced.properties, &inputs, &inputs))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        d.changes,
        rpc::diff_response::DiffChanges::DiffNone as i32,
        "the new one is current"
    );
}

/// Check of a deployment being updated carries the API's live fingerprint in the inputs it
/// returns (what the engine shows against the recorded outputs, item by item); Diff compares
/// with it and reads nothing; a new deployment's Check reads nothing; an earlier Check's value
/// copied back by ignoreChanges is replaced, never refused.
#[tokio::test]
async fn check_carries_the_live_fingerprint() {
    let mut h = harness(fast_settings()).await;
    let api = h.fixture.api_id.clone();
    let program = json!({"apiId": api, "redeployOnApiChange": true});
    let reads = |h: &Harness| h.em.emulator.received("GetRoutes");
    let before = reads(&h);
    let new = check(&mut h.rpc, program.clone()).await;
    assert_eq!(reads(&h), before, "a deployment being created is not diffed: no read");
    let inputs = from_struct(&new.inputs.unwrap());
    assert!(inputs.get("apiFingerprintParts").is_none(), "{inputs}");
    let created = create(&mut h.rpc, inputs.clone(), 0.0).await.unwrap();
    let recorded = from_struct(created.properties.as_ref().unwrap());

    add_route(&h.em.url, &api, "POST /b").await;
    let checked = check_against(&mut h.rpc, Some(inputs.clone()), program.clone()).await;
    assert!(checked.failures.is_empty(), "{:?}", checked.failures);
    let news = from_struct(checked.inputs.as_ref().unwrap());
    let live: Vec<&String> = news["apiFingerprintParts"].as_object().unwrap().keys().collect();
    assert_eq!(live, vec!["route GET /hello", "route POST /b"]);
    assert_ne!(news["apiFingerprint"], recorded["apiFingerprint"]);
    let after_check = reads(&h);
    let d = h
        .rpc
        .diff(diff_req(&created.id, &created.properties, &inputs, &news))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reads(&h), after_check, "Diff used Check's read");
    assert_eq!(d.replaces, vec!["apiFingerprintParts".to_string()]);
    let paths: Vec<&String> = d.detailed_diff.keys().collect();
    assert_eq!(paths, vec!["apiFingerprintParts[\"route POST /b\"]"]);

    // ignoreChanges copies the old checked inputs back into the program's: still no failure.
    let mut copied = program.clone();
    copied["apiFingerprintParts"] = news["apiFingerprintParts"].clone();
    let again = check_against(&mut h.rpc, Some(news.clone()), copied).await;
    assert!(again.failures.is_empty(), "{:?}", again.failures);
}

/// Without the option nothing is replaced, and a refresh warns that the stage serves a deployment
/// taken before the change, keeping the recorded fingerprint as it was.
#[tokio::test]
async fn stale_stage_warned_on_refresh() {
    let mut h = harness(fast_settings()).await;
    let api = h.fixture.api_id.clone();
    let inputs = json!({"apiId": api, "stageName": "prod"});
    let created = create(&mut h.rpc, inputs.clone(), 0.0).await.unwrap();
    let recorded = from_struct(created.properties.as_ref().unwrap())["apiFingerprint"].clone();
    let read = |props: Option<prost_types::Struct>| rpc::ReadRequest {
        id: created.id.clone(),
        urn: URN.into(),
        properties: props,
        inputs: Some(to_struct(inputs.clone())),
        ..Default::default()
    };
    h.rpc.read(read(created.properties.clone())).await.unwrap();
    assert!(!logs(&h).iter().any(|m| m.contains("taken before")), "no warning while current");

    add_route(&h.em.url, &api, "GET /users").await;
    let before = h.em.emulator.received("GetRoutes");
    let d = h
        .rpc
        .diff(diff_req(&created.id, &created.properties, &inputs, &inputs))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(d.changes, rpc::diff_response::DiffChanges::DiffNone as i32);
    assert_eq!(
        h.em.emulator.received("GetRoutes"),
        before,
        "Diff reads nothing with the option off"
    );
    let r = h.rpc.read(read(created.properties.clone())).await.unwrap().into_inner();
    assert_eq!(
        from_struct(r.properties.as_ref().unwrap())["apiFingerprint"],
        recorded,
        "never overwritten by Read"
    );
    let expected = format!(
        "stage prod serves deployment {} of API {api}, taken before route GET /users added; set redeployOnApiChange or change triggers",
        created.id
    );
    assert!(logs(&h).contains(&expected), "{:?}", logs(&h));
}

/// Deployments without a recorded fingerprint (imported, or from 0.1.0) are never replaced for
/// it: Diff warns how to start following the API instead.
#[tokio::test]
async fn no_fingerprint_is_never_replaced() {
    let mut h = harness(fast_settings()).await;
    let api = h.fixture.api_id.clone();
    let created = create(&mut h.rpc, json!({"apiId": api}), 0.0).await.unwrap();
    let mut olds = from_struct(created.properties.as_ref().unwrap());
    olds.as_object_mut().unwrap().remove("apiFingerprint");
    olds.as_object_mut().unwrap().remove("apiFingerprintParts");
    add_route(&h.em.url, &api, "GET /users").await;
    let news = json!({"apiId": api, "redeployOnApiChange": true});
    let d = h
        .rpc
        .diff(diff_req(&created.id, &Some(to_struct(olds.clone())), &json!({"apiId": api}), &news))
        .await
        .unwrap()
        .into_inner();
    assert!(d.replaces.is_empty(), "{:?}", d.replaces);
    assert_eq!(
        d.diffs,
        vec!["redeployOnApiChange".to_string()],
        "turning the option on is an update"
    );
    assert!(
        logs(&h)
            .iter()
            .any(|m| m.contains("has no recorded API fingerprint") && m.contains("pulumi up --replace"))
    );
    // State without the new input and outputs, as 0.1.0 wrote it: no diff at all.
    let d = h
        .rpc
        .diff(diff_req(
            &created.id,
            &Some(to_struct(olds)),
            &json!({"apiId": api}),
            &json!({"apiId": api, "redeployOnApiChange": false}),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(d.changes, rpc::diff_response::DiffChanges::DiffNone as i32);
}

/// A live read that fails makes Diff fail with AWS's code and message: never "no change", never a
/// replacement.
#[tokio::test]
async fn failed_live_read_fails_diff() {
    let mut h = harness_with(fast_settings(), json!({"maxRetries": "2"})).await;
    let api = h.fixture.api_id.clone();
    let inputs = json!({"apiId": api, "redeployOnApiChange": true});
    let created = create(&mut h.rpc, inputs.clone(), 0.0).await.unwrap();
    h.em.emulator
        .add_fault(fault("GetIntegrations", FaultKind::Status { status: 429 }, 1.0));
    let err = h
        .rpc
        .diff(diff_req(&created.id, &created.properties, &inputs, &inputs))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{}", err.message());
    assert!(
        err.message()
            .contains("TooManyRequestsException: Too Many Requests (after 2 attempts)"),
        "{}",
        err.message()
    );
    assert!(
        err.message().contains(&created.id) && err.message().contains(&api),
        "{}",
        err.message()
    );
    h.em.emulator.clear_faults();
    client(&h.em.url).delete_api().api_id(&api).send().await.unwrap();
    let err = h
        .rpc
        .diff(diff_req(&created.id, &created.properties, &inputs, &inputs))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound, "{}", err.message());
    assert!(
        err.message().contains("NotFoundException: Invalid API identifier specified"),
        "{}",
        err.message()
    );
}

/// stageName naming a stage with autoDeploy fails before anything is created, naming the stage
/// and both ways out.
#[tokio::test]
async fn auto_deploy_stage_refused_before_create() {
    let mut h = harness(fast_settings()).await;
    let api = h.fixture.api_id.clone();
    client(&h.em.url)
        .create_stage()
        .api_id(&api)
        .stage_name("live")
        .auto_deploy(true)
        .send()
        .await
        .unwrap();
    let before = h.em.emulator.received("CreateDeployment");
    let err = create(&mut h.rpc, json!({"apiId": api, "stageName": "live"}), 0.0)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    let m = err.message();
    assert!(
        m.contains("stage 'live' has autoDeploy enabled") && m.contains("drop stageName") && m.contains("turn autoDeploy off"),
        "{m}"
    );
    assert_eq!(h.em.emulator.received("CreateDeployment"), before, "nothing was created");
}

/// For WebSocket APIs the fingerprint also covers models, route responses and integration
/// responses, each named when it changes.
#[tokio::test]
async fn websocket_parts_are_followed() {
    let mut h = harness(fast_settings()).await;
    let c = client(&h.em.url);
    let api = c
        .create_api()
        .name("ws")
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Websocket)
        .route_selection_expression("$request.body.action")
        .send()
        .await
        .unwrap()
        .api_id()
        .unwrap()
        .to_string();
    let int_id = c
        .create_integration()
        .api_id(&api)
        .integration_type(aws_sdk_apigatewayv2::types::IntegrationType::Mock)
        .send()
        .await
        .unwrap()
        .integration_id()
        .unwrap()
        .to_string();
    let route = c
        .create_route()
        .api_id(&api)
        .route_key("$default")
        .target(format!("integrations/{int_id}"))
        .send()
        .await
        .unwrap();
    let ir = c
        .create_integration_response()
        .api_id(&api)
        .integration_id(&int_id)
        .integration_response_key("$default")
        .response_templates("application/json", "{}")
        .send()
        .await
        .unwrap();
    c.create_route_response()
        .api_id(&api)
        .route_id(route.route_id().unwrap())
        .route_response_key("$default")
        .send()
        .await
        .unwrap();
    c.create_model().api_id(&api).name("Msg").schema("{}").send().await.unwrap();
    let inputs = json!({"apiId": api, "redeployOnApiChange": true});
    let created = create(&mut h.rpc, inputs.clone(), 0.0).await.unwrap();
    let parts = from_struct(created.properties.as_ref().unwrap())["apiFingerprintParts"].clone();
    for label in [
        "model Msg".to_string(),
        "route $default response $default".to_string(),
        format!("integration {int_id} response $default"),
    ] {
        assert!(parts.get(&label).is_some(), "{label} missing from {parts}");
    }
    c.update_integration_response()
        .api_id(&api)
        .integration_id(&int_id)
        .integration_response_id(ir.integration_response_id().unwrap())
        .response_templates("application/json", "{\"v\":2}")
        .send()
        .await
        .unwrap();
    let d = h
        .rpc
        .diff(diff_req(&created.id, &created.properties, &inputs, &inputs))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(d.replaces, vec!["apiFingerprintParts".to_string()]);
    assert!(
        logs(&h)
            .iter()
            .any(|m| m.contains(&format!("integration {int_id} response $default: responseTemplates changed"))),
        "{:?}",
        logs(&h)
    );
}

/// With the provider's configuration unknown (a preview where it comes from another resource),
/// Diff still applies the declared rules, and with redeployOnApiChange warns instead of failing.
#[tokio::test]
async fn diff_with_unknown_config_plans_without_aws() {
    let mut h = harness_with(fast_settings(), json!({"region": UNKNOWN})).await;
    let olds = Some(to_struct(json!({
        "apiId": "a1", "description": "v1", "redeployOnApiChange": true,
        "apiFingerprint": "v1:00", "apiFingerprintParts": {"route GET /x": "routeKey=00000000"},
        "deploymentStatus": "DEPLOYED", "autoDeployed": false, "createdDate": "2026-01-01T00:00:00Z"
    })));
    let old_inputs = json!({"apiId": "a1", "description": "v1", "redeployOnApiChange": true});
    let news = json!({"apiId": "a1", "description": "v2", "redeployOnApiChange": true});
    let d = h.rpc.diff(diff_req("a1/d1", &olds, &old_inputs, &news)).await.unwrap().into_inner();
    assert_eq!(d.changes, rpc::diff_response::DiffChanges::DiffSome as i32);
    assert!(d.replaces.is_empty(), "{:?}", d.replaces);
    assert_eq!(d.detailed_diff["description"].kind, rpc::property_diff::Kind::Update as i32);
    wait_for("the warning", std::time::Duration::from_secs(5), || async {
        logs(&h)
            .iter()
            .any(|l| l.contains("configuration is not known in this preview"))
            .then_some(())
    })
    .await;
    assert_eq!(h.em.emulator.received("GetApi"), 0, "no AWS call");
}

/// Check as the pinned engine sends it for deployment `name` that exists: its stored inputs and
/// outputs with the program's inputs.
async fn check_existing(h: &mut Harness, name: &str, created: &rpc::CreateResponse, inputs: &Value) -> Value {
    let checked = h
        .rpc
        .check(rpc::CheckRequest {
            urn: format!("urn:pulumi:dev::proj::aws-apigatewayv2:index:Deployment::{name}"),
            olds: Some(to_struct(inputs.clone())),
            news: Some(to_struct(inputs.clone())),
            old_outputs: created.properties.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(checked.failures.is_empty(), "{:?}", checked.failures);
    from_struct(checked.inputs.as_ref().unwrap())
}

/// The Checks of many deployments of one API read it once when it moved on since they were
/// taken (a read that differs from a deployment's recorded fingerprint is reused as proof), and
/// read afresh whenever the latest read matches: a route added between two Checks is seen by the
/// second, as `pulumi up` needs when that Check's deployment depends on the route.
#[tokio::test]
async fn checks_share_a_read_only_as_proof_of_change() {
    let mut h = harness(fast_settings()).await;
    let api = h.fixture.api_id.clone();
    let inputs = json!({"apiId": api, "redeployOnApiChange": true});
    let mut deployments = vec![];
    for _ in 0..3 {
        deployments.push(create(&mut h.rpc, inputs.clone(), 0.0).await.unwrap());
    }
    let reads = |h: &Harness| h.em.emulator.received("GetRoutes");

    // Unchanged: every Check reads, and the second sees the route added after the first.
    let before = reads(&h);
    let first = check_existing(&mut h, "d0", &deployments[0], &inputs).await;
    add_route(&h.em.url, &api, "POST /b").await;
    let second = check_existing(&mut h, "d1", &deployments[1], &inputs).await;
    assert_eq!(reads(&h), before + 2, "a matching earlier read is not reused");
    assert_eq!(
        first["apiFingerprint"],
        from_struct(deployments[0].properties.as_ref().unwrap())["apiFingerprint"]
    );
    let live: Vec<&String> = second["apiFingerprintParts"].as_object().unwrap().keys().collect();
    assert_eq!(live, vec!["route GET /hello", "route POST /b"]);

    // Moved on: the third deployment's Check takes the second's read as proof, with its parts.
    let third = check_existing(&mut h, "d2", &deployments[2], &inputs).await;
    assert_eq!(reads(&h), before + 2, "the differing read is reused");
    assert_eq!(third["apiFingerprintParts"], second["apiFingerprintParts"]);
    assert_eq!(third["apiFingerprint"], second["apiFingerprint"]);
    let d = h
        .rpc
        .diff(diff_req(&deployments[2].id, &deployments[2].properties, &inputs, &third))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(d.replaces, vec!["apiFingerprintParts".to_string()]);
    assert_eq!(reads(&h), before + 2, "Diff used Check's value");

    // A replacement records the API as it is now; its next Check finds the latest read equal to
    // its fingerprint, so it reads again.
    let replaced = create(&mut h.rpc, inputs.clone(), 0.0).await.unwrap();
    let after_create = reads(&h);
    check_existing(&mut h, "d2", &replaced, &inputs).await;
    assert_eq!(reads(&h), after_create + 1);
}
