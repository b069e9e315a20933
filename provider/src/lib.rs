//! The aws-apigatewayv2 Pulumi provider. Modules, from the bottom up (each uses only those above
//! it in this list):
//!
//! - [`proto`]: Pulumi's protocol, generated from the pinned Pulumi's own descriptors (`build.rs`).
//! - [`decl`]: the declaration language (fields, kinds, rules), with [`decl::props`] (the only
//!   place that knows Pulumi's value sentinels), [`decl::check`] and [`decl::diff`].
//! - [`error`]: AWS errors classified, errors as sentences, the lifecycle's domain errors.
//! - [`engine`]: user-visible messages through the engine's Log RPC.
//! - [`launch`]: whether the CLI that started the plugin runs `pulumi preview`.
//! - [`apigw`]: API Gateway v2: call machinery with pacing and retries, deployment calls and the
//!   wait, API-configuration reads and their fingerprint, the limiter and the shared quota.
//! - [`config`]: the provider configuration's keys, CheckConfig's rules, and Configure's steps
//!   that build the clients (credentials in [`config::auth`], HTTP in [`config::transport`]).
//! - [`resources`]: the registry of resources, each a declaration plus a typed lifecycle
//!   ([`resources::deployment`]).
//! - [`schema`]: schema.json, generated from the registry and the configuration.
//! - [`server`]: the gRPC edge: decodes requests, dispatches by type token, maps errors to codes.

pub mod apigw;
pub mod config;
pub mod decl;
pub mod engine;
pub mod error;
pub mod launch;
pub mod proto;
pub mod resources;
pub mod schema;
pub mod server;
