/**
 * Bench peer: the SDK v1 stateless Streamable HTTP example, with one `echo` tool and JSON responses.
 *
 * Written from the v1 SDK's own example, `src/examples/server/simpleStatelessStreamableHttp.ts` on the v1.x branch
 * (https://github.com/modelcontextprotocol/typescript-sdk/blob/v1.x/src/examples/server/simpleStatelessStreamableHttp.ts,
 * linked from the v1 README's "Streamable HTTP server (stateless)" row): `createMcpExpressApp()` (express with
 * `express.json()` and localhost Host validation), and per POST a new `McpServer` and a new
 * `StreamableHTTPServerTransport({ sessionIdGenerator: undefined })`, closed when the response closes. JSON responses
 * (`enableJsonResponse: true`) as in the v1 `jsonResponseStreamableHttp.ts` example. Changes from the example, so the
 * bench measures the SDK and not the example's extras: one `echo` tool instead of its prompt, tool and resource, no
 * `logging` capability, and no `console.log` per request. Speaks 2025-era MCP only (v1 has no 2026-07-28).
 *
 * Env: PORT (required), HOST (default 127.0.0.1). Run bundled by tests/bench/bench.ts (esbuild, as the server is).
 */

import { createMcpExpressApp } from "@modelcontextprotocol/sdk/server/express.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { Request, Response } from "express";
import * as z from "zod/v4";

const getServer = () => {
  const server = new McpServer({ name: "stateless-streamable-http-server", version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: "Returns the given text unchanged", inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: "text", text }] }),
  );
  return server;
};

const app = createMcpExpressApp();

app.post("/mcp", async (req: Request, res: Response) => {
  const server = getServer();
  try {
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
  } catch {
    if (!res.headersSent) {
      res.status(500).json({ jsonrpc: "2.0", error: { code: -32603, message: "Internal server error" }, id: null });
    }
  }
});

app.listen(Number(process.env.PORT), process.env.HOST ?? "127.0.0.1");
