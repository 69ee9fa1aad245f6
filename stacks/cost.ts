/**
 * The cost model fed from a stack's config: the same sizing the stack gives its component, and the profile from
 * `usage.*`. Used for the stack outputs (`estimatedMonthlyCostUsd`, `costBreakdown`) and by `npm run cost -- --stack`.
 */

import type { McpTarget } from "../infra/core/contract.js";
import {
  cloudRunCost,
  dockerhostCost,
  ec2Cost,
  fargateCost,
  lambdaCost,
  type PricingOptions,
  type TargetCost,
} from "../infra/core/cost/model.js";
import { AWS_REGIONS, type AwsRegion, GCP_REGIONS, type GcpRegion } from "../infra/core/cost/prices.js";
import { type StackConfig, TRACING_PLATFORM_TARGETS } from "./config.js";
import { guardrailPlan } from "./guardrails.js";
import { targetSizing } from "./sizing.js";

/** @throws {RangeError} when the stack's region has no prices in the table. */
export function pricingOptions(config: StackConfig, usage = config.usage): PricingOptions {
  const region = config.awsRegion as AwsRegion;
  if (!AWS_REGIONS.includes(region)) {
    throw new RangeError(
      `aws:region=${config.awsRegion} has no prices in infra/core/cost/prices.ts; priced: ${AWS_REGIONS.join(", ")}`,
    );
  }
  const gcpRegion = GCP_REGIONS.includes(config.cloudrun.region as GcpRegion)
    ? (config.cloudrun.region as GcpRegion)
    : undefined;
  return {
    region,
    gcpRegion: config.target === "cloudrun" ? gcpRegion : undefined,
    usage,
    logRetentionDays: config.logRetentionDays,
    keyCount: Math.max(1, config.apiKeyIds.length + config.apiKeyParameterNames.length),
    toolLimitCount: Object.keys(config.rateLimit.perToolRequestsPerSecond).length,
    guardrails: guardrailPlan(config),
    // The same condition stacks/tracing.ts wires the collector sidecar on (TRACING_PLATFORM_TARGETS).
    tracingPlatform: config.tracingPlatform && (TRACING_PLATFORM_TARGETS as readonly string[]).includes(config.target),
  };
}

/** Every target priced with this stack's sizing. */
export function estimateStackTargets(config: StackConfig, usage = config.usage): Record<McpTarget, TargetCost> {
  return {
    lambda: price("lambda", config, usage),
    fargate: price("fargate", config, usage),
    cloudrun: price("cloudrun", config, usage),
    ec2: price("ec2", config, usage),
    dockerhost: price("dockerhost", config, usage),
  };
}

function price(target: McpTarget, config: StackConfig, usage: StackConfig["usage"]): TargetCost {
  const o = pricingOptions(config, usage);
  const sizing = targetSizing(config);
  switch (target) {
    case "lambda":
      return lambdaCost(sizing.lambda, o);
    case "fargate":
      return fargateCost(sizing.fargate, o);
    case "cloudrun":
      return cloudRunCost(sizing.cloudrun, o);
    case "ec2":
      return ec2Cost(sizing.ec2, o);
    case "dockerhost":
      return dockerhostCost(sizing.dockerhost, o);
  }
}

/** The stack's own target, priced. @throws {RangeError} when its region has no prices. */
export function estimateStack(config: StackConfig): TargetCost {
  return price(config.target, config, config.usage);
}
