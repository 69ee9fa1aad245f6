/** Shared lookups for the guardrail tests: alarms by role, their metrics, and the cost lines. */
import type { RecordedResource } from "../helpers/pulumi-mocks.js";
import type { StackRun } from "../helpers/run-stack.js";

export const T = {
  budget: "aws:budgets/budget:Budget",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  topic: "aws:sns/topic:Topic",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
  filter: "aws:cloudwatch/logMetricFilter:LogMetricFilter",
  gcpBudget: "gcp:billing/budget:Budget",
  channel: "gcp:monitoring/notificationChannel:NotificationChannel",
  policy: "gcp:monitoring/alertPolicy:AlertPolicy",
} as const;

export const EMAIL = "ops@example.com";

type Q = {
  id: string;
  expression?: string;
  metric?: { namespace: string; metricName: string; dimensions: Record<string, string>; stat: string };
};

/** The alarm whose name ends with `-<role>` (5xx-rate, 429-rate, latency-p99). */
export function alarm(run: StackRun, role: string): RecordedResource {
  const found = run.mocks.ofType(T.alarm).filter((r) => r.name.endsWith(`-${role}`));
  if (found.length !== 1) throw new Error(`expected one ${role} alarm, found ${found.length}`);
  return found[0] as RecordedResource;
}

/** "namespace/metricName" of each metric in a metric-math alarm, by query id (n0.., d0..). */
export function queries(r: RecordedResource): Record<string, string> {
  const qs = (r.inputs.metricQueries as Q[] | undefined) ?? [];
  return Object.fromEntries(
    qs.filter((q) => q.metric).map((q) => [q.id, `${q.metric?.namespace}/${q.metric?.metricName}`]),
  );
}

/** Dimensions of each metric query. */
export function dimensions(r: RecordedResource): Record<string, Record<string, string>> {
  const qs = (r.inputs.metricQueries as Q[] | undefined) ?? [];
  return Object.fromEntries(qs.filter((q) => q.metric).map((q) => [q.id, q.metric?.dimensions ?? {}]));
}

/** Alarm metrics the stack is billed for: the metrics in every alarm. */
export function billedAlarmMetrics(run: StackRun): number {
  return run.mocks
    .ofType(T.alarm)
    .reduce((n, a) => n + (a.inputs.metricQueries ? queries(a) && Object.keys(queries(a)).length : 1), 0);
}

/** The cost line whose item starts with `prefix`. */
export function costLine(run: StackRun, prefix: string) {
  return run.outputs.costBreakdown.find((l) => l.item.startsWith(prefix));
}
