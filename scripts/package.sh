#!/usr/bin/env bash
# Packs a provider binary as the engine expects a plugin archive:
# pulumi-resource-aws-apigatewayv2-v<version>-<os>-<arch>.tar.gz holding the binary (with .exe on
# Windows), README and LICENSE.
# usage: package.sh BINARY OUT_DIR VERSION [PLATFORM]   (PLATFORM: linux-amd64 (default),
#        linux-arm64, windows-amd64, ...; run from the repository root; prints the archive path)
set -euo pipefail
binary=$1 out=$2 version=$3 platform=${4:-linux-amd64}
name=pulumi-resource-aws-apigatewayv2
case $platform in windows-*) exe=.exe ;; *) exe= ;; esac
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp "$binary" "$stage/$name$exe"
cp README.md LICENSE "$stage/"
mkdir -p "$out"
archive="$out/$name-v$version-$platform.tar.gz"
tar -czf "$archive" -C "$stage" .
echo "$archive"
