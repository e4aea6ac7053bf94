// The demo: the whole product story on one machine. nessus-sim (a faithful Nessus over HTTPS)
// starts, the official MCP TypeScript SDK spawns nessus-mcp over stdio as Claude Desktop would,
// and an "agent" looks at the scanners, submits scans, polls them with progress, and prints the
// outcome. Uses the checked-in config/scanners.yaml, whose defaults match the simulator.
// Usage: node dev/demo/scan_demo.mjs NESSUS_MCP NESSUS_SIM REPO_ROOT
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { call, connect, startSim } from "../../tests/e2e/scan_lib.mjs";

const [binary, simBinary, root] = process.argv.slice(2);
const say = (text) => console.log(text);
const show = (label, value) =>
  say(`   ${label}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
const dataDir = mkdtempSync(join(tmpdir(), "nessus-mcp-demo-"));

async function follow(client, taskId) {
  for (;;) {
    const r = await client.callTool(
      { name: "get_scan_status", arguments: { task_id: taskId, wait_seconds: 5 } }, undefined,
      { timeout: 60000, onprogress: (p) => say(`   ... ${p.message}`) });
    const s = r.structuredContent;
    if (["completed", "failed", "cancelled", "timed_out"].includes(s.state)) return s;
  }
}

function outcome(s) {
  show("state", s.state);
  if (s.summary) {
    show("hosts", s.summary.hosts);
    show("findings by severity", s.summary.severity);
    show("top plugins", s.summary.top_plugins.slice(0, 3).map((p) => `${p.plugin_id} ${p.name} x${p.count}`));
  }
  if (s.validation && s.validation.credentials !== "not_applicable") {
    show("credentials", `${s.validation.credentials}: ` +
      s.validation.hosts.map((h) => `${h.host} ${h.status}${h.reason ? ` (${h.reason})` : ""}`).join(", "));
  }
  if (s.error) {
    show("error", s.error.message);
    show("hint", s.error.hint);
  }
}

const sim = await startSim(simBinary, ["--scan-seconds", "8"]);
say(`== nessus-sim listening on ${sim.url} (certificate pinned by fingerprint in the config)`);
const env = { PATH: process.env.PATH, HOME: process.env.HOME ?? "/tmp", NESSUS_URL: sim.url };
const server = await connect(binary, ["--stdio", "--config", join(root, "config/scanners.yaml"),
  "--data-dir", dataDir, "--log-level", "warn", "--poll-interval-ms", "1000"], env);
const { client } = server;
const info = client.getServerVersion();
say(`== connected over stdio to ${info.name} ${info.version}; data in ${dataDir}`);
show("tools", (await client.listTools()).tools.map((t) => t.name).join(", "));

say("\n-> list_pools");
const pools = (await call(client, "list_pools", {})).structuredContent;
show("scope of pool 'default'", pools.pools[0].scope.allow.join(", "));

say("\n-> run_untrusted_scan {targets: '8.8.8.8'} (outside the scope: refused, nothing queued)");
const refused = await call(client, "run_untrusted_scan", { targets: "8.8.8.8", name: "internet" });
say(refused.content[0].text.split("\n").map((l) => `   ${l}`).join("\n"));

say("\n-> run_untrusted_scan {targets: '192.168.56.10-12'}");
const scan = (await call(client, "run_untrusted_scan", {
  targets: "192.168.56.10-12", name: "demo network scan", idempotency_key: "demo-1" })).structuredContent;
show("task", `${scan.task_id} ${scan.state}, queue position ${scan.queue_position}`);
say("-> get_scan_status (waiting, with progress notifications)");
const scanDone = await follow(client, scan.task_id);
outcome(scanDone);

say("\n-> get_scan_results {filter: {severity_min: 'high'}, profile: 'summary', max_tokens: 2000}");
const high = (await call(client, "get_scan_results", { task_id: scan.task_id,
  filter: { severity_min: "high" }, profile: "summary", max_tokens: 2000, page_size: 5 })).structuredContent;
show("matching", `${high.total} of ${scanDone.summary?.findings} findings; this page ${high.returned} ` +
  `(${high.token_estimate} tokens of ${high.max_tokens}), more: ${high.has_more}`);
for (const f of high.findings) {
  show(`#${f.finding_id}`, `${f.host}:${f.port} sev ${f.severity} cvss3 ${f.cvss3_base_score ?? "-"} ` +
    `${f.plugin_name}`);
}
say("-> list_scan_hosts");
for (const h of (await call(client, "list_scan_hosts", { task_id: scan.task_id })).structuredContent.hosts) {
  const c = h.severity_counts;
  show(h.host, `${h.os ?? "?"}: critical ${c.critical}, high ${c.high}, medium ${c.medium}, low ${c.low}, info ${c.info}`);
}

say("\n-> list_scanners (health as published by the worker; no secrets)");
const scanners = (await call(client, "list_scanners", {})).structuredContent;
for (const s of scanners.scanners) {
  show(s.id, `${s.health.state}, ${s.health.edition} ${s.health.version}, scan API ${s.health.scan_api}, ` +
    `${s.running}/${s.max_concurrent_scans} running`);
}
show("credential profiles", scanners.credential_profiles.map((p) => p.name).join(", "));

say("\n-> run_authenticated_scan with profile 'demo-valid' and with 'demo-invalid', at once");
const [good, bad] = await Promise.all(["demo-valid", "demo-invalid"].map(async (profile) =>
  (await call(client, "run_authenticated_scan", {
    targets: "192.168.56.20", name: `demo ssh ${profile}`, credential_profile: profile,
  })).structuredContent));
const [goodDone, badDone] = await Promise.all([follow(client, good.task_id), follow(client, bad.task_id)]);
say(" demo-valid:");
outcome(goodDone);
say(" demo-invalid:");
outcome(badDone);

say("\n-> run_authenticated_scan on Windows hosts: an administrator ('demo-windows'), a standard");
say("   user ('demo-windows-standard'), and one SSH + Windows profile over a mixed subnet ('demo-mixed')");
const windowsRuns = [
  ["demo-windows", "10.50.0.10-11"],
  ["demo-windows-standard", "10.50.0.12"],
  ["demo-mixed", "192.168.56.30, 10.50.0.30"],
];
const windowsDone = await Promise.all(windowsRuns.map(async ([profile, targets]) => {
  const t = (await call(client, "run_authenticated_scan", {
    targets, name: `demo windows ${profile}`, credential_profile: profile })).structuredContent;
  return follow(client, t.task_id);
}));
for (let i = 0; i < windowsRuns.length; ++i) {
  const done = windowsDone[i];
  say(` ${windowsRuns[i][0]}: ${done.state}, credentials ${done.validation?.credentials}, per protocol ` +
    Object.entries(done.validation?.by_protocol ?? {}).map(([p, c]) =>
      `${p} ${Object.entries(c).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join("/")}`).join("; "));
  const hosts = (await call(client, "list_scan_hosts", { task_id: done.task_id, sort_by: "address" })).structuredContent;
  for (const h of hosts.hosts) {
    const per = (h.credentials.protocols ?? []).map((p) => `${p.protocol} ${p.status}`).join(", ");
    show(h.host, `${h.os ?? "?"}: ${h.credentials.status}${h.credentials.account ? ` as ${h.credentials.account}` : ""}` +
      `${per ? ` [${per}]` : ""}${h.credentials.reason ? ` - ${h.credentials.reason}` : ""}`);
  }
}

say("\n-> list_tasks");
for (const t of (await call(client, "list_tasks", {})).structuredContent.tasks) {
  show(t.task_id, `${t.state.padEnd(9)} ${t.scan_type.padEnd(13)} ${t.targets}  "${t.name}"`);
}
await client.close();
await sim.stop();
const ok = goodDone.state === "completed" && badDone.state === "failed" &&
  scanDone.state === "completed" && high.total > 0 &&
  windowsDone[0].validation?.credentials === "success" &&
  windowsDone[1].validation?.credentials === "partial" &&
  windowsDone[2].validation?.credentials === "success";
say(ok ? "\n== demo finished: scans ran end to end" : "\n== demo FAILED: unexpected outcome");
process.exit(ok ? 0 : 1);
