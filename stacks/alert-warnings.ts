/**
 * Warnings for guardrail config (issue 17) that deploys but may not do what the user means; loadStackConfig appends
 * them to StackConfig.warnings and the program logs each. Each names the keys and what happens.
 */
import { topicRegion } from "../infra/core/cost/guardrails.js";
import type { StackConfig } from "./config.js";
import { fullKey as k, setCommand } from "./config-schema.js";

/** The region WAF for CloudFront publishes its metrics in (components/fargate/cloudfront.ts WAF_CLOUDFRONT_REGION). */
const WAF_REGION = "us-east-1";

/**
 * @returns one sentence per problem: a budget nobody hears about, a Cloud Run budget without a billing account, an
 *   SNS topic in another Region than the alarms (CloudWatch alarm actions are same-Region), and the cost allocation tag
 *   an AWS budget's tag filter needs.
 */
export function alertWarnings(c: StackConfig): string[] {
  const a = c.alerts;
  const out: string[] = [];
  const budget = a.budgetMonthlyUsd;
  const onCloudRun = c.target === "cloudrun";
  if (c.target === "dockerhost") {
    if (budget !== undefined)
      out.push(
        `${k("budgetMonthlyUsd")}=${budget} is ignored on target dockerhost: your own host has no cloud bill to budget (alerts come from the logging stack's Grafana rules with ${k("dockerhostLogging")}=local and ${k("alertEmail")})`,
      );
    return out;
  }
  if (budget !== undefined && onCloudRun && a.gcpBillingAccount === undefined) {
    out.push(
      `${k("budgetMonthlyUsd")}=${budget} asks for a budget, but ${k("gcpBillingAccount")} is empty: a GCP budget lives on the billing account, so none is created (${setCommand("gcpBillingAccount")}, or ${k("budgetMonthlyUsd")}=0)`,
    );
  } else if (budget !== undefined && a.email === undefined && (onCloudRun || a.snsTopicArn === undefined)) {
    out.push(
      `${k("budgetMonthlyUsd")}=${budget} creates a budget, but ${onCloudRun ? k("alertEmail") : `${k("alertEmail")} and ${k("alertSnsTopicArn")}`} ${onCloudRun ? "is" : "are"} empty: nobody is notified (${setCommand("alertEmail")}, or ${k("budgetMonthlyUsd")}=0)`,
    );
  }
  if (budget !== undefined && !onCloudRun) {
    out.push(
      `the budget filters on the tag mcp-anywhere:stack=${c.stack}: activate mcp-anywhere:stack as a cost allocation tag in Billing and Cost Management (once per account), or the budget reads $0`,
    );
  }
  const topicAt = a.snsTopicArn === undefined ? undefined : topicRegion(a.snsTopicArn);
  if (!onCloudRun && a.email === undefined && topicAt !== undefined) {
    if (topicAt !== c.awsRegion)
      out.push(
        `${k("alertSnsTopicArn")} is in ${topicAt}, but the alarms are in aws:region=${c.awsRegion} and CloudWatch notifies topics in its own Region only: no alarms are created there (use a topic in ${c.awsRegion}, or set ${k("alertEmail")})`,
      );
    if (c.target === "fargate" && topicAt !== WAF_REGION && c.awsRegion !== WAF_REGION)
      out.push(
        `fargate's 429 alarm reads WAF metrics in ${WAF_REGION}, and ${k("alertSnsTopicArn")} is in ${topicAt}: that alarm is not created (set ${k("alertEmail")} to get a topic there)`,
      );
  }
  return out;
}
