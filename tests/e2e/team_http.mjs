// Team mode as the README sets it up: keys made with `admin_cli key create --keys-file`, the
// server on HTTPS with its own certificate (--tls-cert/--tls-key), the official SDK client over
// Streamable HTTP. A key added while the server runs works after SIGHUP, without a restart; a
// broken keys file on SIGHUP keeps the keys in use; a key limited to a pool cannot submit
// elsewhere; a session follows its key; a schedule fires with its key's rights as reloaded (a
// narrowed or deleted key's slot is refused, shown and audited); a refused Host header is named
// in the 403.
// Usage: node team_http.mjs NESSUS_MCP ADMIN_CLI REPO
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { check, dataDir, equal, rejects, run } from "./lib.mjs";

const [binary, adminCli, repo] = process.argv.slice(2);
// Node reads NODE_EXTRA_CA_CERTS at start only: make the certificate, then run again trusting it.
if (!process.env.NMCP_TEAM_DIR) {
  const fresh = mkdtempSync(join(tmpdir(), "nmcp-team-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
    "-nodes", "-keyout", join(fresh, "key.pem"), "-out", join(fresh, "cert.pem"), "-days", "1",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
  const child = spawnSync(process.execPath, process.argv.slice(1), { stdio: "inherit",
    env: { ...process.env, NMCP_TEAM_DIR: fresh, NODE_EXTRA_CA_CERTS: join(fresh, "cert.pem") } });
  process.exit(child.status ?? 1);
}
const dir = process.env.NMCP_TEAM_DIR;
const keys = join(dir, "keys.txt");
const cert = join(dir, "cert.pem");
const key = join(dir, "key.pem");
const data = dataDir();

const admin = (...args) => JSON.parse(execFileSync(adminCli, ["--json", ...args]).toString());
let server;
let port;
let logs = "";

function start() {
  return new Promise((resolve, reject) => {
    server = spawn(binary, ["--http", "127.0.0.1:0", "--api-keys-file", keys, "--tls-cert", cert,
      "--tls-key", key, "--no-worker", "--config", join(repo, "config/scanners.yaml"),
      "--data-dir", data], { stdio: ["ignore", "ignore", "pipe"] });
    process.on("exit", () => server.kill("SIGKILL"));
    server.stderr.on("data", (d) => {
      logs += d;
      const m = logs.match(/"listening on [^"]*"[^\n]*"port":(\d+)/);
      if (m && !port) {
        port = Number(m[1]);
        resolve();
      }
    });
    server.once("exit", (code) => reject(new Error(`server exited ${code}:\n${logs}`)));
  });
}

async function connect(k) {
  const transport = new StreamableHTTPClientTransport(new URL(`https://127.0.0.1:${port}/mcp`),
    { requestInit: { headers: { Authorization: `Bearer ${k}` } } });
  const client = new Client({ name: "team", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

function raw(path, headers) {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "POST", ca: readFileSync(cert),
      checkServerIdentity: () => undefined,
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream",
        ...headers } }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("error", reject);
    req.end(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }));
  });
}

async function waitForLog(pattern, times = 1) {
  const deadline = Date.now() + 10000;
  const global = new RegExp(pattern.source, "g");
  while (Date.now() < deadline) {
    if ((logs.match(global) ?? []).length >= times) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no log line matching ${pattern}:\n${logs}`);
}

let first;
await run("team_http", [
  ["a first key, as the README makes it", async () => {
    first = admin("key", "create", "team-a", "--keys-file", keys);
    check(first.key.startsWith("nmcp_") && first.appended_to === keys, JSON.stringify(first));
    check(!readFileSync(keys, "utf8").includes(first.key), "the file holds the digest only");
  }],
  ["the server serves HTTPS with it", async () => {
    await start();
    const c = await connect(first.key);
    equal((await c.callTool({ name: "list_tasks", arguments: {} })).structuredContent.tasks, [],
      "the key works over TLS");
    await c.close();
  }],
  ["a key added while it runs works after SIGHUP", async () => {
    const second = admin("key", "create", "team-b", "--pools", "nope-pool", "--keys-file", keys);
    await rejects(connect(second.key), /401|Unauthorized/, "not before the reload");
    server.kill("SIGHUP");
    await waitForLog(/API keys reloaded/);
    const c = await connect(second.key);
    const r = await c.callTool({ name: "run_untrusted_scan", arguments: { targets: "10.0.0.1", name: "x" } });
    check(r.isError && /may not submit scans to pool 'default'/.test(r.content[0].text),
      `the key's pools apply: ${r.content[0].text}`);
    // The refusal is one deny line of the audit log, with the rule that decided.
    const denies = readFileSync(join(data, "audit.log"), "utf8").split("\n").filter(Boolean)
      .map((l) => JSON.parse(l)).filter((e) => e.tenant === "team-b" && e.decision === "deny");
    equal(denies.length, 1, `one deny line: ${JSON.stringify(denies)}`);
    check(/may not submit scans to pool 'default'/.test(denies[0].rule), denies[0].rule);
    await c.close();
  }],
  ["a session follows its key: another key cannot use it, a demotion reaches it", async () => {
    const full = admin("key", "create", "team-d", "--keys-file", keys);
    const reader = admin("key", "create", "team-d", "--read-only", "--keys-file", keys);
    server.kill("SIGHUP");
    await waitForLog(/API keys reloaded/, 2);
    const transport = new StreamableHTTPClientTransport(new URL(`https://127.0.0.1:${port}/mcp`),
      { requestInit: { headers: { Authorization: `Bearer ${full.key}` } } });
    const c = new Client({ name: "team-d", version: "1.0.0" });
    await c.connect(transport);
    const names = async () => (await c.listTools()).tools.map((t) => t.name);
    check((await names()).includes("run_untrusted_scan"), "the full key may submit");
    // The read-only key of the same tenant presenting the full key's session: no such session.
    const borrowed = await raw("/mcp", { authorization: `Bearer ${reader.key}`,
      "mcp-session-id": transport.sessionId, "mcp-protocol-version": "2025-11-25" });
    equal(borrowed.status, 404, `another key cannot use the session: ${borrowed.body}`);
    // The operator demotes the full key; the open session has read-only rights at its next
    // request, without reconnecting.
    writeFileSync(keys, readFileSync(keys, "utf8").replace(`${full.line}\n`,
      `${full.line} role=read-only\n`));
    server.kill("SIGHUP");
    await waitForLog(/API keys reloaded/, 3);
    check(!(await names()).includes("run_untrusted_scan"), "the demotion reached the session");
    const refused = await c.callTool({ name: "run_untrusted_scan",
      arguments: { targets: "10.0.0.1", name: "after the demotion" } }).catch((e) => e);
    check(/Unknown tool|not allowed|read-only/i.test(refused.message ?? refused.content?.[0]?.text),
      `the demoted session cannot submit: ${JSON.stringify(refused.message ?? refused)}`);
    const denies = readFileSync(join(data, "audit.log"), "utf8").split("\n").filter(Boolean)
      .map((l) => JSON.parse(l)).filter((e) => e.tenant === "team-d" && e.decision === "deny");
    equal(denies.length, 1, `the refusal is one deny line: ${JSON.stringify(denies)}`);
    await c.close();
  }],
  ["a schedule fires with its key's rights now: narrowed or deleted, its slot is refused", async () => {
    const maker = admin("key", "create", "team-e", "--keys-file", keys);
    const leaver = admin("key", "create", "team-e", "--keys-file", keys);
    const reader = admin("key", "create", "team-e", "--keys-file", keys);
    server.kill("SIGHUP");
    await waitForLog(/API keys' rights published/, 5);
    // A one-minute schedule whose first slot comes a few seconds after it is made.
    const start = new Date(Date.now() - 52000).toISOString().replace(/\.\d+Z$/, "Z");
    const make = async (k, name) => {
      const c = await connect(k);
      const r = await c.callTool({ name: "schedule_scan", arguments: { targets: "10.0.0.1", name,
        every: "1m", start } });
      check(!r.isError, JSON.stringify(r));
      await c.close();
      return r.structuredContent.schedule_id;
    };
    const narrowed = await make(maker.key, "narrowed key");
    const deleted = await make(leaver.key, "deleted key");
    // Before the slot: one key narrowed to another pool, the other deleted from the file.
    writeFileSync(keys, readFileSync(keys, "utf8")
      .replace(`${maker.line}\n`, `${maker.line} pools=lab\n`).replace(`${leaver.line}\n`, ""));
    server.kill("SIGHUP");
    await waitForLog(/API keys' rights published/, 6);
    const c = await connect(reader.key);
    const lastRuns = async () => Object.fromEntries((await c.callTool({ name: "list_schedules",
      arguments: {} })).structuredContent.schedules.map((x) => [x.schedule_id, x.last_run]));
    let runs = {};
    const deadline = Date.now() + 90000;
    while (Date.now() < deadline) {
      runs = await lastRuns();
      if (runs[narrowed] && runs[deleted]) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    check(runs[narrowed] && runs[deleted], `both slots came: ${JSON.stringify(runs)}`);
    check(/^refused: .*may not submit scans to pool 'default'/.test(runs[narrowed].outcome),
      runs[narrowed].outcome);
    check(/^refused: the API key that made this schedule is no longer accepted/.test(
      runs[deleted].outcome), runs[deleted].outcome);
    equal(runs[narrowed].task_id, null, "no task");
    // The operator sees why, and each refusal is a deny line naming its schedule.
    const listed = admin("--data-dir", data, "schedule", "list", "--tenant", "team-e").schedules;
    check(listed.every((x) => x.last_run.outcome.startsWith("refused: ")), JSON.stringify(listed));
    const denies = readFileSync(join(data, "audit.log"), "utf8").split("\n").filter(Boolean)
      .map((l) => JSON.parse(l)).filter((e) => e.tenant === "team-e" && e.decision === "deny");
    equal(denies.map((e) => e.subject).sort(), [narrowed, deleted].sort(),
      `one deny line per refused slot: ${JSON.stringify(denies)}`);
    await c.close();
  }],
  ["a broken keys file on SIGHUP keeps the keys in use", async () => {
    appendFileSync(keys, "team-c not-a-digest\n");
    server.kill("SIGHUP");
    await waitForLog(/API keys reload failed/);
    const c = await connect(first.key);
    await c.close();
  }],
  ["a refused Host header is named", async () => {
    const r = await raw("/mcp", { host: "evil.example:8765", authorization: `Bearer ${first.key}` });
    equal(r.status, 403, "refused");
    check(r.body.includes("evil.example:8765"), `names the host: ${r.body}`);
    server.kill("SIGTERM");
  }],
]);
