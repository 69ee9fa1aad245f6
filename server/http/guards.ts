/**
 * Origin and Host checks for the MCP endpoint (DNS-rebinding protection, MCP spec 2025-11-25, "Security Warning" of
 * the Streamable HTTP transport). Requests without an Origin, which is what MCP clients send, pass.
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
