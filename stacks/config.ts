/**
 * Stack configuration: every `mcp-anywhere:` key Pulumi.yaml declares, plus `aws:region`, read once and validated
 * before any resource is declared. Errors name the key, the value it got and the allowed values, all at once.
 */
import * as pulumi from "@pulumi/pulumi";
import { MCP_TARGETS, type McpTarget } from "../infra/contract.js";
import { DEPLOY_DEFAULTS, LOG_RETENTION_DAYS } from "../infra/defaults.js";

/** Targets this version can deploy. The others are valid config values whose components are not built yet. */
export const DEPLOYABLE_TARGETS: readonly McpTarget[] = ["lambda"];

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
  /** Existing SSM parameters; empty means "create one key". */
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
  apiKeyParameterNames: {
    default: "[]",
    description: "Existing SSM SecureString parameter names holding API keys; empty creates one key.",
  },
  memoryMiB: { default: String(DEPLOY_DEFAULTS.memoryMiB), description: "Memory per instance, MiB." },
  logRetentionDays: {
    default: String(DEPLOY_DEFAULTS.logRetentionDays),
    description: "Log retention, days (a CloudWatch retention value).",
  },
  "lambda.streaming": {
    default: "false",
    description: "Lambda: stream responses through API Gateway (SSE) instead of buffering them.",
  },
  "lambda.reservedConcurrency": {
    default: "-1",
    description: "Lambda: reserved concurrency cap as a cost guard; -1 for none.",
  },
  "lambda.manageApiGatewayAccount": {
    default: "true",
    description:
      "Lambda: set the region's API Gateway CloudWatch Logs role, which access logs need (once per account).",
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

const SSM_NAME = /^(\/?[A-Za-z0-9_.\-/]{1,2011})$/;

function parameterNames(raw: RawConfig, problems: Problems): string[] {
  const full = `${NAMESPACE}:apiKeyParameterNames`;
  const value = raw[full] ?? CONFIG_KEYS.apiKeyParameterNames.default;
  let names: unknown;
  try {
    names = JSON.parse(value);
  } catch {
    names = undefined;
  }
  if (!Array.isArray(names) || !names.every((n) => typeof n === "string" && SSM_NAME.test(n))) {
    problems.push(
      `${show(full, value)} is invalid; allowed: a JSON array of SSM parameter names (letters, digits, _ . - /), ` +
        `e.g. ["/mcp/keys/alice"] (pulumi config set --path '${full}[0]' /mcp/keys/alice)`,
    );
    return [];
  }
  if (new Set(names).size !== names.length) problems.push(`${show(full, value)} is invalid; allowed: distinct names`);
  return names as string[];
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
  } else if (!DEPLOYABLE_TARGETS.includes(targetValue as McpTarget)) {
    problems.push(
      `${show(targetKey, targetValue)} is not deployable by this version yet; deployable: ${DEPLOYABLE_TARGETS.join(", ")}`,
    );
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
  const reserved = number(raw, "lambda.reservedConcurrency", problems, {
    min: -1,
    max: 10_000,
    integer: true,
    unit: "concurrent executions",
  });
  if (reserved === 0) {
    problems.push(
      `${show(`${NAMESPACE}:lambda.reservedConcurrency`, "0")} is invalid; allowed: -1 (no cap) or 1 to 10000 (0 would stop every invocation)`,
    );
  }
  const config: StackConfig = {
    project,
    stack,
    target,
    awsRegion: awsRegion ?? "",
    rateLimit: { requestsPerSecond, burst },
    monthlyQuota: monthlyQuota > 0 ? monthlyQuota : undefined,
    apiKeyParameterNames: parameterNames(raw, problems),
    memoryMiB,
    logRetentionDays,
    lambda: {
      streaming: boolean(raw, "lambda.streaming", problems),
      reservedConcurrency: reserved > 0 ? reserved : undefined,
      manageApiGatewayAccount: boolean(raw, "lambda.manageApiGatewayAccount", problems),
    },
  };
  if (problems.length > 0) throw new StackConfigError(problems);
  return config;
}

/** Reads the current stack's config through Pulumi and validates it. @throws {StackConfigError} */
export function loadStackConfig(): StackConfig {
  const project = new pulumi.Config(NAMESPACE);
  const raw: RawConfig = { "aws:region": new pulumi.Config("aws").get("region") };
  for (const key of Object.keys(CONFIG_KEYS)) raw[`${NAMESPACE}:${key}`] = project.get(key);
  return parseStackConfig(raw, pulumi.getProject(), pulumi.getStack());
}
