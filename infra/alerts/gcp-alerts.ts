/**
 * Cloud Run guardrails in Cloud Monitoring: an e-mail notification channel (Cloud Monitoring sends no confirmation
 * e-mail for an e-mail channel; https://cloud.google.com/monitoring/support/notification-options#email) and three alert
 * policies on the service's own metrics (https://cloud.google.com/monitoring/api/metrics_gcp#gcp-run):
 * - 5xx rate: `run.googleapis.com/request_count` with `response_code_class = "5xx"` over all requests (a ratio
 *   condition: `filter` / `denominatorFilter`, https://cloud.google.com/monitoring/alerts/types-of-conditions#ratio), %;
 * - 429 rate: the same with `response_code = 429` (the app's limiter; Cloud Armor's 429s on the load-balancer edge
 *   never reach the service and are not counted here). The metric list declares `response_code` INT64 (and
 *   `response_code_class` STRING), so the value is an unquoted number, as in Google's filter examples on numeric
 *   labels (`metric.label.response_code >= 500`, googleapis/google-cloud-python#2234 after
 *   https://cloud.google.com/monitoring/api/v3/filters); a quoted `"429"` compares an INT64 label with a string
 *   (review R2-m13);
 * - p99 latency: `run.googleapis.com/request_latencies` (ms) aligned to its 99th percentile.
 * Each over DEPLOY_DEFAULTS.alerts.periodSeconds, summed across revisions.
 *
 * Cost: Cloud Monitoring bills alerting at $1.50 per condition a month plus $0.35 per million time series returned
 * (https://cloud.google.com/monitoring/alerts/cost-control; "Pricing for alerting"), priced by
 * infra/core/cost/guardrails.ts. Nothing is created without `alertEmail`.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { DEPLOY_DEFAULTS } from "../core/defaults.js";

/** An e-mail notification channel, `${name}-channel`. */
export function emailChannel(
  name: string,
  email: string,
  stack: string,
  opts: pulumi.CustomResourceOptions,
): gcp.monitoring.NotificationChannel {
  return new gcp.monitoring.NotificationChannel(
    `${name}-channel`,
    { displayName: `mcp-anywhere ${stack}`, type: "email", labels: { email_address: email } },
    opts,
  );
}

/** Thresholds, as config holds them. */
export interface RunAlertThresholds {
  /** % of requests */
  errorRatePercent: number;
  /** % of requests */
  throttleRatePercent: number;
  /** ms */
  latencyP99Ms: number;
}

/** The Cloud Monitoring filter for one Cloud Run service's metric, plus any extra clause. */
export function runFilter(metric: string, serviceName: string, extra = ""): string {
  return (
    `resource.type = "cloud_run_revision" AND resource.labels.service_name = "${serviceName}" AND ` +
    `metric.type = "run.googleapis.com/${metric}"${extra === "" ? "" : ` AND ${extra}`}`
  );
}

/**
 * The three alert policies, `${name}-5xx-rate`, `${name}-429-rate`, `${name}-latency-p99`.
 * @param serviceName - the Cloud Run service's name.
 * @param channel - the notification channel id.
 */
export function runAlertPolicies(
  name: string,
  args: { serviceName: pulumi.Input<string>; channel: pulumi.Input<string>; stack: string } & RunAlertThresholds,
  opts: pulumi.CustomResourceOptions,
): gcp.monitoring.AlertPolicy[] {
  const window = `${DEPLOY_DEFAULTS.alerts.periodSeconds}s`;
  const sum = [{ alignmentPeriod: window, perSeriesAligner: "ALIGN_DELTA", crossSeriesReducer: "REDUCE_SUM" }];
  const filter = (metric: string, extra = "") =>
    pulumi.output(args.serviceName).apply((s) => runFilter(metric, s, extra));
  const policy = (role: string, displayName: string, condition: Threshold) =>
    new gcp.monitoring.AlertPolicy(
      `${name}-${role}`,
      {
        displayName: `mcp-anywhere ${args.stack}: ${displayName}`,
        combiner: "OR",
        conditions: [
          { displayName, conditionThreshold: { comparison: "COMPARISON_GT", duration: "0s", ...condition } },
        ],
        notificationChannels: [args.channel],
      },
      opts,
    );
  const ratio = (extra: string, percent: number): Threshold => ({
    filter: filter("request_count", extra),
    denominatorFilter: filter("request_count"),
    aggregations: sum,
    denominatorAggregations: sum,
    thresholdValue: percent / 100,
  });
  return [
    policy(
      "5xx-rate",
      `5xx above ${args.errorRatePercent}% of requests`,
      ratio('metric.labels.response_code_class = "5xx"', args.errorRatePercent),
    ),
    policy(
      "429-rate",
      `429 above ${args.throttleRatePercent}% of requests`,
      ratio("metric.labels.response_code = 429", args.throttleRatePercent),
    ),
    policy("latency-p99", `p99 latency above ${args.latencyP99Ms} ms`, {
      filter: filter("request_latencies"),
      aggregations: [
        { alignmentPeriod: window, perSeriesAligner: "ALIGN_PERCENTILE_99", crossSeriesReducer: "REDUCE_MAX" },
      ],
      thresholdValue: args.latencyP99Ms,
    }),
  ];
}

type Threshold = Omit<gcp.types.input.monitoring.AlertPolicyConditionConditionThreshold, "comparison" | "duration">;
