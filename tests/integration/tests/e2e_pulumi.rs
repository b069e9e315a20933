//! End to end: the real Pulumi CLI (built by `make tools`) runs YAML programs that use the
//! provider, against a fresh emulator per test. With `E2E_REAL_AWS=1` and AWS credentials in the
//! environment the same tests run against a real account (no endpoint override).

use integration_tests::e2e::{Project, Target, all_text_under, pack_plugin};
use integration_tests::process::{children, kill_provider, kill9, process_ended, provider_pids};
use integration_tests::*;
use serde_json::json;

/// A YAML program with one Deployment whose properties are `props` (YAML, indented 6).
fn program(props: &str) -> String {
    let head = r#"name: e2e
runtime: yaml
config:
  apiId:
    type: string
  description:
    type: string
    default: v1
  routes:
    type: string
    default: r1
resources:
  deployment:
    type: aws-apigatewayv2:Deployment
    properties:
"#;
    let tail = r#"
outputs:
  id: ${deployment.id}
  autoDeployed: ${deployment.autoDeployed}
  status: ${deployment.deploymentStatus}
"#;
    format!("{head}{props}{tail}")
}

const RELEASED: &str = r#"      apiId: ${apiId}
      description: ${description}
      stageName: prod
      triggers:
        routes: ${routes}"#;
const UNSTAGED: &str = r#"      apiId: ${apiId}
      description: ${description}
      triggers:
        routes: ${routes}"#;

/// Position of the last call of `method` in the engine's gRPC log, for ordering assertions.
fn last_call(p: &Project, method: &str) -> Option<usize> {
    let log = std::fs::read_to_string(p.artifacts.join("grpc.log")).unwrap_or_default();
    log.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(&format!("\"/pulumirpc.ResourceProvider/{method}\"")))
        .map(|(i, _)| i)
        .last()
}

/// up creates (DEPLOYED, outputs shown); a description change is an in-place update; a triggers
/// change replaces, creating the new deployment before deleting the old; destroy removes all.
#[test]
fn up_update_replace_destroy() {
    let t = Target::new("lifecycle");
    let p = t.project("lifecycle", &program(RELEASED));
    let up = p.ok(&["up", "--yes"]);
    assert!(
        up.stdout.contains("waiting for deployment"),
        "user-visible wait message missing:\n{}",
        up.stdout
    );
    let out = p.outputs();
    let id = out["id"].as_str().unwrap().to_string();
    assert_eq!(out["autoDeployed"], false);
    assert_eq!(out["status"], "DEPLOYED");
    assert_eq!(t.deployments(), vec![(id.clone(), "DEPLOYED".to_string(), Some("v1".to_string()))]);
    assert_eq!(t.stage_deployment(), Some(id.clone()));

    p.config("description", "v2");
    let preview = p.ok(&["preview", "--diff"]);
    assert!(
        preview.stdout.contains("~ aws-apigatewayv2:index:Deployment: (update)"),
        "{}",
        preview.stdout
    );
    assert!(!preview.stdout.contains("replace"), "{}", preview.stdout);
    p.ok(&["up", "--yes"]);
    assert_eq!(p.outputs()["id"], id.as_str(), "an update keeps the id");
    assert_eq!(t.deployments()[0].2.as_deref(), Some("v2"));

    p.config("routes", "r2");
    let preview = p.ok(&["preview", "--diff"]);
    assert!(
        preview.stdout.contains("+-aws-apigatewayv2:index:Deployment: (replace)"),
        "{}",
        preview.stdout
    );
    p.ok(&["up", "--yes"]);
    let new_id = p.outputs()["id"].as_str().unwrap().to_string();
    assert_ne!(new_id, id);
    assert_eq!(t.ids(), vec![new_id.clone()], "the old deployment is gone, the new one stays");
    assert_eq!(
        t.stage_deployment(),
        Some(new_id),
        "stageName moved the stage to the new deployment"
    );
    assert!(last_call(&p, "Create") < last_call(&p, "Delete"), "create-before-delete");

    // The stage (not managed here) still points at the deployment stageName released: AWS may
    // refuse the delete, and the error must say which stage and what to do.
    if t.em.is_some() {
        let refused = p.fails(&["destroy", "--yes"]);
        assert!(refused.text().contains("stage 'prod' still points at it"), "{}", refused.text());
        assert_eq!(p.deployment_ids().len(), 1, "a refused delete keeps the deployment recorded");
    }
    // The way out the message names: move the stage off (here: delete it), then destroy again.
    t.call(async {
        t.client
            .delete_stage()
            .api_id(&t.fixture.api_id)
            .stage_name("prod")
            .send()
            .await
            .unwrap()
    });
    p.ok(&["destroy", "--yes"]);
    assert!(t.ids().is_empty(), "destroy leaves no deployment");
    assert!(p.deployment_ids().is_empty());
}

/// Without stageName, a stage still pointing at the old deployment makes its delete fail with
/// the provider's message; the new deployment is recorded, not lost.
#[test]
fn replacement_blocked_by_stage_keeps_new_deployment() {
    let t = Target::new("blocked");
    let p = t.project("blocked", &program(UNSTAGED));
    p.ok(&["up", "--yes"]);
    let old = p.outputs()["id"].as_str().unwrap().to_string();
    t.call(async {
        t.client
            .update_stage()
            .api_id(&t.fixture.api_id)
            .stage_name("prod")
            .deployment_id(&old)
            .send()
            .await
            .unwrap()
    });
    p.config("routes", "r2");
    let up = p.fails(&["up", "--yes"]);
    assert!(up.text().contains("stage 'prod' still points at it"), "{}", up.text());
    assert!(up.text().contains("stageName"), "the message says the way out:\n{}", up.text());
    let ids = t.ids();
    assert_eq!(ids.len(), 2, "old and new both exist: {ids:?}");
    let recorded = p.deployment_ids();
    let new = ids.iter().find(|i| **i != old).unwrap();
    assert!(recorded.contains(new), "new deployment {new} recorded in state {recorded:?}");
}

/// A deployment deleted behind Pulumi's back leaves the state on refresh; up recreates it.
#[test]
fn refresh_drops_deleted_deployment() {
    let t = Target::new("refresh");
    let p = t.project("refresh", &program(UNSTAGED));
    p.ok(&["up", "--yes"]);
    let id = p.outputs()["id"].as_str().unwrap().to_string();
    t.call(async {
        t.client
            .delete_deployment()
            .api_id(&t.fixture.api_id)
            .deployment_id(&id)
            .send()
            .await
            .unwrap()
    });
    p.ok(&["refresh", "--yes"]);
    assert!(p.deployment_ids().is_empty(), "refresh dropped it");
    p.ok(&["up", "--yes"]);
    let ids = t.ids();
    assert_eq!(ids.len(), 1);
    assert_ne!(ids[0], id);
    assert_eq!(p.deployment_ids(), ids);
}

/// `pulumi import apiId/deploymentId` generates code with apiId and description; a program with
/// that code previews with no changes; a malformed id fails with the expected form.
#[test]
fn import_generates_code_without_diff() {
    let t = Target::new("import");
    let dep_id = t.deployment_made_outside("made elsewhere");
    let header = r#"name: e2e
runtime: yaml
config:
  apiId:
    type: string
"#;
    let p = t.project("import", &format!("{header}resources: {{}}\n"));
    let import_id = format!("{}/{dep_id}", t.fixture.api_id);
    p.ok(&[
        "import",
        "aws-apigatewayv2:index:Deployment",
        "imported",
        &import_id,
        "--yes",
        "--out",
        "generated.yaml",
    ]);
    let code = std::fs::read_to_string(p.path("generated.yaml")).unwrap();
    assert!(code.contains(&format!("apiId: {}", t.fixture.api_id)), "{code}");
    assert!(code.contains("description: made elsewhere"), "{code}");
    assert_eq!(p.deployment_ids(), vec![dep_id]);
    p.write_program(&format!("{header}{code}"));
    p.ok(&["preview", "--expect-no-changes"]);

    let bad = p.fails(&["import", "aws-apigatewayv2:index:Deployment", "broken", "not-a-valid-id", "--yes"]);
    assert!(bad.text().contains("<apiId>/<deploymentId>"), "{}", bad.text());
}

/// Bad input fails preview with the property named, and nothing is created.
#[test]
fn bad_input_fails_preview() {
    let t = Target::new("badinput");
    let long = "x".repeat(2000);
    let p = t.project("badinput", &program(&format!("      apiId: ${{apiId}}\n      description: {long}")));
    let run = p.fails(&["preview"]);
    assert!(
        run.text().contains("description must be at most 1024 characters long, got 2000"),
        "{}",
        run.text()
    );
    p.write_program(&program("      description: no api"));
    let run = p.fails(&["preview"]);
    // The YAML host checks required properties against schema.json (generated from the same
    // declaration) before the provider's Check sees them.
    assert!(run.text().contains("apiId: Missing required property 'apiId'"), "{}", run.text());
    let run = p.fails(&["up", "--yes"]);
    assert!(run.text().contains("apiId"), "{}", run.text());
    assert!(t.ids().is_empty(), "nothing created");
    if let Some(em) = &t.em {
        assert!(em.emulator.stats().get("CreateDeployment").is_none());
    }
}

/// A secret description stays secret: no plaintext anywhere in the exported stack or state files.
#[test]
fn secret_description_stays_secret() {
    let t = Target::new("secret");
    let secret_text = "e2e-top-secret-7781";
    let p = t.project(
        "secret",
        &program(&format!(
            "      apiId: ${{apiId}}\n      description:\n        fn::secret: {secret_text}"
        )),
    );
    p.ok(&["up", "--yes"]);
    assert_eq!(t.deployments()[0].2.as_deref(), Some(secret_text), "AWS got the real description");
    let export = p.export();
    assert!(
        export.contains("4dabf18193072939515e22adb298388d") || export.contains("ciphertext"),
        "state marks the secret"
    );
    assert!(!export.contains(secret_text), "plaintext in exported stack");
    assert!(!all_text_under(&p.path(".state")).contains(secret_text), "plaintext in state files");
}

/// The plugin as users install it: `make dist`'s archive format through `pulumi plugin install
/// --file`, with the provider no longer on PATH; `pulumi package get-schema` of the binary and of
/// the installed plugin serves schema.json, C# and Java sections included.
#[test]
fn installed_plugin_archive_works() {
    let t = Target::new("installed");
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let version = env!("CARGO_PKG_VERSION");
    let archive = pack_plugin("installed-dist");
    assert!(
        archive.ends_with(&format!("pulumi-resource-aws-apigatewayv2-v{version}-linux-amd64.tar.gz")),
        "{archive}"
    );

    let p = t.configure(Project::without_provider_on_path("installed", &program(UNSTAGED), &t.env_refs()));
    p.ok(&["plugin", "install", "resource", "aws-apigatewayv2", version, "--file", &archive]);
    let listed = p.ok(&["plugin", "ls"]);
    assert!(
        listed.stdout.contains("aws-apigatewayv2") && listed.stdout.contains(version),
        "{}",
        listed.stdout
    );
    let up = p.ok(&["up", "--yes"]);
    assert!(
        !up.text().contains("from $PATH"),
        "the installed plugin was used, not one on PATH:\n{}",
        up.text()
    );
    assert_eq!(p.outputs()["status"], "DEPLOYED");

    let schema = p.ok(&["package", "get-schema", &provider_binary().display().to_string()]);
    let served: serde_json::Value = serde_json::from_str(&schema.stdout).expect("schema JSON");
    let committed: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(repo.join("schema.json")).unwrap()).unwrap();
    assert!(served == committed, "`pulumi package get-schema` differs from schema.json");
    // What a .NET or Java user's own Pulumi install generates an SDK from (`pulumi package
    // gen-sdk aws-apigatewayv2@<version> --language dotnet|java`): the installed archive's schema,
    // with the sections those generators read.
    let installed = p.ok(&["package", "get-schema", &format!("aws-apigatewayv2@{version}")]);
    let installed: serde_json::Value = serde_json::from_str(&installed.stdout).expect("schema JSON");
    assert!(installed == committed, "the installed plugin's schema differs from schema.json");
    assert_eq!(installed["language"]["csharp"]["rootNamespace"], json!("Pulumi.AwsApiGatewayV2"));
    assert_eq!(installed["language"]["java"]["basePackage"], json!("com.pulumi.awsapigatewayv2"));
}

/// Polls `check` every 20 ms until it holds or `timeout` passes.
fn poll(what: &str, timeout: std::time::Duration, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + timeout;
    while !check() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Starts `pulumi up` of an unstaged deployment that stays PENDING for 3 s and returns once AWS
/// has created it (None on real AWS, where the delay cannot be set).
fn up_stuck_pending(t: &Target, test: &str) -> Option<(Project, std::process::Child)> {
    let em = t.em.as_ref()?;
    em.emulator.set_deploy_delay(std::time::Duration::from_secs(300));
    let p = t.project(test, &program(UNSTAGED));
    let engine = p.spawn("up-interrupted", &["up", "--yes", "--skip-preview"]);
    poll("the deployment to be created", std::time::Duration::from_secs(30), || {
        !em.emulator.deployment_ids(&t.fixture.api_id).is_empty()
    });
    Some((p, engine))
}

/// The documented recovery for a deployment the engine never learned of: import it under the
/// program's resource name, then `pulumi up`; state and AWS must end with the same single one.
fn adopt_and_converge(t: &Target, p: &Project, id: &str) {
    let import_id = format!("{}/{id}", t.fixture.api_id);
    p.ok(&[
        "import",
        "aws-apigatewayv2:index:Deployment",
        "deployment",
        &import_id,
        "--yes",
        "--protect=false",
    ]);
    p.ok(&["up", "--yes"]);
    assert_eq!(p.deployment_ids(), t.ids(), "state and AWS agree");
    assert_eq!(t.ids().len(), 1, "no duplicate");
}

/// A deployment still PENDING when create's customTimeout ran out is recorded with its id; the
/// next `pulumi up` finishes it (waits for DEPLOYED) instead of creating a second one.
#[test]
fn init_error_is_finished_by_next_up() {
    let t = Target::new("initerr");
    let Some(em) = &t.em else { return };
    // 300 s at the emulator's 0.01 time scale: PENDING for 3 s.
    em.emulator.set_deploy_delay(std::time::Duration::from_secs(300));
    let program = r#"name: e2e
runtime: yaml
config:
  apiId:
    type: string
resources:
  deployment:
    type: aws-apigatewayv2:Deployment
    properties:
      apiId: ${apiId}
      description: slow
    options:
      customTimeouts:
        create: 1s
"#;
    let p = t.project("initerr", program);
    let up = p.fails(&["up", "--yes"]);
    assert!(up.text().contains("still PENDING"), "{}", up.text());
    let recorded = p.deployment_ids();
    assert_eq!(recorded, t.ids(), "the PENDING deployment is in the state with its id");
    poll("DEPLOYED", std::time::Duration::from_secs(20), || {
        t.deployments()[0].1 == "DEPLOYED"
    });
    p.ok(&["up", "--yes"]);
    assert_eq!(p.deployment_ids(), recorded, "finished, not replaced or duplicated");
    assert_eq!(t.ids(), recorded);
}

/// kill -9 of the engine alone while the provider waits for DEPLOYED: the orphaned provider
/// notices and exits by itself within seconds instead of waiting on with nobody to answer.
#[test]
fn provider_exits_when_engine_killed() {
    let t = Target::new("orphan");
    let Some((_p, mut engine)) = up_stuck_pending(&t, "orphan") else {
        return;
    };
    let providers = provider_pids(&engine);
    let others: Vec<String> = children(&engine).into_iter().filter(|pid| !providers.contains(pid)).collect();
    engine.kill().unwrap();
    engine.wait().unwrap();
    // The language host is Pulumi's and does not watch its parent: it goes as a crash would take it.
    for pid in others {
        kill9(&pid);
    }
    poll(
        &format!("the orphaned provider {providers:?} to exit"),
        std::time::Duration::from_secs(10),
        || providers.iter().all(|pid| process_ended(pid)),
    );
}

/// kill -9 of the provider alone while it waits for DEPLOYED: the engine sees the plugin die,
/// counts the create as failed and never learns the id. The deployment AWS made is reported and
/// recovered the documented way (`pulumi import` under the program's resource name), after
/// which `pulumi up` converges with no duplicate.
#[test]
fn kill_provider_during_create_then_recover() {
    let t = Target::new("killcreate");
    let Some((p, mut engine)) = up_stuck_pending(&t, "killcreate") else {
        return;
    };
    kill_provider(&engine);
    assert!(!engine.wait().unwrap().success(), "the killed up fails");
    let id = t.ids().pop().unwrap();
    assert!(p.deployment_ids().is_empty(), "the engine did not record it");
    eprintln!(
        "kill_provider_during_create_then_recover: deployment {id} was created before the kill and is unknown to the engine (1 of 1 runs); recovering with pulumi import"
    );
    adopt_and_converge(&t, &p, &id);
}

/// kill -9 of the engine and the provider together (a crashed machine) while the provider waits
/// for DEPLOYED: the checkpoint keeps a pending create with no id. Pulumi 3.274's
/// `refresh --import-pending-creates URN ID` drops the operation without reading the resource
/// (observed here: no Read reaches the provider), so the recovery that converges is: `pulumi
/// cancel` (the stale lock), `pulumi refresh --clear-pending-creates`, `pulumi import` of the
/// deployment AWS made under the program's resource name, then `pulumi up`.
#[test]
fn crash_during_create_then_recover() {
    let t = Target::new("crashcreate");
    let Some((p, mut engine)) = up_stuck_pending(&t, "crashcreate") else {
        return;
    };
    let kids = children(&engine);
    engine.kill().unwrap();
    for pid in kids {
        kill9(&pid);
    }
    engine.wait().unwrap();
    let id = t.ids().pop().unwrap();
    let state: serde_json::Value = serde_json::from_str(&p.export()).unwrap();
    let pending = &state["deployment"]["pending_operations"];
    assert_eq!(pending[0]["type"], "creating", "the checkpoint keeps a pending create: {pending}");
    eprintln!("crash_during_create_then_recover: deployment {id} was created before the crash and is unknown to the engine (1 of 1 runs)");
    p.ok(&["cancel", "--yes"]);
    p.ok(&["refresh", "--yes", "--clear-pending-creates"]);
    adopt_and_converge(&t, &p, &id);
    assert_eq!(p.outputs()["status"], "DEPLOYED");
}

/// kill -9 of the provider while DeleteDeployment is in flight: `pulumi refresh` and `pulumi
/// destroy` converge (AWS and state both empty), whether or not the delete took effect.
#[test]
fn kill_during_delete_then_recover() {
    let t = Target::new("killdelete");
    let Some(em) = &t.em else { return };
    let p = t.project("killdelete", &program(UNSTAGED));
    p.ok(&["up", "--yes"]);
    em.emulator.add_fault(apigatewayv2_emulator::faults::FaultRule {
        operation: "DeleteDeployment".into(),
        kind: apigatewayv2_emulator::faults::FaultKind::Latency { latency_ms: 10_000 },
        count: Some(1),
        probability: 1.0,
    });
    let mut engine = p.spawn("destroy-killed", &["destroy", "--yes", "--skip-preview"]);
    poll("DeleteDeployment to arrive", std::time::Duration::from_secs(30), || {
        em.emulator.received("DeleteDeployment") >= 1
    });
    kill_provider(&engine);
    assert!(!engine.wait().unwrap().success(), "the killed destroy fails");
    p.ok(&["refresh", "--yes"]);
    p.ok(&["destroy", "--yes"]);
    assert!(p.deployment_ids().is_empty());
    assert!(t.ids().is_empty(), "nothing left behind in AWS");
}

const FOLLOWING: &str = r#"      apiId: ${apiId}
      stageName: prod
      redeployOnApiChange: true"#;

fn add_route(t: &Target, key: &str) {
    t.call(async {
        t.client
            .create_route()
            .api_id(&t.fixture.api_id)
            .route_key(key)
            .send()
            .await
            .expect("CreateRoute")
    });
}

/// Route keys the stage serves now (the emulator's view of the deployment it points at).
fn served_routes(t: &Target) -> Option<serde_json::Value> {
    t.em.as_ref()
        .map(|em| em.emulator.serving(&t.fixture.api_id, "prod")["routeKeys"].clone())
}

/// redeployOnApiChange: a route added out of band makes preview show the replacement and why,
/// up replaces and the stage serves the new route; with nothing changed nothing is replaced.
#[test]
fn routes_changed_out_of_band_redeploy() {
    let t = Target::new("follow");
    let p = t.project("follow", &program(FOLLOWING));
    p.ok(&["up", "--yes"]);
    let first = p.outputs()["id"].as_str().unwrap().to_string();
    p.ok(&["preview", "--expect-no-changes"]);
    let same = p.ok(&["up", "--yes"]);
    assert!(!same.stdout.contains("replace"), "{}", same.stdout);
    assert_eq!(t.ids(), vec![first.clone()], "nothing changed: no new deployment");

    add_route(&t, "GET /users");
    let preview = p.ok(&["preview", "--diff"]);
    assert!(
        preview.stdout.contains("+-aws-apigatewayv2:index:Deployment: (replace)"),
        "{}",
        preview.stdout
    );
    assert!(preview.text().contains("taken before route GET /users added"), "{}", preview.text());
    p.ok(&["up", "--yes"]);
    let second = p.outputs()["id"].as_str().unwrap().to_string();
    assert_ne!(second, first);
    assert_eq!(t.ids(), vec![second.clone()]);
    assert_eq!(t.stage_deployment(), Some(second));
    if let Some(routes) = served_routes(&t) {
        assert_eq!(
            routes,
            json!(["GET /hello", "GET /users"]),
            "{}",
            t.em.as_ref().unwrap().emulator.serving(&t.fixture.api_id, "prod")
        );
    }
    p.ok(&["preview", "--expect-no-changes"]);
}

/// The emulator's calls that read an API's configuration (an HTTP API's: GetApi, GetRoutes,
/// GetIntegrations, GetAuthorizers).
fn config_reads(t: &Target) -> Option<u64> {
    let em = t.em.as_ref()?;
    Some(
        ["GetApi", "GetRoutes", "GetIntegrations", "GetAuthorizers"]
            .iter()
            .map(|op| em.emulator.received(op))
            .sum(),
    )
}

/// `pulumi preview` of many deployments following one API reads the API once (one call of each
/// Get*), unchanged or after a route was added, and then plans every replacement, each naming
/// the route; `pulumi up` reads it for each deployment (GetApi only once), since outside a
/// preview a read that matches is never taken for another deployment's.
#[test]
fn preview_of_many_followers_reads_the_api_once() {
    let n = 6;
    let t = Target::new("many-followers");
    let mut program = String::from("name: e2e\nruntime: yaml\nconfig:\n  apiId:\n    type: string\nresources:\n");
    for i in 0..n {
        program.push_str(&format!(
            "  d{i}:\n    type: aws-apigatewayv2:Deployment\n    properties:\n      apiId: ${{apiId}}\n      redeployOnApiChange: true\n"
        ));
    }
    let p = t.project("many-followers", &program);
    p.ok(&["up", "--yes"]);
    // The calls reading the API during `args` (none counted against real AWS).
    let reads = |args: &[&str]| {
        let before = config_reads(&t);
        let run = p.ok(args);
        (before.zip(config_reads(&t)).map(|(b, a)| a - b), run)
    };

    let (unchanged, _) = reads(&["preview", "--expect-no-changes"]);
    let (updated, _) = reads(&["up", "--yes", "--skip-preview", "--expect-no-changes"]);
    if t.em.is_some() {
        assert_eq!(unchanged, Some(4), "unchanged preview: one read in all");
        assert_eq!(updated, Some(1 + 3 * n), "up: one read per deployment");
    }

    add_route(&t, "POST /many");
    let (moved, preview) = reads(&["preview", "--diff"]);
    if t.em.is_some() {
        assert_eq!(moved, Some(4), "moved on: one read in all\n{}", preview.text());
    }
    let replaced = preview.stdout.matches("+-aws-apigatewayv2:index:Deployment: (replace)").count();
    assert_eq!(replaced as u64, n, "{}", preview.stdout);
    let named = preview.stdout.matches("+ route POST /many").count();
    assert_eq!(named as u64, n, "{}", preview.stdout);
    p.ok(&["up", "--yes"]);
    p.ok(&["preview", "--expect-no-changes"]);
    p.ok(&["destroy", "--yes"]);
}

/// A step of `pulumi preview --json` that changes something: resource name, op, diffReasons,
/// and the detailedDiff paths with their kinds.
type ChangedStep = (String, String, Vec<String>, Vec<(String, String)>);

/// The steps of a `pulumi preview --json` that change something.
fn changed_steps(json_out: &str) -> Vec<ChangedStep> {
    let doc: serde_json::Value = serde_json::from_str(json_out).unwrap_or_else(|e| panic!("{e}: {json_out}"));
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    };
    doc["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["op"] != "same")
        .map(|s| {
            let name = s["urn"]
                .as_str()
                .unwrap_or_default()
                .rsplit("::")
                .next()
                .unwrap_or_default()
                .to_string();
            let mut detailed: Vec<(String, String)> = s["detailedDiff"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v["kind"].as_str().unwrap_or_default().to_string()))
                .collect();
            detailed.sort();
            (
                name,
                s["op"].as_str().unwrap_or_default().to_string(),
                strings(&s["diffReasons"]),
                detailed,
            )
        })
        .collect()
}

/// What a reviewer reads in a preview of an API-following deployment: each route or integration
/// added, removed or changed, by name, in `preview --diff`, in the summary line and in
/// `--json`'s detailedDiff; nothing at all while the API is as the deployment took it.
#[test]
fn preview_names_each_api_change() {
    let t = Target::new("preview-names");
    let p = t.project("preview-names", &program(FOLLOWING));
    let integration = t.call(http_integration(&t.client, &t.fixture.api_id, "https://example.com/v1"));
    p.ok(&["up", "--yes"]);

    // Unchanged: no diff at all.
    let same = p.ok(&["preview", "--diff"]);
    assert!(
        !same.stdout.contains("apiFingerprintParts") && !same.stdout.contains("replace"),
        "{}",
        same.stdout
    );
    assert!(changed_steps(&p.ok(&["preview", "--json"]).stdout).is_empty());

    // An added route.
    add_route(&t, "POST /b");
    let added = p.ok(&["preview", "--diff"]);
    assert!(added.stdout.contains("+ route POST /b"), "{}", added.stdout);
    assert!(
        !added.stdout.contains("- route GET /hello") && !added.stdout.contains("- apiFingerprintParts"),
        "{}",
        added.stdout
    );
    let summary = p.ok(&["preview"]);
    assert!(summary.stdout.contains("[diff: ~apiFingerprintParts]"), "{}", summary.stdout);
    assert_eq!(
        changed_steps(&p.ok(&["preview", "--json"]).stdout),
        vec![(
            "deployment".to_string(),
            "replace".to_string(),
            vec!["apiFingerprintParts".to_string()],
            vec![("apiFingerprintParts[\"route POST /b\"]".to_string(), "add-replace".to_string())]
        )]
    );
    p.ok(&["up", "--yes"]);

    // A removed route.
    let route_b = t.call(async {
        let routes = t.client.get_routes().api_id(&t.fixture.api_id).send().await.unwrap();
        routes
            .items()
            .iter()
            .find(|r| r.route_key() == Some("POST /b"))
            .and_then(|r| r.route_id())
            .unwrap()
            .to_string()
    });
    t.call(t.client.delete_route().api_id(&t.fixture.api_id).route_id(&route_b).send())
        .unwrap();
    let removed = p.ok(&["preview", "--diff"]);
    assert!(removed.stdout.contains("- route POST /b"), "{}", removed.stdout);
    assert!(!removed.stdout.contains("- route GET /hello"), "{}", removed.stdout);
    p.ok(&["up", "--yes"]);

    // A changed integration.
    t.call(
        t.client
            .update_integration()
            .api_id(&t.fixture.api_id)
            .integration_id(&integration)
            .integration_uri("https://example.com/v2")
            .send(),
    )
    .unwrap();
    let changed = p.ok(&["preview", "--diff"]);
    let label = format!("integration {integration}");
    assert!(changed.stdout.contains(&format!("~ {label}")), "{}", changed.stdout);
    assert!(changed.stdout.contains("integrationUri="), "{}", changed.stdout);
    let steps = changed_steps(&p.ok(&["preview", "--json"]).stdout);
    assert_eq!(
        steps[0].3,
        vec![(format!("apiFingerprintParts[\"{label}\"]"), "update-replace".to_string())]
    );
    p.ok(&["up", "--yes"]);
    p.ok(&["preview", "--expect-no-changes"]);
}

/// Update plans (`pulumi preview --save-plan`, then `pulumi up --plan`, experimental in the
/// pinned CLI: PULUMI_EXPERIMENTAL=true): a plan that already holds the replacement of an
/// API-following deployment is carried out as planned, the live fingerprint Check writes being
/// what the plan recorded; an API that changes again after the preview makes `up --plan` refuse,
/// naming apiFingerprintParts, before anything is replaced.
#[test]
fn update_plans_carry_the_replacement() {
    let t = Target::new("plans");
    let mut p = t.project("plans", &program(FOLLOWING));
    p.set_env("PULUMI_EXPERIMENTAL", "true");
    p.ok(&["up", "--yes"]);
    let first = p.outputs()["id"].as_str().unwrap().to_string();
    add_route(&t, "POST /planned");
    let plan = p.path("plan.json").display().to_string();
    let preview = p.ok(&["preview", "--save-plan", &plan]);
    assert!(preview.stdout.contains("replace"), "{}", preview.stdout);
    p.ok(&["up", "--yes", "--plan", &plan]);
    let second = p.outputs()["id"].as_str().unwrap().to_string();
    assert_ne!(second, first, "replaced as planned");
    assert_eq!(t.ids(), vec![second.clone()]);

    add_route(&t, "POST /again");
    p.ok(&["preview", "--save-plan", &plan]);
    add_route(&t, "POST /after-the-preview");
    let refused = p.fails(&["up", "--yes", "--plan", &plan]);
    assert!(
        refused.text().contains("violates plan: properties changed: ~~apiFingerprintParts"),
        "{}",
        refused.text()
    );
    assert_eq!(t.ids(), vec![second], "nothing was replaced off the plan");
}

/// Without the option a route added out of band replaces nothing, and refresh warns that the
/// stage serves a deployment taken before it.
#[test]
fn option_off_refresh_warns() {
    let t = Target::new("warns");
    let p = t.project("warns", &program(RELEASED));
    p.ok(&["up", "--yes"]);
    let id = p.outputs()["id"].as_str().unwrap().to_string();
    add_route(&t, "GET /users");
    p.ok(&["preview", "--expect-no-changes"]);
    let refresh = p.ok(&["refresh", "--yes"]);
    let expected = format!(
        "stage prod serves deployment {id} of API {}, taken before route GET /users added; set redeployOnApiChange or change triggers",
        t.fixture.api_id
    );
    assert!(refresh.text().contains(&expected), "{}", refresh.text());
    assert_eq!(t.ids(), vec![id]);
}

/// stageName naming an autoDeploy stage fails the up before anything is created.
#[test]
fn auto_deploy_stage_refused() {
    let t = Target::new("autodeploy");
    t.call(async {
        t.client
            .create_stage()
            .api_id(&t.fixture.api_id)
            .stage_name("live")
            .auto_deploy(true)
            .send()
            .await
            .unwrap()
    });
    // Deployments other than the ones the stage's autoDeploy made.
    let ours = || {
        t.deployments()
            .into_iter()
            .filter(|d| d.2.as_deref() != Some("Automatic deployment triggered by changes to the Api configuration"))
            .count()
    };
    let before = ours();
    let p = t.project("autodeploy", &program("      apiId: ${apiId}\n      stageName: live"));
    let up = p.fails(&["up", "--yes"]);
    assert!(
        up.text().contains("stage 'live' has autoDeploy enabled") && up.text().contains("drop stageName"),
        "{}",
        up.text()
    );
    assert_eq!(before, ours(), "nothing was created");
}

/// The state of the stack's one Deployment (its id, inputs and outputs).
fn deployment_state(p: &Project) -> serde_json::Value {
    let mut found: Vec<_> = state_resources(p)
        .into_iter()
        .filter(|r| r["type"] == "aws-apigatewayv2:index:Deployment")
        .collect();
    assert_eq!(found.len(), 1, "one Deployment in the state");
    found.remove(0)
}

/// Every resource of the stack's exported state (urn, type, id, inputs, outputs).
fn state_resources(p: &Project) -> Vec<serde_json::Value> {
    let state: serde_json::Value = serde_json::from_str(&p.export()).unwrap();
    state["deployment"]["resources"].as_array().cloned().unwrap_or_default()
}

/// The previous releases' archives (`make prev-release`), as `version=path` pairs.
fn previous_releases() -> Vec<(String, String)> {
    let pairs = std::env::var("PREV_RELEASE_ARCHIVES").unwrap_or_default();
    pairs
        .split_whitespace()
        .filter_map(|p| p.split_once('='))
        .map(|(v, a)| (v.to_string(), a.to_string()))
        .collect()
}

/// A stack deployed with each previous release's plugin (0.1.0: no fingerprint; both: no
/// `region`) shows no change when upgraded, and none after a refresh records the region; from
/// 0.1.0, turning redeployOnApiChange on then is an update, never a replacement.
#[test]
fn upgrade_from_previous_releases() {
    let releases = previous_releases();
    if releases.is_empty() {
        eprintln!("skipped: PREV_RELEASE_ARCHIVES names no previous release (`make prev-release` builds them from their commits)");
        return;
    }
    let version = env!("CARGO_PKG_VERSION");
    let new_archive = pack_plugin("upgrade-dist");
    for (old_version, old_archive) in releases {
        if !std::path::Path::new(&old_archive).exists() {
            eprintln!("skipped {old_version}: no archive at {old_archive:?} (`make prev-release` builds it from its commit)");
            continue;
        }
        let name = format!("upgrade-{old_version}");
        let t = Target::new(&name);
        let p = t.configure(Project::without_provider_on_path(&name, &program(RELEASED), &t.env_refs()));
        p.ok(&[
            "plugin",
            "install",
            "resource",
            "aws-apigatewayv2",
            &old_version,
            "--file",
            &old_archive,
        ]);
        p.ok(&["up", "--yes"]);
        let id = p.outputs()["id"].as_str().unwrap().to_string();
        let before = deployment_state(&p);
        assert!(
            before["inputs"].get("region").is_none() && before["outputs"].get("region").is_none(),
            "{old_version} records no region: {before}"
        );

        p.ok(&["plugin", "install", "resource", "aws-apigatewayv2", version, "--file", &new_archive]);
        let up = p.ok(&["up", "--yes", "--expect-no-changes"]);
        assert!(up.stdout.contains("unchanged"), "{old_version}: {}", up.stdout);
        let log = std::fs::read_to_string(p.artifacts.join("grpc.log")).unwrap_or_default();
        assert!(log.contains(&format!("\"version\":\"{version}\"")), "the engine now runs {version}");
        p.ok(&["refresh", "--yes"]);
        assert_eq!(
            deployment_state(&p)["outputs"]["region"],
            json!("us-east-1"),
            "refresh records the region"
        );
        p.ok(&["preview", "--expect-no-changes"]);
        assert_eq!(p.outputs()["id"], id.as_str());

        if old_version != "0.1.0" {
            continue;
        }
        assert!(!p.export().contains("apiFingerprint"), "0.1.0 records no fingerprint");
        p.write_program(&program(&format!("{RELEASED}\n      redeployOnApiChange: true")));
        add_route(&t, "GET /users");
        let preview = p.ok(&["preview", "--diff"]);
        assert!(
            preview.stdout.contains("~ aws-apigatewayv2:index:Deployment: (update)"),
            "{}",
            preview.stdout
        );
        assert!(!preview.stdout.contains("replace"), "{}", preview.stdout);
        assert!(preview.text().contains("has no recorded API fingerprint"), "{}", preview.text());
        p.ok(&["up", "--yes"]);
        assert_eq!(p.outputs()["id"], id.as_str(), "never a silent replacement");
    }
}

/// Deployments in two regions from one provider: one takes the provider's region, one sets its
/// own; each is made in its region, an import id with `@region` adopts one made outside, a
/// change of the provider's region plans the replacement of only the deployment that took it
/// (naming `region`), and destroy removes both.
#[test]
fn deployments_in_two_regions() {
    let t = Target::new("regions");
    let other = t.in_other_region("regions-west");
    let program = format!(
        r#"name: e2e
runtime: yaml
config:
  apiId:
    type: string
  otherApiId:
    type: string
resources:
  home:
    type: aws-apigatewayv2:Deployment
    properties:
      apiId: ${{apiId}}
  away:
    type: aws-apigatewayv2:Deployment
    properties:
      apiId: ${{otherApiId}}
      region: {region}
outputs:
  homeId: ${{home.id}}
  homeRegion: ${{home.region}}
  awayId: ${{away.id}}
  awayRegion: ${{away.region}}
"#,
        region = other.region
    );
    let p = t.project("regions", &program);
    p.config("otherApiId", &other.fixture.api_id);
    p.ok(&["up", "--yes"]);
    let out = p.outputs();
    let home_region = out["homeRegion"].as_str().unwrap().to_string();
    assert_eq!(out["awayRegion"], json!(other.region));
    assert_eq!(t.ids(), vec![out["homeId"].as_str().unwrap().to_string()]);
    assert_eq!(
        t.ids_of(&other.client, &other.fixture.api_id),
        vec![out["awayId"].as_str().unwrap().to_string()]
    );

    let outside = t.call(async {
        other
            .client
            .create_deployment()
            .api_id(&other.fixture.api_id)
            .description("made outside")
            .send()
            .await
            .unwrap()
            .deployment_id()
            .unwrap()
            .to_string()
    });
    let import_id = format!("{}/{outside}@{}", other.fixture.api_id, other.region);
    p.ok(&["import", "aws-apigatewayv2:index:Deployment", "adopted", &import_id, "--yes"]);
    let adopted = state_resources(&p)
        .into_iter()
        .find(|r| r["urn"].as_str().is_some_and(|u| u.ends_with("::adopted")))
        .expect("the import is in the state");
    assert_eq!(adopted["id"], json!(outside));
    assert_eq!(adopted["inputs"]["region"], json!(other.region), "{adopted}");
    // Imports are protected; it stays outside the program's stack from here on.
    p.ok(&[
        "state",
        "delete",
        "urn:pulumi:dev::e2e::aws-apigatewayv2:index:Deployment::adopted",
        "--yes",
        "--force",
    ]);

    let new_region = if home_region == other.region {
        "us-west-1"
    } else {
        other.region.as_str()
    };
    p.config("aws-apigatewayv2:region", new_region);
    let preview = p.ok(&["preview", "--diff", "--json"]);
    let replaced: Vec<(String, Vec<String>)> = changed_steps(&preview.stdout)
        .into_iter()
        .filter(|(_, op, ..)| op == "replace")
        .map(|(name, _, reasons, _)| (name, reasons))
        .collect();
    assert_eq!(
        replaced,
        vec![("home".to_string(), vec!["region".to_string()])],
        "{}",
        preview.stdout
    );
    p.config("aws-apigatewayv2:region", &home_region);

    p.ok(&["destroy", "--yes"]);
    assert!(t.ids().is_empty());
    assert_eq!(t.ids_of(&other.client, &other.fixture.api_id), vec![outside]);
}

/// No credentials anywhere in the chain fail `pulumi preview` at Configure with the ways to
/// supply them, and a dead endpoint fails it naming the endpoint and the OS error; neither
/// reaches API Gateway (no retries against either).
#[test]
fn configure_fails_fast_without_credentials_or_endpoint() {
    let t = Target::new("preflight");
    let Some(em) = &t.em else { return };
    let nowhere = target_dir().join("e2e-artifacts/preflight/no-such-file");
    let nowhere = nowhere.to_str().unwrap();
    let env = [
        ("AWS_REGION", "us-east-1"),
        ("AWS_SHARED_CREDENTIALS_FILE", nowhere),
        ("AWS_CONFIG_FILE", nowhere),
    ];
    let p = Project::new("preflight", &program(UNSTAGED), &env);
    p.config("apiId", &t.fixture.api_id);
    let fixture_calls = em.emulator.stats();
    p.config("aws-apigatewayv2:endpoint", em.url.as_str());
    let out = p.fails(&["preview"]).text();
    assert!(out.contains("no AWS credentials found"), "{out}");
    assert!(
        out.contains("AWS_ACCESS_KEY_ID") && out.contains("skipCredentialsValidation"),
        "{out}"
    );
    assert!(!out.contains("CredentialsNotLoaded {"), "no Debug dump:\n{out}");

    p.config("aws-apigatewayv2:accessKey", apigatewayv2_emulator::DEFAULT_ACCESS_KEY);
    p.ok(&[
        "config",
        "set",
        "--secret",
        "aws-apigatewayv2:secretKey",
        apigatewayv2_emulator::DEFAULT_SECRET_KEY,
    ]);
    // A port nothing listens on: bind one, then free it.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    p.config("aws-apigatewayv2:endpoint", &format!("http://{dead}"));
    let out = p.fails(&["preview"]).text();
    assert!(out.contains(&format!("cannot reach the endpoint http://{dead}")), "{out}");
    assert!(out.to_lowercase().contains("connection refused"), "the OS error is named:\n{out}");
    assert_eq!(em.emulator.stats(), fixture_calls, "no API Gateway call was made");
}

/// The functions through the real CLI: YAML `fn::invoke` of getStage, getDeployment and
/// getApiFingerprint after a Deployment is released to a stage (the stage serves it, the live
/// fingerprint equals the recorded one), and `pulumi do` invoking getDeployments by its token.
#[test]
fn functions_through_the_cli() {
    let t = Target::new("functions");
    let program = r#"name: e2e
runtime: yaml
config:
  apiId:
    type: string
resources:
  deployment:
    type: aws-apigatewayv2:Deployment
    properties:
      apiId: ${apiId}
      stageName: prod
variables:
  stage:
    fn::invoke:
      function: aws-apigatewayv2:index:getStage
      arguments:
        apiId: ${deployment.apiId}
        stageName: prod
  live:
    fn::invoke:
      function: aws-apigatewayv2:index:getApiFingerprint
      arguments:
        apiId: ${deployment.apiId}
  one:
    fn::invoke:
      function: aws-apigatewayv2:index:getDeployment
      arguments:
        apiId: ${apiId}
        deploymentId: ${deployment.id}
outputs:
  id: ${deployment.id}
  recorded: ${deployment.apiFingerprint}
  served: ${stage.deploymentId}
  live: ${live.apiFingerprint}
  status: ${one.deploymentStatus}
"#;
    let p = t.project("functions", program);
    p.ok(&["up", "--yes"]);
    let out = p.outputs();
    assert_eq!(out["served"], out["id"], "getStage: the stage serves the new deployment: {out}");
    assert_eq!(
        out["live"], out["recorded"],
        "getApiFingerprint matches the recorded fingerprint: {out}"
    );
    assert_eq!(out["status"], json!("DEPLOYED"), "{out}");

    // --package names the plugin binary: `pulumi do` would otherwise look the package up in the
    // Pulumi registry, which this machine cannot reach.
    let plugin = provider_binary().display().to_string();
    let mut args = vec![
        "do".to_string(),
        "--package".into(),
        plugin,
        "aws-apigatewayv2:index:getDeployments".into(),
        "--api-id".into(),
        t.fixture.api_id.clone(),
    ];
    if let Some(url) = &t.endpoint {
        args.extend([
            "--aws-apigatewayv2:endpoint".into(),
            url.clone(),
            "--aws-apigatewayv2:region".into(),
            "us-east-1".into(),
        ]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let listed = p.ok(&args);
    let json: serde_json::Value =
        serde_json::from_str(listed.stdout.trim()).unwrap_or_else(|e| panic!("pulumi do prints JSON ({e}): {}", listed.text()));
    let ids: Vec<&str> = json["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["deploymentId"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&out["id"].as_str().unwrap()), "{json}");
}

/// `pulumi do` on the Deployment, stateless, as a new user would: `create` prints the bare id,
/// `list --all` offers the deployment as `<apiId>/<deploymentId>`, `read` takes that back, and
/// `read <bare id>` says exactly what to type.
#[test]
fn pulumi_do_create_list_read() {
    let t = Target::new("pulumido");
    let p = t.project("pulumido", "name: pulumido\nruntime: yaml\n");
    let plugin = provider_binary().display().to_string();
    let api = t.fixture.api_id.clone();
    let run = |verb: &[&str], ok: bool| {
        let mut args: Vec<String> = vec!["do".into(), "--package".into(), plugin.clone(), "--stateless".into()];
        args.push("aws-apigatewayv2:index:Deployment".into());
        args.extend(verb.iter().map(|s| s.to_string()));
        if let Some(url) = &t.endpoint {
            args.extend(["--aws-apigatewayv2:endpoint".to_string(), url.clone()]);
            args.extend(["--aws-apigatewayv2:region".to_string(), "us-east-1".to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        if ok { p.ok(&args) } else { p.fails(&args) }
    };
    let created = run(&["create", "--yes", "--api-id", &api, "--description", "made by pulumi do"], true);
    let listed = run(&["list", "--all", "--api-id", &api], true);
    let json: serde_json::Value =
        serde_json::from_str(listed.stdout.trim()).unwrap_or_else(|e| panic!("list prints JSON ({e}): {}", listed.text()));
    let ids: Vec<String> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let bare = t.ids().into_iter().next().expect("the created deployment exists");
    assert!(created.text().contains(&bare), "create shows the id: {}", created.text());
    let full = format!("{api}/{bare}");
    assert_eq!(ids, vec![full.clone()], "{}", listed.text());
    let read = run(&["read", &full], true);
    assert!(
        read.text().contains("made by pulumi do"),
        "read takes the listed id back: {}",
        read.text()
    );
    let refused = run(&["read", &bare], false);
    assert!(
        refused.text().contains(&format!("`<apiId>/{bare}`")),
        "says what to type: {}",
        refused.text()
    );
}

/// The engine's `replacementTrigger` option (Pulumi #20850; the YAML host 1.25.0 does not offer
/// it, the Go SDK does) through an Automation API inline program: the same trigger plans nothing,
/// a new one replaces the deployment in the safe order, so the up succeeds even though AWS
/// refuses to delete a deployment a stage points at: the new one takes the stage over
/// (stageName) before the old one is deleted.
#[test]
fn replacement_trigger_replaces_in_the_safe_order() {
    let t = Target::new("replacementtrigger");
    let artifacts = target_dir().join("e2e-artifacts").join("replacementtrigger-auto");
    let _ = std::fs::remove_dir_all(&artifacts);
    let work = artifacts.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let driver = artifacts.join("replacement");
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/automation/replacement");
    let built = std::process::Command::new("go")
        .args(["build", "-o"])
        .arg(&driver)
        .arg(".")
        .current_dir(source)
        .status()
        .expect("go runs");
    assert!(built.success(), "the Automation API driver builds");
    let mut env = integration_tests::e2e::pulumi_env(&artifacts, &artifacts.join("state"));
    env.extend(t.env.iter().cloned());
    env.push(("E2E_API_ID".into(), t.fixture.api_id.clone()));
    env.push(("E2E_ENDPOINT".into(), t.endpoint.clone().unwrap_or_default()));
    env.push((
        "E2E_REGION".into(),
        std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into()),
    ));
    env.push(("E2E_WORK_DIR".into(), work.display().to_string()));
    env.push(("HOME".into(), std::env::var("HOME").unwrap_or_else(|_| "/root".into())));
    let out = std::process::Command::new(&driver)
        .env_clear()
        .envs(env)
        .output()
        .expect("driver runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "driver failed (artefacts {}):\n{stderr}", artifacts.display());
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("driver prints JSON ({e}): {stderr}"));
    assert_eq!(
        r["unchangedPlan"]["replace"],
        serde_json::Value::Null,
        "the same trigger replaces nothing: {r}"
    );
    assert_eq!(r["replacePlan"]["replace"], json!(1), "a new trigger plans one replacement: {r}");
    let (first, second) = (r["first"].as_str().unwrap(), r["second"].as_str().unwrap());
    assert_ne!(first, second, "{r}");
    assert_eq!(t.stage_deployment().as_deref(), Some(second), "the stage serves the new deployment");
    assert_eq!(t.ids(), vec![second.to_string()], "the old deployment was deleted");
}
