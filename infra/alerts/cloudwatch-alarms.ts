/**
 * CloudWatch alarms on the edge's metrics, as the guardrails use them: a rate alarm (metric math: 100 × the sum of
 * some counts / the sum of others, %, over DEPLOY_DEFAULTS.alerts.periodSeconds) and a percentile alarm (p99 of one
 * metric). Each alarm notifies one SNS topic on ALARM and on OK, treats missing data as not breaching (no traffic is
 * not an incident), and evaluates one period.
 *
 * Missing counts: ALB and API Gateway publish a count only in periods where it is non-zero, so every count is wrapped
 * in `FILL(m, 0)`, and a period with no requests gives 0 % rather than a division by zero (metric math `FILL`, `IF`:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html).
 *
 * Cost: standard-resolution alarms are billed per **alarm metric**, $0.10 each a month: a metric-math alarm is billed
 * for every metric in its expression (https://aws.amazon.com/cloudwatch/pricing/, "Alarms"); infra/core/cost/guardrails.ts
 * counts them for the cost model.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { DEPLOY_DEFAULTS } from "../core/defaults.js";

/** One CloudWatch metric with its dimensions. */
export interface MetricSpec {
  namespace: string;
  metricName: string;
  dimensions: Record<string, pulumi.Input<string>>;
}

/** Where the alarm lives and whom it tells. */
export interface AlarmPlacement {
  /** SNS topic ARN in the alarm's Region. */
  topicArn: pulumi.Input<string>;
  /** The Region, when not the provider's (us-east-1 for CloudFront's WAF); pulumi-aws 7 per-resource `region`. */
  region?: string;
  tags: Record<string, string>;
}

const period = () => DEPLOY_DEFAULTS.alerts.periodSeconds;
const common = (p: AlarmPlacement, description: string) => ({
  ...(p.region !== undefined ? { region: p.region } : {}),
  alarmDescription: description,
  comparisonOperator: "GreaterThanThreshold",
  evaluationPeriods: 1,
  treatMissingData: "notBreaching",
  alarmActions: [p.topicArn],
  okActions: [p.topicArn],
  tags: p.tags,
});

/** The metric-math expression: `IF(den > 0, 100 * num / den, 0)` over FILLed ids n0.., d0... */
export function rateExpression(numerators: number, denominators: number): string {
  const sum = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => `FILL(${prefix}${i}, 0)`).join(" + ") || "0";
  const den = `(${sum("d", denominators)})`;
  return `IF(${den} > 0, 100 * (${sum("n", numerators)}) / ${den}, 0)`;
}

/**
 * A rate alarm: fires when 100 × Σ numerators / Σ denominators (each summed over the period) exceeds `thresholdPercent`.
 * @param name - the alarm resource's name (`${component}-<role>`).
 * @param thresholdPercent - %, 1 to 100 (config `alarmErrorRatePercent` or `alarmThrottleRatePercent`).
 */
export function rateAlarm(
  name: string,
  args: { numerators: MetricSpec[]; denominators: MetricSpec[]; thresholdPercent: number; description: string },
  placement: AlarmPlacement,
  parent: pulumi.Resource,
): aws.cloudwatch.MetricAlarm {
  const query = (id: string, m: MetricSpec) => ({
    id,
    returnData: false,
    metric: {
      namespace: m.namespace,
      metricName: m.metricName,
      dimensions: m.dimensions,
      period: period(),
      stat: "Sum",
    },
  });
  return new aws.cloudwatch.MetricAlarm(
    name,
    {
      ...common(placement, args.description),
      threshold: args.thresholdPercent,
      metricQueries: [
        {
          id: "rate",
          label: "percent of requests",
          returnData: true,
          expression: rateExpression(args.numerators.length, args.denominators.length),
        },
        ...args.numerators.map((m, i) => query(`n${i}`, m)),
        ...args.denominators.map((m, i) => query(`d${i}`, m)),
      ],
    },
    { parent },
  );
}

/**
 * A percentile alarm: fires when the metric's p99 over the period exceeds `threshold`.
 * @param threshold - in the metric's own unit (API Gateway Latency: ms; ALB TargetResponseTime: s).
 */
export function p99Alarm(
  name: string,
  args: { metric: MetricSpec; threshold: number; description: string },
  placement: AlarmPlacement,
  parent: pulumi.Resource,
): aws.cloudwatch.MetricAlarm {
  return new aws.cloudwatch.MetricAlarm(
    name,
    {
      ...common(placement, args.description),
      namespace: args.metric.namespace,
      metricName: args.metric.metricName,
      dimensions: args.metric.dimensions,
      period: period(),
      extendedStatistic: "p99",
      threshold: args.threshold,
    },
    { parent },
  );
}
