//! The wire: routes AWS's REST-JSON paths to operations, checks SigV4, applies faults and quotas,
//! and writes responses and errors exactly as API Gateway does. Also serves the admin endpoints
//! under `/__emulator/`, a prefix AWS never uses.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};
use std::time::{Duration, Instant, SystemTime};

use crate::Emulator;
use crate::faults::{FaultKind, FaultRule};
use crate::model::{ApiError, OpResult};
use crate::objects::{self, Spec};
use crate::quota::Limit;
use crate::sigv4::{self, AuthError, SignedRequest};

const MAX_BODY: usize = 10 * 1024 * 1024;

pub fn router(emulator: Emulator) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(emulator)
}

/// One API Gateway v2 operation with its path parameters.
#[derive(Debug)]
enum Op {
    CreateApi,
    GetApis,
    GetApi(String),
    DeleteApi(String),
    /// Routes, integrations, authorizers, models and their responses: one shape for all.
    Object {
        action: Action,
        spec: &'static Spec,
        api: String,
        parent: Option<String>,
    },
    CreateStage(String),
    GetStages(String),
    GetStage(String, String),
    UpdateStage(String, String),
    DeleteStage(String, String),
    CreateDeployment(String),
    GetDeployments(String),
    GetDeployment(String, String),
    UpdateDeployment(String, String),
    DeleteDeployment(String, String),
}

/// What a call does to a configuration object.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    Create,
    List,
    Get(String),
    Update(String),
    Delete(String),
}

impl Op {
    fn name(&self) -> String {
        if let Op::Object { action, spec, .. } = self {
            return match action {
                Action::Create => format!("Create{}", spec.kind),
                Action::List => format!("Get{}s", spec.kind),
                Action::Get(_) => format!("Get{}", spec.kind),
                Action::Update(_) => format!("Update{}", spec.kind),
                Action::Delete(_) => format!("Delete{}", spec.kind),
            };
        }
        let name = match self {
            Op::CreateApi => "CreateApi",
            Op::GetApis => "GetApis",
            Op::GetApi(_) => "GetApi",
            Op::DeleteApi(_) => "DeleteApi",
            Op::CreateStage(_) => "CreateStage",
            Op::GetStages(_) => "GetStages",
            Op::GetStage(..) => "GetStage",
            Op::UpdateStage(..) => "UpdateStage",
            Op::DeleteStage(..) => "DeleteStage",
            Op::CreateDeployment(_) => "CreateDeployment",
            Op::GetDeployments(_) => "GetDeployments",
            Op::GetDeployment(..) => "GetDeployment",
            Op::UpdateDeployment(..) => "UpdateDeployment",
            Op::DeleteDeployment(..) => "DeleteDeployment",
            Op::Object { .. } => "",
        };
        name.to_string()
    }

    fn mutates(&self) -> bool {
        !matches!(
            self,
            Op::GetApis
                | Op::GetApi(_)
                | Op::Object {
                    action: Action::List | Action::Get(_),
                    ..
                }
                | Op::GetStages(_)
                | Op::GetStage(..)
                | Op::GetDeployments(_)
                | Op::GetDeployment(..)
        )
    }

    fn parse(method: &Method, path: &str) -> Option<Op> {
        let rest = path.strip_prefix("/v2/")?;
        let segs: Vec<String> = rest
            .split('/')
            .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        let s: Vec<&str> = segs.iter().map(String::as_str).collect();
        let m = method.as_str();
        let op = match (m, s.as_slice()) {
            ("POST", ["apis"]) => Op::CreateApi,
            ("GET", ["apis"]) => Op::GetApis,
            ("GET", ["apis", a]) => Op::GetApi(a.to_string()),
            ("DELETE", ["apis", a]) => Op::DeleteApi(a.to_string()),
            ("POST", ["apis", a, "stages"]) => Op::CreateStage(a.to_string()),
            ("GET", ["apis", a, "stages"]) => Op::GetStages(a.to_string()),
            ("GET", ["apis", a, "stages", n]) => Op::GetStage(a.to_string(), n.to_string()),
            ("PATCH", ["apis", a, "stages", n]) => Op::UpdateStage(a.to_string(), n.to_string()),
            ("DELETE", ["apis", a, "stages", n]) => Op::DeleteStage(a.to_string(), n.to_string()),
            ("POST", ["apis", a, "deployments"]) => Op::CreateDeployment(a.to_string()),
            ("GET", ["apis", a, "deployments"]) => Op::GetDeployments(a.to_string()),
            ("GET", ["apis", a, "deployments", d]) => Op::GetDeployment(a.to_string(), d.to_string()),
            ("PATCH", ["apis", a, "deployments", d]) => Op::UpdateDeployment(a.to_string(), d.to_string()),
            ("DELETE", ["apis", a, "deployments", d]) => Op::DeleteDeployment(a.to_string(), d.to_string()),
            (_, ["apis", a, kind, rest @ ..]) => return Op::object(m, a, kind, rest),
            _ => return None,
        };
        Some(op)
    }

    /// `/apis/{a}/<plural>[/{id}]` and `/apis/{a}/<parent plural>/{p}/<plural>[/{id}]`.
    fn object(method: &str, api: &str, kind: &str, rest: &[&str]) -> Option<Op> {
        let (spec, parent, id) = match rest {
            [] => (objects::spec(kind)?, None, None),
            [id] => (objects::spec(kind)?, None, Some(*id)),
            [p, child, tail @ ..] if tail.len() <= 1 => {
                let spec = objects::spec(child)?;
                if spec.parent != Some(kind) {
                    return None;
                }
                (spec, Some(p.to_string()), tail.first().copied())
            }
            _ => return None,
        };
        if spec.parent.is_some() != parent.is_some() {
            return None;
        }
        let action = match (method, id) {
            ("POST", None) => Action::Create,
            ("GET", None) => Action::List,
            ("GET", Some(i)) => Action::Get(i.to_string()),
            ("PATCH", Some(i)) => Action::Update(i.to_string()),
            ("DELETE", Some(i)) => Action::Delete(i.to_string()),
            _ => return None,
        };
        Some(Op::Object {
            action,
            spec,
            api: api.to_string(),
            parent,
        })
    }
}

/// A request id in AWS's form, for the `x-amzn-requestid` header and STS's RequestId.
pub(crate) fn request_id() -> String {
    let hex = |n: usize| (0..n).map(|_| fastrand::alphanumeric().to_ascii_lowercase()).collect::<String>();
    format!("{}-{}-{}-{}-{}", hex(8), hex(4), hex(4), hex(4), hex(12))
}

fn json_response(status: u16, body: &Value) -> Response {
    let mut resp = if status == 204 {
        Response::new(Body::empty())
    } else {
        let mut r = Response::new(Body::from(body.to_string()));
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        r
    };
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = HeaderValue::from_str(&request_id()) {
        resp.headers_mut().insert("x-amzn-requestid", v);
    }
    resp
}

fn error_response(err: &ApiError) -> Response {
    let mut body = json!({ "message": err.message });
    if let Some((k, v)) = &err.extra {
        body[*k] = json!(v);
    }
    let mut resp = json_response(err.status, &body);
    resp.headers_mut()
        .insert("x-amzn-errortype", HeaderValue::from_static(err.error_type));
    resp
}

fn status_error(status: u16) -> ApiError {
    let (error_type, message, extra) = match status {
        429 => (
            "TooManyRequestsException",
            "Too Many Requests",
            Some(("limitType", "Account".to_string())),
        ),
        503 => ("ServiceUnavailableException", "Service Unavailable", None),
        502 => ("BadGatewayException", "Bad Gateway", None),
        _ => ("InternalServerErrorException", "Internal server error", None),
    };
    ApiError {
        status,
        error_type,
        message: message.into(),
        extra,
    }
}

fn auth_error(err: AuthError) -> ApiError {
    match err {
        AuthError::Missing => ApiError {
            status: 403,
            error_type: "MissingAuthenticationTokenException",
            message: "Missing Authentication Token".into(),
            extra: None,
        },
        AuthError::UnknownKey => ApiError {
            status: 403,
            error_type: "UnrecognizedClientException",
            message: "The security token included in the request is invalid.".into(),
            extra: None,
        },
        AuthError::BadSignature(message) => ApiError {
            status: 403,
            error_type: "InvalidSignatureException",
            message,
            extra: None,
        },
        AuthError::BadToken => ApiError {
            status: 403,
            error_type: "UnrecognizedClientException",
            message: "The security token included in the request is invalid.".into(),
            extra: None,
        },
        AuthError::ExpiredToken => ApiError {
            status: 403,
            error_type: "ExpiredTokenException",
            message: "The security token included in the request is expired".into(),
            extra: None,
        },
    }
}

/// A body that fails after the headers: the client sees the connection drop mid-response.
pub(crate) fn reset_response() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected connection reset",
        ))
    });
    let mut resp = Response::new(Body::from_stream(stream));
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k == name).then(|| percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned())
    })
}

async fn handle(State(em): State<Emulator>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return error_response(&ApiError::bad_request("Request body too large")),
    };
    if let Some(admin) = path.strip_prefix("/__emulator/") {
        return admin_call(&em, &parts.method, admin, &query, &body);
    }
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let signed = SignedRequest {
        method: parts.method.as_str(),
        raw_path: &path,
        raw_query: &query,
        headers: &headers,
        body: &body,
    };
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if crate::sts::is_sts(parts.method.as_str(), &path, &query, content_type) {
        return crate::sts::handle(&em, &signed).await;
    }
    let caller = match sigv4::verify(&signed, "apigateway", |k| em.principal_for(k), SystemTime::now()) {
        Ok(c) => c,
        Err(e) => return em.answer("Unauthenticated", error_response(&auth_error(e))),
    };
    let Some(op) = Op::parse(&parts.method, &path) else {
        let err = ApiError::not_found("Operation", format!("No operation matches {} {path}", parts.method));
        return em.answer("Unknown", error_response(&err));
    };
    let op_name = op.name();
    let name = op_name.as_str();
    let create = matches!(op, Op::CreateDeployment(_)).then(|| {
        let input: Value = serde_json::from_slice(&body).unwrap_or_default();
        input["description"].as_str().unwrap_or_default().to_string()
    });
    let fault_met = |met: &'static str| {
        if let Some(d) = &create {
            em.note_create_fault(d, met);
        }
    };
    let mut reset_after = false;
    match em.pick_fault(name) {
        Some(FaultKind::Status { status }) => {
            fault_met(if status == 429 { "fault 429" } else { "fault 5xx/4xx" });
            return em.answer(name, error_response(&status_error(status)));
        }
        Some(FaultKind::Reset) => {
            fault_met("reset");
            return em.answer(name, reset_response());
        }
        Some(FaultKind::ResetAfter) => reset_after = true,
        Some(FaultKind::Latency { latency_ms }) => tokio::time::sleep(Duration::from_millis(latency_ms)).await,
        None => {}
    }
    if let Err(limit) = em.admit(&caller, create.as_deref(), Instant::now()) {
        let err = ApiError {
            status: 429,
            error_type: "TooManyRequestsException",
            message: "Too Many Requests".into(),
            extra: Some((
                "limitType",
                match limit {
                    Limit::Account => "Account".to_string(),
                    Limit::CreateDeployment => "CreateDeployment".to_string(),
                },
            )),
        };
        return em.answer(name, error_response(&err));
    }
    let input: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(v @ Value::Object(_)) => v,
            _ => {
                return em.answer(
                    name,
                    error_response(&ApiError::bad_request("Could not parse request body into json")),
                );
            }
        }
    };
    let max = query_param(&query, "maxResults");
    let token = query_param(&query, "nextToken");
    let mutates = op.mutates();
    let result: OpResult = em.with_state(Some(&caller.region), mutates, |st, ctx| match &op {
        Op::CreateApi => st.create_api(ctx, &input),
        Op::GetApis => st.get_apis(ctx, max.as_deref(), token.as_deref()),
        Op::GetApi(a) => st.get_api(ctx, a),
        Op::DeleteApi(a) => st.delete_api(a),
        Op::Object { action, spec, api, parent } => {
            let parent = parent.as_deref();
            match action {
                Action::Create => st.create_object(ctx, spec, api, parent, &input),
                Action::List => st.get_objects(spec, api, parent, max.as_deref(), token.as_deref()),
                Action::Get(id) => st.get_object(spec, api, parent, id),
                Action::Update(id) => st.update_object(ctx, spec, api, parent, id, &input),
                Action::Delete(id) => st.delete_object(ctx, spec, api, parent, id),
            }
        }
        Op::CreateStage(a) => st.create_stage(ctx, a, &input),
        Op::GetStages(a) => st.get_stages(a, max.as_deref(), token.as_deref()),
        Op::GetStage(a, n) => st.get_stage(a, n),
        Op::UpdateStage(a, n) => st.update_stage(ctx, a, n, &input),
        Op::DeleteStage(a, n) => st.delete_stage(a, n),
        Op::CreateDeployment(a) => st.create_deployment(ctx, a, &input),
        Op::GetDeployments(a) => st.get_deployments(ctx, a, max.as_deref(), token.as_deref()),
        Op::GetDeployment(a, d) => st.get_deployment(ctx, a, d),
        Op::UpdateDeployment(a, d) => st.update_deployment(ctx, a, d, &input),
        Op::DeleteDeployment(a, d) => st.delete_deployment(ctx, a, d),
    });
    if matches!(op, Op::CreateDeployment(_)) && result.is_ok() {
        em.count_create(&caller.account);
    }
    let resp = match result {
        _ if reset_after => reset_response(),
        Ok((status, body)) => json_response(status, &body),
        Err(e) => error_response(&e),
    };
    em.answer(name, resp)
}

fn admin_call(em: &Emulator, method: &Method, path: &str, query: &str, body: &[u8]) -> Response {
    let parsed: Result<Value, _> = if body.is_empty() {
        Ok(json!({}))
    } else {
        serde_json::from_slice(body)
    };
    let Ok(input) = parsed else {
        return error_response(&ApiError::bad_request("admin: body is not JSON"));
    };
    let ok = || json_response(200, &json!({"ok": true}));
    match (method.as_str(), path) {
        ("POST", "faults") => match serde_json::from_value::<FaultRule>(input) {
            Ok(rule) => {
                em.add_fault(rule);
                ok()
            }
            Err(e) => error_response(&ApiError::bad_request(format!("admin: bad fault rule: {e}"))),
        },
        ("DELETE", "faults") => {
            em.clear_faults();
            ok()
        }
        ("POST", "fail-next-deployment") => {
            let msg = input
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("Deployment failed: injected fault");
            em.fail_next_deployment(msg);
            ok()
        }
        ("PUT", "settings") => {
            if let Some(b) = input.get("quotas").and_then(Value::as_bool) {
                em.set_quotas(b);
            }
            if let Some(b) = input.get("refuseDeleteWhileStaged").and_then(Value::as_bool) {
                em.set_refuse_delete_while_staged(b);
            }
            if let Some(b) = input.get("refuseDeployToAutoDeployStage").and_then(Value::as_bool) {
                em.set_refuse_deploy_to_auto_stage(b);
            }
            if let Some(ms) = input.get("deployDelayMs").and_then(Value::as_u64) {
                em.set_deploy_delay(Duration::from_millis(ms));
            }
            match input.get("sessionLifetimeMs") {
                Some(Value::Null) => em.set_session_lifetime(None),
                Some(v) => match v.as_u64() {
                    Some(ms) => em.set_session_lifetime(Some(Duration::from_millis(ms))),
                    None => return error_response(&ApiError::bad_request("admin: sessionLifetimeMs must be milliseconds or null")),
                },
                None => {}
            }
            ok()
        }
        ("POST", "roles") => match serde_json::from_value::<crate::RoleConfig>(input) {
            Ok(role) if crate::sts::account_of_role(&role.role_arn).is_some() => {
                em.add_role(role);
                ok()
            }
            Ok(role) => error_response(&ApiError::bad_request(format!(
                "admin: roleArn {:?} is not arn:aws:iam::<12 digits>:role/<name>",
                role.role_arn
            ))),
            Err(e) => error_response(&ApiError::bad_request(format!("admin: bad role: {e}"))),
        },
        ("GET", "creates-by-account") => json_response(200, &json!(em.creates_by_account())),
        ("GET", "stats") => json_response(200, &em.stats()),
        // apis/{apiId}/stages/{stageName}/serving[?region=R]: the deployment and configuration a
        // stage serves.
        ("GET", p) if p.starts_with("apis/") && p.ends_with("/serving") => match p.split('/').collect::<Vec<_>>().as_slice() {
            ["apis", api, "stages", stage, "serving"] => {
                match em.with_state(query_param(query, "region").as_deref(), false, |st, _| st.serving(api, stage)) {
                    Ok((status, body)) => json_response(status, &body),
                    Err(e) => error_response(&e),
                }
            }
            _ => error_response(&ApiError::not_found("Admin", format!("no admin call {method} /__emulator/{path}"))),
        },
        ("POST", "reset") => {
            em.reset();
            ok()
        }
        _ => error_response(&ApiError::not_found("Admin", format!("no admin call {method} /__emulator/{path}"))),
    }
}
