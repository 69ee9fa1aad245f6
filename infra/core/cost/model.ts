/**
 * The cost model: what one month of a usage profile costs on each target, line by line, for the resources that
 * target's component really creates. One implementation, used by `npm run cost`, the stack outputs and the
 * `estimate_cost` MCP tool. Pure: no Pulumi, no I/O.
 *
 * Units: requests/month, ms, KB (1024 B), GB and GiB (2^30 B), hours (730 a month), USD/month. A line whose price is
 * not found has `unitPriceUsd: null`, counts $0 in the total, and the result lists it in `unpriced`.
 */

import type { McpTarget } from "../contract.js";
import { COST_ASSUMPTIONS, DEPLOY_DEFAULTS, USAGE_DEFAULTS } from "../defaults.js";
import {
  ARTIFACT_REGISTRY_FREE_GB,
  AWS_PRICES,
  type AwsRegion,
  type Confidence,
  FREE_TIERS,
  GCP_PRICES,
  type GcpRegion,
  HOURS_PER_MONTH,
  type Price,
} from "./prices.js";

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
  /** null when the price is not found (then `monthlyUsd` is 0). */
  unitPriceUsd: number | null;
  monthlyUsd: number;
  source: string;
  confidence: Confidence;
  /** The Pulumi type token of the resource this line bills. */
  resource: string;
}

export interface TargetCost {
  target: McpTarget;
  region: string;
  /** Sum of the lines, USD/month. */
  monthlyUsd: number;
  lines: CostLine[];
  /** Assumptions and capacity remarks worth showing. */
  notes: string[];
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

const MB = 1024 * 1024;
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
const A = COST_ASSUMPTIONS;

function line(item: string, quantity: number, price: Price, resource: string): CostLine {
  return {
    item,
    quantity,
    unit: price.unit,
    unitPriceUsd: price.value,
    monthlyUsd: price.value === null ? 0 : quantity * price.value,
    source: `${price.source} (checked ${price.checked})`,
    confidence: price.confidence,
    resource,
  };
}

function result(target: McpTarget, region: string, lines: CostLine[], notes: string[]): TargetCost {
  return { target, region, monthlyUsd: lines.reduce((sum, l) => sum + l.monthlyUsd, 0), lines, notes };
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

/** Shared AWS lines: logs (ingestion and storage), registry storage, key parameters. */
function awsCommon(prices: (typeof AWS_PRICES)[AwsRegion], u: UsageProfile, o: PricingOptions): CostLine[] {
  const logGb = (u.requestsPerMonth * u.logBytesPerRequest) / (1024 * MB);
  const retention = o.logRetentionDays ?? DEPLOY_DEFAULTS.logRetentionDays;
  return [
    line("CloudWatch Logs ingestion", logGb, prices.logsIngestion, "aws:cloudwatch/logGroup:LogGroup"),
    line(
      "CloudWatch Logs storage (steady state)",
      (logGb * retention) / 30,
      prices.logsStorage,
      "aws:cloudwatch/logGroup:LogGroup",
    ),
    line("ECR image storage", A.imageSizeGb, prices.ecrStorage, "aws:ecr/repository:Repository"),
    line(
      "SSM key parameters (standard tier)",
      o.keyCount ?? 1,
      prices.ssmStandardParameter,
      "aws:ssm/parameter:Parameter",
    ),
  ];
}

const responseGb = (u: UsageProfile) => (u.requestsPerMonth * u.avgResponseKb) / MB;
const avgRps = (u: UsageProfile) => u.requestsPerMonth / SECONDS_PER_MONTH;

/** Lambda (arm64) behind API Gateway REST, as components/lambda-mcp-service.ts builds it. */
export function lambdaCost(sizing: LambdaSizing, o: PricingOptions): TargetCost {
  const u = usageProfile(o.usage);
  const prices = AWS_PRICES[o.region];
  const memGb = (sizing.memoryMiB ?? DEPLOY_DEFAULTS.memoryMiB) / 1024;
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
    line("Data transfer out (API Gateway)", responseGb(u), prices.dataTransferOut, "aws:apigateway/restApi:RestApi"),
  );
  const notes = [`cold starts: ${A.lambdaColdStartRate * 100}% of requests, ${A.lambdaInitMs} ms INIT each`];
  return result("lambda", o.region, [...lines, ...awsCommon(prices, u, o)], notes);
}

/** Tasks needed at peak, in whole steps: ceil(peak req/s × duration ÷ (vCPU × concurrency per vCPU)). */
export function stepsNeeded(u: UsageProfile, vcpu: number): number {
  const peakConcurrent = avgRps(u) * u.peakToAverage * (u.avgDurationMs / 1000);
  return Math.max(1, Math.ceil(peakConcurrent / (vcpu * A.concurrencyPerVcpu)));
}

/** ECS Fargate (arm64) behind an ALB, CloudFront and WAF, as components/fargate-mcp-service.ts builds it. */
export function fargateCost(sizing: FargateSizing, o: PricingOptions): TargetCost {
  const u = usageProfile(o.usage);
  const prices = AWS_PRICES[o.region];
  const f = DEPLOY_DEFAULTS.fargate;
  const cpu = sizing.cpu ?? f.cpu;
  const memGb = (sizing.memoryMiB ?? DEPLOY_DEFAULTS.memoryMiB) / 1024;
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
  const lines = [
    line("Fargate vCPU (ARM)", tasks * cpu * H, prices.fargateArmVcpuHour, "aws:ecs/service:Service"),
    line("Fargate memory (ARM)", tasks * memGb * H, prices.fargateArmGbHour, "aws:ecs/service:Service"),
    line("ALB hours", H, prices.albHour, "aws:lb/loadBalancer:LoadBalancer"),
    line("ALB LCUs (processed bytes)", lcu * H, prices.albLcuHour, "aws:lb/loadBalancer:LoadBalancer"),
    line("Public IPv4 (ALB, 2 AZs)", 2 * H, prices.publicIpv4Hour, "aws:lb/loadBalancer:LoadBalancer"),
    line("WAF web ACL", 1, prices.wafWebAcl, "aws:wafv2/webAcl:WebAcl"),
    line("WAF rules (per key, per IP, common rule set)", 3, prices.wafRule, "aws:wafv2/webAcl:WebAcl"),
    line("WAF requests", R / 1e6, prices.wafRequests, "aws:wafv2/webAcl:WebAcl"),
    line("CloudFront HTTPS requests", R / 1e4, prices.cloudFrontRequests, "aws:cloudfront/distribution:Distribution"),
    line(
      "CloudFront data transfer out",
      responseGb(u),
      prices.cloudFrontTransfer,
      "aws:cloudfront/distribution:Distribution",
    ),
  ];
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
  return result("fargate", o.region, [...lines, ...awsCommon(prices, u, o)], notes);
}

/** Cloud Run v2 with request-based billing, and the optional LB edge, as components/cloudrun-mcp-service.ts builds it. */
export function cloudRunCost(sizing: CloudRunSizing, o: PricingOptions): TargetCost {
  const u = usageProfile(o.usage);
  const region = o.gcpRegion ?? (o.region === "us-east-1" ? "us-central1" : "asia-northeast1");
  const prices = GCP_PRICES[region];
  const d = DEPLOY_DEFAULTS.cloudrun;
  const cpu = sizing.cpu ?? d.cpu;
  const memGib = (sizing.memoryMiB ?? DEPLOY_DEFAULTS.memoryMiB) / 1024;
  const concurrency = sizing.concurrency ?? d.concurrency;
  const R = u.requestsPerMonth;
  const durS = u.avgDurationMs / 1000;
  // Request-based billing charges instance time while at least one request runs. Overlapping requests share an
  // instance up to `concurrency`; below one request at a time on average, requests are assumed not to overlap.
  const sharing = Math.max(1, Math.min(concurrency, avgRps(u) * durS));
  const instanceSeconds = (R * durS) / sharing;
  const free = u.freeTier;
  const lines = [
    line(
      "Cloud Run vCPU (request-based)",
      Math.max(0, instanceSeconds * cpu - (free ? FREE_TIERS.runVcpuSeconds.value : 0)),
      prices.runVcpuSecond,
      "gcp:cloudrunv2/service:Service",
    ),
    line(
      "Cloud Run memory (request-based)",
      Math.max(0, instanceSeconds * memGib - (free ? FREE_TIERS.runGibSeconds.value : 0)),
      prices.runGibSecond,
      "gcp:cloudrunv2/service:Service",
    ),
    line(
      "Cloud Run requests",
      Math.max(0, R - (free ? FREE_TIERS.runRequests.value : 0)) / 1e6,
      prices.runRequests,
      "gcp:cloudrunv2/service:Service",
    ),
    line("Internet egress (Premium tier)", responseGb(u), prices.egress, "gcp:cloudrunv2/service:Service"),
    line(
      "Cloud Logging ingestion",
      (R * u.logBytesPerRequest) / (1024 * MB),
      prices.logging,
      "gcp:cloudrunv2/service:Service",
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
  if ((sizing.edge ?? "none") === "loadbalancer") {
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
      line("Cloud Armor rules (no key, per IP)", 2, prices.armorRule, "gcp:compute/securityPolicy:SecurityPolicy"),
      line("Cloud Armor requests", R / 1e6, prices.armorRequests, "gcp:compute/securityPolicy:SecurityPolicy"),
    );
  }
  const notes = [`instance time shared by up to ${concurrency} concurrent requests; min instances 0 (no idle charge)`];
  return result("cloudrun", region, lines, notes);
}

const T4G_PRICE = { "t4g.nano": "t4gNanoHour", "t4g.micro": "t4gMicroHour", "t4g.small": "t4gSmallHour" } as const;
/** vCPUs of the priced types (all t4g sizes up to large have 2). */
const T4G_VCPU = 2;

/** One EC2 Graviton host with Docker and nginx, as components/ec2-docker-mcp-service.ts builds it. */
export function ec2Cost(sizing: Ec2Sizing, o: PricingOptions): TargetCost {
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
    line("Data transfer out", responseGb(u), prices.dataTransferOut, "aws:ec2/instance:Instance"),
  ];
  return result("ec2", o.region, [...lines, ...awsCommon(prices, u, o)], notes);
}

/** All four targets with their default sizing. */
export function estimateAll(o: PricingOptions): TargetCost[] {
  return [lambdaCost({}, o), fargateCost({}, o), cloudRunCost({}, o), ec2Cost({}, o)];
}

/** Lines whose price was not found: listed so the total is never mistaken for complete. */
export function unpriced(cost: TargetCost): CostLine[] {
  return cost.lines.filter((l) => l.unitPriceUsd === null);
}
