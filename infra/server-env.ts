/**
 * The server's environment for a deployed target: the one place that maps component Args to the variables
 * server/config.ts reads, so every target configures the app alike.
 */
import type { McpTarget } from "./core/contract.js";
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
  a: Pick<ResolvedServiceArgs, "mcpPath" | "healthPath" | "rateLimit">,
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
  };
}
