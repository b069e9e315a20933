//! The provider binary driven over gRPC through the engine's call sequence, against the emulator.
//! The harness is here; the tests are in modules by theme:
//!
//! - [`lifecycle`]: the engine's sequence, previews, validation, init failures, cancellation,
//!   refused deletes, errors, secrets, schema and dispatch by type token.
//! - [`faults`]: parallel creates under faults and quotas, lost responses, credentials, signals,
//!   oversized messages.
//! - [`api_following`]: `redeployOnApiChange`, refresh warnings and the fingerprint's parts.
//! - [`functions`]: getDeployment, getDeployments, getStage, getApiFingerprint (Invoke).
//! - [`listing`]: the List RPC's pages, limit, query rules.
//! - [`regions`]: `region` on the resource, the functions and the listing; state from before it.

mod api_following;
mod faults;
mod functions;
mod lifecycle;
mod listing;
mod regions;

use integration_tests::emulator::faults::{FaultKind, FaultRule};
use integration_tests::emulator::{DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, Settings};
use integration_tests::rpc::{FakeEngine, configure, connect, start_engine};
use integration_tests::*;
use prost::Message;
use provider::proto::pulumirpc as rpc;
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
    check_against(rpc, None, news).await
}

/// Check as the engine sends it for a resource that exists (`olds`: its stored inputs).
async fn check_against(rpc: &mut ResourceProviderClient<Channel>, olds: Option<Value>, news: Value) -> rpc::CheckResponse {
    rpc.check(rpc::CheckRequest {
        urn: URN.into(),
        olds: olds.map(to_struct),
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

fn fault(op: &str, kind: FaultKind, probability: f64) -> FaultRule {
    FaultRule {
        operation: op.into(),
        kind,
        count: None,
        probability,
    }
}

/// Adds route `key` to API `api` outside the provider; returns its id.
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

async fn invoke(rpc: &mut ResourceProviderClient<Channel>, tok: &str, args: Value) -> Result<rpc::InvokeResponse, tonic::Status> {
    rpc.invoke(rpc::InvokeRequest {
        tok: format!("aws-apigatewayv2:index:{tok}"),
        args: Some(to_struct(args)),
        ..Default::default()
    })
    .await
    .map(|r| r.into_inner())
}

async fn result(rpc: &mut ResourceProviderClient<Channel>, tok: &str, args: Value) -> Value {
    let resp = invoke(rpc, tok, args).await.unwrap_or_else(|e| panic!("{tok}: {e}"));
    assert!(resp.failures.is_empty(), "{tok}: {:?}", resp.failures);
    from_struct(&resp.r#return.expect("a result"))
}

/// One List call: the ids it streamed and the continuation token it ended with.
async fn list(
    rpc: &mut ResourceProviderClient<Channel>,
    query: Value,
    limit: i64,
    token: &str,
) -> Result<(Vec<String>, Option<String>, bool), tonic::Status> {
    use rpc::list_response::Response as Item;
    let mut stream = rpc
        .list(rpc::ListRequest {
            token: "aws-apigatewayv2:index:Deployment".into(),
            query: Some(to_struct(query)),
            limit,
            page_size: 0,
            continuation_token: token.into(),
        })
        .await?
        .into_inner();
    let (mut ids, mut next, mut computed) = (vec![], None, false);
    while let Some(msg) = stream.message().await? {
        match msg.response.expect("a response") {
            Item::Result(r) => ids.push(r.id),
            Item::Continuation(c) => next = Some(c.continuation_token),
            Item::Computed(_) => computed = true,
        }
    }
    Ok((ids, next, computed))
}
