/**
 * The Streamable HTTP endpoint on the v2 SDK's own stateless handler (`createMcpHandler` from
 * `@modelcontextprotocol/server`, mounted on express with `toNodeHandler` from `@modelcontextprotocol/node`). One POST
 * `/mcp` serves both protocol eras:
 * - 2026-07-28 ("modern": `_meta` envelope, `Mcp-Method`/`Mcp-Name` headers, `server/discover`, no `initialize`), served
 *   natively per request. The SDK answers a header/body disagreement with HeaderMismatch (-32020, HTTP 400) and a
 *   batch with -32600.
 * - 2025-era (`initialize`, then calls, no session), served by the SDK's stateless legacy fallback
 *   (`legacy: "stateless"`, the default): a fresh server and transport per request, `sessionIdGenerator: undefined`, so
 *   a stray `Mcp-Session-Id` or `Last-Event-ID` is ignored.
 * Docs: https://ts.sdk.modelcontextprotocol.io/v2/serving/http and
 * https://ts.sdk.modelcontextprotocol.io/v2/serving/legacy-clients (typescript-sdk examples/stateless-legacy/server.ts).
 *
 * What stays ours, in front of the SDK: keys, limits, Origin/Host, body limit and logging (server/http/*), the 405 for
 * GET/DELETE with a JSON-RPC body and `Allow: POST`, and the batch refusal below (the SDK's legacy leg accepts
 * batches of up to 100 messages, which would run 100 tool calls past the per-key limit; MCP removed batching in
 * 2025-06-18: https://modelcontextprotocol.io/specification/2025-06-18/changelog).
 */
import { toNodeHandler } from "@modelcontextprotocol/node";
import {
  createMcpHandler,
  type McpHttpHandler,
  type McpRequestContext,
  type McpServer,
  type Server,
} from "@modelcontextprotocol/server";
import type { Request, RequestHandler, Response } from "express";
import type { Logger } from "pino";
import { JsonRpcCode, sendJsonRpcError } from "../http/errors.js";
import { annotateLog } from "../http/request-log.js";
import { type Catalog, createMcpServer } from "./catalog.js";
import { shortInvalidParams } from "./invalid-params.js";
import type { RuntimeInfo } from "./runtime.js";

export interface McpHandlerOptions {
  catalog: Catalog;
  runtime: RuntimeInfo;
  /**
   * 2026-07-28 requests: answer with one JSON body, never SSE (`responseMode: "json"`; mid-call notifications are then
   * dropped). When false, `"auto"`: JSON unless a handler emits a notification before its result. The 2025-era leg
   * always answers with an SSE stream (the SDK's stateless legacy transport has no JSON option); every 2025 client
   * accepts it, and a buffering edge passes the one-event stream through whole.
   */
  jsonResponse: boolean;
  logger: Logger;
  /**
   * The per-request server factory. @default builtin mode: `createMcpServer` with `catalog` (our tools); stdio/http
   * mode passes the bridge's (server/upstream/bridge.ts).
   */
  serverFactory?: (ctx: McpRequestContext) => McpServer | Server;
}

/**
 * The JSON-RPC method and tool name of a request, for the log line: the 2026 headers, else the body. The log line caps
 * them (`capForLog`, server/http/request-log.ts).
 */
function describe(req: Request): { mcpMethod?: string; tool?: string } {
  const body = req.body as { method?: unknown; params?: { name?: unknown } } | undefined;
  const header = (name: string) => {
    const v = req.headers[name];
    return typeof v === "string" ? v : undefined;
  };
  const method = header("mcp-method") ?? (typeof body?.method === "string" ? body.method : undefined);
  const tool =
    method === "tools/call"
      ? (header("mcp-name") ?? (typeof body?.params?.name === "string" ? body.params.name : undefined))
      : undefined;
  return { mcpMethod: method, tool };
}

/**
 * Wraps the transport the SDK connects a per-request server to, so that the SDK's raw validator output for invalid
 * params becomes a short -32602 (see ./invalid-params.ts). The transport is the SDK's; only `send` is wrapped.
 */
function withShortInvalidParams<S extends McpServer | Server>(server: S): S {
  const connect = server.connect.bind(server);
  server.connect = (transport) => {
    const send = transport.send.bind(transport);
    transport.send = (message, options) => send(shortInvalidParams(message), options);
    return connect(transport);
  };
  return server;
}

/** The SDK's handler with our factory. Exported for the bench and tests. */
export function createHandler(opts: McpHandlerOptions): McpHttpHandler {
  const make = opts.serverFactory ?? (() => createMcpServer(opts.catalog, opts.runtime, opts.logger));
  return createMcpHandler((ctx) => withShortInvalidParams(make(ctx)), {
    legacy: "stateless",
    responseMode: opts.jsonResponse ? "json" : "auto",
    onerror: (err) => opts.logger.debug({ err: err.message.slice(0, 200) }, "mcp request rejected"),
  });
}

/** POST handler. The body has already been parsed by express.json (server/http/body.ts), within the body limit. */
export function mcpPostHandler(opts: McpHandlerOptions): RequestHandler {
  const handler = createHandler(opts);
  const node = toNodeHandler(handler, {
    onerror: (err) => opts.logger.error({ err: err.message }, "mcp request failed"),
  });
  return (req: Request, res: Response) => {
    annotateLog(res, describe(req));
    if (Array.isArray(req.body)) {
      // JSON-RPC 2.0 §6: an invalid batch is answered with a single -32600 error. Empty batches included.
      sendJsonRpcError(
        res,
        400,
        JsonRpcCode.InvalidRequest,
        "Invalid Request: JSON-RPC batches are not supported (MCP 2025-06-18 and later have no batching)",
      );
      return;
    }
    void node(req, res, req.body);
  };
}

/** GET and DELETE: this server is stateless, so there is no SSE stream to open and no session to end. */
export const mcpMethodNotAllowed: RequestHandler = (_req, res) => {
  res.setHeader("Allow", "POST");
  sendJsonRpcError(res, 405, JsonRpcCode.ServerError, "Method Not Allowed: this stateless server accepts POST only");
};
