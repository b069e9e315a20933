//! The AWS side: API Gateway v2 deployment calls through `aws-sdk-apigatewayv2`, AWS errors kept
//! with their code and message, and the wait for a deployment to leave PENDING.

use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_smithy_types::date_time::Format;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

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

/// An AWS call that failed: the error code when AWS sent one, and its message.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsError {
    pub code: Option<String>,
    pub message: String,
}

impl AwsError {
    fn from_sdk<E, R>(err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        match err.code() {
            Some(code) => AwsError {
                code: Some(code.to_string()),
                message: err.message().unwrap_or("").to_string(),
            },
            None => AwsError {
                code: None,
                message: DisplayErrorContext(&err).to_string(),
            },
        }
    }

    pub fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
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

/// API Gateway v2 deployment operations.
#[derive(Debug, Clone)]
pub struct Cloud {
    client: Client,
}

/// The delete call's outcome; both mean the deployment is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Now,
    AlreadyGone,
}

impl Cloud {
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    pub async fn create(&self, api_id: &str, description: Option<&str>, stage_name: Option<&str>) -> Result<Deployment, AwsError> {
        let out = self
            .client
            .create_deployment()
            .api_id(api_id)
            .set_description(description.map(str::to_string))
            .set_stage_name(stage_name.map(str::to_string))
            .send()
            .await
            .map_err(AwsError::from_sdk)?;
        Ok(deployment_from!(out, ""))
    }

    /// `Ok(None)` when the deployment (or its API) no longer exists.
    pub async fn get(&self, api_id: &str, id: &str) -> Result<Option<Deployment>, AwsError> {
        match self.client.get_deployment().api_id(api_id).deployment_id(id).send().await {
            Ok(out) => Ok(Some(deployment_from!(out, id))),
            Err(e) => {
                let e = AwsError::from_sdk(e);
                if e.is("NotFoundException") { Ok(None) } else { Err(e) }
            }
        }
    }

    pub async fn update(&self, api_id: &str, id: &str, description: &str) -> Result<Deployment, AwsError> {
        let out = self
            .client
            .update_deployment()
            .api_id(api_id)
            .deployment_id(id)
            .description(description)
            .send()
            .await
            .map_err(AwsError::from_sdk)?;
        Ok(deployment_from!(out, id))
    }

    pub async fn delete(&self, api_id: &str, id: &str) -> Result<Deleted, AwsError> {
        match self.client.delete_deployment().api_id(api_id).deployment_id(id).send().await {
            Ok(_) => Ok(Deleted::Now),
            Err(e) => {
                let e = AwsError::from_sdk(e);
                if e.is("NotFoundException") {
                    Ok(Deleted::AlreadyGone)
                } else {
                    Err(e)
                }
            }
        }
    }

    /// Names of the stages of `api_id` whose current deployment is `id`.
    pub async fn stages_pointing_at(&self, api_id: &str, id: &str) -> Result<Vec<String>, AwsError> {
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .client
                .get_stages()
                .api_id(api_id)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(AwsError::from_sdk)?;
            names.extend(
                out.items()
                    .iter()
                    .filter(|s| s.deployment_id() == Some(id))
                    .filter_map(|s| s.stage_name().map(str::to_string)),
            );
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return Ok(names),
            }
        }
    }

    /// Polls until the deployment is DEPLOYED, with backoff from 100 ms doubling to 10 s, until
    /// `deadline` or cancellation. On failure the last state seen comes back with the reason.
    pub async fn wait_deployed(
        &self,
        api_id: &str,
        current: Deployment,
        deadline: Instant,
        cancel: &CancellationToken,
    ) -> Result<Deployment, (Deployment, WaitError)> {
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
            tokio::select! {
                _ = cancel.cancelled() => return Err((last, WaitError::Cancelled)),
                _ = tokio::time::sleep_until(sleep_until) => {}
            }
            delay = (delay * 2).min(Duration::from_secs(10));
            let fetched = tokio::select! {
                _ = cancel.cancelled() => return Err((last, WaitError::Cancelled)),
                r = self.get(api_id, &last.id) => r,
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
