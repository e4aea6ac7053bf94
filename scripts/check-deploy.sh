#!/usr/bin/env bash
# Proves the deployment files without a Docker engine (none runs on our machines):
#   1. docker-compose config -q on every compose file (Debian's docker-compose);
#   2. every --flag a compose service passes to our binaries is one the binary's --help lists,
#      so a compose file naming a flag the binaries do not have fails here;
#   3. promtool check config and check rules on prod/prometheus;
#   4. every shared library the binaries load (ldd) comes from a package the runtime image
#      installs (scripts/runtime-packages.txt, plus libc6 and libgcc-s1 of debian:12-slim);
#   5. promtool check metrics on real scrapes of nessus-mcp --http, nessus-mcp --stdio
#      --metrics-listen and nessus-worker --metrics-listen.
# Usage: scripts/check-deploy.sh [BUILD_DIR]   (default build/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build}/bin
cd "$root"
fail=0
problem() { echo "check-deploy: $1" >&2; fail=1; }

# Placeholder values for the variables the compose files require (the real ones live in .env).
export REDIS_PASSWORD=check NESSUS_URL=https://nessus.invalid:8834 NESSUS_ACCESS_KEY=check \
  NESSUS_SECRET_KEY=check NESSUS_FINGERPRINT=check GRAFANA_ADMIN_PASSWORD=check

for compose in prod/docker-compose.yml dev/docker-compose.yml; do
  docker-compose -f "$compose" config -q || problem "$compose: docker-compose config failed"
  # Each service's command (or entrypoint) as one line: "service<TAB>binary --flag ..."
  while IFS=$'\t' read -r service words; do
    binary=${words%% *}
    case "$binary" in nessus-mcp|nessus-worker|admin_cli|nessus-sim) ;; *) continue ;; esac
    help=$("$bin/$binary" --help 2>&1 || true)
    for word in $words; do
      case "$word" in
        --*) flag=${word%%=*}
             grep -qE -- "(^|[ ,])${flag}([ ,=]|$)" <<<"$help" ||
               problem "$compose: service $service passes $flag, which $binary does not have" ;;
      esac
    done
  done < <(docker-compose -f "$compose" config | python3 -c '
import sys, yaml
doc = yaml.safe_load(sys.stdin)
for name, svc in (doc.get("services") or {}).items():
    words = []
    for key in ("entrypoint", "command"):
        v = svc.get(key)
        if isinstance(v, str):
            v = v.split()
        words += v or []
    if words:
        print(name + "\t" + " ".join(str(w) for w in words))
')
done

promtool check config prod/prometheus/prometheus.yml >/dev/null || problem "promtool check config"
promtool check rules prod/prometheus/alerts.yml >/dev/null || problem "promtool check rules"

# 4. Runtime libraries.
mapfile -t runtime < <(grep -v '^\s*#' scripts/runtime-packages.txt | awk 'NF {print $1}')
runtime+=(libc6 libgcc-s1)
for b in nessus-mcp nessus-worker admin_cli nessus-sim; do
  while read -r lib; do
    # dpkg knows a library by the path its package installed: try the real file, then the link.
    pkg=$({ dpkg -S "$(readlink -f "$lib")" || dpkg -S "$lib"; } 2>/dev/null | head -n1 | cut -d: -f1)
    if [ -z "$pkg" ]; then
      problem "$b loads $lib, which no Debian package provides"
    elif ! printf '%s\n' "${runtime[@]}" | grep -qx "$pkg"; then
      problem "$b loads $lib from $pkg, which scripts/runtime-packages.txt does not list"
    fi
  done < <(ldd "$bin/$b" | awk '/=>/ {print $3}' | grep '^/')
done

# 5. Real scrapes, with the checked-in configuration's simulator defaults.
unset REDIS_PASSWORD NESSUS_URL NESSUS_ACCESS_KEY NESSUS_SECRET_KEY NESSUS_FINGERPRINT
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
scrape() {  # name port
  local name=$1 port=$2 i
  for i in $(seq 1 100); do
    if python3 - "$port" > "$work/$name.txt" 2>/dev/null <<'PY'
import sys, urllib.request
print(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=2).read().decode(), end="")
PY
    then
      promtool check metrics < "$work/$name.txt" || problem "promtool check metrics: $name"
      grep -q '^nmcp_build_info' "$work/$name.txt" || problem "$name: no nmcp_build_info"
      return
    fi
    sleep 0.1
  done
  problem "$name: /metrics did not answer: $(tail -c 600 "$work/$name.txt" 2>/dev/null) $(cat "$work"/*.log 2>/dev/null | tail -c 800)"
}
http_port=$(free_port)
"$bin/nessus-mcp" --http "127.0.0.1:$http_port" --data-dir "$work/a" --config config/scanners.yaml \
  --log-level warn 2>"$work/a.log" & pids+=($!)
scrape nessus-mcp-http "$http_port"
stdio_port=$(free_port)
mkfifo "$work/stdin"
exec 7<>"$work/stdin"  # held open so the stdio server does not see end of input
"$bin/nessus-mcp" --stdio --metrics-listen "127.0.0.1:$stdio_port" --data-dir "$work/b" \
  --config config/scanners.yaml --log-level warn <"$work/stdin" >/dev/null 2>"$work/b.log" &
pids+=($!)
scrape nessus-mcp-stdio "$stdio_port"
worker_port=$(free_port)
"$bin/nessus-worker" --metrics-listen "127.0.0.1:$worker_port" --data-dir "$work/c" \
  --config config/scanners.yaml --log-level warn 2>"$work/c.log" & pids+=($!)
scrape nessus-worker "$worker_port"

[ "$fail" -eq 0 ] && echo "check-deploy: ok"
exit "$fail"
