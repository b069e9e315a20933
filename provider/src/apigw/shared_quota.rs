//! One CreateDeployment quota shared by every provider process of an account and region,
//! through a DynamoDB table (`quotaTable`). AWS allows one CreateDeployment every 5 s per account
//! and region, whoever calls; [`super::limiter`] keeps one process inside that, this keeps many.
//!
//! The table holds one item per (account, region, operation), key `pk`. A process reserves the
//! next slot with an optimistic write (condition: the item's `seq` is the one it read), then
//! sleeps until the slot and calls. Nothing is held between calls, so a process killed at any
//! point leaves at most one unused slot behind, never a lock. The slot named in the item must be
//! the one the call uses, so it is claimed two write round trips ahead, and a write that returns
//! after its slot gives that slot up (the next follows it, one interval later).
//! Measured on a debug build against moto: a write took up to 57 ms, longer than the
//! margins of a slot, and a slot claimed for "now" then went out that much late.
//!
//! The management-call rate (10 a second, burst 40) is not shared: measured with four processes,
//! reserving it in the table (in blocks of ten calls) cost 4.4 table calls per deployment and
//! stretched the run to 1.48x the floor, since every sparse call waited for a table round trip;
//! while one process's concurrent deployments of an API share one read of its configuration
//! (see [`super::api_config`]), a fleet's calls stay inside the account's burst without it.
//!
//! Clocks: the item records when its writer will call in two ways, as an absolute time in the
//! writer's clock (`slot`) and as a duration from the write (`wait`). A reader computes the next
//! free slot from both and takes the earlier one:
//! - `read time + wait + interval` is right whatever the clocks say: the writer wrote before the
//!   reader read, so it calls at most `wait` after the read. It is late by the time between the
//!   write and the read, which is small while processes contend, exactly when it matters.
//! - `slot + interval + SKEW_TOLERANCE`, in the reader's clock, is right while the two clocks
//!   differ by at most [`SKEW_TOLERANCE`]; it keeps an old item from delaying anyone.
//!
//! A skew beyond the tolerance can only make a process call early after a quiet spell: AWS then
//! answers 429, and the call is retried like any throttled call.
//!
//! Cost: a process whose own write is still the latest follows its own slot exactly, without a
//! read; a write refused for a newer one returns that one (no read either). Measured with four
//! processes: about 2.7 table calls per CreateDeployment.
//!
//! When the table cannot be reached (after the SDK's retries, which also absorb its throttling),
//! the process paces locally, says so once through the engine, and tries the table again later:
//! the table never fails a deployment by itself.

use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

use crate::engine::EngineLog;
use crate::error::AwsError;

/// The most two processes' clocks may differ for the absolute bound to be used safely.
pub const SKEW_TOLERANCE: Duration = Duration::from_secs(2);
/// Added to each shared slot: two processes (on two machines) are scheduled apart, and one that
/// sends a few milliseconds late must not land inside the next process's interval.
const CROSS_PROCESS_SLACK: Duration = Duration::from_millis(20);
/// How long a process paces locally after the table failed, before trying it again.
const RETRY_TABLE_AFTER: Duration = Duration::from_secs(30);
/// Conflicting writes tolerated for one reservation before pacing locally for it.
const MAX_CONFLICTS: u32 = 200;
/// A slot is claimed at least this many table round trips ahead: the create can only go once
/// the write that claims it has returned, and a slot that passed meanwhile is not kept.
const LEAD_ROUND_TRIPS: u32 = 2;
/// The round trip assumed before the first write has been timed.
const FIRST_ROUND_TRIP: Duration = Duration::from_millis(50);
/// How late after its slot a create may still go: a small share of [`CROSS_PROCESS_SLACK`],
/// which the next process's slot keeps free for exactly such lateness.
const LATE_TOLERANCE: Duration = Duration::from_millis(5);
/// Makes this process's clock read wrong by this many milliseconds; for the test of skew only.
pub const TEST_CLOCK_SKEW_ENV: &str = "PULUMI_AWS_APIGATEWAYV2_TEST_CLOCK_SKEW_MS";

/// The key schema the table must have.
pub const KEY: &str = "pk";

/// The command that creates a suitable table.
pub fn create_table_command(table: &str, region: &str) -> String {
    format!(
        "aws dynamodb create-table --region {region} --table-name {table} \
         --attribute-definitions AttributeName={KEY},AttributeType=S --key-schema AttributeName={KEY},KeyType=HASH \
         --billing-mode PAY_PER_REQUEST"
    )
}

/// The table and item a process shares its quota through.
#[derive(Debug, Clone)]
pub struct TableSettings {
    pub client: aws_sdk_dynamodb::Client,
    pub table: String,
    /// `<account>#<region>#CreateDeployment`.
    pub key: String,
}

impl TableSettings {
    /// The client of `table` (in `table_region`, through `endpoint` when overridden) and the item
    /// of `account` and `region`, once the table is found fit.
    pub async fn connect(
        sdk_config: &aws_config::SdkConfig,
        http: Option<SharedHttpClient>,
        table: &str,
        table_region: &str,
        endpoint: Option<&str>,
        account: &str,
        region: &str,
    ) -> Result<Self, String> {
        // Short timeouts and a few retries: a table that does not answer soon is paced around
        // (see the module's doc), not waited for.
        let mut b = aws_sdk_dynamodb::config::Builder::from(sdk_config)
            .region(aws_config::Region::new(table_region.to_string()))
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(4))
            .timeout_config(
                aws_config::timeout::TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(2))
                    .operation_attempt_timeout(Duration::from_secs(3))
                    .build(),
            );
        // Unset, this also drops the API Gateway endpoint the shared configuration carries.
        b.set_endpoint_url(endpoint.map(str::to_string));
        if let Some(h) = http {
            b = b.http_client(h);
        }
        let client = aws_sdk_dynamodb::Client::from_conf(b.build());
        check_table(&client, table, table_region).await?;
        Ok(TableSettings {
            client,
            table: table.to_string(),
            key: item_key(account, region),
        })
    }

    /// The same table, the item of `account` in `region` (each region has its own quota).
    pub fn in_region(&self, account: &str, region: &str) -> Self {
        Self {
            client: self.client.clone(),
            table: self.table.clone(),
            key: item_key(account, region),
        }
    }
}

fn item_key(account: &str, region: &str) -> String {
    format!("{account}#{region}#CreateDeployment")
}

/// Checks at Configure that the table exists with the right key, so a typo fails at once with
/// the command that creates it.
async fn check_table(client: &aws_sdk_dynamodb::Client, table: &str, region: &str) -> Result<(), String> {
    let described = client.describe_table().table_name(table).send().await;
    let out = match described {
        Ok(out) => out,
        Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => {
            return Err(format!(
                "quotaTable: the DynamoDB table {table} does not exist in {region}. Create it with:\n  {}",
                create_table_command(table, region)
            ));
        }
        Err(e) => {
            return Err(format!(
                "quotaTable: cannot read the DynamoDB table {table} in {region}: {}",
                AwsError::from_sdk_ref(&e)
            ));
        }
    };
    let schema = out.table().map(|t| t.key_schema()).unwrap_or_default();
    let hash_is_pk = schema
        .iter()
        .any(|k| k.attribute_name() == KEY && k.key_type() == &aws_sdk_dynamodb::types::KeyType::Hash);
    if !hash_is_pk || schema.len() != 1 {
        return Err(format!(
            "quotaTable: the DynamoDB table {table} must have the single (hash) key {KEY} of type string, as made by:\n  {}",
            create_table_command(table, region)
        ));
    }
    Ok(())
}

/// What the item says about the last reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Item {
    seq: u64,
    /// When its writer calls, in the writer's clock (ms since the epoch).
    slot_ms: u64,
    /// How long after its write the writer calls.
    wait_ms: u64,
}

enum PutError {
    /// Another process wrote first; its item, when the table sent it back.
    Conflict(Option<Item>),
    Other(String),
}

fn parse_item(key: &str, attrs: &HashMap<String, AttributeValue>) -> Result<Item, String> {
    let num = |name: &str| -> Result<u64, String> {
        match attrs.get(name) {
            Some(AttributeValue::N(n)) => n.parse().map_err(|_| format!("the item's {name} is not a number: {n}")),
            _ => Err(format!("the item {key} has no number {name}")),
        }
    };
    Ok(Item {
        seq: num("seq")?,
        slot_ms: num("slot")?,
        wait_ms: num("wait")?,
    })
}

/// The next free slot, from the last reservation read at `read_at` (our clock: `read_epoch_ms`).
fn earliest_after(item: Option<Item>, spacing: Duration, read_at: Instant, read_epoch_ms: u64) -> Instant {
    let Some(item) = item else { return read_at };
    let relative = read_at + Duration::from_millis(item.wait_ms) + spacing;
    let absolute_ms = item.slot_ms + spacing.as_millis() as u64 + SKEW_TOLERANCE.as_millis() as u64;
    let absolute = read_at + Duration::from_millis(absolute_ms.saturating_sub(read_epoch_ms));
    relative.min(absolute)
}

/// The shared pacing of one process.
pub struct SharedQuota {
    table: TableSettings,
    /// A slot's width: AWS's interval with the local limiter's margins and [`CROSS_PROCESS_SLACK`].
    spacing: Duration,
    /// One reservation in flight per process: its own creates queue here, not on the table.
    turn: tokio::sync::Mutex<()>,
    /// What this process last wrote, and the slot it stands for.
    last: Mutex<Option<(Item, Instant)>>,
    /// The slowest of the recent table writes' round trips (decaying), for the lead of a slot.
    round_trip: Mutex<Duration>,
    owner: String,
    down_until: Mutex<Option<Instant>>,
    warned: AtomicBool,
    engine: EngineLog,
    skew_ms: i64,
}

impl std::fmt::Debug for SharedQuota {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedQuota")
            .field("table", &self.table.table)
            .field("key", &self.table.key)
            .finish()
    }
}

impl SharedQuota {
    pub fn new(table: TableSettings, spacing: Duration, engine: EngineLog) -> Self {
        let skew_ms = std::env::var(TEST_CLOCK_SKEW_ENV).ok().and_then(|v| v.parse().ok()).unwrap_or(0);
        Self {
            table,
            spacing: spacing + CROSS_PROCESS_SLACK,
            turn: tokio::sync::Mutex::new(()),
            last: Mutex::new(None),
            round_trip: Mutex::new(FIRST_ROUND_TRIP),
            owner: format!("pid {}", std::process::id()),
            down_until: Mutex::new(None),
            warned: AtomicBool::new(false),
            engine,
            skew_ms,
        }
    }

    fn epoch_ms(&self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        (now + self.skew_ms).max(0) as u64
    }

    /// Whether the table is to be used now (not in the pause after a failure).
    pub fn available(&self) -> bool {
        let mut down = self.down_until.lock().unwrap_or_else(|p| p.into_inner());
        match *down {
            Some(until) if Instant::now() < until => false,
            Some(_) => {
                *down = None;
                true
            }
            None => true,
        }
    }

    /// The table failed: pace locally for a while, and tell the user the first time.
    pub async fn fall_back(&self, why: &str) {
        *self.down_until.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now() + RETRY_TABLE_AFTER);
        tracing::warn!("quotaTable unavailable: {why}");
        if !self.warned.swap(true, Ordering::SeqCst) {
            let message = format!(
                "quotaTable {}: {why}. This process paces CreateDeployment alone until the table answers again; \
                 other processes on the account may then cause throttling, which is retried.",
                self.table.table
            );
            self.engine.warn("", &message).await;
        }
    }

    /// Reserves the first shared slot at or after `earliest` and returns it; the caller sleeps
    /// until then and calls. An error means the table could not be used for this call.
    pub async fn reserve(&self, earliest: Instant) -> Result<Instant, String> {
        let _turn = self.turn.lock().await;
        // First guess: this process wrote the item last, so its own slot is the one to follow
        // and no read is needed; a wrong guess costs nothing, the refusal returns the winner.
        let mut guess = *self.last.lock().unwrap_or_else(|p| p.into_inner());
        let mut known: Option<Option<Item>> = None;
        for _ in 0..MAX_CONFLICTS {
            let (item, after) = match (guess.take(), known.take()) {
                (Some((own, own_slot)), _) => (Some(own), own_slot + self.spacing),
                (None, Some(item)) => (item, self.after(item)),
                (None, None) => {
                    let item = self.get().await?;
                    (item, self.after(item))
                }
            };
            let (send_at, send_epoch) = (Instant::now(), self.epoch_ms());
            // The item tells others when this process calls; a slot the write itself outlasts
            // would make that a lie (the call goes when the write returns), so claim one ahead.
            let lead = *self.round_trip.lock().unwrap_or_else(|p| p.into_inner()) * LEAD_ROUND_TRIPS;
            let slot = earliest.max(after).max(send_at + lead);
            // Rounded up: a reader must never think this reservation starts sooner than it does.
            let wait = slot.saturating_duration_since(send_at);
            let wait_ms = wait.as_micros().div_ceil(1000) as u64;
            let next = Item {
                seq: item.map_or(1, |i| i.seq + 1),
                slot_ms: send_epoch + wait_ms,
                wait_ms,
            };
            let written = self.put(item.map(|i| i.seq), next).await;
            self.timed_write(send_at.elapsed());
            match written {
                Ok(()) => {
                    *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some((next, slot));
                    if Instant::now() > slot + LATE_TOLERANCE {
                        // Missed (a slow write): the claimed slot stays unused, which only delays
                        // others, and the next one follows it without a read.
                        tracing::debug!(seq = next.seq, "a slow table write missed its slot; reserving the next");
                        guess = Some((next, slot));
                        continue;
                    }
                    tracing::debug!(
                        seq = next.seq,
                        after_ms = after.saturating_duration_since(Instant::now()).as_millis() as u64,
                        wait_ms,
                        read = ?item,
                        "reserved a shared create slot"
                    );
                    return Ok(slot);
                }
                Err(PutError::Conflict(winner)) => known = winner.map(Some),
                Err(PutError::Other(e)) => return Err(e),
            }
        }
        Err(format!("{MAX_CONFLICTS} conflicting writes in a row"))
    }

    /// Keeps the slowest recent write's round trip; older ones fade so one stall is forgotten.
    fn timed_write(&self, took: Duration) {
        let mut rt = self.round_trip.lock().unwrap_or_else(|p| p.into_inner());
        *rt = took.max(rt.mul_f64(0.8)).min(Duration::from_secs(1));
    }

    /// The next free slot after another process's reservation, read just now.
    fn after(&self, item: Option<Item>) -> Instant {
        earliest_after(item, self.spacing, Instant::now(), self.epoch_ms())
    }

    async fn get(&self) -> Result<Option<Item>, String> {
        let key = self.table.key.as_str();
        let out = self
            .table
            .client
            .get_item()
            .table_name(&self.table.table)
            .key(KEY, AttributeValue::S(key.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| format!("GetItem failed: {}", AwsError::from_sdk_ref(&e)))?;
        out.item().map(|attrs| parse_item(key, attrs)).transpose()
    }

    async fn put(&self, expected_seq: Option<u64>, item: Item) -> Result<(), PutError> {
        let key = self.table.key.as_str();
        let n = |v: u64| AttributeValue::N(v.to_string());
        let attrs: HashMap<String, AttributeValue> = [
            (KEY, AttributeValue::S(key.to_string())),
            ("seq", n(item.seq)),
            ("slot", n(item.slot_ms)),
            ("wait", n(item.wait_ms)),
            ("owner", AttributeValue::S(self.owner.clone())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        // A refused write sends back the item that won, saving the read before the next try.
        let mut put = self
            .table
            .client
            .put_item()
            .table_name(&self.table.table)
            .set_item(Some(attrs))
            .return_values_on_condition_check_failure(aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld);
        put = match expected_seq {
            None => put.condition_expression(format!("attribute_not_exists({KEY})")),
            Some(seq) => put
                .condition_expression("#seq = :seq")
                .expression_attribute_names("#seq", "seq")
                .expression_attribute_values(":seq", n(seq)),
        };
        match put.send().await {
            Ok(_) => Ok(()),
            Err(aws_sdk_dynamodb::error::SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                let winner = match e.err() {
                    aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(c) => {
                        c.item().and_then(|attrs| parse_item(key, attrs).ok())
                    }
                    _ => None,
                };
                Err(PutError::Conflict(winner))
            }
            Err(e) => Err(PutError::Other(format!("PutItem failed: {}", AwsError::from_sdk_ref(&e)))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPACING: Duration = Duration::from_millis(500);

    /// Each region has its own quota, so its own item of the one table.
    #[test]
    fn one_item_per_account_and_region() {
        let conf = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .build();
        let home = TableSettings {
            client: aws_sdk_dynamodb::Client::from_conf(conf),
            table: "quota".into(),
            key: item_key("111111111111", "us-east-1"),
        };
        let west = home.in_region("111111111111", "eu-west-1");
        assert_eq!(
            (west.table.as_str(), west.key.as_str()),
            ("quota", "111111111111#eu-west-1#CreateDeployment")
        );
        assert_eq!(home.key, "111111111111#us-east-1#CreateDeployment");
    }

    /// Without an item the slot is now; under contention the relative bound (read + wait +
    /// interval) decides, whatever the writer's clock said.
    #[tokio::test(start_paused = true)]
    async fn contended_slots_follow_the_writer() {
        let now = Instant::now();
        assert_eq!(earliest_after(None, SPACING, now, 1_000_000), now);
        // The writer calls 300 ms after its write; its clock is 1 s ahead of ours.
        let item = Item {
            seq: 7,
            slot_ms: 1_000_000 + 1_000 + 300,
            wait_ms: 300,
        };
        let at = earliest_after(Some(item), SPACING, now, 1_000_000);
        assert_eq!(at - now, Duration::from_millis(800));
        // The same with the writer's clock 1 s behind ours.
        let item = Item {
            slot_ms: 1_000_000 - 1_000 + 300,
            ..item
        };
        assert_eq!(
            earliest_after(Some(item), SPACING, now, 1_000_000) - now,
            Duration::from_millis(800)
        );
    }

    /// An old item (its slot long past in any clock within the tolerance) delays nobody.
    #[tokio::test(start_paused = true)]
    async fn stale_items_do_not_delay() {
        let now = Instant::now();
        let item = Item {
            seq: 1,
            slot_ms: 1_000_000 - 60_000,
            wait_ms: 4_000,
        };
        assert_eq!(earliest_after(Some(item), SPACING, now, 1_000_000), now);
    }

    /// The command in the Configure error creates the table the check accepts.
    #[test]
    fn create_command_names_the_key() {
        let c = create_table_command("deploy-quota", "eu-west-1");
        assert!(
            c.contains("--table-name deploy-quota") && c.contains("AttributeName=pk,KeyType=HASH"),
            "{c}"
        );
    }
}
