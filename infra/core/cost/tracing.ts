/**
 * What `tracingPlatform` costs (infra/core/tracing-platform.ts): the platform's trace store per request, and on Cloud
 * Run the collector sidecar's share of billed instance time. Pure: no Pulumi. Off (the default): no line at all.
 *
 * Assumptions: the server makes one span, hence one trace, per MCP request (server/telemetry/mcp-span.ts, one SERVER
 * span; a client's `_meta` trace context makes it a child, still one span recorded by us), and every request is
 * recorded (no sampling). The free allowances apply only with `usage.freeTier` (off by default, like the model's other
 * free tiers, since an account's other workloads may use them up).
 */
import type { McpTarget } from "../contract.js";
import { CLOUD_RUN_COLLECTOR_LIMITS } from "../tracing-platform.js";
import type { Price } from "./prices.js";

/** Spans (and traces) the server records per MCP request. */
export const SPANS_PER_REQUEST = 1;

/** Trace-store prices, the same in every region the model prices. */
export const TRACING_PRICES = {
  /** X-Ray: traces recorded, after the always-free 100,000 a month. */
  xrayTraces: {
    value: 5,
    unit: "1M traces recorded",
    source:
      "aws.amazon.com/xray/pricing (stored de, cn and vi copies: first 100,000 traces recorded a month free, then $5.00 per million, $0.000005 a trace); awsnegotiations.com X-Ray pricing (us-east-1 $5.00/M)",
    checked: "2026-11-22",
    confidence: "verified",
  },
  /** Cloud Trace: spans ingested, after 2.5 million a month per billing account. */
  cloudTraceSpans: {
    value: 0.2,
    unit: "1M spans ingested",
    source:
      "cloud.google.com/stackdriver/pricing (Cloud Trace pricing summary: $0.20 per million spans, first 2.5 million spans a month per billing account; the stored copy cut off before the Trace table, so not re-read)",
    checked: "2026-11-22",
    confidence: "single-source",
  },
} as const satisfies Record<string, Price>;

/** Free allowances a month (applied with `usage.freeTier`). */
export const TRACING_FREE = {
  /** aws.amazon.com/xray/pricing: "The first 100,000 traces recorded each month are free." */
  xrayTraces: 100_000,
  /** cloud.google.com/stackdriver/pricing: first 2.5 million spans per billing account. */
  cloudTraceSpans: 2_500_000,
} as const;

/** A line the model can add (the model's own `line` shape, see ./model.ts CostLine). */
interface TraceLine {
  item: string;
  quantity: number;
  price: Price;
  resource: string;
}

/**
 * The trace store's line for `target` with `tracingPlatform` on: X-Ray traces on fargate and ec2, Cloud Trace spans on
 * cloudrun; none elsewhere (lambda and dockerhost refuse the key) or when off.
 * @param requestsPerMonth - MCP requests a month (≥ 0).
 * @param freeTier - subtract the platform's free allowance.
 */
export function tracingStoreLines(
  target: McpTarget | "agentcore",
  on: boolean | undefined,
  requestsPerMonth: number,
  freeTier: boolean,
): TraceLine[] {
  if (on !== true) return [];
  const spans = requestsPerMonth * SPANS_PER_REQUEST;
  if (target === "fargate" || target === "ec2")
    return [
      {
        item: "X-Ray traces recorded (tracingPlatform, 1 per request)",
        quantity: Math.max(0, spans - (freeTier ? TRACING_FREE.xrayTraces : 0)) / 1e6,
        price: TRACING_PRICES.xrayTraces,
        resource: "aws:ecs/taskDefinition:TaskDefinition",
      },
    ];
  if (target === "cloudrun")
    return [
      {
        item: "Cloud Trace spans ingested (tracingPlatform, 1 per request)",
        quantity: Math.max(0, spans - (freeTier ? TRACING_FREE.cloudTraceSpans : 0)) / 1e6,
        price: TRACING_PRICES.cloudTraceSpans,
        resource: "gcp:cloudrunv2/service:Service",
      },
    ];
  return [];
}

/**
 * The Cloud Run collector sidecar's instance time: its vCPU and GiB for the same billed instance-seconds as our
 * container (request-based billing bills every container's limits while the instance serves; the free tier is taken
 * by our container's lines first, so none here).
 */
export function cloudRunCollectorLines(instanceSeconds: number, vcpuSecond: Price, gibSecond: Price): TraceLine[] {
  const { cpu, memoryMiB } = CLOUD_RUN_COLLECTOR_LIMITS;
  const resource = "gcp:cloudrunv2/service:Service";
  return [
    {
      item: `Cloud Run vCPU, collector sidecar (${cpu} vCPU, tracingPlatform)`,
      quantity: instanceSeconds * cpu,
      price: vcpuSecond,
      resource,
    },
    {
      item: `Cloud Run memory, collector sidecar (${memoryMiB} MiB, tracingPlatform)`,
      quantity: (instanceSeconds * memoryMiB) / 1024,
      price: gibSecond,
      resource,
    },
  ];
}
