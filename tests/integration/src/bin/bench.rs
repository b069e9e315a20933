//! `make bench`: start-up, per-call overhead (from criterion's results), memory and size, bulk
//! deploys at the quota floor with the limiter on and off, `pulumi up` of 30 deployments, Diff
//! following the API, four processes sharing one quota through `quotaTable` (and not), regions in
//! parallel, a preview of deployments following one API, the provider beside a bare tonic floor
//! (src/bin/floor.rs), the `make dist` archives per platform, and `pulumi up` under a fault storm.
//! Prints a table and writes bench/RESULTS.md. Run it from a release build (`make bench` does).

use integration_tests::e2e::Project;
use integration_tests::*;
use provider::proto::pulumirpc as rpc;
use rpc::resource_provider_client::ResourceProviderClient;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write as _};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Row {
    what: String,
    goal: String,
    measured: String,
    met: Option<bool>,
}

/// The rows whose figures the README quotes (see [`fill_figures`]), by the key its spans name.
const PORT_LINE: &str = "start-up: exec to port line (median of 50)";
const IDLE: &str = "RSS idle after Configure";
const BINARY: &str = "stripped release binary";

fn row(rows: &mut Vec<Row>, what: &str, goal: &str, measured: String, met: Option<bool>) {
    // The previous release's run (a child of this bench) tags its lines with its version.
    let tag = std::env::var("BENCH_AS").map(|v| format!("[{v}] ")).unwrap_or_default();
    println!("{tag}{what:<62} {goal:<14} {measured}");
    // Row by row, so a section that fails part-way still hands over the rows it measured.
    if let Ok(out) = std::env::var("BENCH_ROWS_TO") {
        let line = json!({"what": what, "measured": measured}).to_string();
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&out)
            .and_then(|mut f| writeln!(f, "{line}"));
        appended.unwrap_or_else(|e| panic!("{out}: {e}"));
    }
    rows.push(Row {
        what: what.into(),
        goal: goal.into(),
        measured,
        met,
    });
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Where criterion left its estimates: this build's, or the previous release's for its run.
fn criterion_dir() -> PathBuf {
    std::env::var("BENCH_CRITERION_DIR").map_or_else(|_| target_dir().join("criterion"), PathBuf::from)
}

/// The previous release, built by `make bench` from its commit (scripts/prev-release.sh):
/// its version and the target directory holding its release plugin and criterion estimates.
struct Previous {
    version: String,
    target: PathBuf,
}

impl Previous {
    /// From `BENCH_PREVIOUS=VERSION=TARGET_DIR`; None when unset or its plugin is not built
    /// (a shallow clone has not the commit): the table then compares with the replaced file.
    fn from_env() -> Option<Previous> {
        let spec = std::env::var("BENCH_PREVIOUS").ok()?;
        let (version, target) = spec.split_once('=')?;
        let previous = Previous {
            version: version.into(),
            target: PathBuf::from(target),
        };
        if previous.plugin().exists() {
            return Some(previous);
        }
        println!(
            "BENCH_PREVIOUS: {} is not built; comparing with the replaced results file",
            previous.plugin().display()
        );
        None
    }

    fn plugin(&self) -> PathBuf {
        self.target.join("release/pulumi-resource-aws-apigatewayv2")
    }

    /// Section `section` run again by a child of this bench with this release's plugin and
    /// criterion estimates, the same inputs and the same floor: each row's figure by its name,
    /// and how the child ended. A section the release cannot run to its end (a feature it
    /// lacks) fails alone, with the rows it measured before.
    fn measure(&self, section: u32) -> (std::collections::HashMap<String, String>, std::process::ExitStatus) {
        let out = std::env::temp_dir().join(format!("bench-{}-{section}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&out);
        let status = Command::new(std::env::current_exe().unwrap())
            .env("BENCH_ONLY", section.to_string())
            .env("BENCH_AS", &self.version)
            .env("BENCH_ROWS_TO", &out)
            .env("PROVIDER_BINARY", self.plugin())
            .env("BENCH_CRITERION_DIR", self.target.join("criterion"))
            .env_remove("BENCH_PREVIOUS")
            .status()
            .unwrap();
        let rows = std::fs::read_to_string(&out).unwrap_or_default();
        let _ = std::fs::remove_file(&out);
        let figures = rows
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter_map(|r| Some((r["what"].as_str()?.to_string(), r["measured"].as_str()?.to_string())))
            .collect();
        (figures, status)
    }
}

/// `readme` with the figure of each `<!-- bench: KEY -->FIGURE<!-- /bench -->` span set to
/// `figures[KEY]`: the README quotes the latest run, not prose. Keys without a figure keep theirs.
fn fill_figures(readme: &str, figures: &std::collections::HashMap<&str, String>) -> String {
    const OPEN: &str = "<!-- bench: ";
    const CLOSE: &str = "<!-- /bench -->";
    let mut out = String::with_capacity(readme.len());
    let mut rest = readme;
    while let Some(open) = rest.find(OPEN) {
        let after = &rest[open..];
        let Some(figure_at) = after.find(" -->").map(|k| k + " -->".len()) else {
            break;
        };
        let Some(close) = after[figure_at..].find(CLOSE).map(|c| c + figure_at) else {
            break;
        };
        let key = &after[OPEN.len()..figure_at - " -->".len()];
        out.push_str(&rest[..open + figure_at]);
        out.push_str(figures.get(key).map_or(&after[figure_at..close], String::as_str));
        out.push_str(CLOSE);
        rest = &after[close + CLOSE.len()..];
    }
    out.push_str(rest);
    out
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// Exec to port line, and exec to the first Handshake answer, in milliseconds.
async fn startup_once() -> (f64, f64) {
    startup_of(Command::new(provider_binary())).await
}

/// [`startup_once`] of any plugin command (the floor, an archive's binary under an emulator).
async fn startup_of(mut cmd: Command) -> (f64, f64) {
    let t0 = Instant::now();
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let port_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let mut client = ResourceProviderClient::connect(format!("http://127.0.0.1:{}", line.trim()))
        .await
        .unwrap();
    client.handshake(rpc::ProviderHandshakeRequest::default()).await.unwrap();
    let handshake_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let _ = child.kill();
    let _ = child.wait();
    (port_ms, handshake_ms)
}

/// The binary of `make dist`'s archive for `platform`, unpacked under target/bench-dist; None
/// when the archive is not built.
fn unpacked_archive(platform: &str) -> Option<PathBuf> {
    let archive = repo().join("target/dist").join(platforms::archive_name(platform));
    let dir = repo().join("target/bench-dist").join(platform);
    (archive.exists() && platforms::unpack(&archive, &dir)).then(|| dir.join(platforms::binary_name(platform)))
}

fn kib(pid: u32, key: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// A provider process configured for the emulator at `url` with `extra` config.
async fn configured(url: &str, extra: Value) -> (ProviderProcess, ResourceProviderClient<tonic::transport::Channel>) {
    configured_plugin(Command::new(provider_binary()), url, extra).await
}

/// [`configured`] for any plugin command (the floor).
async fn configured_plugin(cmd: Command, url: &str, extra: Value) -> (ProviderProcess, ResourceProviderClient<tonic::transport::Channel>) {
    let p = ProviderProcess::launch(cmd, &[], &[]);
    let mut c = integration_tests::rpc::connect(p.port).await;
    let mut cfg = json!({"region": "us-east-1", "accessKey": emulator::DEFAULT_ACCESS_KEY, "secretKey": emulator::DEFAULT_SECRET_KEY, "endpoint": url});
    for (k, v) in extra.as_object().unwrap() {
        cfg[k] = v.clone();
    }
    integration_tests::rpc::configure(&mut c, None, cfg).await.unwrap();
    (p, c)
}

/// An emulator enforcing AWS's quotas at `scale`, with an API, route and stage named `name`.
async fn at_aws_quota(scale: f64, name: &str) -> (emulator::RunningEmulator, Fixture) {
    let em = start_emulator(emulator::Settings {
        time_scale: scale,
        ..emulator::Settings::default()
    })
    .await;
    let f = fixture(&client(&em.url), name).await;
    (em, f)
}

/// `n` deployments of `api`, each with its own description.
fn copies(api: &str, n: usize) -> Vec<Value> {
    (0..n).map(|i| json!({"apiId": api, "description": format!("bench {i}")})).collect()
}

/// One Create per input, all in parallel; returns (wall time, failures).
async fn creates(c: &ResourceProviderClient<tonic::transport::Channel>, inputs: Vec<Value>) -> (Duration, usize) {
    let t0 = Instant::now();
    let tasks: Vec<_> = inputs
        .into_iter()
        .enumerate()
        .map(|(i, props)| {
            let mut c = c.clone();
            let props = to_struct(props);
            tokio::spawn(async move {
                c.create(rpc::CreateRequest {
                    urn: format!("urn:pulumi:b::b::aws-apigatewayv2:index:Deployment::d{i}"),
                    properties: Some(props),
                    timeout: 600.0,
                    ..Default::default()
                })
                .await
            })
        })
        .collect();
    let mut failed = 0;
    for t in tasks {
        if t.await.unwrap().is_err() {
            failed += 1;
        }
    }
    (t0.elapsed(), failed)
}

/// Every response the emulator sent so far, over all operations and statuses.
fn responses(em: &emulator::Emulator) -> u64 {
    em.stats()
        .as_object()
        .map(|ops| {
            ops.values()
                .filter_map(Value::as_object)
                .flat_map(|by| by.values())
                .filter_map(Value::as_u64)
                .sum()
        })
        .unwrap_or(0)
}

/// An API whose configuration a deployment snapshots: `routes` routes, each with its own
/// integration; on WebSocket APIs also a route response and an integration response each, and a
/// model.
async fn configured_api(c: &aws_sdk_apigatewayv2::Client, websocket: bool, routes: usize) -> String {
    use aws_sdk_apigatewayv2::types::{IntegrationType, ProtocolType};
    let mut api = c.create_api().name("bench-diff");
    api = if websocket {
        api.protocol_type(ProtocolType::Websocket)
            .route_selection_expression("$request.body.action")
    } else {
        api.protocol_type(ProtocolType::Http)
    };
    let api_id = api.send().await.unwrap().api_id().unwrap().to_string();
    for i in 0..routes {
        let mut integration = c.create_integration().api_id(&api_id);
        integration = if websocket {
            integration.integration_type(IntegrationType::Mock)
        } else {
            integration
                .integration_type(IntegrationType::HttpProxy)
                .integration_method("GET")
                .integration_uri(format!("https://backend.example.com/items/{i}"))
                .payload_format_version("1.0")
        };
        let integration_id = integration.send().await.unwrap().integration_id().unwrap().to_string();
        let key = if websocket {
            format!("action{i}")
        } else {
            format!("GET /items/{i}")
        };
        let route = c
            .create_route()
            .api_id(&api_id)
            .route_key(key)
            .target(format!("integrations/{integration_id}"))
            .send()
            .await
            .unwrap();
        if websocket {
            c.create_route_response()
                .api_id(&api_id)
                .route_id(route.route_id().unwrap())
                .route_response_key("$default")
                .send()
                .await
                .unwrap();
            c.create_integration_response()
                .api_id(&api_id)
                .integration_id(&integration_id)
                .integration_response_key("$default")
                .send()
                .await
                .unwrap();
        }
    }
    if websocket {
        c.create_model().api_id(&api_id).name("Msg").schema("{}").send().await.unwrap();
    }
    api_id
}

/// One Diff with redeployOnApiChange of a deployment of that API, from a fresh provider with
/// AWS's default pacing against the emulator enforcing AWS's quotas: (time, calls, 429s, replace).
async fn diff_following_api(em: &RunningEmulatorRef<'_>, api_id: &str) -> (Duration, u64, u64, bool) {
    em.0.set_quotas(false);
    let (_p, mut c) = configured(em.1, json!({})).await;
    let inputs = json!({"apiId": api_id, "redeployOnApiChange": true});
    let created = c
        .create(rpc::CreateRequest {
            urn: "urn:pulumi:b::b::aws-apigatewayv2:index:Deployment::d".into(),
            properties: Some(to_struct(inputs.clone())),
            timeout: 600.0,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    drop(c);
    // A fresh process: its limiter starts with a full burst, as a `pulumi preview` does.
    let (_p, mut c) = configured(em.1, json!({})).await;
    em.0.set_quotas(true);
    let (before, throttled_before) = (responses(em.0), em.0.count_status(429));
    let t0 = Instant::now();
    let diff = c
        .diff(rpc::DiffRequest {
            id: created.id.clone(),
            urn: "urn:pulumi:b::b::aws-apigatewayv2:index:Deployment::d".into(),
            olds: created.properties.clone(),
            news: Some(to_struct(inputs)),
            old_inputs: Some(to_struct(json!({"apiId": api_id, "redeployOnApiChange": true}))),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let took = t0.elapsed();
    (
        took,
        responses(em.0) - before,
        em.0.count_status(429) - throttled_before,
        !diff.replaces.is_empty(),
    )
}

/// The measured figure of each row of a RESULTS.md table (with or without a previous-run column).
fn previous_figures(md: &str) -> std::collections::HashMap<String, String> {
    md.lines()
        .filter_map(|l| l.strip_prefix("| ")?.strip_suffix(" |"))
        .map(|l| l.split(" | ").collect::<Vec<_>>())
        .filter(|cells| cells.len() >= 4 && cells[0] != "what" && !cells[0].starts_with("---"))
        .map(|cells| (cells[0].to_string(), cells[2].to_string()))
        .collect()
}

/// The emulator and its URL, borrowed together.
struct RunningEmulatorRef<'a>(&'a emulator::Emulator, &'a str);

/// `n` deployments of one API; `extra` is added to each one's properties.
fn yaml_program(n: usize, extra: &str) -> String {
    let mut p = String::from("name: bench\nruntime: yaml\nconfig:\n  apiId:\n    type: string\nresources:\n");
    for i in 0..n {
        let _ = write!(
            p,
            "  d{i}:\n    type: aws-apigatewayv2:Deployment\n    properties:\n      apiId: ${{apiId}}\n      description: bench {i}\n{extra}"
        );
    }
    p
}

/// The storm of row 12: of all calls, 30% answered 429, 10% 500, 5% dropped before the call runs
/// and 5% after it (rules are consulted in order, so each takes its share of what is left).
fn storm() -> Vec<emulator::faults::FaultRule> {
    use emulator::faults::{FaultKind, FaultRule};
    let mut left = 1.0;
    [
        (FaultKind::Status { status: 429 }, 0.30),
        (FaultKind::Status { status: 500 }, 0.10),
        (FaultKind::Reset, 0.05),
        (FaultKind::ResetAfter, 0.05),
    ]
    .into_iter()
    .map(|(kind, share)| {
        let probability = share / left;
        left -= share;
        FaultRule {
            operation: "*".into(),
            kind,
            count: None,
            probability,
        }
    })
    .collect()
}

/// Calls that read an API's configuration, as the emulator counted their arrival.
fn config_reads(em: &emulator::Emulator) -> u64 {
    ["GetApi", "GetRoutes", "GetIntegrations", "GetAuthorizers"]
        .iter()
        .map(|op| em.received(op))
        .sum()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    if std::env::var_os("BENCH_AS").is_none() {
        println!("{:<62} {:<14} measured", "what", "goal");
    }
    // BENCH_ONLY=3,7 runs those sections alone and leaves bench/RESULTS.md as it is.
    let only: Option<Vec<u32>> = std::env::var("BENCH_ONLY")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect());
    // Each section run, with the index of its first row: the previous release runs them again.
    let sections = std::cell::RefCell::new(Vec::new());
    let run = |section: u32, rows: &Vec<Row>| {
        let yes = only.as_ref().is_none_or(|o| o.contains(&section));
        if yes {
            sections.borrow_mut().push((section, rows.len()));
        }
        yes
    };
    // AWS's quotas at a 0.1 time scale: one CreateDeployment per 500 ms.
    let scale = 0.1;
    let interval = 5.0 * scale;

    // 1. Start-up.
    if run(1, &rows) {
        let (ports, handshakes): (Vec<f64>, Vec<f64>) = (0..50).map(|_| rt.block_on(startup_once())).unzip();
        let (p, h) = (median(ports), median(handshakes));
        row(&mut rows, PORT_LINE, "< 10 ms", format!("{p:.2} ms"), Some(p < 10.0));
        row(
            &mut rows,
            "start-up: exec to first Handshake answer (median of 50)",
            "< 10 ms",
            format!("{h:.2} ms"),
            Some(h < 10.0),
        );
    }
    // 2. Per-call overhead, from `cargo bench --bench calls` (criterion's median estimates).
    if run(2, &rows) {
        for (name, what, goal) in [
            (
                "check_plus_diff",
                "Check + Diff (20 triggers, 1 KiB description), median",
                Some(50_000.0),
            ),
            ("check", "Check alone, median", None),
            ("diff", "Diff alone, median", None),
            ("struct_to_typed_and_back", "Struct -> typed -> Struct, median", None),
            ("get_schema", "GetSchema, median", None),
        ] {
            let path = criterion_dir().join(name).join("new/estimates.json");
            let ns = std::fs::read_to_string(&path)
                .ok()
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .and_then(|v| v["median"]["point_estimate"].as_f64());
            let measured = ns.map_or("not run (cargo bench --bench calls)".to_string(), |ns| {
                format!("{:.2} µs", ns / 1000.0)
            });
            row(
                &mut rows,
                what,
                if goal.is_some() { "< 50 µs" } else { "-" },
                measured,
                goal.zip(ns).map(|(g, ns)| ns < g),
            );
        }
    }
    // 3. Memory and size.
    if run(3, &rows) {
        let em = rt.block_on(start_emulator(emulator::Settings {
            quotas: false,
            ..fast_settings()
        }));
        let f = rt.block_on(fixture(&client(&em.url), "bench-mem"));
        let (proc_, c) = rt.block_on(configured(
            &em.url,
            json!({"createDeploymentIntervalMs": 0, "callsPerSecond": 100000, "callBurst": 100000}),
        ));
        let idle = kib(proc_.child.id(), "VmRSS:") / 1024.0;
        let (anon, file) = (
            kib(proc_.child.id(), "RssAnon:") / 1024.0,
            kib(proc_.child.id(), "RssFile:") / 1024.0,
        );
        row(
            &mut rows,
            IDLE,
            "12 MiB",
            format!("{idle:.1} MiB ({anon:.1} heap and stacks, {file:.1} mapped binary and libraries)"),
            Some(idle <= 12.0),
        );
        let (_, failed) = rt.block_on(creates(&c, copies(&f.api_id, 100)));
        let peak = kib(proc_.child.id(), "VmHWM:") / 1024.0;
        row(
            &mut rows,
            "peak RSS during 100 concurrent Creates (emulator, no quota)",
            "40 MiB",
            format!("{peak:.1} MiB ({failed} failed)"),
            Some(peak <= 40.0 && failed == 0),
        );
        drop(proc_);
        let size = std::fs::metadata(provider_binary()).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
        row(&mut rows, BINARY, "16 MB", format!("{size:.1} MB"), Some(size <= 16.0));
    }
    // 4. Bulk deploy at the floor: AWS's quota at a 0.1 time scale (1 CreateDeployment per 500 ms).
    if run(4, &rows) {
        let n = 30;
        let floor = n as f64 * interval;
        for (label, limiter) in [("limiter on", true), ("limiter off: retries only, as a bridged provider", false)] {
            let (em, f) = rt.block_on(at_aws_quota(scale, "bench-bulk"));
            let cfg = json!({"rateLimiting": limiter, "callsPerSecond": 100, "callBurst": 40, "createDeploymentIntervalMs": (interval * 1000.0) as i64});
            let (_p, c) = rt.block_on(configured(&em.url, cfg));
            let (took, failed) = rt.block_on(creates(&c, copies(&f.api_id, n)));
            let ratio = took.as_secs_f64() / floor;
            let throttled = em.emulator.count_status(429);
            row(
                &mut rows,
                &format!("{n} parallel Creates / floor ({n} x {interval} s), {label}"),
                if limiter { "<= 1.10, 0 failed" } else { "contrast" },
                format!("{ratio:.3} ({:.1} s), {failed} failed, {throttled} 429s", took.as_secs_f64()),
                limiter.then_some(ratio <= 1.10 && failed == 0),
            );
        }
    }
    // 5. End to end: pulumi up of 30 deployments vs 1, same emulator quota.
    if run(5, &rows) {
        for count in [30usize, 1] {
            let (em, f) = rt.block_on(at_aws_quota(scale, "bench-e2e"));
            let env = [
                ("AWS_ACCESS_KEY_ID", emulator::DEFAULT_ACCESS_KEY),
                ("AWS_SECRET_ACCESS_KEY", emulator::DEFAULT_SECRET_KEY),
                ("AWS_REGION", "us-east-1"),
            ];
            let project = Project::new(&format!("bench-e2e-{count}"), &yaml_program(count, ""), &env);
            project.config("apiId", &f.api_id);
            project.config("aws-apigatewayv2:endpoint", &em.url);
            project.config("aws-apigatewayv2:callsPerSecond", "100");
            project.config(
                "aws-apigatewayv2:createDeploymentIntervalMs",
                &((interval * 1000.0) as i64).to_string(),
            );
            let t0 = Instant::now();
            project.ok(&["up", "--yes", "--skip-preview", "--parallel", "64"]);
            let took = t0.elapsed().as_secs_f64();
            let floor = count as f64 * interval;
            row(
                &mut rows,
                &format!("pulumi up, YAML, {count} deployment(s) / floor ({count} x {interval} s)"),
                if count == 30 { "report" } else { "fixed cost" },
                format!("{:.3} ({took:.1} s)", took / floor),
                None,
            );
        }
    }
    // 6. Diff following the API (redeployOnApiChange) at AWS's own quota: time and calls.
    if run(6, &rows) {
        for (label, websocket, routes) in [
            ("HTTP API, 100 routes + 100 integrations", false, 100),
            ("WebSocket API, 20 routes (+ 20 integrations, responses, 1 model)", true, 20),
        ] {
            let em = rt.block_on(start_emulator(emulator::Settings {
                quotas: false,
                ..emulator::Settings::default()
            }));
            let api_id = rt.block_on(configured_api(&client(&em.url), websocket, routes));
            let (took, calls, throttled, replaced) = rt.block_on(diff_following_api(&RunningEmulatorRef(&em.emulator, &em.url), &api_id));
            row(
                &mut rows,
                &format!("Diff, redeployOnApiChange, {label}, AWS quota"),
                "report",
                format!(
                    "{:.2} s, {calls} AWS calls, {throttled} 429s{}",
                    took.as_secs_f64(),
                    if replaced { ", REPLACED (unexpected)" } else { ", no change" }
                ),
                None,
            );
        }
    }
    // 7. One quota, many machines: four provider processes of one account, 8 parallel Creates
    //    each, with the quota shared through a DynamoDB table (moto's server) and without.
    if run(7, &rows) {
        let moto = integration_tests::dynamo::start_moto();
        let moto_addr: std::net::SocketAddr = moto.url.trim_start_matches("http://").parse().unwrap();
        let relay = rt.block_on(integration_tests::net::counting_relay(moto_addr));
        let (processes, each) = (4usize, 8usize);
        let total = processes * each;
        let floor = total as f64 * interval;
        for (label, table) in [("quotaTable", true), ("no table: each process paces alone", false)] {
            let (em, f) = rt.block_on(at_aws_quota(scale, "bench-shared"));
            let mut cfg = json!({"callsPerSecond": 100, "callBurst": 40, "createDeploymentIntervalMs": (interval * 1000.0) as i64,
            "maxRetries": 25, "endpoints": [{"sts": em.url, "dynamodb": format!("http://{}", relay.addr)}]});
            if table {
                rt.block_on(integration_tests::dynamo::create_quota_table(&moto.url, "bench-quota"));
                cfg["quotaTable"] = json!("bench-quota");
            }
            let members: Vec<_> = (0..processes).map(|_| rt.block_on(configured(&em.url, cfg.clone()))).collect();
            let before = relay.requests();
            let t0 = Instant::now();
            let results = rt.block_on(async {
                let tasks: Vec<_> = members
                    .iter()
                    .map(|(_, c)| {
                        let (c, api) = (c.clone(), f.api_id.clone());
                        tokio::spawn(async move { creates(&c, copies(&api, each)).await })
                    })
                    .collect();
                let mut out = vec![];
                for t in tasks {
                    out.push(t.await.unwrap());
                }
                out
            });
            let took = t0.elapsed().as_secs_f64();
            let failed: usize = results.iter().map(|(_, failed)| failed).sum();
            let throttled = em.emulator.count_status(429);
            let create_throttled = em.emulator.stats()["CreateDeployment"]["429"].as_u64().unwrap_or(0);
            let table_calls = (relay.requests() - before) as f64 / total as f64;
            let ratio = took / floor;
            row(
                &mut rows,
                &format!("{processes} processes x {each} parallel Creates / floor ({total} x {interval} s), {label}"),
                if table { "<= 1.10, 0 429s" } else { "contrast" },
                format!(
                    "{ratio:.3} ({took:.1} s), {failed} failed, {throttled} 429s ({create_throttled} of CreateDeployment){}",
                    if table {
                        format!(", {table_calls:.1} DynamoDB calls per create")
                    } else {
                        String::new()
                    }
                ),
                table.then_some(ratio <= 1.10 && throttled == 0 && failed == 0),
            );
        }
    }
    // 8. Regions deploy in parallel: quotas are per account and region, and so is the pacing.
    // 10 Creates in each of 3 regions from one provider, against the floor of 10 in one region.
    if run(8, &rows) {
        let n = 10;
        let floor = n as f64 * interval;
        let regions = ["us-east-1", "eu-west-1", "ap-southeast-2"];
        let em = rt.block_on(start_emulator(emulator::Settings {
            time_scale: scale,
            ..emulator::Settings::default()
        }));
        let apis: Vec<String> = regions
            .iter()
            .map(|r| {
                rt.block_on(fixture(&integration_tests::client_in(&em.url, r), "bench-regions"))
                    .api_id
            })
            .collect();
        let cfg = json!({"callsPerSecond": 100, "callBurst": 40, "createDeploymentIntervalMs": (interval * 1000.0) as i64});
        let (_p, c) = rt.block_on(configured(&em.url, cfg));
        let inputs: Vec<Value> = apis
            .iter()
            .zip(regions)
            .flat_map(|(api, region)| {
                copies(api, n).into_iter().map(move |mut v| {
                    v["region"] = json!(region);
                    v
                })
            })
            .collect();
        let (took, failed) = rt.block_on(creates(&c, inputs));
        let ratio = took.as_secs_f64() / floor;
        let throttled = em.emulator.count_status(429);
        let made: Vec<usize> = apis
            .iter()
            .zip(regions)
            .map(|(a, r)| em.emulator.deployment_ids_in(r, a).len())
            .collect();
        row(
            &mut rows,
            &format!("3 regions x {n} parallel Creates / one-region floor ({n} x {interval} s)"),
            "<= 1.05, 0 429s",
            format!(
                "{ratio:.3} ({:.1} s), {failed} failed, {throttled} 429s, {made:?} made per region",
                took.as_secs_f64()
            ),
            Some(ratio <= 1.05 && throttled == 0 && failed == 0 && made.iter().all(|m| *m == n)),
        );
    }
    // 9. A preview of 30 deployments following one API (redeployOnApiChange): the calls that read
    // the API, and what the live fingerprint in the checked inputs adds to the state.
    if run(9, &rows) {
        let n = 30;
        let (em, f) = rt.block_on(at_aws_quota(scale, "bench-follow"));
        let env = [
            ("AWS_ACCESS_KEY_ID", emulator::DEFAULT_ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", emulator::DEFAULT_SECRET_KEY),
            ("AWS_REGION", "us-east-1"),
        ];
        // A project of `program` against the emulator's API, deployed once.
        let deployed = |name: &str, program: &str| {
            let project = Project::new(name, program, &env);
            project.config("apiId", &f.api_id);
            project.config("aws-apigatewayv2:endpoint", &em.url);
            project.config(
                "aws-apigatewayv2:createDeploymentIntervalMs",
                &((interval * 1000.0) as i64).to_string(),
            );
            project.ok(&["up", "--yes", "--skip-preview", "--parallel", "64"]);
            project
        };
        // The calls reading the API during one successful command, and what it printed.
        let reads_during = |project: &Project, args: &[&str]| {
            let before = config_reads(&em.emulator);
            let run = project.ok(args);
            (config_reads(&em.emulator) - before, run)
        };
        let project = deployed("bench-follow", &yaml_program(n, "      redeployOnApiChange: true\n"));
        let created = project.export().len();
        let (reads, _) = reads_during(&project, &["preview", "--expect-no-changes"]);
        let (up_reads, _) = reads_during(&project, &["up", "--yes", "--skip-preview", "--expect-no-changes"]);
        let checked = project.export().len();
        // The API moves on: one read proves every deployment stale.
        rt.block_on(client(&em.url).create_route().api_id(&f.api_id).route_key("POST /moved").send())
            .expect("CreateRoute");
        let (moved, preview) = reads_during(&project, &["preview", "--diff"]);
        let replaced = preview.stdout.matches("+-aws-apigatewayv2:index:Deployment: (replace)").count();
        row(
            &mut rows,
            &format!("preview of {n} deployments following one API (1 route): calls reading the API"),
            "report",
            format!(
                "{reads} with the API unchanged ({up_reads} in `up --skip-preview`); {moved} after a route was added, {replaced} of {n} to replace"
            ),
            None,
        );
        row(
            &mut rows,
            "state per following deployment, live fingerprint in its checked inputs (1 route)",
            "report",
            format!(
                "{} bytes more ({created} -> {checked} bytes for {n})",
                (checked as i64 - created as i64) / n as i64
            ),
            None,
        );
        // The one-read pattern for a stack of many deployments: one getApiFingerprint invoke,
        // its fingerprint a trigger of each (README, "A preview of many deployments of one API").
        let keyed = format!(
            "{}variables:\n  live:\n    fn::invoke:\n      function: aws-apigatewayv2:index:getApiFingerprint\n      arguments:\n        apiId: ${{apiId}}\n",
            yaml_program(n, "      triggers:\n        api: ${live.apiFingerprint}\n")
        );
        let project = deployed("bench-keyed", &keyed);
        let (unchanged, _) = reads_during(&project, &["preview", "--expect-no-changes"]);
        rt.block_on(client(&em.url).create_route().api_id(&f.api_id).route_key("POST /keyed").send())
            .expect("CreateRoute");
        let (changed, preview) = reads_during(&project, &["preview", "--diff"]);
        let replaced = preview.stdout.matches("+-aws-apigatewayv2:index:Deployment: (replace)").count();
        row(
            &mut rows,
            &format!("preview of {n} deployments keyed to one getApiFingerprint invoke: calls reading the API"),
            "report",
            format!("{unchanged} with the API unchanged; {changed} after a route was added, {replaced} of {n} to replace"),
            None,
        );
    }
    // 10. The floor: a bare tonic server on the same crates and bindings that builds an API
    // Gateway client in Configure and does nothing else (src/bin/floor.rs), beside the provider.
    if run(10, &rows) {
        // Beside the bench, not the plugin: the previous release's run uses this floor too.
        let floor = std::env::current_exe().unwrap().with_file_name("floor");
        assert!(
            floor.exists(),
            "{} is missing: cargo build --release -p integration-tests --bin floor",
            floor.display()
        );
        let median_startup = |cmd: &dyn Fn() -> Command| {
            let (_, handshakes): (Vec<f64>, Vec<f64>) = (0..30).map(|_| rt.block_on(startup_of(cmd()))).unzip();
            median(handshakes)
        };
        let (ours, bare) = (
            median_startup(&|| Command::new(provider_binary())),
            median_startup(&|| Command::new(&floor)),
        );
        row(
            &mut rows,
            "start-up to first Handshake answer, provider / floor (median of 30 each)",
            "report",
            format!("{:.2}x ({ours:.2} ms / {bare:.2} ms)", ours / bare),
            None,
        );
        let em = rt.block_on(start_emulator(fast_settings()));
        let rss = |cmd: Command| {
            let (p, _c) = rt.block_on(configured_plugin(cmd, &em.url, json!({})));
            let pid = p.child.id();
            (
                kib(pid, "VmRSS:") / 1024.0,
                kib(pid, "RssAnon:") / 1024.0,
                kib(pid, "RssFile:") / 1024.0,
            )
        };
        let ((ours, ours_anon, ours_file), (bare, bare_anon, bare_file)) =
            (rss(Command::new(provider_binary())), rss(Command::new(&floor)));
        row(
            &mut rows,
            "RSS after Configure, provider / floor",
            "<= 1.05x",
            format!(
                "{:.2}x ({ours:.1} MiB: {ours_anon:.1} heap and stacks, {ours_file:.1} mapped / {bare:.1} MiB: \
                 {bare_anon:.1}, {bare_file:.1})",
                ours / bare
            ),
            Some(ours / bare <= 1.05),
        );
        let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
        let (ours, bare) = (size(&provider_binary()), size(&floor));
        row(
            &mut rows,
            "stripped release binary, provider / floor",
            "report",
            format!("{:.2}x ({ours:.1} MB / {bare:.1} MB)", ours / bare),
            None,
        );
    }
    // 11. The plugin archives of `make dist`, when built: each binary's size, and its start-up
    // (natively, under qemu-user, under wine: emulated start-up is reported, not judged).
    if run(11, &rows) {
        for platform in platforms::PLATFORMS {
            let Some(binary) = unpacked_archive(platform) else {
                row(
                    &mut rows,
                    &format!("{platform} plugin archive: binary size, start-up to port line"),
                    "report",
                    "not built (make dist)".into(),
                    None,
                );
                continue;
            };
            let cmd = || {
                let mut cmd = platforms::command(platform, &binary);
                cmd.stderr(Stdio::null());
                cmd
            };
            // The first run under wine sets up its prefix; it is not counted.
            rt.block_on(startup_of(cmd()));
            let (ports, _): (Vec<f64>, Vec<f64>) = (0..5).map(|_| rt.block_on(startup_of(cmd()))).unzip();
            let size = std::fs::metadata(&binary).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
            let under = platforms::emulator(platform).map_or(String::new(), |e| format!(", under {e}"));
            row(
                &mut rows,
                &format!("{platform} plugin archive: binary size, start-up to port line"),
                "report",
                format!("{size:.1} MB, {:.1} ms (median of 5{under})", median(ports)),
                None,
            );
        }
        platforms::stop_wine();
    }
    // 12. A fault storm through the real CLI: 12 deployments while every AWS call meets 30% 429s,
    // 10% 500s and 5% connections dropped before and 5% after the call, at a 0.1 time scale;
    // `pulumi up`, then replacing all twelve, against the floor (12 creates x 0.5 s).
    if run(12, &rows) {
        let n = 12;
        let (em, f) = rt.block_on(at_aws_quota(scale, "bench-storm"));
        let env = [
            ("AWS_ACCESS_KEY_ID", emulator::DEFAULT_ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", emulator::DEFAULT_SECRET_KEY),
            ("AWS_REGION", "us-east-1"),
        ];
        let program = yaml_program(n, "      triggers:\n        release: ${release}\n")
            .replace("config:\n", "config:\n  release:\n    type: string\n");
        let project = Project::new("bench-storm", &program, &env);
        project.config("apiId", &f.api_id);
        project.config("release", "v1");
        project.config("aws-apigatewayv2:endpoint", &em.url);
        project.config("aws-apigatewayv2:callsPerSecond", "100");
        project.config(
            "aws-apigatewayv2:createDeploymentIntervalMs",
            &((interval * 1000.0) as i64).to_string(),
        );
        for rule in storm() {
            em.emulator.add_fault(rule);
        }
        let floor = n as f64 * interval;
        // Nothing lost and nothing twice: AWS holds exactly the deployments the state names,
        // each with its fingerprint.
        let intact = || {
            let mut in_state = project.deployment_ids();
            in_state.sort();
            let mut in_aws = em.emulator.deployment_ids(&f.api_id);
            in_aws.sort();
            let state: Value = serde_json::from_str(&project.export()).unwrap_or_default();
            let fingerprints = state["deployment"]["resources"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|r| r["type"] == "aws-apigatewayv2:index:Deployment")
                .filter(|r| r["outputs"]["apiFingerprint"].as_str().is_some_and(|f| f.starts_with("v1:")))
                .count();
            in_state.len() == n && in_state == in_aws && fingerprints == n
        };
        for (label, goal) in [("pulumi up", Some(3.0)), ("replacing all of them", None)] {
            if goal.is_none() {
                project.config("release", "v2");
            }
            let t0 = Instant::now();
            let up = project.run(&["up", "--yes", "--skip-preview", "--parallel", "64"]);
            let took = t0.elapsed().as_secs_f64();
            // What the storm did, call by call, for reading a slow run.
            eprintln!(
                "storm, {label}: {}; quota 429s {:?}; creates (ms, gap, met, description):\n{}",
                em.emulator.stats(),
                em.emulator.quota_refusals(),
                em.emulator.create_timeline()
            );
            let ok = up.ok && intact();
            let ratio = took / floor;
            row(
                &mut rows,
                &format!("fault storm (30% 429, 10% 500, 5%+5% dropped): {label}, {n} deployments / floor ({n} x {interval} s)"),
                goal.map_or("report".to_string(), |g| format!("<= {g:.1}, intact")).as_str(),
                format!(
                    "{ratio:.2} ({took:.1} s), {}",
                    if ok { "nothing lost or doubled" } else { "**not intact**" }
                ),
                goal.map(|g| ratio <= g && ok).or(Some(ok)),
            );
        }
    }
    // A child measuring the previous release has handed its rows over (see `row`).
    if std::env::var_os("BENCH_ROWS_TO").is_some() {
        return;
    }
    // The previous release, on this machine in this run, section by section (the archives of
    // section 11 are this build's): the previous figure beside each new one.
    let previous = Previous::from_env().map(|p| {
        let mut figures = std::collections::HashMap::new();
        let sections = sections.take();
        // A section's rows run from its first to the next section's first.
        let ends = sections.iter().skip(1).map(|&(_, first)| first).chain([rows.len()]);
        for (&(section, first), end) in sections.iter().zip(ends).filter(|((s, _), _)| *s != 11) {
            let (got, status) = p.measure(section);
            for r in &rows[first..end] {
                let figure = got.get(&r.what).cloned().unwrap_or_else(|| match status.success() {
                    true => "-".into(),
                    false => format!("not measured (the section stopped: {status})"),
                });
                figures.insert(r.what.clone(), figure);
            }
        }
        (p.version, figures)
    });
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| c.lines().find_map(|l| l.strip_prefix("model name\t: ").map(str::to_string)))
        .unwrap_or_default();
    let mut md = String::from("# Benchmarks\n\n");
    let _ = writeln!(
        md,
        "One run of `make bench` on one machine: {} cores, {cpu}. Release build.\n",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
    // Without the previous release built, the committed results are the figures to beat.
    let (column, before) = match previous {
        Some((version, figures)) => (format!("{version}, same machine, this run"), figures),
        None => (
            "previous run".to_string(),
            previous_figures(&std::fs::read_to_string(repo().join("bench/RESULTS.md")).unwrap_or_default()),
        ),
    };
    let _ = writeln!(md, "| what | goal | measured | {column} | goal met |\n|---|---|---|---|---|");
    for r in &rows {
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "-",
        };
        let previous = before.get(&r.what).map_or("-", String::as_str);
        let _ = writeln!(md, "| {} | {} | {} | {previous} | {met} |", r.what, r.goal, r.measured);
    }
    md.push_str("\nReproduce: `make bench` (criterion: `cargo bench -p pulumi-resource-aws-apigatewayv2 --bench calls`; the rest: `cargo run --release -p integration-tests --bin bench`).\n");
    md.push_str("Bulk rows run against the emulator enforcing AWS's quotas at a 0.1 time scale (1 CreateDeployment per 500 ms, 100 calls/s burst 40); the floor is N x that interval.\n");
    md.push_str("The quotaTable rows use moto's DynamoDB server on this machine; DynamoDB calls are counted by a relay in front of it and include each process's DescribeTable at Configure.\n");
    if column == "previous run" {
        md.push_str("The previous-run column holds each row's figure from the results file this run replaced (the previous release was not built: `make bench` builds it from its commit, which a shallow clone lacks).\n");
    } else {
        md.push_str("The previous release's column is measured in the same run: `make bench` builds that release from its commit (scripts/prev-release.sh; its own release profile and criterion bench, the same inputs) and the bench runs each section again with its plugin, the same emulator settings and the same floor. The archive rows are this build's only.\n");
    }
    if only.is_some() {
        println!("\nBENCH_ONLY: bench/RESULTS.md and the README left as they are");
        return;
    }
    std::fs::create_dir_all(repo().join("bench")).unwrap();
    std::fs::write(repo().join("bench/RESULTS.md"), md).unwrap();
    println!("\nwrote bench/RESULTS.md");
    // A row's figure without what follows it ("4.9 MiB (0.8 heap ...)" -> "4.9 MiB").
    let figure = |what: &str, words: usize| {
        let r = rows.iter().find(|r| r.what == what)?;
        Some(r.measured.split_whitespace().take(words).collect::<Vec<_>>().join(" "))
    };
    let figures: std::collections::HashMap<&str, String> = [
        ("port", figure(PORT_LINE, 2)),
        ("idle", figure(IDLE, 2)),
        ("binary", figure(BINARY, 2)),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((k, v?)))
    .collect();
    let readme = repo().join("README.md");
    let text = std::fs::read_to_string(&readme).unwrap();
    let filled = fill_figures(&text, &figures);
    if filled != text {
        std::fs::write(&readme, filled).unwrap();
        println!("wrote the README's figures: {figures:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows of either table layout give their measured figure; the header and rule do not.
    #[test]
    fn previous_figures_of_both_layouts() {
        let md = "| what | goal | measured | goal met |\n|---|---|---|---|\n| start-up | < 10 ms | 2.86 ms | yes |\n\
                  | what | goal | measured | previous run | goal met |\n| RSS | 12 MiB | 10.2 MiB | 12.6 MiB | yes |\nReproduce: x";
        let got = previous_figures(md);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got["start-up"], "2.86 ms");
        assert_eq!(got["RSS"], "10.2 MiB");
    }

    /// Each marked span of the README gets its key's figure; other text, unknown keys and an
    /// unclosed span stay as they were.
    #[test]
    fn fill_figures_sets_marked_spans_only() {
        let figures = [("idle", "4.7 MiB".to_string()), ("binary", "12.0 MB".to_string())]
            .into_iter()
            .collect();
        let readme = "a <!-- bench: binary -->12.2 MB<!-- /bench --> b <!-- bench: idle -->4.9 MiB<!-- /bench -->, \
                      <!-- bench: port -->2.1 ms<!-- /bench --> <!-- bench: idle -->x";
        assert_eq!(
            fill_figures(readme, &figures),
            "a <!-- bench: binary -->12.0 MB<!-- /bench --> b <!-- bench: idle -->4.7 MiB<!-- /bench -->, \
             <!-- bench: port -->2.1 ms<!-- /bench --> <!-- bench: idle -->x"
        );
    }
}
