/**
 * The upstream's part of `/health` and the readiness guard of `/mcp`.
 *
 * `/health` with an upstream (stdio or http mode):
 * - ready: 200 `{status: "ok", version, keys, upstream: {mode, state: "ready", restarts, lastExit?}}`;
 * - not ready: 503 with the same body and `status: "starting"` (first start under way) or `"unavailable"` (restarting
 *   after an exit, or the last start failed). `lastExit` is `{code, signal, reason, at}`; no secrets.
 * Builtin mode: unchanged (200, no `upstream` block).
 *
 * `/mcp` while the upstream is not ready: 503 with `Retry-After: 1` and a JSON-RPC error (-32603) naming the state, at
 * once, for every method: a caller never waits on a child that is down.
 */
import type { RequestHandler } from "express";
import { JsonRpcCode, sendJsonRpcError } from "../http/errors.js";
import type { UpstreamHealth, UpstreamSupervisor } from "./supervisor.js";

export type HealthStatus = "ok" | "starting" | "unavailable";

/** `ok` when ready, `starting` before the first ready, else `unavailable`. */
export function healthStatus(up: UpstreamHealth): HealthStatus {
  if (up.state === "ready") return "ok";
  return up.state === "starting" ? "starting" : "unavailable";
}

/**
 * Adds the upstream block to a health body.
 * @returns the HTTP status (200 or 503) and the body.
 */
export function withUpstreamHealth<B extends { status: string }>(
  body: B,
  upstream: Pick<UpstreamSupervisor, "health"> | undefined,
): { httpStatus: number; body: B | (Omit<B, "status"> & { status: HealthStatus; upstream: UpstreamHealth }) } {
  if (!upstream) return { httpStatus: 200, body };
  const up = upstream.health();
  const status = healthStatus(up);
  return { httpStatus: status === "ok" ? 200 : 503, body: { ...body, status, upstream: up } };
}

/** Answers 503 while the upstream is not ready; passes through when it is (or in builtin mode). */
export function upstreamReadyGuard(upstream: Pick<UpstreamSupervisor, "ready" | "health"> | undefined): RequestHandler {
  return (_req, res, next) => {
    if (!upstream || upstream.ready) return next();
    const { state } = upstream.health();
    res.setHeader("Retry-After", "1");
    sendJsonRpcError(
      res,
      503,
      JsonRpcCode.InternalError,
      `Upstream MCP server unavailable (state: ${state}); retry shortly`,
      { upstreamState: state },
    );
  };
}
