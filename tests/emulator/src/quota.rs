//! AWS's published API Gateway management quotas as token buckets, kept per account and region:
//! every key and assumed-role session of an account shares them, as at AWS.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::sigv4::Caller;

/// A token bucket refilled continuously at `rate` tokens per second up to `burst`.
#[derive(Debug, Clone)]
struct Bucket {
    tokens: f64,
    last: Instant,
    rate: f64,
    burst: f64,
}

impl Bucket {
    fn new(rate: f64, burst: f64, now: Instant) -> Self {
        Self {
            tokens: burst,
            last: now,
            rate,
            burst,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.last = now;
    }
}

/// Which quota a refused call ran into; becomes the `limitType` of the 429.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Account,
    CreateDeployment,
}

/// The quotas of one AWS account, scaled by the emulator's time scale.
#[derive(Debug)]
pub struct Quotas {
    time_scale: f64,
    per_account: HashMap<(String, String), (Bucket, Bucket)>,
}

/// Published: all management calls 10 per second with a burst of 40.
const ACCOUNT_RATE: f64 = 10.0;
const ACCOUNT_BURST: f64 = 40.0;
/// Published: CreateDeployment one request every 5 seconds.
pub const CREATE_DEPLOYMENT_INTERVAL: Duration = Duration::from_secs(5);

impl Quotas {
    pub fn new(time_scale: f64) -> Self {
        Self {
            time_scale,
            per_account: HashMap::new(),
        }
    }

    /// Takes a token for the call, or says which limit refused it. A refused call consumes nothing.
    pub fn admit(&mut self, caller: &Caller, create_deployment: bool, now: Instant) -> Result<(), Limit> {
        let scale = self.time_scale;
        let key = (caller.account.clone(), caller.region.clone());
        let (account, create) = self.per_account.entry(key).or_insert_with(|| {
            (
                Bucket::new(ACCOUNT_RATE / scale, ACCOUNT_BURST, now),
                Bucket::new(1.0 / (CREATE_DEPLOYMENT_INTERVAL.as_secs_f64() * scale), 1.0, now),
            )
        });
        account.refill(now);
        create.refill(now);
        if account.tokens < 1.0 {
            return Err(Limit::Account);
        }
        if create_deployment {
            if create.tokens < 1.0 {
                return Err(Limit::CreateDeployment);
            }
            create.tokens -= 1.0;
        }
        account.tokens -= 1.0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(key: &str) -> Caller {
        Caller {
            access_key: key.into(),
            region: "us-east-1".into(),
            account: key.into(),
            arn: String::new(),
            assumed_role: false,
        }
    }

    /// The account bucket admits a burst of 40, then refills at 10 per (scaled) second.
    #[test]
    fn account_burst_then_rate() {
        let mut q = Quotas::new(1.0);
        let t0 = Instant::now();
        for _ in 0..40 {
            q.admit(&caller("a"), false, t0).unwrap();
        }
        assert_eq!(q.admit(&caller("a"), false, t0), Err(Limit::Account));
        assert!(q.admit(&caller("a"), false, t0 + Duration::from_millis(100)).is_ok());
        assert_eq!(q.admit(&caller("a"), false, t0 + Duration::from_millis(100)), Err(Limit::Account));
    }

    /// CreateDeployment is one per 5 s, scaled, and per account.
    #[test]
    fn create_deployment_interval_scaled() {
        let mut q = Quotas::new(0.01);
        let t0 = Instant::now();
        q.admit(&caller("a"), true, t0).unwrap();
        assert_eq!(q.admit(&caller("a"), true, t0), Err(Limit::CreateDeployment));
        q.admit(&caller("b"), true, t0).unwrap();
        assert!(q.admit(&caller("a"), true, t0 + Duration::from_millis(49)).is_err());
        assert!(q.admit(&caller("a"), true, t0 + Duration::from_millis(50)).is_ok());
    }
}
