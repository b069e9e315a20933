//! The API Gateway v2 objects the emulator keeps (APIs, stages, deployments, and through
//! [`crate::objects`] routes, integrations, authorizers, models and responses) and the operations
//! on them, with AWS's validation rules and error messages. Free of HTTP.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

use crate::objects::{self, Place, Spec, Store};

/// An AWS error as the wire shows it: status, `x-amzn-errortype`, and body fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub error_type: &'static str,
    pub message: String,
    pub extra: Option<(&'static str, String)>,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: 400,
            error_type: "BadRequestException",
            message: message.into(),
            extra: None,
        }
    }
    pub fn not_found(resource_type: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: 404,
            error_type: "NotFoundException",
            message: message.into(),
            extra: Some(("resourceType", resource_type.to_string())),
        }
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self {
            status: 409,
            error_type: "ConflictException",
            message: message.into(),
            extra: None,
        }
    }
}

pub type OpResult = Result<(u16, Value), ApiError>;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    pub apis: BTreeMap<String, Api>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Api {
    pub api_id: String,
    pub name: String,
    pub protocol_type: String,
    pub route_selection_expression: String,
    pub description: Option<String>,
    pub created_ms: u64,
    /// Routes, integrations, authorizers, models and responses (see [`crate::objects`]).
    #[serde(default)]
    pub objects: Store,
    pub stages: BTreeMap<String, Stage>,
    /// In creation order, which is also the listing order.
    pub deployments: Vec<Deployment>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stage {
    pub stage_name: String,
    pub deployment_id: Option<String>,
    pub auto_deploy: bool,
    pub description: Option<String>,
    pub created_ms: u64,
    pub updated_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deployment {
    pub deployment_id: String,
    pub description: Option<String>,
    pub created_ms: u64,
    /// Until this instant the deployment is PENDING.
    pub ready_ms: u64,
    /// Set when a fault made this deployment end FAILED.
    pub failure: Option<String>,
    pub auto_deployed: bool,
    /// The API's configuration when the deployment was made: what a stage on it serves.
    #[serde(default)]
    pub snapshot: Value,
}

/// Knobs the operations need from the emulator's configuration and fault switches.
pub struct Ctx<'a> {
    pub now_ms: u64,
    pub deploy_delay_ms: u64,
    pub region: &'a str,
    pub refuse_delete_while_staged: bool,
    /// Refuse CreateDeployment naming a stage with autoDeploy (AWS's behaviour is undocumented).
    pub refuse_deploy_to_auto_stage: bool,
    /// Taken (and cleared) by the next deployment created.
    pub fail_next_deployment: &'a mut Option<String>,
    pub new_id: &'a mut dyn FnMut(usize) -> String,
}

pub fn iso8601(ms: u64) -> String {
    humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms)).to_string()
}

fn str_field<'a>(body: &'a Value, name: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::bad_request(format!("Invalid value for '{name}': expected a string"))),
    }
}

fn bool_field(body: &Value, name: &str) -> Result<Option<bool>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::bad_request(format!("Invalid value for '{name}': expected a boolean"))),
    }
}

/// What AWS answers when a deployment id is set on a stage that deploys itself.
fn auto_deploy_refusal(stage: &str) -> ApiError {
    ApiError::bad_request(format!(
        "Deployment ID cannot be set on this stage: {stage} because AutoDeploy is enabled"
    ))
}

fn check_len(name: &str, value: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let n = value.chars().count();
    if n < min || n > max {
        return Err(ApiError::bad_request(format!(
            "1 validation error detected: Value at '{name}' failed to satisfy constraint: Member must have length between {min} and {max}, inclusive"
        )));
    }
    Ok(())
}

impl Deployment {
    pub fn status(&self, now_ms: u64) -> (&'static str, Option<&str>) {
        if now_ms < self.ready_ms {
            ("PENDING", None)
        } else if let Some(msg) = &self.failure {
            ("FAILED", Some(msg))
        } else {
            ("DEPLOYED", None)
        }
    }

    fn json(&self, now_ms: u64) -> Value {
        let (status, message) = self.status(now_ms);
        let mut v = json!({
            "deploymentId": self.deployment_id,
            "createdDate": iso8601(self.created_ms),
            "deploymentStatus": status,
            "autoDeployed": self.auto_deployed,
        });
        if let Some(d) = &self.description {
            v["description"] = json!(d);
        }
        if let Some(m) = message {
            v["deploymentStatusMessage"] = json!(m);
        }
        v
    }
}

impl Api {
    fn json(&self, region: &str) -> Value {
        let scheme = if self.protocol_type == "WEBSOCKET" { "wss" } else { "https" };
        let mut v = json!({
            "apiEndpoint": format!("{scheme}://{}.execute-api.{region}.amazonaws.com", self.api_id),
            "apiId": self.api_id,
            "apiKeySelectionExpression": "$request.header.x-api-key",
            "createdDate": iso8601(self.created_ms),
            "disableExecuteApiEndpoint": false,
            "name": self.name,
            "protocolType": self.protocol_type,
            "routeSelectionExpression": self.route_selection_expression,
            "tags": {},
        });
        if let Some(d) = &self.description {
            v["description"] = json!(d);
        }
        v
    }

    fn deployment_index(&self, id: &str) -> Result<usize, ApiError> {
        self.deployments.iter().position(|d| d.deployment_id == id).ok_or_else(|| {
            ApiError::not_found(
                "Deployment",
                format!("Invalid Deployment identifier specified {}:{id}", self.api_id),
            )
        })
    }

    fn stage_mut(&mut self, name: &str) -> Result<&mut Stage, ApiError> {
        let api_id = self.api_id.clone();
        self.stages
            .get_mut(name)
            .ok_or_else(|| ApiError::not_found("Stage", format!("Invalid stage identifier specified {api_id}:{name}")))
    }

    fn add_deployment(&mut self, ctx: &mut Ctx<'_>, description: Option<String>, auto: bool) -> usize {
        let id = (ctx.new_id)(6);
        let failure = if auto { None } else { ctx.fail_next_deployment.take() };
        self.deployments.push(Deployment {
            deployment_id: id,
            description,
            created_ms: ctx.now_ms,
            // Automatic deployments are done by the service itself, ready at once.
            ready_ms: if auto { ctx.now_ms } else { ctx.now_ms + ctx.deploy_delay_ms },
            failure,
            auto_deployed: auto,
            snapshot: objects::snapshot(&self.objects),
        });
        self.deployments.len() - 1
    }

    fn has_routes(&self) -> bool {
        self.objects.get("routes").is_some_and(|m| !m.is_empty())
    }

    /// Stages with autoDeploy get a fresh deployment whenever the API's configuration changes.
    fn auto_deploy(&mut self, ctx: &mut Ctx<'_>) {
        if !self.has_routes() {
            return;
        }
        let names: Vec<String> = self
            .stages
            .values()
            .filter(|s| s.auto_deploy)
            .map(|s| s.stage_name.clone())
            .collect();
        for name in names {
            let idx = self.add_deployment(
                ctx,
                Some("Automatic deployment triggered by changes to the Api configuration".into()),
                true,
            );
            let id = self.deployments[idx].deployment_id.clone();
            if let Some(stage) = self.stages.get_mut(&name) {
                stage.deployment_id = Some(id);
                stage.updated_ms = ctx.now_ms;
            }
        }
    }
}

impl Stage {
    fn json(&self) -> Value {
        let mut v = json!({
            "stageName": self.stage_name,
            "autoDeploy": self.auto_deploy,
            "createdDate": iso8601(self.created_ms),
            "lastUpdatedDate": iso8601(self.updated_ms),
            "defaultRouteSettings": {"detailedMetricsEnabled": false},
            "routeSettings": {},
            "stageVariables": {},
            "tags": {},
        });
        if let Some(d) = &self.deployment_id {
            v["deploymentId"] = json!(d);
        }
        if let Some(d) = &self.description {
            v["description"] = json!(d);
        }
        v
    }
}

/// Cuts a listing into pages the way AWS does: opaque `nextToken`, `maxResults` as a string.
fn paginate(items: Vec<Value>, max_results: Option<&str>, next_token: Option<&str>) -> OpResult {
    let max = match max_results {
        None => 100,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=500).contains(&n) => n,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "Invalid maxResults '{s}': must be an integer between 1 and 500"
                )));
            }
        },
    };
    let start = match next_token {
        None | Some("") => 0,
        Some(t) => t
            .strip_prefix("page-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= items.len())
            .ok_or_else(|| ApiError::bad_request("Invalid nextToken"))?,
    };
    let end = (start + max).min(items.len());
    let mut body = json!({ "items": items[start..end].to_vec() });
    if end < items.len() {
        body["nextToken"] = json!(format!("page-{end}"));
    }
    Ok((200, body))
}

impl State {
    fn api(&self, api_id: &str) -> Result<&Api, ApiError> {
        self.apis
            .get(api_id)
            .ok_or_else(|| ApiError::not_found("Api", format!("Invalid API identifier specified {api_id}")))
    }

    fn api_mut(&mut self, api_id: &str) -> Result<&mut Api, ApiError> {
        self.apis
            .get_mut(api_id)
            .ok_or_else(|| ApiError::not_found("Api", format!("Invalid API identifier specified {api_id}")))
    }

    pub fn create_api(&mut self, ctx: &mut Ctx<'_>, body: &Value) -> OpResult {
        let name = str_field(body, "name")?.ok_or_else(|| ApiError::bad_request("Name is required"))?;
        check_len("name", name, 1, 128)?;
        let protocol = str_field(body, "protocolType")?.ok_or_else(|| ApiError::bad_request("ProtocolType is required"))?;
        let rse = match (protocol, str_field(body, "routeSelectionExpression")?) {
            ("HTTP", e) => e.unwrap_or("${request.method} ${request.path}").to_string(),
            ("WEBSOCKET", Some(e)) => e.to_string(),
            ("WEBSOCKET", None) => {
                return Err(ApiError::bad_request("RouteSelectionExpression is required for a WEBSOCKET API"));
            }
            (other, _) => {
                return Err(ApiError::bad_request(format!(
                    "Invalid protocol type '{other}': must be HTTP or WEBSOCKET"
                )));
            }
        };
        let description = str_field(body, "description")?.map(str::to_string);
        if let Some(d) = &description {
            check_len("description", d, 0, 1024)?;
        }
        let api = Api {
            api_id: (ctx.new_id)(10),
            name: name.to_string(),
            protocol_type: protocol.to_string(),
            route_selection_expression: rse,
            description,
            created_ms: ctx.now_ms,
            objects: Store::new(),
            stages: BTreeMap::new(),
            deployments: Vec::new(),
        };
        let out = api.json(ctx.region);
        self.apis.insert(api.api_id.clone(), api);
        Ok((201, out))
    }

    pub fn get_api(&self, ctx: &Ctx<'_>, api_id: &str) -> OpResult {
        Ok((200, self.api(api_id)?.json(ctx.region)))
    }

    pub fn get_apis(&self, ctx: &Ctx<'_>, max: Option<&str>, token: Option<&str>) -> OpResult {
        paginate(self.apis.values().map(|a| a.json(ctx.region)).collect(), max, token)
    }

    pub fn delete_api(&mut self, api_id: &str) -> OpResult {
        self.api(api_id)?;
        self.apis.remove(api_id);
        Ok((204, Value::Null))
    }

    /// The place of an object of `spec` under `api_id` (and `parent`, for child kinds), checking
    /// that the API and the owner exist.
    fn place<'a>(&'a self, spec: &Spec, api_id: &'a str, parent: Option<&'a str>) -> Result<Place<'a>, ApiError> {
        let api = self.api(api_id)?;
        if let (Some(owner), Some(id)) = (spec.parent.and_then(objects::spec), parent)
            && !api.objects.get(owner.plural).is_some_and(|m| m.contains_key(id))
        {
            return Err(objects::not_found(owner, api_id, id));
        }
        Ok(Place {
            api_id,
            protocol: &api.protocol_type,
            parent,
        })
    }

    /// Runs a change on the API's configuration objects; stages with autoDeploy follow it.
    fn change_objects<T>(
        &mut self,
        ctx: &mut Ctx<'_>,
        spec: &Spec,
        api_id: &str,
        parent: Option<&str>,
        f: impl FnOnce(&mut Store, &Place<'_>, &mut dyn FnMut(usize) -> String) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let protocol = self.place(spec, api_id, parent)?.protocol.to_string();
        let api = self.api_mut(api_id)?;
        let place = Place {
            api_id,
            protocol: &protocol,
            parent,
        };
        let out = f(&mut api.objects, &place, &mut *ctx.new_id)?;
        api.auto_deploy(ctx);
        Ok(out)
    }

    pub fn create_object(&mut self, ctx: &mut Ctx<'_>, spec: &Spec, api_id: &str, parent: Option<&str>, body: &Value) -> OpResult {
        let out = self.change_objects(ctx, spec, api_id, parent, |store, place, new_id| {
            objects::create(store, spec, place, body, new_id)
        })?;
        Ok((201, out))
    }

    pub fn get_object(&self, spec: &Spec, api_id: &str, parent: Option<&str>, id: &str) -> OpResult {
        let place = self.place(spec, api_id, parent)?;
        Ok((200, objects::get(&self.api(api_id)?.objects, spec, &place, id)?))
    }

    pub fn get_objects(&self, spec: &Spec, api_id: &str, parent: Option<&str>, max: Option<&str>, token: Option<&str>) -> OpResult {
        self.place(spec, api_id, parent)?;
        paginate(objects::list(&self.api(api_id)?.objects, spec, parent), max, token)
    }

    pub fn update_object(
        &mut self,
        ctx: &mut Ctx<'_>,
        spec: &Spec,
        api_id: &str,
        parent: Option<&str>,
        id: &str,
        body: &Value,
    ) -> OpResult {
        let out = self.change_objects(ctx, spec, api_id, parent, |store, place, _| {
            objects::update(store, spec, place, id, body)
        })?;
        Ok((200, out))
    }

    pub fn delete_object(&mut self, ctx: &mut Ctx<'_>, spec: &Spec, api_id: &str, parent: Option<&str>, id: &str) -> OpResult {
        self.change_objects(ctx, spec, api_id, parent, |store, place, _| objects::delete(store, spec, place, id))?;
        Ok((204, Value::Null))
    }

    pub fn create_stage(&mut self, ctx: &mut Ctx<'_>, api_id: &str, body: &Value) -> OpResult {
        let api = self.api_mut(api_id)?;
        let name = str_field(body, "stageName")?.ok_or_else(|| ApiError::bad_request("StageName is required"))?;
        check_len("stageName", name, 1, 128)?;
        if api.stages.contains_key(name) {
            return Err(ApiError::conflict(format!("Stage {name} already exists")));
        }
        let deployment_id = str_field(body, "deploymentId")?.map(str::to_string);
        if let Some(d) = &deployment_id {
            api.deployment_index(d)?;
        }
        let description = str_field(body, "description")?.map(str::to_string);
        if let Some(d) = &description {
            check_len("description", d, 0, 1024)?;
        }
        let auto_deploy = bool_field(body, "autoDeploy")?.unwrap_or(false);
        api.stages.insert(
            name.to_string(),
            Stage {
                stage_name: name.to_string(),
                deployment_id,
                auto_deploy,
                description,
                created_ms: ctx.now_ms,
                updated_ms: ctx.now_ms,
            },
        );
        if auto_deploy {
            api.auto_deploy(ctx);
        }
        Ok((201, api.stages[name].json()))
    }

    pub fn get_stage(&self, api_id: &str, name: &str) -> OpResult {
        let api = self.api(api_id)?;
        let stage = api
            .stages
            .get(name)
            .ok_or_else(|| ApiError::not_found("Stage", format!("Invalid stage identifier specified {api_id}:{name}")))?;
        Ok((200, stage.json()))
    }

    pub fn get_stages(&self, api_id: &str, max: Option<&str>, token: Option<&str>) -> OpResult {
        paginate(self.api(api_id)?.stages.values().map(Stage::json).collect(), max, token)
    }

    pub fn update_stage(&mut self, ctx: &mut Ctx<'_>, api_id: &str, name: &str, body: &Value) -> OpResult {
        let api = self.api_mut(api_id)?;
        let deployment_id = str_field(body, "deploymentId")?.map(str::to_string);
        if let Some(d) = &deployment_id {
            api.deployment_index(d)?;
        }
        let description = str_field(body, "description")?.map(str::to_string);
        if let Some(d) = &description {
            check_len("description", d, 0, 1024)?;
        }
        let auto_deploy = bool_field(body, "autoDeploy")?;
        let stage = api.stage_mut(name)?;
        if deployment_id.is_some() && auto_deploy.unwrap_or(stage.auto_deploy) {
            return Err(auto_deploy_refusal(name));
        }
        if deployment_id.is_some() {
            stage.deployment_id = deployment_id;
        }
        if description.is_some() {
            stage.description = description;
        }
        let turned_on = auto_deploy == Some(true) && !stage.auto_deploy;
        if let Some(a) = auto_deploy {
            stage.auto_deploy = a;
        }
        stage.updated_ms = ctx.now_ms;
        if turned_on {
            api.auto_deploy(ctx);
        }
        Ok((200, api.stages[name].json()))
    }

    pub fn delete_stage(&mut self, api_id: &str, name: &str) -> OpResult {
        let api = self.api_mut(api_id)?;
        if api.stages.remove(name).is_none() {
            return Err(ApiError::not_found(
                "Stage",
                format!("Invalid stage identifier specified {api_id}:{name}"),
            ));
        }
        Ok((204, Value::Null))
    }

    pub fn create_deployment(&mut self, ctx: &mut Ctx<'_>, api_id: &str, body: &Value) -> OpResult {
        let api = self.api_mut(api_id)?;
        let description = str_field(body, "description")?.map(str::to_string);
        if let Some(d) = &description {
            check_len("description", d, 0, 1024)?;
        }
        let stage_name = str_field(body, "stageName")?.map(str::to_string);
        if let Some(s) = &stage_name {
            check_len("stageName", s, 1, 128)?;
            if api.stage_mut(s)?.auto_deploy && ctx.refuse_deploy_to_auto_stage {
                return Err(auto_deploy_refusal(s));
            }
        }
        if !api.has_routes() {
            return Err(ApiError::bad_request("Unable to deploy API because no routes exist in this API"));
        }
        let idx = api.add_deployment(ctx, description, false);
        let id = api.deployments[idx].deployment_id.clone();
        if let Some(s) = &stage_name {
            let stage = api.stage_mut(s)?;
            stage.deployment_id = Some(id);
            stage.updated_ms = ctx.now_ms;
        }
        Ok((201, api.deployments[idx].json(ctx.now_ms)))
    }

    pub fn get_deployment(&self, ctx: &Ctx<'_>, api_id: &str, id: &str) -> OpResult {
        let api = self.api(api_id)?;
        Ok((200, api.deployments[api.deployment_index(id)?].json(ctx.now_ms)))
    }

    pub fn get_deployments(&self, ctx: &Ctx<'_>, api_id: &str, max: Option<&str>, token: Option<&str>) -> OpResult {
        let api = self.api(api_id)?;
        paginate(api.deployments.iter().map(|d| d.json(ctx.now_ms)).collect(), max, token)
    }

    pub fn update_deployment(&mut self, ctx: &mut Ctx<'_>, api_id: &str, id: &str, body: &Value) -> OpResult {
        let api = self.api_mut(api_id)?;
        let idx = api.deployment_index(id)?;
        if let Some(d) = str_field(body, "description")? {
            check_len("description", d, 0, 1024)?;
            api.deployments[idx].description = Some(d.to_string());
        }
        Ok((200, api.deployments[idx].json(ctx.now_ms)))
    }

    /// What a stage serves now: its deployment and the configuration that deployment froze.
    pub fn serving(&self, api_id: &str, stage: &str) -> OpResult {
        let api = self.api(api_id)?;
        let st = api
            .stages
            .get(stage)
            .ok_or_else(|| ApiError::not_found("Stage", format!("Invalid stage identifier specified {api_id}:{stage}")))?;
        let Some(id) = &st.deployment_id else {
            return Ok((200, json!({"stageName": stage, "routeKeys": []})));
        };
        let d = &api.deployments[api.deployment_index(id)?];
        let mut keys: Vec<String> = d.snapshot["routes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("routeKey").and_then(Value::as_str).map(str::to_string))
            .collect();
        keys.sort();
        Ok((
            200,
            json!({"stageName": stage, "deploymentId": id, "routeKeys": keys, "snapshot": d.snapshot}),
        ))
    }

    pub fn delete_deployment(&mut self, ctx: &Ctx<'_>, api_id: &str, id: &str) -> OpResult {
        let api = self.api_mut(api_id)?;
        let idx = api.deployment_index(id)?;
        if ctx.refuse_delete_while_staged && api.stages.values().any(|s| s.deployment_id.as_deref() == Some(id)) {
            return Err(ApiError::bad_request(
                "Active stages pointing to this deployment must be moved or deleted",
            ));
        }
        api.deployments.remove(idx);
        for stage in api.stages.values_mut() {
            if stage.deployment_id.as_deref() == Some(id) {
                stage.deployment_id = None;
            }
        }
        Ok((204, Value::Null))
    }
}
