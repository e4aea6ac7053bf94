// The distributed topology as real processes on loopback: redis-server (AOF, appendfsync
// always), two nessus-sim instances in two pools, three nessus-worker processes and two
// `nessus-mcp --http --stateless --no-worker` replicas on one --store redis and one shared
// --data-dir. The official SDK client submits 40 scans across both replicas and resubmits each
// through the other replica. During the run a worker is killed -9 twice (and restarted), Redis is
// killed and restarted once, and one replica is stopped. At the end every task completed exactly
// once, each simulator created and launched exactly one scan per task, no instance ever ran more
// scans at once than its max_concurrent_scans, and nothing was lost.
// Usage: node distributed.mjs NESSUS_MCP NESSUS_WORKER NESSUS_SIM ADMIN_CLI
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { check, dataDir, equal, run, startHttpServer } from "../e2e/lib.mjs";
import { FINGERPRINT, serverEnv, startSim } from "../e2e/scan_lib.mjs";

const [mcpBinary, workerBinary, simBinary, adminCli] = process.argv.slice(2);
const work = dataDir();
const shared = join(work, "shared");  // the volume every process mounts
mkdirSync(shared, { recursive: true, mode: 0o700 });
const redisDir = join(work, "redis");
mkdirSync(redisDir, { recursive: true });
const socket = join(redisDir, "redis.sock");
const store = `unix://${socket}?timeout_ms=1000`;
const TASKS = 40;
const LIMITS = { east: 3, west: 2 };
const env = serverEnv();
Object.assign(process.env, env);  // the replicas (startHttpServer) inherit the secrets' variables
const children = new Set();
process.on("exit", () => { for (const c of children) c.kill("SIGKILL"); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, timeoutMs = 120000, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${await diagnose()}`);
    await sleep(everyMs);
  }
}
// What the processes say, for a failure message.
async function diagnose() {
  const out = [];
  for (const [pool, sim] of Object.entries(sims ?? {})) {
    out.push(`${pool} sim: ${JSON.stringify(await sim.stats().catch((e) => String(e)))}`);
  }
  try {
    out.push(`store: ${JSON.stringify(admin("stats"))}`);
  } catch (e) {
    out.push(`store: ${e}`);
  }
  for (const [i, w] of workers.entries()) {
    out.push(`worker ${i} (pid ${w.proc.pid}, exit ${w.proc.exitCode}):\n${w.logs().split("\n").slice(-15).join("\n")}`);
  }
  return out.join("\n");
}

// --- redis-server --------------------------------------------------------------------------
let redis;
function redisCli(...args) {
  try {
    return execFileSync("redis-cli", ["-s", socket, ...args],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}
async function startRedis() {
  redis = spawn("redis-server", ["--port", "0", "--unixsocket", socket, "--unixsocketperm", "700",
    "--dir", redisDir, "--appendonly", "yes", "--appendfsync", "always", "--save", "",
    "--maxmemory-policy", "noeviction", "--logfile", join(redisDir, "redis.log")],
    { stdio: "ignore" });
  children.add(redis);
  await until("redis-server", () => redisCli("PING") === "PONG", 20000, 50);
}
async function killRedis() {
  const exited = new Promise((r) => redis.once("exit", r));
  redis.kill("SIGKILL");
  await exited;
  children.delete(redis);
}

// --- workers -------------------------------------------------------------------------------
let config;
const workers = [];
function startWorker(i) {
  const proc = spawn(workerBinary, ["--config", config, "--store", store, "--data-dir", shared,
    "--lease-ms", "3000", "--claim-interval-ms", "200", "--poll-interval-ms", "300",
    "--export-poll-ms", "200", "--probe-interval-ms", "1000", "--log-format", "json"],
    { env, stdio: ["ignore", "ignore", "pipe"] });
  let logs = "";
  proc.stderr.on("data", (d) => (logs += d));
  children.add(proc);
  workers[i] = { proc, logs: () => logs };
}
const admin = (...args) => JSON.parse(execFileSync(adminCli,
  ["--store", store, "--data-dir", shared, "--json", ...args], { encoding: "utf8" }));
// {index} of the worker holding the most running tasks (worker ids end in -PID-XXXX), or
// undefined while none holds any.
function busiestWorker() {
  const held = new Map();
  for (const t of admin("task", "list", "--state", "running").tasks) {
    const pid = Number(admin("task", "show", t.task_id, "--internal").internal.worker.split("-").at(-2));
    held.set(pid, (held.get(pid) ?? 0) + 1);
  }
  const [pid] = [...held.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
  const i = workers.findIndex((w) => w.proc.pid === pid);
  return i >= 0 ? { index: i } : undefined;
}
async function killWorker(i) {
  const { proc } = workers[i];
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGKILL");
  await exited;
  children.delete(proc);
}

// --- replicas and clients ------------------------------------------------------------------
const replicas = [];
async function startReplica() {
  const r = await startHttpServer(mcpBinary, ["--stateless", "--no-worker", "--config", config,
    "--store", store, "--data-dir", shared]);
  children.add(r.proc);
  const client = new Client({ name: "topology", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${r.url}/mcp`)));
  return { ...r, client };
}
// A tool call; a store outage ("unavailable ... retry") is retried as an agent would.
let unavailableAnswers = 0;
async function call(replica, name, args) {
  for (let attempt = 0; ; ++attempt) {
    let r;
    try {
      r = await replica.client.callTool({ name, arguments: args }, undefined, { timeout: 30000 });
    } catch (err) {
      if (attempt < 40) { await sleep(250); continue; }
      throw err;
    }
    if (r.isError && /unavailable|unreachable|retry/i.test(r.content[0].text) && attempt < 80) {
      ++unavailableAnswers;
      await sleep(250);
      continue;
    }
    return r;
  }
}

const scanArgs = (i) => ({ targets: `10.1.${Math.floor(i / 200)}.${(i % 200) + 1}`,
  name: `topology ${i}`, pool: i % 2 === 0 ? "east" : "west", idempotency_key: `topo-${i}` });

let sims;
const tasks = [];  // {id, pool}
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

await run("topology", [
  ["start redis, two simulators, three workers, two stateless replicas", async () => {
    await startRedis();
    sims = {
      east: await startSim(simBinary, ["--scan-seconds", "5"]),
      west: await startSim(simBinary, ["--scan-seconds", "5", "--cert-seed", "default"]),
    };
    const instance = (id, sim, limit) => `      - id: ${id}
        url: ${sim.url}
        auth:
          mode: api_keys
          access_key: \${SIM_ACCESS_KEY}
          secret_key: \${SIM_SECRET_KEY}
        tls:
          fingerprint: ${FINGERPRINT}
        max_concurrent_scans: ${limit}
`;
    config = join(work, "scanners.yaml");
    writeFileSync(config, `defaults:
  pool: east
  poll_interval_seconds: 1
  scan_timeout_minutes: 30
pools:
  east:
    scope: {allow: [10.0.0.0/8]}
    instances:
${instance("east-1", sims.east, LIMITS.east)}  west:
    scope: {allow: [10.0.0.0/8]}
    instances:
${instance("west-1", sims.west, LIMITS.west)}`);
    for (let i = 0; i < 3; ++i) startWorker(i);
    replicas.push(await startReplica(), await startReplica());
  }],

  ["40 scans submitted across both replicas", async () => {
    const results = await Promise.all(Array.from({ length: TASKS }, (_, i) =>
      call(replicas[i % 2], "run_untrusted_scan", scanArgs(i))));
    for (const [i, r] of results.entries()) {
      check(!r.isError, `submit ${i}: ${JSON.stringify(r.content)}`);
      check(r.structuredContent.created, `submit ${i} created a task`);
      tasks.push({ id: r.structuredContent.task_id, pool: scanArgs(i).pool });
    }
    equal(new Set(tasks.map((t) => t.id)).size, TASKS, "40 distinct tasks");
  }],

  ["resubmits through the other replica return the same task", async () => {
    const again = await Promise.all(Array.from({ length: TASKS }, (_, i) =>
      call(replicas[(i + 1) % 2], "run_untrusted_scan", scanArgs(i))));
    for (const [i, r] of again.entries()) {
      check(!r.isError, `resubmit ${i}: ${JSON.stringify(r.content)}`);
      equal(r.structuredContent.task_id, tasks[i].id, `resubmit ${i} names the same task`);
      equal(r.structuredContent.created, false, `resubmit ${i} created nothing`);
    }
  }],

  ["kill -9 the worker driving the most scans, and restart it", async () => {
    await until("scans running", async () => sum((await Promise.all(
      Object.values(sims).map((s) => s.stats()))).map((s) => s.active_scans)) >= 3);
    const { index } = await until("a worker holding tasks", () => busiestWorker());
    await killWorker(index);
    startWorker(index);
  }],

  ["kill -9 redis-server and start it again on its AOF", async () => {
    await sleep(1500);
    await killRedis();
    await sleep(2000);  // workers keep driving their scans; tools answer "unavailable"
    await startRedis();
  }],

  ["kill -9 the busiest worker again, restart it; stop one replica", async () => {
    await sleep(1500);
    const { index } = await until("a worker holding tasks", () => busiestWorker());
    await killWorker(index);
    startWorker(index);
    const stopped = await replicas[1].stop();
    equal(stopped, 0, "the replica stops cleanly on SIGTERM");
    children.delete(replicas[1].proc);
  }],

  ["every task completes, read through the remaining replica", async () => {
    const done = new Map();
    await until("all tasks terminal", async () => {
      for (const t of tasks) {
        if (done.has(t.id)) continue;
        const r = await call(replicas[0], "get_scan_status", { task_id: t.id });
        check(!r.isError, `get_scan_status ${t.id}: ${JSON.stringify(r.content)}`);
        if (["completed", "failed", "cancelled", "timed_out"].includes(r.structuredContent.state)) {
          done.set(t.id, r.structuredContent);
        }
      }
      return done.size === TASKS;
    }, 240000, 500);
    for (const t of tasks) {
      const s = done.get(t.id);
      equal(s.state, "completed", `${t.id} completed (${JSON.stringify(s.error)})`);
      check(s.summary && s.summary.hosts === 1, `${t.id} has its results summary`);
    }
    const page = await call(replicas[0], "get_scan_results", { task_id: tasks[7].id });
    check(!page.isError, `results are readable from the shared directory: ${JSON.stringify(page.content)}`);
  }],

  ["each simulator ran exactly one scan per task, never above its limit", async () => {
    for (const [pool, sim] of Object.entries(sims)) {
      const s = await sim.stats();
      const expected = tasks.filter((t) => t.pool === pool).length;
      equal(s.scans_created, expected, `${pool}: one scan created per task`);
      equal(s.scans_launched, expected, `${pool}: one launch per task`);
      check(s.peak_active_scans <= LIMITS[pool],
            `${pool}: at most ${LIMITS[pool]} scans at once (saw ${s.peak_active_scans})`);
      check(s.peak_active_scans >= 1, `${pool}: scans ran`);
    }
  }],

  ["the store holds exactly the 40 tasks, none queued, running or dead-lettered", async () => {
    const list = admin("task", "list", "--limit", "500");
    equal(list.tasks.map((t) => t.task_id).sort(), tasks.map((t) => t.id).sort(), "no task lost or added");
    const takenOver = list.tasks.filter((t) => t.attempts > 1).length;
    check(takenOver >= 1, "the killed workers' tasks were taken over by the others");
    console.log(`     (${takenOver} tasks were taken over after a kill -9)`);
    const stats = admin("stats");
    for (const p of stats.pools) {
      equal([p.queued, p.running, p.dead_letters], [0, 0, 0], `${p.pool}: nothing left over`);
    }
    console.log(`     (${unavailableAnswers} tool answers said the store was unavailable during the outage)`);
  }],

  ["shut down", async () => {
    await replicas[0].stop();
    for (const w of workers) {
      const exited = new Promise((r) => w.proc.once("exit", r));
      w.proc.kill("SIGTERM");
      equal(await exited, 0, "a worker stops cleanly on SIGTERM");
    }
    for (const sim of Object.values(sims)) await sim.stop();
    await killRedis();
  }],
]);
