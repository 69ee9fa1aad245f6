/**
 * `Guardrails` (`mcp-anywhere:alerts:Guardrails`): the stack's monthly budget and the edge's alarms, per target, from
 * the platform's own metrics, all notifying the same recipient (issue 17). Declared as a child of the target's
 * component (so a Cloud Run stack's GCP provider applies). What each target gets:
 *
 * - **lambda** (API Gateway REST, AWS/ApiGateway `ApiName` + `Stage`): 5xx rate = 5XXError / Count; p99 `Latency`
 *   (ms); 429 rate: REST APIs publish 4XXError, not 429, so with stage access logs on a log metric filter counts
 *   `status = "429"` lines of the access log (exact), and without them the alarm watches 4XXError / Count (an upper
 *   bound: 401s from bad keys count too; turn `lambdaAccessLogs` on for the exact rate).
 * - **fargate** (CloudFront → ALB, WAF): 5xx rate = (HTTPCode_ELB_5XX_Count + HTTPCode_Target_5XX_Count) /
 *   RequestCount and p99 TargetResponseTime (s) from AWS/ApplicationELB `LoadBalancer`; 429 rate = BlockedRequests of
 *   the rate-based rules (the only WAF blocks answering 429) / (AllowedRequests + BlockedRequests) of the web ACL, from
 *   AWS/WAFV2 in us-east-1 (WAF for CloudFront publishes there; https://docs.aws.amazon.com/waf/latest/developerguide/waf-metrics.html),
 *   so that alarm lives in us-east-1 and needs a topic there (created for `alertEmail`; else only an
 *   `alertSnsTopicArn` in us-east-1). CloudFront's own 5xxErrorRate is not used: the ALB sees every request that
 *   reaches the origin, and CloudFront metrics are also us-east-1 only.
 *   The `WebACL` and `Rule` dimension values are the `visibilityConfig.metricName`s ("A name of the Amazon CloudWatch
 *   metric dimension", https://docs.aws.amazon.com/waf/latest/APIReference/API_VisibilityConfig.html), `ALL` for the
 *   whole web ACL; a CLOUDFRONT-scope web ACL's metrics carry no `Region` dimension.
 * - **cloudrun**: Cloud Monitoring alert policies on `run.googleapis.com/request_count` and `request_latencies`
 *   (infra/alerts/gcp-alerts.ts), notifying an e-mail channel; the budget on `gcpBillingAccount`.
 * - **ec2** (nginx): metric filters on the stack's log group, which holds nginx's JSON access lines
 *   (components/ec2/nginx.ts `mcp_json`: `status`, `requestTimeS`) beside the app's; every pattern requires
 *   `requestTimeS`, which only nginx lines carry. 5xx and 429 rates over all nginx lines; p99 latency as the share of
 *   lines with `requestTimeS` above the threshold (p99 > X exactly when more than 1% are slower than X): metric-filter
 *   metrics are published aggregated, and "CloudWatch needs raw data points to calculate percentile statistics"
 *   (GetMetricStatistics, https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html).
 *
 * The budget (infra/alerts/aws-budget.ts, gcp-budget.ts) follows `budgetMonthlyUsd`; alarms exist only when there is
 * a recipient (`alertEmail`, or `alertSnsTopicArn` in the alarm's Region): otherwise none is created and none is priced.
 * Thresholds: `alarmErrorRatePercent`, `alarmThrottleRatePercent` (% of requests), `alarmLatencyP99Ms` (ms), over
 * DEPLOY_DEFAULTS.alerts.periodSeconds. Costs: infra/core/cost/guardrails.ts, whose counts match what this declares.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { awsBudget } from "../infra/alerts/aws-budget.js";
import { type MetricSpec, p99Alarm, rateAlarm } from "../infra/alerts/cloudwatch-alarms.js";
import { emailChannel, runAlertPolicies } from "../infra/alerts/gcp-alerts.js";
import { gcpBudget } from "../infra/alerts/gcp-budget.js";
import { logMetrics } from "../infra/alerts/log-metrics.js";
import { type AlertRecipients, alarmTopic } from "../infra/alerts/topic.js";
import type { GuardrailPlan } from "../infra/core/cost/guardrails.js";
import { enableGoogleApis } from "../infra/google-apis.js";
import { CloudRunMcpService } from "./cloudrun-mcp-service.js";
import { Ec2DockerMcpService } from "./ec2-docker-mcp-service.js";
import { WAF_CLOUDFRONT_REGION } from "./fargate/cloudfront.js";
import { FargateMcpService } from "./fargate-mcp-service.js";
import { LambdaMcpService } from "./lambda-mcp-service.js";

/** ec2: the latency alarm fires when more than this % of requests is slower than `latencyP99Ms` (that is, p99 above it). */
export const EC2_SLOW_PERCENT = 1;

export interface GuardrailsArgs {
  /** The target's component; its type picks the alarms. */
  service: LambdaMcpService | FargateMcpService | CloudRunMcpService | Ec2DockerMcpService;
  /** Stack name (budget filter, metric and display names). */
  stack: string;
  /** The stack's `aws:region`. */
  awsRegion: string;
  /** cloudrun: the GCP project id. */
  gcpProject?: string;
  /** What to create (stacks/guardrail-plan.ts); the cost estimate prices the same plan. */
  plan: GuardrailPlan;
  recipients: AlertRecipients;
  /** USD/month; used when `plan.budget`. */
  budgetMonthlyUsd: number | undefined;
  /** cloudrun: `XXXXXX-XXXXXX-XXXXXX`; used when `plan.budget`. */
  gcpBillingAccount: string | undefined;
  /** % of requests */
  errorRatePercent: number;
  /** % of requests */
  throttleRatePercent: number;
  /** ms */
  latencyP99Ms: number;
  tags: Record<string, string>;
}

export class Guardrails extends pulumi.ComponentResource {
  /** The SNS topic ARN the stack-Region alarms notify (AWS targets), when there is one. */
  public readonly alarmTopicArn: pulumi.Output<string> | undefined;

  constructor(name: string, args: GuardrailsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("mcp-anywhere:alerts:Guardrails", name, {}, opts);
    const s = args.service;
    if (s instanceof CloudRunMcpService) {
      this.alarmTopicArn = undefined;
      this.cloudRun(name, args, s);
    } else {
      const { plan, recipients, tags } = args;
      const placement = (topicArn: pulumi.Input<string>, region?: string) => ({
        topicArn,
        tags,
        ...(region !== undefined ? { region } : {}),
      });
      if (plan.budget && args.budgetMonthlyUsd !== undefined)
        awsBudget(name, { amountUsd: args.budgetMonthlyUsd, stack: args.stack, recipients, tags }, this);
      const topic = plan.alarms ? alarmTopic(name, recipients, args.awsRegion, args.awsRegion, tags, this) : undefined;
      this.alarmTopicArn = topic === undefined ? undefined : pulumi.output(topic);
      const error = `5xx responses above ${args.errorRatePercent}% of requests`;
      const throttle = `429 responses above ${args.throttleRatePercent}% of requests`;
      const latency = `p99 latency above ${args.latencyP99Ms} ms`;
      if (s instanceof LambdaMcpService && topic !== undefined) {
        const gw = (metricName: string): MetricSpec => ({
          namespace: "AWS/ApiGateway",
          metricName,
          dimensions: { ApiName: s.apiName, Stage: s.stageName },
        });
        const p = placement(topic);
        rateAlarm(
          `${name}-5xx-rate`,
          {
            numerators: [gw("5XXError")],
            denominators: [gw("Count")],
            thresholdPercent: args.errorRatePercent,
            description: error,
          },
          p,
          this,
        );
        const throttled =
          s.accessLogGroupName === undefined
            ? gw("4XXError")
            : logMetrics(
                `${name}-access`,
                s.accessLogGroupName,
                `${args.stack}-lambda`,
                [{ role: "429", pattern: '{ $.status = "429" }', value: "1", defaultValue: "0" }],
                this,
              )["429"];
        rateAlarm(
          `${name}-429-rate`,
          {
            numerators: [throttled],
            denominators: [gw("Count")],
            thresholdPercent: args.throttleRatePercent,
            description:
              s.accessLogGroupName === undefined
                ? `4xx responses (429 included; access logs off) above ${args.throttleRatePercent}% of requests`
                : throttle,
          },
          p,
          this,
        );
        p99Alarm(
          `${name}-latency-p99`,
          { metric: gw("Latency"), threshold: args.latencyP99Ms, description: latency },
          p,
          this,
        );
      }
      if (s instanceof FargateMcpService) {
        if (topic !== undefined) {
          const alb = (metricName: string): MetricSpec => ({
            namespace: "AWS/ApplicationELB",
            metricName,
            dimensions: { LoadBalancer: s.albArnSuffix },
          });
          const p = placement(topic);
          rateAlarm(
            `${name}-5xx-rate`,
            {
              numerators: [alb("HTTPCode_ELB_5XX_Count"), alb("HTTPCode_Target_5XX_Count")],
              denominators: [alb("RequestCount")],
              thresholdPercent: args.errorRatePercent,
              description: error,
            },
            p,
            this,
          );
          // TargetResponseTime is in seconds.
          p99Alarm(
            `${name}-latency-p99`,
            { metric: alb("TargetResponseTime"), threshold: args.latencyP99Ms / 1000, description: latency },
            p,
            this,
          );
        }
        const wafTopic = plan.usEast1Alarms
          ? args.awsRegion === WAF_CLOUDFRONT_REGION && topic !== undefined
            ? topic
            : alarmTopic(`${name}-us-east-1`, recipients, WAF_CLOUDFRONT_REGION, args.awsRegion, tags, this)
          : undefined;
        if (wafTopic !== undefined) {
          const waf = (metricName: string, rule: string): MetricSpec => ({
            namespace: "AWS/WAFV2",
            metricName,
            dimensions: { WebACL: s.wafMetricName, Rule: rule },
          });
          rateAlarm(
            `${name}-429-rate`,
            {
              numerators: s.wafRateRuleMetricNames.map((r) => waf("BlockedRequests", r)),
              denominators: [waf("AllowedRequests", "ALL"), waf("BlockedRequests", "ALL")],
              thresholdPercent: args.throttleRatePercent,
              description: `${throttle} (WAF rate-based rules)`,
            },
            placement(wafTopic, args.awsRegion === WAF_CLOUDFRONT_REGION ? undefined : WAF_CLOUDFRONT_REGION),
            this,
          );
        }
      }
      if (s instanceof Ec2DockerMcpService && topic !== undefined) {
        // Only nginx lines carry requestTimeS; the app's lines (same group) have `status` but not it.
        const m = logMetrics(
          `${name}-nginx`,
          s.logGroupName,
          `${args.stack}-ec2`,
          [
            { role: "requests", pattern: "{ $.requestTimeS >= 0 }", value: "1", defaultValue: "0" },
            { role: "5xx", pattern: "{ $.status >= 500 && $.requestTimeS >= 0 }", value: "1", defaultValue: "0" },
            { role: "429", pattern: "{ $.status = 429 && $.requestTimeS >= 0 }", value: "1", defaultValue: "0" },
            {
              role: "slow",
              pattern: `{ $.requestTimeS > ${args.latencyP99Ms / 1000} }`,
              value: "1",
              defaultValue: "0",
            },
          ],
          this,
        );
        const p = placement(topic);
        rateAlarm(
          `${name}-5xx-rate`,
          {
            numerators: [m["5xx"]],
            denominators: [m.requests],
            thresholdPercent: args.errorRatePercent,
            description: error,
          },
          p,
          this,
        );
        rateAlarm(
          `${name}-429-rate`,
          {
            numerators: [m["429"]],
            denominators: [m.requests],
            thresholdPercent: args.throttleRatePercent,
            description: throttle,
          },
          p,
          this,
        );
        // p99 > X exactly when more than 1% of requests take longer than X: counted, since a metric filter publishes
        // aggregated values that CloudWatch cannot take percentiles of.
        rateAlarm(
          `${name}-latency-p99`,
          {
            numerators: [m.slow],
            denominators: [m.requests],
            thresholdPercent: EC2_SLOW_PERCENT,
            description: `${latency} (more than ${EC2_SLOW_PERCENT}% of requests slower)`,
          },
          p,
          this,
        );
      }
    }
    this.registerOutputs({ alarmTopicArn: this.alarmTopicArn });
  }

  private cloudRun(name: string, args: GuardrailsArgs, s: CloudRunMcpService): void {
    const { plan, recipients } = args;
    if (!plan.budget && !plan.alarms) return;
    const apis = enableGoogleApis(
      `${name}`,
      [...(plan.alarms ? (["monitoring"] as const) : []), ...(plan.budget ? (["billingbudgets"] as const) : [])],
      this,
    );
    const opts = (dependsOn: pulumi.Resource[]) => ({ parent: this, dependsOn });
    const channel =
      plan.alarms && recipients.email !== undefined
        ? emailChannel(name, recipients.email, args.stack, opts([apis.monitoring as gcp.projects.Service]))
        : undefined;
    if (channel !== undefined)
      runAlertPolicies(
        `${name}`,
        {
          serviceName: s.serviceName,
          channel: channel.id,
          stack: args.stack,
          errorRatePercent: args.errorRatePercent,
          throttleRatePercent: args.throttleRatePercent,
          latencyP99Ms: args.latencyP99Ms,
        },
        opts([apis.monitoring as gcp.projects.Service]),
      );
    if (plan.budget && args.gcpBillingAccount !== undefined && args.budgetMonthlyUsd !== undefined) {
      const project = gcp.organizations.getProjectOutput(
        args.gcpProject !== undefined ? { projectId: args.gcpProject } : {},
        { parent: this },
      );
      gcpBudget(
        name,
        {
          billingAccount: args.gcpBillingAccount,
          projectNumber: project.number,
          stack: args.stack,
          amountUsd: args.budgetMonthlyUsd,
          channel: channel?.id,
        },
        opts([apis.billingbudgets as gcp.projects.Service]),
      );
    }
  }
}
