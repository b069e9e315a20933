#!/usr/bin/env bash
# Builds a previous release from its commit: its plugin archive for the upgrade tests (debug build;
# does nothing when the archive is there), or with `bench` its release plugin and its criterion
# estimates for `make bench`'s previous-release column (the release's own profile and bench).
# A clone without the commit (shallow) gets neither, and the tests and the bench say so.
# usage: prev-release.sh VERSION COMMIT DIR [bench]   (run from the repository root; output in DIR)
set -euo pipefail
version=$1 commit=$2 dir=$3 mode=${4:-archive}
archive="$dir/$version/pulumi-resource-aws-apigatewayv2-v$version-linux-amd64.tar.gz"
[[ $mode == archive && -f $archive ]] && exit 0
if ! git cat-file -e "$commit^{commit}" 2>/dev/null; then
  echo "prev-release: commit $commit of $version is not in this clone (shallow?); what needs it will say it is skipped"
  exit 0
fi
src="$dir/$version/src"
# The release's tree as committed; kept between runs only for the bench's incremental builds.
if [[ $mode == archive || ! -f $src/Cargo.toml ]]; then
  rm -rf "$src" && mkdir -p "$src"
  git archive "$commit" | tar -x -C "$src"
fi
# One target directory for every release: they share most of their dependencies.
export CARGO_TARGET_DIR="$dir/target"
if [[ $mode == bench ]]; then
  (cd "$src" && cargo build --quiet --release -p pulumi-resource-aws-apigatewayv2 --bin pulumi-resource-aws-apigatewayv2)
  (cd "$src" && cargo bench --quiet -p pulumi-resource-aws-apigatewayv2 --bench calls -- --warm-up-time 1 --measurement-time 3)
  echo "prev-release: $version's release plugin and criterion estimates in $CARGO_TARGET_DIR"
  exit 0
fi
# Without debug info: the upgrade tests only run it, and it keeps the build tree small.
(cd "$src" && CARGO_PROFILE_DEV_DEBUG=false cargo build --quiet -p pulumi-resource-aws-apigatewayv2)
"$src/scripts/package.sh" "$CARGO_TARGET_DIR/debug/pulumi-resource-aws-apigatewayv2" "$dir/$version" "$version" >/dev/null
echo "prev-release: $archive"
