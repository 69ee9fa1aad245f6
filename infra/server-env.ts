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
 * @returns variables as strings; rates rounded up to whole requests/s (the app's unit).
 */
export function serverEnvironment(
  target: McpTarget,
  a: Pick<ResolvedServiceArgs, "mcpPath" | "healthPath" | "rateLimit">,
  trustedProxyHops: number,
): Record<string, string> {
  return {
    MCP_TARGET: target,
    MCP_PATH: a.mcpPath,
    MCP_HEALTH_PATH: a.healthPath,
    MCP_RATE_LIMIT_RPS: String(Math.ceil(a.rateLimit.requestsPerSecond)),
    MCP_RATE_LIMIT_BURST: String(a.rateLimit.burst),
    MCP_RATE_LIMIT_IP_PER_MINUTE: String(a.rateLimit.perIpRequestsPerMinute),
    MCP_TRUST_PROXY: String(trustedProxyHops),
  };
}
