#!/usr/bin/env bash
# Fails when a process the test suite started outlives it: a provider, emulator or language host
# running from this checkout's target/ or from the pinned tools. Waits a few seconds first, the
# time an orphaned provider takes to notice its engine is gone.
set -uo pipefail
roots=("$@")
pattern="^($(IFS="|"; echo "${roots[*]}"))"
deadline=$((SECONDS + 10))
while :; do
  left=$(pgrep -af -- "$pattern" | grep -v -e "check-no-leftovers" -e "cargo " || true)
  [ -z "$left" ] && exit 0
  if [ $SECONDS -ge $deadline ]; then
    echo "make test left processes behind:" >&2
    echo "$left" >&2
    exit 1
  fi
  sleep 0.5
done
