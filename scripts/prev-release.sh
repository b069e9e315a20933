#!/usr/bin/env bash
# Builds a previous release's plugin archive from its commit, for the upgrade tests; does nothing
# when the archive is there. A clone without the commit (shallow) gets no archive, and the tests
# that need it report themselves skipped.
# usage: prev-release.sh VERSION COMMIT DIR   (run from the repository root; the archive goes to DIR/VERSION/)
set -euo pipefail
version=$1 commit=$2 dir=$3
archive="$dir/$version/pulumi-resource-aws-apigatewayv2-v$version-linux-amd64.tar.gz"
[[ -f $archive ]] && exit 0
if ! git cat-file -e "$commit^{commit}" 2>/dev/null; then
  echo "prev-release: commit $commit of $version is not in this clone (shallow?); its upgrade test will report itself skipped"
  exit 0
fi
src="$dir/$version/src"
rm -rf "$src" && mkdir -p "$src"
git archive "$commit" | tar -x -C "$src"
# One target directory for every release: they share most of their dependencies.
# Without debug info: the upgrade tests only run it, and it keeps the build tree small.
(cd "$src" && CARGO_TARGET_DIR="$dir/target" CARGO_PROFILE_DEV_DEBUG=false cargo build --quiet -p pulumi-resource-aws-apigatewayv2)
"$src/scripts/package.sh" "$dir/target/debug/pulumi-resource-aws-apigatewayv2" "$dir/$version" "$version" >/dev/null
echo "prev-release: $archive"
