/**
 * Validation and defaults for the shared {@link McpServiceArgs}, run by every component before it declares a child.
 * Errors name the component, the argument in backticks and the value.
 */
import { type McpServiceArgs, type RateLimitArgs, TOOL_NAME } from "./core/contract.js";
import { DEPLOY_DEFAULTS, LOG_RETENTION_DAYS } from "./core/defaults.js";

/** Args with every default applied. */
export interface ResolvedServiceArgs extends McpServiceArgs {
  rateLimit: Required<RateLimitArgs>;
  memoryMiB: number;
  logRetentionDays: number;
  mcpPath: string;
  healthPath: string;
  tags: Record<string, string>;
}

/** Thrown by components for invalid Args. */
export class ComponentArgsError extends Error {
  constructor(component: string, problems: string[]) {
    super(`${component}: invalid arguments:\n  ${problems.join("\n  ")}`);
    this.name = "ComponentArgsError";
  }
}

const SEGMENT = /^\/[A-Za-z0-9._~-]+$/;

/**
 * @param component - e.g. `LambdaMcpService dev`, for the message.
 * @param memoryRange - MiB the target accepts.
 * @throws {ComponentArgsError} listing every bad argument.
 */
export function resolveServiceArgs(
  component: string,
  args: McpServiceArgs,
  memoryRange: { min: number; max: number },
): ResolvedServiceArgs {
  const problems: string[] = [];
  const resolved: ResolvedServiceArgs = {
    ...args,
    rateLimit: {
      requestsPerSecond: args.rateLimit.requestsPerSecond,
      burst: args.rateLimit.burst,
      perIpRequestsPerMinute: args.rateLimit.perIpRequestsPerMinute ?? DEPLOY_DEFAULTS.rateLimit.perIpRequestsPerMinute,
      perToolRequestsPerSecond: { ...(args.rateLimit.perToolRequestsPerSecond ?? {}) },
    },
    memoryMiB: args.memoryMiB ?? DEPLOY_DEFAULTS.memoryMiB,
    logRetentionDays: args.logRetentionDays ?? DEPLOY_DEFAULTS.logRetentionDays,
    mcpPath: args.mcpPath ?? DEPLOY_DEFAULTS.mcpPath,
    healthPath: args.healthPath ?? DEPLOY_DEFAULTS.healthPath,
    tags: args.tags ?? {},
  };
  const { requestsPerSecond, burst, perIpRequestsPerMinute } = resolved.rateLimit;
  if (!(requestsPerSecond > 0)) problems.push(`\`rateLimit.requestsPerSecond\` must be > 0, got ${requestsPerSecond}`);
  if (!Number.isInteger(burst) || burst < 1) problems.push(`\`rateLimit.burst\` must be an integer >= 1, got ${burst}`);
  if (!Number.isInteger(perIpRequestsPerMinute) || perIpRequestsPerMinute < 1) {
    problems.push(`\`rateLimit.perIpRequestsPerMinute\` must be an integer >= 1, got ${perIpRequestsPerMinute}`);
  }
  for (const [tool, rps] of Object.entries(resolved.rateLimit.perToolRequestsPerSecond)) {
    if (!TOOL_NAME.test(tool)) {
      problems.push(
        `\`rateLimit.perToolRequestsPerSecond\` has the tool name ${JSON.stringify(tool)}; allowed: 1 to 64 characters of [A-Za-z0-9_.-]`,
      );
    }
    if (typeof rps !== "number" || !Number.isFinite(rps) || !(rps > 0)) {
      problems.push(
        `\`rateLimit.perToolRequestsPerSecond.${tool}\` must be a finite number of requests/s > 0, got ${rps}`,
      );
    }
  }
  if (args.monthlyQuota !== undefined && (!Number.isInteger(args.monthlyQuota) || args.monthlyQuota < 1)) {
    problems.push(`\`monthlyQuota\` must be an integer >= 1 or undefined, got ${args.monthlyQuota}`);
  }
  const m = resolved.memoryMiB;
  if (!Number.isInteger(m) || m < memoryRange.min || m > memoryRange.max) {
    problems.push(`\`memoryMiB\` must be an integer from ${memoryRange.min} to ${memoryRange.max}, got ${m}`);
  }
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(resolved.logRetentionDays)) {
    problems.push(
      `\`logRetentionDays\` must be one of ${LOG_RETENTION_DAYS.join(", ")}, got ${resolved.logRetentionDays}`,
    );
  }
  for (const key of ["mcpPath", "healthPath"] as const) {
    if (!SEGMENT.test(resolved[key]))
      problems.push(`\`${key}\` must be one path segment like /mcp, got ${resolved[key]}`);
  }
  if (resolved.mcpPath === resolved.healthPath) problems.push(`\`mcpPath\` and \`healthPath\` must differ`);
  if (args.apiKeyParameterNames.length === 0) problems.push("`apiKeyParameterNames` must name at least one parameter");
  if (problems.length > 0) throw new ComponentArgsError(component, problems);
  return resolved;
}
