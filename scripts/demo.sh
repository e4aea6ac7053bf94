#!/usr/bin/env bash
# The main job: install what is missing, build, and show nessus-mcp answering a real MCP client
# (the official TypeScript SDK) over stdio and Streamable HTTP.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" release
node "$root/dev/demo/mcp_demo.mjs" "$root/build/bin/nessus-mcp"
