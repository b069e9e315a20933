//! The generated SDKs end to end: the TypeScript, Python and Go examples, each run by the real
//! Pulumi CLI as an Automation API inline program (the language hosts for these runtimes cannot
//! be built here; inline programs need none), against a fresh emulator. `make test` builds the
//! SDKs and examples first (`make test-sdks`).

use apigatewayv2_emulator::{DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY};
use integration_tests::e2e::pulumi_env;
use integration_tests::*;
use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// Runs one language's driver twice: `up` (checked against the emulator), then up + destroy.
fn run_example(lang: &str, command: &[String], cwd: PathBuf) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let em = rt.block_on(start_emulator(fast_settings()));
    // Stages are not managed by these examples, so let AWS delete a deployment a stage uses
    // (the refusing setting is covered by the YAML end-to-end tests).
    em.emulator.set_refuse_delete_while_staged(false);
    let c = client(&em.url);
    let f = rt.block_on(fixture(&c, lang));
    let artifacts = target_dir().join("e2e-artifacts").join(format!("sdk-{lang}"));
    let _ = std::fs::remove_dir_all(&artifacts);
    let work = artifacts.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let run = |destroy: bool| {
        let mut cmd = Command::new(&command[0]);
        cmd.args(&command[1..]).current_dir(&cwd);
        cmd.envs(pulumi_env(&artifacts, &artifacts.join("state")));
        cmd.env("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_KEY)
            .env("AWS_REGION", "us-east-1");
        cmd.env("E2E_WORK_DIR", &work)
            .env("E2E_API_ID", &f.api_id)
            .env("E2E_ENDPOINT", &em.url);
        if destroy {
            cmd.env("E2E_DESTROY", "1");
        }
        let out = cmd.output().unwrap_or_else(|e| panic!("{lang}: cannot run {command:?}: {e}"));
        let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        std::fs::write(artifacts.join(if destroy { "destroy.log" } else { "up.log" }), &text).unwrap();
        assert!(
            out.status.success(),
            "{lang} example failed (artefacts: {}):\n{text}",
            artifacts.display()
        );
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("OUTPUTS "))
            .unwrap_or_else(|| panic!("{lang}: no outputs:\n{text}"));
        serde_json::from_str::<serde_json::Value>(line).unwrap()
    };

    let outputs = run(false);
    let id = outputs["deploymentId"]
        .as_str()
        .unwrap_or_else(|| panic!("{lang}: {outputs}"))
        .to_string();
    assert_eq!(outputs["status"], "DEPLOYED", "{lang}: {outputs}");
    assert_eq!(outputs["autoDeployed"], false, "{lang}: {outputs}");
    assert_eq!(em.emulator.deployment_ids(&f.api_id), vec![id.clone()], "{lang}");
    let d = rt.block_on(c.get_deployment().api_id(&f.api_id).deployment_id(&id).send()).unwrap();
    assert_eq!(d.description(), Some("Released by Pulumi (routes version v1)"), "{lang}");
    let stage = rt.block_on(c.get_stage().api_id(&f.api_id).stage_name("prod").send()).unwrap();
    assert_eq!(stage.deployment_id(), Some(id.as_str()), "{lang}: stageName released it");

    let again = run(true);
    assert_eq!(again["deploymentId"], id.as_str(), "{lang}: a second up changes nothing");
    assert!(em.emulator.deployment_ids(&f.api_id).is_empty(), "{lang}: destroy removed it");
}

/// The Python SDK: examples/python through `pulumi up` and `pulumi destroy`.
#[test]
fn python_example_runs() {
    let python = std::env::var("SDK_PYTHON").expect("SDK_PYTHON: the venv python with the SDK installed (make test-sdks)");
    run_example("python", &[python, "e2e.py".into()], repo().join("examples/python"));
}

/// The TypeScript SDK: examples/typescript (compiled by `make test-sdks`) through up and destroy.
#[test]
fn typescript_example_runs() {
    let dir = repo().join("examples/typescript");
    assert!(
        dir.join("bin/e2e.js").exists(),
        "examples/typescript is not built: run `make test-sdks`"
    );
    run_example("typescript", &["node".into(), "bin/e2e.js".into()], dir);
}

/// The Go SDK: examples/go through up and destroy.
#[test]
fn go_example_runs() {
    run_example("go", &["go".into(), "run".into(), "./cmd/e2e".into()], repo().join("examples/go"));
}
