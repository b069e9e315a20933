//! The TypeScript, Python and Go examples as ordinary Pulumi projects, each run two ways with one
//! set of assertions: by the real CLI starting the language host (a normal Pulumi install's, on
//! PATH or in `PULUMI_LANGUAGE_HOSTS`; SKIPPED without it), and by an Automation API driver in
//! that language running the same example as an inline program, which needs no host (so CI runs
//! every SDK). The plugin comes from the `make dist` archive format, never from PATH.
//! Each: preview, up, an in-place update, a replacement, the plugin version the SDK asked for in
//! state, a clean preview, then destroy, with AWS's state checked after each step; through the
//! host also `pulumi import`, whose generated code joins the program and type-checks.
//! `make test` builds the SDKs and installs the examples' packages first (`make test-sdks`).

use integration_tests::e2e::{Project, Target, pack_plugin};
use std::path::{Path, PathBuf};
use std::process::Command;

const TOKEN: &str = "aws-apigatewayv2:index:Deployment";
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

#[derive(Clone, Copy, Debug)]
enum Lang {
    TypeScript,
    Python,
    Go,
}

impl Lang {
    fn example(self) -> &'static str {
        match self {
            Lang::TypeScript => "typescript",
            Lang::Python => "python",
            Lang::Go => "go",
        }
    }

    fn host(self) -> &'static str {
        match self {
            Lang::TypeScript => "pulumi-language-nodejs",
            Lang::Python => "pulumi-language-python",
            Lang::Go => "pulumi-language-go",
        }
    }

    fn import_file(self) -> &'static str {
        match self {
            Lang::TypeScript => "imported.ts",
            Lang::Python => "imported.py",
            Lang::Go => "imported.go",
        }
    }

    /// Points the copied project at what `make test-sdks` installed, as a user's project points
    /// at its installed packages: node_modules, the SDK venv, the Go SDK module.
    fn prepare(self, dir: &Path) {
        match self {
            Lang::TypeScript => {
                let modules = repo().join("examples/typescript/node_modules");
                assert!(modules.exists(), "examples/typescript has no node_modules: run `make test-sdks`");
                std::os::unix::fs::symlink(modules, dir.join("node_modules")).unwrap();
            }
            Lang::Python => {
                let venv = sdk_venv();
                let yaml = std::fs::read_to_string(dir.join("Pulumi.yaml")).unwrap();
                let yaml = yaml.replace(
                    "runtime: python\n",
                    &format!("runtime:\n  name: python\n  options:\n    virtualenv: {}\n", venv.display()),
                );
                std::fs::write(dir.join("Pulumi.yaml"), yaml).unwrap();
            }
            Lang::Go => {
                let sdk = repo().join("sdk/go");
                run_ok(
                    dir,
                    "go",
                    &[
                        "mod",
                        "edit",
                        &format!("-replace=github.com/example/pulumi-aws-apigatewayv2/sdk/go={}", sdk.display()),
                    ],
                );
            }
        }
    }

    /// Adds the code `pulumi import` wrote to the program, as a user pastes it in.
    fn add_import(self, dir: &Path) {
        let file = dir.join(self.import_file());
        let code = std::fs::read_to_string(&file).unwrap();
        match self {
            Lang::TypeScript => prepend(dir, "index.ts", "import \"./imported\";\n"),
            Lang::Python => append(dir, "__main__.py", "\nimport imported  # noqa: E402,F401\n"),
            Lang::Go => {
                // The generated file is a whole program; its resources move into a function that
                // the example's program calls.
                let open = "func main() {\n\tpulumi.Run(func(ctx *pulumi.Context) error {\n";
                let start = code.find(open).unwrap_or_else(|| panic!("unexpected Go import code:\n{code}"));
                let end = code
                    .rfind("\t})\n}")
                    .unwrap_or_else(|| panic!("unexpected Go import code:\n{code}"));
                let body = &code[start + open.len()..end];
                let func = format!("{}func imported(ctx *pulumi.Context) error {{\n{body}}}\n", &code[..start]);
                std::fs::write(&file, func).unwrap();
                let main = std::fs::read_to_string(dir.join("main.go")).unwrap();
                let main = main.replace(
                    "pulumi.Run(program)",
                    "pulumi.Run(func(ctx *pulumi.Context) error {\n\t\tif err := program(ctx); err != nil {\n\t\t\treturn err\n\t\t}\n\t\treturn imported(ctx)\n\t})",
                );
                std::fs::write(dir.join("main.go"), main).unwrap();
            }
        }
    }

    /// The language's own checker over the whole program, generated code included.
    fn type_check(self, dir: &Path) {
        match self {
            Lang::TypeScript => run_ok(dir, "npx", &["tsc", "--noEmit", "-p", "."]),
            Lang::Python => {
                let mypy = sdk_venv().join("bin/mypy");
                run_ok(dir, mypy.to_str().unwrap(), &["--strict", "__main__.py", "imported.py"]);
            }
            Lang::Go => {
                run_ok(dir, "go", &["build", "-o", "/dev/null", "./..."]);
                run_ok(dir, "go", &["vet", "./..."]);
            }
        }
    }
}

fn sdk_venv() -> PathBuf {
    let python = std::env::var("SDK_PYTHON").expect("SDK_PYTHON: the venv python with the SDK (make test-sdks)");
    Path::new(&python).parent().and_then(Path::parent).unwrap().to_path_buf()
}

fn run_ok(dir: &Path, program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        out.status.success(),
        "`{program} {}` failed in {}:\n{}\n{}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn prepend(dir: &Path, file: &str, text: &str) {
    let old = std::fs::read_to_string(dir.join(file)).unwrap();
    std::fs::write(dir.join(file), format!("{text}{old}")).unwrap();
}

fn append(dir: &Path, file: &str, text: &str) {
    let old = std::fs::read_to_string(dir.join(file)).unwrap();
    std::fs::write(dir.join(file), format!("{old}{text}")).unwrap();
}

/// Where a normal Pulumi install's language host is: the directory `PULUMI_LANGUAGE_HOSTS`
/// names, else one on PATH. (`make tools` builds only the CLI and the YAML host: the others are
/// not served as Go modules, and nothing is built from copied third-party sources.)
fn host_dir(host: &str) -> Option<std::path::PathBuf> {
    let named = std::env::var("PULUMI_LANGUAGE_HOSTS").ok().filter(|d| !d.is_empty());
    let path = std::env::var("PATH").unwrap_or_default();
    named
        .iter()
        .map(String::as_str)
        .chain(path.split(':'))
        .map(Path::new)
        .find(|d| d.join(host).exists())
        .map(Path::to_path_buf)
}

/// What the engine recorded as the default provider's version: the one the SDK asked for.
fn provider_version_in_state(p: &Project) -> Vec<String> {
    let state: serde_json::Value = serde_json::from_str(&p.export()).unwrap();
    state["deployment"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["type"] == "pulumi:providers:aws-apigatewayv2")
        .filter_map(|r| r["inputs"]["version"].as_str().map(str::to_string))
        .collect()
}

/// How the example's program runs: the CLI starts a normal Pulumi install's language host, or an
/// Automation API driver (tests/integration/automation/examples) runs it as an inline program
/// and the CLI calls back into the driver, which needs no language host. The same assertions
/// judge both.
enum Driver {
    /// The CLI runs the program with the language host it finds on PATH.
    Host,
    /// The driver program and its leading arguments (the script it runs, if any).
    Automation(PathBuf, Vec<String>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Via {
    Host,
    Automation,
}

impl Driver {
    /// The Automation API driver for `lang`, made ready in the project `dir`: the TypeScript
    /// program compiled to bin/, the Go driver compiled together with the example's `program`.
    fn automation(lang: Lang, dir: &Path) -> Driver {
        let drivers = repo().join("tests/integration/automation/examples");
        match lang {
            Lang::TypeScript => {
                run_ok(dir, "npx", &["tsc", "-p", "."]);
                Driver::Automation("node".into(), vec![drivers.join("driver.js").display().to_string()])
            }
            Lang::Python => Driver::Automation(sdk_venv().join("bin/python"), vec![drivers.join("driver.py").display().to_string()]),
            Lang::Go => {
                std::fs::copy(drivers.join("automation_driver.go"), dir.join("automation_driver.go")).unwrap();
                // The driver imports the Automation API (sdk/v3/go/auto): its modules join go.sum.
                run_ok(dir, "go", &["mod", "tidy"]);
                run_ok(dir, "go", &["build", "-tags", "pulumi_automation", "-o", "automation-driver", "."]);
                Driver::Automation(dir.join("automation-driver"), Vec::new())
            }
        }
    }

    /// `pulumi preview`, `up` or `destroy` on stack dev; what the CLI printed.
    fn run(&self, p: &Project, op: &str) -> String {
        match self {
            Driver::Host => {
                let args: &[&str] = if op == "preview" { &[op] } else { &[op, "--yes"] };
                p.ok(args).stdout
            }
            Driver::Automation(program, lead) => {
                let name = project_name(p);
                let mut args: Vec<&str> = lead.iter().map(String::as_str).collect();
                args.extend([op, name.as_str()]);
                p.program_ok(program, &args).stdout
            }
        }
    }
}

/// The project's name, from its Pulumi.yaml.
fn project_name(p: &Project) -> String {
    let yaml = std::fs::read_to_string(p.path("Pulumi.yaml")).unwrap();
    yaml.lines()
        .find_map(|l| l.strip_prefix("name: "))
        .expect("Pulumi.yaml names the project")
        .trim()
        .to_string()
}

/// The example's life through the real CLI: preview, up, an update in place, a replacement,
/// with the language host also `pulumi import` (its code generator is the host's), then destroy.
fn lifecycle(lang: Lang, via: Via) {
    let name = match via {
        Via::Host => format!("project-{}", lang.example()),
        Via::Automation => format!("automation-{}", lang.example()),
    };
    let hosts = match via {
        Via::Automation => None,
        Via::Host => {
            let Some(hosts) = host_dir(lang.host()) else {
                eprintln!(
                    "SKIPPED {lang:?} project through its language host: no {} in $PULUMI_LANGUAGE_HOSTS or on PATH \
                     (install Pulumi, or name the directory of its language hosts in PULUMI_LANGUAGE_HOSTS); \
                     the {lang:?} Automation API test runs the same example without one",
                    lang.host()
                );
                return;
            };
            Some(hosts)
        }
    };
    let t = Target::new(&name);
    let mut p = t.configure(Project::copy_of(
        &name,
        &repo().join("examples").join(lang.example()),
        &t.env_refs(),
    ));
    lang.prepare(&p.dir);
    let driver = match hosts {
        Some(hosts) => {
            p.prepend_path(&hosts);
            Driver::Host
        }
        None => Driver::automation(lang, &p.dir),
    };
    let archive = pack_plugin(&format!("{name}-dist"));
    p.ok(&["plugin", "install", "resource", "aws-apigatewayv2", VERSION, "--file", &archive]);

    if via == Via::Host {
        // The host reads the SDK's package metadata and names the plugin and version it needs.
        let required = p.ok(&["plugin", "ls", "--project"]).stdout;
        assert!(
            required
                .lines()
                .any(|l| l.split_whitespace().take(3).collect::<Vec<_>>() == ["aws-apigatewayv2", "resource", VERSION]),
            "{lang:?}: the project does not require aws-apigatewayv2 {VERSION}:\n{required}"
        );
    }

    let preview = driver.run(&p, "preview");
    assert!(preview.contains(&format!("{TOKEN} release create")), "{lang:?}:\n{preview}");
    assert!(t.ids().is_empty(), "{lang:?}: preview created nothing");

    driver.run(&p, "up");
    let out = p.outputs();
    let first = out["deploymentId"]
        .as_str()
        .unwrap_or_else(|| panic!("{lang:?}: {out}"))
        .to_string();
    assert_eq!(out["status"], "DEPLOYED", "{lang:?}: {out}");
    assert_eq!(out["autoDeployed"], false, "{lang:?}: {out}");
    assert!(
        out["apiFingerprint"].as_str().is_some_and(|f| f.starts_with("v1:")),
        "{lang:?}: {out}"
    );
    assert_eq!(
        t.deployments(),
        vec![(first.clone(), "DEPLOYED".into(), Some("Released by Pulumi".into()))]
    );
    assert_eq!(
        t.stage_deployment().as_deref(),
        Some(first.as_str()),
        "{lang:?}: released to the stage"
    );
    // The SDK's resources carry the plugin version it was generated for; the engine's default
    // provider takes it.
    assert_eq!(provider_version_in_state(&p), vec![VERSION.to_string()], "{lang:?}");

    p.config("description", "Second release");
    let up = driver.run(&p, "up");
    assert!(up.contains("1 updated"), "{lang:?}: description updates in place:\n{up}");
    assert_eq!(
        t.deployments(),
        vec![(first.clone(), "DEPLOYED".into(), Some("Second release".into()))]
    );

    p.config("routesVersion", "v2");
    let up = driver.run(&p, "up");
    assert!(up.contains("1 replaced"), "{lang:?}: a triggers change replaces:\n{up}");
    let second = p.outputs()["deploymentId"].as_str().unwrap().to_string();
    assert_ne!(second, first, "{lang:?}");
    assert_eq!(t.ids(), vec![second.clone()], "{lang:?}: the old deployment is deleted");
    assert_eq!(
        t.stage_deployment().as_deref(),
        Some(second.as_str()),
        "{lang:?}: the stage follows"
    );
    let mut expected_left = vec![second.clone()];

    if via == Via::Host {
        // A deployment made outside Pulumi, imported; its code joins the program and type-checks.
        let outside = t.deployment_made_outside("made outside");
        let import_id = format!("{}/{outside}", t.fixture.api_id);
        p.ok(&[
            "import",
            TOKEN,
            "outside",
            &import_id,
            "--yes",
            "--protect=false",
            "--out",
            lang.import_file(),
        ]);
        let code = std::fs::read_to_string(p.path(lang.import_file())).unwrap();
        assert!(
            code.contains(&t.fixture.api_id) && code.contains("made outside"),
            "{lang:?}:\n{code}"
        );
        lang.add_import(&p.dir);
        lang.type_check(&p.dir);
        let preview = p.run(&["preview", "--expect-no-changes", "--diff"]);
        assert!(
            preview.ok,
            "{lang:?}: the program with the imported code shows no change:\n{}",
            preview.text()
        );
        expected_left.push(outside);
    }
    expected_left.sort();
    let mut in_state = p.deployment_ids();
    in_state.sort();
    assert_eq!(in_state, expected_left, "{lang:?}: the state holds what AWS has");

    // With nothing changed the program plans nothing, whichever driver runs it.
    let again = driver.run(&p, "preview");
    assert!(
        again.contains("unchanged")
            && !["to create", "to update", "to replace", "to delete"]
                .iter()
                .any(|op| again.contains(op)),
        "{lang:?}: nothing planned:\n{again}"
    );

    delete_stage(&t);
    driver.run(&p, "destroy");
    assert!(t.ids().is_empty(), "{lang:?}: destroy removed every deployment");
}

/// The stage is not part of the programs, and AWS refuses to delete a deployment a stage points
/// at: the stage goes first, as it would in a program that owned it.
fn delete_stage(t: &Target) {
    t.call(async {
        t.client
            .delete_stage()
            .api_id(&t.fixture.api_id)
            .stage_name(&t.fixture.stage_name)
            .send()
            .await
            .unwrap()
    });
}

/// examples/typescript run by pulumi-language-nodejs (TypeScript through ts-node), tsc on import.
#[test]
fn typescript_project() {
    lifecycle(Lang::TypeScript, Via::Host);
}

/// examples/typescript compiled by tsc, run by Node's Automation API (LocalWorkspace, inline
/// program): no language host.
#[test]
fn typescript_automation() {
    lifecycle(Lang::TypeScript, Via::Automation);
}

/// examples/python run by pulumi-language-python from the SDK venv, mypy --strict on import.
#[test]
fn python_project() {
    lifecycle(Lang::Python, Via::Host);
}

/// examples/python's __main__.py run by Python's Automation API from the SDK venv: no language
/// host.
#[test]
fn python_automation() {
    lifecycle(Lang::Python, Via::Automation);
}

/// examples/go built and run by pulumi-language-go, go build/vet on import.
#[test]
fn go_project() {
    lifecycle(Lang::Go, Via::Host);
}

/// examples/go's `program` compiled with the Go Automation API driver: no language host.
#[test]
fn go_automation() {
    lifecycle(Lang::Go, Via::Automation);
}

/// Position of the first gRPC log line for `method` on resource `name` that satisfies `pick`.
fn grpc_position(p: &Project, method: &str, name: &str, pick: impl Fn(&serde_json::Value) -> bool) -> Option<usize> {
    let log = std::fs::read_to_string(p.artifacts.join("grpc.log")).unwrap_or_default();
    log.lines().position(|l| {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(l) else {
            return false;
        };
        v["method"] == format!("/pulumirpc.ResourceProvider/{method}")
            && v["progress"] == "response_completed"
            && v["request"]["urn"].as_str().is_some_and(|u| u.ends_with(&format!("::{name}")))
            && pick(&v)
    })
}

/// A route and the deployment that follows it changed in one `pulumi up`: preview cannot see the
/// new route yet, up updates the route first and the deployment's Diff, run after it, replaces
/// the deployment, so the stage serves the new route key (tests/integration/projects/).
#[test]
fn route_and_deployment_in_one_up() {
    let Some(hosts) = host_dir(Lang::Python.host()) else {
        eprintln!("SKIPPED route_and_deployment_in_one_up: no pulumi-language-python in $PULUMI_LANGUAGE_HOSTS or on PATH");
        return;
    };
    let name = "project-route-and-deployment";
    let t = Target::new(name);
    let source = repo().join("tests/integration/projects/route-and-deployment");
    let mut p = t.configure(Project::copy_of(name, &source, &t.env_refs()));
    p.prepend_path(&hosts);
    Lang::Python.prepare(&p.dir);
    // The dynamic provider's plugin, as Pulumi's own distribution ships it beside the CLI.
    let plugins = p.artifacts.join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    let shim = plugins.join("pulumi-resource-pulumi-python");
    let python = sdk_venv().join("bin/python");
    std::fs::write(&shim, format!("#!/bin/sh\nexec {} -u -m pulumi.dynamic \"$@\"\n", python.display())).unwrap();
    std::fs::set_permissions(&shim, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    p.prepend_path(&plugins);
    let archive = pack_plugin(&format!("{name}-dist"));
    p.ok(&["plugin", "install", "resource", "aws-apigatewayv2", VERSION, "--file", &archive]);
    let serving = |t: &Target| {
        t.em.as_ref()
            .map(|em| em.emulator.serving(&t.fixture.api_id, "prod")["routeKeys"].clone())
    };

    p.ok(&["up", "--yes"]);
    let first = p.outputs()["deploymentId"].as_str().unwrap().to_string();
    if let Some(keys) = serving(&t) {
        assert!(keys.to_string().contains("GET /one"), "{keys}");
    }

    p.config("routeKey", "GET /two");
    let preview = p.ok(&["preview", "--diff"]).stdout;
    assert!(preview.contains("~ pulumi-python:dynamic:Resource: (update)"), "{preview}");
    assert!(
        !preview.contains("aws-apigatewayv2:index:Deployment: (replace)"),
        "preview reads the API as it is before the route's update:\n{preview}"
    );
    std::fs::remove_file(p.artifacts.join("grpc.log")).unwrap();

    let up = p.ok(&["up", "--yes", "--skip-preview"]).stdout;
    assert!(up.contains("1 updated") && up.contains("1 replaced"), "{up}");
    let second = p.outputs()["deploymentId"].as_str().unwrap().to_string();
    assert_ne!(second, first);
    assert_eq!(t.stage_deployment().as_deref(), Some(second.as_str()));
    if let Some(keys) = serving(&t) {
        let keys = keys.to_string();
        assert!(keys.contains("GET /two") && !keys.contains("GET /one"), "{keys}");
    }
    // The engine's order: the route's Update completed before the deployment's Diff began.
    let route_updated = grpc_position(&p, "Update", "route", |_| true).expect("route Update in the gRPC log");
    let replaced = grpc_position(&p, "Diff", "release", |v| !v["response"]["replaces"].is_null())
        .expect("a replacing Diff of the deployment in the gRPC log");
    assert!(
        route_updated < replaced,
        "route update at line {route_updated}, deployment Diff at {replaced}"
    );

    let again = p.run(&["preview", "--expect-no-changes"]);
    assert!(again.ok, "{}", again.text());
    delete_stage(&t);
    p.ok(&["destroy", "--yes"]);
    assert!(t.ids().is_empty());
}
