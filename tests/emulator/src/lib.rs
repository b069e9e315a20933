//! A local Amazon API Gateway v2 management API that speaks AWS's REST-JSON wire protocol, so the
//! unmodified AWS SDKs, boto3 and the AWS CLI can be pointed at it with an endpoint override.
//!
//! Modules:
//! - [`model`]: APIs, stages, deployments and the operations on them (no HTTP).
//! - [`objects`]: routes, integrations, authorizers, models, route and integration responses.
//! - [`http`]: routing of AWS paths, SigV4 checks, faults, quotas, AWS-shaped errors, admin calls.
//! - [`sigv4`]: signature verification written from the published algorithm.
//! - [`sts`]: STS AssumeRole, AssumeRoleWithWebIdentity and GetCallerIdentity over AWS's query
//!   protocol, issuing temporary credentials that SigV4 then accepts until they expire.
//! - [`quota`]: AWS's published quotas as token buckets per account and region.
//! - [`faults`]: fault-injection rules (error statuses, dropped connections, latency).
//!
//! This crate root holds [`Emulator`], the shared handle that tests drive directly and that the
//! admin endpoints drive over HTTP.

pub mod faults;
pub mod http;
pub mod model;
pub mod objects;
pub mod quota;
pub mod sigv4;
pub mod sts;

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;

use faults::{FaultKind, FaultRule, Faults};
use model::{Ctx, State};
use quota::{Limit, Quotas};
use sigv4::{Caller, Principal};

/// The access key the emulator accepts when none is configured.
pub const DEFAULT_ACCESS_KEY: &str = "AKIAEMULATOR000000001";
/// The secret of [`DEFAULT_ACCESS_KEY`].
pub const DEFAULT_SECRET_KEY: &str = "emulator/secret/access/key/000000000000";
/// The account of [`DEFAULT_ACCESS_KEY`].
pub const DEFAULT_ACCOUNT: &str = "111111111111";

/// A role that STS lets callers assume.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleConfig {
    /// `arn:aws:iam::<account>:role/<name>`: the account the sessions work in.
    pub role_arn: String,
    /// When set, AssumeRole must send exactly this ExternalId.
    #[serde(default)]
    pub external_id: Option<String>,
    /// When set, AssumeRoleWithWebIdentity accepts tokens whose `iss` is this issuer.
    #[serde(default)]
    pub web_identity_issuer: Option<String>,
}

impl RoleConfig {
    /// `ARN[,external-id=X][,issuer=URL]`, the command line's form.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut parts = spec.split(',');
        let role_arn = parts.next().unwrap_or_default().to_string();
        if sts::account_of_role(&role_arn).is_none() {
            return Err(format!("--role: {role_arn:?} is not arn:aws:iam::<12 digits>:role/<name>"));
        }
        let mut role = RoleConfig {
            role_arn,
            external_id: None,
            web_identity_issuer: None,
        };
        for part in parts {
            match part.split_once('=') {
                Some(("external-id", v)) => role.external_id = Some(v.to_string()),
                Some(("issuer", v)) => role.web_identity_issuer = Some(v.to_string()),
                _ => return Err(format!("--role: unknown option {part:?} (external-id=..., issuer=...)")),
            }
        }
        Ok(role)
    }
}

/// How the emulator behaves; every field can be set from the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Access key id and secret pairs accepted for SigV4.
    pub credentials: Vec<(String, String)>,
    /// The account of an access key; keys not named here are each an account of their own
    /// ([`DEFAULT_ACCESS_KEY`]'s is [`DEFAULT_ACCOUNT`]).
    pub key_accounts: Vec<(String, String)>,
    /// Roles STS lets callers assume.
    pub roles: Vec<RoleConfig>,
    /// How long credentials that STS issues live, whatever was asked (tests of renewal); the
    /// requested DurationSeconds when unset.
    pub session_lifetime: Option<Duration>,
    /// Multiplies every delay and quota window: 0.01 runs 100 times faster than AWS.
    pub time_scale: f64,
    /// How long a new deployment stays PENDING, before scaling.
    pub deploy_delay: Duration,
    /// Enforce AWS's quotas (429 TooManyRequestsException beyond them).
    pub quotas: bool,
    /// Refuse DeleteDeployment while a stage points at the deployment (see the reference notes).
    pub refuse_delete_while_staged: bool,
    /// Refuse CreateDeployment naming a stage with autoDeploy, as UpdateStage is refused.
    pub refuse_deploy_to_auto_stage: bool,
    /// Where state is kept across restarts; in memory only when absent.
    pub state_file: Option<PathBuf>,
    /// The region of admin calls and helpers that name none (each region keeps its own APIs, as
    /// AWS does: the SigV4 scope's region picks them).
    pub region: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            credentials: vec![(DEFAULT_ACCESS_KEY.into(), DEFAULT_SECRET_KEY.into())],
            key_accounts: Vec::new(),
            roles: Vec::new(),
            session_lifetime: None,
            time_scale: 1.0,
            deploy_delay: Duration::from_secs(2),
            quotas: true,
            refuse_delete_while_staged: true,
            refuse_deploy_to_auto_stage: true,
            state_file: None,
            region: "us-east-1".into(),
        }
    }
}

struct Inner {
    settings: Settings,
    /// Each region's objects: an API of us-east-1 is not found from eu-west-1.
    regions: BTreeMap<String, State>,
    quotas: Quotas,
    faults: Faults,
    fail_next_deployment: Option<String>,
    /// Responses per operation and HTTP status, for tests that count throttles or calls.
    stats: BTreeMap<String, BTreeMap<u16, u64>>,
    /// Requests per operation as they arrive, before faults, quotas or the operation itself.
    received: BTreeMap<String, u64>,
    /// Temporary credentials STS issued, by access key.
    sessions: BTreeMap<String, Principal>,
    /// CreateDeployment calls answered 2xx, per account.
    creates_by_account: BTreeMap<String, u64>,
    /// Every CreateDeployment: when it arrived, what it met (`ok`, a quota's `429`, or a fault),
    /// and its description.
    create_timeline: Vec<(Instant, &'static str, String)>,
    /// 429s the quotas answered (not injected faults), per limit: "Account", "CreateDeployment".
    quota_refusals: BTreeMap<String, u64>,
}

/// A cheaply cloned handle to one emulator's state.
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Mutex<Inner>>,
}

/// An emulator serving in the background; dropped or [`RunningEmulator::stop`]ped, it stops.
pub struct RunningEmulator {
    pub emulator: Emulator,
    pub addr: SocketAddr,
    pub url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl RunningEmulator {
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(t) => t.await.unwrap_or(Ok(())),
            None => Ok(()),
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn random_id(len: usize) -> String {
    (0..len).map(|_| fastrand::alphanumeric().to_ascii_lowercase()).collect()
}

impl Emulator {
    /// Builds an emulator, loading the state file when one is named and exists.
    pub fn new(settings: Settings) -> std::io::Result<Self> {
        let regions = match &settings.state_file {
            Some(path) if path.exists() => {
                let text = std::fs::read_to_string(path)?;
                let saved: Saved = serde_json::from_str(&text)
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("state file {}: {e}", path.display())))?;
                saved.into_regions(&settings.region)
            }
            _ => BTreeMap::new(),
        };
        Ok(Self {
            inner: Arc::new(Mutex::new(Inner {
                quotas: Quotas::new(settings.time_scale),
                settings,
                regions,
                faults: Faults::default(),
                fail_next_deployment: None,
                stats: BTreeMap::new(),
                received: BTreeMap::new(),
                sessions: BTreeMap::new(),
                creates_by_account: BTreeMap::new(),
                create_timeline: Vec::new(),
                quota_refusals: BTreeMap::new(),
            })),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Serves on `listener` until `shutdown` completes.
    pub async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        axum::serve(listener, http::router(self)).with_graceful_shutdown(shutdown).await
    }

    /// Serves on `listener` in a background task.
    pub fn spawn(self, listener: TcpListener) -> std::io::Result<RunningEmulator> {
        let addr = listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let emulator = self.clone();
        let task = tokio::spawn(self.serve(listener, async move {
            let _ = rx.await;
        }));
        Ok(RunningEmulator {
            emulator,
            addr,
            url: format!("http://{addr}"),
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Who signs with `key`: a configured key, or temporary credentials STS issued.
    pub(crate) fn principal_for(&self, key: &str) -> Option<Principal> {
        let inner = self.lock();
        if let Some(p) = inner.sessions.get(key) {
            return Some(p.clone());
        }
        let (_, secret) = inner.settings.credentials.iter().find(|(k, _)| k == key)?;
        let account = account_of_key(&inner.settings, key);
        Some(Principal {
            secret: secret.clone(),
            arn: format!("arn:aws:iam::{account}:user/emulator-{}", key.to_ascii_lowercase()),
            account,
            session_token: None,
            expires: None,
        })
    }

    pub(crate) fn role(&self, role_arn: &str) -> Option<RoleConfig> {
        self.lock().settings.roles.iter().find(|r| r.role_arn == role_arn).cloned()
    }

    /// Lets STS callers assume `role` (replacing a role of the same ARN).
    pub fn add_role(&self, role: RoleConfig) {
        let mut inner = self.lock();
        inner.settings.roles.retain(|r| r.role_arn != role.role_arn);
        inner.settings.roles.push(role);
    }

    /// Credentials STS issues from now on live this long (None: as requested).
    pub fn set_session_lifetime(&self, lifetime: Option<Duration>) {
        self.lock().settings.session_lifetime = lifetime;
    }

    pub(crate) fn session_lifetime(&self) -> Option<Duration> {
        self.lock().settings.session_lifetime
    }

    pub(crate) fn add_session(&self, key: String, principal: Principal) {
        self.lock().sessions.insert(key, principal);
    }

    /// CreateDeployment calls that succeeded, per account.
    pub fn creates_by_account(&self) -> BTreeMap<String, u64> {
        self.lock().creates_by_account.clone()
    }

    pub(crate) fn count_create(&self, account: &str) {
        *self.lock().creates_by_account.entry(account.to_string()).or_default() += 1;
    }

    /// Counts the arrival of a call, then picks its fault, if any.
    pub(crate) fn pick_fault(&self, operation: &str) -> Option<FaultKind> {
        let mut inner = self.lock();
        *inner.received.entry(operation.to_string()).or_default() += 1;
        inner.faults.pick(operation, fastrand::f64)
    }

    /// How many calls of `operation` have arrived so far (answered or not).
    pub fn received(&self, operation: &str) -> u64 {
        self.lock().received.get(operation).copied().unwrap_or(0)
    }

    pub(crate) fn admit(&self, caller: &Caller, create: Option<&str>, now: Instant) -> Result<(), Limit> {
        let mut inner = self.lock();
        if !inner.settings.quotas {
            return Ok(());
        }
        let verdict = inner.quotas.admit(caller, create.is_some(), now);
        if let Err(limit) = verdict {
            *inner.quota_refusals.entry(format!("{limit:?}")).or_default() += 1;
        }
        if let Some(description) = create {
            let met = if verdict.is_ok() { "ok" } else { "429" };
            inner.create_timeline.push((now, met, description.to_string()));
        }
        verdict
    }

    /// A CreateDeployment that met a fault rule (`met` names it), for [`Emulator::create_timeline`].
    pub(crate) fn note_create_fault(&self, description: &str, met: &'static str) {
        self.lock().create_timeline.push((Instant::now(), met, description.to_string()));
    }

    /// The 429s the quotas answered, per limit ("Account", "CreateDeployment"): unlike
    /// [`Emulator::stats`], these leave out the 429s of fault rules.
    pub fn quota_refusals(&self) -> BTreeMap<String, u64> {
        self.lock().quota_refusals.clone()
    }

    /// Every CreateDeployment, one line each: milliseconds since the first, since the previous,
    /// what it met (`ok`, `429` from the quota, or the fault: `fault 429`, `fault 500`, `reset`,
    /// `ok, reset after`), and the deployment's description. A test that finds a 429 prints it,
    /// so the gap that caused it is seen; the bench prints it for a slow storm.
    pub fn create_timeline(&self) -> String {
        let inner = self.lock();
        let Some(first) = inner.create_timeline.first().map(|c| c.0) else {
            return String::new();
        };
        let mut prev = first;
        let mut out = String::new();
        for (at, met, description) in &inner.create_timeline {
            let line = format!(
                "{:>8.1} +{:>7.1} {met:<15} {description}\n",
                (*at - first).as_secs_f64() * 1e3,
                (*at - prev).as_secs_f64() * 1e3,
            );
            out.push_str(&line);
            prev = *at;
        }
        out
    }

    /// Counts the response, then hands it back.
    pub(crate) fn answer(&self, operation: &str, resp: axum::response::Response) -> axum::response::Response {
        let mut inner = self.lock();
        *inner
            .stats
            .entry(operation.to_string())
            .or_default()
            .entry(resp.status().as_u16())
            .or_default() += 1;
        resp
    }

    /// Runs an operation on one region's state (the default region's when `None`); mutations
    /// that succeed are persisted.
    pub(crate) fn with_state<T>(
        &self,
        region: Option<&str>,
        mutates: bool,
        f: impl FnOnce(&mut State, &mut Ctx<'_>) -> Result<T, model::ApiError>,
    ) -> Result<T, model::ApiError> {
        let mut guard = self.lock();
        let inner = &mut *guard;
        let region = region.unwrap_or(&inner.settings.region).to_string();
        let delay_ms = (inner.settings.deploy_delay.as_secs_f64() * inner.settings.time_scale * 1000.0) as u64;
        let mut new_id = random_id;
        let mut ctx = Ctx {
            now_ms: now_ms(),
            deploy_delay_ms: delay_ms,
            region: &region,
            refuse_delete_while_staged: inner.settings.refuse_delete_while_staged,
            refuse_deploy_to_auto_stage: inner.settings.refuse_deploy_to_auto_stage,
            fail_next_deployment: &mut inner.fail_next_deployment,
            new_id: &mut new_id,
        };
        let result = f(inner.regions.entry(region.clone()).or_default(), &mut ctx);
        if mutates
            && result.is_ok()
            && let Some(path) = &inner.settings.state_file
            && let Err(e) = persist(path, &inner.regions)
        {
            tracing::error!("cannot write state file {}: {e}", path.display());
        }
        result
    }

    pub fn add_fault(&self, rule: FaultRule) {
        self.lock().faults.add(rule);
    }

    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// The next deployment created (not an automatic one) ends FAILED with this message.
    pub fn fail_next_deployment(&self, message: &str) {
        self.lock().fail_next_deployment = Some(message.to_string());
    }

    pub fn set_quotas(&self, on: bool) {
        self.lock().settings.quotas = on;
    }

    pub fn set_refuse_delete_while_staged(&self, on: bool) {
        self.lock().settings.refuse_delete_while_staged = on;
    }

    pub fn set_refuse_deploy_to_auto_stage(&self, on: bool) {
        self.lock().settings.refuse_deploy_to_auto_stage = on;
    }

    pub fn set_deploy_delay(&self, delay: Duration) {
        self.lock().settings.deploy_delay = delay;
    }

    /// Responses so far: `{operation: {status: count}}`.
    pub fn stats(&self) -> Value {
        let inner = self.lock();
        json!(
            inner
                .stats
                .iter()
                .map(|(op, by)| (op.clone(), by.iter().map(|(s, n)| (s.to_string(), *n)).collect::<BTreeMap<_, _>>()))
                .collect::<BTreeMap<_, _>>()
        )
    }

    /// How many responses had this status, over all operations.
    pub fn count_status(&self, status: u16) -> u64 {
        self.lock().stats.values().filter_map(|by| by.get(&status)).sum()
    }

    /// Deployment ids of an API of the default region, in creation order (for assertions without
    /// going through HTTP).
    pub fn deployment_ids(&self, api_id: &str) -> Vec<String> {
        let region = self.lock().settings.region.clone();
        self.deployment_ids_in(&region, api_id)
    }

    /// Deployment ids of an API of `region`, in creation order.
    pub fn deployment_ids_in(&self, region: &str, api_id: &str) -> Vec<String> {
        self.lock()
            .regions
            .get(region)
            .and_then(|st| st.apis.get(api_id))
            .map(|a| a.deployments.iter().map(|d| d.deployment_id.clone()).collect())
            .unwrap_or_default()
    }

    /// What stage `stage` of `api_id` (default region) serves: `{deploymentId, routeKeys,
    /// snapshot}` (the admin endpoint's answer), or the AWS error as `{error}`.
    pub fn serving(&self, api_id: &str, stage: &str) -> Value {
        match self.with_state(None, false, |st, _| st.serving(api_id, stage)) {
            Ok((_, v)) => v,
            Err(e) => json!({"error": e.message}),
        }
    }

    /// Forgets every object, fault and counter; quotas start afresh.
    pub fn reset(&self) {
        let mut inner = self.lock();
        inner.regions.clear();
        inner.faults.clear();
        inner.fail_next_deployment = None;
        inner.stats.clear();
        inner.received.clear();
        inner.sessions.clear();
        inner.creates_by_account.clear();
        inner.create_timeline.clear();
        inner.quota_refusals.clear();
        inner.quotas = Quotas::new(inner.settings.time_scale);
    }
}

/// The account of a configured key: named in `key_accounts`, the default key's, or one derived
/// from the key so that unnamed keys are accounts of their own.
fn account_of_key(settings: &Settings, key: &str) -> String {
    if let Some((_, a)) = settings.key_accounts.iter().find(|(k, _)| k == key) {
        return a.clone();
    }
    if key == DEFAULT_ACCESS_KEY {
        return DEFAULT_ACCOUNT.to_string();
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    let n = digest[..8]
        .iter()
        .fold(0u64, |acc, b| acc.wrapping_mul(256).wrapping_add(*b as u64));
    format!("{:012}", n % 1_000_000_000_000)
}

/// The state file: every region's objects, or (files written before regions were kept apart)
/// one region's, taken as the default region's.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Saved {
    Regions { regions: BTreeMap<String, State> },
    OneRegion(State),
}

impl Saved {
    fn into_regions(self, default_region: &str) -> BTreeMap<String, State> {
        match self {
            Saved::Regions { regions } => regions,
            Saved::OneRegion(state) => BTreeMap::from([(default_region.to_string(), state)]),
        }
    }
}

/// Writes the state beside its final name and renames it, so a crash never leaves half a file.
fn persist(path: &std::path::Path, regions: &BTreeMap<String, State>) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&json!({ "regions": regions }))?)?;
    std::fs::rename(&tmp, path)
}
