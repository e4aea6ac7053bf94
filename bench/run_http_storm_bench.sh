#!/usr/bin/env bash
# The HTTP front under a connection storm: idle, trickling (slow-header), streaming and
# pipelining clients at once, with /health and an untouched tenant's ping measured before and
# during the storm, and the server's RSS and threads. Prints the JSON line of
# build/bin/http_storm_bench.
# Usage: bench/run_http_storm_bench.sh [--server BINARY] [--idle N] [--trickle N] [--streams N]
#                                      [--samples N]
# --server runs another build of nessus-mcp (e.g. an older commit's, for a before/after).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
server="$root/build/bin/nessus-mcp"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --server) server=$2; shift 2 ;;
    *) args+=("$1" "$2"); shift 2 ;;
  esac
done
[ -x "$root/build/bin/http_storm_bench" ] || ninja -C "$root/build" http_storm_bench >/dev/null
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
keys=()
: > "$work/keys.txt"
for t in storm1 storm2 storm3 storm4 storm5 quiet; do
  key="$t-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  echo "$t sha256:$(printf %s "$key" | sha256sum | cut -d' ' -f1)" >> "$work/keys.txt"
  if [ "$t" = quiet ]; then quiet=$key; else keys+=(--key "$t=$key"); fi
done
ulimit -n "$(ulimit -Hn)"
"$server" --http 127.0.0.1:0 --test-tools --no-worker --log-level warn \
  --store "sqlite://$work/tasks.db" --data-dir "$work/data" --config "$root/config/scanners.yaml" \
  --api-keys-file "$work/keys.txt" 2>"$work/server.log" &
pid=$!
port=""
for _ in $(seq 1 500); do
  port=$(ss -ltnpH 2>/dev/null | awk -v p="pid=$pid," '$0 ~ p {n=split($4,a,":"); print a[n]; exit}')
  [ -n "$port" ] && break
  sleep 0.02
done
[ -n "$port" ] || { echo "the server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
"$root/build/bin/http_storm_bench" --port "$port" --pid "$pid" "${keys[@]}" --quiet-key "$quiet" \
  "${args[@]}"
