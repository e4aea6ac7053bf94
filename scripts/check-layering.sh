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

forbid core "mcp/|scanners/|worker/|dev/|service/|app/|httplib" "core knows nothing above it"

# Inside core/: each module includes only the modules below it (one CMake library each, whose
# link lines say the same). A new module joins this table or fails.
core_may() {
  local module=$1 allowed=" $1 $2 "
  [ -d "core/$module" ] || return 0
  while IFS= read -r hit; do
    local dep
    dep=$(sed -E 's|.*#include "core/([a-z_]+)/.*|\1|' <<<"$hit")
    [[ "$allowed" == *" $dep "* ]] || violation "$hit (core/$module may include only core/{$2})"
  done < <(grep -rnE '^#include "core/' "core/$module" --include='*.h' --include='*.cc' || true)
}
core_may base ""
core_may net "base"
core_may sqlite "base"
core_may task "base"
core_may schedule "base"
core_may metrics "base"
core_may config "base net schedule"
core_may audit "base task"
core_may policy "base config net"
core_may store "base sqlite task"
core_may estate "base net sqlite"
core_may findings "base estate net sqlite task"
core_may estate_feed "base estate findings store task"
core_may quota "base config store task"
core_may readiness "base config schedule store task"
core_may housekeeping "base config findings store task"
core_may scans "audit base config policy quota readiness store task"
core_may recurring "audit base config scans schedule store task"
for dir in core/*/; do
  case " base net sqlite task schedule metrics config audit policy store estate findings estate_feed quota readiness housekeeping scans recurring " in
    *" $(basename "$dir") "*) ;;
    *) violation "$dir is not in check-layering.sh's table of core modules" ;;
  esac
done

# The application layer includes core/ only; front doors reach core/ through it. The rule names
# what a front door may never touch directly: the task store, the findings index, the quotas.
forbid service "mcp/|scanners/|worker/|app/|dev/|httplib" "the application layer includes core/ only"
forbid mcp/tools "core/(store|findings|quota)/" "a front door reaches core through service/"
forbid app/admin "core/(store|findings|quota)/" "a front door reaches core through service/"
forbid mcp/jsonrpc "mcp/(server|transport|http|app|testtools)|scanners/|worker/|core/(store|queue|task)" "JSON-RPC knows no MCP"
forbid mcp/protocol "mcp/(server|transport|http|app|testtools)|scanners/|worker/" "protocol types stand alone"
forbid mcp/server "mcp/(http|transport|app|testtools|tools)|scanners/|worker/|service/|httplib" "the dispatcher is transport-free"
# The protocol library knows core/base only: no task, store or configuration.
while IFS= read -r hit; do
  violation "$hit (mcp/server, mcp/jsonrpc and mcp/protocol include core/base only)"
done < <(grep -rnE '^#include "core/' mcp/server mcp/jsonrpc mcp/protocol mcp/schema mcp/transport --include='*.h' --include='*.cc' | grep -v '"core/base/' || true)
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
    mcp/http/beast_server.cc:*|mcp/http/beast_connection.cc:*|mcp/http/beast_server_internal.h:*) ;;
    *) violation "$hit (Boost.Asio/Beast belong in the adapter: mcp/http/beast_*)" ;;
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
  case "$hit" in
    core/config/config_loader_internal.h:*"<yaml-cpp/"*) ;;  # the adapter's own internal header
    *) violation "$hit (no third-party adapter types in public headers)" ;;
  esac
done < <(grep -rnE "^#include <(httplib\.h|sqlite3\.h|hiredis/|yaml-cpp/|expat\.h|openssl/)" \
           --include='*.h' core mcp scanners worker 2>/dev/null || true)
# An *_internal.h header (a split file's shared class) is included only from its own folder.
while IFS= read -r hit; do
  file=${hit%%:*}
  header=$(sed -E 's|.*#include "([^"]+)".*|\1|' <<<"$hit")
  [ "$(dirname "$file")" = "$(dirname "$header")" ] || violation "$hit (an internal header stays in its folder)"
done < <(grep -rnE '^#include "[^"]+_internal\.h"' --include='*.h' --include='*.cc' \
           app core mcp scanners worker service dev tests bench 2>/dev/null || true)
# No MCP tool name in a string of core/, service/, worker/ or scanners/: their refusals carry
# an Action each front door words (core/base/error.h), and what they store (task errors,
# schedule runs) is read by agents and operators alike. The tool names are the catalogue's files.
tools=$(find mcp/tools/schemas -name '*.json' -printf '%f\n' 2>/dev/null | sed 's/\.json$//' | paste -sd'|')
if [ -n "$tools" ]; then
  while IFS= read -r hit; do
    # A trailing comment may name a tool; only code counts.
    code=$(sed -E 's#[[:space:]]//[[:space:]].*$##' <<<"${hit#*:*:}")
    grep -qE "\"[^\"]*\b($tools)\b[^\"]*\"" <<<"$code" || continue
    case "$hit" in
      # The truncation marker inside result text: data for agents, not a refusal (phase 14).
      core/findings/finding_page.cc:*"get_finding with finding_id"*) ;;
      *) violation "$hit (a tool name below the front doors: return an Action instead)" ;;
    esac
  done < <(grep -rnE "\"[^\"]*\b($tools)\b[^\"]*\"" --include='*.h' --include='*.cc' \
             core service worker scanners 2>/dev/null | grep -vE '^[^:]+:[0-9]+:\s*(//|#include)' || true)
fi

[ "$fail" -eq 0 ] && echo "check-layering: ok"
exit "$fail"
