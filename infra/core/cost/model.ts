/**
 * The cost model: what one month of a usage profile costs on each target, line by line, for the resources that
 * target's component really creates. One implementation, used by `npm run cost`, the stack outputs and the
 * `estimate_cost` MCP tool. Pure: no Pulumi, no I/O.
 *
 * Units: requests/month, ms, KB (1024 B), GB and GiB (2^30 B), hours (730 a month), USD/month. A line whose price is
 * not found has `unitPriceUsd: null` and `monthlyUsd: null` (unknown, never $0); the target's `monthlyUsd` is then the
 * sum of the priced lines, a lower bound, with `complete: false` and the line named in `unpricedItems`. An incomplete
 * total is never called cheapest nor used for a crossover (crossover.ts).
 */

import type { McpTarget } from "../contract.js";
import { COST_ASSUMPTIONS, DEPLOY_DEFAULTS, USAGE_DEFAULTS } from "../defaults.js";
import { compareFlatRate, type FlatRateComparison } from "./cloudfront-plans.js";
import { type GuardrailPlan, guardrailLines } from "./guardrails.js";
import {
  ARTIFACT_REGISTRY_FREE_GB,
  AWS_PRICES,
  type AwsRegion,
  CLOUD_LOGGING_INCLUDED_RETENTION_DAYS,
  type Confidence,
  FREE_TIERS,
  GCP_PRICES,
  type GcpRegion,
  HOURS_PER_MONTH,
  type Price,
} from "./prices.js";
import { cloudRunCollectorLines, tracingStoreLines } from "./tracing.js";

export interface UsageProfile {
  requestsPerMonth: number;
  /** ms */
  avgDurationMs: number;
  /** KB per response */
  avgResponseKb: number;
  /** Peak requests/s ÷ average requests/s. */
  peakToAverage: number;
  logBytesPerRequest: number;
  freeTier: boolean;
}

export interface CostLine {
  item: string;
  quantity: number;
  unit: string;
  /** null when the price is not found. */
  unitPriceUsd: number | null;
  /** quantity × unit price; null when the price is not found and the quantity is not 0 (unknown, not $0). */
  monthlyUsd: number | null;
  source: string;
  confidence: Confidence;
  /** The Pulumi type token of the resource this line bills. */
  resource: string;
}

/** A deploy target, or a reference service priced for comparison only (never called cheapest). */
export type CostTarget = McpTarget | "agentcore";

export interface TargetCost<T extends CostTarget = McpTarget> {
  target: T;
  /** Column heading: the target, or the reference and its pattern (e.g. "agentcore (session per call)"). */
  label: string;
  region: string;
  /** The sizing priced, in words (e.g. "2-6 tasks of 0.25 vCPU, 1024 MiB, public subnets"). */
  sizing: string;
  /** Sum of the priced lines, USD/month; a lower bound when `complete` is false. */
  monthlyUsd: number;
  /** False when a line with a non-zero quantity has no price. */
  complete: boolean;
  /** Items of the lines with no price (non-zero quantity). */
  unpricedItems: string[];
  /** The same sizing at 0 requests/month: the floor for leaving it deployed, USD/month (a lower bound if `idleComplete` is false). */
  idleMonthlyUsd: number;
  idleComplete: boolean;
  /** True for a reference column (not a deploy target). */
  reference: boolean;
  lines: CostLine[];
  /** Assumptions and capacity remarks worth showing (and, when incomplete, which lines have no price). */
  notes: string[];
  /** Fargate only: pay-as-you-go CloudFront and WAF against the cheapest fitting flat-rate plan. */
  cloudFrontPlan?: FlatRateComparison;
}

export interface PricingOptions {
  region: AwsRegion;
  /** @default the mapped GCP region */
  gcpRegion?: GcpRegion;
  usage?: Partial<UsageProfile>;
  /** Days; for log storage. @default 30 */
  logRetentionDays?: number;
  /** Number of API keys (SSM parameters, edge keys, secrets). @default 1 */
  keyCount?: number;
  /** Tools with their own edge limit (`toolRateLimits`): one more WAF rule or Cloud Armor rule each. @default 0 */
  toolLimitCount?: number;
  /** The stack's budget and alarms (./guardrails.ts); their lines are added to every target. @default none */
  guardrails?: GuardrailPlan;
  /** `tracingPlatform`: the trace store per request and, on Cloud Run, the collector sidecar (./tracing.ts). @default false */
  tracingPlatform?: boolean;
}

export interface LambdaSizing {
  memoryMiB?: number;
}
export interface FargateSizing {
  /** vCPU per task */
  cpu?: number;
  memoryMiB?: number;
  minTasks?: number;
  maxTasks?: number;
  privateSubnets?: boolean;
  /** GB stored on the EFS workspace (config `fargateEfs`); 0: no file system. @default 0 */
  efsGb?: number;
}
export interface CloudRunSizing {
  /** vCPU per instance */
  cpu?: number;
  memoryMiB?: number;
  concurrency?: number;
  maxInstances?: number;
  edge?: "none" | "loadbalancer";
}
export interface Ec2Sizing {
  instanceType?: string;
}
/** What the dockerhost target runs on the user's own machine; the machine itself is never priced. */
export interface DockerhostSizing {
  /** none | local (Loki on the host: its disk is priced) | remote (the user's Loki: not priced). @default "none" */
  logging?: "none" | "local" | "remote";
  /** ssm (SSM parameters: priced) | config (a Pulumi secret: no cloud part). @default "ssm" */
  keySource?: "ssm" | "config";
}

const MB = 1024 * 1024;
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
const A = COST_ASSUMPTIONS;

/** One priced line: quantity × the price's value, carrying its unit, source, date and confidence. */
export function line(item: string, quantity: number, price: Price, resource: string): CostLine {
  return {
    item,
    quantity,
    unit: price.unit,
    unitPriceUsd: price.value,
    monthlyUsd: quantity === 0 ? 0 : price.value === null ? null : quantity * price.value,
    source: `${price.source} (checked ${price.checked})`,
    confidence: price.confidence,
    resource,
  };
}

/**
 * A price that applies up to `cap` units a month (the first tier PRICING.md gives), and a line with no price for the
 * rest: tiers past the first were not found, and are not assumed.
 */
function tiered(
  item: string,
  quantity: number,
  price: Price,
  cap: number,
  capLabel: string,
  resource: string,
): CostLine[] {
  const first = line(item, Math.min(quantity, cap), price, resource);
  if (quantity <= cap) return [first];
  return [
    first,
    line(
      `${item} past ${capLabel}`,
      quantity - cap,
      { ...price, value: null, source: `no price past ${capLabel} in PRICING.md`, confidence: "not-found" },
      resource,
    ),
  ];
}

/** A target's lines and notes before totals: what each target function builds. */
export interface Draft<T extends CostTarget> {
  target: T;
  label?: string;
  region: string;
  sizing: string;
  lines: CostLine[];
  notes: string[];
  reference?: boolean;
  cloudFrontPlan?: FlatRateComparison;
}

const sum = (lines: CostLine[]) => lines.reduce((s, l) => s + (l.monthlyUsd ?? 0), 0);
const missing = (lines: CostLine[]) => lines.filter((l) => l.monthlyUsd === null).map((l) => l.item);

/** Totals, completeness and the idle floor (the same draft function at 0 requests). */
function finish<T extends CostTarget>(draft: Draft<T>, idle: Draft<T>): TargetCost<T> {
  const unpricedItems = missing(draft.lines);
  const monthlyUsd = sum(draft.lines);
  const notes = [...draft.notes];
  if (unpricedItems.length > 0)
    notes.push(
      `incomplete: no price for ${unpricedItems.join(", ")}; $${monthlyUsd.toFixed(2)} is a lower bound, never ranked`,
    );
  const out: TargetCost<T> = {
    target: draft.target,
    label: draft.label ?? draft.target,
    region: draft.region,
    sizing: draft.sizing,
    monthlyUsd,
    complete: unpricedItems.length === 0,
    unpricedItems,
    idleMonthlyUsd: sum(idle.lines),
    idleComplete: missing(idle.lines).length === 0,
    reference: draft.reference ?? false,
    lines: draft.lines,
    notes,
  };
  if (draft.cloudFrontPlan) out.cloudFrontPlan = draft.cloudFrontPlan;
  return out;
}

/** The options at 0 requests/month, the rest of the profile unchanged. */
export function atZeroRequests(o: PricingOptions): PricingOptions {
  return { ...o, usage: { ...o.usage, requestsPerMonth: 0 } };
}

/** Wraps a draft builder so its result carries totals and the idle floor. */
export function priced<S, T extends CostTarget>(
  build: (sizing: S, o: PricingOptions) => Draft<T>,
): (sizing: S, o: PricingOptions) => TargetCost<T> {
  const withGuardrails = (d: Draft<T>, o: PricingOptions): Draft<T> => {
    const u = usageProfile(o.usage);
    const traces = tracingStoreLines(d.target, o.tracingPlatform, u.requestsPerMonth, u.freeTier).map((t) =>
      line(t.item, t.quantity, t.price, t.resource),
    );
    const guard = o.guardrails === undefined ? [] : guardrailLines(d.target, o.guardrails);
    return guard.length + traces.length === 0 ? d : { ...d, lines: [...d.lines, ...guard, ...traces] };
  };
  return (sizing, o) =>
    finish(withGuardrails(build(sizing, o), o), withGuardrails(build(sizing, atZeroRequests(o)), atZeroRequests(o)));
}

/** The profile with defaults applied. @throws {RangeError} naming the field when a value is out of range. */
export function usageProfile(u: Partial<UsageProfile> = {}): UsageProfile {
  const v: UsageProfile = { ...USAGE_DEFAULTS, ...u };
  const check = (k: keyof UsageProfile, ok: boolean, allowed: string) => {
    if (!ok) throw new RangeError(`usage.${k}=${JSON.stringify(v[k])} is invalid; allowed: ${allowed}`);
  };
  check("requestsPerMonth", Number.isFinite(v.requestsPerMonth) && v.requestsPerMonth >= 0, "a number >= 0");
  check("avgDurationMs", Number.isFinite(v.avgDurationMs) && v.avgDurationMs > 0, "a number > 0 (ms)");
  check("avgResponseKb", Number.isFinite(v.avgResponseKb) && v.avgResponseKb >= 0, "a number >= 0 (KB)");
  check("peakToAverage", Number.isFinite(v.peakToAverage) && v.peakToAverage >= 1, "a number >= 1");
  check(
    "logBytesPerRequest",
    Number.isFinite(v.logBytesPerRequest) && v.logBytesPerRequest >= 0,
    "a number >= 0 (bytes)",
  );
  return v;
}

/** The key parameters' line: one SSM standard parameter per key (`keyCount`, default 1), every target alike. */
function ssmKeyLine(o: PricingOptions, prices: (typeof AWS_PRICES)[keyof typeof AWS_PRICES]): CostLine {
  return line(
    "SSM key parameters (standard tier)",
    o.keyCount ?? 1,
    prices.ssmStandardParameter,
    "aws:ssm/parameter:Parameter",
  );
}

/** Shared AWS lines: logs (ingestion and storage), registry storage and, unless `keys` is false, key parameters. */
export function awsCommon(
  prices: (typeof AWS_PRICES)[AwsRegion],
  u: UsageProfile,
  o: PricingOptions,
  keys = true,
): CostLine[] {
  const logGb = (u.requestsPerMonth * u.logBytesPerRequest) / (1024 * MB);
  const retention = o.logRetentionDays ?? DEPLOY_DEFAULTS.logRetentionDays;
  const lines = [
    line("CloudWatch Logs ingestion", logGb, prices.logsIngestion, "aws:cloudwatch/logGroup:LogGroup"),
    line(
      "CloudWatch Logs storage (steady state)",
      (logGb * retention) / 30,
      prices.logsStorage,
      "aws:cloudwatch/logGroup:LogGroup",
    ),
    line("ECR image storage", A.imageSizeGb, prices.ecrStorage, "aws:ecr/repository:Repository"),
  ];
  if (keys) lines.push(ssmKeyLine(o, prices));
  return lines;
}

/** GB of responses a month (KB = 1024 B, GB = 2^30 B). */
export const responseGb = (u: UsageProfile) => (u.requestsPerMonth * u.avgResponseKb) / MB;
const avgRps = (u: UsageProfile) => u.requestsPerMonth / SECONDS_PER_MONTH;
/** AWS "first 10 TB" tiers, in the model's GB. */
const TEN_TB_GB = 10 * 1024;

/** AWS data transfer out to the internet at the first-10-TB price; past 10 TB, an unpriced line. */
export function awsDataTransferOut(item: string, gb: number, price: Price, resource: string): CostLine[] {
  return tiered(item, gb, price, TEN_TB_GB, "10 TB", resource);
}

/** Lambda (arm64) behind API Gateway REST, as components/lambda-mcp-service.ts builds it. */
export const lambdaCost = priced((sizing: LambdaSizing, o: PricingOptions): Draft<"lambda"> => {
  const u = usageProfile(o.usage);
  const prices = AWS_PRICES[o.region];
  const memMiB = sizing.memoryMiB ?? DEPLOY_DEFAULTS.memoryMiB;
  const memGb = memMiB / 1024;
  const R = u.requestsPerMonth;
  const gbSeconds = R * (u.avgDurationMs / 1000) * memGb + R * A.lambdaColdStartRate * (A.lambdaInitMs / 1000) * memGb;
  const free = u.freeTier;
  const lines = [
    line(
      "Lambda requests",
      Math.max(0, R - (free ? FREE_TIERS.lambdaRequests.value : 0)) / 1e6,
      prices.lambdaRequests,
      "aws:lambda/function:Function",
    ),
    line(
      "Lambda duration incl. cold-start INIT",
      Math.max(0, gbSeconds - (free ? FREE_TIERS.lambdaGbSeconds.value : 0)),
      prices.lambdaArmGbSecond,
      "aws:lambda/function:Function",
    ),
    line(
      "API Gateway REST requests (first 333M)",
      Math.min(R, 333e6) / 1e6,
      prices.restApiRequests,
      "aws:apigateway/restApi:RestApi",
    ),
  ];
  if (R > 333e6)
    lines.push(
      line(
        "API Gateway REST requests (333M to 1B)",
        (Math.min(R, 1e9) - 333e6) / 1e6,
        prices.restApiRequestsTier2,
        "aws:apigateway/restApi:RestApi",
      ),
    );
  if (R > 1e9)
    lines.push(
      line(
        "API Gateway REST requests (1B to 20B)",
        (Math.min(R, 20e9) - 1e9) / 1e6,
        prices.restApiRequestsTier3,
        "aws:apigateway/restApi:RestApi",
      ),
    );
  lines.push(
    ...awsDataTransferOut(
      "Data transfer out (API Gateway)",
      responseGb(u),
      prices.dataTransferOut,
      "aws:apigateway/restApi:RestApi",
    ),
  );
  const notes = [`cold starts: ${A.lambdaColdStartRate * 100}% of requests, ${A.lambdaInitMs} ms INIT each`];
  return {
    target: "lambda",
    region: o.region,
    sizing: `arm64, ${memMiB} MiB, API Gateway REST`,
    lines: [...lines, ...awsCommon(prices, u, o)],
    notes,
  };
});

/** Tasks needed at peak, in whole steps: ceil(peak req/s × duration ÷ (vCPU × concurrency per vCPU)). */
export function stepsNeeded(u: UsageProfile, vcpu: number): number {
  const peakConcurrent = avgRps(u) * u.peakToAverage * (u.avgDurationMs / 1000);
  return Math.max(1, Math.ceil(peakConcurrent / (vcpu * A.concurrencyPerVcpu)));
}

/**
 * ECS Fargate (arm64) behind an ALB, CloudFront and WAF, as components/fargate-mcp-service.ts builds it. CloudFront
 * and WAF are priced pay-as-you-go (what the stack deploys); `cloudFrontPlan` compares the cheapest fitting flat-rate
 * plan (cloudfront-plans.ts). The CloudFront always-free allowance (1 TB, 10M requests) applies with `freeTier`.
 */
export const fargateCost = priced((sizing: FargateSizing, o: PricingOptions): Draft<"fargate"> => {
  const u = usageProfile(o.usage);
  const prices = AWS_PRICES[o.region];
  const f = DEPLOY_DEFAULTS.fargate;
  const cpu = sizing.cpu ?? f.cpu;
  const memMiB = sizing.memoryMiB ?? DEPLOY_DEFAULTS.memoryMiB;
  const memGb = memMiB / 1024;
  const minTasks = sizing.minTasks ?? f.minTasks;
  const maxTasks = sizing.maxTasks ?? f.maxTasks;
  const needed = stepsNeeded(u, cpu);
  const tasks = Math.min(maxTasks, Math.max(minTasks, needed));
  const notes = [
    `${tasks} task(s) of ${cpu} vCPU: ${A.concurrencyPerVcpu} requests at once per vCPU at ${u.peakToAverage}x peak`,
  ];
  if (needed > maxTasks)
    notes.push(`peak needs ${needed} tasks but maxTasks is ${maxTasks}: requests queue or fail beyond it`);
  const H = HOURS_PER_MONTH;
  const rps = avgRps(u);
  const processedGbPerHour = (rps * 3600 * (A.requestKb + u.avgResponseKb)) / MB;
  const lcu = Math.max(processedGbPerHour, rps / 1000);
  const privateSubnets = sizing.privateSubnets ?? false;
  const R = u.requestsPerMonth;
  const free = u.freeTier;
  const gbOut = responseGb(u);
  const CF = "aws:cloudfront/distribution:Distribution";
  const lines = [
    line("Fargate vCPU (ARM)", tasks * cpu * H, prices.fargateArmVcpuHour, "aws:ecs/service:Service"),
    line("Fargate memory (ARM)", tasks * memGb * H, prices.fargateArmGbHour, "aws:ecs/service:Service"),
    line("ALB hours", H, prices.albHour, "aws:lb/loadBalancer:LoadBalancer"),
    line("ALB LCUs (processed bytes)", lcu * H, prices.albLcuHour, "aws:lb/loadBalancer:LoadBalancer"),
    line("Public IPv4 (ALB, 2 AZs)", 2 * H, prices.publicIpv4Hour, "aws:lb/loadBalancer:LoadBalancer"),
    line("WAF web ACL", 1, prices.wafWebAcl, "aws:wafv2/webAcl:WebAcl"),
    line(
      "WAF rules (per key, per IP, common rule set, one per limited tool)",
      3 + (o.toolLimitCount ?? 0),
      prices.wafRule,
      "aws:wafv2/webAcl:WebAcl",
    ),
    line("WAF requests", R / 1e6, prices.wafRequests, "aws:wafv2/webAcl:WebAcl"),
    line(
      "CloudFront HTTPS requests",
      Math.max(0, R - (free ? FREE_TIERS.cloudFrontRequests.value : 0)) / 1e4,
      prices.cloudFrontRequests,
      CF,
    ),
    ...tiered(
      "CloudFront data transfer out",
      Math.max(0, gbOut - (free ? FREE_TIERS.cloudFrontGb.value : 0)),
      prices.cloudFrontTransfer,
      TEN_TB_GB,
      "10 TB",
      CF,
    ),
  ];
  const efsGb = sizing.efsGb ?? 0;
  if (efsGb > 0) {
    lines.push(
      line(`EFS workspace storage (assumed ${efsGb} GB)`, efsGb, prices.efsStandard, "aws:efs/fileSystem:FileSystem"),
    );
    notes.push(
      `EFS workspace: ${efsGb} GB assumed (COST_ASSUMPTIONS.efsWorkspaceGb); bursting throughput, so storage is the only charge`,
    );
  }
  if (privateSubnets) {
    const logGb = (R * u.logBytesPerRequest) / (1024 * MB);
    lines.push(
      line("NAT gateway hours", H, prices.natHour, "aws:ec2/natGateway:NatGateway"),
      line(
        "NAT data processed (logs and pulls)",
        logGb + A.imageSizeGb * tasks,
        prices.natGb,
        "aws:ec2/natGateway:NatGateway",
      ),
      line("Public IPv4 (NAT Elastic IP)", H, prices.publicIpv4Hour, "aws:ec2/eip:Eip"),
    );
  } else {
    lines.push(line("Public IPv4 (tasks)", tasks * H, prices.publicIpv4Hour, "aws:ecs/service:Service"));
  }
  const all = [...lines, ...awsCommon(prices, u, o)];
  const cloudFrontPlan = compareFlatRate(all, R, gbOut);
  notes.push(cloudFrontPlan.summary);
  return {
    target: "fargate",
    region: o.region,
    sizing: `${minTasks}-${maxTasks} tasks of ${cpu} vCPU, ${memMiB} MiB, ${privateSubnets ? "private subnets + NAT" : "public subnets"}, CloudFront pay-as-you-go`,
    lines: all,
    notes,
    cloudFrontPlan,
  };
});

/**
 * Cloud Run v2 with request-based billing, and the optional LB edge, as components/cloudrun-mcp-service.ts builds it.
 * Internet egress is Premium tier (first TiB priced; an Asia source has no price). Cloud Logging: the app's lines, and
 * with the LB edge its request logs sampled at DEPLOY_DEFAULTS.cloudrun.edgeLogSampleRate (about 1.5 KB an entry,
 * components/cloudrun/load-balancer-edge.ts); the free 50 GiB per project applies with `freeTier`. Logs stay in the
 * _Default bucket (30 days, included); the retention line is priced for anything kept longer.
 */
export const cloudRunCost = priced((sizing: CloudRunSizing, o: PricingOptions): Draft<"cloudrun"> => {
  const u = usageProfile(o.usage);
  const region = o.gcpRegion ?? (o.region === "us-east-1" ? "us-central1" : "asia-northeast1");
  const prices = GCP_PRICES[region];
  const d = DEPLOY_DEFAULTS.cloudrun;
  const cpu = sizing.cpu ?? d.cpu;
  const memMiB = sizing.memoryMiB ?? DEPLOY_DEFAULTS.memoryMiB;
  const memGib = memMiB / 1024;
  const concurrency = sizing.concurrency ?? d.concurrency;
  const edge = sizing.edge ?? "none";
  const R = u.requestsPerMonth;
  const durS = u.avgDurationMs / 1000;
  // Request-based billing charges instance time while at least one request runs. Overlapping requests share an
  // instance up to `concurrency`; below one request at a time on average, requests are assumed not to overlap.
  const sharing = Math.max(1, Math.min(concurrency, avgRps(u) * durS));
  const instanceSeconds = (R * durS) / sharing;
  const free = u.freeTier;
  const egressFree = free && region === "us-central1" ? FREE_TIERS.runEgressGibNorthAmerica.value : 0;
  const appLogGib = (R * u.logBytesPerRequest) / (1024 * MB);
  const edgeLogGib = edge === "loadbalancer" ? (R * d.edgeLogSampleRate * EDGE_LOG_ENTRY_KB) / MB : 0;
  const logGib = appLogGib + edgeLogGib;
  const SVC = "gcp:cloudrunv2/service:Service";
  const lines = [
    line(
      "Cloud Run vCPU (request-based)",
      Math.max(0, instanceSeconds * cpu - (free ? FREE_TIERS.runVcpuSeconds.value : 0)),
      prices.runVcpuSecond,
      SVC,
    ),
    line(
      "Cloud Run memory (request-based)",
      Math.max(0, instanceSeconds * memGib - (free ? FREE_TIERS.runGibSeconds.value : 0)),
      prices.runGibSecond,
      SVC,
    ),
    // tracingPlatform: the collector sidecar's limits are billed for the same instance time (./tracing.ts).
    ...(o.tracingPlatform === true
      ? cloudRunCollectorLines(instanceSeconds, prices.runVcpuSecond, prices.runGibSecond).map((t) =>
          line(t.item, t.quantity, t.price, t.resource),
        )
      : []),
    line(
      "Cloud Run requests",
      Math.max(0, R - (free ? FREE_TIERS.runRequests.value : 0)) / 1e6,
      prices.runRequests,
      SVC,
    ),
    ...tiered(
      "Internet egress (Premium tier)",
      Math.max(0, responseGb(u) - egressFree),
      prices.egress,
      1024,
      "the first TiB",
      SVC,
    ),
    line(
      edge === "loadbalancer" ? "Cloud Logging ingestion (app and sampled LB logs)" : "Cloud Logging ingestion",
      Math.max(0, logGib - (free ? FREE_TIERS.loggingGib.value : 0)),
      prices.logging,
      SVC,
    ),
    line(
      "Cloud Logging retention past 30 days",
      (logGib * Math.max(0, CLOUD_RUN_LOG_RETENTION_DAYS - CLOUD_LOGGING_INCLUDED_RETENTION_DAYS)) / 30,
      prices.loggingRetention,
      SVC,
    ),
    line(
      "Secret Manager versions (mirrored keys)",
      o.keyCount ?? 1,
      prices.secretVersion,
      "gcp:secretmanager/secretVersion:SecretVersion",
    ),
    line(
      "Artifact Registry storage over the free 0.5 GB",
      Math.max(0, A.imageSizeGb - ARTIFACT_REGISTRY_FREE_GB),
      prices.artifactStorage,
      "gcp:artifactregistry/repository:Repository",
    ),
    line(
      "SSM key parameters (AWS, standard tier)",
      o.keyCount ?? 1,
      AWS_PRICES[o.region].ssmStandardParameter,
      "aws:ssm/parameter:Parameter",
    ),
  ];
  if (edge === "loadbalancer") {
    lines.push(
      line(
        "Load balancer forwarding rule",
        HOURS_PER_MONTH,
        prices.forwardingRuleHour,
        "gcp:compute/globalForwardingRule:GlobalForwardingRule",
      ),
      line(
        "Load balancer data processed",
        (R * (A.requestKb + u.avgResponseKb)) / MB,
        prices.lbDataGib,
        "gcp:compute/globalForwardingRule:GlobalForwardingRule",
      ),
      line("Cloud Armor policy", 1, prices.armorPolicy, "gcp:compute/securityPolicy:SecurityPolicy"),
      line(
        "Cloud Armor rules (no key, per IP, one per limited tool)",
        2 + (o.toolLimitCount ?? 0),
        prices.armorRule,
        "gcp:compute/securityPolicy:SecurityPolicy",
      ),
      line("Cloud Armor requests", R / 1e6, prices.armorRequests, "gcp:compute/securityPolicy:SecurityPolicy"),
    );
  }
  const notes = [`instance time shared by up to ${concurrency} concurrent requests; min instances 0 (no idle charge)`];
  return {
    target: "cloudrun",
    region,
    sizing: `${cpu} vCPU, ${memMiB} MiB, concurrency ${concurrency}, edge ${edge}`,
    lines,
    notes,
  };
});

/** Bytes of one load-balancer request-log entry, KB (components/cloudrun/load-balancer-edge.ts: "~1.5 KB per entry"). */
const EDGE_LOG_ENTRY_KB = 1.5;
/** Cloud Run's logs go to the _Default bucket, which keeps them 30 days (the component sets no other bucket). */
const CLOUD_RUN_LOG_RETENTION_DAYS = 30;

const T4G_PRICE = { "t4g.nano": "t4gNanoHour", "t4g.micro": "t4gMicroHour", "t4g.small": "t4gSmallHour" } as const;
/** vCPUs of the priced types (all t4g sizes up to large have 2). */
const T4G_VCPU = 2;

/** One EC2 Graviton host with Docker and nginx, as components/ec2-docker-mcp-service.ts builds it. */
export const ec2Cost = priced((sizing: Ec2Sizing, o: PricingOptions): Draft<"ec2"> => {
  const u = usageProfile(o.usage);
  const prices = AWS_PRICES[o.region];
  const type = sizing.instanceType ?? DEPLOY_DEFAULTS.ec2.instanceType;
  const key = T4G_PRICE[type as keyof typeof T4G_PRICE];
  const instancePrice: Price = key
    ? prices[key]
    : {
        value: null,
        unit: `instance-hour (${type})`,
        source: `no price for ${type} in the table; priced: ${Object.keys(T4G_PRICE).join(", ")}`,
        checked: "2026-09",
        confidence: "not-found",
      };
  const needed = stepsNeeded(u, T4G_VCPU);
  const notes = [`${A.concurrencyPerVcpu} requests at once per vCPU at ${u.peakToAverage}x peak`];
  if (needed > 1)
    notes.push(
      `peak needs ${needed} ${type} hosts; the ec2 component runs one, so this prices ${needed} as if scaled out`,
    );
  const H = HOURS_PER_MONTH;
  const lines = [
    line(`EC2 ${type}`, needed * H, instancePrice, "aws:ec2/instance:Instance"),
    line("EBS gp3 root volume", needed * DEPLOY_DEFAULTS.ec2.rootVolumeGiB, prices.ebsGp3, "aws:ec2/instance:Instance"),
    line("Public IPv4 (Elastic IP)", needed * H, prices.publicIpv4Hour, "aws:ec2/eip:Eip"),
    ...awsDataTransferOut("Data transfer out", responseGb(u), prices.dataTransferOut, "aws:ec2/instance:Instance"),
  ];
  return {
    target: "ec2",
    region: o.region,
    sizing: `one ${type}, ${DEPLOY_DEFAULTS.ec2.rootVolumeGiB} GB gp3`,
    lines: [...lines, ...awsCommon(prices, u, o)],
    notes,
  };
});

/**
 * Any Docker host over SSH (components/dockerhost-mcp-service.ts). The machine, its power, its network and its data
 * transfer are the user's and are not priced; the lines are what the stack adds on top: the local Loki's disk
 * (`logging: local`: the month's log bytes kept for the retention, uncompressed, so an upper bound; priced at the
 * region's EBS gp3 GB-month as a stand-in for disk, since a host's own disk has no list price) and the SSM key
 * parameters (`keySource: ssm`; standard tier, https://aws.amazon.com/systems-manager/pricing/).
 */
export const dockerhostCost = priced((sizing: DockerhostSizing, o: PricingOptions): Draft<"dockerhost"> => {
  const u = usageProfile(o.usage);
  const prices = AWS_PRICES[o.region];
  const logging = sizing.logging ?? "none";
  const keySource = sizing.keySource ?? "ssm";
  const retention = o.logRetentionDays ?? DEPLOY_DEFAULTS.logRetentionDays;
  const logGb = (u.requestsPerMonth * u.logBytesPerRequest) / (1024 * MB);
  const lines: CostLine[] = [];
  if (logging === "local")
    lines.push(
      line(
        "Loki log storage on the host's disk (uncompressed upper bound; priced at EBS gp3 as a stand-in)",
        (logGb * retention) / 30,
        prices.ebsGp3,
        "command:remote:Command",
      ),
    );
  if (keySource === "ssm") lines.push(ssmKeyLine(o, prices));
  const notes = [
    "your own host is not priced: the machine, its power, its network and its data transfer",
    logging === "remote"
      ? "logs go to your own Loki (dockerhostLokiUrl), which is not priced"
      : logging === "none"
        ? "logs stay in Docker's local log driver on the host (rotated; not priced)"
        : `Loki keeps ${retention} days of logs on the host's disk`,
    keySource === "config"
      ? "keys are a Pulumi secret: nothing is created in a cloud"
      : "keys are read from SSM at deploy time only",
  ];
  return {
    target: "dockerhost",
    label: "dockerhost (own host not priced)",
    region: o.region,
    sizing: `your own Docker host, logging ${logging}, keys from ${keySource}`,
    lines,
    notes,
  };
});

/** The deploy targets with their default sizing (dockerhost last: it prices only what the stack adds to your host). */
export function estimateAll(o: PricingOptions): TargetCost[] {
  return [lambdaCost({}, o), fargateCost({}, o), cloudRunCost({}, o), ec2Cost({}, o), dockerhostCost({}, o)];
}

/** Lines whose price was not found and whose quantity is not 0: the total is a lower bound while any remain. */
export function unpriced(cost: TargetCost<CostTarget>): CostLine[] {
  return cost.lines.filter((l) => l.monthlyUsd === null);
}
