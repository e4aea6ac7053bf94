// End to end over the legacy HTTP+SSE transport (2024-11-05) with the official SDK client.
// Usage: node sse_client.mjs PATH/TO/nessus-mcp
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { commonChecks } from "./client_checks.mjs";
import { equal, run, startHttpServer } from "./lib.mjs";

const binary = process.argv[2];
let server;
let client;

await run("sse", [
  ["start the server and connect over /sse", async () => {
    server = await startHttpServer(binary, ["--test-tools", "--sse-keepalive-ms", "200"]);
    client = new Client({ name: "e2e-sse", version: "1.0.0" });
    await client.connect(new SSEClientTransport(new URL(`${server.url}/sse`)));
  }],
  // EventSource hands the SDK events synchronously, so the stdio caveat applies here too.
  ...commonChecks(() => client, { lastProgressMayDrop: true }),
  ["close and stop", async () => {
    await client.close();
    equal(await server.stop(), 0, "exit code");
  }],
]);
