//! Quota-aware pacing of AWS calls. API Gateway allows one CreateDeployment every 5 seconds and
//! 10 management calls per second (burst 40) per account and region; every call this process
//! makes for the same credentials and region reserves a slot here first, so parallel operations
//! queue for the quota instead of collecting 429s. Throttling that still happens (other clients
//! on the account) slows the quota that refused by the share of its calls refused; successes
//! bring it back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::time::Instant;

/// The quota to pace at. Defaults are AWS's published numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub calls_per_second: f64,
    pub burst: u32,
    pub create_interval: Duration,
    /// Off: calls go out at once and only retries handle throttling (how bridged providers behave).
    pub enabled: bool,
}

/// AWS's published quotas per account and region; the configuration's declared defaults.
pub const AWS_CALLS_PER_SECOND: u32 = 10;
pub const AWS_CALL_BURST: u32 = 40;
pub const AWS_CREATE_INTERVAL_MS: u64 = 5000;

impl Default for Limits {
    fn default() -> Self {
        Self {
            calls_per_second: f64::from(AWS_CALLS_PER_SECOND),
            burst: AWS_CALL_BURST,
            create_interval: Duration::from_millis(AWS_CREATE_INTERVAL_MS),
            enabled: true,
        }
    }
}

/// Slots are spaced this much wider than the quota, so clock and network jitter between this
/// process and AWS do not turn an exactly-on-time call into a 429.
const MARGIN: f64 = 1.03;
/// A quota without burst (CreateDeployment) also gets this much absolute slack per slot: timers
/// fire up to a millisecond late and requests overtake each other on the way, which a relative
/// margin cannot cover when the interval is short (as under the emulator's time scale).
const JITTER_SLACK: Duration = Duration::from_millis(3);
/// Part of the account burst left unused: once the burst is spent, calls go one interval apart,
/// and a request that a scheduler delays lands next to the following one; a few tokens kept in
/// AWS's bucket absorb that where a relative margin on a 10 ms interval cannot.
fn burst_cushion(burst: u32) -> u32 {
    (burst / 4).max(1).min(burst.saturating_sub(1))
}
/// The width of one CreateDeployment slot: AWS's interval with the margins above. The shared
/// quota (see [`crate::apigw::shared_quota`]) spaces its slots the same.
pub fn create_spacing(limits: &Limits) -> Duration {
    limits.create_interval.mul_f64(MARGIN) + JITTER_SLACK
}

/// The most a run of throttles may stretch the pace.
const MAX_SLOWDOWN: f64 = 8.0;
/// The weight of each call's outcome in the share of calls AWS refused (an exponential moving
/// average over roughly the last ten calls).
const REFUSED_WEIGHT: f64 = 0.1;
/// Below this share the pace is the published one (the average never quite reaches zero).
const REFUSED_FLOOR: f64 = 0.01;

/// One quota as a GCRA (virtual scheduling): `tat` is the theoretical arrival time of the next call.
#[derive(Debug)]
struct Gcra {
    tat: Instant,
    interval: Duration,
    burst: u32,
    slack: Duration,
    /// The share of recent calls this quota refused although they kept to its pace. Kept per
    /// quota: a refused GetDeployment says nothing about the create quota, and creates taken by
    /// another client should slow the creates, not every poll.
    refused: f64,
}

impl Gcra {
    fn new(now: Instant, interval: Duration, burst: u32, slack: Duration) -> Self {
        Self {
            tat: now,
            interval,
            burst,
            slack,
            refused: 0.0,
        }
    }

    /// When a share `r` of the calls kept to the published pace is refused, something else
    /// (another client of the account) takes about that share of the quota, and what is left for
    /// this process is 1 - r of it: the pace stretches by 1 / (1 - r). A steady share of throttles
    /// that has nothing to do with the pace (a fault storm) then costs that share and no more,
    /// where a ratchet on every throttle would climb to its cap; a quota taken by others still
    /// slows the pace as far as MAX_SLOWDOWN.
    fn slowdown(&self) -> f64 {
        if self.refused < REFUSED_FLOOR {
            return 1.0;
        }
        (1.0 / (1.0 - self.refused)).min(MAX_SLOWDOWN)
    }

    fn outcome(&mut self, refused: f64) {
        self.refused += REFUSED_WEIGHT * (refused - self.refused);
    }

    /// The distance between two slots at `slowdown`.
    fn spacing(&self, slowdown: f64) -> Duration {
        self.interval.mul_f64(MARGIN * slowdown) + self.slack
    }

    /// Reserves the earliest slot at or after `earliest` and returns its time.
    fn reserve(&mut self, earliest: Instant, slowdown: f64) -> Instant {
        let t = self.spacing(slowdown);
        let tolerance = t * self.burst.saturating_sub(1);
        let tat = self.tat.max(earliest);
        let at = tat.checked_sub(tolerance).map_or(earliest, |allowed| allowed.max(earliest));
        self.tat = tat + t;
        at
    }
}

#[derive(Debug)]
struct State {
    account: Gcra,
    create: Gcra,
    /// When the last CreateDeployment went out (see [`Limiter::create_goes`]).
    last_create: Option<Instant>,
}

/// The pacing shared by every operation for one (credentials, region, endpoint).
#[derive(Debug)]
pub struct Limiter {
    limits: Limits,
    state: Mutex<State>,
}

impl Limiter {
    pub fn new(limits: Limits) -> Self {
        let now = Instant::now();
        let rate = limits.calls_per_second.max(0.001);
        Self {
            limits,
            state: Mutex::new(State {
                account: Gcra::new(
                    now,
                    Duration::from_secs_f64(1.0 / rate),
                    limits.burst.max(1) - burst_cushion(limits.burst.max(1)),
                    Duration::ZERO,
                ),
                create: Gcra::new(now, limits.create_interval, 1, JITTER_SLACK),
                last_create: None,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The time this call may go out; the caller sleeps until then. The slot is taken at once,
    /// so concurrent callers queue in order instead of racing. For CreateDeployment this is its
    /// place in the create queue, at the published spacing: when it really goes is decided when
    /// it is due ([`Limiter::create_goes`]).
    pub fn reserve(&self, create_deployment: bool) -> Instant {
        let now = Instant::now();
        if !self.limits.enabled {
            return now;
        }
        let mut s = self.state();
        if create_deployment {
            s.create.reserve(now, 1.0)
        } else {
            let slowdown = s.account.slowdown();
            s.account.reserve(now, slowdown)
        }
    }

    /// A CreateDeployment whose create slot has come: the time it may really go, after its
    /// account slot and one create spacing (at the slowdown of now) after the previous create
    /// really went. Decided now and not when the slot was reserved, for three reasons: creates
    /// queue seconds ahead, and an account slot reserved at a create's future time would move
    /// the account queue past it and hold every other call (the polls for DEPLOYED, the probes
    /// of a throttle) until the last queued create; a slowdown fixed for the whole queue at the
    /// moment it formed would outlast the throttles that caused it; and spacing from the
    /// previous send rather than from its slot keeps a create that went late (held by the
    /// account queue, or its task scheduled late) from landing inside one interval of the next.
    pub fn create_goes(&self) -> Instant {
        let now = Instant::now();
        if !self.limits.enabled {
            return now;
        }
        let mut s = self.state();
        let spacing = s.create.spacing(s.create.slowdown());
        let account_slowdown = s.account.slowdown();
        let mut at = s.account.reserve(now, account_slowdown);
        if let Some(previous) = s.last_create {
            at = at.max(previous + spacing);
        }
        s.last_create = Some(at);
        // Creates reserved from now on queue after this one's real time.
        s.create.tat = s.create.tat.max(at + spacing);
        at
    }

    /// The quota this limiter paces to.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Whether calls are paced at all (`rateLimiting`).
    pub fn enabled(&self) -> bool {
        self.limits.enabled
    }

    /// AWS throttled a call anyway (a CreateDeployment, or another call): the refused share of
    /// that call's quota grows.
    pub fn throttled(&self, create_deployment: bool) {
        if self.limits.enabled {
            let mut s = self.state();
            if create_deployment {
                s.create.outcome(1.0)
            } else {
                s.account.outcome(1.0)
            }
        }
    }

    /// A call went through: the refused share of each quota it passed shrinks, back toward the
    /// published pace. A CreateDeployment passed both.
    pub fn succeeded(&self, create_deployment: bool) {
        if self.limits.enabled {
            let mut s = self.state();
            s.account.outcome(0.0);
            if create_deployment {
                s.create.outcome(0.0);
            }
        }
    }

    /// The slowdown of the account quota and of the create quota.
    pub fn slowdown(&self) -> (f64, f64) {
        let s = self.state();
        (s.account.slowdown(), s.create.slowdown())
    }
}

/// The limiter for `key` (credentials, region, endpoint), created on first use and shared after.
pub fn shared(key: &str, limits: Limits) -> Arc<Limiter> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Arc<Limiter>>>> = OnceLock::new();
    let mut map = REGISTRY.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
    let entry = map
        .entry(format!("{key}|{limits:?}"))
        .or_insert_with(|| Arc::new(Limiter::new(limits)));
    Arc::clone(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(d: Duration) -> u128 {
        d.as_millis()
    }

    /// A limiter at `calls_per_second` (burst `burst`) and one create every `create_ms`.
    fn paced(calls_per_second: f64, burst: u32, create_ms: u64) -> Limiter {
        Limiter::new(Limits {
            calls_per_second,
            burst,
            create_interval: Duration::from_millis(create_ms),
            enabled: true,
        })
    }

    /// The account quota admits its burst (less the cushion) at once, then paces at the rate (plus the margin).
    #[tokio::test(start_paused = true)]
    async fn burst_then_rate() {
        let l = paced(10.0, 4, 5000);
        let start = Instant::now();
        let slots: Vec<u128> = (0..6).map(|_| ms(l.reserve(false) - start)).collect();
        // A burst of 4 keeps one token in AWS's bucket as a cushion against jitter.
        assert_eq!(slots, vec![0, 0, 0, 103, 206, 309]);
    }

    /// A create held back by a busy account queue spaces the next create from when it really
    /// goes out, not from the slot it was given.
    #[tokio::test(start_paused = true)]
    async fn creates_spaced_from_real_send() {
        let l = paced(10.0, 4, 500);
        let start = Instant::now();
        assert_eq!(l.reserve(true), start, "the first create slot is now");
        for _ in 0..10 {
            l.reserve(false);
        }
        let first = ms(l.create_goes() - start);
        assert!(first >= 700, "the first create waits for the account queue: {first}");
        let second_slot = ms(l.reserve(true) - start);
        assert!(second_slot >= first + 515, "the queue moved with the held create: {second_slot}");
        tokio::time::sleep_until(start + Duration::from_millis(second_slot as u64)).await;
        let second = ms(l.create_goes() - start);
        assert!(second - first >= 515, "creates {first} and {second} closer than the interval");
    }

    /// Creates queued seconds ahead take no account slot until they go: calls in between are
    /// not held behind the last queued create.
    #[tokio::test(start_paused = true)]
    async fn queued_creates_do_not_hold_other_calls() {
        let l = paced(10.0, 4, 500);
        let start = Instant::now();
        let slots: Vec<u128> = (0..12).map(|_| ms(l.reserve(true) - start)).collect();
        assert!(slots[11] >= 11 * 515, "{slots:?}");
        let calls: Vec<u128> = (0..6).map(|_| ms(l.reserve(false) - start)).collect();
        assert!(calls.iter().all(|c| *c < 500), "other calls keep the account pace: {calls:?}");
    }

    /// A create whose task went late is still one spacing before the next one goes, even when
    /// the next one's slot has come.
    #[tokio::test(start_paused = true)]
    async fn a_late_create_pushes_the_next() {
        let l = paced(1000.0, 40, 500);
        let start = Instant::now();
        let a = l.reserve(true);
        let b = l.reserve(true);
        // The first create's task wakes 100 ms after its slot.
        tokio::time::sleep_until(a + Duration::from_millis(100)).await;
        let a_went = l.create_goes();
        tokio::time::sleep_until(b).await;
        let b_went = l.create_goes();
        assert!(ms(b_went - a_went) >= 515, "{} then {}", ms(a_went - start), ms(b_went - start));
    }

    /// CreateDeployment slots are one interval apart, whatever the burst of the account quota.
    #[tokio::test(start_paused = true)]
    async fn creates_are_spaced() {
        let l = paced(1000.0, 40, 50);
        let start = Instant::now();
        let slots: Vec<u128> = (0..4).map(|_| ms(l.reserve(true) - start)).collect();
        assert_eq!(slots, vec![0, 54, 109, 163]);
    }

    /// A run of throttles stretches the pace to its bound; successes bring it back to 1.
    #[tokio::test(start_paused = true)]
    async fn throttles_slow_down_and_recover() {
        let l = Limiter::new(Limits::default());
        for _ in 0..30 {
            l.throttled(false);
        }
        assert_eq!(l.slowdown(), (MAX_SLOWDOWN, 1.0), "refused polls do not slow the creates");
        for _ in 0..50 {
            l.succeeded(false);
        }
        assert_eq!(l.slowdown(), (1.0, 1.0));
    }

    /// Refused creates slow the creates and not the account's other calls; a create that went
    /// through brings both quotas back.
    #[tokio::test(start_paused = true)]
    async fn each_quota_has_its_own_slowdown() {
        let l = Limiter::new(Limits {
            create_interval: Duration::from_millis(500),
            ..Limits::default()
        });
        for _ in 0..5 {
            l.throttled(true);
        }
        let (account, create) = l.slowdown();
        assert_eq!(account, 1.0);
        assert!(create > 1.5, "{create}");
        let start = Instant::now();
        let first = l.create_goes();
        let second = l.create_goes();
        assert!(second - first >= Duration::from_millis(500).mul_f64(create), "{:?}", second - first);
        assert!(ms(l.reserve(false) - start) < 10, "other calls are not held");
        for _ in 0..50 {
            l.succeeded(true);
        }
        assert_eq!(l.slowdown(), (1.0, 1.0));
    }

    /// A steady share of throttles stretches the pace by about 1 / (1 - share): three in ten
    /// refused (a fault storm, or another client taking that share) cost about 1.4x, never the
    /// cap; half refused about 2x.
    #[tokio::test(start_paused = true)]
    async fn a_steady_share_of_throttles_costs_that_share() {
        for (every, expected) in [(10, 1.43), (2, 2.0)] {
            let l = Limiter::new(Limits::default());
            let refused = if every == 10 { 3 } else { 1 };
            let mut seen = Vec::new();
            for round in 0..40 {
                for call in 0..every {
                    if call < refused { l.throttled(false) } else { l.succeeded(false) }
                }
                if round >= 20 {
                    seen.push(l.slowdown().0);
                }
            }
            let mean = seen.iter().sum::<f64>() / seen.len() as f64;
            assert!(
                (mean - expected).abs() < 0.25,
                "{refused} in {every} refused: mean slowdown {mean:.2}, seen {seen:?}"
            );
            assert!(seen.iter().all(|s| *s < MAX_SLOWDOWN), "{seen:?}");
        }
    }

    /// Switched off, every call may go at once.
    #[tokio::test(start_paused = true)]
    async fn disabled_never_waits() {
        let l = Limiter::new(Limits {
            enabled: false,
            ..Limits::default()
        });
        let now = Instant::now();
        assert!((0..100).all(|_| l.reserve(true) <= now));
    }
}
