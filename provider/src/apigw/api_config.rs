//! Reads the configuration of an API that a deployment snapshots, through the paged Get* calls
//! (each page paced by the shared limiter and retried like every call), and turns it into the
//! canonical items of [`super::fingerprint`]. It owns the map of reads in flight, so concurrent
//! readers of one API share one set of calls, and what each API's latest read found (its
//! protocol, so GetApi is called once per API, and its fingerprint).

use aws_sdk_apigatewayv2::types::{
    Authorizer, Integration, IntegrationResponse, JwtConfiguration, Model, ParameterConstraints, Route, RouteResponse, TlsConfig,
};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::time::Instant;

use crate::apigw::calls::Calls;
use crate::apigw::fingerprint::{self, Fingerprint, Item};
use crate::error::AwsError;
use crate::list_pages;

/// The live configuration of an API: its protocol and the fingerprint of its items.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Fixed when the API is created (UpdateApi cannot change it), so later reads skip GetApi.
    pub protocol: String,
    pub fingerprint: Fingerprint,
}

fn s(v: Option<&str>) -> Option<Value> {
    v.map(Value::from)
}

fn list(v: &[String]) -> Option<Value> {
    Some(json!(v))
}

fn map(v: Option<&HashMap<String, String>>) -> Option<Value> {
    v.map(|m| Value::Object(m.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<Map<_, _>>()))
}

fn constraints(v: Option<&HashMap<String, ParameterConstraints>>) -> Option<Value> {
    v.map(|m| {
        Value::Object(
            m.iter()
                .map(|(k, c)| (k.clone(), json!({ "required": c.required() })))
                .collect::<Map<_, _>>(),
        )
    })
}

fn nested(v: Option<&HashMap<String, HashMap<String, String>>>) -> Option<Value> {
    v.map(|m| {
        Value::Object(
            m.iter()
                .map(|(k, inner)| (k.clone(), map(Some(inner)).unwrap_or(Value::Null)))
                .collect::<Map<_, _>>(),
        )
    })
}

fn jwt(v: Option<&JwtConfiguration>) -> Option<Value> {
    v.map(|j| json!({ "audience": j.audience(), "issuer": j.issuer() }))
}

fn tls(v: Option<&TlsConfig>) -> Option<Value> {
    v.map(|t| json!({ "serverNameToVerify": t.server_name_to_verify() }))
}

fn route_item(r: &Route) -> Item {
    let key = r.route_key().unwrap_or_default();
    let mut i = Item::new(format!("route {key}"));
    i.put("apiKeyRequired", r.api_key_required().map(Value::from));
    i.put("authorizationScopes", list(r.authorization_scopes()));
    i.put("authorizationType", s(r.authorization_type().map(|t| t.as_str())));
    i.put("authorizerId", s(r.authorizer_id()));
    i.put("modelSelectionExpression", s(r.model_selection_expression()));
    i.put("operationName", s(r.operation_name()));
    i.put("requestModels", map(r.request_models()));
    i.put("requestParameters", constraints(r.request_parameters()));
    i.put("routeKey", s(r.route_key()));
    i.put("routeResponseSelectionExpression", s(r.route_response_selection_expression()));
    i.put("target", s(r.target()));
    i
}

fn integration_item(x: &Integration) -> Item {
    let mut i = Item::new(format!("integration {}", x.integration_id().unwrap_or_default()));
    i.put("connectionId", s(x.connection_id()));
    i.put("connectionType", s(x.connection_type().map(|t| t.as_str())));
    i.put("contentHandlingStrategy", s(x.content_handling_strategy().map(|t| t.as_str())));
    i.put("credentialsArn", s(x.credentials_arn()));
    i.put("description", s(x.description()));
    i.put("integrationMethod", s(x.integration_method()));
    i.put(
        "integrationResponseSelectionExpression",
        s(x.integration_response_selection_expression()),
    );
    i.put("integrationSubtype", s(x.integration_subtype()));
    i.put("integrationType", s(x.integration_type().map(|t| t.as_str())));
    i.put("integrationUri", s(x.integration_uri()));
    i.put("passthroughBehavior", s(x.passthrough_behavior().map(|t| t.as_str())));
    i.put("payloadFormatVersion", s(x.payload_format_version()));
    i.put("requestParameters", map(x.request_parameters()));
    i.put("requestTemplates", map(x.request_templates()));
    i.put("responseParameters", nested(x.response_parameters()));
    i.put("templateSelectionExpression", s(x.template_selection_expression()));
    i.put("timeoutInMillis", x.timeout_in_millis().map(Value::from));
    i.put("tlsConfig", tls(x.tls_config()));
    i
}

fn authorizer_item(a: &Authorizer) -> Item {
    let mut i = Item::new(format!("authorizer {}", a.authorizer_id().unwrap_or_default()));
    i.put("authorizerCredentialsArn", s(a.authorizer_credentials_arn()));
    i.put("authorizerPayloadFormatVersion", s(a.authorizer_payload_format_version()));
    i.put(
        "authorizerResultTtlInSeconds",
        a.authorizer_result_ttl_in_seconds().map(Value::from),
    );
    i.put("authorizerType", s(a.authorizer_type().map(|t| t.as_str())));
    i.put("authorizerUri", s(a.authorizer_uri()));
    i.put("enableSimpleResponses", a.enable_simple_responses().map(Value::from));
    i.put("identitySource", list(a.identity_source()));
    i.put("identityValidationExpression", s(a.identity_validation_expression()));
    i.put("jwtConfiguration", jwt(a.jwt_configuration()));
    i.put("name", s(a.name()));
    i
}

fn model_item(m: &Model) -> Item {
    let mut i = Item::new(format!("model {}", m.name().unwrap_or_default()));
    i.put("contentType", s(m.content_type()));
    i.put("description", s(m.description()));
    i.put("name", s(m.name()));
    i.put("schema", s(m.schema()));
    i
}

fn route_response_item(route_key: &str, r: &RouteResponse) -> Item {
    let mut i = Item::new(format!("route {route_key} response {}", r.route_response_key().unwrap_or_default()));
    i.put("modelSelectionExpression", s(r.model_selection_expression()));
    i.put("responseModels", map(r.response_models()));
    i.put("responseParameters", constraints(r.response_parameters()));
    i.put("routeResponseKey", s(r.route_response_key()));
    i
}

fn integration_response_item(integration: &str, r: &IntegrationResponse) -> Item {
    let mut i = Item::new(format!(
        "integration {integration} response {}",
        r.integration_response_key().unwrap_or_default()
    ));
    i.put("contentHandlingStrategy", s(r.content_handling_strategy().map(|t| t.as_str())));
    i.put("integrationResponseKey", s(r.integration_response_key()));
    i.put("responseParameters", map(r.response_parameters()));
    i.put("responseTemplates", map(r.response_templates()));
    i.put("templateSelectionExpression", s(r.template_selection_expression()));
    i
}

/// Whether an earlier read that found `live` may stand for a new read by a deployment taken at
/// `recorded` (see [`ApiConfigs::earlier`]).
fn stands_for_a_read(live: &str, recorded: Option<&str>, preview: bool) -> bool {
    preview || recorded.is_some_and(|digest| digest != live)
}

/// The outcome of one read of an API's configuration, for the readers that joined it.
type ConfigRead = tokio::sync::watch::Receiver<Option<Result<ApiConfig, AwsError>>>;

/// Reads of API configurations, with the reads in flight that concurrent readers of the same API
/// join (see [`ApiConfigs::read`]), and what the latest finished read of each API found (see
/// [`ApiConfigs::earlier`]).
#[derive(Debug, Clone)]
pub struct ApiConfigs {
    calls: Calls,
    reads: Arc<Mutex<HashMap<String, ConfigRead>>>,
    found: Arc<Mutex<HashMap<String, ApiConfig>>>,
}

/// Removes a finished (or abandoned) read from the in-flight map.
struct LeaveOnDrop<'a>(&'a ApiConfigs, &'a str);

impl Drop for LeaveOnDrop<'_> {
    fn drop(&mut self) {
        self.0.reads.lock().unwrap_or_else(|p| p.into_inner()).remove(self.1);
    }
}

impl ApiConfigs {
    pub fn new(calls: Calls) -> Self {
        Self {
            calls,
            reads: Arc::default(),
            found: Arc::default(),
        }
    }

    /// The fingerprint the latest read of `api_id` in this process found, when it may stand for
    /// a new read by a deployment taken at `recorded`: always in a run that is certainly a
    /// `preview` (nothing in it changes the API, so the first read is as good as the last);
    /// otherwise only when it differs from `recorded`, as proof that the deployment is stale.
    ///
    /// A configuration read earlier in the run that differs stays different unless it is changed
    /// back to exactly the recorded one, and a deployment found stale is replaced, so its Create
    /// reads afresh before CreateDeployment: at worst a redeployment too many. An earlier read
    /// that matches proves nothing outside a preview: in `pulumi up` a route another provider
    /// updated since must still be seen by the deployment that depends on it.
    pub fn earlier(&self, api_id: &str, recorded: Option<&str>, preview: bool) -> Option<Fingerprint> {
        let found = self.found.lock().unwrap_or_else(|p| p.into_inner());
        let live = &found.get(api_id)?.fingerprint;
        stands_for_a_read(&live.digest, recorded, preview).then(|| live.clone())
    }

    fn protocol(&self, api_id: &str) -> Option<String> {
        let found = self.found.lock().unwrap_or_else(|p| p.into_inner());
        found.get(api_id).map(|f| f.protocol.clone())
    }

    /// Reads what a deployment of `api_id` would snapshot now. NotFound and every other AWS error
    /// come back as errors: a configuration that cannot be read is never taken as unchanged.
    ///
    /// Concurrent reads of one API share one set of calls: eight deployments of an API created at
    /// once read it once, not eight times, which keeps a fleet of processes inside the account's
    /// burst of management calls. A joined read started before this one was asked for; it still
    /// ends before the CreateDeployment it serves, so the recorded fingerprint can only be older
    /// than the deployment (at worst a redeployment too many, never a change missed).
    pub async fn read(&self, api_id: &str, deadline: Instant) -> Result<ApiConfig, AwsError> {
        let joined = {
            let mut reads = self.reads.lock().unwrap_or_else(|p| p.into_inner());
            match reads.get(api_id) {
                Some(rx) => Err(rx.clone()),
                None => {
                    let (tx, rx) = tokio::sync::watch::channel(None);
                    reads.insert(api_id.to_string(), rx);
                    Ok(tx)
                }
            }
        };
        match joined {
            Ok(tx) => {
                // Leaves the map however this read ends, cancelled included.
                let _leader = LeaveOnDrop(self, api_id);
                let result = self.read_api_config(api_id, deadline).await;
                if let Ok(config) = &result {
                    let mut found = self.found.lock().unwrap_or_else(|p| p.into_inner());
                    found.insert(api_id.to_string(), config.clone());
                }
                let _ = tx.send(Some(result.clone()));
                result
            }
            // The reader went away without an answer (cancelled): read anew.
            Err(mut rx) => {
                let shared = rx.wait_for(Option::is_some).await.ok().and_then(|done| done.clone());
                match shared {
                    Some(result) => result,
                    None => self.read_api_config(api_id, deadline).await,
                }
            }
        }
    }

    async fn read_api_config(&self, api_id: &str, deadline: Instant) -> Result<ApiConfig, AwsError> {
        let protocol = match self.protocol(api_id) {
            Some(known) => known,
            None => {
                let api = self
                    .calls
                    .call(deadline, || async {
                        self.calls
                            .client()
                            .get_api()
                            .api_id(api_id)
                            .send()
                            .await
                            .map_err(AwsError::from_sdk)
                    })
                    .await?;
                api.protocol_type().map(|p| p.as_str().to_string()).unwrap_or_else(|| "HTTP".into())
            }
        };
        let routes = list_pages!(self.calls, deadline, |c| c.get_routes().api_id(api_id));
        let integrations = list_pages!(self.calls, deadline, |c| c.get_integrations().api_id(api_id));
        let authorizers = list_pages!(self.calls, deadline, |c| c.get_authorizers().api_id(api_id));
        let mut items: Vec<Item> = routes.iter().map(route_item).collect();
        items.extend(integrations.iter().map(integration_item));
        items.extend(authorizers.iter().map(authorizer_item));
        if protocol == "WEBSOCKET" {
            let models = list_pages!(self.calls, deadline, |c| c.get_models().api_id(api_id));
            items.extend(models.iter().map(model_item));
            for r in &routes {
                let (Some(route_id), Some(key)) = (r.route_id(), r.route_key()) else {
                    continue;
                };
                let responses = list_pages!(self.calls, deadline, |c| c.get_route_responses().api_id(api_id).route_id(route_id));
                items.extend(responses.iter().map(|x| route_response_item(key, x)));
            }
            for x in &integrations {
                let Some(id) = x.integration_id() else { continue };
                let responses = list_pages!(self.calls, deadline, |c| c
                    .get_integration_responses()
                    .api_id(api_id)
                    .integration_id(id));
                items.extend(responses.iter().map(|r| integration_response_item(id, r)));
            }
        }
        Ok(ApiConfig {
            protocol,
            fingerprint: fingerprint::fingerprint(&items),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_apigatewayv2::types::{AuthorizationType, AuthorizerType, IntegrationType};

    fn http_items() -> Vec<Item> {
        let route = Route::builder()
            .route_key("GET /users")
            .route_id("r1")
            .target("integrations/i1")
            .authorization_type(AuthorizationType::Jwt)
            .authorizer_id("a1")
            .authorization_scopes("users.read")
            .api_key_required(false)
            .build();
        let integration = Integration::builder()
            .integration_id("i1")
            .integration_type(IntegrationType::AwsProxy)
            .integration_uri("arn:aws:lambda:us-east-1:123456789012:function:users")
            .integration_method("POST")
            .payload_format_version("2.0")
            .timeout_in_millis(30_000)
            .request_parameters("overwrite:header.x-team", "api")
            .build();
        let authorizer = Authorizer::builder()
            .authorizer_id("a1")
            .name("jwt")
            .authorizer_type(AuthorizerType::Jwt)
            .identity_source("$request.header.Authorization")
            .jwt_configuration(
                JwtConfiguration::builder()
                    .audience("app")
                    .issuer("https://issuer.example.com")
                    .build(),
            )
            .build();
        vec![route_item(&route), integration_item(&integration), authorizer_item(&authorizer)]
    }

    fn websocket_items() -> Vec<Item> {
        let route = Route::builder()
            .route_key("$default")
            .route_id("r1")
            .target("integrations/i1")
            .route_response_selection_expression("$default")
            .model_selection_expression("$request.body.action")
            .request_models("$default", "Message")
            .build();
        let integration = Integration::builder()
            .integration_id("i1")
            .integration_type(IntegrationType::Mock)
            .template_selection_expression("\\$default")
            .request_templates("$default", "{\"statusCode\": 200}")
            .build();
        let model = Model::builder()
            .name("Message")
            .content_type("application/json")
            .schema("{\"type\": \"object\"}")
            .build();
        let route_response = RouteResponse::builder().route_response_key("$default").build();
        let integration_response = IntegrationResponse::builder()
            .integration_response_key("$default")
            .response_templates("$default", "{\"ok\": true}")
            .build();
        vec![
            route_item(&route),
            integration_item(&integration),
            model_item(&model),
            route_response_item("$default", &route_response),
            integration_response_item("i1", &integration_response),
        ]
    }

    /// Outside a preview an earlier read stands for a new one only as proof of a change: never
    /// when it matches the recorded fingerprint or there is none to compare.
    #[test]
    fn earlier_reads_stand_only_as_proof_outside_a_preview() {
        assert!(stands_for_a_read("v1:b", Some("v1:a"), false));
        assert!(!stands_for_a_read("v1:a", Some("v1:a"), false));
        assert!(!stands_for_a_read("v1:a", None, false));
        for recorded in [Some("v1:a"), Some("v1:b"), None] {
            assert!(stands_for_a_read("v1:a", recorded, true), "{recorded:?}");
        }
    }

    /// The persisted `v1:` fingerprint of a fixed HTTP and a fixed WebSocket configuration. Every
    /// deployment that follows its API stores this digest: if a code change moves it (a field
    /// added to an item, a new canonical form), every such deployment is replaced after the
    /// upgrade. Change these values only together with a new version prefix and a migration.
    #[test]
    fn persisted_fingerprints_are_stable() {
        let http = fingerprint::fingerprint(&http_items());
        let ws = fingerprint::fingerprint(&websocket_items());
        assert_eq!(http.digest, "v1:abfcb74f2bfc96f0139a0acae4638de042b46163dee1ebff71a0a122f2fff50e");
        assert_eq!(ws.digest, "v1:0d2822ee15c7d72fa5f2e1df90934428572e102a0e572f124d3af518e311ba64");
        assert_eq!(
            http.parts.get("route GET /users").map(String::as_str),
            Some(
                "apiKeyRequired=fcbcf165 authorizationScopes=1dc8326a authorizationType=3a426c73 authorizerId=e4973d8f routeKey=8c343e46 target=19072a22"
            )
        );
    }
}
