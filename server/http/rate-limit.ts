/**
 * In-app rate limits (defence in depth behind the edge):
 * - per API key, with express-rate-limit: `burst` requests per window of `burst / requestsPerSecond` seconds, so the
 *   sustained rate is `requestsPerSecond` and up to `burst` may arrive at once (a fixed-window approximation of a
 *   token bucket);
 * - per API key and tool, {@link toolRateLimit}, for the tools listed in `MCP_TOOL_RATE_LIMITS`, on top of the per-key
 *   limit (the same express-rate-limit, one limiter per listed tool);
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
import type { Request, RequestHandler, Response } from "express";
import { ipKeyGenerator, rateLimit } from "express-rate-limit";
import type { Logger } from "pino";
import { toolBurst } from "../../infra/core/contract.js";
import type { ServerConfig } from "../config.js";
import type { ApiKeyStore } from "../keys/key-store.js";
import { identifyRequest } from "./auth.js";
import { JsonRpcCode, sendJsonRpcError } from "./errors.js";
import { annotateLog, suppressLog } from "./request-log.js";

function tooMany(scope: string, tool?: string): RequestHandler {
  return (_req, res) => {
    const retryAfter = res.getHeader("Retry-After");
    const what = tool === undefined ? "" : ` for tool ${tool}`;
    sendJsonRpcError(res, 429, JsonRpcCode.ServerError, `Too many requests: ${scope} rate limit exceeded${what}`, {
      retryAfterSeconds: Number(retryAfter ?? 1),
      ...(tool === undefined ? {} : { tool }),
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

/** One listed tool's limit: `burst` calls per window of `windowMs` (see {@link toolLimitShape}). */
export interface ToolLimitShape {
  /** Calls allowed at once per key and tool. */
  burst: number;
  /** Fixed window, ms. */
  windowMs: number;
}

/**
 * The shape of a tool's limit at `rps` requests/s, like the key's: a burst of the key's burst scaled by
 * `rps / key rps`, rounded up, from 1 to the key's burst (the rule nginx uses, components/ec2/nginx.ts
 * `nginxToolZones`), per window of `burst / rps` seconds (at least 1 s). E.g. key 20 rps / burst 40 and `estimate_cost=2`:
 * 4 calls per 2 s.
 */
export function toolLimitShape(limits: ServerConfig["rateLimit"], rps: number): ToolLimitShape {
  const burst = toolBurst(limits, rps);
  return { burst, windowMs: Math.max(1000, Math.ceil((burst / rps) * 1000)) };
}

/**
 * The tools a request calls, for the per-tool limit: the `Mcp-Name` header when the request is a `tools/call` (by the
 * `Mcp-Method` header or the body), and `params.name` of every `tools/call` in the body (one message, or each element
 * of a batch, which the MCP handler refuses anyway). Both, because they can differ:
 * - a 2026-07-28 request must carry both, equal (the SDK answers a mismatch with HeaderMismatch, and accepts a
 *   Base64-sentinel `Mcp-Name`, which the body's plain name still catches);
 * - the SDK never checks headers on a 2025-era request, so its body alone says which tool runs (a made-up `Mcp-Name`
 *   must not move the call to another tool's bucket).
 * Spec: https://modelcontextprotocol.io/specification/2026-07-28/basic/transports (standard headers).
 */
export function calledTools(req: Request): Set<string> {
  const tools = new Set<string>();
  const messages: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
  let bodyCallsTool = false;
  for (const m of messages) {
    if (typeof m !== "object" || m === null) continue;
    const { method, params } = m as { method?: unknown; params?: { name?: unknown } };
    if (method !== "tools/call") continue;
    bodyCallsTool = true;
    if (typeof params?.name === "string") tools.add(params.name);
  }
  const header = (name: string) => {
    const v = req.headers[name];
    return typeof v === "string" ? v.trim() : undefined;
  };
  const named = header("mcp-name");
  if (named !== undefined && (bodyCallsTool || header("mcp-method") === "tools/call")) tools.add(named);
  return tools;
}

/**
 * Per API key and tool, for the tools in `MCP_TOOL_RATE_LIMITS` (`perTool`: tool name → requests/s): one
 * express-rate-limit limiter per listed tool, keyed on the key id and the tool, shaped by {@link toolLimitShape}. A
 * call to a listed tool counts toward that tool's limit here and toward the key's in {@link keyRateLimit} (mounted
 * before, which counts every request, refused here or not), so a tool limit narrows the key's, never widens it; a
 * tool not listed, and every request that calls no tool, meets the key's limit only. Both protocol eras: the tool
 * comes from {@link calledTools}, so this runs after the JSON body parser. Over the limit: 429 with `Retry-After`,
 * the draft-8 `RateLimit`/`RateLimit-Policy` entries (policy `"per-tool-<tool>"`, next to the key's), and a JSON-RPC
 * error naming the tool (`data: {retryAfterSeconds, tool}`).
 *
 * @param limits - the key's limit, for the burst scaling.
 * @param perTool - from `ServerConfig.toolRateLimits` (names and rates validated by server/config.ts); empty: a
 *   pass-through.
 */
export function toolRateLimit(
  limits: ServerConfig["rateLimit"],
  perTool: Readonly<Record<string, number>>,
): RequestHandler {
  // A Map, not the record: the tool name comes from the request, and `constructor` must not find Object's.
  const limiters = new Map<string, RequestHandler>();
  for (const [tool, rps] of Object.entries(perTool)) {
    const { burst, windowMs } = toolLimitShape(limits, rps);
    const refuse = tooMany("per-tool", tool);
    limiters.set(
      tool,
      rateLimit({
        windowMs,
        limit: burst,
        standardHeaders: "draft-8",
        legacyHeaders: false,
        identifier: `per-tool-${tool}`,
        keyGenerator: (_req, res) => {
          const auth = res.locals.auth as { status: string; keyId?: string } | undefined;
          return auth?.status === "valid" ? `key:${auth.keyId} tool:${tool}` : `key:none tool:${tool}`;
        },
        handler: (req, res, next) => {
          annotateLog(res, { mcpMethod: "tools/call", tool });
          refuse(req, res, next);
        },
      }),
    );
  }
  if (limiters.size === 0) return (_req, _res, next) => next();
  return (req, res, next) => {
    const due: RequestHandler[] = [];
    for (const tool of calledTools(req)) {
      const limiter = limiters.get(tool);
      if (limiter) due.push(limiter);
    }
    let i = 0;
    const step = (err?: unknown): void => {
      const limiter = due[i++];
      if (err !== undefined) next(err);
      else if (!limiter) next();
      else void limiter(req, res, step);
    };
    step();
  };
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
  /** Addresses tracked at once; beyond it new addresses share one bucket. @default IP_TABLE_MAX (100,000) */
  tableMax?: number;
}

/** The bucket every new address shares while the table is full, so a flood of fresh addresses is still limited. */
export const IP_OVERFLOW_BUCKET = "(table full)";

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
export function unauthenticatedIpGuard({
  limits,
  keyStore,
  logger,
  now = Date.now,
  tableMax = IP_TABLE_MAX,
}: IpGuardOptions): RequestHandler {
  const limit = limits.ipRequestsPerMinute;
  const table = new Map<string, IpEntry>();
  let lastSweep = now();
  let suppressed = 0;

  const sweep = (t: number) => {
    // Once a minute; at most once a second while the table is full (not on every request: a full sweep is O(table)).
    if (t - lastSweep < (table.size >= tableMax ? 1000 : IP_WINDOW_MS)) return;
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
    // IPv6 clients are grouped by /56 (express-rate-limit's default): one client owns a whole prefix, and a fresh
    // address per request must not make a fresh bucket. While the table is full, new addresses share one bucket.
    const address = ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? "unknown");
    let t = now();
    sweep(t);
    const ip = table.has(address) || table.size < tableMax ? address : IP_OVERFLOW_BUCKET;
    const blocked = table.get(ip);
    if (blocked && t < blocked.resetAt && blocked.failures >= limit) return refuse(res, blocked, t);

    const auth = await identifyRequest(keyStore, req, res);
    if (auth.status !== "valid") {
      t = now();
      let e = table.get(ip);
      if (!e || t >= e.resetAt) {
        e = { failures: 0, resetAt: t + IP_WINDOW_MS, refused: 0 };
        table.set(ip, e);
      }
      e.failures++;
    }
    next();
  };
}
