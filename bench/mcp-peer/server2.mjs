// The 2026-07-28 peer: the same "echo" tool as bench/mcp-peer/server.mjs, on the official
// TypeScript SDK's stable line (@modelcontextprotocol/server 2.x), served over Streamable HTTP
// by its own dual-era handler (createMcpHandler: modern requests served per request, 2025
// traffic by its stateless fallback), so bench/ can measure both eras of both servers the same
// way.
//   node bench/mcp-peer/server2.mjs [--port N]   (prints {"port":N} on stderr)
import { createServer } from "node:http";
import { toNodeHandler } from "@modelcontextprotocol/node";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import * as z from "zod/v4";

const args = process.argv.slice(2);
const i = args.indexOf("--port");
const port = i >= 0 ? Number(args[i + 1]) : 0;

function makeServer() {
  const server = new McpServer({ name: "mcp-peer-2", version: "1.0.0" });
  server.registerTool(
    "echo",
    {
      title: "Echo",
      description: "Returns the text it is given.",
      inputSchema: z.object({ text: z.string().max(10000) }),
      outputSchema: z.object({ text: z.string() }),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ text }) => ({
      content: [{ type: "text", text: JSON.stringify({ text }) }],
      structuredContent: { text },
    }),
  );
  return server;
}

const http = createServer(toNodeHandler(createMcpHandler(makeServer)));
http.listen(port, "127.0.0.1", () => {
  process.stderr.write(JSON.stringify({ port: http.address().port }) + "\n");
});
