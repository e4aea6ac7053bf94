// Renders bench/run_mcp_bench.sh results as a side-by-side table with ratios.
// Usage: node bench/report_mcp_bench.mjs RESULTS.jsonl
import { readFileSync } from "node:fs";

const rows = readFileSync(process.argv[2], "utf8").trim().split("\n").map((l) => JSON.parse(l));
const median = (values) => {
  const v = [...values].sort((a, b) => a - b);
  return v.length ? v[Math.floor((v.length - 1) / 2)] : undefined;
};
// The median of every metric over the rounds of one server and scenario.
const get = (server, scenario) => {
  const runs = rows.filter((r) => r.server === server && r.scenario === scenario);
  if (!runs.length) return undefined;
  const out = { rounds: runs.length };
  for (const key of ["calls_per_sec", "p50_us", "p99_us", "errors"]) out[key] = median(runs.map((r) => r[key] ?? 0));
  return out;
};
const fmt = (n, digits = 0) => (n === undefined ? "-" : n.toLocaleString("en-US", { maximumFractionDigits: digits }));
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(1)}x` : "-");

console.log(`Median of ${get("nessus-mcp", "startup")?.rounds ?? 0} rounds.\n`);
console.log("| scenario | metric | nessus-mcp | TS SDK peer | nessus-mcp vs peer |");
console.log("|---|---|---:|---:|---:|");
for (const scenario of ["stdio-latency", "stdio-throughput", "http-latency", "http-throughput", "startup"]) {
  const ours = get("nessus-mcp", scenario);
  const peer = get("ts-sdk-peer", scenario);
  if (!ours || !peer) continue;
  if (scenario.endsWith("throughput")) {
    console.log(`| ${scenario} | calls/s | ${fmt(ours.calls_per_sec)} | ${fmt(peer.calls_per_sec)} | ${ratio(ours.calls_per_sec, peer.calls_per_sec)} faster |`);
  }
  console.log(`| ${scenario} | p50 µs | ${fmt(ours.p50_us)} | ${fmt(peer.p50_us)} | ${ratio(peer.p50_us, ours.p50_us)} lower |`);
  console.log(`| ${scenario} | p99 µs | ${fmt(ours.p99_us)} | ${fmt(peer.p99_us)} | ${ratio(peer.p99_us, ours.p99_us)} lower |`);
  const errors = (ours.errors ?? 0) + (peer.errors ?? 0);
  if (errors) console.log(`| ${scenario} | errors | ${ours.errors} | ${peer.errors} | |`);
}

// MCP 2026-07-28 over HTTP: ours against the 2.x SDK's modern mode, and our own legacy era.
const modernRows = [["http-latency-modern", "http-latency"], ["http-throughput-modern", "http-throughput"]];
if (modernRows.some(([m]) => get("nessus-mcp", m))) {
  console.log("\nMCP 2026-07-28 over Streamable HTTP (no session; every call framed on its own):\n");
  console.log("| scenario | metric | nessus-mcp modern | TS SDK 2.x modern | nessus-mcp vs 2.x | nessus-mcp legacy |");
  console.log("|---|---|---:|---:|---:|---:|");
  for (const [modern, legacy] of modernRows) {
    const ours = get("nessus-mcp", modern);
    const peer = get("ts-sdk-2-peer", modern);
    const old = get("nessus-mcp", legacy);
    if (!ours) continue;
    if (modern.includes("throughput")) {
      console.log(`| ${modern} | calls/s | ${fmt(ours.calls_per_sec)} | ${fmt(peer?.calls_per_sec)} | ${ratio(ours.calls_per_sec, peer?.calls_per_sec)} faster | ${fmt(old?.calls_per_sec)} |`);
    }
    console.log(`| ${modern} | p50 µs | ${fmt(ours.p50_us)} | ${fmt(peer?.p50_us)} | ${ratio(peer?.p50_us, ours.p50_us)} lower | ${fmt(old?.p50_us)} |`);
    console.log(`| ${modern} | p99 µs | ${fmt(ours.p99_us)} | ${fmt(peer?.p99_us)} | ${ratio(peer?.p99_us, ours.p99_us)} lower | ${fmt(old?.p99_us)} |`);
    const errors = (ours.errors ?? 0) + (peer?.errors ?? 0);
    if (errors) console.log(`| ${modern} | errors | ${ours.errors} | ${peer?.errors} | | |`);
  }
}
