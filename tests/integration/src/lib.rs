//! Integration and end-to-end tests of the provider, and the helpers they share.
//!
//! This crate root: an in-process emulator on 127.0.0.1:0, AWS SDK clients pointed at it, the
//! API/route/stage fixture a deployment needs, the provider binary launched the way the engine
//! launches it, Struct/JSON conversion, and condition polling instead of fixed sleeps.
//! - [`e2e`]: throwaway Pulumi projects driven with the real CLI (`make tools`).
//! - [`rpc`]: a stand-in for the engine's Engine service, and a client of a launched provider.
//! - [`net`]: a TLS front with a test CA, an HTTP CONNECT proxy, a request-counting relay.
//! - [`dynamo`]: moto's DynamoDB server on a free port, and the `quotaTable` table.
//! - [`process`]: the engine's child processes found and killed (`pgrep`, /proc).
//! - `src/bin/bench.rs`: `make bench`.
//!
//! Tests (`tests/`): `emulator_sdk` (the emulator, STS included, through the AWS SDK),
//! `provider_rpc` (the provider binary over gRPC, one module per theme: lifecycle, faults,
//! api_following), `shared_quota`
//! (processes sharing the quota through `quotaTable`), `e2e_pulumi` (YAML programs through the
//! CLI; with `E2E_REAL_AWS=1` against a real account), `e2e_projects` (the TypeScript, Python
//! and Go examples as ordinary projects run by their language hosts, and `pulumi import`),
//! `e2e_config` (roles, web identity, account guards, proxies and CAs through the CLI).

use apigatewayv2_emulator::{DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, Emulator, RunningEmulator, Settings};
use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::config::{BehaviorVersion, Credentials, Region};
use std::future::Future;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::time::Instant;

pub use apigatewayv2_emulator as emulator;

pub mod dynamo;
pub mod e2e;
pub mod net;
pub mod platforms;
pub mod process;
pub mod rpc;

/// Emulator settings for fast tests: 100x time scale, short deployment delay.
pub fn fast_settings() -> Settings {
    Settings {
        time_scale: 0.01,
        deploy_delay: Duration::from_millis(2000),
        ..Settings::default()
    }
}

/// Starts an emulator on an ephemeral loopback port.
pub async fn start_emulator(settings: Settings) -> RunningEmulator {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind emulator");
    Emulator::new(settings).expect("emulator").spawn(listener).expect("spawn emulator")
}

/// An SDK client for the emulator at `url`, signing with the given key.
pub fn client_with(url: &str, key: &str, secret: &str, max_attempts: u32) -> Client {
    client_for(url, key, secret, max_attempts, "us-east-1")
}

/// An SDK client with the emulator's default key, signing for `region` (whose APIs it sees).
pub fn client_in(url: &str, region: &str) -> Client {
    client_for(url, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, 3, region)
}

fn client_for(url: &str, key: &str, secret: &str, max_attempts: u32, region: &str) -> Client {
    let conf = aws_sdk_apigatewayv2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(key, secret, None, None, "test"))
        .endpoint_url(url)
        .retry_config(aws_sdk_apigatewayv2::config::retry::RetryConfig::standard().with_max_attempts(max_attempts))
        .build();
    Client::from_conf(conf)
}

/// An SDK client with the emulator's default key and a few retries.
pub fn client(url: &str) -> Client {
    client_with(url, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, 3)
}

/// Ids of the objects a deployment needs: an HTTP API with one route and one stage.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub api_id: String,
    pub route_id: String,
    pub stage_name: String,
}

/// Adds an HTTP_PROXY integration to `uri` (method ANY, payload 1.0) to API `api`; returns its id.
pub async fn http_integration(client: &Client, api: &str, uri: &str) -> String {
    client
        .create_integration()
        .api_id(api)
        .integration_type(aws_sdk_apigatewayv2::types::IntegrationType::HttpProxy)
        .integration_method("ANY")
        .integration_uri(uri)
        .payload_format_version("1.0")
        .send()
        .await
        .expect("CreateIntegration")
        .integration_id()
        .expect("integration id")
        .to_string()
}

/// Creates an HTTP API with a route and a stage, as pulumi-aws would for a real program.
pub async fn fixture(client: &Client, name: &str) -> Fixture {
    let api = client
        .create_api()
        .name(name)
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
        .send()
        .await
        .expect("CreateApi");
    let api_id = api.api_id().expect("api id").to_string();
    let route = client
        .create_route()
        .api_id(&api_id)
        .route_key("GET /hello")
        .send()
        .await
        .expect("CreateRoute");
    let stage = client
        .create_stage()
        .api_id(&api_id)
        .stage_name("prod")
        .send()
        .await
        .expect("CreateStage");
    Fixture {
        api_id,
        route_id: route.route_id().expect("route id").to_string(),
        stage_name: stage.stage_name().expect("stage").to_string(),
    }
}

/// Polls `check` until it yields a value or `timeout` passes; panics naming `what` on timeout.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    let mut delay = Duration::from_millis(5);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_millis(200));
    }
}

/// The workspace's target directory (where `cargo build` put the binaries).
pub fn target_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target")
}

/// The provider binary; `make test` builds it before running the tests.
pub fn provider_binary() -> PathBuf {
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    let path = std::env::var("PROVIDER_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|_| target_dir().join(profile).join("pulumi-resource-aws-apigatewayv2"));
    assert!(
        path.exists(),
        "{} is missing: run `cargo build -p pulumi-resource-aws-apigatewayv2` (make test does)",
        path.display()
    );
    path
}

/// The provider running as a child process, as the engine runs it.
pub struct ProviderProcess {
    pub child: Child,
    pub port: u16,
    pub stderr: PathBuf,
}

impl ProviderProcess {
    /// Launches the binary with `args`, reads the port from its first stdout line.
    pub fn start(args: &[&str], envs: &[(&str, &str)]) -> Self {
        Self::launch(Command::new(provider_binary()), args, envs)
    }

    /// Launches `cmd` (a provider binary, or an emulator such as qemu-user or wine running one)
    /// with `args`, as [`ProviderProcess::start`] does.
    pub fn launch(mut cmd: Command, args: &[&str], envs: &[(&str, &str)]) -> Self {
        let stderr = std::env::temp_dir().join(format!("provider-stderr-{}-{}.log", std::process::id(), fastish_id()));
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).expect("stderr file"));
        cmd.env("AWS_EC2_METADATA_DISABLED", "true");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn provider {cmd:?}: {e}"));
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("read port line");
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("first stdout line is not a port: {line:?}"));
        ProviderProcess { child, port, stderr }
    }

    pub fn stderr_text(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for ProviderProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.stderr);
    }
}

fn fastish_id() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// An OIDC token from `issuer` as CI systems issue them, unsigned: the emulator's STS reads its
/// claims (`iss` decides the trust) and does not check the signature.
pub fn oidc_token(issuer: &str) -> String {
    use base64::Engine as _;
    let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims = serde_json::json!({"iss": issuer, "sub": "repo:example/app:ref:refs/heads/main", "aud": "sts.amazonaws.com"});
    format!("{}.{}.c2ln", enc.encode(br#"{"alg":"RS256"}"#), enc.encode(claims.to_string()))
}

/// JSON to a protobuf Struct, for building RPC requests.
pub fn to_struct(v: serde_json::Value) -> prost_types::Struct {
    match to_value(v).kind {
        Some(prost_types::value::Kind::StructValue(s)) => s,
        _ => panic!("to_struct needs a JSON object"),
    }
}

pub fn to_value(v: serde_json::Value) -> prost_types::Value {
    use prost_types::value::Kind;
    let kind = match v {
        serde_json::Value::Null => Kind::NullValue(0),
        serde_json::Value::Bool(b) => Kind::BoolValue(b),
        serde_json::Value::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Kind::StringValue(s),
        serde_json::Value::Array(a) => Kind::ListValue(prost_types::ListValue {
            values: a.into_iter().map(to_value).collect(),
        }),
        serde_json::Value::Object(o) => Kind::StructValue(prost_types::Struct {
            fields: o.into_iter().map(|(k, v)| (k, to_value(v))).collect(),
        }),
    };
    prost_types::Value { kind: Some(kind) }
}

/// A protobuf Struct back to JSON, for assertions.
pub fn from_struct(s: &prost_types::Struct) -> serde_json::Value {
    serde_json::Value::Object(s.fields.iter().map(|(k, v)| (k.clone(), from_value(v))).collect())
}

pub fn from_value(v: &prost_types::Value) -> serde_json::Value {
    use prost_types::value::Kind;
    match &v.kind {
        None | Some(Kind::NullValue(_)) => serde_json::Value::Null,
        Some(Kind::BoolValue(b)) => serde_json::json!(b),
        Some(Kind::NumberValue(n)) => serde_json::json!(n),
        Some(Kind::StringValue(s)) => serde_json::json!(s),
        Some(Kind::ListValue(l)) => serde_json::Value::Array(l.values.iter().map(from_value).collect()),
        Some(Kind::StructValue(s)) => from_struct(s),
    }
}

/// Pulumi's secret wrapper around `v`, as the engine sends it.
pub fn secret(v: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": v})
}

/// Pulumi's unknown-value sentinel.
pub const UNKNOWN: &str = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
