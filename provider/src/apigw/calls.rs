//! The call machinery of API Gateway v2: pacing to the account's quotas, retries with backoff
//! within each operation's deadline, paginated listings, cancellation. What the calls are lives
//! beside it ([`super::deployments`], [`super::api_config`]); how a failure is classified lives in
//! [`crate::error`].

use aws_sdk_apigatewayv2::Client;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::apigw::limiter::{Limiter, Limits};
use crate::apigw::shared_quota::SharedQuota;
use crate::error::{AwsError, ErrorKind};

/// The call machinery every API Gateway v2 call goes through: each attempt paced by the shared
/// limiter (and CreateDeployment by the shared quota table), failures retried with jittered
/// backoff within the operation's deadline, waits ended by the engine's cancellation.
#[derive(Debug, Clone)]
pub struct Calls {
    client: Client,
    limiter: Arc<Limiter>,
    max_attempts: u32,
    cancel: CancellationToken,
    /// CreateDeployment's quota shared with other processes (`quotaTable`).
    shared: Option<Arc<SharedQuota>>,
    /// The waits between tries, in units of the configured quota (see [`Backoff::for_limits`]).
    backoff: Backoff,
}

/// Every item of one paged Get* collection, through [`Calls::list_all`]: `$op` is the client's
/// builder with its path parameters set (`|c| c.get_stages().api_id(api_id)`).
#[macro_export]
macro_rules! list_pages {
    ($calls:expr, $deadline:expr, |$client:ident| $op:expr) => {{
        $calls
            .list_all($deadline, |token| async move {
                let $client = $calls.client();
                let out = $op.set_next_token(token).send().await.map_err($crate::error::AwsError::from_sdk)?;
                Ok((out.items().to_vec(), out.next_token().map(str::to_string)))
            })
            .await?
    }};
}

/// Waits between tries, doubling from `base` up to `cap`: the retries of a failed call (with
/// jitter) and the polls for DEPLOYED (without) both take theirs from [`Calls::backoff_steps`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

/// The waits at AWS's published quota (10 calls a second): 100 ms doubling to 10 s.
pub const BACKOFF: Backoff = Backoff {
    base: Duration::from_millis(100),
    cap: Duration::from_secs(10),
};

/// The cap of the waits, in call intervals: 10 s at AWS's 10 calls a second.
const CAP_INTERVALS: u32 = 100;

impl Backoff {
    /// The waits for a quota of `limits.calls_per_second`: from one call interval, doubling, up
    /// to [`CAP_INTERVALS`] of them, so [`BACKOFF`] at AWS's published quota. Counted in the
    /// quota's unit because that is what a retry waits for: a quota configured tenfold faster (an
    /// account with a raised quota, or the emulator's time scale) refills tenfold sooner, and a
    /// wall-clock backoff would then dominate everything else the operation waits for. Retries
    /// cannot overload the account by coming sooner: each one still takes a slot of the limiter.
    /// Without the limiter (`rateLimiting: false`) nothing paces the retries, so they keep the
    /// wall-clock [`BACKOFF`].
    pub fn for_limits(limits: &Limits) -> Self {
        if !limits.enabled {
            return BACKOFF;
        }
        let interval = Duration::from_secs_f64(1.0 / limits.calls_per_second.max(0.001));
        let base = interval.clamp(Duration::from_millis(1), BACKOFF.cap);
        Self {
            base,
            cap: base.saturating_mul(CAP_INTERVALS).min(Duration::from_secs(60)),
        }
    }

    /// The wait after the `n`th try (0 before the first retry): `base * 2^n`, at most `cap`.
    pub fn step(&self, n: u32) -> Duration {
        self.base.saturating_mul(1 << n.min(16)).min(self.cap)
    }

    /// The retry wait after failed attempt `attempt`: a random point in the upper half of its step.
    pub fn jittered(&self, attempt: u32, unit: f64) -> Duration {
        self.step(attempt).mul_f64(0.5 + unit.clamp(0.0, 1.0) / 2.0)
    }
}

impl Calls {
    pub fn new(client: Client, limiter: Arc<Limiter>, max_attempts: u32, cancel: CancellationToken) -> Self {
        let backoff = Backoff::for_limits(limiter.limits());
        Self {
            client,
            limiter,
            max_attempts: max_attempts.max(1),
            cancel,
            shared: None,
            backoff,
        }
    }

    /// The waits of this client's retries and polls.
    pub(crate) fn backoff_steps(&self) -> Backoff {
        self.backoff
    }

    /// Paces CreateDeployment through `shared` (and the local limiter when it cannot be used).
    pub fn with_shared_quota(mut self, shared: Option<Arc<SharedQuota>>) -> Self {
        self.shared = shared;
        self
    }

    pub(crate) async fn sleep_until(&self, at: Instant) -> Result<(), AwsError> {
        tokio::select! {
            _ = self.cancel.cancelled() => Err(AwsError::local("operation cancelled by the engine")),
            _ = tokio::time::sleep_until(at) => Ok(()),
        }
    }

    /// The slot of a call, and whether it is a create slot of the local limiter: from the
    /// shared table for CreateDeployment when there is one, else from the local limiter.
    async fn slot(&self, create_deployment: bool) -> (Instant, bool) {
        if create_deployment && let Some(shared) = self.shared.as_ref().filter(|s| s.available() && self.limiter.enabled()) {
            // The account's call rate stays local (see shared_quota); the create slot is shared.
            let after = self.limiter.reserve(false);
            match shared.reserve(after).await {
                Ok(slot) => return (slot, false),
                Err(why) => shared.fall_back(&why).await,
            }
        }
        (self.limiter.reserve(create_deployment), create_deployment)
    }

    /// Waits for this call's slot of the quota.
    pub(crate) async fn pace(&self, create_deployment: bool, deadline: Instant) -> Result<(), AwsError> {
        let (slot, local_create) = self.slot(create_deployment).await;
        // A call that may go now goes, even at the deadline (the wait's last look, for one).
        if slot > deadline && slot > Instant::now() {
            return Err(AwsError::local(
                "the operation's time ran out while queued for API Gateway's request quota",
            ));
        }
        self.sleep_until(slot).await?;
        if local_create {
            let goes = self.limiter.create_goes();
            if goes > deadline && goes > Instant::now() {
                return Err(AwsError::local(
                    "the operation's time ran out while queued for API Gateway's CreateDeployment quota",
                ));
            }
            self.sleep_until(goes).await?;
        }
        Ok(())
    }

    /// After a failed attempt: gives up (returning the error) or sleeps a jittered backoff.
    /// A throttled `create_deployment` counts against the create quota, any other call against
    /// the account's.
    pub(crate) async fn backoff(
        &self,
        mut err: AwsError,
        attempt: u32,
        create_deployment: bool,
        deadline: Instant,
    ) -> Result<(), AwsError> {
        err.attempts = attempt;
        if err.kind == ErrorKind::Throttled {
            self.limiter.throttled(create_deployment);
        }
        if err.kind == ErrorKind::Permanent || attempt >= self.max_attempts {
            return Err(err);
        }
        let wait = self.backoff.jittered(attempt, fastrand::f64());
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

    pub(crate) fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    pub(crate) fn cancelled(&self) -> tokio_util::sync::WaitForCancellationFuture<'_> {
        self.cancel.cancelled()
    }

    /// One attempt of a call whose slot was taken: a throttled send goes once more at once, as a
    /// probe of why AWS refused it. A throttle caused by the pace (another client has the quota)
    /// finds the quota still spent a moment later and is throttled again; one that has nothing to
    /// do with the pace (a fault storm) usually passes. Only a confirmed throttle reaches the
    /// limiter's refused share (through [`Calls::backoff`]), so random 429s neither slow the pace
    /// nor cost a CreateDeployment slot each, and a quota taken by others still slows it. The
    /// probe takes an account slot but no create slot: a refused call consumed no token at AWS,
    /// so the create slot it was given is still unused. Both sends count as one attempt.
    pub(crate) async fn attempt<T, F, Fut>(&self, deadline: Instant, f: &mut F) -> Result<T, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AwsError>>,
    {
        match f().await {
            Err(e) if e.kind == ErrorKind::Throttled && self.limiter.enabled() => {
                if self.pace(false, deadline).await.is_err() {
                    return Err(e);
                }
                tracing::debug!(code = ?e.code, "throttled: probing once in the same slot");
                f().await
            }
            sent => sent,
        }
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
            match self.attempt(deadline, &mut f).await {
                Ok(v) => {
                    self.limiter.succeeded(false);
                    return Ok(v);
                }
                Err(e) => self.backoff(e, attempt, false, deadline).await?,
            }
        }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Steps double from 100 ms and stop at 10 s; jitter stays in the upper half of the step.
    #[test]
    fn backoff_steps() {
        let ms = |d: Duration| d.as_millis();
        let steps: Vec<u128> = (0..9).map(|n| ms(BACKOFF.step(n))).collect();
        assert_eq!(steps, vec![100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
        assert_eq!(BACKOFF.step(u32::MAX), Duration::from_secs(10));
        assert_eq!(ms(BACKOFF.jittered(1, 0.0)), 100);
        assert_eq!(ms(BACKOFF.jittered(1, 1.0)), 200);
        assert_eq!(ms(BACKOFF.jittered(1, 7.0)), 200);
    }

    /// At AWS's published quota the waits are BACKOFF's; a quota ten times faster waits a tenth;
    /// unpaced retries keep BACKOFF.
    #[test]
    fn backoff_follows_the_quota() {
        assert_eq!(Backoff::for_limits(&Limits::default()), BACKOFF);
        let fast = Limits {
            calls_per_second: 100.0,
            ..Limits::default()
        };
        let b = Backoff::for_limits(&fast);
        assert_eq!((b.base, b.cap), (Duration::from_millis(10), Duration::from_secs(1)));
        let slow = Limits {
            calls_per_second: 0.01,
            ..Limits::default()
        };
        let b = Backoff::for_limits(&slow);
        assert_eq!((b.base, b.cap), (Duration::from_secs(10), Duration::from_secs(60)));
        let unpaced = Limits { enabled: false, ..fast };
        assert_eq!(Backoff::for_limits(&unpaced), BACKOFF);
    }
}
