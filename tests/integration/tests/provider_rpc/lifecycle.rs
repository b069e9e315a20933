//! The engine's call sequence, previews, validation, init failures, cancellation, refused deletes, errors, secrets and the schema.

use super::*;

/// The whole engine sequence: Check, Diff, Create (waits for DEPLOYED), Read, Update in place,
/// import-style Read, Delete, Read of the gone deployment, Delete again (NotFound = success).
#[tokio::test]
async fn lifecycle() {
    let mut h = harness(fast_settings()).await;
    let api = h.fixture.api_id.clone();
    let inputs = json!({"apiId": api, "description": "v1", "triggers": {"hash": "a"}});
    let checked = check(&mut h.rpc, inputs.clone()).await;
    assert!(checked.failures.is_empty());
    // The engine goes on with what Check returned: the provider's region recorded.
    let inputs = from_struct(checked.inputs.as_ref().unwrap());
    assert_eq!(inputs["region"], json!("us-east-1"));

    let created = create(&mut h.rpc, inputs.clone(), 0.0).await.unwrap();
    let id = created.id.clone();
    let out = from_struct(created.properties.as_ref().unwrap());
    assert_eq!(out["deploymentStatus"], "DEPLOYED");
    assert_eq!(out["autoDeployed"], false);
    assert_eq!(out["apiId"], json!(api));
    assert_eq!(out["triggers"], json!({"hash": "a"}));
    assert!(out["createdDate"].as_str().unwrap().ends_with('Z'));
    assert_eq!(h.em.emulator.deployment_ids(&api), vec![id.clone()]);
    assert!(
        h.engine
            .logs
            .lock()
            .unwrap()
            .iter()
            .any(|m| m.contains(&format!("waiting for deployment {id} of API {api} to be DEPLOYED")))
    );

    // Same inputs, reordered triggers: no change. Description: update. Triggers: replace.
    let diff = |news: Value| rpc::DiffRequest {
        id: id.clone(),
        urn: URN.into(),
        olds: created.properties.clone(),
        news: Some(to_struct(news)),
        old_inputs: Some(to_struct(inputs.clone())),
        ..Default::default()
    };
    let d = h.rpc.diff(diff(inputs.clone())).await.unwrap().into_inner();
    assert_eq!(d.changes, rpc::diff_response::DiffChanges::DiffNone as i32);
    let d = h
        .rpc
        .diff(diff(json!({"apiId": api, "description": "v2", "triggers": {"hash": "a"}})))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (d.changes, d.replaces.len(), d.diffs.clone()),
        (rpc::diff_response::DiffChanges::DiffSome as i32, 0, vec!["description".to_string()])
    );
    assert_eq!(d.detailed_diff["description"].kind, rpc::property_diff::Kind::Update as i32);
    let d = h
        .rpc
        .diff(diff(json!({"apiId": api, "description": "v1", "triggers": {"hash": "b"}})))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(d.replaces, vec!["triggers".to_string()]);
    assert!(!d.delete_before_replace);
    assert_eq!(d.detailed_diff["triggers"].kind, rpc::property_diff::Kind::UpdateReplace as i32);
    let d = h
        .rpc
        .diff(diff(json!({"apiId": UNKNOWN, "description": "v1", "triggers": {"hash": "a"}})))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(d.replaces, vec!["apiId".to_string()]);

    // Refresh-style Read.
    let read = h
        .rpc
        .read(rpc::ReadRequest {
            id: id.clone(),
            urn: URN.into(),
            properties: created.properties.clone(),
            inputs: Some(to_struct(inputs.clone())),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.id, id);
    assert_eq!(from_struct(read.inputs.as_ref().unwrap()), inputs);

    // Update in place keeps the id.
    let news = json!({"apiId": api, "description": "v2", "triggers": {"hash": "a"}});
    let up = h
        .rpc
        .update(rpc::UpdateRequest {
            id: id.clone(),
            urn: URN.into(),
            olds: created.properties.clone(),
            news: Some(to_struct(news.clone())),
            old_inputs: Some(to_struct(inputs.clone())),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let up_out = from_struct(up.properties.as_ref().unwrap());
    assert_eq!(up_out["description"], "v2");
    assert_eq!(up_out["deploymentStatus"], "DEPLOYED");
    let got = client(&h.em.url)
        .get_deployment()
        .api_id(&api)
        .deployment_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.description(), Some("v2"));

    // Import-style Read: only the id, as `apiId/deploymentId`.
    let imported = h
        .rpc
        .read(rpc::ReadRequest {
            id: format!("{api}/{id}"),
            urn: URN.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(imported.id, id);
    assert_eq!(
        from_struct(imported.inputs.as_ref().unwrap()),
        json!({"apiId": api, "description": "v2", "region": "us-east-1"}),
        "an import records the region it found the deployment in"
    );
    let import_check = check(&mut h.rpc, from_struct(imported.inputs.as_ref().unwrap())).await;
    assert!(import_check.failures.is_empty(), "import inputs must pass Check");
    let bad = h
        .rpc
        .read(rpc::ReadRequest {
            id: "no-slash".into(),
            urn: URN.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert!(bad.message().contains("<apiId>/<deploymentId>"), "{}", bad.message());

    h.rpc
        .delete(rpc::DeleteRequest {
            id: id.clone(),
            urn: URN.into(),
            properties: up.properties.clone(),
            old_inputs: Some(to_struct(news.clone())),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(h.em.emulator.deployment_ids(&api).is_empty());
    let gone = h
        .rpc
        .read(rpc::ReadRequest {
            id: id.clone(),
            urn: URN.into(),
            properties: up.properties.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(gone.id, "");
    h.rpc
        .delete(rpc::DeleteRequest {
            id,
            urn: URN.into(),
            properties: up.properties,
            ..Default::default()
        })
        .await
        .expect("deleting a gone deployment succeeds");
    drop(h.provider);
}

/// Preview Create returns the inputs, unknowns included, and calls AWS for nothing.
#[tokio::test]
async fn preview_has_no_side_effects() {
    let mut h = harness(fast_settings()).await;
    let props = json!({"apiId": UNKNOWN, "description": "d"});
    let checked = check(&mut h.rpc, props.clone()).await;
    assert!(checked.failures.is_empty(), "unknowns pass Check");
    let r = h
        .rpc
        .create(rpc::CreateRequest {
            urn: URN.into(),
            properties: Some(to_struct(props.clone())),
            preview: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.id, "");
    assert_eq!(from_struct(r.properties.as_ref().unwrap()), props);
    let stats = h.em.emulator.stats();
    assert!(stats.get("CreateDeployment").is_none(), "preview called CreateDeployment: {stats}");
}

/// Check failures come back as data naming the property; bad config names the key.
#[tokio::test]
async fn validation_is_data() {
    let mut h = harness(fast_settings()).await;
    let r = check(&mut h.rpc, json!({"description": "x".repeat(2000), "triggers": 5})).await;
    let got: Vec<(String, String)> = r.failures.into_iter().map(|f| (f.property, f.reason)).collect();
    assert!(got.contains(&("apiId".into(), "missing required property apiId".into())), "{got:?}");
    assert!(
        got.contains(&(
            "description".into(),
            "description must be at most 1024 characters long, got 2000".into()
        )),
        "{got:?}"
    );
    assert!(
        got.contains(&("triggers".into(), "triggers must be a map of strings, not a number".into())),
        "{got:?}"
    );
    // Numbers and booleans in triggers come back as the strings Terraform makes of them.
    let r = check(&mut h.rpc, json!({"apiId": "a", "triggers": {"version": 2, "on": true}})).await;
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    assert_eq!(
        from_struct(r.inputs.as_ref().unwrap())["triggers"],
        json!({"version": "2", "on": "true"})
    );

    let cfg = h
        .rpc
        .check_config(rpc::CheckRequest {
            urn: URN.into(),
            news: Some(to_struct(json!({"endpoint": "nope", "maxRetries": "x"}))),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let props: Vec<String> = cfg.failures.iter().map(|f| f.property.clone()).collect();
    assert_eq!(
        props,
        vec!["maxRetries".to_string(), "endpoint".to_string()],
        "shape failures come first, then each key's own rules; cross-key rules wait for good shapes"
    );
    let cfg = h
        .rpc
        .check_config(rpc::CheckRequest {
            urn: URN.into(),
            news: Some(to_struct(json!({"endpoint": "nope"}))),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(cfg.failures[0].property, "endpoint");

    let config_diff = h
        .rpc
        .diff_config(rpc::DiffRequest {
            olds: Some(to_struct(json!({"region": "us-east-1", "endpoint": "http://a"}))),
            news: Some(to_struct(json!({"region": "eu-west-1", "endpoint": "http://a"}))),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (config_diff.changes, config_diff.diffs.clone(), config_diff.replaces.len()),
        (rpc::diff_response::DiffChanges::DiffSome as i32, vec!["region".to_string()], 0)
    );

    // Invoke without a function token names the missing function (see unknown_function_is_refused_by_name).
    let err = h.rpc.invoke(rpc::InvokeRequest::default()).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("Invoke"));
}

/// A deployment that ends FAILED is reported with its id (ErrorResourceInitFailed) and AWS's message.
#[tokio::test]
async fn failed_deployment_is_recorded() {
    let mut h = harness(fast_settings()).await;
    h.em.emulator.fail_next_deployment("Execution failed due to configuration error");
    let err = create(&mut h.rpc, json!({"apiId": h.fixture.api_id}), 0.0).await.unwrap_err();
    let detail = init_failure(&err);
    assert_eq!(h.em.emulator.deployment_ids(&h.fixture.api_id), vec![detail.id.clone()]);
    assert!(
        err.message().contains("Execution failed due to configuration error"),
        "{}",
        err.message()
    );
    assert_eq!(from_struct(detail.properties.as_ref().unwrap())["deploymentStatus"], "FAILED");
    // The next up replaces it: nothing else can finish a FAILED deployment.
    let diff = h
        .rpc
        .diff(rpc::DiffRequest {
            id: detail.id.clone(),
            urn: URN.into(),
            olds: detail.properties.clone(),
            news: Some(to_struct(json!({"apiId": h.fixture.api_id}))),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(diff.replaces, vec!["deploymentStatus".to_string()]);
    assert!(!diff.detailed_diff["deploymentStatus"].input_diff);
}

/// A wait past the request's timeout ends with the created id recorded, not lost.
#[tokio::test]
async fn timeout_keeps_the_id() {
    let settings = Settings {
        time_scale: 1.0,
        quotas: false,
        deploy_delay: Duration::from_secs(600),
        ..fast_settings()
    };
    let mut h = harness(settings).await;
    let err = create(&mut h.rpc, json!({"apiId": h.fixture.api_id}), 1.0).await.unwrap_err();
    let detail = init_failure(&err);
    assert_eq!(h.em.emulator.deployment_ids(&h.fixture.api_id), vec![detail.id]);
    assert!(err.message().contains("still PENDING"), "{}", err.message());
}

/// Cancel during a long PENDING wait returns promptly and reports the created id.
#[tokio::test]
async fn cancel_stops_the_wait() {
    let (h, pending) = create_stuck_pending().await;
    let mut rpc = h.rpc.clone();
    let t = std::time::Instant::now();
    rpc.cancel(()).await.unwrap();
    let err = pending.await.unwrap().unwrap_err();
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "Create took {:?} to stop after Cancel",
        t.elapsed()
    );
    assert_eq!(h.em.emulator.deployment_ids(&h.fixture.api_id), vec![init_failure(&err).id]);
    assert!(err.message().contains("cancelled"));
}

/// stageName releases the deployment; a refused delete names the stage and the way out.
#[tokio::test]
async fn delete_refused_names_the_stage() {
    let mut h = harness(fast_settings()).await;
    let api = h.fixture.api_id.clone();
    let created = create(&mut h.rpc, json!({"apiId": api, "stageName": "prod"}), 0.0).await.unwrap();
    let stage = client(&h.em.url).get_stage().api_id(&api).stage_name("prod").send().await.unwrap();
    assert_eq!(stage.deployment_id(), Some(created.id.as_str()));
    let req = || rpc::DeleteRequest {
        id: created.id.clone(),
        urn: URN.into(),
        properties: created.properties.clone(),
        ..Default::default()
    };
    let err = h.rpc.delete(req()).await.unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(err.message().contains("stage 'prod' still points at it"), "{}", err.message());
    // The deployment has stageName itself: the advice is about delete-before-create ordering.
    assert!(err.message().contains("deleteBeforeReplace"), "{}", err.message());
    assert!(
        !err.message().contains("give the replacement Deployment stageName"),
        "{}",
        err.message()
    );
    h.em.emulator.set_refuse_delete_while_staged(false);
    h.rpc.delete(req()).await.unwrap();
    assert!(h.em.emulator.deployment_ids(&api).is_empty());
}

/// AWS errors carry the operation, the API id and AWS's code and message.
#[tokio::test]
async fn aws_errors_are_explained() {
    let mut h = harness(fast_settings()).await;
    let bare = client(&h.em.url)
        .create_api()
        .name("bare")
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
        .send()
        .await
        .unwrap();
    let api = bare.api_id().unwrap();
    let err = create(&mut h.rpc, json!({"apiId": api}), 0.0).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        err.message(),
        format!(
            "CreateDeployment for a deployment of API {api} failed: BadRequestException: Unable to deploy API because no routes exist in this API. \
             The deployment was probably created before the API's routes: make it depend on them \
             (`dependsOn` the route resources, or put a route output such as its id into `triggers`)"
        )
    );
}

/// A secret description stays secret in Create's outputs and in Read's outputs and inputs.
#[tokio::test]
async fn secrets_stay_secret() {
    let mut h = harness(fast_settings()).await;
    let api = h.fixture.api_id.clone();
    let inputs = json!({"apiId": api, "description": secret(json!("hush-d3scr1pt10n-7f3a"))});
    let created = create(&mut h.rpc, inputs.clone(), 0.0).await.unwrap();
    let out = from_struct(created.properties.as_ref().unwrap());
    assert_eq!(out["description"], secret(json!("hush-d3scr1pt10n-7f3a")));
    let read = h
        .rpc
        .read(rpc::ReadRequest {
            id: created.id.clone(),
            urn: URN.into(),
            properties: created.properties.clone(),
            inputs: Some(to_struct(inputs)),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        from_struct(read.properties.as_ref().unwrap())["description"],
        secret(json!("hush-d3scr1pt10n-7f3a"))
    );
    assert_eq!(
        from_struct(read.inputs.as_ref().unwrap())["description"],
        secret(json!("hush-d3scr1pt10n-7f3a"))
    );
    // The secret key and the secret description never reach the provider's logs, even at -v=9.
    let logs = h.provider.stderr_text();
    assert!(
        logs.contains("created deployment"),
        "the provider logs at -v=9, so the search means something"
    );
    for line in logs
        .lines()
        .filter(|l| l.contains("hush-d3scr1pt10n-7f3a") || l.contains(DEFAULT_SECRET_KEY))
    {
        eprintln!("LEAK: {}", &line[..line.len().min(400)]);
    }
    assert!(
        !logs.contains("hush-d3scr1pt10n-7f3a") && !logs.contains(DEFAULT_SECRET_KEY),
        "secret leaked into logs"
    );
}

/// GetSchema serves schema.json; GetPluginInfo the Cargo version; attach mode serves without args.
#[tokio::test]
async fn schema_info_and_attach_mode() {
    let provider = ProviderProcess::start(&[], &[]);
    let mut rpc = connect(provider.port).await;
    let schema = rpc.get_schema(rpc::GetSchemaRequest::default()).await.unwrap().into_inner().schema;
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema.json")).unwrap();
    assert_eq!(schema, committed);
    let info = rpc.get_plugin_info(()).await.unwrap().into_inner();
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
    let (_engine, addr) = start_engine().await;
    rpc.attach(rpc::PluginAttach { address: addr }).await.unwrap();
    let err = rpc
        .create(rpc::CreateRequest {
            urn: URN.into(),
            properties: Some(to_struct(json!({"apiId": "a"}))),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "Create before Configure: {}", err.message());
}

/// Requests are dispatched by type token (the request's `type`, else the URN's): a type the
/// provider does not serve is refused as InvalidArgument naming it, never handled as a Deployment.
#[tokio::test]
async fn unknown_type_is_refused_by_name() {
    let provider = ProviderProcess::start(&[], &[]);
    let mut rpc = connect(provider.port).await;
    let stage_urn = "urn:pulumi:dev::proj::aws-apigatewayv2:index:Stage::prod";
    let err = rpc
        .check(rpc::CheckRequest {
            urn: stage_urn.into(),
            news: Some(to_struct(json!({"apiId": "a"}))),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{}", err.message());
    assert!(err.message().contains("\"aws-apigatewayv2:index:Stage\""), "{}", err.message());
    assert!(err.message().contains("aws-apigatewayv2:index:Deployment"), "{}", err.message());
    let err = rpc
        .create(rpc::CreateRequest {
            urn: URN.into(),
            r#type: "aws-apigatewayv2:index:Api".into(),
            properties: Some(to_struct(json!({"apiId": "a"}))),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{}", err.message());
    assert!(err.message().contains("\"aws-apigatewayv2:index:Api\""), "{}", err.message());
    let nested = "urn:pulumi:dev::proj::my:index:Component$aws-apigatewayv2:index:Deployment::prod";
    let ok = rpc
        .check(rpc::CheckRequest {
            urn: nested.into(),
            news: Some(to_struct(json!({"apiId": "a"}))),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(ok.failures.is_empty(), "{:?}", ok.failures);
}

/// Invoke dispatches by token through the function registry: a token it does not hold is refused
/// as InvalidArgument naming it (not Unimplemented).
#[tokio::test]
async fn unknown_function_is_refused_by_name() {
    let provider = ProviderProcess::start(&[], &[]);
    let mut rpc = connect(provider.port).await;
    let err = rpc
        .invoke(rpc::InvokeRequest {
            tok: "aws-apigatewayv2:index:getNothing".into(),
            args: Some(to_struct(json!({}))),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{}", err.message());
    assert!(err.message().contains("\"aws-apigatewayv2:index:getNothing\""), "{}", err.message());
}
