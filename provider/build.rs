//! The gRPC bindings of Pulumi's protocol, generated from the file descriptors of the pinned
//! Pulumi itself (`proto/pulumi-v<version>.binpb`, written by `make proto` from the Go module
//! `github.com/pulumi/pulumi/sdk/v3` at the version the Makefile pins). No protoc is needed.

use prost::Message;

const DESCRIPTORS: &str = "proto/pulumi-v3.274.1.binpb";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed={DESCRIPTORS}");
    let raw = std::fs::read(DESCRIPTORS)?;
    let fds = tonic_prost_build::FileDescriptorSet::decode(raw.as_slice())?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_fds(fds)?;
    Ok(())
}
