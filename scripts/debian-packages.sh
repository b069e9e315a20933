#!/usr/bin/env bash
# Installs the named Debian packages that are not installed yet (as root, or through sudo);
# quiet when all are there.
# usage: debian-packages.sh PACKAGE...
set -euo pipefail
missing=()
for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
((${#missing[@]})) || exit 0
sudo=
[[ $(id -u) == 0 ]] || sudo=sudo
echo "installing ${missing[*]} from Debian's packages" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
