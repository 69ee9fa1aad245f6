/**
 * In-app rate limits (defence in depth behind the edge):
 * - per API key, with express-rate-limit: `burst` requests per window of `burst / requestsPerSecond` seconds, so the
 *   sustained rate is `requestsPerSecond` and up to `burst` may arrive at once (a fixed-window approximation of a
 *   token bucket);
 * - per client IP, {@link unauthenticatedIpGuard}: every request without a valid key, on any path but the health
 *   check, counts against `ipRequestsPerMinute`; once an address is over, it is blocked for the rest of the minute
 *   whatever key it sends.
 *
 * Over the limit: 429 with `Retry-After` (seconds), IETF draft-8 `RateLimit`/`RateLimit-Policy` headers
 * (https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/08/), and a JSON-RPC error body. The client
 * IP is `req.ip`, which honours `X-Forwarded-For` only for the hops that `MCP_TRUST_PROXY` trusts; by default a spoofed
 * header changes nothing.
 *
 * Limits are per process (memory): with N instances the fleet-wide ceiling is N times higher, which is why the edge
 * limits too.
 */
import type { RequestHandler, Response } from "express";
import { rateLimit } from "express-rate-limit";
import type { Logger } from "pino";
import type { ServerConfig } from "../config.js";
import type { ApiKeyStore } from "../keys/key-store.js";
import { identifyRequest } from "./auth.js";
import { JsonRpcCode, sendJsonRpcError } from "./errors.js";
import { suppressLog } from "./request-log.js";

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
      const auth = res.locals.auth as { status: string; keyId?: string } | undefined;
      return auth?.status === "valid" ? `key:${auth.keyId}` : "key:none";
    },
    handler: tooMany("per-key"),
  });
}

/** The per-IP window, ms (the limit is per minute). */
export const IP_WINDOW_MS = 60_000;
/** Most addresses tracked at once; past it, new addresses are not counted until a sweep frees room (memory bound). */
export const IP_TABLE_MAX = 100_000;

interface IpEntry {
  /** Requests without a valid key in the current window. */
  failures: number;
  resetAt: number;
  /** Requests refused while blocked in this window. */
  refused: number;
}

export interface IpGuardOptions {
  limits: ServerConfig["rateLimit"];
  keyStore: ApiKeyStore;
  logger: Logger;
  /** Clock, ms since epoch. @default Date.now */
  now?: () => number;
}

/**
 * The per-IP brute-force and flood guard, mounted on every path except the health check, before any other check.
 *
 * Semantics (the review's M3 and L1):
 * - Each request whose key is missing or not valid counts one failure for its client IP (`req.ip`); requests with a
 *   valid key never count. The window is a fixed minute from the address's first failure.
 * - Once an address has `ipRequestsPerMinute` failures in its window, every further request from it gets 429 until
 *   the window ends, **whatever key it sends, valid or not**: the key is not even checked, so a blocked address cannot
 *   keep guessing and cannot tell a right guess from a wrong one. The cost: a legitimate client behind the same
 *   address (a NAT) is refused for the rest of that minute too; keep the limit well above what your clients' mistakes
 *   produce (the default 60/min), and put the edge's per-IP limit in front.
 * - Log volume: the first refused request of an address per window is logged; later ones are counted and reported in
 *   one `per-IP guard refused requests` line per minute, so a flood cannot fill the log.
 *
 * Also identifies the key (`res.locals.auth`, see auth.ts) for the handlers after it.
 */
export function unauthenticatedIpGuard({ limits, keyStore, logger, now = Date.now }: IpGuardOptions): RequestHandler {
  const limit = limits.ipRequestsPerMinute;
  const table = new Map<string, IpEntry>();
  let lastSweep = now();
  let suppressed = 0;

  const sweep = (t: number) => {
    if (t - lastSweep < IP_WINDOW_MS && table.size < IP_TABLE_MAX) return;
    lastSweep = t;
    for (const [ip, e] of table) if (t >= e.resetAt) table.delete(ip);
    if (suppressed > 0) {
      logger.warn(
        { refused: suppressed, windowMs: IP_WINDOW_MS },
        "per-IP guard refused requests (not logged one by one)",
      );
      suppressed = 0;
    }
  };

  const refuse = (res: Response, e: IpEntry, t: number) => {
    const retryAfter = Math.max(1, Math.ceil((e.resetAt - t) / 1000));
    e.refused++;
    if (e.refused > 1) {
      suppressed++;
      suppressLog(res);
    }
    res.setHeader("Retry-After", String(retryAfter));
    res.setHeader("RateLimit-Policy", `"per-ip-unauthenticated"; q=${limit}; w=${IP_WINDOW_MS / 1000}`);
    res.setHeader("RateLimit", `"per-ip-unauthenticated"; r=0; t=${retryAfter}`);
    sendJsonRpcError(res, 429, JsonRpcCode.ServerError, "Too many requests: per-IP rate limit exceeded", {
      retryAfterSeconds: retryAfter,
    });
  };

  return async (req, res, next) => {
    const ip = req.ip ?? req.socket.remoteAddress ?? "unknown";
    let t = now();
    sweep(t);
    const blocked = table.get(ip);
    if (blocked && t < blocked.resetAt && blocked.failures >= limit) return refuse(res, blocked, t);

    const auth = await identifyRequest(keyStore, req, res);
    if (auth.status !== "valid") {
      t = now();
      let e = table.get(ip);
      if (!e || t >= e.resetAt) {
        if (!e && table.size >= IP_TABLE_MAX) return next();
        e = { failures: 0, resetAt: t + IP_WINDOW_MS, refused: 0 };
        table.set(ip, e);
      }
      e.failures++;
    }
    next();
  };
}
