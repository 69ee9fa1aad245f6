/**
 * One JSON log line per request (pino-http): request id, HTTP method, path, MCP method and tool name, status,
 * latency in ms (`responseTime`) and the key id (a digest prefix, never the key). No header is logged.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Response } from "express";
import type { Logger } from "pino";
import { pinoHttp } from "pino-http";

/** What handlers record in `res.locals` for the request's log line. */
export interface RequestLogFields {
  keyId?: string;
  mcpMethod?: string;
  tool?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Records fields for the request's log line. */
export function annotateLog(res: Response, fields: RequestLogFields): void {
  Object.assign(res.locals, fields);
}

/** The request-id header from an upstream edge when it is well-formed, else a new UUID; echoed as `x-request-id`. */
function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers["x-request-id"];
  const id = typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader("x-request-id", id);
  return id;
}

/** Express middleware that writes the per-request line when the response finishes. */
export function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: requestId,
    wrapSerializers: false,
    serializers: {
      req: (req: IncomingMessage & { originalUrl?: string; id?: unknown }) => ({
        id: req.id,
        method: req.method,
        path: (req.originalUrl ?? req.url ?? "").split("?")[0],
      }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
    customProps: (_req, res) => {
      const locals = (res as unknown as Response).locals as RequestLogFields | undefined;
      return locals ? { keyId: locals.keyId, mcpMethod: locals.mcpMethod, tool: locals.tool } : {};
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? "error" : "info"),
    customSuccessMessage: () => "request",
    customErrorMessage: () => "request failed",
  });
}
