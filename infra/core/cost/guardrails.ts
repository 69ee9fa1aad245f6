/**
 * What the guardrails (the stack's budget and the edge's alarms; stacks/guardrails.ts, infra/alerts/) cost, line by
 * line, and how many billed things each target's guardrails create. Pure: no Pulumi. The counts here are the ones the
 * wiring creates; tests/alerts/*.test.ts compare them with the resources a mock run declares.
 *
 * Nothing is created, and nothing is priced, for alarms without a recipient (`alertEmail` or `alertSnsTopicArn`).
 */
import type { McpTarget } from "../contract.js";
import type { CostLine } from "./model.js";
import type { Price } from "./prices.js";

/** Seconds in the model's month (730 hours). */
const SECONDS_PER_MONTH = 730 * 3600;

/**
 * Guardrail prices, USD, the same in us-east-1 and ap-northeast-1 (the model's AWS regions) and for every GCP region.
 * Checked 2026-11-21.
 */
export const GUARDRAIL_PRICES = {
  /** AWS Budgets: budgets without actions are free; action-enabled ones: first 2 free, then $0.10 a day. */
  awsBudget: {
    value: 0,
    unit: "budget-month (no actions)",
    source:
      "aws.amazon.com/aws-cost-management/aws-budgets/pricing; AWS Price List AWSBudgets: $0.00 for Budget-days (BudgetsUsage), $0.10 per Action-enabled Budget-day after 62",
    checked: "2026-11-21",
    confidence: "verified",
  },
  /** Standard-resolution CloudWatch alarm, per metric in the alarm. */
  alarmMetric: {
    value: 0.1,
    unit: "alarm metric-month (standard resolution)",
    source: "aws.amazon.com/cloudwatch/pricing (Alarms; free tier 10 alarm metrics an account); c3x.dev, cloudcostkit",
    checked: "2026-11-21",
    confidence: "single-source",
  },
  /** A custom metric (what a log metric filter publishes), first 10,000. */
  customMetric: {
    value: 0.3,
    unit: "metric-month (first 10,000)",
    source: "aws.amazon.com/cloudwatch/pricing (Metrics; long-standing first-tier figure, free tier 10 metrics)",
    checked: "2026-11-21",
    confidence: "single-source",
  },
  /** GCP budgets are free. */
  gcpBudget: {
    value: 0,
    unit: "budget-month",
    source: "cloud.google.com/billing/docs/how-to/budgets (no charge for budgets)",
    checked: "2026-11-21",
    confidence: "single-source",
  },
  /** Cloud Monitoring alerting: per condition. */
  gcpCondition: {
    value: 1.5,
    unit: "alerting condition-month",
    source: "cloud.google.com/monitoring/alerts/cost-control (Pricing for alerting)",
    checked: "2026-11-21",
    confidence: "single-source",
  },
  /** Cloud Monitoring alerting: time series a condition returns. */
  gcpTimeSeries: {
    value: 0.35,
    unit: "1M time series returned",
    source: "cloud.google.com/monitoring/alerts/cost-control (Pricing for alerting)",
    checked: "2026-11-21",
    confidence: "single-source",
  },
} as const satisfies Record<string, Price>;

/** The Region of an SNS topic ARN (`arn:<partition>:sns:<region>:<account>:<name>`), or undefined when not one. */
export function topicRegion(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:/.exec(arn)?.[1];
}

/** What the stack's config asks of the guardrails. */
export interface GuardrailPlan {
  /** A budget is created (AWS: budgetMonthlyUsd resolved > 0; cloudrun: also gcpBillingAccount). */
  budget: boolean;
  /** A recipient exists for alarms in the stack's Region (alertEmail, or alertSnsTopicArn there). */
  alarms: boolean;
  /** fargate: a recipient exists in us-east-1, where the WAF for CloudFront publishes (alertEmail, or a topic there). */
  usEast1Alarms?: boolean;
  /** lambda: stage access logs are on (the 429 alarm then reads them). */
  lambdaAccessLogs?: boolean;
  /** fargate: per-tool WAF rate rules (each one more metric in the 429 alarm). */
  toolLimitCount?: number;
}

/** Billed things a target's guardrails create. */
export interface GuardrailCounts {
  budgets: number;
  /** CloudWatch alarm metrics (a metric-math alarm counts each metric). */
  alarmMetrics: number;
  /** CloudWatch alarms. */
  alarms: number;
  /** Custom metrics from log metric filters. */
  customMetrics: number;
  /** Cloud Monitoring alerting conditions. */
  conditions: number;
}

/** The counts for one target (see stacks/guardrails.ts for what each alarm reads). */
export function guardrailCounts(target: McpTarget, plan: GuardrailPlan): GuardrailCounts {
  const c: GuardrailCounts = {
    budgets: plan.budget ? 1 : 0,
    alarmMetrics: 0,
    alarms: 0,
    customMetrics: 0,
    conditions: 0,
  };
  if (!plan.alarms && !(target === "fargate" && plan.usEast1Alarms)) return c;
  switch (target) {
    case "lambda":
      // 5XXError/Count, 429 (access-log filter or 4XXError)/Count, Latency p99.
      return { ...c, alarms: 3, alarmMetrics: 5, customMetrics: plan.lambdaAccessLogs ? 1 : 0 };
    case "fargate": {
      // ALB: (ELB 5XX + target 5XX)/RequestCount, TargetResponseTime p99. WAF (us-east-1): blocked by each rate rule /
      // (allowed + blocked).
      const alb = plan.alarms ? { alarms: 2, alarmMetrics: 4 } : { alarms: 0, alarmMetrics: 0 };
      const waf = plan.usEast1Alarms ? 2 + (plan.toolLimitCount ?? 0) + 2 : 0;
      return { ...c, alarms: alb.alarms + (waf > 0 ? 1 : 0), alarmMetrics: alb.alarmMetrics + waf };
    }
    case "cloudrun":
      return { ...c, conditions: 3 };
    case "ec2":
      // Filters: requests, 5xx, 429, slow. Alarms: 5xx/requests, 429/requests, slow/requests (p99).
      return { ...c, alarms: 3, alarmMetrics: 6, customMetrics: 4 };
    default:
      return c;
  }
}

function priceLine(item: string, quantity: number, price: Price, resource: string): CostLine {
  return {
    item,
    quantity,
    unit: price.unit,
    unitPriceUsd: price.value,
    monthlyUsd: price.value === null ? null : quantity * price.value,
    source: `${price.source} (checked ${price.checked})`,
    confidence: price.confidence,
    resource,
  };
}

/**
 * The guardrails' cost lines for a target: the budget (free) and the alarms. Cloud Monitoring's time-series charge
 * assumes each condition is executed once a minute and returns one series (two for a ratio), 1M = 10^6.
 */
export function guardrailLines(target: McpTarget | "agentcore", plan: GuardrailPlan | undefined): CostLine[] {
  if (plan === undefined || target === "agentcore") return [];
  const n = guardrailCounts(target, plan);
  const P = GUARDRAIL_PRICES;
  const lines: CostLine[] = [];
  const gcp = target === "cloudrun";
  if (n.budgets > 0)
    lines.push(
      gcp
        ? priceLine("Billing budget (guardrail)", n.budgets, P.gcpBudget, "gcp:billing/budget:Budget")
        : priceLine("AWS Budgets budget (guardrail)", n.budgets, P.awsBudget, "aws:budgets/budget:Budget"),
    );
  if (n.alarmMetrics > 0)
    lines.push(
      priceLine(
        "CloudWatch alarm metrics (guardrail alarms)",
        n.alarmMetrics,
        P.alarmMetric,
        "aws:cloudwatch/metricAlarm:MetricAlarm",
      ),
    );
  if (n.customMetrics > 0)
    lines.push(
      priceLine(
        "CloudWatch custom metrics from log filters",
        n.customMetrics,
        P.customMetric,
        "aws:cloudwatch/logMetricFilter:LogMetricFilter",
      ),
    );
  if (n.conditions > 0) {
    lines.push(
      priceLine(
        "Cloud Monitoring alerting conditions",
        n.conditions,
        P.gcpCondition,
        "gcp:monitoring/alertPolicy:AlertPolicy",
      ),
    );
    const seriesPerMinute = 2 + 2 + 1; // two ratio conditions, one p99
    lines.push(
      priceLine(
        "Cloud Monitoring time series returned (1/min per series)",
        (seriesPerMinute * SECONDS_PER_MONTH) / 60 / 1e6,
        P.gcpTimeSeries,
        "gcp:monitoring/alertPolicy:AlertPolicy",
      ),
    );
  }
  return lines;
}
