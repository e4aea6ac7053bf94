// The first run, as a new user has it: the README's Claude Desktop JSON and its `claude mcp add`
// line, read from README.md as written, with only their placeholders filled in (the install
// prefix, and the scanner's URL, keys and fingerprint, here those of a nessus-sim). Claude
// Desktop spawns the server from "/" with the JSON's environment; Claude Code spawns it in a
// project directory. Each runs a scan to its results. Then: the data went to the per-user data
// directory (0700, files 0600), not to the working directory; admin_cli, run from anywhere,
// finds the same store; a read-only admin_cli command pointed at an empty home creates nothing.
// Run by first_run.sh, as an unprivileged user with a bare environment and a fresh HOME.
// Usage: node first_run.mjs PREFIX NESSUS_SIM REPO_ROOT
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { check, equal, run } from "./lib.mjs";
import { FINGERPRINT, SECRETS, call, startSim, waitForState } from "./scan_lib.mjs";

const [prefix, simBinary, root] = process.argv.slice(2);
const readme = readFileSync(join(root, "README.md"), "utf8");
const home = process.env.HOME;
const dataDir = join(home, ".local/share/nessus-mcp");
const INSTALLED = "/usr/local";

// The README's placeholders and what a user with this scanner would write instead.
let sim;
const fill = () => ({
  NESSUS_URL: sim.url,
  NESSUS_ACCESS_KEY: SECRETS.accessKey,
  NESSUS_SECRET_KEY: SECRETS.secretKey,
  NESSUS_FINGERPRINT: FINGERPRINT,
});
const installed = (path) => {
  check(path.startsWith(INSTALLED + "/"), `${path} is under ${INSTALLED}, where cmake --install puts it`);
  return prefix + path.slice(INSTALLED.length);
};
const fillEnv = (env) => {
  const values = fill();
  const out = {};
  for (const [k, v] of Object.entries(env)) {
    check(k in values, `the README's environment names ${k}, which this test does not know`);
    check(v !== values[k], `${k} in the README is a placeholder`);
    out[k] = values[k];
  }
  return out;
};

function section(title) {
  const start = readme.indexOf(title);
  check(start >= 0, `README has "${title}"`);
  return readme.slice(start);
}

function desktopEntry() {
  const text = section("## Add it to Claude Desktop or Claude Code");
  const m = text.match(/```json\n([\s\S]*?)```/);
  check(m, "the section has a JSON block");
  const entry = JSON.parse(m[1]).mcpServers?.nessus;
  check(entry?.command && Array.isArray(entry.args), "the JSON names a command and args");
  return entry;
}

function claudeCodeLine() {
  const text = section("## Add it to Claude Desktop or Claude Code");
  const line = text.split("\n").find((l) => l.startsWith("claude mcp add --transport stdio"));
  check(line, "the section has a `claude mcp add --transport stdio` line");
  const words = line.split(/\s+/).filter(Boolean);
  const dash = words.indexOf("--");
  check(dash > 0, "the line separates the server command with --");
  const env = {};
  for (let i = 0; i < dash; ++i) {
    if (words[i] === "--env") {
      const [k, ...rest] = words[++i].split("=");
      env[k] = rest.join("=");
    }
  }
  return { command: words[dash + 1], args: words.slice(dash + 2), env };
}

// Spawns the server as the client would and runs one scan to its results.
async function scanThrough(label, { command, args, env, cwd }) {
  const transport = new StdioClientTransport({ command, args, env, cwd, stderr: "pipe" });
  let logs = "";
  transport.stderr.on("data", (d) => (logs += d));
  const client = new Client({ name: `first-run-${label}`, version: "1.0.0" });
  try {
    await client.connect(transport);
  } catch (err) {
    throw new Error(`${label}: the server did not start: ${err.message}\n${logs}`);
  }
  try {
    const submitted = await call(client, "run_untrusted_scan",
      { targets: "192.168.56.20-21", name: `first run ${label}` });
    check(!submitted.isError, `${label}: submit: ${submitted.content?.[0]?.text}`);
    const taskId = submitted.structuredContent.task_id;
    // The checked-in configuration polls every 30 s: the first poll finds the scan done.
    const done = await waitForState(client, taskId, ["completed", "failed", "timed_out"], 180000);
    equal(done.state, "completed", `${label}: the scan completed (${JSON.stringify(done.error)})`);
    const results = await call(client, "get_scan_results",
      { task_id: taskId, filter: { severity_min: "medium" }, profile: "minimal" });
    check(!results.isError, `${label}: get_scan_results: ${results.content?.[0]?.text}`);
    check(results.structuredContent.total > 0, `${label}: findings are readable`);
    for (const secret of Object.values(SECRETS)) {
      check(!logs.includes(secret), `${label}: no secret in the server's log`);
    }
    return taskId;
  } finally {
    await client.close();
  }
}

function mode(path) {
  return (statSync(path).mode & 0o777).toString(8);
}

function filesUnder(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    out.push(p);
    if (e.isDirectory()) out.push(...filesUnder(p));
  }
  return out;
}

const taskIds = [];
await run("first_run", [
  ["the simulator stands in for the user's scanner", async () => {
    sim = await startSim(simBinary, ["--speed", "1000"]);
  }],
  ["Claude Desktop: the README's JSON, spawned from /", async () => {
    const entry = desktopEntry();
    taskIds.push(await scanThrough("desktop", {
      command: installed(entry.command),
      args: entry.args.map((a) => (a.startsWith(INSTALLED + "/") ? installed(a) : a)),
      env: fillEnv(entry.env ?? {}),
      cwd: "/",
    }));
  }],
  ["Claude Code: the README's claude mcp add line, spawned in a project directory", async () => {
    const line = claudeCodeLine();
    const project = join(home, "project");
    mkdirSync(project, { recursive: true });
    taskIds.push(await scanThrough("code", {
      command: installed(line.command),
      args: line.args.map((a) => (a.startsWith(INSTALLED + "/") ? installed(a) : a)),
      env: fillEnv(line.env),
      cwd: project,
    }));
    equal(readdirSync(project), [], "nothing was written into the project directory");
  }],
  ["both kept their data in the per-user data directory, private to the user", async () => {
    equal(mode(dataDir), "700", `${dataDir} is 0700`);
    for (const p of filesUnder(dataDir)) {
      const dir = statSync(p).isDirectory();
      equal(mode(p), dir ? "700" : "600", `${p} is ${dir ? "0700" : "0600"}`);
    }
    for (const id of taskIds) {
      check(existsSync(join(dataDir, "results", id, "findings.db")), `results of ${id} are there`);
    }
  }],
  ["admin_cli, run from anywhere, finds the same store", async () => {
    const admin = (...args) => execFileSync(join(prefix, "bin/admin_cli"), args, { cwd: "/" });
    const stats = JSON.parse(admin("stats", "--json").toString());
    check(stats.store.includes(dataDir), `admin_cli uses ${dataDir} (${stats.store})`);
    for (const id of taskIds) {
      const t = JSON.parse(admin("task", "show", id, "--json").toString());
      equal(t.state, "completed", `admin_cli shows ${id} completed`);
    }
  }],
  ["a read-only admin_cli command on an empty home says so and creates nothing", async () => {
    const empty = join(home, "empty-home");
    mkdirSync(empty);
    const r = spawnSync(join(prefix, "bin/admin_cli"), ["stats"],
      { cwd: "/", env: { PATH: process.env.PATH, HOME: empty } });
    check(r.status !== 0, "admin_cli stats fails without a store");
    check(/no task store/.test(r.stderr.toString()), `it says why: ${r.stderr}`);
    equal(readdirSync(empty), [], "no directory or database was created");
  }],
  ["the simulator saw one scan per task", async () => {
    const stats = await sim.stats();
    equal(stats.scans_created, taskIds.length, "scans created");
    equal(stats.scans_launched, taskIds.length, "scans launched");
    await sim.stop();
  }],
]);
