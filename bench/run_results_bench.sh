#!/usr/bin/env bash
# The results pipeline on generated exports of 10 MB, 100 MB and 1 GB: a plain read of the file
# (the floor; warm from the page cache, and cold when the kernel lets us drop it), the streaming
# parse alone, parse + validation + summary (the work Python does), and the whole job (parse,
# validate, write the findings index), beside Python's xml.etree iterparse computing the same
# summary. Each figure is the median of three runs. Peak RSS is each run's own
# (one process per run). Then get_scan_results pages on a scan of 1 million findings, through
# the tool handler, p50/p99 over many filtered and sorted questions.
# Writes build/bench/results-<time>.jsonl and prints a table.
# Usage: bench/run_results_bench.sh [--quick]   (--quick: 10 and 100 MB, a 200k-finding query)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
quick=${1:-}
sizes=(10 100 1024)
query_hosts=2000
if [ "$quick" = "--quick" ]; then sizes=(10 100); query_hosts=400; fi

"$root/scripts/build.sh" release >/dev/null
bin="$root/build/bin"
work="$root/build/bench/results-data"
mkdir -p "$work"
out="$root/build/bench/results-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
: > "$out"

median_of() {  # median JSON line (by seconds) of three runs of a command
  local lines=()
  for _ in 1 2 3; do lines+=("$("$@")"); done
  printf '%s\n' "${lines[@]}" | python3 -c '
import json, sys
runs = sorted((json.loads(l) for l in sys.stdin if l.strip()), key=lambda r: r["seconds"])
print(json.dumps(runs[len(runs) // 2]))'
}

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; }

for mb in "${sizes[@]}"; do
  file="$work/export-${mb}mb.nessus"
  [ -f "$file" ] || "$bin/gen_nessus_export" "$file" --target-mb "$mb" --plugins 2000 --per-host 500
  cat "$file" > /dev/null
  if drop_caches; then
    "$bin/results_bench" read "$file" | python3 -c 'import json,sys; r=json.load(sys.stdin); r["mode"]="read-cold"; print(json.dumps(r))' >> "$out"
    cat "$file" > /dev/null
  fi
  median_of "$bin/results_bench" read "$file" >> "$out"
  median_of "$bin/results_bench" parse "$file" >> "$out"
  median_of "$bin/results_bench" summary "$file" >> "$out"
  median_of "$bin/results_bench" index "$file" "$work/index-${mb}" >> "$out"
  median_of python3 "$root/bench/iterparse_summary.py" "$file" >> "$out"
  sed -i "s/\"mode\": *\"\\([a-z-]*\\)\"/\"mode\": \"\\1\", \"size_mb\": $mb/" "$out"
done

qfile="$work/query-${query_hosts}hosts.nessus"
[ -f "$qfile" ] || "$bin/gen_nessus_export" "$qfile" --hosts "$query_hosts" --per-host 499 \
  --plugins 2000 --description-bytes 120 --output-bytes 60
"$bin/results_bench" query "$qfile" 200 >> "$out"

python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r.get("size_mb"), {})[r["mode"]] = r
print("| export | read (warm) | read (cold) | parse | parse+summary | parse+index | Python iterparse | index vs Python | summary vs Python | index vs warm floor | peak RSS index / Python |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for mb, m in by.items():
    if mb is None:
        continue
    f = lambda k: f'{m[k]["mb_per_s"]:.0f} MB/s' if k in m else "-"
    py = m["python-iterparse"]["mb_per_s"]
    print(f'| {mb} MB | {f("read")} | {f("read-cold")} | {f("parse")} | {f("summary")} | {f("index")} | {py:.0f} MB/s '
          f'| {m["index"]["mb_per_s"] / py:.1f}x | {m["summary"]["mb_per_s"] / py:.1f}x '
          f'| {m["read"]["seconds"] and m["index"]["seconds"] / m["read"]["seconds"]:.0f}x slower '
          f'| {m["index"]["peak_rss_mb"]:.0f} MB / {m["python-iterparse"]["peak_rss_mb"]:.0f} MB |')
q = [r for r in rows if r["mode"] == "query"]
if q:
    q = q[0]
    print()
    print(f'get_scan_results on {q["findings"]:,} findings: p50 {q["p50_ms"]:.2f} ms, p99 {q["p99_ms"]:.2f} ms, '
          f'max {q["max_ms"]:.2f} ms over {q["calls"]} calls; first open of the index {q["first_open_seconds"]:.2f} s; '
          f'a free-text filter (outside the percentiles) {q["text_filter_ms"]:.0f} ms')
    for x in q["questions"]:
        print(f'  {json.dumps(x["args"])}: total {x["total"]:,}, p50 {x["p50_ms"]:.2f} ms, p99 {x["p99_ms"]:.2f} ms')
PY
echo "raw results: $out"
