//! The provider binary driven over gRPC through the engine's call sequence, against the emulator.

use integration_tests::emulator::faults::{FaultKind, FaultRule};
use integration_tests::emulator::{DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, Settings};
use integration_tests::*;
use prost::Message;
use pulumi_gestalt_proto::pulumi::pulumirpc as rpc;
use rpc::resource_provider_client::ResourceProviderClient;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tonic::Code;
use tonic::transport::Channel;

const URN: &str = "urn:pulumi:dev::proj::aws-apigatewayv2:index:Deployment::prod";

/// A stand-in for the engine's Engine service that records Log messages.
#[derive(Clone, Default)]
struct FakeEngine {
    logs: Arc<Mutex<Vec<String>>>,
}

#[tonic::async_trait]
impl rpc::engine_server::Engine for FakeEngine {
    async fn log(&self, r: tonic::Request<rpc::LogRequest>) -> Result<tonic::Response<()>, tonic::Status> {
        self.logs.lock().unwrap().push(r.into_inner().message);
        Ok(tonic::Response::new(()))
    }
    async fn get_root_resource(
        &self,
        _: tonic::Request<rpc::GetRootResourceRequest>,
    ) -> Result<tonic::Response<rpc::GetRootResourceResponse>, tonic::Status> {
        Ok(tonic::Response::new(rpc::GetRootResourceResponse { urn: String::new() }))
    }
    async fn set_root_resource(
        &self,
        _: tonic::Request<rpc::SetRootResourceRequest>,
    ) -> Result<tonic::Response<rpc::SetRootResourceResponse>, tonic::Status> {
        Ok(tonic::Response::new(rpc::SetRootResourceResponse {}))
    }
    async fn start_debugging(&self, _: tonic::Request<rpc::StartDebuggingRequest>) -> Result<tonic::Response<()>, tonic::Status> {
        Ok(tonic::Response::new(()))
    }
    async fn require_pulumi_version(
        &self,
        _: tonic::Request<rpc::RequirePulumiVersionRequest>,
    ) -> Result<tonic::Response<rpc::RequirePulumiVersionResponse>, tonic::Status> {
        Ok(tonic::Response::new(rpc::RequirePulumiVersionResponse::default()))
    }
}

async fn start_engine() -> (FakeEngine, String) {
    let engine = FakeEngine::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let svc = rpc::engine_server::EngineServer::new(engine.clone());
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(svc)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    (engine, addr)
}

struct Harness {
    em: apigatewayv2_emulator::RunningEmulator,
    provider: ProviderProcess,
    rpc: ResourceProviderClient<Channel>,
    engine: FakeEngine,
    fixture: Fixture,
}

async fn connect(port: u16) -> ResourceProviderClient<Channel> {
    ResourceProviderClient::connect(format!("http://127.0.0.1:{port}"))
        .await
        .expect("connect to provider")
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
    rpc.handshake(rpc::ProviderHandshakeRequest {
        engine_address: engine_addr.clone(),
        ..Default::default()
    })
    .await
    .unwrap();
    let mut cfg = config(&em.url);
    for (k, v) in extra.as_object().into_iter().flatten() {
        cfg[k] = v.clone();
    }
    let checked = rpc
        .check_config(rpc::CheckRequest {
            urn: "urn:pulumi:dev::proj::pulumi:providers:aws-apigatewayv2::default".into(),
            news: Some(to_struct(cfg)),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(checked.failures.is_empty(), "{:?}", checked.failures);
    let resp = rpc
        .configure(rpc::ConfigureRequest {
            args: checked.inputs,
            accept_secrets: true,
            accept_resources: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
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
        vec!["maxRetries".to_string()],
        "shape failures come first, then cross-key rules are skipped"
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
    assert!(err.message().contains("stageName"), "{}", err.message());
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
            "CreateDeployment for a deployment of API {api} failed: BadRequestException: Unable to deploy API because no routes exist in this API"
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
    assert_eq!(h.em.emulator.count_status(403), 1);
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
