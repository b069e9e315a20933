//! The `make dist` plugin archives, each run where it can be: linux-amd64 natively, linux-arm64
//! under qemu-user, windows-amd64 under wine (see [`integration_tests::platforms`]). Each archive must match the checksums file and hold
//! the binary (`.exe` on Windows), README.md and LICENSE; its binary is then driven over gRPC as
//! the engine drives a plugin, against the emulator: the port line, Handshake, GetPluginInfo,
//! GetSchema equal to schema.json, CheckConfig/Configure, Check, a Create that waits for
//! DEPLOYED, Read, Delete, and Read again (gone). `make check-dist` runs it after `make dist`;
//! `DIST_DIR` names the archives' directory (default target/dist).

use integration_tests::platforms;
use integration_tests::rpc::{configure, connect};
use integration_tests::*;
use provider::proto::pulumirpc as rpc;
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

const NAME: &str = "pulumi-resource-aws-apigatewayv2";
const VERSION: &str = env!("CARGO_PKG_VERSION");
const URN: &str = "urn:pulumi:dev::proj::aws-apigatewayv2:index:Deployment::dist";

fn dist_dir() -> PathBuf {
    std::env::var("DIST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| target_dir().join("dist"))
}

/// The archive of `platform`, checked against the checksums file, unpacked into its own dir.
fn unpacked(platform: &str) -> PathBuf {
    let dist = dist_dir();
    let file = platforms::archive_name(platform);
    let archive = dist.join(&file);
    assert!(archive.exists(), "{} is missing: run `make dist`", archive.display());
    let sums = std::fs::read_to_string(dist.join(format!("{NAME}-v{VERSION}-checksums.txt")))
        .expect("the checksums file beside the archives (make dist)");
    let listed = sums
        .lines()
        .find_map(|l| l.strip_suffix(&format!("  {file}")))
        .unwrap_or_else(|| panic!("{file} is not in the checksums file:\n{sums}"));
    let out = Command::new("sha256sum").arg(&archive).output().expect("sha256sum runs");
    let actual = String::from_utf8_lossy(&out.stdout);
    assert_eq!(actual.split_whitespace().next(), Some(listed), "{file}'s SHA-256");

    let dir = target_dir().join("dist-check").join(platform);
    assert!(platforms::unpack(&archive, &dir), "tar -xzf {}", archive.display());
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let binary = platforms::binary_name(platform);
    assert_eq!(files, ["LICENSE", "README.md", &binary], "{file} holds");
    dir.join(binary)
}

/// Unpacks `platform`'s archive, starts its binary as this machine can, and drives it through a
/// deployment's life; prints how long the binary took to print its port.
async fn drive(platform: &str) {
    let binary = unpacked(platform);
    let em = start_emulator(fast_settings()).await;
    let aws = client(&em.url);
    let fx = fixture(&aws, "dist").await;

    let started = Instant::now();
    let provider = ProviderProcess::launch(platforms::command(platform, &binary), &[], &[]);
    let startup = started.elapsed();
    eprintln!(
        "{platform}: {} bytes, port line after {startup:?}",
        std::fs::metadata(&binary).unwrap().len()
    );
    let mut rpc = connect(provider.port).await;

    let info = rpc.get_plugin_info(()).await.unwrap().into_inner();
    assert_eq!(info.version, VERSION, "{platform}");
    let cfg = json!({"region": "us-east-1", "accessKey": emulator::DEFAULT_ACCESS_KEY,
        "secretKey": secret(json!(emulator::DEFAULT_SECRET_KEY)), "endpoint": em.url});
    let configured = configure(&mut rpc, None, cfg).await.unwrap_or_else(|e| panic!("{platform}: {e}"));
    assert!(configured.accept_secrets && configured.supports_preview, "{platform}");
    let schema = rpc.get_schema(rpc::GetSchemaRequest::default()).await.unwrap().into_inner().schema;
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema.json")).unwrap();
    assert!(schema == committed, "{platform}: GetSchema is not schema.json");

    let checked = rpc
        .check(rpc::CheckRequest {
            urn: URN.into(),
            news: Some(to_struct(json!({"apiId": fx.api_id, "description": platform}))),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(checked.failures.is_empty(), "{platform}: {:?}", checked.failures);
    let created = rpc
        .create(rpc::CreateRequest {
            urn: URN.into(),
            properties: checked.inputs.clone(),
            timeout: 60.0,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{platform}: Create: {e}"))
        .into_inner();
    let outputs = from_struct(created.properties.as_ref().unwrap());
    assert_eq!(outputs["deploymentStatus"], "DEPLOYED", "{platform}: {outputs}");
    let got = aws
        .get_deployment()
        .api_id(&fx.api_id)
        .deployment_id(&created.id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.description(), Some(platform), "{platform}: AWS has it");

    let read = rpc
        .read(rpc::ReadRequest {
            id: created.id.clone(),
            urn: URN.into(),
            properties: created.properties.clone(),
            inputs: checked.inputs.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.id, created.id, "{platform}");
    assert_eq!(from_struct(read.properties.as_ref().unwrap())["description"], platform);

    rpc.delete(rpc::DeleteRequest {
        id: created.id.clone(),
        urn: URN.into(),
        properties: created.properties.clone(),
        old_inputs: checked.inputs.clone(),
        ..Default::default()
    })
    .await
    .unwrap_or_else(|e| panic!("{platform}: Delete: {e}"));
    let gone = rpc
        .read(rpc::ReadRequest {
            id: created.id.clone(),
            urn: URN.into(),
            properties: created.properties.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(gone.id.is_empty(), "{platform}: Read after Delete finds nothing: {gone:?}");
    assert!(
        provider.stderr_text().lines().all(|l| !l.contains("panicked")),
        "{}",
        provider.stderr_text()
    );
}

/// The linux-amd64 archive's binary, run natively.
#[tokio::test(flavor = "multi_thread")]
async fn linux_amd64_archive_runs() {
    drive("linux-amd64").await;
}

/// The linux-arm64 archive's binary under qemu-user.
#[tokio::test(flavor = "multi_thread")]
async fn linux_arm64_archive_runs_under_qemu() {
    drive("linux-arm64").await;
}

/// The windows-amd64 archive's .exe under wine.
#[tokio::test(flavor = "multi_thread")]
async fn windows_amd64_archive_runs_under_wine() {
    drive("windows-amd64").await;
    platforms::stop_wine();
}
