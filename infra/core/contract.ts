/**
 * The contract every target's ComponentResource implements (../shared/ARCHITECTURE.md, "The component contract"):
 * one Args shape in, one outputs shape out, so the stack program and the cost model treat targets alike.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { TracingArgs } from "./tracing.js";
import type { UpstreamArgs } from "./upstream.js";

/** Deployment targets, one ComponentResource each. */
export const MCP_TARGETS = ["lambda", "fargate", "cloudrun", "ec2", "dockerhost"] as const;
export type McpTarget = (typeof MCP_TARGETS)[number];

/**
 * A tool name the per-tool limits accept (the `Mcp-Name` header of a 2026-07-28 `tools/call`), in the edges, the app
 * and the config: the MCP 2025-11-25 tool-name guidance (https://modelcontextprotocol.io/specification/2025-11-25/server/tools#tool-names:
 * 1 to 128 characters of A-Z, a-z, 0-9, `_`, `-`, `.`) cut to 64, so every edge can carry it: a WAF rule's metric
 * name, a Cloud Armor expression string, an nginx map regex, and `tool=rps` lists need no quoting.
 */
export const TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The burst of a per-tool limit at `toolRps` requests/s: the key's burst scaled by `toolRps / key rps`, rounded up,
 * from 1 to the key's burst. One rule for the nginx edge (components/ec2/nginx.ts) and the app
 * (server/http/rate-limit.ts). E.g. key 20 rps / burst 40 and a tool at 2 rps: 4.
 */
export function toolBurst(key: { requestsPerSecond: number; burst: number }, toolRps: number): number {
  return Math.min(key.burst, Math.max(1, Math.ceil((key.burst * toolRps) / key.requestsPerSecond)));
}

/** Edge and app rate limits. */
export interface RateLimitArgs {
  /** Sustained requests/s per API key, at the edge and in the app. */
  requestsPerSecond: number;
  /** Requests per API key allowed at once. */
  burst: number;
  /** Requests/min per client IP for requests without a valid key (app and, where supported, edge). */
  perIpRequestsPerMinute?: number;
  /**
   * Per-tool limits: tool name (as sent in the `Mcp-Name` header of a 2026-07-28 `tools/call`, `^[A-Za-z0-9_.-]{1,64}$`)
   * to sustained requests/s per API key and tool (> 0). A listed tool's calls count toward both its own limit and the
   * key's; a tool not listed uses the key's limit (`requestsPerSecond`) only. Enforced at every edge that can key on a
   * request header (WAF, Cloud Armor, nginx; not API Gateway REST, which keys usage plans on the API key only) and by
   * the app (`MCP_TOOL_RATE_LIMITS`, infra/server-env.ts). Requests without `Mcp-Name` (2025-era clients) are limited
   * per tool by the app only. Config: `mcp-anywhere:toolRateLimits` (`tool=rps` entries).
   * @default {} (no per-tool limits)
   */
  perToolRequestsPerSecond?: Record<string, number>;
}

/** Args shared by every target; target-specific Args extend it. */
export interface McpServiceArgs {
  /** Digest-pinned image reference, `<repository>@sha256:<digest>`. */
  image: pulumi.Input<string>;
  /** SSM SecureString parameter names holding the API keys. Values never leave as plain text. */
  apiKeyParameterNames: pulumi.Input<string>[];
  rateLimit: RateLimitArgs;
  /** Requests per API key per month at the edge, where the edge supports quotas. @default no quota */
  monthlyQuota?: number;
  /** Memory, MiB. @default 512 (infra/core/defaults.ts) */
  memoryMiB?: number;
  /** Log retention, days; one of CloudWatch's allowed values. @default 30 */
  logRetentionDays?: number;
  /** Streamable HTTP endpoint path, one segment. @default "/mcp" */
  mcpPath?: string;
  /** Unauthenticated health path, one segment. @default "/health" */
  healthPath?: string;
  /** Tags for every taggable child. @default {} */
  tags?: Record<string, string>;
  /** The MCP server behind ours (infra/core/upstream.ts). @default builtin */
  upstream?: UpstreamArgs;
  /** OpenTelemetry traces over OTLP/HTTP (infra/core/tracing.ts). @default off */
  tracing?: TracingArgs;
}

/** What every target's component exposes. */
export interface McpServiceOutputs {
  target: McpTarget;
  /** `https://…/mcp` */
  url: pulumi.Output<string>;
  /** `https://…/health`, reachable without a key. */
  healthUrl: pulumi.Output<string>;
  /** The SSM parameter names the keys come from (names only). */
  apiKeyParameterNames: pulumi.Output<string[]>;
}
