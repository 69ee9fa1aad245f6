/**
 * Request guards that need no body and no key:
 * - Origin and Host checks for the MCP endpoint (DNS-rebinding protection, MCP spec 2025-11-25, "Security Warning" of
 *   the Streamable HTTP transport). Requests without an Origin, which is what MCP clients send, pass.
 * - {@link singleHostHeader}: 400 for more than one `Host` header (RFC 9112 section 3.2), on every path.
 * - {@link declaredBodyLimit}: 413 for a declared `Content-Length` over the limit, before any byte of the body is read.
 */
import type { RequestHandler } from "express";
import { JsonRpcCode, sendJsonRpcError } from "./errors.js";

/** 403 when an `Origin` header is present and not in `allowedOrigins` (exact match, e.g. `https://app.example`). */
export function originGuard(allowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(allowedOrigins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin !== undefined && !allowed.has(origin)) {
      sendJsonRpcError(res, 403, JsonRpcCode.ServerError, "Forbidden: Origin not allowed");
      return;
    }
    next();
  };
}

/**
 * 403 when `allowedHosts` is non-empty and the `Host` header matches no entry. An entry matches the whole header
 * (`example.com:8443`) or its host part (`example.com`). An empty list disables the check.
 */
export function hostGuard(allowedHosts: readonly string[]): RequestHandler {
  const allowed = new Set(allowedHosts.map((h) => h.toLowerCase()));
  return (req, res, next) => {
    if (allowed.size === 0) return next();
    const host = (req.headers.host ?? "").toLowerCase();
    const hostOnly = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0];
    if (!allowed.has(host) && !allowed.has(hostOnly ?? "")) {
      sendJsonRpcError(res, 403, JsonRpcCode.ServerError, "Forbidden: Host not allowed");
      return;
    }
    next();
  };
}

/**
 * 400 with a JSON-RPC body, and the connection closed, for a request with more than one `Host` header field line. RFC
 * 9112 section 3.2 (https://www.rfc-editor.org/rfc/rfc9112#section-3.2): a server "MUST respond with a 400 (Bad
 * Request) status code to any HTTP/1.1 request message that ... contains more than one Host header field line". Node
 * keeps the first and drops the rest (`maxHeadersCount` aside), so {@link hostGuard} alone would check only the first
 * (the review's I1). Mounted on every path.
 */
export const singleHostHeader: RequestHandler = (req, res, next) => {
  let hosts = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]?.toLowerCase() === "host") hosts++;
  if (hosts > 1) {
    res.setHeader("Connection", "close");
    sendJsonRpcError(res, 400, JsonRpcCode.InvalidRequest, "Bad Request: more than one Host header");
    return;
  }
  next();
};

/**
 * 413 with a JSON-RPC body for a request whose `Content-Length` declares more than `maxBodyBytes`, sent at once, with
 * `Connection: close`, and the socket closed as soon as the answer is written, so that not a byte of the body is read
 * (body-parser reads and discards the whole declared body before its own 413: a 10 GB declaration held the connection
 * until Node's 300 s `requestTimeout`, the review's L2). A body without `Content-Length` (chunked) is still bounded by
 * the body parser's limit as it streams. Mounted on every path, after the per-IP guard.
 *
 * @param maxBodyBytes - MCP_MAX_BODY_BYTES.
 */
export function declaredBodyLimit(maxBodyBytes: number): RequestHandler {
  return (req, res, next) => {
    const declared = req.headers["content-length"];
    if (declared === undefined || !(Number(declared) > maxBodyBytes)) return next();
    res.setHeader("Connection", "close");
    res.once("finish", () => req.socket.destroySoon());
    sendJsonRpcError(res, 413, JsonRpcCode.ServerError, "Payload Too Large: body exceeds MCP_MAX_BODY_BYTES");
  };
}
