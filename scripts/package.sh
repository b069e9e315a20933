#!/usr/bin/env bash
# Packs a provider binary as the engine expects a plugin archive:
# pulumi-resource-aws-apigatewayv2-v<version>-linux-amd64.tar.gz holding the binary, README and LICENSE.
# usage: package.sh BINARY OUT_DIR VERSION   (run from the repository root; prints the archive path)
set -euo pipefail
binary=$1 out=$2 version=$3
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp "$binary" "$stage/pulumi-resource-aws-apigatewayv2"
cp README.md LICENSE "$stage/"
mkdir -p "$out"
archive="$out/pulumi-resource-aws-apigatewayv2-v$version-linux-amd64.tar.gz"
tar -czf "$archive" -C "$stage" .
echo "$archive"
