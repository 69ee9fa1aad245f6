/**
 * Request bodies on the MCP endpoint: JSON only, at most `maxBodyBytes`. Failures map to JSON-RPC errors, never an
 * HTML page or a stack trace: 415 for another Content-Type, 413 when too large, 400 (-32700) when malformed.
 */
import express, { type ErrorRequestHandler, type RequestHandler } from "express";
import type { Logger } from "pino";
import { JsonRpcCode, sendJsonRpcError } from "./errors.js";

/** 415 unless the Content-Type is application/json (parameters such as charset allowed). */
export const requireJson: RequestHandler = (req, res, next) => {
  if (!req.is("application/json")) {
    sendJsonRpcError(
      res,
      415,
      JsonRpcCode.ServerError,
      "Unsupported Media Type: Content-Type must be application/json",
    );
    return;
  }
  next();
};

/** express.json with a byte limit; errors go to {@link jsonErrorHandler}. */
export function jsonBody(maxBodyBytes: number): RequestHandler {
  return express.json({ limit: maxBodyBytes, type: "application/json", strict: false });
}

interface BodyParserError {
  type?: string;
  status?: number;
}

/**
 * The app's last error handler: body-parser errors become their JSON-RPC form; anything else is logged and answered
 * with 500 (-32603) without detail.
 */
export function jsonErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const e = (err ?? {}) as BodyParserError;
    if (res.headersSent) {
      logger.warn({ err: String(err) }, "error after the response started");
      res.end();
      return;
    }
    switch (e.type) {
      case "entity.too.large":
        return sendJsonRpcError(
          res,
          413,
          JsonRpcCode.ServerError,
          "Payload Too Large: body exceeds MCP_MAX_BODY_BYTES",
        );
      case "entity.parse.failed":
        return sendJsonRpcError(res, 400, JsonRpcCode.ParseError, "Parse error: body is not valid JSON");
      case "encoding.unsupported":
      case "charset.unsupported":
        return sendJsonRpcError(res, 415, JsonRpcCode.ServerError, "Unsupported Media Type: charset must be utf-8");
      case "request.aborted":
        return sendJsonRpcError(res, 400, JsonRpcCode.ServerError, "Bad Request: request aborted");
      default:
        if (typeof e.status === "number" && e.status >= 400 && e.status < 500) {
          return sendJsonRpcError(res, e.status, JsonRpcCode.InvalidRequest, "Bad Request");
        }
        logger.error({ err }, "unhandled error");
        return sendJsonRpcError(res, 500, JsonRpcCode.InternalError, "Internal error");
    }
  };
}
