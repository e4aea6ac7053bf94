// The peer: a minimal MCP server built with the official TypeScript SDK (the stack most MCP
// servers use), offering the same "echo" tool as nessus-mcp --test-tools, so bench/ can
// measure both the same way.
//   node bench/mcp-peer/server.mjs --transport stdio
//   node bench/mcp-peer/server.mjs --transport http [--port N]   (prints {"port":N} on stderr)
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};

function makeServer() {
  const server = new McpServer({ name: "mcp-peer", version: "1.0.0" });
  server.registerTool(
    "echo",
    {
      title: "Echo",
      description: "Returns the text it is given.",
      inputSchema: { text: z.string().max(10000) },
      outputSchema: { text: z.string() },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ text }) => ({
      content: [{ type: "text", text: JSON.stringify({ text }) }],
      structuredContent: { text },
    }),
  );
  return server;
}

if (opt("--transport", "stdio") === "stdio") {
  await makeServer().connect(new StdioServerTransport());
} else {
  const sessions = new Map();
  const readBody = (req) =>
    new Promise((resolve) => {
      let data = "";
      req.on("data", (d) => (data += d));
      req.on("end", () => resolve(data ? JSON.parse(data) : undefined));
    });
  const http = createServer(async (req, res) => {
    const body = req.method === "POST" ? await readBody(req) : undefined;
    let transport = sessions.get(req.headers["mcp-session-id"]);
    if (!transport) {
      if (req.method !== "POST" || body?.method !== "initialize") {
        res.writeHead(400).end();
        return;
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: true,
        onsessioninitialized: (id) => sessions.set(id, transport),
      });
      await makeServer().connect(transport);
    }
    await transport.handleRequest(req, res, body);
  });
  http.listen(Number(opt("--port", "0")), "127.0.0.1", () => {
    process.stderr.write(JSON.stringify({ port: http.address().port }) + "\n");
  });
}
