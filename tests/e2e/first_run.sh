#!/usr/bin/env bash
# Runs first_run.mjs the way a new user meets the product: installed with `cmake --install`
# into a fresh prefix, as an unprivileged user (nobody, when the suite runs as root), with a
# bare environment and a fresh HOME, so nothing of the developer's setup helps.
# Usage: tests/e2e/first_run.sh BUILD_DIR NESSUS_SIM
set -euo pipefail
build=$(realpath "$1")
sim=$(realpath "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
mkdir -p "$work/home"
chmod 755 "$work"
run_as=()
user=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
  chown nobody:nogroup "$work/home"
  run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
  user=nobody
fi
"${run_as[@]}" env -i HOME="$work/home" PATH=/usr/local/bin:/usr/bin:/bin USER="$user" \
  LOGNAME="$user" node "$root/tests/e2e/first_run.mjs" "$work/prefix" "$sim" "$root"
