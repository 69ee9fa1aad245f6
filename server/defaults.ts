/**
 * The server's defaults, in one place. `server/config.ts` applies them; the Pulumi side imports the rate-limit and
 * path defaults from here so that the edge and the app cannot drift.
 */
export const SERVER_DEFAULTS = {
  /** TCP port. */
  port: 8080,
  /** Streamable HTTP endpoint. */
  mcpPath: "/mcp",
  /** Unauthenticated health check used by Lambda Web Adapter, ALB, Cloud Run and nginx. */
  healthPath: "/healthz",
  /** SSM key cache lifetime, seconds. */
  apiKeysTtlSeconds: 300,
  /** After a failed SSM read, seconds before the next attempt (so an outage is not hammered); never above the TTL. */
  apiKeysRetrySeconds: 5,
  /** Sustained requests/s per API key. */
  rateLimitRps: 20,
  /** Requests per API key allowed at once. */
  rateLimitBurst: 40,
  /** Requests/min per client IP without a valid key. */
  rateLimitIpPerMinute: 60,
  /** Largest request body, bytes (1 MiB). */
  maxBodyBytes: 1024 * 1024,
  /** Grace for in-flight requests after SIGTERM, ms. */
  shutdownGraceMs: 10_000,
} as const;
