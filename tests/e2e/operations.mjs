// Operating the server: nessus-mcp --stdio with --metrics-listen, the official SDK client, a real
// nessus-sim. /ready is 200 once the scanner is probed, 503 naming the pool when the simulator
// stops, 200 again when it returns on the same port. /metrics counts exactly the tool calls the
// test made (by tool and outcome), one Nessus create and one launch per scan, a completed scan
// and a dead-lettered one once each, and passes `promtool check metrics` when promtool is
// installed. One grep of a scan's trace id finds the tool call that made it, its claim, every
// worker step and Nessus request, the findings index and the final record.
// Usage: node operations.mjs NESSUS_MCP NESSUS_SIM
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { check, equal, freePort, run } from "./lib.mjs";
import { call, connect, serverEnv, startSim, waitUntil, writeConfig } from "./scan_lib.mjs";

const [binary, simBinary] = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), "nmcp-ops-"));


async function get(port, path) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text(), type: res.headers.get("content-type") };
}

// The value of one series in a scrape (0 when absent).
function series(text, name, labels = {}) {
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) continue;
    const ok = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (ok) total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}

const steps = [];
const step = (title, fn) => steps.push([title, fn]);
let simPort;
let metricsPort;
let sim;
let client;
let logs;
const calls = {};

step("a simulator and nessus-mcp --stdio --metrics-listen", async () => {
  simPort = await freePort();
  metricsPort = await freePort();
  sim = await startSim(simBinary, ["--port", String(simPort), "--speed", "1000"]);
  const cfg = writeConfig(work, sim.url);
  const data = mkdtempSync(join(work, "data-"));
  ({ client, logs } = await connect(binary, ["--stdio", "--config", cfg, "--data-dir", data,
    "--metrics-listen", `127.0.0.1:${metricsPort}`, "--probe-interval-ms", "300",
    "--poll-interval-ms", "200", "--export-poll-ms", "100", "--max-failures", "1",
    "--log-level", "debug"], serverEnv()));
});
{
  const tool = async (name, args) => {
    calls[name] = (calls[name] ?? 0) + 1;
    return call(client, name, args);
  };

  step("/health and /ready answer on the metrics listener", async () => {
    equal((await get(metricsPort, "/health")).status, 200, "/health");
    await waitUntil("/ready 200", async () => (await get(metricsPort, "/ready")).status === 200);
    const ready = JSON.parse((await get(metricsPort, "/ready")).body);
    equal(ready.ready, true, "ready");
    equal((await get(metricsPort, "/mcp")).status, 404, "only the ops paths are served");
  });

  let traceId;
  let taskId;
  step("a scan completes; get_scan_status names its trace id", async () => {
    for (let i = 0; i < 3; i++) check(!(await tool("list_scanners", {})).isError, "list_scanners");
    const submitted = await tool("run_untrusted_scan", { targets: "10.0.0.9", name: "ops scan" });
    check(!submitted.isError, `submit: ${submitted.content?.[0]?.text}`);
    taskId = submitted.structuredContent.task_id;
    let state;
    for (let i = 0; i < 120 && state !== "completed"; i++) {
      const s = await tool("get_scan_status", { task_id: taskId, wait_seconds: 1 });
      state = s.structuredContent.state;
      traceId = s.structuredContent.trace_id;
    }
    check(/^[0-9a-zA-Z_-]{8,}$/.test(traceId ?? ""), `a trace id: ${traceId}`);
    equal(state, "completed", "the scan completed");
  });

  step("a scan whose export is broken is dead-lettered (--max-failures 1)", async () => {
    await sim.faults({ export_mode: "malformed" });
    const submitted = await tool("run_untrusted_scan", { targets: "10.0.0.10", name: "broken" });
    check(!submitted.isError, "submitted");
    let state;
    for (let i = 0; i < 60 && state !== "failed"; i++) {
      const s = await tool("get_scan_status", { task_id: submitted.structuredContent.task_id,
        wait_seconds: 1 });
      state = s.structuredContent.state;
    }
    equal(state, "failed", "the broken scan failed");
    await sim.faults({ export_mode: "ok" });
  });

  step("/metrics counts what happened", async () => {
    const scrape = await get(metricsPort, "/metrics");
    equal(scrape.status, 200, "/metrics");
    check(scrape.type.startsWith("text/plain; version=0.0.4"), scrape.type);
    const m = scrape.body;
    const total = Object.values(calls).reduce((a, b) => a + b, 0);
    equal(series(m, "nmcp_tool_calls_total"), total, "every tool call counted once");
    for (const [name, n] of Object.entries(calls)) {
      equal(series(m, "nmcp_tool_calls_total", { tool: name, outcome: "ok" }), n, name);
      equal(series(m, "nmcp_tool_call_duration_seconds_count", { tool: name }), n, `${name} latency`);
    }
    equal(series(m, "nmcp_nessus_requests_total", { endpoint: "create", outcome: "ok" }), 2,
      "one scan created per task");
    equal(series(m, "nmcp_nessus_requests_total", { endpoint: "launch", outcome: "ok" }), 2,
      "one scan launched per task");
    const stats = await sim.stats();
    equal(stats.scans_created, 2, "the simulator agrees");
    equal(series(m, "nmcp_scan_step_failures_total", { step: "index" }), 1, "one failed step");
    equal(series(m, "nmcp_tasks_finished_total", { pool: "default", state: "completed" }), 1,
      "one completed");
    equal(series(m, "nmcp_tasks_finished_total", { pool: "default", state: "dead_letter" }), 1,
      "one dead letter, counted once");
    equal(series(m, "nmcp_scan_duration_seconds_count", { pool: "default" }), 1, "one duration");
    equal(series(m, "nmcp_build_info", { binary: "nessus-mcp" }), 1, "build info");
    check(series(m, "nmcp_instance_capacity", { instance: "local" }) === 4, "capacity");
    check(!/task_[0-9a-f]{32}/.test(m), "no task id is a label");
    const promtool = spawnSync("promtool", ["check", "metrics"], { input: m });
    if (promtool.error === undefined) {
      equal(promtool.status, 0, `promtool check metrics: ${promtool.stdout}${promtool.stderr}`);
    }
  });

  step("one grep of the trace id follows the scan", async () => {
    const lines = logs().split("\n").filter((l) => l.includes(traceId));
    const has = (pattern, what) => check(lines.some((l) => pattern.test(l)), `${what} in:\n` +
      lines.join("\n"));
    has(/"tool call finished".*"tool":"run_untrusted_scan"|"tool":"run_untrusted_scan".*"tool call finished"/,
      "the tool call");
    has(/"task claimed"/, "the claim");
    for (const endpoint of ["/scans\"", "/launch", "/export", "/download"]) {
      has(new RegExp(`"msg":"request".*"path":"[^"]*${endpoint.replace("/", "\\/")}`),
        `the Nessus request ${endpoint}`);
    }
    has(/"findings indexed"/, "the findings index");
    has(/"task finished".*"state":"completed"|"state":"completed".*"task finished"/, "the result");
    check(lines.every((l) => !l.includes("\"task_id\"") || l.includes(taskId) ||
      l.includes("tool call")), "the trace id names only its own task");
  });

  step("/ready turns 503 when the scanner stops and 200 when it returns", async () => {
    await sim.stop();
    await waitUntil("/ready 503", async () => (await get(metricsPort, "/ready")).status === 503,
      30000);
    const body = JSON.parse((await get(metricsPort, "/ready")).body);
    equal(body.ready, false, "not ready");
    check(body.reasons.some((r) => r.includes("pool default")), `names the pool: ${body.reasons}`);
    sim = await startSim(simBinary, ["--port", String(simPort), "--speed", "1000"]);
    await waitUntil("/ready 200 again", async () => (await get(metricsPort, "/ready")).status === 200,
      30000);
  });

  step("stop", async () => {
    await client.close();
    await sim.stop();
  });
}
await run("operations", steps);
