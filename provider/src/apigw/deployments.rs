//! The deployment calls of API Gateway v2 (create, get, list, update, delete, the stages) and the
//! wait for a deployment to leave PENDING, all through [`Calls`]. CreateDeployment's retries never
//! leave a duplicate or an unrecorded deployment behind (see [`Deployments::create`]).

use aws_smithy_types::date_time::Format;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

use crate::apigw::calls::Calls;
use crate::error::{AwsError, ErrorKind};
use crate::list_pages;

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

/// A stage as AWS reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub name: String,
    pub deployment_id: Option<String>,
    pub auto_deploy: bool,
    pub description: Option<String>,
    pub created_date: Option<String>,
    pub last_updated_date: Option<String>,
    pub last_deployment_status_message: Option<String>,
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
pub struct Deployments {
    calls: Calls,
    /// Deployment ids this process has created, so a lost create response is never matched to
    /// a deployment another operation owns.
    claimed: Arc<Mutex<HashSet<String>>>,
}

impl Deployments {
    pub fn new(calls: Calls) -> Self {
        Self {
            calls,
            claimed: Arc::default(),
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
            self.calls.pace(true, deadline).await?;
            attempt += 1;
            let started = SystemTime::now();
            tracing::debug!(api_id, attempt, "CreateDeployment sent");
            let mut send = || async move {
                self.calls
                    .client()
                    .create_deployment()
                    .api_id(api_id)
                    .set_description(description.map(str::to_string))
                    .set_stage_name(stage_name.map(str::to_string))
                    .send()
                    .await
                    .map_err(AwsError::from_sdk)
            };
            match self.calls.attempt(deadline, &mut send).await {
                Ok(out) => {
                    self.calls.limiter().succeeded(true);
                    let d = deployment_from!(out, "");
                    self.claim(&d.id);
                    return Ok(d);
                }
                Err(e) => {
                    if e.kind == ErrorKind::Transient {
                        maybe_created_since.get_or_insert(started);
                    }
                    if let Err(gave_up) = self.calls.backoff(e, attempt, true, deadline).await {
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
        let listed = list_pages!(self.calls, deadline, |c| c.get_deployments().api_id(api_id));
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

    /// GetDeployment; AWS's NotFound is an error here (see [`Deployments::get`]).
    pub async fn fetch(&self, api_id: &str, id: &str, deadline: Instant) -> Result<Deployment, AwsError> {
        let out = self
            .calls
            .call(deadline, || async {
                self.calls
                    .client()
                    .get_deployment()
                    .api_id(api_id)
                    .deployment_id(id)
                    .send()
                    .await
                    .map_err(AwsError::from_sdk)
            })
            .await?;
        Ok(deployment_from!(out, id))
    }

    /// `Ok(None)` when the deployment (or its API) no longer exists.
    pub async fn get(&self, api_id: &str, id: &str, deadline: Instant) -> Result<Option<Deployment>, AwsError> {
        match self.fetch(api_id, id, deadline).await {
            Ok(d) => Ok(Some(d)),
            Err(e) if e.is("NotFoundException") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// One page of GetDeployments: at most `max` (AWS takes 1 to 500), from `token`; with the
    /// token of the next page.
    pub async fn page(
        &self,
        api_id: &str,
        max: Option<usize>,
        token: Option<String>,
        deadline: Instant,
    ) -> Result<(Vec<Deployment>, Option<String>), AwsError> {
        let max = max.map(|n| n.clamp(1, 500).to_string());
        let out = self
            .calls
            .call(deadline, || async {
                self.calls
                    .client()
                    .get_deployments()
                    .api_id(api_id)
                    .set_max_results(max.clone())
                    .set_next_token(token.clone())
                    .send()
                    .await
                    .map_err(AwsError::from_sdk)
            })
            .await?;
        let items = out.items().iter().map(|item| deployment_from!(item, "")).collect();
        Ok((items, out.next_token().filter(|t| !t.is_empty()).map(str::to_string)))
    }

    /// Every deployment of `api_id`, in AWS's order, all pages.
    pub async fn list(&self, api_id: &str, deadline: Instant) -> Result<Vec<Deployment>, AwsError> {
        let listed = list_pages!(self.calls, deadline, |c| c.get_deployments().api_id(api_id));
        Ok(listed.iter().map(|item| deployment_from!(item, "")).collect())
    }

    pub async fn update(&self, api_id: &str, id: &str, description: &str, deadline: Instant) -> Result<Deployment, AwsError> {
        let out = self
            .calls
            .call(deadline, || async {
                self.calls
                    .client()
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
            .calls
            .call(deadline, || async {
                self.calls
                    .client()
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

    /// GetStage; AWS's NotFound is an error here.
    pub async fn stage(&self, api_id: &str, stage: &str, deadline: Instant) -> Result<Stage, AwsError> {
        let out = self
            .calls
            .call(deadline, || async {
                self.calls
                    .client()
                    .get_stage()
                    .api_id(api_id)
                    .stage_name(stage)
                    .send()
                    .await
                    .map_err(AwsError::from_sdk)
            })
            .await?;
        Ok(Stage {
            name: out.stage_name().unwrap_or(stage).to_string(),
            deployment_id: out.deployment_id().map(str::to_string),
            auto_deploy: out.auto_deploy().unwrap_or(false),
            description: out.description().map(str::to_string),
            created_date: date(out.created_date()),
            last_updated_date: date(out.last_updated_date()),
            last_deployment_status_message: out.last_deployment_status_message().map(str::to_string),
        })
    }

    /// Whether stage `stage` of `api_id` has autoDeploy; `None` when there is no such stage.
    pub async fn stage_auto_deploy(&self, api_id: &str, stage: &str, deadline: Instant) -> Result<Option<bool>, AwsError> {
        match self.stage(api_id, stage, deadline).await {
            Ok(s) => Ok(Some(s.auto_deploy)),
            Err(e) if e.is("NotFoundException") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Names of the stages of `api_id` whose current deployment is `id`.
    pub async fn stages_pointing_at(&self, api_id: &str, id: &str, deadline: Instant) -> Result<Vec<String>, AwsError> {
        let stages = list_pages!(self.calls, deadline, |c| c.get_stages().api_id(api_id));
        Ok(stages
            .iter()
            .filter(|s| s.deployment_id() == Some(id))
            .filter_map(|s| s.stage_name().map(str::to_string))
            .collect())
    }

    /// Polls until the deployment is DEPLOYED, with the steps of the retries' backoff, until
    /// `deadline` or cancellation. On failure the last state seen comes back with the reason.
    pub async fn wait_deployed(&self, api_id: &str, current: Deployment, deadline: Instant) -> Result<Deployment, (Deployment, WaitError)> {
        let started = Instant::now();
        let mut polls = 0;
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
            let sleep_until = (now + self.calls.backoff_steps().step(polls)).min(deadline);
            if self.calls.sleep_until(sleep_until).await.is_err() {
                return Err((last, WaitError::Cancelled));
            }
            polls += 1;
            let fetched = tokio::select! {
                _ = self.calls.cancelled() => return Err((last, WaitError::Cancelled)),
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
