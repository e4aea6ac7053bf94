// The checks every transport must pass with the official TypeScript SDK client. Each returns a
// list of [title, fn] steps over a connected Client.
import {
  LoggingMessageNotificationSchema,
  CallToolResultSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { check, equal, rejects } from "./lib.mjs";

export function commonChecks(getClient, options = {}) {
  const client = () => getClient();
  return [
    ["initialize negotiated the latest version and described the server", async () => {
      const info = client().getServerVersion();
      equal(info.name, "nessus-mcp", "serverInfo.name");
      check(typeof info.version === "string" && info.version.length > 0, "serverInfo.version");
      const caps = client().getServerCapabilities();
      check(caps.tools && caps.logging, "tools and logging capabilities");
      check(caps.resources && caps.resources.subscribe === false, "resources, without subscriptions");
      check(!caps.prompts && !caps.completions, "no undeclared capabilities");
      const instructions = client().getInstructions();
      check(instructions && instructions.length < 2048, "instructions present and short");
    }],
    ["ping", async () => {
      equal(await client().ping(), {}, "ping result");
    }],
    ["tools/list returns every test tool with schemas and annotations", async () => {
      const { tools } = await client().listTools();
      const names = tools.map((t) => t.name);
      for (const n of ["echo", "add", "slow", "fail", "validate", "log", "test_simple_text"]) {
        check(names.includes(n), `tool ${n} listed`);
      }
      for (const t of tools) {
        check(t.inputSchema?.type === "object", `${t.name} has an object inputSchema`);
        check(t.title, `${t.name} has a title`);
        check(t.annotations && typeof t.annotations.readOnlyHint === "boolean", `${t.name} annotations`);
      }
    }],
    ["a structured result passes the SDK's outputSchema validation", async () => {
      const r = await client().callTool({ name: "echo", arguments: { text: "héllo" } });
      equal(r.structuredContent, { text: "héllo" }, "structuredContent");
      equal(JSON.parse(r.content[0].text), { text: "héllo" }, "text copy");
    }],
    ["invalid arguments come back as an isError result naming the fix", async () => {
      const r = await client().callTool({ name: "validate", arguments: { target: "UP", port: 0 } });
      equal(r.isError, true, "isError");
      check(/arguments\.port: must be >= 1/.test(r.content[0].text), "message names the field");
    }],
    ["a throwing tool is an isError result, and the server lives on", async () => {
      const r = await client().callTool({ name: "fail", arguments: { mode: "throw" } });
      equal(r.isError, true, "isError");
      equal(await client().ping(), {}, "still alive");
    }],
    ["an unknown tool is a JSON-RPC error", async () => {
      await rejects(client().callTool({ name: "nope", arguments: {} }), /Unknown tool/, "unknown tool");
    }],
    ["progress notifications arrive, increasing, before the result", async () => {
      const seen = [];
      const r = await client().callTool(
        { name: "slow", arguments: { steps: 4, step_ms: options.lastProgressMayDrop ? 100 : 5 } },
        CallToolResultSchema,
        { onprogress: (p) => seen.push(p), timeout: 30000 },
      );
      equal(r.structuredContent.completed_steps, 4, "completed steps");
      // The server sends all four before the result (the golden transcripts pin that). SDK 1.x
      // runs notification handlers in a microtask but settles the response synchronously, so
      // when notifications and the result arrive in one read (stdio, legacy SSE) it drops those
      // notifications: on a busy machine (a sanitizer build, a CPU hog) several can share that
      // read, so there the steps are 100 ms apart and at least the first must arrive; the
      // Streamable HTTP client awaits between events, so there it sees all four.
      check(seen.length >= (options.lastProgressMayDrop ? 1 : 4), `progress notifications (${seen.length})`);
      for (let i = 1; i < seen.length; i++) check(seen[i].progress > seen[i - 1].progress, "increasing");
      check(seen[0].message === "step 1 of 4", "progress message");
    }],
    ["a slow call does not block other calls; cancelling it aborts it", async () => {
      const controller = new AbortController();
      const slow = client().callTool(
        { name: "slow", arguments: { steps: 1000, step_ms: 60000 } },
        CallToolResultSchema,
        { signal: controller.signal, timeout: 120000 },
      );
      const started = Date.now();
      for (let i = 0; i < 5; i++) equal(await client().ping(), {}, "ping while slow runs");
      const r = await client().callTool({ name: "add", arguments: { a: 1, b: 2 } });
      equal(r.structuredContent.sum, 3, "other calls answered");
      controller.abort("test cancels");
      await rejects(slow, null, "cancelled call rejects");
      check(Date.now() - started < 60000, "did not wait for the slow call");
    }],
    ["logging/setLevel filters notifications/message and secrets arrive redacted", async () => {
      const messages = [];
      client().setNotificationHandler(LoggingMessageNotificationSchema, (n) => messages.push(n.params));
      await client().setLoggingLevel("error");
      await client().callTool({ name: "log", arguments: {} });
      const levels = messages.map((m) => m.level);
      equal(levels, ["error", "critical", "alert", "emergency"], "levels at or above error");
      check(messages.every((m) => m.data.password === "[REDACTED]"), "password redacted");
      await client().setLoggingLevel("info");
    }],
    ["the conformance fixtures return every content type", async () => {
      const r = await client().callTool({ name: "test_multiple_content_types", arguments: {} });
      equal(r.content.map((c) => c.type), ["text", "image", "resource"], "content types");
    }],
    ...(options.extra ?? []),
  ];
}
