/**
 * JSON-RPC error bodies for HTTP-level failures on the MCP endpoint, so that every non-2xx answer on /mcp is a
 * JSON-RPC 2.0 error object a client can parse: `{"jsonrpc":"2.0","error":{"code":…,"message":…},"id":null}`.
 */
import type { Response } from "express";

/** JSON-RPC 2.0 error codes used here (the -32000 range is implementation-defined server errors). */
export const JsonRpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  ServerError: -32000,
} as const;

export interface JsonRpcErrorBody {
  jsonrpc: "2.0";
  error: { code: number; message: string; data?: Record<string, unknown> };
  id: null;
}

/** Builds the body. `message` is shown to clients: it must never hold a secret. */
export function jsonRpcError(code: number, message: string, data?: Record<string, unknown>): JsonRpcErrorBody {
  return { jsonrpc: "2.0", error: data ? { code, message, data } : { code, message }, id: null };
}

/** Sends `status` with a JSON-RPC error body. Returns nothing; the response is finished. */
export function sendJsonRpcError(
  res: Response,
  status: number,
  code: number,
  message: string,
  data?: Record<string, unknown>,
): void {
  res
    .status(status)
    .type("application/json")
    .send(JSON.stringify(jsonRpcError(code, message, data)));
}
