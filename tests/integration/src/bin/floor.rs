//! The floor `make bench` judges the provider's start-up, memory and size against: a bare tonic
//! server on the same crates and the same protocol bindings that does what any provider must
//! and nothing more. It prints its port, answers Handshake, GetPluginInfo and CheckConfig, and in
//! Configure builds an aws-sdk-apigatewayv2 client from the region, keys and endpoint; every other
//! RPC is Unimplemented. It is linked as the plugin is (a fixed-address executable on Linux;
//! see build.rs), so the bench's ratios compare the code, not the link mode.

use aws_config::{BehaviorVersion, Region};
use provider::proto::pulumirpc as rpc;
use rpc::resource_provider_server::{ResourceProvider, ResourceProviderServer};
use std::io::Write as _;
use std::sync::Mutex;
use tonic::{Request, Response, Status};

#[derive(Default)]
struct Floor {
    client: Mutex<Option<aws_sdk_apigatewayv2::Client>>,
}

fn text(args: &prost_types::Struct, key: &str) -> Option<String> {
    match args.fields.get(key)?.kind.as_ref()? {
        prost_types::value::Kind::StringValue(s) => Some(s.clone()),
        // A secret's value: {"4dabf...": sig, "value": "..."}.
        prost_types::value::Kind::StructValue(s) => text(s, "value"),
        _ => None,
    }
}

#[tonic::async_trait]
impl ResourceProvider for Floor {
    type ListStream = tokio_stream::Empty<Result<rpc::ListResponse, Status>>;

    async fn handshake(&self, _: Request<rpc::ProviderHandshakeRequest>) -> Result<Response<rpc::ProviderHandshakeResponse>, Status> {
        Ok(Response::new(rpc::ProviderHandshakeResponse {
            accept_secrets: true,
            accept_resources: true,
            ..Default::default()
        }))
    }

    async fn get_plugin_info(&self, _: Request<()>) -> Result<Response<rpc::PluginInfo>, Status> {
        Ok(Response::new(rpc::PluginInfo {
            version: env!("CARGO_PKG_VERSION").into(),
        }))
    }

    async fn check_config(&self, request: Request<rpc::CheckRequest>) -> Result<Response<rpc::CheckResponse>, Status> {
        Ok(Response::new(rpc::CheckResponse {
            inputs: request.into_inner().news,
            failures: vec![],
        }))
    }

    async fn configure(&self, request: Request<rpc::ConfigureRequest>) -> Result<Response<rpc::ConfigureResponse>, Status> {
        let args = request.into_inner().args.unwrap_or_default();
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = text(&args, "region") {
            loader = loader.region(Region::new(region));
        }
        if let (Some(ak), Some(sk)) = (text(&args, "accessKey"), text(&args, "secretKey")) {
            loader = loader.credentials_provider(aws_credential_types::Credentials::new(ak, sk, None, None, "floor"));
        }
        if let Some(endpoint) = text(&args, "endpoint") {
            loader = loader.endpoint_url(endpoint);
        }
        let client = aws_sdk_apigatewayv2::Client::new(&loader.load().await);
        *self.client.lock().unwrap_or_else(|p| p.into_inner()) = Some(client);
        Ok(Response::new(rpc::ConfigureResponse {
            accept_secrets: true,
            supports_preview: true,
            accept_resources: true,
            ..Default::default()
        }))
    }

    async fn list(&self, _: Request<rpc::ListRequest>) -> Result<Response<Self::ListStream>, Status> {
        Err(Status::unimplemented("list"))
    }

    // Everything else a provider serves, the floor does not.

    async fn parameterize(&self, _: Request<rpc::ParameterizeRequest>) -> Result<Response<rpc::ParameterizeResponse>, Status> {
        Err(Status::unimplemented("parameterize"))
    }

    async fn get_schema(&self, _: Request<rpc::GetSchemaRequest>) -> Result<Response<rpc::GetSchemaResponse>, Status> {
        Err(Status::unimplemented("get_schema"))
    }

    async fn diff_config(&self, _: Request<rpc::DiffRequest>) -> Result<Response<rpc::DiffResponse>, Status> {
        Err(Status::unimplemented("diff_config"))
    }

    async fn invoke(&self, _: Request<rpc::InvokeRequest>) -> Result<Response<rpc::InvokeResponse>, Status> {
        Err(Status::unimplemented("invoke"))
    }

    async fn call(&self, _: Request<rpc::CallRequest>) -> Result<Response<rpc::CallResponse>, Status> {
        Err(Status::unimplemented("call"))
    }

    async fn check(&self, _: Request<rpc::CheckRequest>) -> Result<Response<rpc::CheckResponse>, Status> {
        Err(Status::unimplemented("check"))
    }

    async fn diff(&self, _: Request<rpc::DiffRequest>) -> Result<Response<rpc::DiffResponse>, Status> {
        Err(Status::unimplemented("diff"))
    }

    async fn create(&self, _: Request<rpc::CreateRequest>) -> Result<Response<rpc::CreateResponse>, Status> {
        Err(Status::unimplemented("create"))
    }

    async fn read(&self, _: Request<rpc::ReadRequest>) -> Result<Response<rpc::ReadResponse>, Status> {
        Err(Status::unimplemented("read"))
    }

    async fn update(&self, _: Request<rpc::UpdateRequest>) -> Result<Response<rpc::UpdateResponse>, Status> {
        Err(Status::unimplemented("update"))
    }

    async fn delete(&self, _: Request<rpc::DeleteRequest>) -> Result<Response<()>, Status> {
        Err(Status::unimplemented("delete"))
    }

    async fn construct(&self, _: Request<rpc::ConstructRequest>) -> Result<Response<rpc::ConstructResponse>, Status> {
        Err(Status::unimplemented("construct"))
    }

    async fn cancel(&self, _: Request<()>) -> Result<Response<()>, Status> {
        Err(Status::unimplemented("cancel"))
    }

    async fn attach(&self, _: Request<rpc::PluginAttach>) -> Result<Response<()>, Status> {
        Err(Status::unimplemented("attach"))
    }

    async fn get_mapping(&self, _: Request<rpc::GetMappingRequest>) -> Result<Response<rpc::GetMappingResponse>, Status> {
        Err(Status::unimplemented("get_mapping"))
    }

    async fn get_mappings(&self, _: Request<rpc::GetMappingsRequest>) -> Result<Response<rpc::GetMappingsResponse>, Status> {
        Err(Status::unimplemented("get_mappings"))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{}", listener.local_addr()?.port())?;
    stdout.flush()?;
    tonic::transport::Server::builder()
        .add_service(ResourceProviderServer::new(Floor::default()))
        .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)))
        .await?;
    Ok(())
}
