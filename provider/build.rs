//! The gRPC bindings of Pulumi's protocol, generated from the file descriptors of the pinned
//! Pulumi itself (`proto/pulumi-v<version>.binpb`, written by `make proto` from the Go module
//! `github.com/pulumi/pulumi/sdk/v3` at the version the Makefile pins). No protoc is needed.

use prost::Message;

include!("link_args.rs");

const DESCRIPTORS: &str = "proto/pulumi-v3.274.1.binpb";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed={DESCRIPTORS}");
    // The plugin is linked as a fixed-address executable on Linux, as Go links Pulumi's own CLI
    // and plugins. A position-independent one carries a table of about 44,000 relocations that
    // the loader reads at every start, and the pointers it patches dirty about 650 KiB more:
    // measured, 1.3 MiB of the plugin's 6.6 MiB at idle, where the bare tonic server of the
    // bench needs 5.2 MiB in all. The libraries, heap and stacks stay randomized.
    link_args(
        "pulumi-resource-aws-apigatewayv2",
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("link-order.txt"),
    );
    let raw = std::fs::read(DESCRIPTORS)?;
    let fds = tonic_prost_build::FileDescriptorSet::decode(raw.as_slice())?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_fds(fds)?;
    Ok(())
}
