//! The provider over gRPC as the engine drives it: a stand-in for the engine's Engine service
//! (it records Log messages), and a client connected to a launched provider.

use provider::proto::pulumirpc as rpc;
use rpc::resource_provider_client::ResourceProviderClient;
use std::sync::{Arc, Mutex};
use tonic::transport::Channel;

/// A stand-in for the engine's Engine service that records Log messages.
#[derive(Clone, Default)]
pub struct FakeEngine {
    pub logs: Arc<Mutex<Vec<String>>>,
}

impl FakeEngine {
    pub fn messages(&self) -> Vec<String> {
        self.logs.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[tonic::async_trait]
impl rpc::engine_server::Engine for FakeEngine {
    async fn log(&self, r: tonic::Request<rpc::LogRequest>) -> Result<tonic::Response<()>, tonic::Status> {
        self.logs.lock().unwrap_or_else(|p| p.into_inner()).push(r.into_inner().message);
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

/// Serves a [`FakeEngine`] on 127.0.0.1:0; returns it with its address.
pub async fn start_engine() -> (FakeEngine, String) {
    let engine = FakeEngine::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind engine");
    let addr = listener.local_addr().expect("engine addr").to_string();
    let svc = rpc::engine_server::EngineServer::new(engine.clone());
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(svc)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    (engine, addr)
}

/// A client of the provider listening on `port`.
pub async fn connect(port: u16) -> ResourceProviderClient<Channel> {
    ResourceProviderClient::connect(format!("http://127.0.0.1:{port}"))
        .await
        .expect("connect to provider")
}

/// The engine's start of a provider's life: Handshake (naming `engine` when there is one), then
/// CheckConfig of `cfg` (which must pass) and Configure with what it returned. `Err` is
/// Configure's refusal.
pub async fn configure(
    rpc: &mut ResourceProviderClient<Channel>,
    engine: Option<&str>,
    cfg: serde_json::Value,
) -> Result<rpc::ConfigureResponse, tonic::Status> {
    rpc.handshake(rpc::ProviderHandshakeRequest {
        engine_address: engine.unwrap_or_default().to_string(),
        ..Default::default()
    })
    .await?;
    let checked = rpc
        .check_config(rpc::CheckRequest {
            urn: "urn:pulumi:dev::proj::pulumi:providers:aws-apigatewayv2::default".into(),
            news: Some(crate::to_struct(cfg)),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert!(checked.failures.is_empty(), "CheckConfig: {:?}", checked.failures);
    rpc.configure(rpc::ConfigureRequest {
        args: checked.inputs,
        accept_secrets: true,
        accept_resources: true,
        ..Default::default()
    })
    .await
    .map(|r| r.into_inner())
}
