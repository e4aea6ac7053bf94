// End to end over stdio with the official SDK client: it spawns nessus-mcp as Claude Desktop
// and Claude Code do. Usage: node stdio_client.mjs PATH/TO/nessus-mcp
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { commonChecks } from "./client_checks.mjs";
import { check, dataDir, run } from "./lib.mjs";

const binary = process.argv[2];
let client;
let transport;
let stderr = "";

await run("stdio", [
  ["connect (spawn + initialize)", async () => {
    transport = new StdioClientTransport({
      command: binary,
      // The SDK passes only a safe subset of the environment, so name the data dir here.
      args: ["--stdio", "--test-tools", "--log-level", "debug", "--data-dir", dataDir()],
      stderr: "pipe",
    });
    transport.stderr.on("data", (d) => (stderr += d));
    client = new Client({ name: "e2e-stdio", version: "1.0.0" });
    await client.connect(transport);
  }],
  ...commonChecks(() => client, { lastProgressMayDrop: true }),
  ["close: the server exits cleanly and its logs hold no secret", async () => {
    await client.close();
    check(!stderr.includes("hunter2"), "no secret in stderr");
    check(stderr.includes('"component":"stdio"'), "JSON logs on stderr");
  }],
]);
