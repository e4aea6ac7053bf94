// Never twice on Nessus (issue 22), as real processes: each way a worker was found to cause a
// second scan, or to run work nobody can read, reproduced against nessus-sim with connections
// kept open as a real Nessus keeps them, and the simulator's counts checked at the end.
//   1. a worker paused (SIGSTOP) between reading a scan and launching it, past its lease, while
//      another worker runs the scan to the end, then woken (SIGCONT): no second launch;
//   2. the same between a retry's "list the scans" and its create: no second scan;
//   3. a store migration with queued tasks: refused while a worker of the old store is live; with
//      that worker paused through the migration, the copied tasks never run in the old store;
//   4. a worker whose wall clock is 90 s ahead (libfaketime, monotonic clock left alone) takes
//      no task over, leads nothing, and says why in /ready and /metrics;
//   5. a worker on a data directory of its own claims nothing and says why in its log and /ready.
// Usage: node never_twice.mjs NESSUS_MCP NESSUS_WORKER NESSUS_SIM ADMIN_CLI
// (NMCP_SCENARIOS=1,3 runs only those scenarios.)
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { check, dataDir, equal, freePort, run, sleep, until } from "../e2e/lib.mjs";
import { call, connect, serverEnv, startSim, writeConfig } from "../e2e/scan_lib.mjs";

const [mcpBinary, workerBinary, simBinary, adminCli] = process.argv.slice(2);
const work = dataDir();
const env = serverEnv();
const children = new Set();
process.on("exit", () => { for (const c of children) c.kill("SIGKILL"); });
// --- processes -----------------------------------------------------------------------------
async function startRedis(dir) {
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, "redis.sock");
  const proc = spawn("redis-server", ["--port", "0", "--unixsocket", socket, "--unixsocketperm",
    "700", "--dir", dir, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec"],
    { stdio: "ignore" });
  children.add(proc);
  await until("redis-server", () => {
    const r = spawnSync("redis-cli", ["-s", socket, "PING"], { encoding: "utf8" });
    return r.stdout?.trim() === "PONG";
  }, { timeoutMs: 20000, everyMs: 50 });
  return `unix://${socket}?timeout_ms=2000`;
}

// Short leases so that a pause outlives one; connections to the simulator stay open (its
// default keep-alive is minutes, as a real Nessus's).
const WORKER_FLAGS = ["--lease-ms", "3000", "--claim-interval-ms", "200", "--poll-interval-ms",
  "300", "--export-poll-ms", "200", "--probe-interval-ms", "1000", "--backoff-base-ms", "100",
  "--log-format", "json"];

function startWorker({ store, data, config, extraEnv = {}, metricsPort }) {
  const args = ["--config", config, "--store", store, "--data-dir", data, ...WORKER_FLAGS];
  if (metricsPort) args.push("--metrics-listen", `127.0.0.1:${metricsPort}`);
  const proc = spawn(workerBinary, args, { env: { ...env, ...extraEnv },
    stdio: ["ignore", "ignore", "pipe"] });
  let logs = "";
  proc.stderr.on("data", (d) => (logs += d));
  children.add(proc);
  return {
    proc,
    logs: () => logs,
    lines: () => logs.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)),
    pause: () => proc.kill("SIGSTOP"),
    resume: () => proc.kill("SIGCONT"),
    stop: () => new Promise((done) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return done();
      proc.once("exit", () => done());
      proc.kill("SIGCONT");
      proc.kill("SIGKILL");
      children.delete(proc);
    }),
  };
}

const admin = (store, data, ...args) => JSON.parse(execFileSync(adminCli,
  ["--store", store, "--data-dir", data, "--json", ...args], { encoding: "utf8", env }));
const internal = (store, data, id) => admin(store, data, "task", "show", id, "--internal");

// Submits through a nessus-mcp that runs no worker, and closes it (a clean stop withdraws its
// presence from the store).
async function submit(store, data, config, targetsList) {
  const s = await connect(mcpBinary, ["--config", config, "--store", store, "--data-dir", data,
    "--no-worker", "--log-format", "json"], env);
  const ids = [];
  for (const targets of targetsList) {
    const r = await call(s.client, "run_untrusted_scan", { targets, name: `never twice ${targets}` });
    if (r.isError) throw new Error(`submit: ${r.content[0].text}\n${s.logs()}`);
    ids.push(r.structuredContent.task_id);
  }
  await s.client.close();
  return ids;
}

async function httpGet(port, path) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, text: await res.text() };
}

// A worker's log line about `taskId` after the pause: the side effect withheld, or (before the
// fix) the launch or create that made the second scan.
function afterWake(worker, taskId, since) {
  return worker.lines().slice(since).find((l) => l.task_id === taskId &&
    /withheld|Nessus scan launched|Nessus scan created|no longer holds|dropping/.test(l.msg ?? l.message ?? ""));
}

// --- the scenarios -------------------------------------------------------------------------
let sim;
let config;

// The test configuration with pool "default"'s scan window closed now (it opens in six hours)
// or without a window; written to `path` (default: a new file in `dir`).
function windowConfig(dir, closed, path) {
  const text = readFileSync(config, "utf8");
  const at = new Date(Date.now() + 6 * 3600 * 1000);
  const hhmm = (d) => d.toISOString().slice(11, 16);
  const window = `    scan_window:\n      days: daily\n      start: "${hhmm(at)}"\n` +
    `      end: "${hhmm(new Date(at.getTime() + 60000))}"\n      timezone: UTC\n`;
  const out = path ?? join(dir, closed ? "closed.yaml" : "open.yaml");
  writeFileSync(out, closed ? text.replace("    instances:", `${window}    instances:`) : text);
  return out;
}

async function pausedAt(route, rules, scenario) {
  const dir = join(work, scenario);
  const data = join(dir, "data");
  mkdirSync(data, { recursive: true, mode: 0o700 });
  const store = await startRedis(join(dir, "redis"));
  const before = await sim.stats();
  await sim.faults({ route_rules: rules });
  const a = startWorker({ store, data, config });
  const [id] = await submit(store, data, config, ["10.1.0.1"]);
  await until(`worker A reaching ${route}`, async () => (await sim.stats()).held_now === 1);
  a.pause();
  const seenBefore = a.lines().length;
  await sim.release();
  const b = startWorker({ store, data, config });
  const done = await until("the task completed by worker B",
    () => { const t = internal(store, data, id); return t.state === "completed" ? t : undefined; });
  check(done.attempts >= 2, `worker B took the task over (attempts ${done.attempts})`);
  a.resume();
  // Worker A wakes with the answer it read before its pause and acts on it, or not.
  const woke = await until("worker A acting on what it read before its pause",
    () => afterWake(a, id, seenBefore), { timeoutMs: 30000 });
  await sleep(500);
  const after = await sim.stats();
  const created = after.scans_created - before.scans_created;
  const launched = after.scans_launched - before.scans_launched;
  await a.stop();
  await b.stop();
  equal({ created, launched, relaunched: after.relaunched_scans - before.relaunched_scans },
    { created: 1, launched: 1, relaunched: 0 }, "one scan created and launched for one task");
  check(/withheld/.test(woke.msg ?? woke.message), `worker A withheld its request: ${JSON.stringify(woke)}`);
  equal(internal(store, data, id).state, "completed", "the task is still completed once");
  check(after.peak_active_scans <= 4, `never above max_concurrent_scans (${after.peak_active_scans})`);
}

// NMCP_SCENARIOS=2,4 runs only those (to check one against another build); default: all.
const only = process.env.NMCP_SCENARIOS?.split(",");
const chosen = (steps) => steps.filter(([title]) => !only || !/^\d\./.test(title) ||
  only.includes(title.split(".")[0]));

await run("never_twice", chosen([
  ["the simulator keeps connections open and holds requests on demand", async () => {
    sim = await startSim(simBinary, ["--speed", "20", "--scan-seconds", "20"]);
    config = writeConfig(work, sim.url);
  }],
  ["1. a worker paused between reading the scan and launching it launches nothing", () =>
    pausedAt("GET /scans/{id}", [{ route: "GET /scans/{id}", times: 1, hold: true }], "launch")],
  ["2. a worker paused between a retry's list and its create creates nothing", () =>
    pausedAt("GET /scans", [{ route: "POST /scans", times: 1, status: 503 },
      { route: "GET /scans", times: 1, hold: true }], "create")],
  ["3. a migration leaves no task runnable in two stores", async () => {
    const dir = join(work, "migrate");
    const data = join(dir, "data");
    mkdirSync(data, { recursive: true, mode: 0o700 });
    const oldStore = `sqlite:${join(data, "old.db")}`;
    const newStore = await startRedis(join(dir, "redis"));
    const before = await sim.stats();
    // The old store's worker is live, but the pool's scan window is closed, so the six tasks
    // stay queued there: the situation of a migration with queued tasks and live workers.
    const closed = windowConfig(dir, true);
    const old = startWorker({ store: oldStore, data, config: closed });
    await until("the old worker started", () => old.logs().includes("worker engine started"));
    const ids = await submit(oldStore, data, closed,
      Array.from({ length: 6 }, (_, i) => `10.2.0.${i + 1}`));
    const refused = spawnSync(adminCli, ["--store", oldStore, "--data-dir", data, "store",
      "migrate", "--to", newStore], { encoding: "utf8", env });
    check(refused.status !== 0, "refused while a worker of the old store is live");
    check(/still use/.test(refused.stderr) && refused.stderr.includes("nessus-worker@"),
      `the refusal names the live worker: ${refused.stderr}`);
    const listed = spawnSync(adminCli, ["--store", newStore, "--data-dir", data, "--json", "task",
      "list"], { encoding: "utf8", env });
    check(/there is no task store/.test(listed.stdout + listed.stderr),
      `nothing was copied, not even the store created: ${listed.stdout}${listed.stderr}`);
    // The worker is paused until its presence lapses (one lease term), as a worker stopped by
    // its host would be; the migration then goes ahead and marks each task in the old store.
    old.pause();
    await sleep(3500);
    const moved = admin(oldStore, data, "store", "migrate", "--to", newStore);
    equal(moved.copied, 6, "every queued task copied");
    equal(internal(oldStore, data, ids[0]).moved_to, moved.to, "marked as moved in the old store");
    // The old worker wakes to an open window (its configuration reloaded) and looks for work
    // in the old store: there is none it may run. The new store's worker runs all six.
    windowConfig(dir, false, closed);
    old.proc.kill("SIGHUP");
    old.resume();
    const runner = startWorker({ store: newStore, data, config: windowConfig(dir, false) });
    await until("the six tasks completed in the new store", () =>
      ids.every((id) => internal(newStore, data, id).state === "completed"), { timeoutMs: 90000 });
    await sleep(1000);  // five more claim turns of the old worker
    const after = await sim.stats();
    await old.stop();
    await runner.stop();
    check(/configuration reloaded/.test(old.logs()), "the old worker reloaded its configuration");
    equal({ created: after.scans_created - before.scans_created,
      launched: after.scans_launched - before.scans_launched }, { created: 6, launched: 6 },
    "one scan per task, none from the old store");
    check(!old.logs().includes("task claimed"), "the old worker claimed nothing");
    equal(internal(oldStore, data, ids[0]).state, "queued", "the old store's copy never ran");
  }],
  ["4. a worker 90 s ahead takes nothing over and says why", async () => {
    const dir = join(work, "skew");
    const data = join(dir, "data");
    mkdirSync(data, { recursive: true, mode: 0o700 });
    const store = await startRedis(join(dir, "redis"));
    const before = await sim.stats();
    await sim.faults({ scan_outcome: "complete" });
    const a = startWorker({ store, data, config });
    const [id] = await submit(store, data, config, ["10.3.0.1"]);
    await until("worker A running the scan", () => internal(store, data, id).state === "running");
    const port = await freePort();
    const faketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
    check(existsSync(faketime), "libfaketime is installed (scripts/debian-packages.txt)");
    const fast = startWorker({ store, data, config, metricsPort: port, extraEnv: {
      LD_PRELOAD: faketime, FAKETIME: "+90s", DONT_FAKE_MONOTONIC: "1", FAKETIME_NO_CACHE: "1" } });
    const ready = await until("the fast worker's /ready", async () => {
      try { return await httpGet(port, "/ready"); } catch { return undefined; }
    });
    equal(ready.status, 503, "not ready with a clock 90 s off");
    const body = JSON.parse(ready.text);
    check(body.checks.clock.ok === false && Math.abs(body.checks.clock.offset_ms + 90000) < 5000,
      `/ready reports the offset: ${ready.text}`);
    const metrics = (await httpGet(port, "/metrics")).text;
    check(/^nmcp_clock_offset_seconds -(89|90|91)(\.\d+)?$/m.test(metrics),
      `/metrics reports the offset: ${metrics.split("\n").filter((l) => l.includes("clock")).join(" | ")}`);
    check(/nmcp_takes_work 0/.test(metrics), "/metrics says it takes no work");
    await until("the task completed by worker A", () =>
      internal(store, data, id).state === "completed", { timeoutMs: 90000 });
    const done = internal(store, data, id);
    const after = await sim.stats();
    await a.stop();
    await fast.stop();
    equal(done.attempts, 1, "never taken over by the fast worker");
    equal({ created: after.scans_created - before.scans_created,
      launched: after.scans_launched - before.scans_launched }, { created: 1, launched: 1 },
    "one scan for one task");
    check(/clock is -?\d+ ms away/.test(fast.logs()), "the fast worker's log says why");
    check(!fast.logs().includes("this process leads"), "the fast worker led nothing");
  }],
  ["5. a worker on a data directory of its own claims nothing and says why", async () => {
    const dir = join(work, "datadir");
    const shared = join(dir, "shared");
    const own = join(dir, "own");
    mkdirSync(shared, { recursive: true, mode: 0o700 });
    mkdirSync(own, { recursive: true, mode: 0o700 });
    const store = await startRedis(join(dir, "redis"));
    const before = await sim.stats();
    const [id] = await submit(store, shared, config, ["10.4.0.1"]);  // names the shared dir
    const port = await freePort();
    const stray = startWorker({ store, data: own, config, metricsPort: port });
    const ready = await until("the stray worker's /ready", async () => {
      try { return await httpGet(port, "/ready"); } catch { return undefined; }
    });
    equal(ready.status, 503, "not ready on the wrong results directory");
    check(JSON.parse(ready.text).checks.results_dir.ok === false, `/ready says why: ${ready.text}`);
    check(/is not the one the other processes/.test(stray.logs()), "its log says why");
    await sleep(2000);  // ten claim turns
    equal(internal(store, shared, id).state, "queued", "the stray worker claimed nothing");
    const right = startWorker({ store, data: shared, config });
    await until("the task completed by a worker on the shared directory", () =>
      internal(store, shared, id).state === "completed", { timeoutMs: 90000 });
    const after = await sim.stats();
    await stray.stop();
    await right.stop();
    equal(after.scans_created - before.scans_created, 1, "one scan");
    check(existsSync(join(shared, "results", id, "findings.sqlite")) ||
      existsSync(join(shared, "results", id)), "its results are on the shared directory");
  }],
]));
process.exit(0);
