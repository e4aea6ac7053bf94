// MCP 2026-07-28 end to end with the official 2.x client (@modelcontextprotocol/client): over
// stdio and over Streamable HTTP the client probes with server/discover, stays in the modern
// era, lists the tools, and follows a scan as an MCP task (the tasks extension) against a real
// nessus-sim over pinned HTTPS: polled with tasks/get to completion with its summary, cancelled
// with tasks/cancel, and refused to another tenant exactly as an unknown id. The task traffic
// goes through the official tasks requester, @modelcontextprotocol/ext-tasks.
// The same client in the 2025 era drives 2025-11-25 tasks (tasks/get, tasks/result, tasks/list,
// tasks/cancel); a subscriptions/listen stream reports a task's status changes; and two
// stateless replicas on one Redis store serve a task created through one and followed,
// listened to and cancelled through the other.
// Usage: node modern_client.mjs NESSUS_MCP NESSUS_SIM
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { createTaskSessionFromClient, resultFromTaskOutcome }
  from "@modelcontextprotocol/ext-tasks/client";
import { check, dataDir, equal, run, startHttpServer, startRedis, until } from "./lib.mjs";
import { serverEnv, startSim, writeConfig } from "./scan_lib.mjs";

const [binary, simBinary] = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), "nmcp-modern-"));
const TASKS = "io.modelcontextprotocol/tasks";
const WORKER = ["--poll-interval-ms", "200", "--export-poll-ms", "100", "--lease-ms", "1500",
  "--claim-interval-ms", "100", "--probe-interval-ms", "300", "--backoff-base-ms", "100"];

const CLIENT_INFO = { name: "nessus-mcp-e2e", version: "1.0.0" };
const CAPABILITIES = { extensions: { [TASKS]: {} } };

const modernClient = (name) => new Client({ ...CLIENT_INFO, name }, {
  capabilities: CAPABILITIES,
  versionNegotiation: { mode: "auto" },
});

// The official tasks requester (@modelcontextprotocol/ext-tasks) over a connected 2.x client.
// The SDK's own codecs do not take a task-shaped answer, so, as the package asks, the host
// dispatches the extension's requests itself (`raw`); the package frames them.
const taskSession = (client, endpointId, raw) => createTaskSessionFromClient(client, {
  endpointId,
  rawDispatch: raw,
  v2RequestFraming: { protocolVersion: "2026-07-28", clientInfo: CLIENT_INFO,
    clientCapabilities: CAPABILITIES },
});

const asResponse = (message) => (message.error !== undefined
  ? { kind: "error", error: message.error } : { kind: "result", result: message.result });
let rawIds = 0;
const envelope = (request) => ({ jsonrpc: "2.0", id: `raw-${++rawIds}`, ...request });

// A raw dispatcher on the client's own stdio transport: the request goes out on it and its
// answer is taken off before the client sees it.
function stdioDispatch(transport) {
  const pending = new Map();
  const deliver = transport.onmessage;
  transport.onmessage = (message, extra) => {
    const waiting = message && pending.get(message.id);
    if (!waiting) return deliver(message, extra);
    pending.delete(message.id);
    waiting(asResponse(message));
  };
  return (request) => new Promise((resolve, reject) => {
    const message = envelope(request);
    pending.set(message.id, resolve);
    transport.send(message).catch(reject);
  });
}

// The header value of a name or id: base64 when it is not plain ASCII.
const headerValue = (v) => (/^[\x20-\x7e]*$/.test(v) && v.trim() === v ? v
  : `=?base64?${Buffer.from(v, "utf8").toString("base64")}?=`);

// A raw dispatcher over Streamable HTTP: one POST with the modern headers.
function httpDispatch(url, key) {
  return async (request) => {
    const message = envelope(request);
    const p = message.params ?? {};
    const name = p.name ?? p.uri ?? p.taskId;
    const res = await fetch(url, { method: "POST", body: JSON.stringify(message), headers: {
      "Content-Type": "application/json", Accept: "application/json, text/event-stream",
      Authorization: `Bearer ${key}`, "MCP-Protocol-Version": "2026-07-28",
      "Mcp-Method": message.method, ...(name !== undefined ? { "Mcp-Name": headerValue(String(name)) } : {}),
    } });
    const text = await res.text();
    const body = (res.headers.get("content-type") ?? "").includes("text/event-stream")
      ? text.split("\n").filter((l) => l.startsWith("data: ")).map((l) => JSON.parse(l.slice(6)))
        .find((m) => m.id === message.id)
      : JSON.parse(text);
    return asResponse(body);
  };
}

// A submit as an MCP task, settled (polled with tasks/get) to its outcome.
async function scanAsTask(session, targets, name) {
  const execution = await session.callTool("run_untrusted_scan", { targets, name },
    { task: { preference: "require" } });
  equal(execution.kind, "task", `${name}: the submit returned a task`);
  check(/^task_[0-9a-f]{32}$/.test(execution.handle.taskId),
    `${name}: the MCP task id is the scan task's (${execution.handle.taskId})`);
  return execution;
}

function checkCompleted(settled, what) {
  equal(settled.outcome.status, "completed", `${what}: completed: ${settled.outcome.error?.message} ${JSON.stringify(settled.outcome.error?.response ?? settled.outcome.error)} ${JSON.stringify(settled.lastTask?.raw)}`);
  const r = resultFromTaskOutcome(settled.outcome);
  check(r && !r.isError, `${what}: a tool result: ${JSON.stringify(r)}`);
  equal(r.structuredContent.state, "completed", `${what}: the get_scan_status view`);
  check(r.structuredContent.summary && r.structuredContent.summary.hosts >= 1,
    `${what}: with its summary: ${JSON.stringify(r.structuredContent.summary)}`);
}

async function rejectsUnknown(promise, what) {
  try {
    await promise;
  } catch (err) {
    const text = `${err?.message ?? err} ${JSON.stringify(err?.response ?? err?.error ?? {})}`;
    check(/-32602|no task/.test(text) || err?.code === -32602, `${what}: refused as unknown: ${text}`);
    return;
  }
  throw new Error(`${what}: expected a refusal`);
}

// Opens subscriptions/listen over HTTP for `taskIds` and collects its events until `stop()`.
function listen(url, key, taskIds) {
  const controller = new AbortController();
  const events = [];
  const message = { jsonrpc: "2.0", id: "listen-1", method: "subscriptions/listen", params: {
    notifications: { taskIds }, _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28",
      "io.modelcontextprotocol/clientCapabilities": CAPABILITIES } } };
  const done = fetch(url, { method: "POST", body: JSON.stringify(message), signal: controller.signal,
    headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream",
      Authorization: `Bearer ${key}`, "MCP-Protocol-Version": "2026-07-28",
      "Mcp-Method": "subscriptions/listen" } }).then(async (res) => {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let at;
      while ((at = buffer.indexOf("\n\n")) >= 0) {
        const data = buffer.slice(0, at).split("\n").find((l) => l.startsWith("data: "));
        buffer = buffer.slice(at + 2);
        if (data) events.push(JSON.parse(data.slice(6)));
      }
    }
  }).catch(() => {});
  return { events, stop: async () => { controller.abort(); await done; } };
}

let sim;
let config;
const servers = [];
// A failing step exits at once: take the servers and the simulator along.
process.on("exit", () => {
  for (const s of servers) s.proc.kill("SIGKILL");
  sim?.proc?.kill("SIGKILL");
});

await run("modern-client", [
  ["a simulator", async () => {
    sim = await startSim(simBinary, ["--speed", "50", "--scan-seconds", "10"]);
    config = writeConfig(work, sim.url);
  }],
  ["stdio: discover, then the modern era", async () => {
    const client = modernClient("stdio-modern");
    const transport = new StdioClientTransport({ command: binary, env: serverEnv(), stderr: "pipe",
      args: ["--stdio", "--config", config, "--data-dir", dataDir(), ...WORKER] });
    let logs = "";
    transport.stderr?.on("data", (d) => (logs += d));
    try {
      await client.connect(transport);
    } catch (err) {
      throw new Error(`connect: ${err.message}\n${logs}`);
    }
    equal(client.getProtocolEra(), "modern", "the client stayed in the modern era");
    const discovered = client.getDiscoverResult();
    check(discovered.supportedVersions.includes("2026-07-28"), "discover names 2026-07-28");
    check(TASKS in (discovered.capabilities.extensions ?? {}), "discover offers the tasks extension");
    const tools = await client.listTools();
    check(tools.tools.some((t) => t.name === "run_untrusted_scan"), "tools/list in the modern era");

    const session = taskSession(client, "stdio", stdioDispatch(transport));
    const execution = await scanAsTask(session, "10.20.0.1", "modern stdio scan");
    checkCompleted(await execution.settle(), "stdio task");
    await session.close();

    // A client that does not declare the extension gets the tool's own result.
    const plain = new Client({ ...CLIENT_INFO, name: "no-tasks" },
      { versionNegotiation: { mode: "auto" } });
    const plainTransport = new StdioClientTransport({ command: binary, env: serverEnv(), stderr: "pipe",
      args: ["--stdio", "--config", config, "--data-dir", dataDir(), "--no-worker"] });
    await plain.connect(plainTransport);
    const r = await plain.callTool({ name: "run_untrusted_scan",
      arguments: { targets: "10.20.0.2", name: "no task" } });
    check(!r.isError && /^task_/.test(r.structuredContent.task_id),
      `a client without the extension gets the tool result: ${JSON.stringify(r)}`);
    await plain.close();
    await client.close();
  }],
  ["HTTP: two tenants, a task followed, cancelled, and refused to the other", async () => {
    const keyA = randomBytes(24).toString("hex");
    const keyB = randomBytes(24).toString("hex");
    const sha = (k) => createHash("sha256").update(k).digest("hex");
    const keys = join(work, "keys.txt");
    writeFileSync(keys, `team-a sha256:${sha(keyA)}\nteam-b sha256:${sha(keyB)}\n`);
    Object.assign(process.env, serverEnv());  // the configuration's secrets, as a deployment has
    const server = await startHttpServer(binary, ["--api-keys-file", keys, "--config", config,
      "--data-dir", dataDir(), ...WORKER]);
    servers.push(server);
    const connect = async (key, name) => {
      const client = modernClient(name);
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`),
        { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
      equal(client.getProtocolEra(), "modern", `${name}: modern era over HTTP`);
      return client;
    };
    const a = await connect(keyA, "tenant-a");
    const b = await connect(keyB, "tenant-b");
    const url = `${server.url}/mcp`;
    const sessionA = taskSession(a, "tenant-a", httpDispatch(url, keyA));
    const sessionB = taskSession(b, "tenant-b", httpDispatch(url, keyB));

    const first = await scanAsTask(sessionA, "10.21.0.1", "modern http scan");
    const id = first.handle.taskId;
    await rejectsUnknown(sessionB.task(id).snapshot(), "another tenant's task id");
    await rejectsUnknown(sessionB.task(`task_${"0".repeat(32)}`).snapshot(), "an unknown task id");
    // The refusal says the same for both: no oracle for another tenant's ids.
    const rawB = httpDispatch(url, keyB);
    const foreign = await rawB({ method: "tasks/get", params: { taskId: id,
      _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": CAPABILITIES } } });
    const unknown = await rawB({ method: "tasks/get", params: { taskId: `task_${"0".repeat(32)}`,
      _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": CAPABILITIES } } });
    equal(foreign.error.code, unknown.error.code, "the same code for a foreign and an unknown id");
    equal(foreign.error.message.replace(id, "ID"), unknown.error.message.replace(`task_${"0".repeat(32)}`, "ID"),
      "the same words for a foreign and an unknown id");
    await rejectsUnknown(sessionB.cancelTask(id), "another tenant's cancel");
    checkCompleted(await first.settle(), "http task");

    const second = await scanAsTask(sessionA, "10.21.0.2", "modern http scan to cancel");
    await second.cancel();
    const cancelled = await second.settle();
    equal(cancelled.outcome.status, "cancelled", "the cancelled scan's task is cancelled");
    await sessionA.cancelTask(second.handle.taskId);  // again, once ended: acknowledged the same
    await sessionA.close();
    await sessionB.close();
    await a.close();
    await b.close();
  }],
  ["2025-11-25 tasks through the same client in the legacy era", async () => {
    const client = new Client({ ...CLIENT_INFO, name: "legacy-tasks" });  // no negotiation: 2025
    const transport = new StdioClientTransport({ command: binary, env: serverEnv(), stderr: "pipe",
      args: ["--stdio", "--config", config, "--data-dir", dataDir(), ...WORKER] });
    await client.connect(transport);
    equal(client.getProtocolEra(), "legacy", "the client stayed in the legacy era");
    const tasks = client.getServerCapabilities().tasks;
    check(tasks && tasks.list && tasks.cancel && tasks.requests?.tools?.call,
      `the tasks capability: ${JSON.stringify(tasks)}`);
    const listed = await client.listTools();
    equal(listed.tools.find((t) => t.name === "run_untrusted_scan").execution?.taskSupport,
      "optional", "a submit tool may run as a task");
    const session = createTaskSessionFromClient(client, { endpointId: "legacy" });
    const execution = await scanAsTask(session, "10.22.0.1", "legacy task scan");
    checkCompleted(await execution.settle(), "legacy task");
    const page = await session.listTasks();
    check(page.tasks.some((t) => t.taskId === execution.handle.taskId),
      `tasks/list shows it: ${JSON.stringify(page.tasks.map((t) => t.taskId))}`);
    const second = await scanAsTask(session, "10.22.0.2", "legacy task to cancel");
    await second.cancel();
    equal((await second.settle()).outcome.status, "cancelled", "cancelled in 2025-11-25 too");
    await session.close();
    await client.close();
  }],
  ["two stateless replicas on one Redis: created through one, followed through the other", async () => {
    const redis = await startRedis(join(work, "redis"));
    try {
      const store = redis.store;
      const key = randomBytes(24).toString("hex");
      const keys = join(work, "replica-keys.txt");
      writeFileSync(keys, `team-r sha256:${createHash("sha256").update(key).digest("hex")}\n`);
      const data = dataDir();
      const common = ["--stateless", "--api-keys-file", keys, "--config", config, "--store", store,
        "--data-dir", data];
      const one = await startHttpServer(binary, [...common, ...WORKER]);  // runs the scans too
      const two = await startHttpServer(binary, [...common, "--no-worker"]);
      servers.push(one, two);
      const through = async (server, name) => {
        const client = modernClient(name);
        await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`),
          { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
        return { client, session: taskSession(client, name, httpDispatch(`${server.url}/mcp`, key)) };
      };
      const a = await through(one, "replica-one");
      const b = await through(two, "replica-two");

      const created = await scanAsTask(a.session, "10.23.0.1", "replicated task");
      const id = created.handle.taskId;
      const stream = listen(`${two.url}/mcp`, key, [id, `task_${"0".repeat(32)}`]);
      checkCompleted({ outcome: await b.session.task(id).result() }, "read through the other replica");
      const statuses = await until("the listen stream reporting the completion", () => {
        const tasks = stream.events.filter((e) => e.method === "notifications/tasks");
        return tasks.some((e) => e.params.status === "completed") ? tasks : undefined;
      }, { timeoutMs: 30000 });
      await stream.stop();
      const ack = stream.events[0];
      equal(ack.method, "notifications/subscriptions/acknowledged", "the stream opens with its acknowledgement");
      equal(ack.params.notifications.taskIds, [id], "it honours the caller's task, not the unknown one");
      equal(ack.params._meta["io.modelcontextprotocol/subscriptionId"], "listen-1", "the subscription id");
      check(statuses.every((e) => e.params.taskId === id &&
        e.params._meta["io.modelcontextprotocol/subscriptionId"] === "listen-1"), "every event carries it");
      check(statuses.at(-1).params.result?.structuredContent?.summary, "the last event has the result");

      const second = await scanAsTask(a.session, "10.23.0.2", "replicated cancel");
      await b.session.cancelTask(second.handle.taskId);
      equal((await second.settle()).outcome.status, "cancelled", "cancelled through the other replica");
      for (const r of [a, b]) {
        await r.session.close();
        await r.client.close();
      }
    } finally {
      redis.stop();
    }
  }],
  ["stop", async () => {
    for (const s of servers) await s.stop();
    await sim.stop?.();
  }],
]);
process.exit(0);
