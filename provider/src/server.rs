//! The gRPC edge, the only module that speaks pulumirpc: each RPC finds its resource in the
//! registry by type token, decodes its Structs ([`crate::decl::props`]), runs the resource's
//! lifecycle, encodes the reply, and turns domain errors into status codes ([`status`]). Errors
//! name the operation, the ids and AWS's code and message.

use crate::proto::pulumirpc::{
    self as rpc, CheckFailure, CheckRequest, CheckResponse, ConfigureRequest, ConfigureResponse, CreateRequest, CreateResponse,
    DeleteRequest, DiffRequest, DiffResponse, ErrorResourceInitFailed, GetSchemaRequest, GetSchemaResponse, PluginAttach, PluginInfo,
    PropertyDiff, ProviderHandshakeRequest, ProviderHandshakeResponse, ReadRequest, ReadResponse, UpdateRequest, UpdateResponse,
    diff_response::DiffChanges, property_diff::Kind as PdKind, resource_provider_server::ResourceProvider,
};
use prost::Message;
use prost_types::Struct;
use std::pin::Pin;
use std::sync::RwLock;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::time::Instant;
use tokio_stream::Stream;
use tokio_util::sync::CancellationToken;
use tonic::{Code, Request, Response, Status};

use crate::apigw::Aws;
use crate::config::{self, keys::CONFIG};
use crate::decl::check::FromProvider;
use crate::decl::diff::{self, ChangeKind};
use crate::decl::props::{self, Failure, Props, Strictness};
use crate::decl::{ResourceDecl, Role, VERSION, check};
use crate::engine::EngineLog;
use crate::error::Error;
use crate::resources;
use crate::resources::lifecycle::{Ctx, PageRequest, Registered};
use crate::schema;

/// Like Terraform's resource: wait up to five minutes for DEPLOYED unless customTimeouts say otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// The reference Go server accepts messages this large; so do we.
pub const MAX_MESSAGE_BYTES: usize = 400 * 1024 * 1024;

/// The provider's state across RPCs.
pub struct Provider {
    engine: EngineLog,
    aws: RwLock<Option<Aws>>,
    /// What Configure found for the inputs that default to the provider's values (`region`).
    lent: RwLock<FromProvider>,
    cancel: CancellationToken,
    /// Started by `pulumi preview` ([`crate::launch::started_by_preview`]).
    preview: bool,
}

impl Provider {
    /// `cancel` stops every in-flight wait: fired by the Cancel RPC and by shutdown signals.
    /// `preview`: the run is certainly a preview.
    pub fn new(engine: EngineLog, cancel: CancellationToken, preview: bool) -> Self {
        Self {
            engine,
            aws: RwLock::new(None),
            lent: RwLock::default(),
            cancel,
            preview,
        }
    }

    /// The configured clients, if Configure has made them.
    fn aws(&self) -> Option<Aws> {
        self.aws.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn lent(&self) -> FromProvider {
        self.lent.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn ctx<'a>(&'a self, aws: Option<&'a Aws>, urn: &'a str) -> Ctx<'a> {
        Ctx {
            aws,
            engine: &self.engine,
            urn,
            preview: self.preview,
        }
    }
}

/// The type token of a request: its `type` field, or (older engines) the last type of its URN
/// (`urn:pulumi:<stack>::<project>::<parent types$>type::<name>`).
fn type_token<'a>(r#type: &'a str, urn: &'a str) -> &'a str {
    if !r#type.is_empty() {
        return r#type;
    }
    let types = urn.split("::").nth(2).unwrap_or("");
    types.rsplit('$').next().unwrap_or(types)
}

/// The registered resource a request is for; an unknown type is refused, naming it.
fn resource(operation: &str, r#type: &str, urn: &str) -> Result<&'static dyn Registered, Status> {
    let token = type_token(r#type, urn);
    resources::by_token(token).ok_or_else(|| {
        let known: Vec<&str> = resources::decls().map(|d| d.token).collect();
        Status::invalid_argument(format!(
            "{operation} of {urn}: the aws-apigatewayv2 provider has no resource type {token:?}; it serves {}",
            known.join(", ")
        ))
    })
}

/// A domain error as the engine needs it: a status code, or the init-failure that records the id.
fn status(decl: &ResourceDecl, e: Error) -> Status {
    match e {
        Error::BadInput(m) => Status::invalid_argument(m),
        Error::NotFound(m) => Status::not_found(m),
        Error::Conflict(m) => Status::aborted(m),
        Error::Throttled(m) => Status::resource_exhausted(m),
        Error::Denied(m) => Status::permission_denied(m),
        Error::Precondition(m) => Status::failed_precondition(m),
        Error::Failed(m) => Status::unknown(m),
        Error::Partial { id, outputs, reason } => init_failed(&id, props::encode(decl, &outputs), reason),
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

/// Secrecy is the edge's business: what was secret in a request stays secret in what the
/// lifecycle built from it, the outputs of a partial create or update included.
fn keep_secrets(e: Error, sources: &[&Props]) -> Error {
    match e {
        Error::Partial { id, mut outputs, reason } => {
            for s in sources {
                outputs.keep_secrets_of(s);
            }
            Error::Partial { id, outputs, reason }
        }
        other => other,
    }
}

fn decode(decl: &ResourceDecl, s: Option<&Struct>) -> Props {
    props::decode(decl, s, Strictness::Lenient).0
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
            // Newer fields (byte strings, outputs in Check and Call, ...): not accepted.
            ..Default::default()
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
        let aws = if props.has_unknowns() {
            tracing::info!("configuration has unknown values; AWS calls wait for a configured run");
            None
        } else {
            Some(
                config::connect(&props, &self.engine, self.cancel.clone())
                    .await
                    .map_err(|e| Status::invalid_argument(format!("Configure: {e}")))?,
            )
        };
        let lent = config::lent_to_resources(&props, aws.as_ref()).await;
        *self.lent.write().unwrap_or_else(|p| p.into_inner()) = lent;
        *self.aws.write().unwrap_or_else(|p| p.into_inner()) = aws;
        Ok(Response::new(ConfigureResponse {
            accept_secrets: true,
            supports_preview: true,
            accept_resources: true,
            accept_outputs: false,
            supports_autonaming_configuration: false,
        }))
    }

    async fn invoke(&self, request: Request<rpc::InvokeRequest>) -> Result<Response<rpc::InvokeResponse>, Status> {
        let req = request.into_inner();
        let function = resources::function_by_token(&req.tok).ok_or_else(|| {
            let known: Vec<&str> = resources::function_decls().map(|d| d.token).collect();
            let serves = if known.is_empty() { "none".to_string() } else { known.join(", ") };
            Status::invalid_argument(format!(
                "Invoke: the aws-apigatewayv2 provider has no function {:?}; its functions: {serves}",
                req.tok
            ))
        })?;
        let args_decl = function.decl().args_decl();
        let result_decl = function.decl().result_decl();
        let lent = self.lent();
        let args = match check::check(&args_decl, req.args.as_ref(), &lent) {
            Ok(mut args) => {
                lent.fill(&args_decl, &mut args);
                args
            }
            Err(failures) => {
                return Ok(Response::new(rpc::InvokeResponse {
                    r#return: None,
                    failures: to_check_failures(failures),
                }));
            }
        };
        let aws = self.aws();
        let mut result = function
            .invoke(self.ctx(aws.as_ref(), ""), &args, deadline(0.0))
            .await
            .map_err(|e| status(&result_decl, e))?;
        result.keep_secrets_of(&args);
        Ok(Response::new(rpc::InvokeResponse {
            r#return: Some(props::encode(&result_decl, &result)),
            failures: vec![],
        }))
    }

    async fn call(&self, _: Request<rpc::CallRequest>) -> Result<Response<rpc::CallResponse>, Status> {
        Err(unimplemented("Call"))
    }

    async fn check(&self, request: Request<CheckRequest>) -> Result<Response<CheckResponse>, Status> {
        let req = request.into_inner();
        let res = resource("Check", &req.r#type, &req.urn)?;
        let decl = res.decl();
        let mut news = check::normalize(decl, req.news);
        // Stored with the inputs, so the region a deployment took from the provider stays its
        // own, and a change of the provider's shows in Diff.
        let lent = self.lent();
        if let Some(news) = news.as_mut() {
            lent.fill_struct(decl, news);
        }
        let failures = match check::check(decl, news.as_ref(), &lent) {
            Ok(checked) => {
                if let Some(news) = news.as_mut() {
                    // Old inputs mean the resource exists; its stored outputs come with them from
                    // engines that send them (the pinned 3.274 does; 3.206 did not), empty from others.
                    let updating = req.olds.as_ref().is_some_and(|o| !o.fields.is_empty());
                    let existing = updating.then(|| props::decode_owned(decl, req.old_outputs));
                    let aws = self.aws();
                    let found = res.check(self.ctx(aws.as_ref(), &req.urn), checked, existing, deadline(0.0)).await;
                    check::set_checked_inputs(decl, news, &found);
                }
                vec![]
            }
            Err(f) => to_check_failures(f),
        };
        Ok(Response::new(CheckResponse { inputs: news, failures }))
    }

    async fn diff(&self, request: Request<DiffRequest>) -> Result<Response<DiffResponse>, Status> {
        let req = request.into_inner();
        let res = resource("Diff", &req.r#type, &req.urn)?;
        let decl = res.decl();
        // Diff runs for every resource in every preview: its Structs move into Props. The old
        // inputs are the recorded ones, or (state from engines that kept none) the outputs'.
        let (mut olds, mut old_outputs) = match req.old_inputs {
            Some(s) if !s.fields.is_empty() => (
                props::decode_owned(decl, Some(s)).inputs_only(decl),
                props::decode_owned(decl, req.olds),
            ),
            _ => {
                let outputs = props::decode_owned(decl, req.olds);
                (outputs.clone().inputs_only(decl), outputs)
            }
        };
        let mut news = props::decode_owned(decl, req.news).inputs_only(decl);
        self.lent().fill_diff(decl, &mut olds, &mut old_outputs, &mut news);
        let aws = self.aws();
        let result = res
            .diff(
                self.ctx(aws.as_ref(), &req.urn),
                &req.id,
                old_outputs,
                olds,
                news,
                &req.ignore_changes,
                deadline(0.0),
            )
            .await
            .map_err(|e| status(decl, e))?;
        Ok(Response::new(diff_response(decl, result)))
    }

    async fn create(&self, request: Request<CreateRequest>) -> Result<Response<CreateResponse>, Status> {
        let req = request.into_inner();
        let res = resource("Create", &req.r#type, &req.urn)?;
        let decl = res.decl();
        if req.preview {
            // Preview creates nothing: known inputs go back, outputs stay unknown.
            return Ok(Response::new(CreateResponse {
                id: String::new(),
                properties: req.properties,
                refresh_before_update: false,
            }));
        }
        let inputs = decode(decl, req.properties.as_ref()).inputs_only(decl);
        if inputs.has_unknowns() {
            return Err(Status::invalid_argument(format!(
                "Create of {}: inputs are still unknown outside preview",
                req.urn
            )));
        }
        let aws = self.aws();
        let mut created = res
            .create(self.ctx(aws.as_ref(), &req.urn), &inputs, deadline(req.timeout))
            .await
            .map_err(|e| status(decl, keep_secrets(e, &[&inputs])))?;
        created.outputs.keep_secrets_of(&inputs);
        Ok(Response::new(CreateResponse {
            id: created.id,
            properties: Some(props::encode(decl, &created.outputs)),
            refresh_before_update: false,
        }))
    }

    async fn read(&self, request: Request<ReadRequest>) -> Result<Response<ReadResponse>, Status> {
        let req = request.into_inner();
        let res = resource("Read", &req.r#type, &req.urn)?;
        let decl = res.decl();
        let old_outputs = decode(decl, req.properties.as_ref());
        let old_in = decode(decl, req.inputs.as_ref()).inputs_only(decl);
        let aws = self.aws();
        let found = res
            .read(self.ctx(aws.as_ref(), &req.urn), &req.id, &old_outputs, &old_in, deadline(0.0))
            .await
            .map_err(|e| status(decl, e))?;
        let Some(mut found) = found else {
            // Gone: an empty id tells the engine to drop it from the state.
            return Ok(Response::new(ReadResponse {
                id: String::new(),
                properties: None,
                inputs: None,
                refresh_before_update: false,
            }));
        };
        for p in [&mut found.outputs, &mut found.inputs] {
            p.keep_secrets_of(&old_outputs);
            p.keep_secrets_of(&old_in);
        }
        Ok(Response::new(ReadResponse {
            id: found.id,
            properties: Some(props::encode(decl, &found.outputs)),
            inputs: Some(props::encode(decl, &found.inputs)),
            refresh_before_update: false,
        }))
    }

    type ListStream = Pin<Box<dyn Stream<Item = Result<rpc::ListResponse, Status>> + Send>>;

    /// One page per call: its results, then the continuation marker (empty after the last page).
    /// `limit` and `page_size` both bound the page; a query still unknown answers "computed".
    async fn list(&self, request: Request<rpc::ListRequest>) -> Result<Response<Self::ListStream>, Status> {
        use rpc::list_response::{Computed, Continuation, Response as Item, Result as Found};
        let req = request.into_inner();
        let res = resources::by_token(&req.token)
            .ok_or_else(|| Status::invalid_argument(format!("List: the aws-apigatewayv2 provider has no resource type {:?}", req.token)))?;
        let decl = res.decl();
        let query_decl = decl
            .list_decl()
            .ok_or_else(|| Status::invalid_argument(format!("List: {} cannot be listed (its schema has no listInputs)", decl.token)))?;
        let lent = self.lent();
        let mut query = check::check(&query_decl, req.query.as_ref(), &lent).map_err(|failures| {
            let list: Vec<String> = failures.iter().map(|f| f.reason.clone()).collect();
            Status::invalid_argument(format!("List of {}: {}", decl.token, list.join("; ")))
        })?;
        lent.fill(&query_decl, &mut query);
        let item = |response| rpc::ListResponse { response: Some(response) };
        if query.has_unknowns() {
            let computed = item(Item::Computed(Computed {}));
            return Ok(Response::new(Box::pin(tokio_stream::iter([Ok(computed)]))));
        }
        let bound = |n: i64| usize::try_from(n).ok().filter(|n| *n > 0);
        let max = match (bound(req.limit), bound(req.page_size)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let page = PageRequest {
            max,
            token: Some(req.continuation_token).filter(|t| !t.is_empty()),
        };
        let aws = self.aws();
        let found = res
            .list(self.ctx(aws.as_ref(), ""), &query, page, deadline(0.0))
            .await
            .map_err(|e| status(decl, e))?;
        let mut items: Vec<Result<rpc::ListResponse, Status>> = found
            .ids
            .into_iter()
            .map(|id| Ok(item(Item::Result(Found { id, name: String::new() }))))
            .collect();
        items.push(Ok(item(Item::Continuation(Continuation {
            continuation_token: found.next.unwrap_or_default(),
        }))));
        Ok(Response::new(Box::pin(tokio_stream::iter(items))))
    }

    async fn update(&self, request: Request<UpdateRequest>) -> Result<Response<UpdateResponse>, Status> {
        let req = request.into_inner();
        let res = resource("Update", &req.r#type, &req.urn)?;
        let decl = res.decl();
        let olds = decode(decl, req.olds.as_ref());
        let news = decode(decl, req.news.as_ref()).inputs_only(decl);
        if req.preview {
            let mut merged = olds.clone();
            for f in decl.inputs() {
                merged.copy_from(f.name, &news);
            }
            return Ok(Response::new(UpdateResponse {
                properties: Some(props::encode(decl, &merged)),
                refresh_before_update: false,
            }));
        }
        if news.has_unknowns() {
            return Err(Status::invalid_argument(format!(
                "Update of {} ({}): inputs are still unknown outside preview",
                req.urn, req.id
            )));
        }
        let aws = self.aws();
        let mut outputs = res
            .update(self.ctx(aws.as_ref(), &req.urn), &req.id, &olds, &news, deadline(req.timeout))
            .await
            .map_err(|e| status(decl, keep_secrets(e, &[&olds, &news])))?;
        outputs.keep_secrets_of(&olds);
        outputs.keep_secrets_of(&news);
        Ok(Response::new(UpdateResponse {
            properties: Some(props::encode(decl, &outputs)),
            refresh_before_update: false,
        }))
    }

    async fn delete(&self, request: Request<DeleteRequest>) -> Result<Response<()>, Status> {
        let req = request.into_inner();
        let res = resource("Delete", &req.r#type, &req.urn)?;
        let decl = res.decl();
        let props = decode(decl, req.properties.as_ref());
        let old_in = decode(decl, req.old_inputs.as_ref());
        let aws = self.aws();
        res.delete(self.ctx(aws.as_ref(), &req.urn), &req.id, &props, &old_in, deadline(req.timeout))
            .await
            .map_err(|e| status(decl, e))?;
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
        // No Nagle: a reply's small HTTP/2 frames otherwise wait for the engine's delayed ACK,
        // up to 40 ms per exchange (measured at the first Handshake).
        .serve_with_incoming_shutdown(
            tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
            shutdown,
        )
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
