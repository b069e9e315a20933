//! Credentials beyond the default chain: `assumeRoleWithWebIdentity` and the `assumeRoles` chain,
//! and the account check of `allowedAccountIds` / `forbiddenAccountIds`.
//!
//! aws-config has role providers, but its AssumeRoleProvider cannot send transitive tag keys or
//! a source identity, and its web identity provider takes neither an inline token nor a session
//! duration; pulumi-aws users have all of these. So the two STS calls are made here with
//! aws-sdk-sts, and the SDK's identity cache (which every client has) renews the credentials
//! before they expire, however long a deployment waits.

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, error::CredentialsError, future};
use aws_sdk_sts::types::{PolicyDescriptorType, Tag};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::config::keys::{
    DURATION, EXTERNAL_ID, POLICY, POLICY_ARNS, ROLE_ARN, SESSION_NAME, SOURCE_IDENTITY, TAGS, TRANSITIVE_TAG_KEYS, WEB_IDENTITY_TOKEN,
    WEB_IDENTITY_TOKEN_FILE,
};
use crate::config::transport::expand_home;
use crate::decl::check::parse_duration;
use crate::decl::props::Props;
use crate::error::AwsError;

/// One AssumeRole of the chain, as configured.
#[derive(Debug, Clone, Default)]
pub struct RoleSpec {
    /// Where it was configured (`assumeRoles[1]`), for messages.
    pub label: String,
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
    pub duration: Option<Duration>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    pub tags: BTreeMap<String, String>,
    pub transitive_tag_keys: Vec<String>,
    pub source_identity: Option<String>,
}

impl RoleSpec {
    pub fn from_props(label: String, p: &Props) -> Self {
        let s = |k: &str| p.str(k).map(str::to_string);
        Self {
            label,
            role_arn: s(ROLE_ARN).unwrap_or_default(),
            session_name: s(SESSION_NAME),
            external_id: s(EXTERNAL_ID),
            duration: p.str(DURATION).and_then(parse_duration),
            policy: s(POLICY),
            policy_arns: p.list(POLICY_ARNS).map(<[String]>::to_vec).unwrap_or_default(),
            tags: p.map(TAGS).cloned().unwrap_or_default(),
            transitive_tag_keys: p.list(TRANSITIVE_TAG_KEYS).map(<[String]>::to_vec).unwrap_or_default(),
            source_identity: s(SOURCE_IDENTITY),
        }
    }

    /// The account the role belongs to, from its ARN.
    pub fn account(&self) -> Option<&str> {
        self.role_arn.split(':').nth(4).filter(|a| !a.is_empty())
    }
}

/// Where the web identity token comes from.
#[derive(Clone)]
pub enum TokenSource {
    Inline(String),
    /// Read again at every renewal: CI systems rotate the file.
    File(String),
}

/// The token is a credential: a debug print names its source, never its text.
impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::Inline(_) => f.write_str("Inline(** redacted **)"),
            TokenSource::File(path) => f.debug_tuple("File").field(path).finish(),
        }
    }
}

/// AssumeRoleWithWebIdentity, as configured.
#[derive(Debug, Clone)]
pub struct WebIdentitySpec {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub token: TokenSource,
    pub duration: Option<Duration>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
}

impl WebIdentitySpec {
    /// Without a token or file in the config, AWS_WEB_IDENTITY_TOKEN_FILE names the file.
    pub fn from_props(p: &Props) -> Result<Self, String> {
        let token = match (p.str(WEB_IDENTITY_TOKEN), p.str(WEB_IDENTITY_TOKEN_FILE)) {
            (Some(t), _) => TokenSource::Inline(t.to_string()),
            (None, Some(f)) => TokenSource::File(expand_home(f)),
            (None, None) => match std::env::var("AWS_WEB_IDENTITY_TOKEN_FILE") {
                Ok(f) if !f.is_empty() => TokenSource::File(f),
                _ => {
                    return Err(format!(
                        "assumeRoleWithWebIdentity needs {WEB_IDENTITY_TOKEN}, {WEB_IDENTITY_TOKEN_FILE} or AWS_WEB_IDENTITY_TOKEN_FILE"
                    ));
                }
            },
        };
        Ok(Self {
            role_arn: p.str(ROLE_ARN).unwrap_or_default().to_string(),
            session_name: p.str(SESSION_NAME).map(str::to_string),
            token,
            duration: p.str(DURATION).and_then(parse_duration),
            policy: p.str(POLICY).map(str::to_string),
            policy_arns: p.list(POLICY_ARNS).map(<[String]>::to_vec).unwrap_or_default(),
        })
    }
}

/// How STS is reached: endpoint, region, retries and transport.
#[derive(Debug, Clone)]
pub struct StsSettings {
    /// The configuration API Gateway calls use; STS clients start from it.
    pub base: SdkConfig,
    pub endpoint: Option<String>,
    pub region: Option<aws_config::Region>,
    pub retry: aws_config::retry::RetryConfig,
    pub http_client: Option<aws_smithy_runtime_api::client::http::SharedHttpClient>,
}

impl StsSettings {
    /// An STS client signing with `credentials` (the previous link of the chain).
    pub fn client(&self, credentials: Option<SharedCredentialsProvider>) -> aws_sdk_sts::Client {
        let mut b = aws_sdk_sts::config::Builder::from(&self.base).retry_config(self.retry.clone());
        b.set_credentials_provider(credentials);
        if let Some(e) = &self.endpoint {
            b = b.endpoint_url(e);
        }
        if let Some(r) = &self.region {
            b = b.region(r.clone());
        }
        if let Some(h) = &self.http_client {
            b = b.http_client(h.clone());
        }
        aws_sdk_sts::Client::from_conf(b.build())
    }
}

fn default_session_name() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    format!("pulumi-aws-apigatewayv2-{secs}")
}

fn into_credentials(c: Option<aws_sdk_sts::types::Credentials>, source: &'static str) -> Result<Credentials, CredentialsError> {
    let c = c.ok_or_else(|| CredentialsError::unhandled("STS answered without credentials"))?;
    let expiry = SystemTime::try_from(c.expiration).ok();
    Ok(Credentials::new(
        c.access_key_id,
        c.secret_access_key,
        Some(c.session_token),
        expiry,
        source,
    ))
}

/// One STS link of the chain: the call it makes and the client (signing with the link before).
#[derive(Debug)]
enum Link {
    Role(RoleSpec),
    WebIdentity(WebIdentitySpec),
}

#[derive(Debug)]
struct StsLink {
    client: aws_sdk_sts::Client,
    link: Link,
}

fn policy_arns(arns: &[String]) -> Option<Vec<PolicyDescriptorType>> {
    (!arns.is_empty()).then(|| arns.iter().map(|a| PolicyDescriptorType::builder().arn(a).build()).collect())
}

impl StsLink {
    async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        match &self.link {
            Link::Role(s) => self.assume_role(s).await,
            Link::WebIdentity(s) => self.assume_role_with_web_identity(s).await,
        }
    }

    async fn assume_role(&self, s: &RoleSpec) -> Result<Credentials, CredentialsError> {
        let tags: Vec<Tag> = s
            .tags
            .iter()
            .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
            .collect();
        let out = self
            .client
            .assume_role()
            .role_arn(&s.role_arn)
            .role_session_name(s.session_name.clone().unwrap_or_else(default_session_name))
            .set_external_id(s.external_id.clone())
            .set_duration_seconds(s.duration.map(|d| d.as_secs() as i32))
            .set_policy(s.policy.clone())
            .set_policy_arns(policy_arns(&s.policy_arns))
            .set_tags((!tags.is_empty()).then_some(tags))
            .set_transitive_tag_keys((!s.transitive_tag_keys.is_empty()).then(|| s.transitive_tag_keys.clone()))
            .set_source_identity(s.source_identity.clone())
            .send()
            .await
            .map_err(|e| {
                CredentialsError::provider_error(format!(
                    "{}: AssumeRole of {} failed: {}",
                    s.label,
                    s.role_arn,
                    AwsError::from_sdk_ref(&e)
                ))
            })?;
        into_credentials(out.credentials, "assumeRoles")
    }

    async fn assume_role_with_web_identity(&self, s: &WebIdentitySpec) -> Result<Credentials, CredentialsError> {
        let token = match &s.token {
            TokenSource::Inline(t) => t.clone(),
            TokenSource::File(f) => tokio::fs::read_to_string(f)
                .await
                .map_err(|e| {
                    CredentialsError::invalid_configuration(format!("assumeRoleWithWebIdentity: cannot read the token file {f}: {e}"))
                })?
                .trim()
                .to_string(),
        };
        let out = self
            .client
            .assume_role_with_web_identity()
            .role_arn(&s.role_arn)
            .role_session_name(s.session_name.clone().unwrap_or_else(default_session_name))
            .web_identity_token(token)
            .set_duration_seconds(s.duration.map(|d| d.as_secs() as i32))
            .set_policy(s.policy.clone())
            .set_policy_arns(policy_arns(&s.policy_arns))
            .send()
            .await
            .map_err(|e| {
                CredentialsError::provider_error(format!(
                    "assumeRoleWithWebIdentity: AssumeRoleWithWebIdentity of {} failed: {}",
                    s.role_arn,
                    AwsError::from_sdk_ref(&e)
                ))
            })?;
        into_credentials(out.credentials, "assumeRoleWithWebIdentity")
    }
}

impl ProvideCredentials for StsLink {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.credentials())
    }
}

/// Renew credentials this long before they expire.
const RENEW_BEFORE: Duration = Duration::from_secs(300);

/// The end of the chain, shared by the API Gateway client, the account check and Configure's
/// credentials check, so one Configure assumes each role once, not once per user.
#[derive(Debug)]
struct Cached {
    inner: SharedCredentialsProvider,
    current: tokio::sync::Mutex<Option<Credentials>>,
}

impl Cached {
    async fn get(&self) -> Result<Credentials, CredentialsError> {
        let mut current = self.current.lock().await;
        let fresh = |c: &Credentials| {
            c.expiry()
                .is_none_or(|e| e.duration_since(SystemTime::now()).is_ok_and(|left| left > RENEW_BEFORE))
        };
        if let Some(c) = current.as_ref().filter(|c| fresh(c)) {
            return Ok(c.clone());
        }
        let c = self.inner.provide_credentials().await?;
        *current = Some(c.clone());
        Ok(c)
    }
}

impl ProvideCredentials for Cached {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.get())
    }
}

/// The credentials API Gateway calls sign with: the base ones, then the web identity, then each
/// role in order, each link signing the next link's STS call. Each STS client caches what it
/// signs with, so a renewal only calls STS for the links that are about to expire.
pub fn chain(sts: &StsSettings, web: Option<WebIdentitySpec>, roles: Vec<RoleSpec>) -> Option<SharedCredentialsProvider> {
    let mut current = sts.base.credentials_provider();
    let assumed = web.is_some() || !roles.is_empty();
    let links = web.map(Link::WebIdentity).into_iter().chain(roles.into_iter().map(Link::Role));
    for link in links {
        let client = sts.client(current.clone());
        current = Some(SharedCredentialsProvider::new(StsLink { client, link }));
    }
    match current {
        Some(inner) if assumed => Some(SharedCredentialsProvider::new(Cached {
            inner,
            current: tokio::sync::Mutex::new(None),
        })),
        other => other,
    }
}

/// The account and ARN the credentials belong to (STS GetCallerIdentity).
pub async fn caller_identity(client: &aws_sdk_sts::Client) -> Result<(String, String), String> {
    let out = client
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| format!("STS GetCallerIdentity failed: {}", AwsError::from_sdk_ref(&e)))?;
    Ok((out.account.unwrap_or_default(), out.arn.unwrap_or_default()))
}

/// Refuses an account outside `allowed` or inside `forbidden`, naming both.
pub fn guard_account(account: &str, arn: &str, allowed: &[String], forbidden: &[String]) -> Result<(), String> {
    if !allowed.is_empty() && !allowed.iter().any(|a| a == account) {
        return Err(format!(
            "the credentials ({arn}) are for AWS account {account}, which is not in allowedAccountIds ({}); \
             refusing to touch it",
            allowed.join(", ")
        ));
    }
    if forbidden.iter().any(|a| a == account) {
        return Err(format!(
            "the credentials ({arn}) are for AWS account {account}, which is in forbiddenAccountIds ({}); refusing to touch it",
            forbidden.join(", ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The guard names the account and the list it broke.
    #[test]
    fn account_guard() {
        let a = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(guard_account("111111111111", "arn", &a(&["111111111111"]), &[]).is_ok());
        let e = guard_account("222222222222", "arn:x", &a(&["111111111111", "333333333333"]), &[]).unwrap_err();
        assert!(e.contains("222222222222") && e.contains("111111111111, 333333333333"), "{e}");
        let e = guard_account("222222222222", "arn:x", &[], &a(&["222222222222"])).unwrap_err();
        assert!(e.contains("forbiddenAccountIds (222222222222)"), "{e}");
    }

    /// An inline web identity token never shows in a debug print.
    #[test]
    fn token_is_redacted() {
        let shown = format!("{:?}", TokenSource::Inline("eyJ.secret.sig".into()));
        assert!(!shown.contains("secret"), "{shown}");
    }

    /// A role's account comes from its ARN.
    #[test]
    fn role_account() {
        let r = RoleSpec {
            role_arn: "arn:aws:iam::222222222222:role/deployer".into(),
            ..Default::default()
        };
        assert_eq!(r.account(), Some("222222222222"));
    }
}
