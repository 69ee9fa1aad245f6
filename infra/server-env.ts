/**
 * The server's environment for a deployed target: the one place that maps component Args to the variables
 * server/config.ts reads, so every target configures the app alike.
 */
import type { McpTarget } from "./core/contract.js";
import { tracingEnvironment } from "./core/tracing.js";
import { UPSTREAM_DEFAULTS, UPSTREAM_ENV, type UpstreamArgs } from "./core/upstream.js";
import type { ResolvedServiceArgs } from "./service-args.js";

/**
 * @param target - reported by server_info (`MCP_TARGET`).
 * @param trustedProxyHops - proxies between the client and the app that append to X-Forwarded-For
 *   (e.g. CloudFront + ALB = 2), so the in-app per-IP limit sees the real client.
 * @returns variables as strings; rates rounded up to whole requests/s (the app's unit). With per-tool limits
 *   (`rateLimit.perToolRequestsPerSecond` not empty) also `MCP_TOOL_RATE_LIMITS`: comma-separated `tool=rps` entries
 *   sorted by tool name, e.g. `echo=50,estimate_cost=2` (tool names are `[A-Za-z0-9_.-]{1,64}`, so neither `,` nor `=`
 *   occurs in one; rps a whole number >= 1, rounded up). The app limits each listed tool per API key at that rate, on
 *   top of the key's own limit; a tool not listed has the key's limit only. Without per-tool limits the variable is
 *   not set.
 */
export function serverEnvironment(
  target: McpTarget,
  a: Pick<ResolvedServiceArgs, "mcpPath" | "healthPath" | "rateLimit" | "upstream" | "tracing">,
  trustedProxyHops: number,
): Record<string, string> {
  const perTool = Object.entries(a.rateLimit.perToolRequestsPerSecond ?? {})
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([tool, rps]) => `${tool}=${Math.ceil(rps)}`);
  return {
    MCP_TARGET: target,
    MCP_PATH: a.mcpPath,
    MCP_HEALTH_PATH: a.healthPath,
    MCP_RATE_LIMIT_RPS: String(Math.ceil(a.rateLimit.requestsPerSecond)),
    MCP_RATE_LIMIT_BURST: String(a.rateLimit.burst),
    MCP_RATE_LIMIT_IP_PER_MINUTE: String(a.rateLimit.perIpRequestsPerMinute),
    MCP_TRUST_PROXY: String(trustedProxyHops),
    ...(perTool.length > 0 ? { MCP_TOOL_RATE_LIMITS: perTool.join(",") } : {}),
    ...upstreamEnvironment(a.upstream),
    // Endpoint and service name only; OTEL_EXPORTER_OTLP_HEADERS travels as a secret (infra/tracing-env.ts).
    ...tracingEnvironment(a.tracing),
  };
}

/**
 * The upstream's plain variables (infra/core/upstream.ts `UPSTREAM_ENV`), the same for every target: `MCP_UPSTREAM`
 * (the mode), `MCP_UPSTREAM_COMMAND` (JSON argv; only when our container runs a command), `MCP_UPSTREAM_CWD`,
 * `MCP_UPSTREAM_URL` (http mode), `MCP_UPSTREAM_TIMEOUT_MS`. Empty for builtin (or no upstream). Never
 * `MCP_UPSTREAM_ENV`: that one may hold secrets and reaches the container only through the target's secret store
 * ({@link upstreamSecretEnvironment}).
 */
export function upstreamEnvironment(u: UpstreamArgs | undefined): Record<string, string> {
  if (u === undefined || u.mode === "builtin") return {};
  return {
    [UPSTREAM_ENV.mode]: u.mode,
    ...(u.command.length > 0 ? { [UPSTREAM_ENV.command]: JSON.stringify(u.command) } : {}),
    ...(u.cwd !== undefined ? { [UPSTREAM_ENV.cwd]: u.cwd } : {}),
    ...(u.mode === "http" ? { [UPSTREAM_ENV.url]: u.url ?? UPSTREAM_DEFAULTS.url } : {}),
    [UPSTREAM_ENV.timeoutMs]: String(u.timeoutMs ?? UPSTREAM_DEFAULTS.timeoutMs),
  };
}

/**
 * Where the user's `serverEnv` goes, as variables that must travel as secrets (SSM SecureString + ECS `secrets`,
 * Secret Manager + `secretKeyRef`, a root-only compose file, or a KMS-encrypted Lambda variable; see each component):
 * - our container runs the server (stdio, or http with a command): `{ container: "mcp", variables:
 *   { MCP_UPSTREAM_ENV: "<JSON object>" } }`, which our server hands to the child only;
 * - http with `image` (a sidecar): `{ container: "upstream", variables: <serverEnv itself> }`, set directly in the
 *   sidecar's environment;
 * - builtin, or no `env` entries: undefined (nothing to pass).
 */
export function upstreamSecretEnvironment(
  u: UpstreamArgs | undefined,
): { container: "mcp" | "upstream"; variables: Record<string, string> } | undefined {
  if (u === undefined || u.mode === "builtin" || Object.keys(u.env ?? {}).length === 0) return undefined;
  if (u.image !== undefined) return { container: "upstream", variables: { ...u.env } };
  return { container: "mcp", variables: { [UPSTREAM_ENV.env]: JSON.stringify(u.env) } };
}

/** The user's own image when the upstream runs as a sidecar container (http mode with `image`); else undefined. */
export function upstreamSidecarImage(u: UpstreamArgs | undefined): string | undefined {
  return u !== undefined && u.mode === "http" ? u.image : undefined;
}
