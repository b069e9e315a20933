//! Provider configuration: the CONFIG declaration's rules plus the rules that tie keys together,
//! and the AWS client built from it (unset keys fall back to the standard AWS chain).

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use prost_types::Struct;

use std::time::Duration;

use crate::check;
use crate::limiter::Limits;
use crate::props::{Failure, Props, Val};
use crate::resource::{
    CFG_ACCESS_KEY, CFG_CALL_BURST, CFG_CALLS_PER_SECOND, CFG_CREATE_INTERVAL_MS, CFG_ENDPOINT, CFG_MAX_RETRIES, CFG_PROFILE,
    CFG_RATE_LIMITING, CFG_REGION, CFG_SECRET_KEY, CFG_SKIP_CREDENTIALS_VALIDATION, CFG_TOKEN, CONFIG,
};

/// Like pulumi-aws: a call is tried up to 25 times before its error is reported.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 25;

/// Validates provider configuration; failures name the key.
pub fn check_config(news: Option<&Struct>) -> Result<Props, Vec<Failure>> {
    let props = check::check(&CONFIG, news)?;
    let mut failures = Vec::new();
    if let Some(e) = props.str(CFG_ENDPOINT)
        && (!(e.starts_with("http://") || e.starts_with("https://")) || e.len() <= "https://".len())
    {
        failures.push(Failure::new(
            CFG_ENDPOINT,
            format!("endpoint must be an http:// or https:// URL, got {e:?}"),
        ));
    }
    let present = |k: &str| props.get(k).is_some();
    if present(CFG_ACCESS_KEY) != present(CFG_SECRET_KEY) {
        let missing = if present(CFG_ACCESS_KEY) { CFG_SECRET_KEY } else { CFG_ACCESS_KEY };
        failures.push(Failure::new(
            missing,
            format!("{CFG_ACCESS_KEY} and {CFG_SECRET_KEY} must be set together; {missing} is missing"),
        ));
    }
    if present(CFG_TOKEN) && !present(CFG_ACCESS_KEY) {
        failures.push(Failure::new(
            CFG_TOKEN,
            format!("{CFG_TOKEN} needs {CFG_ACCESS_KEY} and {CFG_SECRET_KEY}"),
        ));
    }
    if failures.is_empty() { Ok(props) } else { Err(failures) }
}

/// What Configure needs to make AWS calls.
#[derive(Debug, Clone)]
pub struct Settings {
    pub client: aws_sdk_apigatewayv2::Client,
    pub limits: Limits,
    pub max_attempts: u32,
    /// Identifies the account and region the quota belongs to (never contains a secret).
    pub quota_key: String,
}

/// The pacing the configuration asks for, AWS's quotas by default.
pub fn limits(props: &Props) -> Limits {
    let d = Limits::default();
    Limits {
        enabled: !matches!(props.known(CFG_RATE_LIMITING), Some(Val::Bool(false))),
        calls_per_second: props.int(CFG_CALLS_PER_SECOND).map_or(d.calls_per_second, |n| n as f64),
        burst: props.int(CFG_CALL_BURST).map_or(d.burst, |n| n as u32),
        create_interval: props
            .int(CFG_CREATE_INTERVAL_MS)
            .map_or(d.create_interval, |ms| Duration::from_millis(ms as u64)),
    }
}

/// Builds the API Gateway v2 client. Config values that are still unknown are treated as unset.
/// The SDK's own retries are off: the provider retries itself, pacing every attempt.
pub async fn settings(props: &Props) -> Result<Settings, String> {
    let max_attempts = props.int(CFG_MAX_RETRIES).map(|n| n as u32).unwrap_or(DEFAULT_MAX_ATTEMPTS);
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(10))
        .operation_attempt_timeout(Duration::from_secs(60))
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::disabled())
        .timeout_config(timeouts);
    if let Some(region) = props.str(CFG_REGION) {
        loader = loader.region(Region::new(region.to_string()));
    }
    if let Some(profile) = props.str(CFG_PROFILE) {
        loader = loader.profile_name(profile);
    }
    if let (Some(ak), Some(sk)) = (props.str(CFG_ACCESS_KEY), props.str(CFG_SECRET_KEY)) {
        let token = props.str(CFG_TOKEN).map(str::to_string);
        loader = loader.credentials_provider(Credentials::new(ak, sk, token, None, "pulumi-provider-config"));
    }
    if let Some(endpoint) = props.str(CFG_ENDPOINT) {
        loader = loader.endpoint_url(endpoint);
    }
    let sdk_config = loader.load().await;
    let Some(region) = sdk_config.region().map(|r| r.to_string()) else {
        return Err(format!(
            "no AWS region configured: set `pulumi config set aws-apigatewayv2:{CFG_REGION} <region>` or AWS_REGION"
        ));
    };
    if !matches!(props.known(CFG_SKIP_CREDENTIALS_VALIDATION), Some(Val::Bool(true))) {
        validate_credentials(&sdk_config).await?;
        if let Some(endpoint) = props.str(CFG_ENDPOINT) {
            validate_endpoint(endpoint).await?;
        }
    }
    let identity = props
        .str(CFG_ACCESS_KEY)
        .map(|k| format!("key:{k}"))
        .or_else(|| props.str(CFG_PROFILE).map(|p| format!("profile:{p}")))
        .unwrap_or_else(|| "default-chain".into());
    let quota_key = format!("{identity}|{region}|{}", props.str(CFG_ENDPOINT).unwrap_or("aws"));
    Ok(Settings {
        client: aws_sdk_apigatewayv2::Client::new(&sdk_config),
        limits: limits(props),
        max_attempts,
        quota_key,
    })
}

/// How long Configure waits for the credential chain (a profile's credential_process, SSO, a
/// container or instance role) before calling it missing.
const CREDENTIALS_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Resolves credentials once, so a stack without any fails at Configure, in a sentence, instead
/// of on the first AWS call after retries.
async fn validate_credentials(sdk_config: &aws_config::SdkConfig) -> Result<(), String> {
    use aws_credential_types::provider::ProvideCredentials;
    let reason = match sdk_config.credentials_provider() {
        None => "no credential provider is configured".to_string(),
        Some(provider) => match tokio::time::timeout(CREDENTIALS_TIMEOUT, provider.provide_credentials()).await {
            Ok(Ok(_)) => return Ok(()),
            Ok(Err(e)) => error_chain(&e),
            Err(_) => format!("the credential chain gave no answer within {} s", CREDENTIALS_TIMEOUT.as_secs()),
        },
    };
    Err(format!(
        "no AWS credentials found ({reason}). Supply them in one of these ways: `pulumi config set aws-apigatewayv2:{CFG_ACCESS_KEY} ...` \
         and `pulumi config set --secret aws-apigatewayv2:{CFG_SECRET_KEY} ...`; `aws-apigatewayv2:{CFG_PROFILE}` or AWS_PROFILE naming a \
         profile of ~/.aws/config or ~/.aws/credentials; AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; AWS_ROLE_ARN with \
         AWS_WEB_IDENTITY_TOKEN_FILE; or a container or instance role. `aws-apigatewayv2:{CFG_SKIP_CREDENTIALS_VALIDATION}: true` skips this check"
    ))
}

/// An error and its causes as one sentence, by Display only (their Debug forms are dumps).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// host:port of an endpoint URL, the scheme's port when none is given.
fn authority(endpoint: &str) -> Option<String> {
    let (scheme, rest) = endpoint.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next().filter(|h| !h.is_empty())?;
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let has_port = if host.starts_with('[') {
        host.contains("]:")
    } else {
        host.contains(':')
    };
    Some(if has_port {
        host.to_string()
    } else {
        format!("{host}:{}", if scheme == "https" { 443 } else { 80 })
    })
}

/// Opens one TCP connection to an overridden endpoint, so a dead one fails Configure naming it
/// and the OS error, instead of every call being retried against it.
async fn validate_endpoint(endpoint: &str) -> Result<(), String> {
    let Some(addr) = authority(endpoint) else {
        return Err(format!("endpoint {endpoint:?} has no host"));
    };
    let fail = |why: String| {
        format!(
            "cannot reach the API Gateway endpoint {endpoint} ({addr}): {why}. Check `aws-apigatewayv2:{CFG_ENDPOINT}`, \
             or set `aws-apigatewayv2:{CFG_SKIP_CREDENTIALS_VALIDATION}: true` to skip this check"
        )
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(&addr)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(fail(e.to_string())),
        Err(_) => Err(fail(format!("no connection within {} s", CONNECT_TIMEOUT.as_secs()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost_types::{Value, value::Kind};

    /// Endpoint URLs map to the host and port a connection goes to.
    #[test]
    fn authority_of_endpoints() {
        assert_eq!(authority("http://127.0.0.1:4510").as_deref(), Some("127.0.0.1:4510"));
        assert_eq!(
            authority("https://apigateway.us-east-1.amazonaws.com/").as_deref(),
            Some("apigateway.us-east-1.amazonaws.com:443")
        );
        assert_eq!(authority("http://[::1]/x").as_deref(), Some("[::1]:80"));
        assert_eq!(authority("http://[::1]:9/x").as_deref(), Some("[::1]:9"));
        assert_eq!(authority("http://"), None);
    }

    fn cfg(pairs: &[(&str, Value)]) -> Option<Struct> {
        Some(Struct {
            fields: pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        })
    }
    fn s(v: &str) -> Value {
        Value {
            kind: Some(Kind::StringValue(v.into())),
        }
    }
    fn reasons(r: Result<Props, Vec<Failure>>) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|f| format!("{}: {}", f.property, f.reason))
            .collect()
    }

    /// Good config passes, `version` is tolerated and maxRetries may arrive as text.
    #[test]
    fn accepts_valid() {
        let r = check_config(
            cfg(&[
                ("region", s("eu-west-1")),
                ("version", s("0.1.0")),
                ("maxRetries", s("5")),
                ("endpoint", s("http://127.0.0.1:1")),
            ])
            .as_ref(),
        );
        assert_eq!(r.unwrap().int(CFG_MAX_RETRIES), Some(5));
    }

    /// Each bad key is reported by name with its rule.
    #[test]
    fn rejects_bad_keys() {
        assert_eq!(
            reasons(check_config(cfg(&[("regoin", s("x"))]).as_ref())),
            vec![format!(
                "regoin: unknown property regoin; expected one of: {}",
                CONFIG.fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
            )]
        );
        assert_eq!(
            reasons(check_config(cfg(&[("endpoint", s("localhost:4566"))]).as_ref())),
            vec!["endpoint: endpoint must be an http:// or https:// URL, got \"localhost:4566\""]
        );
        assert_eq!(
            reasons(check_config(cfg(&[("accessKey", s("AK"))]).as_ref())),
            vec!["secretKey: accessKey and secretKey must be set together; secretKey is missing"]
        );
        assert_eq!(
            reasons(check_config(cfg(&[("maxRetries", s("many"))]).as_ref())),
            vec!["maxRetries: maxRetries must be a whole number, not a string"]
        );
        assert_eq!(
            reasons(check_config(cfg(&[("maxRetries", s("0"))]).as_ref())),
            vec!["maxRetries: maxRetries must be between 1 and 100, got 0"]
        );
    }
}
