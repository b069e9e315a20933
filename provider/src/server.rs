//! The ResourceProvider gRPC service: each RPC decodes its Structs at the edge ([`crate::props`]),
//! runs the resource logic on typed properties, and encodes the reply. Errors name the operation,
//! the ids and AWS's code and message.

use prost::Message;
use prost_types::Struct;
use pulumi_gestalt_proto::pulumi::pulumirpc::{
    self as rpc, CheckFailure, CheckRequest, CheckResponse, ConfigureRequest, ConfigureResponse, CreateRequest, CreateResponse,
    DeleteRequest, DiffRequest, DiffResponse, ErrorResourceInitFailed, GetSchemaRequest, GetSchemaResponse, PluginAttach, PluginInfo,
    PropertyDiff, ProviderHandshakeRequest, ProviderHandshakeResponse, ReadRequest, ReadResponse, UpdateRequest, UpdateResponse,
    diff_response::DiffChanges, property_diff::Kind as PdKind, resource_provider_server::ResourceProvider,
};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tonic::{Code, Request, Response, Status};

use crate::check;
use crate::cloud::Cloud;
use crate::config;
use crate::deployment::{self, OpError};
use crate::diff::{self, ChangeKind};
use crate::engine::EngineLog;
use crate::limiter;
use crate::props::{self, Failure, Props, Strictness};
use crate::resource::{CONFIG, DEPLOYMENT, ResourceDecl, Role, VERSION};
use crate::schema;
use crate::sharedquota::SharedQuota;

/// Like Terraform's resource: wait up to five minutes for DEPLOYED unless customTimeouts say otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// The reference Go server accepts messages this large; so do we.
pub const MAX_MESSAGE_BYTES: usize = 400 * 1024 * 1024;

/// The provider's state across RPCs.
pub struct Provider {
    engine: EngineLog,
    cloud: RwLock<Option<Cloud>>,
    cancel: CancellationToken,
}

impl Provider {
    /// `cancel` stops every in-flight wait: fired by the Cancel RPC and by shutdown signals.
    pub fn new(engine: EngineLog, cancel: CancellationToken) -> Self {
        Self {
            engine,
            cloud: RwLock::new(None),
            cancel,
        }
    }

    fn cloud(&self, operation: &str) -> Result<Cloud, Status> {
        self.cloud.read().unwrap_or_else(|p| p.into_inner()).clone().ok_or_else(|| {
            Status::failed_precondition(format!(
                "{operation}: the aws-apigatewayv2 provider is not configured yet (Configure was not called or its config is unknown)"
            ))
        })
    }

    fn ctx<'a>(&'a self, cloud: &'a Cloud, urn: &'a str) -> deployment::Ctx<'a> {
        deployment::Ctx {
            cloud,
            engine: &self.engine,
            urn,
        }
    }
}

/// When an operation must be done by: `customTimeouts` seconds, or the default.
fn deadline(seconds: f64) -> Instant {
    Instant::now() + timeout_of(seconds)
}

fn timeout_of(seconds: f64) -> Duration {
    if seconds.is_finite() && seconds > 0.0 {
        Duration::from_secs_f64(seconds.min(7.0 * 24.0 * 3600.0))
    } else {
        DEFAULT_TIMEOUT
    }
}

/// Every RPC this provider has no use for answers here, naming itself.
fn unimplemented(rpc: &str) -> Status {
    Status::unimplemented(format!("{rpc} is not implemented by the aws-apigatewayv2 provider"))
}

fn to_check_failures(failures: Vec<Failure>) -> Vec<CheckFailure> {
    failures
        .into_iter()
        .map(|f| CheckFailure {
            property: f.property,
            reason: f.reason,
        })
        .collect()
}

/// The google.rpc.Status that carries error details on the wire.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
    #[prost(message, repeated, tag = "3")]
    details: Vec<prost_types::Any>,
}

/// The object exists but did not finish: the engine records `id` with these properties.
fn init_failed(id: &str, properties: Struct, reason: String) -> Status {
    let detail = ErrorResourceInitFailed {
        id: id.to_string(),
        properties: Some(properties),
        reasons: vec![reason.clone()],
        inputs: None,
        refresh_before_update: false,
    };
    let status = RpcStatus {
        code: Code::Unknown as i32,
        message: reason.clone(),
        details: vec![prost_types::Any {
            type_url: "type.googleapis.com/pulumirpc.ErrorResourceInitFailed".into(),
            value: detail.encode_to_vec(),
        }],
    };
    Status::with_details(Code::Unknown, reason, status.encode_to_vec().into())
}

fn decode(decl: &ResourceDecl, s: Option<&Struct>) -> Props {
    props::decode(decl, s, Strictness::Lenient).0
}

/// A lifecycle failure as the engine needs it: an error, or the init-failure that records the id.
fn op_status(e: OpError) -> Status {
    match e {
        OpError::Failed(code, message) => Status::new(code, message),
        OpError::Partial { id, outputs, reason } => init_failed(&id, props::encode(&DEPLOYMENT, &outputs), reason),
    }
}

fn diff_kind(k: ChangeKind) -> PdKind {
    match k {
        ChangeKind::Add => PdKind::Add,
        ChangeKind::AddReplace => PdKind::AddReplace,
        ChangeKind::Delete => PdKind::Delete,
        ChangeKind::DeleteReplace => PdKind::DeleteReplace,
        ChangeKind::Update => PdKind::Update,
        ChangeKind::UpdateReplace => PdKind::UpdateReplace,
    }
}

fn diff_response(decl: &ResourceDecl, result: diff::DiffResult) -> DiffResponse {
    let is_input = |name: &str| decl.field(name).is_some_and(|f| f.role == Role::Input);
    let property_diff = |k: ChangeKind, input_diff: bool| PropertyDiff {
        kind: diff_kind(k) as i32,
        input_diff,
    };
    // A property with details is shown through its paths; the others as a whole.
    let mut detailed_diff: std::collections::HashMap<String, PropertyDiff> = result
        .changes
        .iter()
        .filter(|(n, _)| !result.details.iter().any(|(p, _)| p.starts_with(&format!("{n}["))))
        .map(|(n, k)| (n.to_string(), property_diff(*k, is_input(n))))
        .collect();
    for (path, k) in &result.details {
        let top = path.split('[').next().unwrap_or(path);
        detailed_diff.insert(path.clone(), property_diff(*k, is_input(top)));
    }
    DiffResponse {
        replaces: result.replaces().into_iter().map(str::to_string).collect(),
        stables: vec![],
        delete_before_replace: false,
        changes: if result.changes.is_empty() {
            DiffChanges::DiffNone
        } else {
            DiffChanges::DiffSome
        } as i32,
        diffs: result.changes.iter().map(|(n, _)| n.to_string()).collect(),
        detailed_diff,
        has_detailed_diff: true,
    }
}

/// Old inputs when the engine sends them, else the inputs carried in the old outputs.
fn old_inputs(decl: &ResourceDecl, old_inputs: Option<&Struct>, olds: Option<&Struct>) -> Props {
    match old_inputs {
        Some(s) if !s.fields.is_empty() => decode(decl, Some(s)).inputs_only(decl),
        _ => decode(decl, olds).inputs_only(decl),
    }
}

#[tonic::async_trait]
impl ResourceProvider for Provider {
    async fn handshake(&self, request: Request<ProviderHandshakeRequest>) -> Result<Response<ProviderHandshakeResponse>, Status> {
        self.engine.connect(&request.get_ref().engine_address);
        Ok(Response::new(ProviderHandshakeResponse {
            accept_secrets: true,
            accept_resources: true,
            accept_outputs: false,
            supports_autonaming_configuration: false,
        }))
    }

    async fn parameterize(&self, _: Request<rpc::ParameterizeRequest>) -> Result<Response<rpc::ParameterizeResponse>, Status> {
        Err(unimplemented("Parameterize"))
    }

    async fn get_schema(&self, request: Request<GetSchemaRequest>) -> Result<Response<GetSchemaResponse>, Status> {
        let req = request.get_ref();
        if !req.subpackage_name.is_empty() {
            return Err(Status::not_found(format!(
                "GetSchema: aws-apigatewayv2 has no subpackage {:?}",
                req.subpackage_name
            )));
        }
        Ok(Response::new(GetSchemaResponse {
            schema: schema::EMBEDDED.to_string(),
        }))
    }

    async fn check_config(&self, request: Request<CheckRequest>) -> Result<Response<CheckResponse>, Status> {
        let req = request.into_inner();
        let failures = match config::check_config(req.news.as_ref()) {
            Ok(_) => vec![],
            Err(f) => to_check_failures(f),
        };
        let inputs = req.news.map(|mut news| {
            props::mark_secrets(CONFIG.fields, &mut news);
            news
        });
        Ok(Response::new(CheckResponse { inputs, failures }))
    }

    async fn diff_config(&self, request: Request<DiffRequest>) -> Result<Response<DiffResponse>, Status> {
        let req = request.into_inner();
        let olds = old_inputs(&CONFIG, req.old_inputs.as_ref(), req.olds.as_ref());
        let news = decode(&CONFIG, req.news.as_ref());
        Ok(Response::new(diff_response(
            &CONFIG,
            diff::diff(&CONFIG, &olds, &news, &req.ignore_changes),
        )))
    }

    async fn configure(&self, request: Request<ConfigureRequest>) -> Result<Response<ConfigureResponse>, Status> {
        let req = request.into_inner();
        let props = config::check_config(req.args.as_ref()).map_err(|failures| {
            let list: Vec<String> = failures.iter().map(|f| f.reason.clone()).collect();
            Status::invalid_argument(format!("Configure: invalid aws-apigatewayv2 configuration: {}", list.join("; ")))
        })?;
        if props.has_unknowns() {
            tracing::info!("configuration has unknown values; AWS calls wait for a configured run");
        } else {
            let settings = config::settings(&props)
                .await
                .map_err(|e| Status::invalid_argument(format!("Configure: {e}")))?;
            for warning in &settings.warnings {
                self.engine.warn("", warning).await;
            }
            let limiter = limiter::shared(&settings.quota_key, settings.limits);
            let shared = settings.quota_table.map(|table| {
                Arc::new(SharedQuota::new(
                    table,
                    limiter::create_spacing(&settings.limits),
                    self.engine.clone(),
                ))
            });
            let cloud = Cloud::new(settings.client, limiter, settings.max_attempts, self.cancel.clone()).with_shared_quota(shared);
            *self.cloud.write().unwrap_or_else(|p| p.into_inner()) = Some(cloud);
        }
        Ok(Response::new(ConfigureResponse {
            accept_secrets: true,
            supports_preview: true,
            accept_resources: true,
            accept_outputs: false,
            supports_autonaming_configuration: false,
        }))
    }

    async fn invoke(&self, _: Request<rpc::InvokeRequest>) -> Result<Response<rpc::InvokeResponse>, Status> {
        Err(unimplemented("Invoke"))
    }

    async fn call(&self, _: Request<rpc::CallRequest>) -> Result<Response<rpc::CallResponse>, Status> {
        Err(unimplemented("Call"))
    }

    async fn check(&self, request: Request<CheckRequest>) -> Result<Response<CheckResponse>, Status> {
        let req = request.into_inner();
        let news = check::normalize(&DEPLOYMENT, req.news);
        let failures = match check::check(&DEPLOYMENT, news.as_ref()) {
            Ok(_) => vec![],
            Err(f) => to_check_failures(f),
        };
        Ok(Response::new(CheckResponse { inputs: news, failures }))
    }

    async fn diff(&self, request: Request<DiffRequest>) -> Result<Response<DiffResponse>, Status> {
        let req = request.into_inner();
        let olds = old_inputs(&DEPLOYMENT, req.old_inputs.as_ref(), req.olds.as_ref());
        let old_outputs = decode(&DEPLOYMENT, req.olds.as_ref());
        let news = decode(&DEPLOYMENT, req.news.as_ref()).inputs_only(&DEPLOYMENT);
        let Ok(cloud) = self.cloud("Diff") else {
            // Provider config unknown in this preview: the declared rules still apply, the API
            // cannot be read until `pulumi up` knows where it is.
            let (result, follow) = deployment::planned_diff(&old_outputs, &olds, &news, &req.ignore_changes);
            if follow {
                let msg = "redeployOnApiChange: the provider's configuration is not known in this preview, so the API's configuration \
                           cannot be read yet; `pulumi up` compares it once the configuration is known";
                self.engine.warn(&req.urn, msg).await;
            }
            return Ok(Response::new(diff_response(&DEPLOYMENT, result)));
        };
        let result = self
            .ctx(&cloud, &req.urn)
            .diff(&req.id, &old_outputs, &olds, &news, &req.ignore_changes, deadline(0.0))
            .await
            .map_err(op_status)?;
        Ok(Response::new(diff_response(&DEPLOYMENT, result)))
    }

    async fn create(&self, request: Request<CreateRequest>) -> Result<Response<CreateResponse>, Status> {
        let req = request.into_inner();
        if req.preview {
            // Preview creates nothing: known inputs go back, outputs stay unknown.
            return Ok(Response::new(CreateResponse {
                id: String::new(),
                properties: req.properties,
                refresh_before_update: false,
            }));
        }
        let inputs = decode(&DEPLOYMENT, req.properties.as_ref()).inputs_only(&DEPLOYMENT);
        if inputs.has_unknowns() {
            return Err(Status::invalid_argument(format!(
                "Create of {}: inputs are still unknown outside preview",
                req.urn
            )));
        }
        let cloud = self.cloud("Create")?;
        let (id, outputs) = self
            .ctx(&cloud, &req.urn)
            .create(&inputs, deadline(req.timeout))
            .await
            .map_err(op_status)?;
        Ok(Response::new(CreateResponse {
            id,
            properties: Some(props::encode(&DEPLOYMENT, &outputs)),
            refresh_before_update: false,
        }))
    }

    async fn read(&self, request: Request<ReadRequest>) -> Result<Response<ReadResponse>, Status> {
        let req = request.into_inner();
        let old_outputs = decode(&DEPLOYMENT, req.properties.as_ref());
        let old_in = decode(&DEPLOYMENT, req.inputs.as_ref()).inputs_only(&DEPLOYMENT);
        let cloud = self.cloud("Read")?;
        let found = self
            .ctx(&cloud, &req.urn)
            .read(&req.id, &old_outputs, &old_in, deadline(0.0))
            .await
            .map_err(op_status)?;
        let Some((id, outputs, inputs)) = found else {
            // Gone: an empty id tells the engine to drop it from the state.
            return Ok(Response::new(ReadResponse {
                id: String::new(),
                properties: None,
                inputs: None,
                refresh_before_update: false,
            }));
        };
        Ok(Response::new(ReadResponse {
            id,
            properties: Some(props::encode(&DEPLOYMENT, &outputs)),
            inputs: Some(props::encode(&DEPLOYMENT, &inputs)),
            refresh_before_update: false,
        }))
    }

    async fn update(&self, request: Request<UpdateRequest>) -> Result<Response<UpdateResponse>, Status> {
        let req = request.into_inner();
        let olds = decode(&DEPLOYMENT, req.olds.as_ref());
        let news = decode(&DEPLOYMENT, req.news.as_ref()).inputs_only(&DEPLOYMENT);
        if req.preview {
            let mut merged = olds.clone();
            for f in DEPLOYMENT.inputs() {
                merged.copy_from(f.name, &news);
            }
            return Ok(Response::new(UpdateResponse {
                properties: Some(props::encode(&DEPLOYMENT, &merged)),
                refresh_before_update: false,
            }));
        }
        if news.has_unknowns() {
            return Err(Status::invalid_argument(format!(
                "Update of {} ({}): inputs are still unknown outside preview",
                req.urn, req.id
            )));
        }
        let cloud = self.cloud("Update")?;
        let outputs = self
            .ctx(&cloud, &req.urn)
            .update(&req.id, &olds, &news, deadline(req.timeout))
            .await
            .map_err(op_status)?;
        Ok(Response::new(UpdateResponse {
            properties: Some(props::encode(&DEPLOYMENT, &outputs)),
            refresh_before_update: false,
        }))
    }

    async fn delete(&self, request: Request<DeleteRequest>) -> Result<Response<()>, Status> {
        let req = request.into_inner();
        let props = decode(&DEPLOYMENT, req.properties.as_ref());
        let old_in = decode(&DEPLOYMENT, req.old_inputs.as_ref());
        let cloud = self.cloud("Delete")?;
        self.ctx(&cloud, &req.urn)
            .delete(&req.id, &props, &old_in, deadline(req.timeout))
            .await
            .map_err(op_status)?;
        Ok(Response::new(()))
    }

    async fn construct(&self, _: Request<rpc::ConstructRequest>) -> Result<Response<rpc::ConstructResponse>, Status> {
        Err(unimplemented("Construct"))
    }

    async fn cancel(&self, _: Request<()>) -> Result<Response<()>, Status> {
        tracing::info!("Cancel: stopping in-flight waits");
        self.cancel.cancel();
        Ok(Response::new(()))
    }

    async fn get_plugin_info(&self, _: Request<()>) -> Result<Response<PluginInfo>, Status> {
        Ok(Response::new(PluginInfo {
            version: VERSION.to_string(),
        }))
    }

    async fn attach(&self, request: Request<PluginAttach>) -> Result<Response<()>, Status> {
        self.engine.connect(&request.get_ref().address);
        Ok(Response::new(()))
    }

    async fn get_mapping(&self, _: Request<rpc::GetMappingRequest>) -> Result<Response<rpc::GetMappingResponse>, Status> {
        Err(unimplemented("GetMapping"))
    }

    async fn get_mappings(&self, _: Request<rpc::GetMappingsRequest>) -> Result<Response<rpc::GetMappingsResponse>, Status> {
        Err(unimplemented("GetMappings"))
    }
}

/// Serves the provider on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    provider: Provider,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), tonic::transport::Error> {
    let service = rpc::resource_provider_server::ResourceProviderServer::new(provider)
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    tonic::transport::Server::builder()
        .add_service(service)
        .serve_with_incoming_shutdown(tokio_stream::wrappers::TcpListenerStream::new(listener), shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The init-failure detail decodes back to the id and reason the engine needs.
    #[test]
    fn init_failed_carries_id() {
        let status = init_failed("dep1", Struct::default(), "boom".into());
        let outer = RpcStatus::decode(status.details()).unwrap();
        assert_eq!(outer.details[0].type_url, "type.googleapis.com/pulumirpc.ErrorResourceInitFailed");
        let inner = ErrorResourceInitFailed::decode(outer.details[0].value.as_slice()).unwrap();
        assert_eq!(inner.id, "dep1");
        assert_eq!(inner.reasons, vec!["boom".to_string()]);
    }
}
