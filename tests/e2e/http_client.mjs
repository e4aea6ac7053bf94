// End to end over Streamable HTTP with the official SDK client: sessions, session end, bearer
// API keys, and stateless mode. Usage: node http_client.mjs PATH/TO/nessus-mcp
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { commonChecks } from "./client_checks.mjs";
import { check, equal, rejects, run, startHttpServer } from "./lib.mjs";

const binary = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), "nmcp-e2e-"));
const key = randomBytes(24).toString("hex");
const keys = join(dir, "keys.txt");
writeFileSync(keys, `e2e sha256:${createHash("sha256").update(key).digest("hex")}\n`);

let server;
let client;
let transport;
const auth = { requestInit: { headers: { Authorization: `Bearer ${key}` } } };

await run("http", [
  ["start the server with API keys and connect", async () => {
    server = await startHttpServer(binary, ["--test-tools", "--api-keys-file", keys]);
    transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), auth);
    client = new Client({ name: "e2e-http", version: "1.0.0" });
    await client.connect(transport);
    check(transport.sessionId && transport.sessionId.length === 32, "session id minted");
    equal(transport.protocolVersion, "2025-11-25", "negotiated version sent as header");
  }],
  ...commonChecks(() => client),
  ["a client without the key is refused", async () => {
    const bare = new Client({ name: "no-key", version: "1" });
    await rejects(bare.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`))),
                  /401|Unauthorized/, "401 without a key");
  }],
  ["terminateSession ends the session; the id is then unknown", async () => {
    const id = transport.sessionId;
    await transport.terminateSession();
    const r = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream",
                 "Mcp-Session-Id": id, Authorization: `Bearer ${key}` },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    equal(r.status, 404, "deleted session is 404");
    await client.close();
  }],
  ["stop the server", async () => {
    equal(await server.stop(), 0, "exit code");
    check(!server.logs().includes(key), "the API key never reaches the log");
  }],
  ["stateless mode works with the SDK client", async () => {
    server = await startHttpServer(binary, ["--test-tools", "--stateless"]);
    const c = new Client({ name: "e2e-stateless", version: "1.0.0" });
    const t = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`));
    await c.connect(t);
    check(!t.sessionId, "no session id");
    const r = await c.callTool({ name: "add", arguments: { a: 2, b: 2 } });
    equal(r.structuredContent.sum, 4, "call works");
    const seen = [];
    await c.callTool({ name: "slow", arguments: { steps: 2, step_ms: 1 } }, undefined,
                     { onprogress: (p) => seen.push(p) });
    equal(seen.length, 2, "progress over the POST stream");
    await c.close();
    equal(await server.stop(), 0, "exit code");
  }],
  ["SIGTERM answers the calls already running, refuses new ones, then exits", async () => {
    server = await startHttpServer(binary, ["--test-tools", "--stateless", "--shutdown-grace", "30"]);
    const c = new Client({ name: "e2e-shutdown", version: "1.0.0" });
    await c.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
    let started;
    const running = new Promise((r) => (started = r));
    const call = c.callTool({ name: "slow", arguments: { steps: 8, step_ms: 250 } }, undefined,
                            { onprogress: () => started() });
    await running;  // the call is on a request thread
    const exited = server.stop();  // SIGTERM
    // The listener is closed at once: a new client gets no answer from this replica.
    let refused = false;
    for (let i = 0; i < 100 && !refused; ++i) {
      try {
        await fetch(`${server.url}/health`);
        await new Promise((r) => setTimeout(r, 20));
      } catch {
        refused = true;
      }
    }
    check(refused, "new connections are refused during the grace period");
    const r = await call;
    equal([r.structuredContent.completed_steps, r.structuredContent.cancelled], [8, false],
          "the running call finished and was answered");
    equal(await exited, 0, "exit code");
    await c.close().catch(() => {});
  }],
  ["clean up", async () => rmSync(dir, { recursive: true, force: true })],
]);
