//! The parts of an API's configuration that a deployment snapshots: routes, integrations,
//! authorizers, models, route responses and integration responses. Each kind is one [`Spec`]
//! (its path, id, unique key, required and accepted fields, as botocore's model has them), and
//! one set of generic operations serves them all: Create, Get, list, Update, Delete.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

use crate::model::ApiError;

/// The JSON type a field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Str,
    Int,
    Bool,
    /// A list of strings.
    List,
    /// A JSON object (maps of strings, of parameter constraints, nested configurations).
    Obj,
}

/// One kind of configuration object.
#[derive(Debug)]
pub struct Spec {
    /// AWS's name, as in `CreateIntegration` and in NotFound's `resourceType`.
    pub kind: &'static str,
    /// The path segment: `/v2/apis/{apiId}/<plural>`.
    pub plural: &'static str,
    pub id_field: &'static str,
    pub id_len: usize,
    /// The kind whose objects own these (route responses live under a route).
    pub parent: Option<&'static str>,
    /// A field unique among siblings (Conflict on a duplicate).
    pub unique: Option<&'static str>,
    pub required: &'static [&'static str],
    pub fields: &'static [(&'static str, Ty)],
    /// Values AWS fills in when the caller leaves them out, per protocol (HTTP, WEBSOCKET).
    pub defaults: fn(protocol: &str) -> Vec<(&'static str, Value)>,
}

fn no_defaults(_: &str) -> Vec<(&'static str, Value)> {
    vec![]
}

pub const ROUTE: Spec = Spec {
    kind: "Route",
    plural: "routes",
    id_field: "routeId",
    id_len: 7,
    parent: None,
    unique: Some("routeKey"),
    required: &["routeKey"],
    fields: &[
        ("apiKeyRequired", Ty::Bool),
        ("authorizationScopes", Ty::List),
        ("authorizationType", Ty::Str),
        ("authorizerId", Ty::Str),
        ("modelSelectionExpression", Ty::Str),
        ("operationName", Ty::Str),
        ("requestModels", Ty::Obj),
        ("requestParameters", Ty::Obj),
        ("routeKey", Ty::Str),
        ("routeResponseSelectionExpression", Ty::Str),
        ("target", Ty::Str),
    ],
    defaults: |_| vec![("apiKeyRequired", json!(false)), ("authorizationType", json!("NONE"))],
};

pub const INTEGRATION: Spec = Spec {
    kind: "Integration",
    plural: "integrations",
    id_field: "integrationId",
    id_len: 7,
    parent: None,
    unique: None,
    required: &["integrationType"],
    fields: &[
        ("connectionId", Ty::Str),
        ("connectionType", Ty::Str),
        ("contentHandlingStrategy", Ty::Str),
        ("credentialsArn", Ty::Str),
        ("description", Ty::Str),
        ("integrationMethod", Ty::Str),
        ("integrationSubtype", Ty::Str),
        ("integrationType", Ty::Str),
        ("integrationUri", Ty::Str),
        ("passthroughBehavior", Ty::Str),
        ("payloadFormatVersion", Ty::Str),
        ("requestParameters", Ty::Obj),
        ("requestTemplates", Ty::Obj),
        ("responseParameters", Ty::Obj),
        ("templateSelectionExpression", Ty::Str),
        ("timeoutInMillis", Ty::Int),
        ("tlsConfig", Ty::Obj),
    ],
    defaults: |protocol| {
        let mut d = vec![("connectionType", json!("INTERNET")), ("apiGatewayManaged", json!(false))];
        if protocol == "WEBSOCKET" {
            d.push(("timeoutInMillis", json!(29000)));
            d.push(("payloadFormatVersion", json!("1.0")));
            d.push((
                "integrationResponseSelectionExpression",
                json!("${integration.response.statuscode}"),
            ));
        } else {
            d.push(("timeoutInMillis", json!(30000)));
        }
        d
    },
};

pub const AUTHORIZER: Spec = Spec {
    kind: "Authorizer",
    plural: "authorizers",
    id_field: "authorizerId",
    id_len: 6,
    parent: None,
    unique: Some("name"),
    required: &["authorizerType", "identitySource", "name"],
    fields: &[
        ("authorizerCredentialsArn", Ty::Str),
        ("authorizerPayloadFormatVersion", Ty::Str),
        ("authorizerResultTtlInSeconds", Ty::Int),
        ("authorizerType", Ty::Str),
        ("authorizerUri", Ty::Str),
        ("enableSimpleResponses", Ty::Bool),
        ("identitySource", Ty::List),
        ("identityValidationExpression", Ty::Str),
        ("jwtConfiguration", Ty::Obj),
        ("name", Ty::Str),
    ],
    defaults: no_defaults,
};

pub const MODEL: Spec = Spec {
    kind: "Model",
    plural: "models",
    id_field: "modelId",
    id_len: 6,
    parent: None,
    unique: Some("name"),
    required: &["name", "schema"],
    fields: &[
        ("contentType", Ty::Str),
        ("description", Ty::Str),
        ("name", Ty::Str),
        ("schema", Ty::Str),
    ],
    defaults: |_| vec![("contentType", json!("application/json"))],
};

pub const ROUTE_RESPONSE: Spec = Spec {
    kind: "RouteResponse",
    plural: "routeresponses",
    id_field: "routeResponseId",
    id_len: 6,
    parent: Some("routes"),
    unique: Some("routeResponseKey"),
    required: &["routeResponseKey"],
    fields: &[
        ("modelSelectionExpression", Ty::Str),
        ("responseModels", Ty::Obj),
        ("responseParameters", Ty::Obj),
        ("routeResponseKey", Ty::Str),
    ],
    defaults: no_defaults,
};

pub const INTEGRATION_RESPONSE: Spec = Spec {
    kind: "IntegrationResponse",
    plural: "integrationresponses",
    id_field: "integrationResponseId",
    id_len: 6,
    parent: Some("integrations"),
    unique: Some("integrationResponseKey"),
    required: &["integrationResponseKey"],
    fields: &[
        ("contentHandlingStrategy", Ty::Str),
        ("integrationResponseKey", Ty::Str),
        ("responseParameters", Ty::Obj),
        ("responseTemplates", Ty::Obj),
        ("templateSelectionExpression", Ty::Str),
    ],
    defaults: no_defaults,
};

/// Every kind, in the order a snapshot lists them.
pub const SPECS: [&Spec; 6] = [&ROUTE, &INTEGRATION, &AUTHORIZER, &MODEL, &ROUTE_RESPONSE, &INTEGRATION_RESPONSE];

pub fn spec(plural: &str) -> Option<&'static Spec> {
    SPECS.iter().copied().find(|s| s.plural == plural)
}

/// One stored object: its owner (for child kinds) and its fields as AWS returns them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Obj {
    pub parent: Option<String>,
    pub fields: Map<String, Value>,
}

/// Objects of every kind of one API: plural -> id -> object.
pub type Store = BTreeMap<String, BTreeMap<String, Obj>>;

fn type_ok(ty: Ty, v: &Value) -> bool {
    match ty {
        Ty::Str => v.is_string(),
        Ty::Int => v.as_i64().is_some(),
        Ty::Bool => v.is_boolean(),
        Ty::List => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        Ty::Obj => v.is_object(),
    }
}

/// Takes the accepted fields of a request body, refusing wrong types as AWS's validation does.
fn accepted(spec: &Spec, body: &Value) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    for (name, ty) in spec.fields {
        match body.get(*name) {
            None | Some(Value::Null) => {}
            Some(v) if type_ok(*ty, v) => {
                out.insert(name.to_string(), v.clone());
            }
            Some(_) => {
                return Err(ApiError::bad_request(format!(
                    "Invalid value for '{name}' of {}: wrong type",
                    spec.kind
                )));
            }
        }
    }
    Ok(out)
}

/// The NotFound AWS answers for an unknown id of `spec`'s kind.
pub fn not_found(spec: &Spec, api_id: &str, id: &str) -> ApiError {
    ApiError::not_found(spec.kind, format!("Invalid {} identifier specified {api_id}:{id}", spec.kind))
}

/// What creating or updating an object needs to know about the API around it.
pub struct Place<'a> {
    pub api_id: &'a str,
    pub protocol: &'a str,
    /// The owning object's id, for child kinds.
    pub parent: Option<&'a str>,
}

/// Checks what AWS checks across objects: unique keys among siblings and route references.
fn check_refs(store: &Store, spec: &Spec, place: &Place<'_>, fields: &Map<String, Value>, own_id: Option<&str>) -> Result<(), ApiError> {
    if let Some(key) = spec.unique
        && let Some(value) = fields.get(key)
    {
        let clash = store
            .get(spec.plural)
            .into_iter()
            .flatten()
            .any(|(id, o)| Some(id.as_str()) != own_id && o.parent.as_deref() == place.parent && o.fields.get(key) == Some(value));
        if clash {
            let shown = value.as_str().unwrap_or_default();
            return Err(ApiError::conflict(format!(
                "{} with {key} {shown} already exists for this API",
                spec.kind
            )));
        }
    }
    if spec.plural == "routes" {
        if let Some(target) = fields.get("target").and_then(Value::as_str) {
            let Some(integration) = target.strip_prefix("integrations/") else {
                return Err(ApiError::bad_request(format!(
                    "Invalid target '{target}': a route target must be of the form integrations/{{integrationId}}"
                )));
            };
            if !store.get("integrations").is_some_and(|m| m.contains_key(integration)) {
                return Err(ApiError::bad_request(format!(
                    "Invalid integration identifier specified {}:{integration}",
                    place.api_id
                )));
            }
        }
        if let Some(authorizer) = fields.get("authorizerId").and_then(Value::as_str)
            && !store.get("authorizers").is_some_and(|m| m.contains_key(authorizer))
        {
            return Err(ApiError::bad_request(format!(
                "Invalid authorizer identifier specified {}:{authorizer}",
                place.api_id
            )));
        }
    }
    if spec.plural == "integrationresponses" && place.protocol != "WEBSOCKET" {
        return Err(ApiError::bad_request("Integration responses are supported only for WebSocket APIs"));
    }
    if spec.plural == "routeresponses" && place.protocol != "WEBSOCKET" {
        return Err(ApiError::bad_request("Route responses are supported only for WebSocket APIs"));
    }
    Ok(())
}

fn json_of(spec: &Spec, id: &str, o: &Obj) -> Value {
    let mut v = o.fields.clone();
    v.insert(spec.id_field.to_string(), json!(id));
    Value::Object(v)
}

pub fn create(
    store: &mut Store,
    spec: &Spec,
    place: &Place<'_>,
    body: &Value,
    new_id: &mut dyn FnMut(usize) -> String,
) -> Result<Value, ApiError> {
    let mut fields = accepted(spec, body)?;
    for name in spec.required {
        if !fields.contains_key(*name) {
            let mut shown = name.to_string();
            shown[..1].make_ascii_uppercase();
            return Err(ApiError::bad_request(format!("{shown} is required")));
        }
    }
    for (name, value) in (spec.defaults)(place.protocol) {
        fields.entry(name.to_string()).or_insert(value);
    }
    check_refs(store, spec, place, &fields, None)?;
    let id = new_id(spec.id_len);
    let obj = Obj {
        parent: place.parent.map(str::to_string),
        fields,
    };
    let out = json_of(spec, &id, &obj);
    store.entry(spec.plural.to_string()).or_default().insert(id, obj);
    Ok(out)
}

fn find<'s>(store: &'s Store, spec: &Spec, place: &Place<'_>, id: &str) -> Result<&'s Obj, ApiError> {
    store
        .get(spec.plural)
        .and_then(|m| m.get(id))
        .filter(|o| o.parent.as_deref() == place.parent)
        .ok_or_else(|| not_found(spec, place.api_id, id))
}

pub fn get(store: &Store, spec: &Spec, place: &Place<'_>, id: &str) -> Result<Value, ApiError> {
    Ok(json_of(spec, id, find(store, spec, place, id)?))
}

/// Every object of a kind (under one owner for child kinds), in id order as AWS lists them.
pub fn list(store: &Store, spec: &Spec, parent: Option<&str>) -> Vec<Value> {
    store
        .get(spec.plural)
        .into_iter()
        .flatten()
        .filter(|(_, o)| o.parent.as_deref() == parent)
        .map(|(id, o)| json_of(spec, id, o))
        .collect()
}

pub fn update(store: &mut Store, spec: &Spec, place: &Place<'_>, id: &str, body: &Value) -> Result<Value, ApiError> {
    let mut obj = find(store, spec, place, id)?.clone();
    for (name, value) in accepted(spec, body)? {
        obj.fields.insert(name, value);
    }
    check_refs(store, spec, place, &obj.fields, Some(id))?;
    let out = json_of(spec, id, &obj);
    store.entry(spec.plural.to_string()).or_default().insert(id.to_string(), obj);
    Ok(out)
}

/// Deletes an object and the objects it owns (a route's responses, an integration's responses).
pub fn delete(store: &mut Store, spec: &Spec, place: &Place<'_>, id: &str) -> Result<(), ApiError> {
    find(store, spec, place, id)?;
    if let Some(m) = store.get_mut(spec.plural) {
        m.remove(id);
    }
    for child in SPECS.iter().filter(|s| s.parent == Some(spec.plural)) {
        if let Some(m) = store.get_mut(child.plural) {
            m.retain(|_, o| o.parent.as_deref() != Some(id));
        }
    }
    Ok(())
}

/// The configuration a deployment freezes: every object of every kind, as AWS would list it.
pub fn snapshot(store: &Store) -> Value {
    let mut out = Map::new();
    for spec in SPECS {
        let items: Vec<Value> = store
            .get(spec.plural)
            .into_iter()
            .flatten()
            .map(|(id, o)| {
                let mut v = json_of(spec, id, o);
                if let Some(p) = &o.parent {
                    v["parentId"] = json!(p);
                }
                v
            })
            .collect();
        out.insert(spec.plural.to_string(), Value::Array(items));
    }
    Value::Object(out)
}
