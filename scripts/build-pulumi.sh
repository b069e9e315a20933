#!/usr/bin/env bash
# Builds the pinned Pulumi CLI and the YAML language host from Go modules (no release downloads reach
# this machine). Idempotent: a finished build leaves a stamp and a second run returns at once.
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-v3.274.1}"
PULUMI_YAML_VERSION="${PULUMI_YAML_VERSION:-v1.25.0}"
TOOLS_DIR="${TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-aws-apigatewayv2/pulumi-$PULUMI_VERSION}"
BIN="$TOOLS_DIR/bin"
STAMP="$TOOLS_DIR/.complete-yaml-$PULUMI_YAML_VERSION"
# The nodejs, python and go hosts are not served as Go modules and are not built from copied
# sources: TypeScript, Python and Go projects use the hosts of an installed Pulumi, if any.

if [[ -f "$STAMP" && -x "$BIN/pulumi" && -x "$BIN/pulumi-language-yaml" ]]; then
  echo "$BIN"
  exit 0
fi

mkdir -p "$BIN"
work="$TOOLS_DIR/wrapper"
mkdir -p "$work"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

# pkg/v3 carries replace lines, so `go install` refuses it: build it from a wrapper module that
# repeats them with absolute targets.
cat > "$work/go.mod" <<MOD
module pulumi-tools-wrapper

go 1.26

require (
	github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
cat > "$work/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
(
  cd "$work"
  go mod tidy >&2 2>&1 || go mod download >&2
  ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
  if [[ ! -x "$BIN/pulumi" ]]; then
    echo "building pulumi $PULUMI_VERSION (several minutes the first time)" >&2
    go build -ldflags "$ldflags" -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
    mv "$BIN/pulumi.tmp" "$BIN/pulumi"
  fi
)

if [[ ! -x "$BIN/pulumi-language-yaml" ]]; then
  echo "building pulumi-language-yaml $PULUMI_YAML_VERSION" >&2
  GOBIN="$BIN" go install "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$PULUMI_YAML_VERSION" >&2
fi

touch "$STAMP"
echo "$BIN"
