#!/usr/bin/env bash
# The main job: install what is missing, build, then run the whole story: nessus-sim (a
# faithful Nessus over HTTPS) starts, the official MCP SDK client spawns nessus-mcp over stdio,
# submits scans, polls them and prints the outcome.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" release
node "$root/dev/demo/scan_demo.mjs" "$root/build/bin/nessus-mcp" "$root/build/bin/nessus-sim" "$root"
