/**
 * Bench peer: the SDK v2's own stateless handler, with one `echo` tool, on plain `node:http`.
 *
 * Written from the v2 SDK's guide "Serve over HTTP" (docs/serving/http.md, snippets `createHandler` and `mountNode`
 * of examples/guides/serving/http.examples.ts: https://github.com/modelcontextprotocol/typescript-sdk/blob/main/docs/serving/http.md)
 * and its `examples/stateless-legacy/server.ts` ("the minimal `createMcpHandler` deployment, on its default posture"):
 * `createMcpHandler(factory)` with its defaults (`legacy: "stateless"`, `responseMode: "auto"`), a new `McpServer` per
 * request, mounted with `toNodeHandler` behind `localhostHostValidation()` / `localhostOriginValidation()`. The example
 * itself runs on Hono (`@hono/node-server`); the guide's `node:http` mount is used instead, as the server under test
 * runs on node:http + express, not Hono. One `echo` tool instead of the example's `greet`, no `logging` capability.
 * Serves both eras: 2026-07-28 per request, 2025-era through the stateless legacy path.
 *
 * Env: PORT (required), HOST (default 127.0.0.1). Run bundled by tests/bench/bench.ts (esbuild, as the server is).
 */
import { createServer } from "node:http";
import { localhostHostValidation, localhostOriginValidation, toNodeHandler } from "@modelcontextprotocol/node";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import * as z from "zod/v4";

const handler = createMcpHandler(() => {
  const server = new McpServer({ name: "stateless-legacy-example", version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: "Returns the given text unchanged", inputSchema: z.object({ text: z.string() }) },
    async ({ text }) => ({ content: [{ type: "text", text }] }),
  );
  return server;
});

const nodeHandler = toNodeHandler(handler);
const validateHost = localhostHostValidation();
const validateOrigin = localhostOriginValidation();
createServer((req, res) => {
  if (!validateHost(req, res) || !validateOrigin(req, res)) return;
  void nodeHandler(req, res);
}).listen(Number(process.env.PORT), process.env.HOST ?? "127.0.0.1");
