//! The provider binary driven over gRPC through the engine's call sequence, against the emulator.

use integration_tests::emulator::faults::{FaultKind, FaultRule};
use integration_tests::emulator::{DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, Settings};
use integration_tests::rpc::{FakeEngine, configure, connect, start_engine};
use integration_tests::*;
use prost::Message;
use pulumi_gestalt_proto::pulumi::pulumirpc as rpc;
use rpc::resource_provider_client::ResourceProviderClient;
use serde_json::{Value, json};
use std::time::Duration;
use tonic::Code;
use tonic::transport::Channel;

const URN: &str = "urn:pulumi:dev::proj::aws-apigatewayv2:index:Deployment::prod";

struct Harness {
    em: apigatewayv2_emulator::RunningEmulator,
    provider: ProviderProcess,
    rpc: ResourceProviderClient<Channel>,
    engine: FakeEngine,
    fixture: Fixture,
}

fn config(url: &str) -> Value {
    json!({"region": "us-east-1", "accessKey": DEFAULT_ACCESS_KEY, "secretKey": secret(json!(DEFAULT_SECRET_KEY)), "endpoint": url, "maxRetries": "5", "version": "0.1.0"})
}

/// Emulator + fixture + provider launched with an engine address, handshaken and configured.
async fn harness(settings: Settings) -> Harness {
    harness_with(settings, json!({})).await
}

/// As [`harness`], with `extra` merged into the provider configuration.
async fn harness_with(settings: Settings, extra: Value) -> Harness {
    let em = start_emulator(settings).await;
    let fixture = fixture(&client(&em.url), "rpc").await;
    let (engine, engine_addr) = start_engine().await;
    let provider = ProviderProcess::start(&["--logtostderr", "-v=9", &engine_addr], &[]);
    let mut rpc = connect(provider.port).await;
    let mut cfg = config(&em.url);
    for (k, v) in extra.as_object().into_iter().flatten() {
        cfg[k] = v.clone();
    }
    let resp = configure(&mut rpc, Some(&engine_addr), cfg).await.unwrap();
    assert!(resp.accept_secrets && resp.supports_preview && resp.accept_resources);
    Harness {
        em,
        provider,
        rpc,
        engine,
        fixture,
    }
}

async fn check(rpc: &mut ResourceProviderClient<Channel>, news: Value) -> rpc::CheckResponse {
    rpc.check(rpc::CheckRequest {
        urn: URN.into(),
        olds: None,
        news: Some(to_struct(news)),
        ..Default::default()
    })
    .await
    .unwrap()
    .into_inner()
}

async fn create(rpc: &mut ResourceProviderClient<Channel>, props: Value, timeout: f64) -> Result<rpc::CreateResponse, tonic::Status> {
    rpc.create(rpc::CreateRequest {
        urn: URN.into(),
        properties: Some(to_struct(props)),
        timeout,
        preview: false,
        ..Default::default()
    })
    .await
    .map(|r| r.into_inner())
}

#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
    #[prost(message, repeated, tag = "3")]
    details: Vec<prost_types::Any>,
}

fn init_failure(status: &tonic::Status) -> rpc::ErrorResourceInitFailed {
    let outer = RpcStatus::decode(status.details()).expect("status details");
    let any = outer.details.first().expect("a detail");
    assert_eq!(any.type_url, "type.googleapis.com/pulumirpc.ErrorResourceInitFailed");
    rpc::ErrorResourceInitFailed::decode(any.value.as_slice()).unwrap()
}

/// The whole engine sequence: Check, Diff, Create (waits for DEPLOYED), Read, Update in place,
/// import-style Read, Delete, Read of the gone deployment, Delete again (NotFound = success).
#[tokio::test]
async fn lifecycle() {
    let mut h = harness(fast_settings()).await;
    let api = h.fixture.api_id.clone();
    let inputs = json!({"apiId": api, "description": "v1", "triggers": {"hash": "a"}});
    let checked = check(&mut h.rpc, inputs.clone()).await;
    assert!(checked.failures.is_empty());

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
        json!({"apiId": api, "description": "v2"})
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

    let err = h.rpc.invoke(rpc::InvokeRequest::default()).await.unwrap_err();
    assert_eq!(err.code(), Code::Unimplemented);
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

/// A Create waiting on a deployment that stays PENDING for ten minutes; returns once AWS has it.
async fn create_stuck_pending() -> (Harness, tokio::task::JoinHandle<Result<rpc::CreateResponse, tonic::Status>>) {
    let settings = Settings {
        time_scale: 1.0,
        quotas: false,
        deploy_delay: Duration::from_secs(600),
        ..fast_settings()
    };
    let h = harness(settings).await;
    let mut rpc = h.rpc.clone();
    let api = h.fixture.api_id.clone();
    let pending = tokio::spawn(async move { create(&mut rpc, json!({"apiId": api}), 0.0).await });
    let emulator = h.em.emulator.clone();
    let api = h.fixture.api_id.clone();
    wait_for("the deployment to exist", Duration::from_secs(10), || {
        let ids = emulator.deployment_ids(&api);
        async move { (!ids.is_empty()).then_some(()) }
    })
    .await;
    (h, pending)
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

/// Provider pacing that matches the emulator's quota at the fast settings' 0.01 time scale.
fn scaled_quota() -> Value {
    json!({"callsPerSecond": 1000, "callBurst": 40, "createDeploymentIntervalMs": 50})
}

/// Creates `n` deployments in parallel through the provider; returns each Create's outcome.
async fn parallel_creates(h: &Harness, n: usize) -> Vec<Result<rpc::CreateResponse, tonic::Status>> {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let mut rpc = h.rpc.clone();
            let api = h.fixture.api_id.clone();
            tokio::spawn(async move { create(&mut rpc, json!({"apiId": api, "description": format!("parallel {i}")}), 120.0).await })
        })
        .collect();
    let mut out = vec![];
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn fault(op: &str, kind: FaultKind, probability: f64) -> FaultRule {
    FaultRule {
        operation: op.into(),
        kind,
        count: None,
        probability,
    }
}

/// Under 30% 429s, 10% 500s and dropped connections (before and after the call ran), 30 parallel
/// Creates all succeed with no duplicate, then 30 parallel Deletes leave the emulator empty.
#[tokio::test]
async fn thirty_creates_survive_faults() {
    let mut cfg = scaled_quota();
    cfg["maxRetries"] = json!(25);
    let h = harness_with(fast_settings(), cfg).await;
    let em = h.em.emulator.clone();
    em.add_fault(fault("*", FaultKind::Status { status: 429 }, 0.3));
    em.add_fault(fault("*", FaultKind::Status { status: 500 }, 0.1));
    em.add_fault(fault("*", FaultKind::Reset, 0.05));
    em.add_fault(fault("CreateDeployment", FaultKind::ResetAfter, 0.05));
    let results = parallel_creates(&h, 30).await;
    let mut ids: Vec<String> = results.into_iter().map(|r| r.expect("every Create succeeds").id).collect();
    ids.sort();
    let mut held = em.deployment_ids(&h.fixture.api_id);
    held.sort();
    assert_eq!(ids, held, "exactly the reported deployments exist: none lost, none duplicated");
    assert!(
        em.count_status(429) > 0 && em.count_status(500) > 0,
        "faults were injected: {}",
        em.stats()
    );

    let deletes: Vec<_> = ids
        .iter()
        .map(|id| {
            let mut rpc = h.rpc.clone();
            let req = rpc::DeleteRequest {
                id: format!("{}/{id}", h.fixture.api_id),
                urn: URN.into(),
                timeout: 120.0,
                ..Default::default()
            };
            tokio::spawn(async move { rpc.delete(req).await })
        })
        .collect();
    for d in deletes {
        d.await.unwrap().expect("every Delete succeeds");
    }
    assert!(em.deployment_ids(&h.fixture.api_id).is_empty(), "the emulator ends empty");
}

/// 30 parallel Creates under the emulator's AWS quota at a 0.1 time scale (one CreateDeployment
/// per 500 ms: wide enough that scheduling jitter on a loaded 2-core machine stays inside the
/// limiter's margin) are paced so that AWS never answers 429, and take no less than the floor.
#[tokio::test]
async fn thirty_creates_meet_no_throttling() {
    let settings = Settings {
        time_scale: 0.1,
        ..fast_settings()
    };
    let h = harness_with(
        settings,
        json!({"callsPerSecond": 100, "callBurst": 40, "createDeploymentIntervalMs": 500}),
    )
    .await;
    let t = std::time::Instant::now();
    let results = parallel_creates(&h, 30).await;
    let elapsed = t.elapsed();
    assert!(results.iter().all(|r| r.is_ok()));
    assert_eq!(h.em.emulator.count_status(429), 0, "throttled: {}", h.em.emulator.stats());
    assert!(
        elapsed >= Duration::from_millis(29 * 500),
        "faster than the quota allows: {elapsed:?}"
    );
}

/// A CreateDeployment whose response is lost after it ran is found and adopted, not repeated.
#[tokio::test]
async fn lost_create_response_is_adopted() {
    let mut h = harness_with(fast_settings(), scaled_quota()).await;
    h.em.emulator.add_fault(FaultRule {
        operation: "CreateDeployment".into(),
        kind: FaultKind::ResetAfter,
        count: Some(1),
        probability: 1.0,
    });
    let created = create(&mut h.rpc, json!({"apiId": h.fixture.api_id, "description": "once"}), 30.0)
        .await
        .unwrap();
    assert_eq!(h.em.emulator.deployment_ids(&h.fixture.api_id), vec![created.id]);
}

/// Even with no retry left, a CreateDeployment that ran but lost its response is found and
/// reported, never left behind unrecorded.
#[tokio::test]
async fn lost_create_response_found_when_giving_up() {
    let mut cfg = scaled_quota();
    cfg["maxRetries"] = json!(1);
    let mut h = harness_with(fast_settings(), cfg).await;
    h.em.emulator.add_fault(FaultRule {
        operation: "CreateDeployment".into(),
        kind: FaultKind::ResetAfter,
        count: Some(1),
        probability: 1.0,
    });
    let created = create(&mut h.rpc, json!({"apiId": h.fixture.api_id, "description": "last chance"}), 30.0)
        .await
        .unwrap();
    assert_eq!(h.em.emulator.deployment_ids(&h.fixture.api_id), vec![created.id]);
}

/// Invalid credentials give one clear error and one call, not a retry storm.
#[tokio::test]
async fn bad_credentials_fail_once() {
    let mut h = harness_with(fast_settings(), json!({"secretKey": secret(json!("wrong-secret"))})).await;
    let err = create(&mut h.rpc, json!({"apiId": h.fixture.api_id}), 30.0).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    assert!(err.message().contains("InvalidSignatureException"), "{}", err.message());
    assert_eq!(
        h.em.emulator.count_status(403),
        1,
        "{}\n{}",
        h.em.emulator.stats(),
        h.provider.stderr_text()
    );
}

/// SIGTERM during a long wait: the Create answers at once with the created id, and the process exits cleanly.
#[tokio::test]
async fn sigterm_reports_created_and_exits() {
    let (mut h, pending) = create_stuck_pending().await;
    let t = std::time::Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &h.provider.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let err = pending.await.unwrap().unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    assert_eq!(h.em.emulator.deployment_ids(&h.fixture.api_id), vec![init_failure(&err).id]);
    let status = wait_for("the provider to exit", Duration::from_secs(5), || {
        let s = h.provider.child.try_wait().unwrap();
        async move { s }
    })
    .await;
    assert!(status.success(), "exit status {status:?}");
}

/// A request over the 400 MiB message limit is refused with an error, and the provider keeps serving.
#[tokio::test]
async fn oversized_message_is_refused() {
    let provider = ProviderProcess::start(&[], &[]);
    let mut rpc = connect(provider.port).await.max_encoding_message_size(usize::MAX);
    let huge = json!({"apiId": "a", "description": "x".repeat(401 * 1024 * 1024)});
    let err = rpc
        .check(rpc::CheckRequest {
            urn: URN.into(),
            news: Some(to_struct(huge)),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::OutOfRange, "{}", err.message());
    rpc.get_plugin_info(()).await.expect("still serving");
}

fn diff_req(id: &str, olds: &Option<prost_types::Struct>, old_inputs: &Value, news: &Value) -> rpc::DiffRequest {
    rpc::DiffRequest {
        id: id.to_string(),
        urn: URN.into(),
        olds: olds.clone(),
        news: Some(to_struct(news.clone())),
        old_inputs: Some(to_struct(old_inputs.clone())),
        ..Default::default()
    }
}

fn logs(h: &Harness) -> Vec<String> {
    h.engine.logs.lock().unwrap().clone()
}

async fn add_route(url: &str, api: &str, key: &str) -> String {
    let c = client(url);
    c.create_route()
        .api_id(api)
        .route_key(key)
        .send()
        .await
        .unwrap()
        .route_id()
        .unwrap()
        .to_string()
}

/// With redeployOnApiChange, Diff replaces a deployment whose API gained a route or whose
/// integration changed, naming each change, and plans nothing while the API is as recorded.
#[tokio::test]
async fn api_change_replaces_with_reason() {
    let mut h = harness(fast_settings()).await;
    let api = h.fixture.api_id.clone();
    let c = client(&h.em.url);
    let integration = c
        .create_integration()
        .api_id(&api)
        .integration_type(aws_sdk_apigatewayv2::types::IntegrationType::HttpProxy)
        .integration_method("ANY")
        .integration_uri("https://a.example")
        .payload_format_version("1.0")
        .send()
        .await
        .unwrap();
    let int_id = integration.integration_id().unwrap().to_string();
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
