/**
 * One JSON log line per request: request id, HTTP method, path, MCP method and tool name, status, latency in ms
 * (`responseTime`) and the key id (a digest prefix, never the key). No header is logged.
 *
 * Every field a client controls is capped at {@link MAX_LOGGED_CHARS} characters (the review's L1 saw 16 KB paths in
 * 12.5 KB lines, and 2,000 keyless GETs write 32 MB), so a line stays under about 1 KB.
 *
 * A single pino call on `finish`/`close`. (pino-http did the same with two child loggers per request, which measured
 * at about 15% of CPU per request in `npm run bench`.)
 */
import { randomUUID } from "node:crypto";
import type { RequestHandler, Response } from "express";
import type { Logger } from "pino";

/** What handlers record in `res.locals` for the request's log line. */
export interface RequestLogFields {
  keyId?: string;
  mcpMethod?: string;
  tool?: string;
  /** Set by the per-IP guard for repeated refusals, which it counts instead (see rate-limit.ts). */
  logSuppressed?: boolean;
}

/** Longest client-controlled value written to a log line, characters; longer ones end with `…`. */
export const MAX_LOGGED_CHARS = 256;

/** `value` cut to {@link MAX_LOGGED_CHARS} characters (`…` marks a cut); undefined stays undefined. */
export function capForLog(value: string | undefined): string | undefined {
  if (value === undefined || value.length <= MAX_LOGGED_CHARS) return value;
  return `${value.slice(0, MAX_LOGGED_CHARS - 1)}…`;
}

/** This response writes no request line (the caller accounts for it another way). */
export function suppressLog(res: Response): void {
  (res.locals as RequestLogFields).logSuppressed = true;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Records fields for the request's log line. */
export function annotateLog(res: Response, fields: RequestLogFields): void {
  Object.assign(res.locals, fields);
}

/**
 * Express middleware. The request id is the upstream edge's `x-request-id` when well-formed, else a new UUID, and is
 * echoed as `x-request-id`. Level: `error` for 5xx, `info` otherwise; a client that disconnects first is logged with
 * `aborted: true`.
 */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    const given = req.headers["x-request-id"];
    const id = typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader("x-request-id", id);
    let logged = false;
    const log = () => {
      if (logged) return;
      logged = true;
      const { keyId, mcpMethod, tool, logSuppressed } = res.locals as RequestLogFields;
      if (logSuppressed) return;
      const status = res.statusCode;
      logger[status >= 500 ? "error" : "info"](
        {
          reqId: id,
          method: capForLog(req.method),
          path: capForLog(req.path),
          status,
          responseTime: Math.round((performance.now() - started) * 10) / 10,
          keyId,
          mcpMethod: capForLog(mcpMethod),
          tool: capForLog(tool),
          ...(res.writableFinished ? {} : { aborted: true }),
        },
        "request",
      );
    };
    res.once("finish", log);
    res.once("close", log);
    next();
  };
}
