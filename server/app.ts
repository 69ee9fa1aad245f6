/**
 * The express app: health, the MCP endpoint with its guards in order, 405 for other methods, JSON 404s and a JSON
 * error handler. No listening here, so tests and the entry point share it.
 *
 * Order on every path: one Host header (400) → health (no key) → per-IP guard (429 while the address is blocked,
 * whatever the key; identifies the key; counts requests without a valid key) → declared Content-Length (413).
 * Then on POST /mcp: Origin/Host → require key (401/503) → per-key limit → Content-Type (415) → body (413/400) →
 * MCP span (tracing on only; so only authenticated, parsed requests are traced) → per-key-and-tool limit (429; after the body, which names the tool of a 2025-era call) → MCP.
 */

import type { Tracer } from "@opentelemetry/api";
import express, { type Express } from "express";
import type { Logger } from "pino";
import type { ServerConfig } from "./config.js";
import { SERVER_DEFAULTS } from "./defaults.js";
import { requireKey } from "./http/auth.js";
import { jsonBody, jsonErrorHandler, requireJson } from "./http/body.js";
import { declaredBodyLimit, hostGuard, originGuard, singleHostHeader } from "./http/guards.js";
import { notFound } from "./http/not-found.js";
import { keyRateLimit, toolRateLimit, unauthenticatedIpGuard } from "./http/rate-limit.js";
import { requestLogger } from "./http/request-log.js";
import type { ApiKeyStore, KeyState } from "./keys/key-store.js";
import { buildCatalog } from "./mcp/catalog.js";
import { mcpMethodNotAllowed, mcpPostHandler } from "./mcp/handler.js";
import type { RuntimeInfo } from "./mcp/runtime.js";
import { mcpSpan } from "./telemetry/mcp-span.js";
import { TOOLS } from "./tools/index.js";
import {
  bridgeFactory,
  type UpstreamHealth,
  type UpstreamSupervisor,
  upstreamReadyGuard,
  withUpstreamHealth,
} from "./upstream/index.js";

/** Tool and resource definitions, compiled once per process. */
const CATALOG = buildCatalog(TOOLS);

export interface AppDeps {
  config: ServerConfig;
  keyStore: ApiKeyStore;
  logger: Logger;
  runtime: RuntimeInfo;
  /** stdio/http mode: the upstream MCP server (server/upstream/); builtin mode: undefined (our own tools). */
  upstream?: UpstreamSupervisor;
  /** One span per MCP request (server/telemetry/mcp-span.ts) when set; tracing off: undefined, nothing mounted. */
  tracer?: Tracer;
}

/** Health body: `{status: "ok", version, keys: "ready" | "stale" | "unavailable"}` (see KeyState). Never a secret. */
export interface HealthBody {
  /** `starting`/`unavailable` (503) only with an upstream that is not ready (server/upstream/health.ts). */
  status: "ok" | "starting" | "unavailable";
  version: string;
  keys: KeyState;
  /** stdio/http mode only: `{mode, state, restarts, lastExit?}` (server/upstream/supervisor.ts UpstreamHealth). */
  upstream?: UpstreamHealth;
}

/** Builds the app. Throws nothing; invalid config was rejected by `loadServerConfig`. */
export function createApp({ config, keyStore, logger, runtime, tracer, upstream }: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", config.trustProxy);
  app.use(requestLogger(logger));
  app.use(singleHostHeader);

  // The configured path, plus the path of earlier releases (probes and adapters configured before the move).
  const healthPaths = [...new Set([config.healthPath, SERVER_DEFAULTS.legacyHealthPath])];
  app.get(healthPaths, (_req, res) => {
    const { httpStatus, body } = withUpstreamHealth<HealthBody>(
      { status: "ok", version: runtime.version, keys: keyStore.state },
      upstream,
    );
    res.setHeader("Cache-Control", "no-store");
    res.status(httpStatus).json(body);
  });
  app.use(
    unauthenticatedIpGuard({ limits: config.rateLimit, keyStore, logger }),
    declaredBodyLimit(config.maxBodyBytes),
  );

  app.post(
    config.mcpPath,
    originGuard(config.allowedOrigins),
    hostGuard(config.allowedHosts),
    requireKey,
    keyRateLimit(config.rateLimit),
    requireJson,
    jsonBody(config.maxBodyBytes),
    ...(tracer ? [mcpSpan(tracer)] : []),
    toolRateLimit(config.rateLimit, config.toolRateLimits),
    upstreamReadyGuard(upstream),
    mcpPostHandler({
      catalog: CATALOG,
      runtime,
      jsonResponse: config.jsonResponse,
      logger,
      serverFactory: upstream ? bridgeFactory(upstream) : undefined,
    }),
  );
  app.all(config.mcpPath, mcpMethodNotAllowed);

  app.use(notFound(config.mcpPath));
  app.use(jsonErrorHandler(logger));
  return app;
}
