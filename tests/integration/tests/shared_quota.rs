//! `quotaTable`: provider processes of one account sharing CreateDeployment's quota through a
//! DynamoDB table (moto's server), against the emulator enforcing AWS's quota per account at a
//! 0.1 time scale (one CreateDeployment per 500 ms, whoever calls), or 0.25 (per 1250 ms) where
//! several processes must never be throttled: the margins are a share of the interval, and the
//! jitter of four debug-built processes on two cores does not shrink with the time scale.

use integration_tests::dynamo::{Moto, create_quota_table, start_moto};
use integration_tests::emulator::{DEFAULT_ACCESS_KEY, DEFAULT_ACCOUNT, DEFAULT_SECRET_KEY, RunningEmulator, Settings};
use integration_tests::rpc::{FakeEngine, configure, connect, start_engine};
use integration_tests::*;
use provider::proto::pulumirpc as rpc;
use rpc::resource_provider_client::ResourceProviderClient;
use serde_json::{Value, json};
use std::time::Duration;
use tonic::transport::Channel;

const TABLE: &str = "deploy-quota";
const URN: &str = "urn:pulumi:dev::proj::aws-apigatewayv2:index:Deployment::d";
const SKEW_ENV: &str = "PULUMI_AWS_APIGATEWAYV2_TEST_CLOCK_SKEW_MS";

struct Member {
    process: ProviderProcess,
    rpc: ResourceProviderClient<Channel>,
    engine: FakeEngine,
}

struct Fleet {
    em: RunningEmulator,
    moto: Moto,
    fixture: Fixture,
    interval_ms: u64,
}

/// The time scale of the tests that several processes must pass unthrottled.
const SHARED_SCALE: f64 = 0.25;

async fn fleet() -> Fleet {
    fleet_at(0.1).await
}

/// A fleet against AWS's quotas at `scale`.
async fn fleet_at(scale: f64) -> Fleet {
    let em = start_emulator(Settings {
        time_scale: scale,
        ..fast_settings()
    })
    .await;
    let fixture = fixture(&client(&em.url), "shared").await;
    let moto = start_moto();
    create_quota_table(&moto.url, TABLE).await;
    Fleet {
        em,
        moto,
        fixture,
        interval_ms: (5000.0 * scale) as u64,
    }
}

impl Fleet {
    fn config(&self, table: Option<&str>) -> Value {
        let mut cfg = json!({
            "region": "us-east-1", "accessKey": DEFAULT_ACCESS_KEY, "secretKey": DEFAULT_SECRET_KEY,
            "endpoint": self.em.url, "endpoints": [{"sts": self.em.url, "dynamodb": self.moto.url}],
            "callsPerSecond": 100, "callBurst": 40, "createDeploymentIntervalMs": self.interval_ms, "maxRetries": 25,
        });
        if let Some(t) = table {
            cfg["quotaTable"] = json!(t);
        }
        cfg
    }

    /// A provider process, configured; `Err` is Configure's refusal.
    async fn member(&self, cfg: Value, env: &[(&str, &str)]) -> Result<Member, tonic::Status> {
        let (engine, engine_addr) = start_engine().await;
        let process = ProviderProcess::start(&[&engine_addr], env);
        let mut rpc = connect(process.port).await;
        configure(&mut rpc, Some(&engine_addr), cfg).await?;
        Ok(Member { process, rpc, engine })
    }

    /// `n` Creates in parallel through `m`, as tasks.
    fn creates(&self, m: &Member, n: usize) -> Vec<tokio::task::JoinHandle<Result<String, tonic::Status>>> {
        (0..n)
            .map(|i| {
                let mut rpc = m.rpc.clone();
                let props = to_struct(json!({"apiId": self.fixture.api_id, "description": format!("p{} #{i}", m.process.port)}));
                tokio::spawn(async move {
                    rpc.create(rpc::CreateRequest {
                        urn: URN.into(),
                        properties: Some(props),
                        timeout: 300.0,
                        ..Default::default()
                    })
                    .await
                    .map(|r| r.into_inner().id)
                })
            })
            .collect()
    }

    /// One configured member per entry of `skews` (the test clock skew of each, in ms).
    async fn members(&self, skews: &[&str]) -> Vec<Member> {
        let mut out = vec![];
        for skew in skews {
            out.push(
                self.member(self.config(Some(TABLE)), &[(SKEW_ENV, skew), ("RUST_LOG", "provider=debug")])
                    .await
                    .expect("Configure"),
            );
        }
        out
    }

    fn creates_so_far(&self) -> u64 {
        self.em.emulator.creates_by_account().get(DEFAULT_ACCOUNT).copied().unwrap_or(0)
    }

    /// What a failed assertion prints: the calls per status and every create's timing.
    fn report(&self) -> String {
        self.report_of(&[])
    }

    /// [`Fleet::report`] with what each of `members` warned about.
    fn report_of(&self, members: &[Member]) -> String {
        let mut out = format!(
            "{}\ncreates (ms, gap, verdict, description):\n{}",
            self.em.emulator.stats(),
            self.em.emulator.create_timeline()
        );
        for m in members {
            let warned: Vec<String> = m
                .process
                .stderr_text()
                .lines()
                .filter(|l| l.contains("WARN") || l.contains("shared create slot") || l.contains("CreateDeployment sent"))
                .map(str::to_string)
                .collect();
            out.push_str(&format!("process p{} warned:\n{}\n", m.process.port, warned.join("\n")));
        }
        out
    }

    fn create_429s(&self) -> u64 {
        self.em.emulator.stats()["CreateDeployment"]["429"].as_u64().unwrap_or(0)
    }
}

async fn all_ok(tasks: Vec<tokio::task::JoinHandle<Result<String, tonic::Status>>>) -> usize {
    let mut n = 0;
    for t in tasks {
        t.await.expect("task").expect("every Create succeeds");
        n += 1;
    }
    n
}

/// Four processes creating 8 deployments each, at once, share the one quota: all 32 are
/// created and AWS never answers 429.
#[tokio::test]
async fn four_processes_share_one_quota() {
    let f = fleet_at(SHARED_SCALE).await;
    let members = f.members(&["0"; 4]).await;
    let tasks: Vec<_> = members.iter().flat_map(|m| f.creates(m, 8)).collect();
    assert_eq!(all_ok(tasks).await, 32);
    assert_eq!(f.creates_so_far(), 32);
    assert_eq!(f.em.emulator.count_status(429), 0, "throttled: {}", f.report_of(&members));
}

/// Without the table the same four processes each pace alone and together exceed the quota:
/// the contrast that shows the table is what keeps AWS from throttling.
#[tokio::test]
async fn without_the_table_processes_collide() {
    let f = fleet().await;
    let mut members = vec![];
    for _ in 0..4 {
        members.push(f.member(f.config(None), &[]).await.expect("Configure"));
    }
    let tasks: Vec<_> = members.iter().flat_map(|m| f.creates(m, 2)).collect();
    assert_eq!(all_ok(tasks).await, 8);
    assert!(f.create_429s() > 0, "expected throttling: {}", f.em.emulator.stats());
}

/// A process killed (SIGKILL) mid-run holds nothing: the other three finish all their creates,
/// without throttling.
#[tokio::test]
async fn a_killed_process_leaves_the_others_unblocked() {
    let f = fleet_at(SHARED_SCALE).await;
    let mut members = f.members(&["0"; 4]).await;
    let mut victim = members.remove(0);
    let doomed = f.creates(&victim, 8);
    let tasks: Vec<_> = members.iter().flat_map(|m| f.creates(m, 8)).collect();
    wait_for("a few creates", Duration::from_secs(60), || async {
        (f.creates_so_far() >= 6).then_some(())
    })
    .await;
    victim.process.child.kill().expect("kill -9");
    let _ = victim.process.child.wait();
    assert_eq!(all_ok(tasks).await, 24, "the others all finish");
    for d in doomed {
        let _ = d.await;
    }
    assert_eq!(f.create_429s(), 0, "throttled: {}", f.report());
}

/// Clocks a second off either way (one process ahead, one behind) change nothing: every create
/// is done and none is throttled, since contended slots follow durations, not clock readings.
#[tokio::test]
async fn clocks_a_second_off_are_harmless() {
    let f = fleet_at(SHARED_SCALE).await;
    let members = f.members(&["1000", "-1000", "0", "0"]).await;
    let tasks: Vec<_> = members.iter().flat_map(|m| f.creates(m, 8)).collect();
    assert_eq!(all_ok(tasks).await, 32);
    assert_eq!(f.create_429s(), 0, "throttled: {}", f.report_of(&members));
}

/// A missing table fails Configure with the command that creates it; a table that becomes
/// unreachable mid-run is paced around locally, with one warning, and no Create fails.
#[tokio::test]
async fn missing_and_unreachable_tables() {
    let mut f = fleet().await;
    let refused = f
        .member(f.config(Some("no-such-table")), &[])
        .await
        .err()
        .expect("Configure refuses");
    assert!(
        refused.message().contains("does not exist") && refused.message().contains("aws dynamodb create-table"),
        "{}",
        refused.message()
    );
    assert!(refused.message().contains("--table-name no-such-table"), "{}", refused.message());

    let m = f.member(f.config(Some(TABLE)), &[]).await.expect("Configure");
    assert_eq!(all_ok(f.creates(&m, 2)).await, 2);
    f.moto.kill();
    assert_eq!(all_ok(f.creates(&m, 3)).await, 3, "no Create fails for want of the table");
    let warnings: Vec<String> = m.engine.messages().into_iter().filter(|l| l.contains("quotaTable")).collect();
    assert_eq!(warnings.len(), 1, "one warning: {warnings:?}");
    assert!(warnings[0].contains("paces CreateDeployment alone"), "{}", warnings[0]);
    assert_eq!(f.create_429s(), 0, "throttled: {}", f.report());
}
