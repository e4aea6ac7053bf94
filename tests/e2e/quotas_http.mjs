// Tenant quotas across two Streamable HTTP replicas on one Redis store, with the official SDK
// client: team-a may submit 4 scans an hour and 40 addresses a day. Six scans sent at once, half
// through each replica, give exactly four tasks; the two refusals are isError results naming the
// limit, the use and when to retry, each one line in the shared audit log. An idempotent repeat
// through the other replica is the same task and uses nothing; team-b has no quota; the dry
// runs (check_targets, admin_cli policy validate --tenant) show what is left.
// Runs with --no-worker: nothing here needs a scanner.
// Usage: node quotas_http.mjs NESSUS_MCP ADMIN_CLI REPO
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { check, dataDir, equal, run, startHttpServer } from "./lib.mjs";

const [binary, adminCli, repo] = process.argv.slice(2);
const work = dataDir();
const shared = join(work, "shared");
mkdirSync(shared, { recursive: true, mode: 0o700 });
const socket = join(work, "redis.sock");
const store = `unix://${socket}?timeout_ms=1000`;
const children = new Set();
process.on("exit", () => { for (const c of children) c.kill("SIGKILL"); });

const keyA = randomBytes(24).toString("hex");
const keyB = randomBytes(24).toString("hex");
const sha = (k) => createHash("sha256").update(k).digest("hex");
const keys = join(work, "keys.txt");
writeFileSync(keys, `team-a sha256:${sha(keyA)}\nteam-b sha256:${sha(keyB)}\n`);
const config = join(work, "scanners.yaml");
writeFileSync(config, readFileSync(join(repo, "config/scanners.yaml"), "utf8") + `
quotas:
  tenants:
    team-a: {scans_per_hour: 4, addresses_per_day: 40}
`);

const replicas = [];
const connect = async (replica, key) => {
  const client = new Client({ name: "quotas", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${replica.url}/mcp`),
    { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
  return client;
};
const clients = {};
const call = (who, name, args) => clients[who].callTool({ name, arguments: args });
const auditLines = () => readFileSync(join(shared, "audit.log"), "utf8").split("\n")
  .filter(Boolean).map((l) => JSON.parse(l));

await run("quotas", [
  ["redis and two replicas with API keys", async () => {
    const redis = spawn("redis-server", ["--port", "0", "--unixsocket", socket, "--unixsocketperm",
      "700", "--dir", work, "--appendonly", "yes", "--save", ""], { stdio: "ignore" });
    children.add(redis);
    for (let i = 0; i < 200; ++i) {
      const ping = spawnSync("redis-cli", ["-s", socket, "PING"], { encoding: "utf8" });
      if (ping.stdout.trim() === "PONG") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    for (let i = 0; i < 2; ++i) {
      const r = await startHttpServer(binary, ["--stateless", "--no-worker", "--config", config,
        "--store", store, "--data-dir", shared, "--api-keys-file", keys]);
      children.add(r.proc);
      replicas.push(r);
    }
    clients.a0 = await connect(replicas[0], keyA);
    clients.a1 = await connect(replicas[1], keyA);
    clients.b1 = await connect(replicas[1], keyB);
  }],

  ["six scans at once across both replicas: four tasks, two refusals that say why", async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) =>
      call(i % 2 === 0 ? "a0" : "a1", "run_untrusted_scan",
        { targets: `10.20.0.${i + 1}`, name: `quota ${i}`, idempotency_key: `q-${i}` })));
    const ok = answers.filter((r) => !r.isError);
    const refused = answers.filter((r) => r.isError);
    equal(ok.length, 4, "four accepted");
    equal(refused.length, 2, "two refused");
    for (const r of refused) {
      const text = r.content[0].text;
      check(/quota scans_per_hour reached: 4 of 4 scans submitted in the last hour/.test(text), text);
      check(/retry after \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \(in \d+ min\)/.test(text), text);
    }
    const listed = await call("a1", "list_tasks", {});
    equal(listed.structuredContent.tasks.length, 4, "four tasks in the store");
    // A repeat of an accepted call through the other replica is the same task, free.
    const first = answers.findIndex((r) => !r.isError);
    const again = await call(first % 2 === 0 ? "a1" : "a0", "run_untrusted_scan",
      { targets: `10.20.0.${first + 1}`, name: `quota ${first}`, idempotency_key: `q-${first}` });
    check(!again.isError, `the repeat: ${again.content?.[0]?.text}`);
    equal(again.structuredContent.task_id, answers[first].structuredContent.task_id, "the same task");
    equal(again.structuredContent.created, false, "nothing new");
  }],

  ["another tenant has no quota; the dry runs show what is left", async () => {
    const b = await call("b1", "run_untrusted_scan", { targets: "10.20.1.0/24", name: "team b" });
    check(!b.isError, `team-b: ${b.content?.[0]?.text}`);
    const dry = await call("a0", "check_targets", { targets: "10.20.2.0/29" });
    check(!dry.isError, JSON.stringify(dry.content));
    equal(dry.structuredContent.accepted, false, "a fifth scan would be refused");
    equal(dry.structuredContent.quota.scans_left_this_hour, 0, "no scans left this hour");
    equal(dry.structuredContent.quota.addresses_left_today, 36, "40 - 4 addresses left today");
    check(/scans_per_hour/.test(dry.structuredContent.refusal), dry.structuredContent.refusal);
    const cli = spawnSync(adminCli, ["--store", store, "--data-dir", shared, "--config", config,
      "--json", "policy", "validate", "10.20.2.1", "--tenant", "team-a"], { encoding: "utf8" });
    equal(cli.status, 1, `policy validate refuses: ${cli.stderr}`);
    const doc = JSON.parse(cli.stdout);
    equal(doc.quota.scans_left_this_hour, 0, "admin_cli sees the same store");
    equal(doc.tenant, "team-a", "for the tenant asked");
    const other = JSON.parse(execFileSync(adminCli, ["--store", store, "--data-dir", shared,
      "--config", config, "--json", "policy", "validate", "10.20.2.1", "--tenant", "team-b"],
    { encoding: "utf8" }));
    equal(other.quota.unlimited, true, "team-b is unlimited");
  }],

  ["each refusal is one line in the shared audit log", async () => {
    const lines = auditLines();
    const denies = lines.filter((e) => e.decision === "deny" && e.tenant === "team-a");
    equal(denies.length, 2, `two denies: ${JSON.stringify(denies)}`);
    for (const e of denies) {
      check(/quota scans_per_hour/.test(e.rule), e.rule);
      equal(e.tool, "run_untrusted_scan", "the tool");
    }
    // Submit decisions (the key's permission to call the tool is a line of its own).
    const allows = lines.filter((e) => e.decision === "allow" && e.tenant === "team-a" &&
      e.rule.startsWith("targets within the scope"));
    equal(allows.length, 5, "four submits and the repeat");
    const cli = JSON.parse(execFileSync(adminCli, ["--data-dir", shared, "--json", "audit",
      "--tenant", "team-a", "--decision", "deny"], { encoding: "utf8" }));
    equal(cli.count, 2, "admin_cli audit finds them");
  }],

  ["shut down", async () => {
    for (const c of Object.values(clients)) await c.close();
    for (const r of replicas) equal(await r.stop(), 0, "a replica stops cleanly on SIGTERM");
    for (const c of children) c.kill("SIGKILL");
  }],
]);
