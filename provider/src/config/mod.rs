//! Provider configuration: CheckConfig (the declaration's rules plus the rules that tie keys
//! together) and Configure (the AWS clients built from it, in named steps; unset keys fall back to
//! the standard AWS chain).
//!
//! - [`keys`]: the declaration of every key.
//! - [`auth`]: assumed roles, web identity and the account check.
//! - [`transport`]: the HTTP client for proxies, extra CA certificates and `insecure`.

pub mod auth;
pub mod keys;
pub mod transport;

use aws_config::retry::{RetryConfig, RetryMode};
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_runtime::env_config::file::{EnvConfigFileKind as ProfileFileKind, EnvConfigFiles as ProfileFiles};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use prost_types::Struct;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

use crate::apigw::Aws;
use crate::apigw::calls::Calls;
use crate::apigw::limiter::{self, Limits, create_spacing};
use crate::apigw::shared_quota::{SharedQuota, TableSettings};
use crate::config::auth::{RoleSpec, StsSettings, WebIdentitySpec};
use crate::config::keys::{
    CFG_ACCESS_KEY, CFG_ALLOWED_ACCOUNT_IDS, CFG_ASSUME_ROLE_WITH_WEB_IDENTITY, CFG_ASSUME_ROLES, CFG_CALL_BURST, CFG_CALLS_PER_SECOND,
    CFG_CREATE_INTERVAL_MS, CFG_CUSTOM_CA_BUNDLE, CFG_ENDPOINT, CFG_ENDPOINTS, CFG_FORBIDDEN_ACCOUNT_IDS, CFG_HTTP_PROXY, CFG_HTTPS_PROXY,
    CFG_INSECURE, CFG_MAX_RETRIES, CFG_NO_PROXY, CFG_PROFILE, CFG_QUOTA_TABLE, CFG_QUOTA_TABLE_REGION, CFG_RATE_LIMITING, CFG_REGION,
    CFG_RETRY_MODE, CFG_SECRET_KEY, CFG_SHARED_CONFIG_FILES, CFG_SHARED_CREDENTIALS_FILES, CFG_SKIP_CREDENTIALS_VALIDATION,
    CFG_SKIP_REGION_VALIDATION, CFG_STS_REGION, CFG_TOKEN, CFG_USE_DUALSTACK_ENDPOINT, CFG_USE_FIPS_ENDPOINT, CONFIG, EP_APIGATEWAYV2,
    EP_DYNAMODB, EP_STS, WEB_IDENTITY_TOKEN, WEB_IDENTITY_TOKEN_FILE,
};
use crate::config::transport::{Transport, expand_home};
use crate::decl::check;
use crate::decl::check::FromProvider;
use crate::decl::props::{Failure, Props, Slot, Val};
use crate::engine::EngineLog;
use crate::error::error_chain;

/// Validates provider configuration; failures name the key.
pub fn check_config(news: Option<&Struct>) -> Result<Props, Vec<Failure>> {
    let props = check::check(&CONFIG, news, &check::FromProvider::default())?;
    let mut failures = Vec::new();
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
    if present(CFG_ACCESS_KEY) && present(CFG_PROFILE) {
        failures.push(Failure::new(
            CFG_PROFILE,
            format!(
                "{CFG_PROFILE} and {CFG_ACCESS_KEY} are both set, so which credentials to use is ambiguous; \
                 set one of them"
            ),
        ));
    }
    if present(CFG_ALLOWED_ACCOUNT_IDS) && present(CFG_FORBIDDEN_ACCOUNT_IDS) {
        failures.push(Failure::new(
            CFG_FORBIDDEN_ACCOUNT_IDS,
            format!("{CFG_ALLOWED_ACCOUNT_IDS} and {CFG_FORBIDDEN_ACCOUNT_IDS} cannot both be set"),
        ));
    }
    if let Some(web) = props.object(CFG_ASSUME_ROLE_WITH_WEB_IDENTITY)
        && web.get(WEB_IDENTITY_TOKEN).is_some()
        && web.get(WEB_IDENTITY_TOKEN_FILE).is_some()
    {
        failures.push(Failure::new(
            format!("{CFG_ASSUME_ROLE_WITH_WEB_IDENTITY}.{WEB_IDENTITY_TOKEN_FILE}"),
            format!("{CFG_ASSUME_ROLE_WITH_WEB_IDENTITY}: set {WEB_IDENTITY_TOKEN} or {WEB_IDENTITY_TOKEN_FILE}, not both"),
        ));
    }
    if let (Some(short), Some(long)) = (props.str(CFG_ENDPOINT), endpoint_of(&props, EP_APIGATEWAYV2))
        && short != long
    {
        failures.push(Failure::new(
            CFG_ENDPOINT,
            format!("{CFG_ENDPOINT} ({short}) and {CFG_ENDPOINTS}[0].{EP_APIGATEWAYV2} ({long}) disagree; set one of them"),
        ));
    }
    if props.bool(CFG_SKIP_REGION_VALIDATION) != Some(true) {
        for key in [CFG_REGION, CFG_STS_REGION, CFG_QUOTA_TABLE_REGION] {
            if let Some(r) = props.str(key)
                && !check::looks_like_region(r)
            {
                failures.push(Failure::new(
                    key,
                    format!(
                        "{key} must be an AWS region name such as us-east-1, got {r:?} (set {CFG_SKIP_REGION_VALIDATION}: true to allow it)"
                    ),
                ));
            }
        }
    }
    if failures.is_empty() { Ok(props) } else { Err(failures) }
}

/// An endpoint override from `endpoints` (the one object of the list).
fn endpoint_of<'a>(props: &'a Props, service: &str) -> Option<&'a str> {
    props.objects(CFG_ENDPOINTS)?.first()?.str(service)
}

/// A boolean key's value, else its declared default (unknown counts as unset).
fn flag(props: &Props, key: &str) -> bool {
    props
        .bool(key)
        .or_else(|| CONFIG.field(key).and_then(|f| f.default_bool))
        .unwrap_or(false)
}

/// An integer key's value, else its declared default.
fn int(props: &Props, key: &str) -> i64 {
    props
        .int(key)
        .or_else(|| CONFIG.field(key).and_then(|f| f.default_int))
        .unwrap_or(0)
}

/// A string key's value, else the first of its declared environment variables that is set.
fn str_or_env(props: &Props, key: &str) -> Option<String> {
    props
        .str(key)
        .map(str::to_string)
        .or_else(|| CONFIG.field(key).and_then(|f| f.env_value()))
}

/// The pacing the configuration asks for, AWS's quotas by default.
pub fn limits(props: &Props) -> Limits {
    Limits {
        enabled: flag(props, CFG_RATE_LIMITING),
        calls_per_second: int(props, CFG_CALLS_PER_SECOND) as f64,
        burst: int(props, CFG_CALL_BURST) as u32,
        create_interval: Duration::from_millis(int(props, CFG_CREATE_INTERVAL_MS) as u64),
    }
}

/// `sharedConfigFiles` and `sharedCredentialsFiles` in place of the default files.
fn profile_files(props: &Props) -> Option<ProfileFiles> {
    let config = props.list(CFG_SHARED_CONFIG_FILES);
    let credentials = props.list(CFG_SHARED_CREDENTIALS_FILES);
    if config.is_none() && credentials.is_none() {
        return None;
    }
    let mut b = ProfileFiles::builder();
    match config {
        Some(paths) => {
            for p in paths {
                b = b.with_file(ProfileFileKind::Config, expand_home(p));
            }
        }
        None => b = b.include_default_config_file(true),
    }
    match credentials {
        Some(paths) => {
            for p in paths {
                b = b.with_file(ProfileFileKind::Credentials, expand_home(p));
            }
        }
        None => b = b.include_default_credentials_file(true),
    }
    Some(b.build())
}

/// The HTTP clients of the configuration's transport: one per scheme, built on first use and
/// shared by the API Gateway, STS and DynamoDB clients. `None`: the SDK's default client.
struct HttpClients {
    transport: Transport,
    insecure: bool,
    built: [std::sync::OnceLock<Option<SharedHttpClient>>; 2],
}

impl HttpClients {
    fn new(props: &Props) -> Result<Self, String> {
        // Unset keys fall back to the variables pulumi-aws reads (the proxies' own are read by
        // the transport); the schema's defaults only reach explicit providers made by an SDK.
        let no_proxy = str_or_env(props, CFG_NO_PROXY);
        let ca_bundle = str_or_env(props, CFG_CUSTOM_CA_BUNDLE);
        let transport = Transport::new(
            props.str(CFG_HTTP_PROXY),
            props.str(CFG_HTTPS_PROXY),
            no_proxy.as_deref(),
            ca_bundle.as_deref(),
        )?;
        Ok(Self {
            transport,
            insecure: flag(props, CFG_INSECURE),
            built: Default::default(),
        })
    }

    /// The client for an endpoint (AWS's own, https, when not overridden).
    fn for_endpoint(&self, endpoint: Option<&str>) -> Result<Option<SharedHttpClient>, String> {
        let https = endpoint.is_none_or(|e| e.starts_with("https://"));
        let cell = &self.built[usize::from(https)];
        if let Some(client) = cell.get() {
            return Ok(client.clone());
        }
        let client = if self.insecure {
            crate::config::transport::insecure_client(&self.transport, https).map(Some)?
        } else {
            self.transport.http_client(https)?
        };
        Ok(cell.get_or_init(|| client).clone())
    }

    fn has_proxy(&self) -> bool {
        self.transport.https_proxy.is_some() || self.transport.http_proxy.is_some()
    }
}

/// The shared SDK configuration before credentials beyond the chain: region, profile and files,
/// static keys, FIPS and dual-stack, the transport. The SDK's own retries are off: the provider
/// retries itself, pacing every attempt.
async fn load_base(props: &Props, http: Option<SharedHttpClient>) -> Result<(aws_config::SdkConfig, String), String> {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(10))
        .operation_attempt_timeout(Duration::from_secs(60))
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::disabled())
        .timeout_config(timeouts);
    if let Some(client) = http {
        loader = loader.http_client(client);
    }
    if let Some(region) = props.str(CFG_REGION) {
        loader = loader.region(Region::new(region.to_string()));
    }
    if let Some(files) = profile_files(props) {
        loader = loader.profile_files(files);
    }
    if let Some(profile) = props.str(CFG_PROFILE) {
        loader = loader.profile_name(profile);
    }
    if let Some(b) = props.bool(CFG_USE_FIPS_ENDPOINT) {
        loader = loader.use_fips(b);
    }
    if let Some(b) = props.bool(CFG_USE_DUALSTACK_ENDPOINT) {
        loader = loader.use_dual_stack(b);
    }
    if let (Some(ak), Some(sk)) = (props.str(CFG_ACCESS_KEY), props.str(CFG_SECRET_KEY)) {
        let token = props.str(CFG_TOKEN).map(str::to_string);
        loader = loader.credentials_provider(Credentials::new(ak, sk, token, None, "pulumi-provider-config"));
    }
    let base = loader.load().await;
    let Some(region) = base.region().map(|r| r.to_string()) else {
        return Err(format!(
            "no AWS region configured: set `pulumi config set aws-apigatewayv2:{CFG_REGION} <region>` or AWS_REGION"
        ));
    };
    Ok((base, region))
}

/// How STS is called: for the roles, web identity and the account check.
fn sts_settings(props: &Props, base: &aws_config::SdkConfig, http: &HttpClients, max_attempts: u32) -> Result<StsSettings, String> {
    let retry_mode = match str_or_env(props, CFG_RETRY_MODE).as_deref() {
        Some("adaptive") => RetryMode::Adaptive,
        _ => RetryMode::Standard,
    };
    let endpoint = endpoint_of(props, EP_STS);
    Ok(StsSettings {
        base: base.clone(),
        endpoint: endpoint.map(str::to_string),
        region: props.str(CFG_STS_REGION).map(|r| Region::new(r.to_string())),
        retry: RetryConfig::standard()
            .with_retry_mode(retry_mode)
            .with_max_attempts(max_attempts.min(10)),
        http_client: http.for_endpoint(endpoint)?,
    })
}

/// The credentials every client uses: the base chain, then web identity and the role chain; with
/// the account the last role belongs to, when its ARN says.
fn credential_chain(props: &Props, sts: &StsSettings) -> Result<(Option<SharedCredentialsProvider>, Option<String>), String> {
    let web = props.object(CFG_ASSUME_ROLE_WITH_WEB_IDENTITY);
    let roles = props.objects(CFG_ASSUME_ROLES).unwrap_or_default();
    if web.is_none() && roles.is_empty() {
        return Ok((sts.base.credentials_provider(), None));
    }
    assumed_chain(web, roles, sts)
}

/// [`credential_chain`] with roles to assume. Not inlined (see [`Pending`]): most stacks assume
/// none, and the roles' parsing then stays out of Configure's code.
#[inline(never)]
fn assumed_chain(
    web: Option<&Props>,
    roles: &[Props],
    sts: &StsSettings,
) -> Result<(Option<SharedCredentialsProvider>, Option<String>), String> {
    let web = match web {
        Some(p) => Some(WebIdentitySpec::from_props(p)?),
        None => None,
    };
    let roles: Vec<RoleSpec> = roles
        .iter()
        .enumerate()
        .map(|(i, p)| RoleSpec::from_props(format!("{CFG_ASSUME_ROLES}[{i}]"), p))
        .collect();
    let last_role_account = roles
        .last()
        .and_then(|r| r.account().map(str::to_string))
        .or_else(|| web.as_ref().and_then(|w| w.role_arn.split(':').nth(4).map(str::to_string)));
    Ok((crate::config::auth::chain(sts, web, roles), last_role_account))
}

/// The checks made before any deployment is touched (unless `skipCredentialsValidation`):
/// credentials resolve, overridden endpoints accept connections.
async fn validate(props: &Props, credentials: Option<&SharedCredentialsProvider>, http: &HttpClients) -> Result<(), String> {
    if flag(props, CFG_SKIP_CREDENTIALS_VALIDATION) {
        return Ok(());
    }
    validate_credentials(credentials).await?;
    let sts_key = format!("{CFG_ENDPOINTS}[0].{EP_STS}");
    for (key, endpoint) in [
        (CFG_ENDPOINT, apigw_endpoint(props)),
        (sts_key.as_str(), endpoint_of(props, EP_STS)),
    ] {
        if let Some(e) = endpoint
            && !http.has_proxy()
        {
            validate_endpoint(key, e).await?;
        }
    }
    Ok(())
}

/// The account, when the guards or `quotaTable` need it (STS GetCallerIdentity), checked against
/// `allowedAccountIds` / `forbiddenAccountIds`.
async fn guarded_account(
    props: &Props,
    sts: &StsSettings,
    credentials: Option<&SharedCredentialsProvider>,
) -> Result<Option<String>, String> {
    let allowed = props.list(CFG_ALLOWED_ACCOUNT_IDS).unwrap_or_default();
    let forbidden = props.list(CFG_FORBIDDEN_ACCOUNT_IDS).unwrap_or_default();
    if allowed.is_empty() && forbidden.is_empty() && props.str(CFG_QUOTA_TABLE).is_none() {
        return Ok(None);
    }
    let (id, arn) = caller_identity(sts, credentials).await?;
    crate::config::auth::guard_account(&id, &arn, allowed, forbidden)?;
    Ok(Some(id))
}

/// A future whose type Configure does not see. What only some configurations do (the account
/// check, the quota table) runs behind one, in functions that are not inlined: awaited directly,
/// LLVM inlines a future's poll into Configure's, boxed or not, and its code then lies among the
/// code every process runs at start-up, resident (see `make link-order`).
type Pending<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, String>> + Send + 'a>>;

/// STS GetCallerIdentity with the configured credentials.
#[inline(never)]
fn caller_identity<'a>(sts: &'a StsSettings, credentials: Option<&'a SharedCredentialsProvider>) -> Pending<'a, (String, String)> {
    Box::pin(async move { crate::config::auth::caller_identity(&sts.client(credentials.cloned())).await })
}

/// The shared quota's table, checked (see [`TableSettings::connect`]).
#[inline(never)]
fn quota_table<'a>(
    sdk_config: &'a aws_config::SdkConfig,
    http: Option<SharedHttpClient>,
    table: &'a str,
    table_region: &'a str,
    endpoint: Option<&'a str>,
    account: &'a str,
    region: &'a str,
) -> Pending<'a, TableSettings> {
    Box::pin(TableSettings::connect(
        sdk_config,
        http,
        table,
        table_region,
        endpoint,
        account,
        region,
    ))
}

/// Whose quota the calls count against: the account. With a region and the endpoint (so the
/// emulator's quota is not AWS's) it keys that region's limiter. Never contains a secret.
fn quota_owner(props: &Props, account: Option<String>, last_role_account: Option<String>) -> String {
    match (account, last_role_account) {
        (Some(id), _) | (None, Some(id)) => format!("account:{id}"),
        (None, None) => props
            .str(CFG_ACCESS_KEY)
            .map(|k| format!("key:{k}"))
            .or_else(|| props.str(CFG_PROFILE).map(|p| format!("profile:{p}")))
            .unwrap_or_else(|| "default-chain".into()),
    }
}

fn apigw_endpoint(props: &Props) -> Option<&str> {
    props.str(CFG_ENDPOINT).or_else(|| endpoint_of(props, EP_APIGATEWAYV2))
}

/// What the provider lends the resources' and functions' `from_provider` inputs: the region it
/// works in (the clients', or with an unknown configuration the one it names or the environment
/// and profile give; unknown when the key itself is), and whether region names are checked.
pub async fn lent_to_resources(props: &Props, aws: Option<&Aws>) -> FromProvider {
    let mut values = Props::default();
    let unknown = |key: &str| matches!(props.get(key), Some(Slot::Unknown));
    if let Some(aws) = aws {
        values.set(CFG_REGION, Val::Str(aws.home_region().to_string()));
    } else if unknown(CFG_REGION) || unknown(CFG_PROFILE) || unknown(CFG_SHARED_CONFIG_FILES) {
        values.set_unknown(CFG_REGION);
    } else if let Ok((_, region)) = load_base(props, None).await {
        values.set(CFG_REGION, Val::Str(region));
    }
    FromProvider {
        values,
        // Unknown, it may be on: nothing is refused that a known configuration might allow.
        skip_region_validation: flag(props, CFG_SKIP_REGION_VALIDATION) || unknown(CFG_SKIP_REGION_VALIDATION),
    }
}

/// Configure: the API Gateway v2 clients the configuration asks for, after the checks that must
/// fail before any deployment is touched. Config values that are still unknown count as unset.
/// Warnings (about `insecure`) go to the user through `engine`.
pub async fn connect(props: &Props, engine: &EngineLog, cancel: CancellationToken) -> Result<Aws, String> {
    let max_attempts = int(props, CFG_MAX_RETRIES) as u32;
    let http = HttpClients::new(props)?;
    let apigw_endpoint = apigw_endpoint(props);
    let (base, region) = load_base(props, http.for_endpoint(apigw_endpoint)?).await?;
    let sts = sts_settings(props, &base, &http, max_attempts)?;
    let (credentials, last_role_account) = credential_chain(props, &sts)?;
    let mut config_builder = base.into_builder();
    config_builder.set_credentials_provider(credentials.clone());
    if let Some(e) = apigw_endpoint {
        config_builder = config_builder.endpoint_url(e);
    }
    let sdk_config = config_builder.build();

    validate(props, credentials.as_ref(), &http).await?;
    let account = guarded_account(props, &sts, credentials.as_ref()).await?;
    let limits = limits(props);
    let table = match (props.str(CFG_QUOTA_TABLE), &account) {
        (Some(table), Some(account)) => {
            let endpoint = endpoint_of(props, EP_DYNAMODB);
            let table_region = props.str(CFG_QUOTA_TABLE_REGION).unwrap_or(&region);
            Some(
                quota_table(
                    &sdk_config,
                    http.for_endpoint(endpoint)?,
                    table,
                    table_region,
                    endpoint,
                    account,
                    &region,
                )
                .await?,
            )
        }
        _ => None,
    };
    if http.insecure {
        let warning = format!(
            "aws-apigatewayv2:{CFG_INSECURE} is true: TLS certificates are not verified, so anyone on the network path \
             can read and change this provider's AWS traffic, credentials included. Use it for tests only."
        );
        engine.warn("", &warning).await;
    }
    let quota_owner = quota_owner(props, account.clone(), last_role_account);
    let endpoint = apigw_endpoint.unwrap_or("aws").to_string();
    let engine = engine.clone();
    let make = move |r: &str| {
        let conf = aws_sdk_apigatewayv2::config::Builder::from(&sdk_config)
            .region(Region::new(r.to_string()))
            .build();
        let client = aws_sdk_apigatewayv2::Client::from_conf(conf);
        let limiter = limiter::shared(&format!("{quota_owner}|{r}|{endpoint}"), limits);
        let shared = match (&table, &account) {
            (Some(t), Some(account)) => Some(Arc::new(SharedQuota::new(
                t.in_region(account, r),
                create_spacing(&limits),
                engine.clone(),
            ))),
            _ => None,
        };
        Calls::new(client, limiter, max_attempts, cancel.clone()).with_shared_quota(shared)
    };
    Ok(Aws::new(&region, Arc::new(make)))
}

/// How long Configure waits for the credential chain (a profile's credential_process, SSO, a
/// container or instance role) before calling it missing.
const CREDENTIALS_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Resolves credentials once, so a stack without any fails at Configure, in a sentence, instead
/// of on the first AWS call after retries.
async fn validate_credentials(provider: Option<&SharedCredentialsProvider>) -> Result<(), String> {
    use aws_credential_types::provider::ProvideCredentials;
    let reason = match provider {
        None => "no credential provider is configured".to_string(),
        Some(provider) => match tokio::time::timeout(CREDENTIALS_TIMEOUT, provider.provide_credentials()).await {
            Ok(Ok(_)) => return Ok(()),
            // A role of the chain that refused is named by its own message; no list of ways helps.
            Ok(Err(e @ aws_credential_types::provider::error::CredentialsError::ProviderError(_))) => {
                return Err(format!("cannot obtain AWS credentials: {}", error_chain(&e)));
            }
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
async fn validate_endpoint(key: &str, endpoint: &str) -> Result<(), String> {
    let Some(addr) = authority(endpoint) else {
        return Err(format!("endpoint {endpoint:?} has no host"));
    };
    let fail = |why: String| {
        format!(
            "cannot reach the endpoint {endpoint} ({addr}) of `aws-apigatewayv2:{key}`: {why}. Check it, \
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

    /// Lists and objects decode alike from values and from the JSON text stack config holds, and
    /// every nested rule names its path: a malformed role ARN, a duration outside AWS's range, an
    /// unknown nested key, keys that conflict.
    #[test]
    fn nested_config_rules() {
        let roles = r#"[{"roleArn": "arn:aws:iam::222222222222:role/deployer", "duration": "1h", "tags": {"team": "a"}}]"#;
        let ok = check_config(cfg(&[("assumeRoles", s(roles)), ("allowedAccountIds", s("[222222222222]"))]).as_ref()).unwrap();
        let chain = ok.objects(CFG_ASSUME_ROLES).unwrap();
        assert_eq!(chain[0].str("roleArn"), Some("arn:aws:iam::222222222222:role/deployer"));
        assert_eq!(ok.list(CFG_ALLOWED_ACCOUNT_IDS), Some(&["222222222222".to_string()][..]));

        let bad =
            r#"[{"roleArn": "arn:aws:iam::2222:role/x", "duration": "10m"}, {"roleArn": "arn:aws:iam::222222222222:role/ok", "extra": 1}]"#;
        let got = reasons(check_config(cfg(&[("assumeRoles", s(bad))]).as_ref()));
        assert_eq!(
            got,
            vec![
                "assumeRoles[1].extra: unknown property assumeRoles[1].extra; expected one of: roleArn, sessionName, externalId, duration, policy, policyArns, tags, transitiveTagKeys, sourceIdentity".to_string(),
            ]
        );
        let bad = r#"[{"roleArn": "arn:aws:iam::2222:role/xxxxxxxxxxxx", "duration": "10m"}]"#;
        assert_eq!(
            reasons(check_config(cfg(&[("assumeRoles", s(bad))]).as_ref())),
            vec![
                "assumeRoles[0].roleArn: assumeRoles[0].roleArn must be an IAM role ARN (arn:aws:iam::123456789012:role/name), got \"arn:aws:iam::2222:role/xxxxxxxxxxxx\"",
                "assumeRoles[0].duration: assumeRoles[0].duration must be between 15m and 12h (AWS's range), got \"10m\"",
            ]
        );
        assert_eq!(
            reasons(check_config(
                cfg(&[("profile", s("p")), ("accessKey", s("A")), ("secretKey", s("S"))]).as_ref()
            )),
            vec!["profile: profile and accessKey are both set, so which credentials to use is ambiguous; set one of them"]
        );
        assert_eq!(
            reasons(check_config(cfg(&[("allowedAccountIds", s("[\"1234\"]"))]).as_ref())),
            vec!["allowedAccountIds[0]: allowedAccountIds[0] must be a 12-digit AWS account id, got \"1234\""]
        );
        assert_eq!(
            reasons(check_config(cfg(&[("region", s("Europe"))]).as_ref())),
            vec![
                "region: region must be an AWS region name such as us-east-1, got \"Europe\" (set skipRegionValidation: true to allow it)"
            ]
        );
        assert!(check_config(cfg(&[("region", s("Europe")), ("skipRegionValidation", s("true"))]).as_ref()).is_ok());
        assert!(check_config(cfg(&[("region", s("us-gov-west-1"))]).as_ref()).is_ok());
        let two = r#"[{"apigatewayv2": "http://a"}, {"sts": "http://b"}]"#;
        assert_eq!(
            reasons(check_config(cfg(&[("endpoints", s(two))]).as_ref())),
            vec!["endpoints: endpoints takes at most 1 item(s), got 2"]
        );
    }

    /// Declared secrets, nested ones too, come back from CheckConfig wrapped as secrets.
    #[test]
    fn secrets_are_marked() {
        let mut news = cfg(&[
            ("secretKey", s("S")),
            ("region", s("us-east-1")),
            (
                "assumeRoleWithWebIdentity",
                s(r#"{"roleArn": "arn:aws:iam::222222222222:role/ci", "webIdentityToken": "t"}"#),
            ),
        ])
        .unwrap();
        crate::decl::props::mark_secrets(CONFIG.fields, &mut news);
        let secret = |k: &str| matches!(&news.fields[k].kind, Some(Kind::StructValue(st)) if st.fields.contains_key("4dabf18193072939515e22adb298388d"));
        assert!(secret("secretKey") && secret("assumeRoleWithWebIdentity") && !secret("region"));
    }
}
