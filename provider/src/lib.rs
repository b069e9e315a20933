//! The aws-apigatewayv2 Pulumi provider: one resource, `aws-apigatewayv2:index:Deployment`.
//!
//! Modules, from the declaration outwards:
//! - [`resource`]: the single declaration of the Deployment's fields and of the provider config.
//! - [`props`]: the protocol edge for values: Struct <-> typed properties, unknowns and secrets.
//! - [`check`]: validation rules derived from the declaration (CheckFailures, not errors).
//! - [`diff`]: change and replacement detection derived from the declaration.
//! - [`schema`]: the package schema generated from the declaration (schema.json).
//! - [`config`]: provider configuration rules and the AWS client built from them.
//! - [`auth`]: assumed roles, web identity and the account check of the configuration.
//! - [`transport`]: the HTTP client for proxies, extra CA certificates and `insecure`.
//! - [`limiter`]: pacing of AWS calls to API Gateway's quotas, shared per account and region.
//! - [`sharedquota`]: the CreateDeployment quota shared by many processes through DynamoDB.
//! - [`cloud`]: API Gateway v2 calls with retries, AWS errors, the wait for DEPLOYED.
//! - [`apiconfig`]: reads of the API's routes, integrations, authorizers, models and responses.
//! - [`fingerprint`]: their canonical form, hash, and the naming of what changed.
//! - [`deployment`]: the Deployment's create/read/update/delete/diff on typed properties.
//! - [`engine`]: user-visible messages through the engine's Log RPC.
//! - [`server`]: the ResourceProvider gRPC service tying it together.

pub mod apiconfig;
pub mod auth;
pub mod check;
pub mod cloud;
pub mod config;
pub mod deployment;
pub mod diff;
pub mod engine;
pub mod fingerprint;
pub mod limiter;
pub mod props;
pub mod resource;
pub mod schema;
pub mod server;
pub mod sharedquota;
pub mod transport;
