/**
 * In-app rate limits (defence in depth behind the edge), with express-rate-limit:
 * - per API key: `burst` requests per window of `burst / requestsPerSecond` seconds, so the sustained rate is
 *   `requestsPerSecond` and up to `burst` may arrive at once (a fixed-window approximation of a token bucket);
 * - per client IP, for requests without a valid key: `ipRequestsPerMinute` per minute, so keys cannot be brute-forced.
 *
 * Over the limit: 429 with `Retry-After` (seconds), IETF draft-8 `RateLimit`/`RateLimit-Policy` headers, and a
 * JSON-RPC error body. The client IP is `req.ip`, which honours `X-Forwarded-For` only for the hops that
 * `MCP_TRUST_PROXY` trusts; by default a spoofed header changes nothing.
 *
 * Limits are per process (memory store): with N instances the fleet-wide ceiling is N times higher, which is why the
 * edge limits too.
 */
import type { RequestHandler } from "express";
import { rateLimit } from "express-rate-limit";
import type { ServerConfig } from "../config.js";
import { authOf } from "./auth.js";
import { JsonRpcCode, sendJsonRpcError } from "./errors.js";

function tooMany(scope: string): RequestHandler {
  return (_req, res) => {
    const retryAfter = res.getHeader("Retry-After");
    sendJsonRpcError(res, 429, JsonRpcCode.ServerError, `Too many requests: ${scope} rate limit exceeded`, {
      retryAfterSeconds: Number(retryAfter ?? 1),
    });
  };
}

/** The key window in ms for a sustained `rps` with room for `burst` at once. */
export function keyWindowMs(limits: ServerConfig["rateLimit"]): number {
  return Math.max(1000, Math.ceil((limits.burst / limits.requestsPerSecond) * 1000));
}

/** Per-API-key limiter; runs after `requireKey`, so every request here has a key id. */
export function keyRateLimit(limits: ServerConfig["rateLimit"]): RequestHandler {
  return rateLimit({
    windowMs: keyWindowMs(limits),
    limit: limits.burst,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    identifier: "per-key",
    keyGenerator: (_req, res) => {
      const auth = authOf(res);
      return auth.status === "valid" ? `key:${auth.keyId}` : "key:none";
    },
    handler: tooMany("per-key"),
  });
}

/** Per-IP limiter for requests without a valid key; runs before `requireKey`, so failed attempts are counted. */
export function unauthenticatedIpRateLimit(limits: ServerConfig["rateLimit"]): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: limits.ipRequestsPerMinute,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    identifier: "per-ip-unauthenticated",
    skip: (_req, res) => authOf(res).status === "valid",
    handler: tooMany("per-IP"),
    // An X-Forwarded-For that MCP_TRUST_PROXY does not trust is expected (spoofed or from an untrusted hop), not a
    // misconfiguration: req.ip already ignores it.
    validate: { xForwardedForHeader: false },
  });
}
