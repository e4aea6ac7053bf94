// Tenancy over Streamable HTTP: two API keys map to two tenants; each sees, follows and
// cancels only its own tasks, and idempotency keys do not collide across tenants.
// Runs with --no-worker: nothing here needs a scanner. Usage: node tenants_http.mjs NESSUS_MCP REPO
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { check, dataDir, equal, run, startHttpServer } from "./lib.mjs";

const [binary, repo] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), "nmcp-tenants-"));
const keyA = randomBytes(24).toString("hex");
const keyB = randomBytes(24).toString("hex");
const sha = (k) => createHash("sha256").update(k).digest("hex");
const keys = join(dir, "keys.txt");
writeFileSync(keys, `team-a sha256:${sha(keyA)}\nteam-b sha256:${sha(keyB)}\n`);

let server;
const clients = {};
const connect = async (name, key) => {
  const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`),
    { requestInit: { headers: { Authorization: `Bearer ${key}` } } });
  const client = new Client({ name, version: "1.0.0" });
  await client.connect(transport);
  return client;
};
const call = (who, name, args) => clients[who].callTool({ name, arguments: args });

await run("tenants", [
  ["two tenants connect", async () => {
    server = await startHttpServer(binary, ["--api-keys-file", keys, "--no-worker",
      "--config", join(repo, "config/scanners.yaml"), "--data-dir", dataDir()]);
    clients.a = await connect("tenant-a", keyA);
    clients.b = await connect("tenant-b", keyB);
  }],
  ["a task is visible to its owner only", async () => {
    const sub = await call("a", "run_untrusted_scan",
      { targets: "10.9.0.1", name: "team a scan", idempotency_key: "shared-key" });
    check(!sub.isError, JSON.stringify(sub));
    const id = sub.structuredContent.task_id;
    const mine = await call("a", "get_scan_status", { task_id: id });
    equal(mine.structuredContent.state, "queued", "the owner sees it");
    const theirs = await call("b", "get_scan_status", { task_id: id });
    check(theirs.isError && /no task/.test(theirs.content[0].text), "another tenant does not");
    equal((await call("b", "list_tasks", {})).structuredContent.tasks.length, 0, "b lists none");
    equal((await call("a", "list_tasks", {})).structuredContent.tasks.length, 1, "a lists one");
    const cancel = await call("b", "cancel_scan", { task_id: id });
    check(cancel.isError, "b cannot cancel a's task");
    equal((await call("a", "get_scan_status", { task_id: id })).structuredContent.state, "queued",
      "still queued");
    // The same idempotency key in another tenant is another task.
    const other = await call("b", "run_untrusted_scan",
      { targets: "10.9.0.2", name: "team b scan", idempotency_key: "shared-key" });
    check(!other.isError && other.structuredContent.created, "b's own task");
    check(other.structuredContent.task_id !== id, "a different task");
    const done = await call("a", "cancel_scan", { task_id: id });
    equal(done.structuredContent.state, "cancelled", "the owner can cancel");
  }],
  ["stop", async () => {
    await clients.a.close();
    await clients.b.close();
    await server.stop();
  }],
]);
