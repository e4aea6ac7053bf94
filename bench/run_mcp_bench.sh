#!/usr/bin/env bash
# tools/call throughput and latency of nessus-mcp against a minimal server built with the
# official TypeScript SDK (bench/mcp-peer/server.mjs), measured by the same client
# (bench/mcp_bench.cc) over stdio and Streamable HTTP, plus start-up to first response.
# Over HTTP it also measures MCP 2026-07-28 (`mcp_bench --era modern`: no session, each call
# framed on its own) against the 2.x TypeScript SDK's own modern mode (bench/mcp-peer/server2.mjs,
# @modelcontextprotocol/server 2.4.0), beside our legacy era.
# The servers take turns, scenario by scenario, for several rounds, and the report shows
# the median of the rounds: on a shared 2-core VM single runs vary by tens of percent.
# Prints a side-by-side table and writes the raw JSON lines to build/bench/mcp-<time>.jsonl.
# Usage: bench/run_mcp_bench.sh [--quick]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
quick=${1:-}
lat_calls=5000; thr_calls=50000; runs=30; connections=8; rounds=3
if [ "$quick" = "--quick" ]; then lat_calls=500; thr_calls=5000; runs=5; rounds=1; fi

"$root/scripts/build.sh" release >/dev/null
bench="$root/build/bin/mcp_bench"
out_dir="$root/build/bench"; mkdir -p "$out_dir"
out="$out_dir/mcp-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
# Production logging is info; the peer logs nothing per call. We log at warn here so that the
# comparison measures the protocol path, not stderr volume (see phases/02-mcp-server.md).
# The stdio throughput run keeps 64 calls in flight on one session: above the default limit of
# 32 per session, whose refusals would be counted as fast errors. Raise it to the window.
ours=("$root/build/bin/nessus-mcp" --test-tools --log-level warn --max-calls-per-session 64)
peer=("$(command -v node)" "$root/bench/mcp-peer/server.mjs")
peer2=("$(command -v node)" "$root/bench/mcp-peer/server2.mjs")

port_of() {  # the TCP port a process listens on
  local pid=$1 port=""
  for _ in $(seq 1 500); do
    port=$(ss -ltnpH 2>/dev/null | awk -v p="pid=$pid," '$0 ~ p {n=split($4,a,":"); print a[n]; exit}')
    [ -n "$port" ] && { echo "$port"; return 0; }
    sleep 0.02
  done
  return 1
}

tag() { sed "s/^{/{\"server\":\"$1\",/" >> "$out"; }

measure_stdio() {  # measure_stdio NAME CMD...
  local name=$1; shift
  echo "-- $name over stdio" >&2
  "$bench" stdio-latency --calls "$lat_calls" -- "$@" | tag "$name"
  "$bench" stdio-throughput --calls "$thr_calls" --window 64 -- "$@" | tag "$name"
  "$bench" startup --runs "$runs" -- "$@" | tag "$name"
}

measure_http() {  # measure_http NAME CMD... (CMD listens on a free loopback port)
  local name=$1; shift
  echo "-- $name over Streamable HTTP" >&2
  "$@" 2>/dev/null &
  local pid=$!
  local port; port=$(port_of "$pid")
  "$bench" http-latency --url "http://127.0.0.1:$port/mcp" --calls "$lat_calls" | tag "$name"
  "$bench" http-throughput --url "http://127.0.0.1:$port/mcp" --calls "$thr_calls" \
    --connections "$connections" | tag "$name"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

measure_http_modern() {  # measure_http_modern NAME CMD... : MCP 2026-07-28 requests
  local name=$1; shift
  echo "-- $name over Streamable HTTP, MCP 2026-07-28" >&2
  "$@" 2>/dev/null &
  local pid=$!
  local port; port=$(port_of "$pid")
  "$bench" http-latency --era modern --url "http://127.0.0.1:$port/mcp" --calls "$lat_calls" \
    | tag "$name"
  "$bench" http-throughput --era modern --url "http://127.0.0.1:$port/mcp" --calls "$thr_calls" \
    --connections "$connections" | tag "$name"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

for round in $(seq 1 "$rounds"); do
  echo "== round $round of $rounds" >&2
  measure_stdio nessus-mcp "${ours[@]}"
  measure_stdio ts-sdk-peer "${peer[@]}" --transport stdio
  measure_http nessus-mcp "${ours[@]}" --http 127.0.0.1:0
  measure_http ts-sdk-peer "${peer[@]}" --transport http
  measure_http_modern nessus-mcp "${ours[@]}" --http 127.0.0.1:0
  measure_http_modern ts-sdk-2-peer "${peer2[@]}"
done

node "$root/bench/report_mcp_bench.mjs" "$out"
echo "raw results: $out"
