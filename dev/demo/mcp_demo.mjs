// The demo client: drives a real nessus-mcp with the official MCP TypeScript SDK over stdio and
// Streamable HTTP, and prints what happens. Until the scan tools exist it uses the protocol test
// tools (--test-tools). Usage: node dev/demo/mcp_demo.mjs PATH/TO/nessus-mcp
import { spawn } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";

const binary = process.argv[2];
const say = (text) => console.log(text);
const show = (label, value) => say(`   ${label}: ${typeof value === "string" ? value : JSON.stringify(value)}`);

async function tour(client, transportName) {
  const info = client.getServerVersion();
  say(`\n== ${transportName}: connected to ${info.name} ${info.version} (${info.title})`);
  show("capabilities", client.getServerCapabilities());
  const { tools } = await client.listTools();
  show("tools", tools.map((t) => t.name).join(", "));

  say("-> echo {text: 'hello from the demo'}");
  const echo = await client.callTool({ name: "echo", arguments: { text: "hello from the demo" } });
  show("structuredContent", echo.structuredContent);

  say("-> validate with bad arguments (the model gets an actionable isError result)");
  const bad = await client.callTool({ name: "validate", arguments: { target: "Not Valid!", port: 0 } });
  say(bad.content[0].text.split("\n").map((l) => `   ${l}`).join("\n"));

  say("-> slow {steps: 4} with progress, while ping keeps answering");
  const progress = client.callTool({ name: "slow", arguments: { steps: 4, step_ms: 150 } },
    CallToolResultSchema, { onprogress: (p) => show("progress", `${p.progress}/${p.total} ${p.message ?? ""}`) });
  const t0 = Date.now();
  await client.ping();
  show("ping answered during the slow call after", `${Date.now() - t0} ms`);
  show("slow result", (await progress).structuredContent);
}

// 1. stdio, the way Claude Desktop and Claude Code start the server.
const stdio = new Client({ name: "nessus-mcp-demo", version: "1.0.0" });
await stdio.connect(new StdioClientTransport({
  command: binary, args: ["--stdio", "--test-tools", "--log-level", "warn"], stderr: "ignore",
}));
await tour(stdio, "stdio");
await stdio.close();

// 2. Streamable HTTP, the way a team deployment runs it.
const server = spawn(binary, ["--http", "127.0.0.1:0", "--test-tools", "--log-format", "json"],
  { stdio: ["ignore", "ignore", "pipe"] });
const port = await new Promise((resolve, reject) => {
  let log = "";
  server.stderr.on("data", (d) => {
    log += d;
    const m = log.match(/"port":(\d+)/);
    if (m) resolve(Number(m[1]));
  });
  server.once("exit", (code) => reject(new Error(`server exited ${code}: ${log}`)));
});
const http = new Client({ name: "nessus-mcp-demo", version: "1.0.0" });
const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`));
await http.connect(transport);
await tour(http, `Streamable HTTP on 127.0.0.1:${port}, session ${transport.sessionId.slice(0, 8)}...`);
await transport.terminateSession();
await http.close();
server.kill("SIGTERM");
say("\nDemo finished: the server answered a real MCP client over stdio and Streamable HTTP.");
say("(The Nessus scan tools arrive with the scan pipeline; see phases/README.md.)");
