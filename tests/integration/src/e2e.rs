//! Driving the real Pulumi CLI: a throwaway project with a local `file://` backend, its own
//! PULUMI_HOME and passphrase, the provider taken from this workspace's build, and the engine's
//! gRPC log kept under target/e2e-artifacts/<test>/ for post-mortems; [`Target`], where a test's
//! deployments live (a fresh emulator, or a real account with `E2E_REAL_AWS=1`).

use crate::{Fixture, client, client_in, fast_settings, fixture, start_emulator};
use apigatewayv2_emulator::{DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, RunningEmulator};
use aws_sdk_apigatewayv2::Client;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where `make tools` put the pinned Pulumi CLI and language hosts.
pub fn tools_bin() -> PathBuf {
    let dir = std::env::var("PULUMI_TOOLS_BIN").map(PathBuf::from).unwrap_or_else(|_| {
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
        PathBuf::from(home).join(".cache/pulumi-aws-apigatewayv2/pulumi-v3.274.1/bin")
    });
    assert!(
        dir.join("pulumi").exists(),
        "no pulumi CLI in {}: run `make tools` (make test does)",
        dir.display()
    );
    dir
}

/// The result of one CLI run.
#[derive(Debug)]
pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn text(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A Pulumi project directory with one stack, `dev`.
pub struct Project {
    pub dir: PathBuf,
    pub artifacts: PathBuf,
    env: Vec<(String, String)>,
}

impl Project {
    /// Creates the project from `program` (the Pulumi.yaml text) and initialises stack `dev`.
    /// `env` adds variables for every command (AWS credentials, for instance).
    pub fn new(test: &str, program: &str, env: &[(&str, &str)]) -> Project {
        Self::create(test, program, env, true)
    }

    /// As [`Project::new`], but the provider is not on PATH: it must come from the plugin cache.
    pub fn without_provider_on_path(test: &str, program: &str, env: &[(&str, &str)]) -> Project {
        Self::create(test, program, env, false)
    }

    /// A copy of the project in `source` (an example: its files, not its node_modules, build
    /// output or stack settings), with stack `dev`. The provider is not on PATH: tests install it
    /// from the archive, as users do.
    pub fn copy_of(test: &str, source: &Path, env: &[(&str, &str)]) -> Project {
        Self::create_with(test, env, false, |dir| copy_project(source, dir))
    }

    fn create(test: &str, program: &str, env: &[(&str, &str)], provider_on_path: bool) -> Project {
        Self::create_with(test, env, provider_on_path, |dir| {
            std::fs::write(dir.join("Pulumi.yaml"), program).expect("Pulumi.yaml")
        })
    }

    fn create_with(test: &str, env: &[(&str, &str)], provider_on_path: bool, fill: impl FnOnce(&Path)) -> Project {
        let artifacts = crate::target_dir().join("e2e-artifacts").join(test);
        let _ = std::fs::remove_dir_all(&artifacts);
        let dir = artifacts.join("project");
        std::fs::create_dir_all(dir.join(".state")).expect("project dir");
        std::fs::create_dir_all(artifacts.join("home")).expect("pulumi home");
        fill(&dir);
        let mut vars = pulumi_env(&artifacts, &dir.join(".state"));
        if !provider_on_path {
            let provider_dir = crate::provider_binary().parent().expect("provider dir").display().to_string();
            for (k, v) in vars.iter_mut().filter(|(k, _)| k == "PATH") {
                *v = v.split(':').filter(|p| *p != provider_dir).collect::<Vec<_>>().join(":");
                debug_assert_eq!(k, "PATH");
            }
        }
        vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let project = Project { dir, artifacts, env: vars };
        project.ok(&["stack", "init", "dev"]);
        project
    }

    /// Sets an environment variable for every later command.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
    }

    /// Puts `dir` first on PATH for every later command (plugins the test provides).
    pub fn prepend_path(&mut self, dir: &Path) {
        for (k, v) in self.env.iter_mut().filter(|(k, _)| k == "PATH") {
            *v = format!("{}:{v}", dir.display());
            debug_assert_eq!(k, "PATH");
        }
    }

    /// Replaces the program text (the stack and its state stay).
    pub fn write_program(&self, program: &str) {
        std::fs::write(self.dir.join("Pulumi.yaml"), program).expect("Pulumi.yaml");
    }

    /// `pulumi <args>` in the project, with the project's environment only.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.command_of(&tools_bin().join("pulumi"), args);
        cmd.arg("--non-interactive");
        cmd
    }

    /// `program <args>` in the project, with the project's environment only.
    fn command_of(&self, program: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .current_dir(&self.dir)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("HOME", std::env::var("HOME").unwrap_or_else(|_| "/root".into()));
        cmd
    }

    /// Runs `pulumi <args>` in the project.
    pub fn run(&self, args: &[&str]) -> Run {
        self.logged("pulumi", args, self.command(args))
    }

    /// Runs another program that drives Pulumi (an Automation API driver) in the project, with
    /// the project's environment (its CLI first on PATH, backend, PULUMI_HOME, passphrase).
    pub fn run_program(&self, program: &Path, args: &[&str]) -> Run {
        self.logged(&program.display().to_string(), args, self.command_of(program, args))
    }

    /// As [`Project::run_program`], for a program that must succeed.
    pub fn program_ok(&self, program: &Path, args: &[&str]) -> Run {
        let run = self.run_program(program, args);
        assert!(
            run.ok,
            "`{} {}` failed (artefacts: {}):\n{}",
            program.display(),
            args.join(" "),
            self.artifacts.display(),
            run.text()
        );
        run
    }

    /// Runs `cmd`, appending what it printed to the artefacts' commands.log.
    fn logged(&self, shown: &str, args: &[&str], mut cmd: Command) -> Run {
        let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
        let run = Run {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        };
        let log = self.artifacts.join("commands.log");
        let entry = format!("$ {shown} {}\n{}\n", args.join(" "), run.text());
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut f| std::io::Write::write_all(&mut f, entry.as_bytes()));
        run
    }

    /// Starts `pulumi <args>` in the background, output to `<artifacts>/<name>.log`.
    pub fn spawn(&self, name: &str, args: &[&str]) -> std::process::Child {
        let log = std::fs::File::create(self.artifacts.join(format!("{name}.log"))).expect("log file");
        self.command(args)
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("spawn pulumi")
    }

    /// Runs a command that must succeed; panics with its output and the artefacts' path.
    pub fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert!(
            run.ok,
            "`pulumi {}` failed (artefacts: {}):\n{}",
            args.join(" "),
            self.artifacts.display(),
            run.text()
        );
        run
    }

    /// Runs a command that must fail.
    pub fn fails(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert!(!run.ok, "`pulumi {}` should have failed:\n{}", args.join(" "), run.text());
        run
    }

    /// `pulumi config set --plaintext`: the CLI refuses values it guesses are secrets (random
    /// ids and paths can look like one) unless told they are plain.
    pub fn config(&self, key: &str, value: &str) {
        self.ok(&["config", "set", "--plaintext", key, value]);
    }

    /// The stack's outputs as JSON.
    pub fn outputs(&self) -> serde_json::Value {
        let run = self.ok(&["stack", "output", "--json", "--show-secrets"]);
        serde_json::from_str(&run.stdout).expect("stack output JSON")
    }

    /// The exported deployment (state) as text.
    pub fn export(&self) -> String {
        self.ok(&["stack", "export"]).stdout
    }

    /// Ids of the Deployment resources in the state, in state order.
    pub fn deployment_ids(&self) -> Vec<String> {
        let state: serde_json::Value = serde_json::from_str(&self.export()).expect("state JSON");
        state["deployment"]["resources"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .filter(|r| r["type"] == "aws-apigatewayv2:index:Deployment" && r["delete"] != true)
                    .filter_map(|r| r["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// The environment every Pulumi CLI run gets: the pinned CLI and the provider on PATH, a private
/// PULUMI_HOME, a `file://` backend at `state`, a passphrase, no update checks, the gRPC log.
pub fn pulumi_env(artifacts: &Path, state: &Path) -> Vec<(String, String)> {
    let provider_dir = crate::provider_binary().parent().expect("provider dir").to_path_buf();
    let path = format!(
        "{}:{}:{}",
        tools_bin().display(),
        provider_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    std::fs::create_dir_all(artifacts.join("home")).expect("pulumi home");
    std::fs::create_dir_all(state).expect("state dir");
    vec![
        ("PATH".to_string(), path),
        ("PULUMI_HOME".to_string(), artifacts.join("home").display().to_string()),
        ("PULUMI_BACKEND_URL".to_string(), format!("file://{}", state.display())),
        ("PULUMI_CONFIG_PASSPHRASE".to_string(), "e2e-passphrase".to_string()),
        ("PULUMI_SKIP_UPDATE_CHECK".to_string(), "true".to_string()),
        ("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION".to_string(), "true".to_string()),
        ("PULUMI_DEBUG_GRPC".to_string(), artifacts.join("grpc.log").display().to_string()),
        ("AWS_EC2_METADATA_DISABLED".to_string(), "true".to_string()),
        ("NO_COLOR".to_string(), "1".to_string()),
    ]
}

/// Copies a project's sources: everything but installed packages, build output, caches and
/// stack settings (`Pulumi.<stack>.yaml`), which belong to the copy.
fn copy_project(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("project source").flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let skip = matches!(name.as_str(), "node_modules" | "bin" | "__pycache__" | ".mypy_cache" | ".state")
            || (name.starts_with("Pulumi.") && name != "Pulumi.yaml");
        if skip {
            continue;
        }
        let target = to.join(&name);
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("copy dir");
            copy_project(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Reads every file under `dir` as text (lossy), for searching state files for plaintext.
pub fn all_text_under(dir: &Path) -> String {
    let mut out = String::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.push_str(&all_text_under(&p));
            } else if let Ok(bytes) = std::fs::read(&p) {
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }
    out
}

/// Where the tests' deployments live: the emulator, or a real AWS account.
pub struct Target {
    pub rt: tokio::runtime::Runtime,
    pub em: Option<RunningEmulator>,
    pub client: Client,
    pub env: Vec<(String, String)>,
    pub endpoint: Option<String>,
    pub fixture: Fixture,
    /// APIs made in other regions ([`Target::in_other_region`]), deleted with the target.
    others: std::sync::Mutex<Vec<(Client, String)>>,
}

/// A region beside the provider's, with a client that signs for it and a fixture there.
pub struct OtherRegion {
    pub region: String,
    pub client: Client,
    pub fixture: Fixture,
}

impl Target {
    pub fn new(name: &str) -> Target {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        if std::env::var("E2E_REAL_AWS").is_ok() {
            let client = rt.block_on(async { Client::new(&aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await) });
            let fixture = rt.block_on(fixture(&client, &format!("pulumi-e2e-{name}")));
            return Target {
                rt,
                em: None,
                client,
                env: vec![],
                endpoint: None,
                fixture,
                others: Default::default(),
            };
        }
        let em = rt.block_on(start_emulator(fast_settings()));
        let client = client(&em.url);
        let fixture = rt.block_on(fixture(&client, name));
        let env = vec![
            ("AWS_ACCESS_KEY_ID".to_string(), DEFAULT_ACCESS_KEY.to_string()),
            ("AWS_SECRET_ACCESS_KEY".to_string(), DEFAULT_SECRET_KEY.to_string()),
            ("AWS_REGION".to_string(), "us-east-1".to_string()),
        ];
        Target {
            rt,
            endpoint: Some(em.url.clone()),
            em: Some(em),
            client,
            env,
            fixture,
            others: Default::default(),
        }
    }

    /// A fixture API in a second region: `E2E_SECOND_REGION` (default us-west-2) on a real
    /// account, eu-west-1 on the emulator (which keeps each region's APIs apart, as AWS does).
    pub fn in_other_region(&self, name: &str) -> OtherRegion {
        let (region, client) = match &self.em {
            Some(em) => ("eu-west-1".to_string(), client_in(&em.url, "eu-west-1")),
            None => {
                let region = std::env::var("E2E_SECOND_REGION").unwrap_or_else(|_| "us-west-2".into());
                let conf = self.call(
                    aws_config::defaults(aws_config::BehaviorVersion::latest())
                        .region(aws_config::Region::new(region.clone()))
                        .load(),
                );
                (region, Client::new(&conf))
            }
        };
        let fixture = self.call(fixture(&client, &format!("pulumi-e2e-{name}")));
        self.others.lock().unwrap().push((client.clone(), fixture.api_id.clone()));
        OtherRegion { region, client, fixture }
    }

    /// Deployment ids of an API, through `client` (which picks the region).
    pub fn ids_of(&self, client: &Client, api_id: &str) -> Vec<String> {
        self.call(async {
            let page = client.get_deployments().api_id(api_id).send().await.expect("GetDeployments");
            page.items().iter().filter_map(|d| d.deployment_id().map(str::to_string)).collect()
        })
    }

    pub fn call<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// A project with `program`, configured for this target and the fixture's API.
    pub fn project(&self, test: &str, program: &str) -> Project {
        self.configure(Project::new(test, program, &self.env_refs()))
    }

    pub fn env_refs(&self) -> Vec<(&str, &str)> {
        self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    pub fn configure(&self, p: Project) -> Project {
        if let Some(url) = &self.endpoint {
            p.config("aws-apigatewayv2:endpoint", url);
            p.config("aws-apigatewayv2:region", "us-east-1");
        }
        p.config("apiId", &self.fixture.api_id);
        p
    }

    /// (id, status, description) of every deployment of the fixture's API, read through AWS's API.
    pub fn deployments(&self) -> Vec<(String, String, Option<String>)> {
        self.call(async {
            let mut out = vec![];
            let mut token = None;
            loop {
                let page = self
                    .client
                    .get_deployments()
                    .api_id(&self.fixture.api_id)
                    .set_next_token(token)
                    .send()
                    .await
                    .expect("GetDeployments");
                out.extend(page.items().iter().map(|d| {
                    (
                        d.deployment_id().unwrap_or_default().to_string(),
                        d.deployment_status().map(|s| s.as_str().to_string()).unwrap_or_default(),
                        d.description().map(str::to_string),
                    )
                }));
                match page.next_token() {
                    Some(t) => token = Some(t.to_string()),
                    None => return out,
                }
            }
        })
    }

    pub fn ids(&self) -> Vec<String> {
        self.deployments().into_iter().map(|(id, ..)| id).collect()
    }

    /// Creates a deployment of the fixture's API outside Pulumi (to import); returns its id.
    pub fn deployment_made_outside(&self, description: &str) -> String {
        self.call(async {
            self.client
                .create_deployment()
                .api_id(&self.fixture.api_id)
                .description(description)
                .send()
                .await
                .expect("CreateDeployment")
                .deployment_id()
                .expect("deployment id")
                .to_string()
        })
    }

    pub fn stage_deployment(&self) -> Option<String> {
        self.call(async {
            self.client
                .get_stage()
                .api_id(&self.fixture.api_id)
                .stage_name(&self.fixture.stage_name)
                .send()
                .await
                .unwrap()
                .deployment_id()
                .map(str::to_string)
        })
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if self.em.is_none() {
            let mut apis = vec![(self.client.clone(), self.fixture.api_id.clone())];
            apis.extend(self.others.lock().map(|o| o.clone()).unwrap_or_default());
            for (client, api) in apis {
                let _ = self.rt.block_on(async move { client.delete_api().api_id(api).send().await });
            }
        }
    }
}

/// This build's provider packed by scripts/package.sh (as `make dist` does) into
/// target/e2e-artifacts/<dist>; returns the archive's path.
pub fn pack_plugin(dist: &str) -> String {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let packed = std::process::Command::new("bash")
        .arg("scripts/package.sh")
        .arg(crate::provider_binary())
        .arg(crate::target_dir().join("e2e-artifacts").join(dist))
        .arg(env!("CARGO_PKG_VERSION"))
        .current_dir(&repo)
        .output()
        .unwrap();
    assert!(packed.status.success(), "{}", String::from_utf8_lossy(&packed.stderr));
    String::from_utf8(packed.stdout).unwrap().trim().to_string()
}
