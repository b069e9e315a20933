#!/usr/bin/env bash
# `make demo`: the example program deployed on the local emulator with the real Pulumi CLI.
# usage: demo.sh up|destroy ARCHIVE VERSION
set -euo pipefail
cd "$(dirname "$0")/.."
action=$1 archive=$2 version=$3
root=$PWD
work=$root/.work/demo
cache=${CACHE:-$HOME/.cache/pulumi-aws-apigatewayv2}
python=$cache/venv/bin/python
mkdir -p "$work/home" "$work/state" "$work/project"

export PATH="$PULUMI_TOOLS_BIN:$PATH"
export PULUMI_HOME=$work/home PULUMI_BACKEND_URL=file://$work/state PULUMI_CONFIG_PASSPHRASE=demo
export PULUMI_SKIP_UPDATE_CHECK=true AWS_EC2_METADATA_DISABLED=true
# The emulator's built-in test credentials; real AWS takes yours from the usual places.
export AWS_ACCESS_KEY_ID=AKIAEMULATOR000000001 AWS_SECRET_ACCESS_KEY=emulator/secret/access/key/000000000000 AWS_REGION=us-east-1

emulator_url() {
  local pidfile=$work/emulator.pid urlfile=$work/emulator.url
  if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    cat "$urlfile"
    return
  fi
  # Started in the background, state kept in a file so a restart keeps the demo's objects.
  nohup "$root/target/release/apigatewayv2-emulator" --state-file "$work/emulator-state.json" >"$urlfile.tmp" 2>"$work/emulator.log" &
  echo $! >"$pidfile"
  for _ in $(seq 100); do
    [[ -s $urlfile.tmp ]] && break
    sleep 0.05
  done
  mv "$urlfile.tmp" "$urlfile"
  cat "$urlfile"
}

case $action in
up)
  url=$(emulator_url)
  echo "emulator: $url (state in .work/demo/emulator-state.json)"
  pulumi plugin install resource aws-apigatewayv2 "$version" --file "$root/$archive" --reinstall >/dev/null
  api_id=$("$python" scripts/demo_fixture.py create "$url" "$work")
  echo "HTTP API $api_id with route 'GET /hello' and stage 'prod'"
  cp examples/yaml/Pulumi.yaml "$work/project/"
  cd "$work/project"
  pulumi stack select --create demo >/dev/null
  pulumi config set apiId "$api_id"
  pulumi config set aws-apigatewayv2:endpoint "$url"
  pulumi config set aws-apigatewayv2:region us-east-1
  pulumi up --yes --skip-preview
  echo
  echo "outputs:"
  pulumi stack output
  echo
  echo "left running; \`make demo-destroy\` tears it down"
  ;;
destroy)
  if [[ ! -f $work/emulator.url ]]; then
    echo "no demo running"
    exit 0
  fi
  url=$(emulator_url)
  # The stage is the fixture's; move it off first, as a stage managed next to the deployment would be.
  "$python" scripts/demo_fixture.py delete-stage "$url" "$work"
  (cd "$work/project" && pulumi destroy --yes --skip-preview && pulumi stack rm demo --yes)
  "$python" scripts/demo_fixture.py delete "$url" "$work"
  kill "$(cat "$work/emulator.pid")" 2>/dev/null || true
  rm -rf "$work"
  echo "demo destroyed, emulator stopped"
  ;;
*)
  echo "usage: demo.sh up|destroy ARCHIVE VERSION" >&2
  exit 2
  ;;
esac
