//! The AWS side: API Gateway v2 deployment calls through `aws-sdk-apigatewayv2`, AWS errors kept
//! with their code and message, and the wait for a deployment to leave PENDING.

use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::date_time::Format;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::limiter::Limiter;
use crate::sharedquota::SharedQuota;

/// A deployment as AWS reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    pub id: String,
    pub description: Option<String>,
    pub auto_deployed: bool,
    pub created_date: Option<String>,
    pub status: String,
    pub status_message: Option<String>,
}

/// How a failed call should be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// AWS refused for rate: not executed; retry after backing off and slow the limiter down.
    Throttled,
    /// A fault (5xx, dropped connection, timeout) that may pass; the call may or may not have run.
    Transient,
    /// Retrying cannot help (validation, not found, credentials).
    Permanent,
}

/// An AWS call that failed: the error code when AWS sent one, and its message.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsError {
    pub code: Option<String>,
    pub message: String,
    pub status: Option<u16>,
    pub kind: ErrorKind,
    /// How many attempts were made before giving up.
    pub attempts: u32,
}

impl AwsError {
    pub(crate) fn from_sdk<E, R>(err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + HttpStatus + 'static,
    {
        let status = match &err {
            SdkError::ServiceError(e) => Some(e.raw().status_u16()),
            _ => None,
        };
        let code = err.code().map(str::to_string);
        let message = match &code {
            Some(_) => err.message().unwrap_or("").to_string(),
            None => crate::config::error_chain(&err),
        };
        // A certificate the client does not trust stays untrusted however often it is tried.
        let certificate = matches!(err, SdkError::DispatchFailure(_)) && message.contains("certificate");
        let kind = match (&err, code.as_deref(), status) {
            (_, Some("TooManyRequestsException" | "ThrottlingException" | "Throttling" | "LimitExceededException"), _)
            | (_, _, Some(429)) => ErrorKind::Throttled,
            (_, Some("ConflictException"), _) if message.to_ascii_lowercase().contains("try again later") => ErrorKind::Transient,
            (_, _, Some(s)) if s >= 500 => ErrorKind::Transient,
            _ if certificate => ErrorKind::Permanent,
            (SdkError::DispatchFailure(_) | SdkError::ResponseError(_) | SdkError::TimeoutError(_), _, _) => ErrorKind::Transient,
            _ => ErrorKind::Permanent,
        };
        AwsError {
            code,
            message,
            status,
            kind,
            attempts: 1,
        }
    }

    pub(crate) fn local(message: impl Into<String>) -> Self {
        AwsError {
            code: None,
            message: message.into(),
            status: None,
            kind: ErrorKind::Permanent,
            attempts: 0,
        }
    }

    pub fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

/// The HTTP status of a raw response, whatever the SDK's response type.
pub trait HttpStatus {
    fn status_u16(&self) -> u16;
}

impl HttpStatus for aws_smithy_runtime_api::http::Response {
    fn status_u16(&self) -> u16 {
        self.status().as_u16()
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message)?,
            None => write!(f, "{}", self.message)?,
        }
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

/// Why waiting for DEPLOYED ended without it.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitError {
    /// AWS reports FAILED, with its status message.
    Failed(String),
    /// Still not DEPLOYED when the operation's time ran out.
    TimedOut { status: String, waited: Duration },
    /// The engine cancelled the operation or the provider is shutting down.
    Cancelled,
    /// GetDeployment itself failed.
    Aws(AwsError),
}

impl std::fmt::Display for WaitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WaitError::Failed(msg) => write!(f, "deployment ended FAILED: {msg}"),
            WaitError::TimedOut { status, waited } => write!(
                f,
                "deployment still {status} after {:.0}s; raise customTimeouts or run `pulumi up` again to keep waiting",
                waited.as_secs_f64()
            ),
            WaitError::Cancelled => write!(f, "operation cancelled while waiting for the deployment to be DEPLOYED"),
            WaitError::Aws(e) => write!(f, "GetDeployment failed while waiting: {e}"),
        }
    }
}

fn date(d: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    d.and_then(|d| d.fmt(Format::DateTime).ok())
}

macro_rules! deployment_from {
    ($out:expr, $fallback_id:expr) => {{
        let out = $out;
        Deployment {
            id: out.deployment_id().unwrap_or($fallback_id).to_string(),
            description: out.description().map(str::to_string),
            auto_deployed: out.auto_deployed().unwrap_or(false),
            created_date: date(out.created_date()),
            status: out
                .deployment_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|| "PENDING".into()),
            status_message: out.deployment_status_message().map(str::to_string),
        }
    }};
}

/// API Gateway v2 deployment operations, paced by the shared limiter and retried with jittered
/// backoff within each operation's deadline.
#[derive(Debug, Clone)]
pub struct Cloud {
    client: Client,
    limiter: Arc<Limiter>,
    max_attempts: u32,
    cancel: CancellationToken,
    /// Deployment ids this process has created, so a lost create response is never matched to
    /// a deployment another operation owns.
    claimed: Arc<Mutex<HashSet<String>>>,
    /// CreateDeployment's quota shared with other processes (`quotaTable`).
    shared: Option<Arc<SharedQuota>>,
    /// Reads of an API's configuration in flight, which concurrent readers of the same API join
    /// (see [`Cloud::api_config`]).
    pub(crate) reads: Arc<Mutex<HashMap<String, ConfigRead>>>,
}

/// The outcome of one read of an API's configuration, for the readers that joined it.
pub(crate) type ConfigRead = tokio::sync::watch::Receiver<Option<Result<crate::apiconfig::ApiConfig, AwsError>>>;

const BACKOFF_BASE: Duration = Duration::from_millis(100);
const BACKOFF_CAP: Duration = Duration::from_secs(10);

impl Cloud {
    pub fn new(client: Client, limiter: Arc<Limiter>, max_attempts: u32, cancel: CancellationToken) -> Self {
        Self {
            client,
            limiter,
            max_attempts: max_attempts.max(1),
            cancel,
            claimed: Arc::default(),
            shared: None,
            reads: Arc::default(),
        }
    }

    /// Paces CreateDeployment through `shared` (and the local limiter when it cannot be used).
    pub fn with_shared_quota(mut self, shared: Option<Arc<SharedQuota>>) -> Self {
        self.shared = shared;
        self
    }

    async fn sleep_until(&self, at: Instant) -> Result<(), AwsError> {
        tokio::select! {
            _ = self.cancel.cancelled() => Err(AwsError::local("operation cancelled by the engine")),
            _ = tokio::time::sleep_until(at) => Ok(()),
        }
    }

    /// The slot of a call: from the shared table for CreateDeployment when there is one, else
    /// from the local limiter.
    async fn slot(&self, create_deployment: bool) -> Instant {
        if create_deployment && let Some(shared) = self.shared.as_ref().filter(|s| s.available() && self.limiter.enabled()) {
            // The account's call rate stays local (see sharedquota); the create slot is shared.
            let after = self.limiter.reserve(false);
            match shared.reserve(after).await {
                Ok(slot) => return slot,
                Err(why) => shared.fall_back(&why).await,
            }
        }
        self.limiter.reserve(create_deployment)
    }

    /// Waits for this call's slot of the quota.
    async fn pace(&self, create_deployment: bool, deadline: Instant) -> Result<(), AwsError> {
        let slot = self.slot(create_deployment).await;
        // A call that may go now goes, even at the deadline (the wait's last look, for one).
        if slot > deadline && slot > Instant::now() {
            return Err(AwsError::local(
                "the operation's time ran out while queued for API Gateway's request quota",
            ));
        }
        self.sleep_until(slot).await
    }

    /// After a failed attempt: gives up (returning the error) or sleeps a jittered backoff.
    async fn backoff(&self, mut err: AwsError, attempt: u32, deadline: Instant) -> Result<(), AwsError> {
        err.attempts = attempt;
        if err.kind == ErrorKind::Throttled {
            self.limiter.throttled();
        }
        if err.kind == ErrorKind::Permanent || attempt >= self.max_attempts {
            return Err(err);
        }
        let ceiling = BACKOFF_BASE.saturating_mul(1 << attempt.min(16)).min(BACKOFF_CAP);
        let wait = ceiling.mul_f64(0.5 + fastrand::f64() / 2.0);
        let at = Instant::now() + wait;
        if at > deadline {
            return Err(err);
        }
        tracing::debug!(attempt, kind = ?err.kind, code = ?err.code, "retrying after {:?}", wait);
        self.sleep_until(at).await
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// One AWS call with pacing and retries.
    pub(crate) async fn call<T, F, Fut>(&self, deadline: Instant, mut f: F) -> Result<T, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AwsError>>,
    {
        let mut attempt = 0;
        loop {
            self.pace(false, deadline).await?;
            attempt += 1;
            match f().await {
                Ok(v) => {
                    self.limiter.succeeded();
                    return Ok(v);
                }
                Err(e) => self.backoff(e, attempt, deadline).await?,
            }
        }
    }

    /// CreateDeployment, retried like every call; when a response was lost, the deployment it may
    /// have created is looked for before trying again (and before giving up), so a retry never
    /// leaves a duplicate and a failure never leaves an unrecorded deployment.
    pub async fn create(
        &self,
        api_id: &str,
        description: Option<&str>,
        stage_name: Option<&str>,
        deadline: Instant,
    ) -> Result<Deployment, AwsError> {
        let mut attempt = 0;
        let mut maybe_created_since: Option<SystemTime> = None;
        loop {
            if let Some(since) = maybe_created_since
                && let Some(d) = self.adopt_lost(api_id, description, since, deadline).await?
            {
                return Ok(d);
            }
            self.pace(true, deadline).await?;
            attempt += 1;
            let started = SystemTime::now();
            let sent = self
                .client
                .create_deployment()
                .api_id(api_id)
                .set_description(description.map(str::to_string))
                .set_stage_name(stage_name.map(str::to_string))
                .send()
                .await;
            match sent {
                Ok(out) => {
                    self.limiter.succeeded();
                    let d = deployment_from!(out, "");
                    self.claim(&d.id);
                    return Ok(d);
                }
                Err(e) => {
                    let e = AwsError::from_sdk(e);
                    if e.kind == ErrorKind::Transient {
                        maybe_created_since.get_or_insert(started);
                    }
                    if let Err(gave_up) = self.backoff(e, attempt, deadline).await {
                        // Giving up must not leave behind a deployment an uncertain attempt made.
                        if let Some(since) = maybe_created_since
                            && let Ok(Some(d)) = self.adopt_lost(api_id, description, since, deadline).await
                        {
                            return Ok(d);
                        }
                        return Err(gave_up);
                    }
                }
            }
        }
    }

    fn claim(&self, id: &str) -> bool {
        self.claimed.lock().unwrap_or_else(|p| p.into_inner()).insert(id.to_string())
    }

    /// Finds the one deployment a lost CreateDeployment response may have created: same
    /// description, created since the first uncertain attempt, not owned by anything else here.
    async fn adopt_lost(
        &self,
        api_id: &str,
        description: Option<&str>,
        since: SystemTime,
        deadline: Instant,
    ) -> Result<Option<Deployment>, AwsError> {
        // AWS reports createdDate in whole seconds.
        let since = since.checked_sub(Duration::from_secs(2)).unwrap_or(since);
        let listed = self
            .list_all(deadline, |token| async move {
                let out = self
                    .client
                    .get_deployments()
                    .api_id(api_id)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(AwsError::from_sdk)?;
                Ok((out.items().to_vec(), out.next_token().map(str::to_string)))
            })
            .await?;
        let mut candidates: Vec<Deployment> = listed
            .iter()
            .filter(|item| {
                let created = item.created_date().and_then(|d| SystemTime::try_from(*d).ok());
                created.is_some_and(|c| c >= since) && item.description() == description && !item.auto_deployed().unwrap_or(false)
            })
            .map(|item| deployment_from!(item, ""))
            .collect();
        let claimed = self.claimed.lock().unwrap_or_else(|p| p.into_inner()).clone();
        candidates.retain(|d| !claimed.contains(&d.id));
        match candidates.as_slice() {
            [one] if self.claim(&one.id) => {
                tracing::info!(
                    api_id,
                    deployment_id = one.id,
                    "adopted the deployment a lost CreateDeployment response created"
                );
                Ok(Some(one.clone()))
            }
            [] => Ok(None),
            many => Err(AwsError::local(format!(
                "a CreateDeployment response was lost and {} unclaimed deployments of API {api_id} match it ({}); \
                 refusing to guess which is ours. Import the right one with `pulumi import` and delete the others.",
                many.len(),
                many.iter().map(|d| d.id.as_str()).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    /// `Ok(None)` when the deployment (or its API) no longer exists.
    pub async fn get(&self, api_id: &str, id: &str, deadline: Instant) -> Result<Option<Deployment>, AwsError> {
        let result = self
            .call(deadline, || async {
                self.client
                    .get_deployment()
                    .api_id(api_id)
                    .deployment_id(id)
                    .send()
                    .await
                    .map_err(AwsError::from_sdk)
            })
            .await;
        match result {
            Ok(out) => Ok(Some(deployment_from!(out, id))),
            Err(e) if e.is("NotFoundException") => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn update(&self, api_id: &str, id: &str, description: &str, deadline: Instant) -> Result<Deployment, AwsError> {
        let out = self
            .call(deadline, || async {
                self.client
                    .update_deployment()
                    .api_id(api_id)
                    .deployment_id(id)
                    .description(description)
                    .send()
                    .await
                    .map_err(AwsError::from_sdk)
            })
            .await?;
        Ok(deployment_from!(out, id))
    }

    /// Ok when the deployment is gone, whether this call deleted it or it already was.
    pub async fn delete(&self, api_id: &str, id: &str, deadline: Instant) -> Result<(), AwsError> {
        let result = self
            .call(deadline, || async {
                self.client
                    .delete_deployment()
                    .api_id(api_id)
                    .deployment_id(id)
                    .send()
                    .await
                    .map_err(AwsError::from_sdk)
            })
            .await;
        match result {
            Ok(_) => Ok(()),
            // Also what a retried delete sees when its first attempt went through.
            Err(e) if e.is("NotFoundException") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Whether stage `stage` of `api_id` has autoDeploy; `None` when there is no such stage.
    pub async fn stage_auto_deploy(&self, api_id: &str, stage: &str, deadline: Instant) -> Result<Option<bool>, AwsError> {
        let result = self
            .call(deadline, || async {
                self.client
                    .get_stage()
                    .api_id(api_id)
                    .stage_name(stage)
                    .send()
                    .await
                    .map_err(AwsError::from_sdk)
            })
            .await;
        match result {
            Ok(out) => Ok(Some(out.auto_deploy().unwrap_or(false))),
            Err(e) if e.is("NotFoundException") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Names of the stages of `api_id` whose current deployment is `id`.
    pub async fn stages_pointing_at(&self, api_id: &str, id: &str, deadline: Instant) -> Result<Vec<String>, AwsError> {
        let stages = self
            .list_all(deadline, |token| async move {
                let out = self
                    .client
                    .get_stages()
                    .api_id(api_id)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(AwsError::from_sdk)?;
                Ok((out.items().to_vec(), out.next_token().map(str::to_string)))
            })
            .await?;
        Ok(stages
            .iter()
            .filter(|s| s.deployment_id() == Some(id))
            .filter_map(|s| s.stage_name().map(str::to_string))
            .collect())
    }

    /// Every item of a paginated listing: `page` fetches one page from a `nextToken`.
    pub(crate) async fn list_all<T, F, Fut>(&self, deadline: Instant, mut page: F) -> Result<Vec<T>, AwsError>
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = Result<(Vec<T>, Option<String>), AwsError>>,
    {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let (got, next) = self.call(deadline, || page(token.clone())).await?;
            items.extend(got);
            match next {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(items),
            }
        }
    }

    /// Polls until the deployment is DEPLOYED, with backoff from 100 ms doubling to 10 s, until
    /// `deadline` or cancellation. On failure the last state seen comes back with the reason.
    pub async fn wait_deployed(&self, api_id: &str, current: Deployment, deadline: Instant) -> Result<Deployment, (Deployment, WaitError)> {
        let started = Instant::now();
        let mut delay = Duration::from_millis(100);
        let mut last = current;
        loop {
            match last.status.as_str() {
                "DEPLOYED" => return Ok(last),
                "FAILED" => {
                    let msg = last.status_message.clone().unwrap_or_else(|| "no status message from AWS".into());
                    return Err((last, WaitError::Failed(msg)));
                }
                _ => {}
            }
            let now = Instant::now();
            if now >= deadline {
                let status = last.status.clone();
                return Err((
                    last,
                    WaitError::TimedOut {
                        status,
                        waited: now - started,
                    },
                ));
            }
            let sleep_until = (now + delay).min(deadline);
            if self.sleep_until(sleep_until).await.is_err() {
                return Err((last, WaitError::Cancelled));
            }
            delay = (delay * 2).min(Duration::from_secs(10));
            let fetched = tokio::select! {
                _ = self.cancel.cancelled() => return Err((last, WaitError::Cancelled)),
                r = self.get(api_id, &last.id, deadline) => r,
            };
            match fetched {
                Ok(Some(d)) => last = d,
                Ok(None) => {
                    let msg = format!("deployment {} of API {api_id} disappeared while waiting for it", last.id);
                    return Err((last, WaitError::Failed(msg)));
                }
                Err(e) => return Err((last, WaitError::Aws(e))),
            }
        }
    }
}
