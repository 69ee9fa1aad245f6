/**
 * The Streamable HTTP endpoint, stateless: every POST gets a new MCP server (the SDK's protocol `Server`, which
 * McpServer wraps) and a new transport, closed when the response ends. Nothing is shared between requests but the
 * catalog, which is built once (reusing a server or transport across requests leaks responses between clients:
 * CVE-2026-25536).
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import type { jsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/types.js";
import type { Request, RequestHandler, Response } from "express";
import type { Logger } from "pino";
import { JsonRpcCode, sendJsonRpcError } from "../http/errors.js";
import { annotateLog } from "../http/request-log.js";
import { bindCatalog, type Catalog } from "./catalog.js";
import { type RuntimeInfo, SERVER_NAME, SERVER_VERSION } from "./runtime.js";

export interface McpHandlerOptions {
  catalog: Catalog;
  runtime: RuntimeInfo;
  /** Answer with one JSON body instead of SSE (progress notifications are then lost). */
  jsonResponse: boolean;
  logger: Logger;
}

/**
 * One JSON Schema validator for every request, created on first use. The SDK's Server otherwise builds a new Ajv
 * instance per construction, which measured at about a fifth of all CPU per request. It only compiles schemas (for
 * elicitation) and holds no request data, so sharing it is safe.
 */
let ajv: AjvJsonSchemaValidator | undefined;
const sharedValidator: jsonSchemaValidator = {
  getValidator: (schema) => {
    ajv ??= new AjvJsonSchemaValidator();
    return ajv.getValidator(schema);
  },
};

/** A new server with the catalog bound. Called once per request. */
export function createMcpServer(opts: Omit<McpHandlerOptions, "jsonResponse">): Server {
  const server = new Server(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      capabilities: { tools: { listChanged: false }, resources: { listChanged: false } },
      jsonSchemaValidator: sharedValidator,
    },
  );
  bindCatalog(server, opts.catalog, opts.runtime, opts.logger);
  return server;
}

/** The JSON-RPC method(s) and tool name of a parsed body, for the log line. Bounded, so logs cannot be flooded. */
function describe(body: unknown): { mcpMethod?: string; tool?: string } {
  const first = (Array.isArray(body) ? body[0] : body) as { method?: unknown; params?: { name?: unknown } } | undefined;
  const method = typeof first?.method === "string" ? first.method.slice(0, 64) : undefined;
  const tool =
    method === "tools/call" && typeof first?.params?.name === "string" ? first.params.name.slice(0, 64) : undefined;
  return { mcpMethod: method, tool };
}

/** POST handler. The body has already been parsed by express.json. */
export function mcpPostHandler(opts: McpHandlerOptions): RequestHandler {
  return async (req: Request, res: Response) => {
    annotateLog(res, describe(req.body));
    const server = createMcpServer(opts);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: opts.jsonResponse,
    });
    // Closing the server closes its transport too.
    res.on("close", () => void server.close());
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (err) {
      opts.logger.error({ err: err instanceof Error ? err.message : String(err) }, "mcp request failed");
      if (!res.headersSent) sendJsonRpcError(res, 500, JsonRpcCode.InternalError, "Internal error");
    }
  };
}

/** GET and DELETE: this server is stateless, so there is no SSE stream to open and no session to end. */
export const mcpMethodNotAllowed: RequestHandler = (_req, res) => {
  res.setHeader("Allow", "POST");
  sendJsonRpcError(res, 405, JsonRpcCode.ServerError, "Method Not Allowed: this stateless server accepts POST only");
};
