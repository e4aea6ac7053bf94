// Recurring scans as real processes, read with the official SDK client: redis-server, a
// nessus-sim whose network changes between scans (--network-drift), replica A (no worker) that
// leads schedule firing, and replica B with an embedded worker that the client talks to. A
// schedule every minute fires its first slot on A; A is then killed with -9, B takes the lease
// over when A's term ends and fires the next slots, never the first one again. Each run after
// the first carries since_previous_run (new / fixed / still open against the run before, with
// the top new findings), which matches compare_scans on the schedule id and the simulator's
// change (one fixed, one new per host). At the end each slot has exactly one task and the
// simulator created exactly one scan per task.
// Usage: node schedules.mjs NESSUS_MCP NESSUS_SIM ADMIN_CLI
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { check, dataDir, equal, run, startHttpServer, startRedis } from "../e2e/lib.mjs";
import { serverEnv, startSim, writeConfig } from "../e2e/scan_lib.mjs";

const [mcpBinary, simBinary, adminCli] = process.argv.slice(2);
const work = dataDir();
const shared = join(work, "shared");
mkdirSync(shared, { recursive: true, mode: 0o700 });
let redis;  // the Redis both replicas share (startRedis)
let store;
const HOSTS = 4;  // 10.1.0.1-4: four Linux hosts in the simulator
Object.assign(process.env, serverEnv());  // the replicas inherit the secrets' variables
const children = new Set();
process.on("exit", () => { for (const c of children) c.kill("SIGKILL"); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let a;
let b;
let sim;
async function until(what, fn, timeoutMs, everyMs = 500) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) {
      const tail = (r) => (r ? r.logs().split("\n").slice(-12).join("\n") : "");
      throw new Error(`timed out waiting for ${what}\nA:\n${tail(a)}\nB:\n${tail(b)}`);
    }
    await sleep(everyMs);
  }
}
const admin = (...args) => JSON.parse(execFileSync(adminCli,
  ["--store", store, "--data-dir", shared, "--json", ...args], { encoding: "utf8" }));

async function metric(replica, name) {
  const text = await (await fetch(`${replica.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(" ")[1]);
}

async function call(name, args) {
  const r = await b.client.callTool({ name, arguments: args }, undefined, { timeout: 30000 });
  check(!r.isError, `${name}: ${r.content?.[0]?.text}`);
  return r.structuredContent;
}
async function schedule() {
  const { schedules } = await call("list_schedules", {});
  return schedules.find((s) => s.schedule_id === scheduleId);
}
const submittedRuns = (s) => s.recent_runs.filter((r) => r.task_id !== null).reverse();  // oldest first
async function completedRun(n) {
  const s = await until(`run ${n}`, async () => {
    const now = await schedule();
    return submittedRuns(now).length >= n ? now : undefined;
  }, 200000);
  const id = submittedRuns(s)[n - 1].task_id;
  return until(`run ${n} (${id}) completed`, async () => {
    const t = await call("get_scan_status", { task_id: id, wait_seconds: 2 });
    check(!["failed", "cancelled", "timed_out"].includes(t.state), `run ${n}: ${JSON.stringify(t.error)}`);
    return t.state === "completed" ? t : undefined;
  }, 60000, 0);
}

let scheduleId;
const runs = [];

await run("schedules", [
  ["start redis, a drifting simulator and replica A, which leads schedule firing", async () => {
    redis = await startRedis(join(work, "redis"));
    store = redis.store;
    sim = await startSim(simBinary, ["--network-drift", "--scan-seconds", "5"]);
    const config = writeConfig(work, sim.url);
    const replica = async (extra) => {
      const r = await startHttpServer(mcpBinary, ["--stateless", "--config", config, "--store", store,
        "--data-dir", shared, ...extra]);
      children.add(r.proc);
      return r;
    };
    a = await replica(["--no-worker"]);
    await until("A leads schedule firing", async () => (await metric(a, "nmcp_schedule_leader")) === 1, 30000);
    b = await replica([]);
    b.client = new Client({ name: "topology-schedules", version: "1.0.0" });
    await b.client.connect(new StreamableHTTPClientTransport(new URL(`${b.url}/mcp`)));
    equal(await metric(b, "nmcp_schedule_leader"), 0, "B waits while A holds the lease");
  }],

  ["schedule_scan every minute, checked at creation", async () => {
    const refused = await b.client.callTool({ name: "schedule_scan",
      arguments: { name: "outside", targets: "192.0.2.0/24", every: "1m" } });
    check(refused.isError && /scope/i.test(refused.content[0].text), "out of scope is refused at creation");
    const s = await call("schedule_scan", { name: "lab every minute", targets: "10.1.0.1-4", every: "1m" });
    scheduleId = s.schedule_id;
    check(/^sch_[0-9a-f]{32}$/.test(scheduleId), `schedule id ${scheduleId}`);
    check(typeof s.next_fire === "string" && Date.parse(s.next_fire) > Date.now(), `next fire ${s.next_fire}`);
    equal(s.last_run, null, "no run yet");
  }],

  ["A fires the first slot and is killed with -9 at once", async () => {
    await until("the first slot fired", async () => submittedRuns(await schedule()).length === 1, 100000, 250);
    check((await metric(a, "nmcp_schedule_slots_total{outcome=\"submitted\"}")) === 1, "A submitted it");
    const exited = new Promise((r) => a.proc.once("exit", r));
    a.proc.kill("SIGKILL");
    await exited;
    children.delete(a.proc);
    runs.push(await completedRun(1));
    const first = runs[0];
    equal(first.schedule_id, scheduleId, "the run names its schedule");
    equal(first.previous_run, null, "the first run has nothing to compare with");
    check(first.summary && first.summary.since_previous_run === undefined, "no comparison in run 1");
  }],

  ["B takes the lease over and fires the next slots, each compared with the run before", async () => {
    runs.push(await completedRun(2));
    check((await metric(b, "nmcp_schedule_leader")) === 1, "B leads now");
    runs.push(await completedRun(3));
    for (const n of [1, 2]) {
      const later = runs[n];
      const diff = later.summary.since_previous_run;
      check(diff, `run ${n + 1} carries since_previous_run: ${JSON.stringify(later.summary)}`);
      equal(later.previous_run, runs[n - 1].task_id, `run ${n + 1} names the run before`);
      equal(diff.previous_task_id, runs[n - 1].task_id, `run ${n + 1} compared with run ${n}`);
      // The simulator fixed one vulnerability and opened one on every host between runs.
      equal(diff.new, HOSTS, `run ${n + 1}: new`);
      equal(diff.fixed, HOSTS, `run ${n + 1}: fixed`);
      check(diff.still_open > 0, `run ${n + 1}: still open ${diff.still_open}`);
      equal(diff.hosts_compared, HOSTS, "every host compared");
      check(diff.top_new.length === HOSTS && diff.top_new.every((f) => f.port >= 30000),
        `the top new findings are the new services: ${JSON.stringify(diff.top_new)}`);
      for (let i = 1; i < diff.top_new.length; ++i) {
        check(diff.top_new[i - 1].severity >= diff.top_new[i].severity, "most severe first");
      }
    }
  }],

  ["compare_scans on the schedule compares its last two runs", async () => {
    const c = await call("compare_scans", { schedule_id: scheduleId, category: "fixed" });
    equal(c.base_task_id, runs[1].task_id, "the base is the second run");
    equal(c.task_id, runs[2].task_id, "the later is the third");
    const digest = runs[2].summary.since_previous_run;
    equal(c.counts.new, digest.new, "new agrees with the run's summary");
    equal(c.counts.fixed, digest.fixed, "fixed agrees");
    equal(c.counts.still_open, digest.still_open, "still open agrees");
    equal(c.items.length, HOSTS, "one fixed finding per host, paged");
    const both = await b.client.callTool({ name: "compare_scans",
      arguments: { schedule_id: scheduleId, task_id: runs[0].task_id } });
    check(both.isError, "schedule_id with task ids is refused");
  }],

  ["list_schedules shows the last run; each slot has one task; Nessus saw each once", async () => {
    const s = await schedule();
    const ours = submittedRuns(s);
    check(ours.length >= 3, `runs ${ours.length}`);
    equal(s.last_run.outcome, "submitted", "the last run's outcome");
    check(Date.parse(s.next_fire) > Date.parse(s.last_run.slot), "next fire after the last slot");
    const slots = ours.map((r) => r.slot);
    equal(new Set(slots).size, slots.length, "no slot ran twice");
    const tasks = admin("task", "list", "--limit", "500").tasks;
    const scheduled = tasks.filter((t) => t.name === "lab every minute");
    equal(scheduled.length, ours.length, "one task per recorded run, none beside them");
    const stats = await sim.stats();
    equal(stats.scans_created, scheduled.length, "the simulator created one scan per task");
    const shown = admin("schedule", "show", scheduleId);
    equal(shown.schedule_id, scheduleId, "admin_cli schedule show");
    const audit = readFileSync(join(shared, "audit.log"), "utf8").split("\n").filter(Boolean)
      .map((l) => JSON.parse(l));
    check(audit.some((e) => e.decision === "deny" && e.tool === "schedule_scan"), "the refusal is audited");
    check(audit.filter((e) => e.decision === "allow" && String(e.tool).includes(scheduleId)).length
      >= ours.length, "every fired slot's submit is audited");
  }],

  ["shut down", async () => {
    await b.client.close();
    equal(await b.stop(), 0, "B stops cleanly on SIGTERM");
    await sim.stop();
    for (const c of children) c.kill("SIGKILL");
    redis.stop();
  }],
]);
