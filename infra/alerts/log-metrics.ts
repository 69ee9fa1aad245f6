/**
 * Metrics from JSON access-log lines, for edges that publish none of their own (nginx on EC2) or not per status (API
 * Gateway REST has 4XXError, not 429): CloudWatch Logs metric filters with JSON patterns
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html), in the namespace
 * {@link LOG_METRICS_NAMESPACE}, without dimensions. Count metrics publish 1 per matching line and 0 in periods with log
 * lines but no match (`defaultValue: "0"`), so rates need no FILL.
 *
 * Cost: each filter's metric is a custom metric, $0.30 a month for the first 10,000
 * (https://aws.amazon.com/cloudwatch/pricing/, "Metrics"); infra/core/cost/guardrails.ts prices them.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { MetricSpec } from "./cloudwatch-alarms.js";

/** Namespace of the metrics the filters publish. */
export const LOG_METRICS_NAMESPACE = "mcp-anywhere";

/** One filter: its role (resource name suffix), JSON pattern and published value. */
export interface LogMetric {
  role: string;
  pattern: string;
  /** `"1"` to count lines, or a `$.field` selector to publish a value. */
  value: string;
  /** For count metrics: the value published in periods with no match. */
  defaultValue?: string;
}

/**
 * Declares a metric filter per entry, named `${name}-<role>`, publishing `<metricPrefix>-<role>` in
 * {@link LOG_METRICS_NAMESPACE}.
 * @param metricPrefix - makes metric names unique per stack, e.g. `prod-ec2` (metric names are account-wide).
 * @returns the metric of each role, for alarms.
 */
export function logMetrics<R extends string>(
  name: string,
  logGroupName: pulumi.Input<string>,
  metricPrefix: string,
  metrics: (LogMetric & { role: R })[],
  parent: pulumi.Resource,
): Record<R, MetricSpec> {
  const out = {} as Record<R, MetricSpec>;
  for (const m of metrics) {
    const metricName = `${metricPrefix}-${m.role}`;
    new aws.cloudwatch.LogMetricFilter(
      `${name}-${m.role}`,
      {
        logGroupName,
        pattern: m.pattern,
        metricTransformation: {
          namespace: LOG_METRICS_NAMESPACE,
          name: metricName,
          value: m.value,
          ...(m.defaultValue !== undefined ? { defaultValue: m.defaultValue } : {}),
        },
      },
      { parent },
    );
    out[m.role] = { namespace: LOG_METRICS_NAMESPACE, metricName, dimensions: {} };
  }
  return out;
}
