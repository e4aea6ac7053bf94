#!/usr/bin/env bash
# Peak memory of parse-and-index against the shape of an export: hosts per export (10^3 to
# 10^6, one finding each besides 19506) and findings per host (10^2 to 10^6 on one host). Each
# point is one `admin_cli import` (a process of its own) under /usr/bin/time: its peak RSS and
# wall time. Memory should be flat in both directions.
# Writes build/bench/memory-<time>.jsonl and prints a table.
# Usage: bench/run_memory_bench.sh [--quick]   (--quick: up to 10^5 in each direction)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
max=6
[ "${1:-}" = "--quick" ] && max=5
"$root/scripts/build.sh" release >/dev/null
bin="$root/build/bin"
work="$root/build/bench/memory-data"
rm -rf "$work"
mkdir -p "$work"
out="$root/build/bench/memory-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
: > "$out"

measure() {  # measure KIND N GEN_ARGS...
  local kind=$1 n=$2
  shift 2
  local file="$work/$kind-$n.nessus"
  "$bin/gen_nessus_export" "$file" "$@" --untrusted
  local bytes
  bytes=$(stat -c %s "$file")
  local data="$work/data-$kind-$n"
  /usr/bin/time -f '%M %e' -o "$work/time" "$bin/admin_cli" --data-dir "$data" import "$file" >/dev/null
  read -r rss seconds < "$work/time"
  printf '{"kind":"%s","n":%s,"export_bytes":%s,"peak_rss_kb":%s,"seconds":%s}\n' \
    "$kind" "$n" "$bytes" "$rss" "$seconds" | tee -a "$out"
  rm -rf "$file" "$data"
}

for e in $(seq 3 "$max"); do
  n=$((10 ** e))
  measure hosts "$n" --hosts "$n" --per-host 0 --plugins 1 --output-bytes 16 --description-bytes 16
done
for e in $(seq 2 "$max"); do
  n=$((10 ** e))
  measure per_host "$n" --hosts 1 --per-host "$n" --plugins 2000 --output-bytes 64 \
    --description-bytes 64
done
echo
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(f"{'shape':<10} {'n':>9} {'export MB':>10} {'peak RSS MB':>12} {'seconds':>8}")
for r in rows:
    print(f"{r['kind']:<10} {r['n']:>9} {r['export_bytes']/1e6:>10.1f} "
          f"{r['peak_rss_kb']/1024:>12.1f} {r['seconds']:>8}")
PY
