#!/usr/bin/env bash
# Enforces the layering of docs/design.md on #include lines: which project folder may include which, and where
# third-party types may appear. CMake link lines enforce the same at the library level.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
violation() { echo "layering: $1" >&2; fail=1; }

# forbid FOLDER PATTERN WHY: no file under FOLDER may include a header matching PATTERN.
forbid() {
  local folder=$1 pattern=$2 why=$3
  [ -d "$folder" ] || return 0
  while IFS= read -r hit; do
    violation "$hit ($why)"
  done < <(grep -rnE "^#include [\"<]($pattern)" "$folder" --include='*.h' --include='*.cc' || true)
}

forbid core "mcp/|scanners/|worker/|dev/|httplib" "core knows nothing above it"
forbid mcp/jsonrpc "mcp/(server|transport|http|app|testtools)|scanners/|worker/|core/(store|queue|task)" "JSON-RPC knows no MCP"
forbid mcp/protocol "mcp/(server|transport|http|app|testtools)|scanners/|worker/" "protocol types stand alone"
forbid mcp/server "mcp/(http|transport|app|testtools)|scanners/|worker/|httplib" "the dispatcher is transport-free"
forbid mcp "scanners/|worker/|dev/" "the MCP layer knows no Nessus"
forbid scanners "mcp/|worker/|dev/" "scanners/ knows no MCP"
forbid worker "mcp/|dev/" "workers know no MCP"
forbid dev "core/|mcp/|scanners/|worker/" "a fake shares no code with what it fakes"

# Third-party types stay in their adapter files.
while IFS= read -r hit; do
  case "$hit" in
    scanners/nessus/https_client.cc:*|dev/*|tests/*|bench/*) ;;
    *) violation "$hit (httplib belongs in its adapter)" ;;
  esac
done < <(grep -rn "^#include <httplib.h>" --include='*.h' --include='*.cc' . 2>/dev/null | sed 's|^\./||' || true)
while IFS= read -r hit; do
  case "$hit" in
    mcp/http/beast_server.cc:*) ;;
    *) violation "$hit (Boost.Asio/Beast belong in mcp/http/beast_server.cc)" ;;
  esac
done < <(grep -rn "^#include <boost/" --include='*.h' --include='*.cc' core mcp scanners worker app 2>/dev/null || true)
while IFS= read -r hit; do
  case "$hit" in
    core/sqlite/sqlite_db.cc:*) ;;
    *) violation "$hit (sqlite3 belongs in core/sqlite/sqlite_db.cc)" ;;
  esac
done < <(grep -rn "^#include <sqlite3.h>" --include='*.h' --include='*.cc' core mcp scanners worker 2>/dev/null || true)
while IFS= read -r hit; do
  case "$hit" in
    core/store/redis/redis_client.cc:*) ;;
    *) violation "$hit (hiredis belongs in core/store/redis/redis_client.cc)" ;;
  esac
done < <(grep -rn "^#include <hiredis/" --include='*.h' --include='*.cc' core mcp scanners worker app 2>/dev/null || true)
# Only the store's backends speak Redis.
while IFS= read -r hit; do
  case "$hit" in
    core/store/*) ;;
    *) violation "$hit (only core/store backends know Redis)" ;;
  esac
done < <(grep -rn '^#include "core/store/redis/' --include='*.h' --include='*.cc' core mcp scanners worker app 2>/dev/null || true)
while IFS= read -r hit; do
  case "$hit" in
    *) violation "$hit (the product parses XML with scanners/results/xml_scanner.h; expat is only the tests' reference)" ;;
  esac
done < <(grep -rn "^#include <expat.h>" --include='*.h' --include='*.cc' core mcp scanners worker 2>/dev/null || true)
while IFS= read -r hit; do
  violation "$hit (no third-party adapter types in public headers)"
done < <(grep -rnE "^#include <(httplib\.h|sqlite3\.h|hiredis/|yaml-cpp/|expat\.h|openssl/)" \
           --include='*.h' core mcp scanners worker 2>/dev/null || true)

[ "$fail" -eq 0 ] && echo "check-layering: ok"
exit "$fail"
