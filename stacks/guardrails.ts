/**
 * The stack's guardrails (budget and alarms, components/guardrails.ts) from its config, and the plan
 * (infra/core/cost/guardrails.ts) both the wiring and the cost estimate (stacks/cost.ts) use, so they agree.
 */

import { CloudRunMcpService } from "../components/cloudrun-mcp-service.js";
import { Ec2DockerMcpService } from "../components/ec2-docker-mcp-service.js";
import { WAF_CLOUDFRONT_REGION } from "../components/fargate/cloudfront.js";
import { FargateMcpService } from "../components/fargate-mcp-service.js";
import { Guardrails } from "../components/guardrails.js";
import { LambdaMcpService } from "../components/lambda-mcp-service.js";
import type { McpServiceOutputs } from "../infra/core/contract.js";
import { type GuardrailPlan, topicRegion } from "../infra/core/cost/guardrails.js";
import type { StackConfig } from "./config.js";

/** Whether an alarm in `region` has someone to tell: the e-mail (a topic is created there) or the topic, if there. */
export function hasRecipientIn(config: StackConfig, region: string): boolean {
  const { email, snsTopicArn } = config.alerts;
  return email !== undefined || (snsTopicArn !== undefined && topicRegion(snsTopicArn) === region);
}

/** @returns what the guardrails create for this stack; see {@link GuardrailPlan}. */
export function guardrailPlan(config: StackConfig): GuardrailPlan {
  const a = config.alerts;
  // Your own hardware has no cloud bill to budget and no platform metrics: its alerts are the Grafana rules of the
  // optional logging stack (components/dockerhost/logging.ts), priced as nothing here.
  if (config.target === "dockerhost") return { budget: false, alarms: false };
  if (config.target === "cloudrun")
    return {
      budget: a.budgetMonthlyUsd !== undefined && a.gcpBillingAccount !== undefined,
      alarms: a.email !== undefined,
    };
  return {
    budget: a.budgetMonthlyUsd !== undefined,
    alarms: hasRecipientIn(config, config.awsRegion),
    usEast1Alarms: hasRecipientIn(config, WAF_CLOUDFRONT_REGION),
    lambdaAccessLogs: config.lambda.accessLogs || config.lambda.manageApiGatewayAccount,
    toolLimitCount: Object.keys(config.rateLimit.perToolRequestsPerSecond).length,
  };
}

/**
 * Declares the stack's {@link Guardrails} (budget and alarms) as a child of the target's component, from config.
 * @param service - the component `deploy` created; dockerhost gets none (its alerts are Grafana rules, see
 *   {@link guardrailPlan}).
 */
export function deployGuardrails(config: StackConfig, service: McpServiceOutputs): Guardrails | undefined {
  if (
    !(
      service instanceof LambdaMcpService ||
      service instanceof FargateMcpService ||
      service instanceof CloudRunMcpService ||
      service instanceof Ec2DockerMcpService
    )
  )
    return undefined;
  const a = config.alerts;
  return new Guardrails(
    `${config.stack}-guardrails`,
    {
      service,
      stack: config.stack,
      awsRegion: config.awsRegion,
      ...(config.target === "cloudrun" ? { gcpProject: config.cloudrun.project } : {}),
      plan: guardrailPlan(config),
      recipients: { email: a.email, snsTopicArn: a.snsTopicArn },
      budgetMonthlyUsd: a.budgetMonthlyUsd,
      gcpBillingAccount: a.gcpBillingAccount,
      errorRatePercent: a.errorRatePercent,
      throttleRatePercent: a.throttleRatePercent,
      latencyP99Ms: a.latencyP99Ms,
      tags: { "mcp-anywhere:stack": config.stack, "mcp-anywhere:target": config.target },
    },
    { parent: service },
  );
}
