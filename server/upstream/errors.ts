/**
 * How a failed upstream call is answered to the caller: always a JSON-RPC error, never a hang.
 * - The child's own JSON-RPC error (a `ProtocolError`): passed through, code, message and data unchanged.
 * - Our per-call timeout (`MCP_UPSTREAM_TIMEOUT_MS`): {@link UPSTREAM_TIMEOUT} (-32001, the code the MCP SDKs have
 *   long used for a request timeout), naming the method and the limit; the SDK has already sent
 *   `notifications/cancelled` to the child.
 * - http mode, an HTTP error status from the upstream (`SdkHttpError`, e.g. 413 for a body over its own limit):
 *   -32603 "Upstream MCP server answered <method> with HTTP <status>", with its short reason.
 * - Anything else (the child exited mid-call, the connection closed, a sidecar refused the connection): -32603
 *   "upstream MCP server unavailable", with a short reason and no stack.
 * JSON-RPC 2.0 error object: https://www.jsonrpc.org/specification#error_object
 */
import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError } from "@modelcontextprotocol/client";

/** JSON-RPC code for "the upstream did not answer in time" (implementation-defined server error range). */
export const UPSTREAM_TIMEOUT = -32001;
/** JSON-RPC "Internal error". */
export const INTERNAL_ERROR = -32603;
/** Longest reason put into a message, characters. */
const REASON_MAX = 200;

/** A short, single-line reason for an error. */
export function shortReason(err: unknown): string {
  const text = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ").trim();
  return text.length > REASON_MAX ? `${text.slice(0, REASON_MAX)}…` : text;
}

/**
 * True when the error says nothing against the connection: the child's own JSON-RPC error answer, or a request we
 * aborted ourselves (timeout, caller gone), which the SDK reports as RequestTimeout.
 */
export function isUpstreamAnswer(err: unknown): boolean {
  return err instanceof ProtocolError || (err instanceof SdkError && err.code === SdkErrorCode.RequestTimeout);
}

/** The caller's error for a call past MCP_UPSTREAM_TIMEOUT_MS (the upstream has been sent notifications/cancelled). */
export function upstreamTimeout(method: string, timeoutMs: number): ProtocolError {
  return new ProtocolError(
    UPSTREAM_TIMEOUT,
    `Upstream MCP server did not answer ${method} within ${timeoutMs} ms; the call was cancelled upstream`,
  );
}

/**
 * @param err - what `client.request` rejected with.
 * @param method - the forwarded JSON-RPC method, for the message.
 * @param timeoutMs - the per-call timeout, for the message.
 * @returns the error the per-request server throws (the SDK turns it into the JSON-RPC error response).
 */
export function toCallerError(err: unknown, method: string, timeoutMs: number): ProtocolError {
  if (err instanceof ProtocolError) return err;
  if (err instanceof SdkError && err.code === SdkErrorCode.RequestTimeout) return upstreamTimeout(method, timeoutMs);
  if (err instanceof SdkHttpError)
    return new ProtocolError(
      INTERNAL_ERROR,
      `Upstream MCP server answered ${method} with HTTP ${err.status}: ${shortReason(err)}`,
    );
  return new ProtocolError(INTERNAL_ERROR, `Upstream MCP server unavailable: ${shortReason(err)}`);
}
