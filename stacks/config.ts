/**
 * Stack configuration: every `mcp-anywhere:` key Pulumi.yaml declares, plus `aws:region`, read once and validated
 * before any resource is declared. Errors name the key, the value it got and the allowed values, all at once.
 */
import * as pulumi from "@pulumi/pulumi";
import { CLOUD_RUN_CPUS, CLOUD_RUN_EDGES, type CloudRunEdge } from "../components/cloudrun-mcp-service.js";
import { FARGATE_SIZES } from "../components/fargate-mcp-service.js";
import { MCP_TARGETS, type McpTarget } from "../infra/core/contract.js";
import type { UsageProfile } from "../infra/core/cost/model.js";
import { DEPLOY_DEFAULTS, LOG_RETENTION_DAYS, USAGE_DEFAULTS } from "../infra/core/defaults.js";

export const NAMESPACE = "mcp-anywhere";

/** Thrown before any resource is declared. `message` lists every bad key. */
export class StackConfigError extends Error {
  constructor(problems: string[]) {
    super(`Invalid stack configuration:\n  ${problems.join("\n  ")}`);
    this.name = "StackConfigError";
  }
}

export interface StackConfig {
  project: string;
  stack: string;
  target: McpTarget;
  awsRegion: string;
  /** requests/s and requests at once, per key */
  rateLimit: { requestsPerSecond: number; burst: number };
  /** Requests per key per month; undefined for no quota. */
  monthlyQuota: number | undefined;
  /** Keys this stack generates, one SSM SecureString `/mcp-anywhere/<stack>/api-keys/<id>` each. */
  apiKeyIds: string[];
  /** Existing SSM SecureString parameters, used as they are (created and rotated outside this stack). */
  apiKeyParameterNames: string[];
  /** MiB */
  memoryMiB: number;
  /** days */
  logRetentionDays: number;
  lambda: {
    streaming: boolean;
    /** Reserved concurrency cap; undefined for none. */
    reservedConcurrency: number | undefined;
    /** Create the regional API Gateway CloudWatch role setting (needed once per account and region for access logs). */
    manageApiGatewayAccount: boolean;
  };
  cloudrun: {
    /** `gcp:project`; required for target cloudrun, otherwise "". */
    project: string;
    /** `gcp:region` */
    region: string;
    /** Resolved from `auto`: loadbalancer for stacks named prod*, none otherwise. */
    edge: CloudRunEdge;
    domain: string | undefined;
    maxInstances: number;
    cpu: number;
    concurrency: number;
  };
  /** The usage profile for cost estimates. */
  usage: UsageProfile;
  ec2: {
    instanceType: string;
    allowedCidrs: string[];
    sshCidr: string | undefined;
    domain: string | undefined;
    acmeEmail: string | undefined;
  };
  fargate: {
    /** vCPU per task. */
    cpu: number;
    minTasks: number;
    maxTasks: number;
    privateSubnets: boolean;
    vpcId: string | undefined;
    subnetIds: string[] | undefined;
    domainName: string | undefined;
    certificateArn: string | undefined;
  };
}

/** Raw values as Pulumi holds them: strings, keyed `namespace:key`. Missing keys are absent. */
export type RawConfig = Record<string, string | undefined>;

/** Every project key with its Pulumi.yaml default (as Pulumi would hand it over) and a description. */
export const CONFIG_KEYS = {
  target: { default: undefined, description: `Deployment target: ${MCP_TARGETS.join(" | ")}. Required.` },
  rateLimitRps: {
    default: String(DEPLOY_DEFAULTS.rateLimit.requestsPerSecond),
    description: "Sustained requests/s per API key, at the edge and in the app.",
  },
  rateLimitBurst: {
    default: String(DEPLOY_DEFAULTS.rateLimit.burst),
    description: "Requests per API key allowed at once, at the edge and in the app.",
  },
  monthlyQuota: { default: "0", description: "Requests per API key per month at the edge; 0 for no quota." },
  apiKeyIds: {
    default: '["default"]',
    description:
      "Ids of the API keys this stack generates, one SSM SecureString /mcp-anywhere/<stack>/api-keys/<id> each (npm run keys).",
  },
  apiKeyParameterNames: {
    default: "[]",
    description: "Existing SSM SecureString parameter names holding more API keys, used as they are.",
  },
  memoryMiB: { default: String(DEPLOY_DEFAULTS.memoryMiB), description: "Memory per instance, MiB." },
  logRetentionDays: {
    default: String(DEPLOY_DEFAULTS.logRetentionDays),
    description: "Log retention, days (a CloudWatch retention value).",
  },
  lambdaStreaming: {
    default: "false",
    description: "Lambda: stream responses through API Gateway (SSE) instead of buffering them.",
  },
  lambdaReservedConcurrency: {
    default: "-1",
    description: "Lambda: reserved concurrency cap as a cost guard; -1 for none.",
  },
  lambdaManageApiGatewayAccount: {
    default: "true",
    description:
      "Lambda: set the region's API Gateway CloudWatch Logs role, which access logs need (once per account).",
  },
  fargateCpu: {
    default: String(DEPLOY_DEFAULTS.fargate.cpu * 1024),
    description: "Fargate: CPU units per task (1024 = 1 vCPU): 256, 512, 1024, 2048 or 4096.",
  },
  fargateMinTasks: {
    default: String(DEPLOY_DEFAULTS.fargate.minTasks),
    description: "Fargate: tasks kept running.",
  },
  fargateMaxTasks: {
    default: String(DEPLOY_DEFAULTS.fargate.maxTasks),
    description: "Fargate: most tasks CPU autoscaling may run.",
  },
  fargatePrivateSubnets: {
    default: "false",
    description: "Fargate: run tasks in private subnets behind a NAT gateway instead of public subnets.",
  },
  fargateVpcId: {
    default: "",
    description: "Fargate: an existing VPC to use (with fargate.subnetIds); empty creates one.",
  },
  fargateSubnetIds: { default: "[]", description: "Fargate: public subnets of fargate.vpcId in at least 2 AZs." },
  fargateDomainName: {
    default: "",
    description: "Fargate: a custom domain for CloudFront (with fargate.certificateArn).",
  },
  fargateCertificateArn: {
    default: "",
    description: "Fargate: ACM certificate in us-east-1 for fargate.domainName.",
  },
  cloudrunEdge: {
    default: "auto",
    description: "Cloud Run: auto | none | loadbalancer. auto is loadbalancer for stacks named prod*, none otherwise.",
  },
  cloudrunDomain: {
    default: "",
    description: "Cloud Run: custom domain for the load-balancer edge; empty uses <ip>.nip.io.",
  },
  cloudrunMaxInstances: {
    default: String(DEPLOY_DEFAULTS.cloudrun.maxInstances),
    description: "Cloud Run: most instances, a cost and abuse cap.",
  },
  cloudrunCpu: {
    default: String(DEPLOY_DEFAULTS.cloudrun.cpu),
    description: "Cloud Run: vCPU per instance: 1, 2, 4, 6 or 8.",
  },
  cloudrunConcurrency: {
    default: String(DEPLOY_DEFAULTS.cloudrun.concurrency),
    description: "Cloud Run: requests one instance serves at once.",
  },
  ec2InstanceType: {
    default: DEPLOY_DEFAULTS.ec2.instanceType,
    description: "EC2: a Graviton (arm64) instance type.",
  },
  ec2AllowedCidrs: {
    default: JSON.stringify(DEPLOY_DEFAULTS.ec2.allowedCidrs),
    description: "EC2: CIDRs that may reach ports 443 and 80 (auth and rate limits protect them).",
  },
  ec2SshCidr: {
    default: "",
    description: "EC2: one CIDR allowed on port 22 (never 0.0.0.0/0); empty: no SSH, use SSM.",
  },
  ec2Domain: {
    default: "",
    description: "EC2: the certificate's host name (A record to the EIP); empty: <eip>.sslip.io.",
  },
  ec2AcmeEmail: {
    default: "",
    description: "EC2: e-mail for the Let's Encrypt account; empty registers without one.",
  },
  usageRequestsPerMonth: {
    default: String(USAGE_DEFAULTS.requestsPerMonth),
    description: "Cost estimate: requests per month (the estimatedMonthlyCostUsd output).",
  },
  usageAvgDurationMs: {
    default: String(USAGE_DEFAULTS.avgDurationMs),
    description: "Cost estimate: average request duration, ms.",
  },
  usageAvgResponseKb: {
    default: String(USAGE_DEFAULTS.avgResponseKb),
    description: "Cost estimate: average response size, KB.",
  },
  usagePeakToAverage: {
    default: String(USAGE_DEFAULTS.peakToAverage),
    description: "Cost estimate: peak ÷ average request rate.",
  },
  usageLogBytesPerRequest: {
    default: String(USAGE_DEFAULTS.logBytesPerRequest),
    description: "Cost estimate: log bytes written per request.",
  },
  usageFreeTier: {
    default: String(USAGE_DEFAULTS.freeTier),
    description: "Cost estimate: apply published free tiers.",
  },
} as const;

type Problems = string[];

function show(key: string, value: string | undefined): string {
  return `${key}=${value === undefined ? "(not set)" : JSON.stringify(value)}`;
}

function number(
  raw: RawConfig,
  key: keyof typeof CONFIG_KEYS,
  problems: Problems,
  check: { min: number; max: number; integer: boolean; unit: string },
): number {
  const full = `${NAMESPACE}:${key}`;
  const value = raw[full] ?? CONFIG_KEYS[key].default;
  const n = Number(value);
  if (
    value === undefined ||
    value.trim() === "" ||
    !Number.isFinite(n) ||
    (check.integer && !Number.isInteger(n)) ||
    n < check.min ||
    n > check.max
  ) {
    problems.push(
      `${show(full, value)} is invalid; allowed: ${check.integer ? "an integer" : "a number"} from ${check.min} to ${check.max} (${check.unit})`,
    );
    return Number.NaN;
  }
  return n;
}

function boolean(raw: RawConfig, key: keyof typeof CONFIG_KEYS, problems: Problems): boolean {
  const full = `${NAMESPACE}:${key}`;
  const value = raw[full] ?? CONFIG_KEYS[key].default;
  if (value !== "true" && value !== "false") {
    problems.push(`${show(full, value)} is invalid; allowed: true, false`);
    return false;
  }
  return value === "true";
}

const SSM_NAME = /^\/?[A-Za-z0-9_.\-/]{1,2011}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;

/** A JSON array of strings matching `pattern`, distinct. */
function stringArray(
  raw: RawConfig,
  key: keyof typeof CONFIG_KEYS,
  problems: Problems,
  pattern: RegExp,
  what: string,
): string[] {
  const full = `${NAMESPACE}:${key}`;
  const value = raw[full] ?? CONFIG_KEYS[key].default;
  let items: unknown;
  try {
    items = JSON.parse(value ?? "");
  } catch {
    items = undefined;
  }
  if (!Array.isArray(items) || !items.every((n) => typeof n === "string" && pattern.test(n))) {
    problems.push(
      `${show(full, value)} is invalid; allowed: a JSON array of ${what} (pulumi config set --path '${full}[0]' …)`,
    );
    return [];
  }
  if (new Set(items).size !== items.length) problems.push(`${show(full, value)} is invalid; allowed: distinct names`);
  return items as string[];
}

/** A string, or undefined when empty. */
function optionalString(raw: RawConfig, key: keyof typeof CONFIG_KEYS): string | undefined {
  const value = (raw[`${NAMESPACE}:${key}`] ?? CONFIG_KEYS[key].default)?.trim();
  return value ? value : undefined;
}

function cloudRunConfig(raw: RawConfig, target: McpTarget, stack: string, problems: Problems): StackConfig["cloudrun"] {
  const k = (key: string) => `${NAMESPACE}:cloudrun${key[0]!.toUpperCase()}${key.slice(1)}`;
  const project = raw["gcp:project"];
  const region = raw["gcp:region"] ?? DEPLOY_DEFAULTS.cloudrun.region;
  if (target === "cloudrun") {
    if (!project || !/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(project)) {
      problems.push(
        `${show("gcp:project", project)} is ${project ? "invalid" : "required for target cloudrun"}; allowed: a GCP project id ` +
          "(pulumi config set gcp:project my-project)",
      );
    }
    if (!/^[a-z]+-[a-z]+\d+$/.test(region)) {
      problems.push(
        `${show("gcp:region", region)} is invalid; allowed: a GCP region such as asia-northeast1 or us-central1`,
      );
    }
  }
  const edgeValue = raw[k("edge")] ?? CONFIG_KEYS["cloudrunEdge"].default;
  let edge: CloudRunEdge = "none";
  if (edgeValue === "auto") edge = /^prod/.test(stack) ? "loadbalancer" : "none";
  else if ((CLOUD_RUN_EDGES as readonly string[]).includes(edgeValue)) edge = edgeValue as CloudRunEdge;
  else problems.push(`${show(k("edge"), edgeValue)} is invalid; allowed: auto, ${CLOUD_RUN_EDGES.join(", ")}`);
  const domain = optionalString(raw, "cloudrunDomain");
  if (domain !== undefined && !/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/.test(domain)) {
    problems.push(`${show(k("domain"), domain)} is invalid; allowed: a DNS name such as mcp.example.com`);
  }
  if (target === "cloudrun" && domain !== undefined && edge !== "loadbalancer") {
    problems.push(`${show(k("domain"), domain)} needs ${k("edge")}=loadbalancer (got ${edge})`);
  }
  const maxInstances = number(raw, "cloudrunMaxInstances", problems, {
    min: 1,
    max: 1000,
    integer: true,
    unit: "instances",
  });
  const cpu = number(raw, "cloudrunCpu", problems, { min: 1, max: 8, integer: true, unit: "vCPU" });
  if (!Number.isNaN(cpu) && !(CLOUD_RUN_CPUS as readonly number[]).includes(cpu)) {
    problems.push(`${show(k("cpu"), String(cpu))} is invalid; allowed: ${CLOUD_RUN_CPUS.join(", ")}`);
  }
  const concurrency = number(raw, "cloudrunConcurrency", problems, {
    min: 1,
    max: 1000,
    integer: true,
    unit: "requests",
  });
  return { project: project ?? "", region, edge, domain, maxInstances, cpu, concurrency };
}

const IPV4_CIDR = /^(\d{1,3})(\.\d{1,3}){3}\/(\d|[12]\d|3[0-2])$/;

function ec2Config(raw: RawConfig, problems: Problems): StackConfig["ec2"] {
  const k = (key: string) => `${NAMESPACE}:ec2${key[0]!.toUpperCase()}${key.slice(1)}`;
  const instanceType = optionalString(raw, "ec2InstanceType") ?? DEPLOY_DEFAULTS.ec2.instanceType;
  if (!/^[a-z]+\d+g[a-z]*\.[a-z0-9]+$/.test(instanceType)) {
    problems.push(
      `${show(k("instanceType"), instanceType)} is invalid; allowed: a Graviton (arm64) type such as t4g.small or m7g.medium`,
    );
  }
  const allowedCidrs = stringArray(raw, "ec2AllowedCidrs", problems, IPV4_CIDR, 'IPv4 CIDRs, e.g. ["0.0.0.0/0"]');
  const sshCidr = optionalString(raw, "ec2SshCidr");
  if (sshCidr !== undefined && (!IPV4_CIDR.test(sshCidr) || sshCidr.endsWith("/0"))) {
    problems.push(
      `${show(k("sshCidr"), sshCidr)} is invalid; allowed: one IPv4 CIDR narrower than /0, e.g. 203.0.113.7/32 (never 0.0.0.0/0: use SSM Session Manager)`,
    );
  }
  const domain = optionalString(raw, "ec2Domain");
  if (domain !== undefined && !/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/.test(domain)) {
    problems.push(`${show(k("domain"), domain)} is invalid; allowed: a DNS name such as mcp.example.com`);
  }
  const acmeEmail = optionalString(raw, "ec2AcmeEmail");
  if (acmeEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(acmeEmail)) {
    problems.push(`${show(k("acmeEmail"), acmeEmail)} is invalid; allowed: an e-mail address or empty`);
  }
  return { instanceType, allowedCidrs, sshCidr, domain, acmeEmail };
}

function fargateConfig(
  raw: RawConfig,
  target: McpTarget,
  memoryMiB: number,
  problems: Problems,
): StackConfig["fargate"] {
  const k = (key: string) => `${NAMESPACE}:fargate${key[0]!.toUpperCase()}${key.slice(1)}`;
  const cpuUnits = number(raw, "fargateCpu", problems, { min: 256, max: 4096, integer: true, unit: "CPU units" });
  const cpu = cpuUnits / 1024;
  const memories = FARGATE_SIZES[String(cpu)];
  if (!Number.isNaN(cpuUnits) && !memories) {
    problems.push(`${show(k("cpu"), String(cpuUnits))} is invalid; allowed: 256, 512, 1024, 2048, 4096`);
  } else if (target === "fargate" && memories && !Number.isNaN(memoryMiB) && !memories.includes(memoryMiB)) {
    problems.push(
      `${show(`${NAMESPACE}:memoryMiB`, String(memoryMiB))} does not fit ${k("cpu")}=${cpuUnits}; allowed: ${memories.join(", ")}`,
    );
  }
  const minTasks = number(raw, "fargateMinTasks", problems, { min: 1, max: 100, integer: true, unit: "tasks" });
  const maxTasks = number(raw, "fargateMaxTasks", problems, { min: 1, max: 100, integer: true, unit: "tasks" });
  if (minTasks > maxTasks) {
    problems.push(
      `${show(k("minTasks"), String(minTasks))} is more than ${show(k("maxTasks"), String(maxTasks))}; allowed: minTasks <= maxTasks`,
    );
  }
  const vpcId = optionalString(raw, "fargateVpcId");
  const subnets = stringArray(raw, "fargateSubnetIds", problems, SUBNET_ID, "subnet ids (subnet-…)");
  const privateSubnets = boolean(raw, "fargatePrivateSubnets", problems);
  if (vpcId !== undefined && !/^vpc-[0-9a-f]{8,17}$/.test(vpcId))
    problems.push(`${show(k("vpcId"), vpcId)} is invalid; allowed: a VPC id (vpc-…) or empty`);
  if (vpcId !== undefined && subnets.length < 2) {
    problems.push(`${show(k("vpcId"), vpcId)} needs ${k("subnetIds")} with public subnets in at least 2 AZs`);
  }
  if (vpcId === undefined && subnets.length > 0)
    problems.push(`${k("subnetIds")} is set but ${k("vpcId")} is not; set both or neither`);
  if (vpcId !== undefined && privateSubnets) {
    problems.push(
      `${show(k("privateSubnets"), "true")} applies only to the VPC mcp-anywhere creates; unset ${k("vpcId")} or this`,
    );
  }
  const domainName = optionalString(raw, "fargateDomainName");
  const certificateArn = optionalString(raw, "fargateCertificateArn");
  if (domainName !== undefined && certificateArn === undefined) {
    problems.push(
      `${show(k("domainName"), domainName)} needs ${k("certificateArn")} (an ACM certificate in us-east-1)`,
    );
  }
  if (certificateArn !== undefined && domainName === undefined) {
    problems.push(`${k("certificateArn")} is set but ${k("domainName")} is not; set both or neither`);
  }
  if (certificateArn !== undefined && !/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\//.test(certificateArn)) {
    problems.push(
      `${show(k("certificateArn"), certificateArn)} is invalid; allowed: an ACM certificate ARN in us-east-1 (CloudFront's region)`,
    );
  }
  return {
    cpu,
    minTasks,
    maxTasks,
    privateSubnets,
    vpcId,
    subnetIds: vpcId === undefined ? undefined : subnets,
    domainName,
    certificateArn,
  };
}

/**
 * Validates raw config.
 *
 * @param raw - `namespace:key` to raw string, as `pulumi.Config` holds it (arrays as JSON).
 * @throws {StackConfigError} listing every bad key with its value and the allowed values.
 */
export function parseStackConfig(raw: RawConfig, project: string, stack: string): StackConfig {
  const problems: Problems = [];
  const targetKey = `${NAMESPACE}:target`;
  const targetValue = raw[targetKey];
  let target: McpTarget = "lambda";
  if (!MCP_TARGETS.includes(targetValue as McpTarget)) {
    problems.push(`${show(targetKey, targetValue)} is invalid; allowed: ${MCP_TARGETS.join(", ")}`);
  } else {
    target = targetValue as McpTarget;
  }
  const awsRegion = raw["aws:region"];
  if (!awsRegion || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(awsRegion)) {
    problems.push(
      `${show("aws:region", awsRegion)} is invalid; allowed: an AWS region such as ap-northeast-1 or us-east-1 ` +
        "(pulumi config set aws:region ap-northeast-1)",
    );
  }
  const requestsPerSecond = number(raw, "rateLimitRps", problems, {
    min: 1,
    max: 10_000,
    integer: false,
    unit: "requests/s",
  });
  const burst = number(raw, "rateLimitBurst", problems, { min: 1, max: 5_000, integer: true, unit: "requests" });
  const monthlyQuota = number(raw, "monthlyQuota", problems, {
    min: 0,
    max: 1e12,
    integer: true,
    unit: "requests/month",
  });
  const memoryMiB = number(raw, "memoryMiB", problems, { min: 128, max: 10_240, integer: true, unit: "MiB" });
  const retentionKey = `${NAMESPACE}:logRetentionDays`;
  const retentionValue = raw[retentionKey] ?? CONFIG_KEYS.logRetentionDays.default;
  const logRetentionDays = Number(retentionValue);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    problems.push(`${show(retentionKey, retentionValue)} is invalid; allowed: ${LOG_RETENTION_DAYS.join(", ")}`);
  }
  const reserved = number(raw, "lambdaReservedConcurrency", problems, {
    min: -1,
    max: 10_000,
    integer: true,
    unit: "concurrent executions",
  });
  if (reserved === 0) {
    problems.push(
      `${show(`${NAMESPACE}:lambdaReservedConcurrency`, "0")} is invalid; allowed: -1 (no cap) or 1 to 10000 (0 would stop every invocation)`,
    );
  }
  const config: StackConfig = {
    project,
    stack,
    target,
    awsRegion: awsRegion ?? "",
    rateLimit: { requestsPerSecond, burst },
    monthlyQuota: monthlyQuota > 0 ? monthlyQuota : undefined,
    apiKeyIds: stringArray(
      raw,
      "apiKeyIds",
      problems,
      /^[A-Za-z0-9_.-]{1,64}$/,
      'key ids (letters, digits, _ . -), e.g. ["default"]',
    ),
    apiKeyParameterNames: stringArray(
      raw,
      "apiKeyParameterNames",
      problems,
      SSM_NAME,
      'SSM parameter names (letters, digits, _ . - /), e.g. ["/mcp/keys/alice"]',
    ),
    memoryMiB,
    logRetentionDays,
    lambda: {
      streaming: boolean(raw, "lambdaStreaming", problems),
      reservedConcurrency: reserved > 0 ? reserved : undefined,
      manageApiGatewayAccount: boolean(raw, "lambdaManageApiGatewayAccount", problems),
    },
    fargate: fargateConfig(raw, target, memoryMiB, problems),
    cloudrun: cloudRunConfig(raw, target, stack, problems),
    ec2: ec2Config(raw, problems),
    usage: {
      requestsPerMonth: number(raw, "usageRequestsPerMonth", problems, {
        min: 0,
        max: 1e12,
        integer: true,
        unit: "requests/month",
      }),
      avgDurationMs: number(raw, "usageAvgDurationMs", problems, { min: 1, max: 900_000, integer: false, unit: "ms" }),
      avgResponseKb: number(raw, "usageAvgResponseKb", problems, { min: 0, max: 6_000, integer: false, unit: "KB" }),
      peakToAverage: number(raw, "usagePeakToAverage", problems, {
        min: 1,
        max: 1_000,
        integer: false,
        unit: "ratio",
      }),
      logBytesPerRequest: number(raw, "usageLogBytesPerRequest", problems, {
        min: 0,
        max: 1e6,
        integer: true,
        unit: "bytes",
      }),
      freeTier: boolean(raw, "usageFreeTier", problems),
    },
  };
  if (target !== "lambda" && monthlyQuota > 0) {
    problems.push(
      `${show(`${NAMESPACE}:monthlyQuota`, String(monthlyQuota))} is supported on the lambda target only (API Gateway usage plans); allowed here: 0`,
    );
  }
  if (problems.length > 0) throw new StackConfigError(problems);
  return config;
}

/** Reads the current stack's config through Pulumi and validates it. @throws {StackConfigError} */
export function loadStackConfig(): StackConfig {
  const project = new pulumi.Config(NAMESPACE);
  const gcp = new pulumi.Config("gcp");
  const raw: RawConfig = {
    "aws:region": new pulumi.Config("aws").get("region"),
    "gcp:project": gcp.get("project"),
    "gcp:region": gcp.get("region"),
  };
  for (const key of Object.keys(CONFIG_KEYS)) raw[`${NAMESPACE}:${key}`] = project.get(key);
  return parseStackConfig(raw, pulumi.getProject(), pulumi.getStack());
}
