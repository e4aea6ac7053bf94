// dev/docker-compose.yml as plain processes on loopback (no Docker engine runs in CI): the file
// is resolved by Debian's docker-compose, then every service is started with its own command,
// arguments, environment and replica count, with only what a container provides mapped to this
// host: its listen ports to free loopback ports, service names to 127.0.0.1 and those ports,
// named volumes to shared temp dirs, bind mounts to their sources, images to our binaries (the
// redis image to the local redis-server). A flag our binaries do not have makes a process exit,
// and the test fails. Then a scan runs through it: submitted on one nessus-mcp replica with the
// dev API key, followed to completion through the other, its results read; /ready is 200 on
// both replicas and the workers' /metrics count the completed task.
// Usage: node compose.mjs BIN_DIR REPO
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { check, equal, freePort, run } from "../e2e/lib.mjs";

const [binDir, repo] = process.argv.slice(2).map((p) => resolve(p));
const work = mkdtempSync(join(tmpdir(), "nmcp-compose-"));
const composeFile = join(repo, "dev/docker-compose.yml");
const ours = new Set(["nessus-mcp", "nessus-worker", "admin_cli", "nessus-sim"]);
const procs = [];
process.on("exit", () => procs.forEach((p) => p.proc.kill("SIGKILL")));

function resolved() {
  const yaml = execFileSync("docker-compose", ["-f", composeFile, "config"], { cwd: repo });
  const json = execFileSync("python3", ["-c",
    "import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"], { input: yaml });
  return JSON.parse(json.toString());
}


// The ports a service's processes listen on, as its command says (container side).
function listenPorts(name, svc, words) {
  const ports = new Set();
  words.forEach((w, i) => {
    const m = String(w).match(/^0\.0\.0\.0:(\d+)$/);
    if (m) ports.add(Number(m[1]));
    if (w === "--port" && words[i + 1]) ports.add(Number(words[i + 1]));
  });
  if (String(svc.image ?? "").startsWith("redis")) ports.add(6379);
  return [...ports];
}

const steps = [];
const step = (title, fn) => steps.push([title, fn]);
let doc;
const hostPort = {};  // "service:port" -> [host port per replica]
const replicasOf = (svc) => svc.deploy?.replicas ?? 1;

step("docker-compose resolves dev/docker-compose.yml", async () => {
  doc = resolved();
  check(doc.services && Object.keys(doc.services).length >= 4, "services");
  for (const [name, svc] of Object.entries(doc.services)) {
    const words = [...(svc.entrypoint ?? []), ...(svc.command ?? [])].map(String);
    for (const port of listenPorts(name, svc, words)) {
      hostPort[`${name}:${port}`] = [];
      for (let r = 0; r < replicasOf(svc); r++) hostPort[`${name}:${port}`].push(await freePort());
    }
  }
});

// Rewrites one argument or environment value for replica `r` of service `self`.
function mapValue(value, self, r, volumes) {
  let v = String(value);
  for (const [target, source] of volumes) {
    if (v === target || v.startsWith(target + "/")) v = source + v.slice(target.length);
  }
  v = v.replace(/^0\.0\.0\.0:(\d+)$/, (_, p) => `127.0.0.1:${hostPort[`${self}:${p}`][r]}`);
  if (v === "0.0.0.0") v = "127.0.0.1";
  for (const [key, ports] of Object.entries(hostPort)) {
    const [svc, port] = key.split(":");
    v = v.replaceAll(`//${svc}:${port}`, `//127.0.0.1:${ports[0]}`);
  }
  return v;
}

async function startService(name, svc) {
  const volumes = (svc.volumes ?? []).map((spec) => {
    const [source, target] = String(spec).split(":");
    if (source.startsWith("/")) return [target, source];
    const dir = join(work, "volumes", source);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return [target, dir];
  });
  const words = [...(svc.entrypoint ?? []), ...(svc.command ?? [])].map(String);
  for (let r = 0; r < replicasOf(svc); r++) {
    let argv = words.map((w) => mapValue(w, name, r, volumes));
    argv = argv.map((w, i) => (argv[i - 1] === "--port" && hostPort[`${name}:${words[i]}`]
      ? String(hostPort[`${name}:${words[i]}`][r]) : w));
    let binary;
    if (String(svc.image ?? "").startsWith("redis")) {
      binary = "/usr/bin/redis-server";
      const dir = join(work, `redis-${r}`);
      mkdirSync(dir, { recursive: true });
      argv = [...argv.slice(1), "--port", String(hostPort[`${name}:6379`][r]), "--bind", "127.0.0.1",
        "--dir", dir];
    } else {
      check(ours.has(argv[0]), `service ${name} runs ${argv[0]}, one of our binaries`);
      binary = join(binDir, argv[0]);
      argv = argv.slice(1);
    }
    const env = { PATH: process.env.PATH, HOME: work };
    for (const [k, v] of Object.entries(svc.environment ?? {})) env[k] = mapValue(v, name, r, volumes);
    const proc = spawn(binary, argv, { env, cwd: work, stdio: ["ignore", "ignore", "pipe"] });
    const entry = { name, replica: r, proc, logs: "" };
    proc.stderr.on("data", (d) => (entry.logs += d));
    proc.once("exit", (code, signal) => {
      if (!entry.stopping) entry.exited = `${name}[${r}] exited (${code ?? signal}):\n${entry.logs}`;
    });
    procs.push(entry);
  }
}

function assertAlive() {
  for (const p of procs) if (p.exited) throw new Error(p.exited);
}

async function http(port, path) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, body: await res.text() };
  } catch {
    return { status: 0, body: "" };
  }
}

async function until(what, fn, ms = 60000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    assertAlive();
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out: ${what}\n${procs.map((p) => `--- ${p.name}[${p.replica}]\n` +
    p.logs.slice(-1500)).join("\n")}`);
}

step("every service starts with its own command, arguments and environment", async () => {
  // Dependencies first: the ones nothing else waits for are started as compose would.
  const order = Object.keys(doc.services).sort((a, b) =>
    Object.keys(doc.services[a].depends_on ?? {}).length -
    Object.keys(doc.services[b].depends_on ?? {}).length);
  for (const name of order) {
    await startService(name, doc.services[name]);
    await new Promise((r) => setTimeout(r, 300));
    assertAlive();
  }
});

const key = readFileSync(join(repo, "dev/api-keys.txt"), "utf8").match(/Bearer (nmcp_[0-9a-f]+)/)[1];
async function connect(port) {
  const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`),
    { requestInit: { headers: { Authorization: `Bearer ${key}` } } });
  const client = new Client({ name: "compose", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

step("/ready is 200 on every nessus-mcp replica", async () => {
  for (const port of hostPort["nessus-mcp:8765"]) {
    await until(`replica on ${port} ready`, async () => (await http(port, "/ready")).status === 200);
  }
});

step("a scan submitted on one replica completes, followed through the other", async () => {
  const [first, second] = hostPort["nessus-mcp:8765"];
  const a = await connect(first);
  const b = await connect(second);
  const submitted = await a.callTool({ name: "run_untrusted_scan",
    arguments: { targets: "10.0.0.7", name: "compose scan" } });
  check(!submitted.isError, `submitted: ${submitted.content?.[0]?.text}`);
  const id = submitted.structuredContent.task_id;
  let state;
  await until("the scan completes", async () => {
    const s = await b.callTool({ name: "get_scan_status", arguments: { task_id: id, wait_seconds: 2 } });
    check(!s.isError, `status: ${s.content?.[0]?.text}`);
    state = s.structuredContent.state;
    return state === "completed" || state === "failed";
  }, 120000);
  equal(state, "completed", "completed");
  const results = await a.callTool({ name: "get_scan_results", arguments: { task_id: id } });
  check(!results.isError, `results through the other replica: ${results.content?.[0]?.text}`);
  await a.close();
  await b.close();
});

step("the workers' /metrics count the completed task", async () => {
  let done = 0;
  for (const port of hostPort["nessus-worker:9464"]) {
    const m = await http(port, "/metrics");
    equal(m.status, 200, "worker /metrics");
    for (const line of m.body.split("\n")) {
      if (line.startsWith("nmcp_tasks_finished_total{") && line.includes('state="completed"')) {
        done += Number(line.split(" ").pop());
      }
    }
  }
  equal(done, 1, "one completed task across the workers");
});

step("the replicas' /metrics show their HTTP connections", async () => {
  for (const port of hostPort["nessus-mcp:8765"]) {
    const m = await http(port, "/metrics");
    equal(m.status, 200, "replica /metrics");
    const line = m.body.split("\n").find((l) => l.startsWith("nmcp_http_connections "));
    check(line !== undefined && Number(line.split(" ").pop()) >= 1, `open connections in:\n${line}`);
    check(/^nmcp_http_sessions /m.test(m.body), "sessions gauge");
  }
});

step("stop", async () => {
  for (const p of procs) {
    p.stopping = true;
    p.proc.kill("SIGTERM");
  }
});

await run("compose", steps);
