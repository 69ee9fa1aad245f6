/**
 * Stack configuration: every `mcp-anywhere:` key of stacks/config-schema.ts, plus `aws:region` and `gcp:*`, read once
 * and validated with one zod schema before any resource is declared. Errors name the key, the value it got, the
 * allowed values and the `pulumi config set` command, all at once. A key in the namespace that the schema does not
 * know (a typo, or a dotted key set with or without `--path`) is an error too, never silently ignored.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { McpTarget } from "../infra/core/contract.js";
import type { UsageProfile } from "../infra/core/cost/model.js";
import { DEPLOY_DEFAULTS } from "../infra/core/defaults.js";
import { type CloudRunEdge, cloudRunSizeProblem, FARGATE_SIZES } from "../infra/core/sizes.js";
import type { ServerMode, ServerRuntime, UpstreamArgs } from "../infra/core/upstream.js";
import { alertWarnings } from "./alert-warnings.js";
import {
  CONFIG_SCHEMA,
  type ConfigKey,
  type ConfigKeySpec,
  type ConfigValues,
  configObject,
  decode,
  fullKey,
  NAMESPACE,
  rawDefault,
  setCommand,
} from "./config-schema.js";

export { NAMESPACE };

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
  /** requests/s and requests at once, per key; per-tool requests/s per key (tools not listed use requestsPerSecond) */
  rateLimit: { requestsPerSecond: number; burst: number; perToolRequestsPerSecond: Record<string, number> };
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
    /** Key parameters whose API Gateway key another stack owns (attached, not created). */
    sharedKeyParameterNames: string[];
    /** Stage access logs (they need the region's API Gateway CloudWatch role). */
    accessLogs: boolean;
    /** Opt-in: set the regional API Gateway CloudWatch role (a per-account, per-region singleton). */
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
  /** Which MCP server answers behind ours; `env` holds the plain values of a secret key (wrap in pulumi.secret). */
  upstream: UpstreamArgs & { runtime: ServerRuntime };
  /** Fargate: serverWorkspace on EFS. */
  fargateEfs: boolean;
  /** Budget and alarms (issue 17); defaults in DEPLOY_DEFAULTS.alerts. */
  alerts: {
    email: string | undefined;
    snsTopicArn: string | undefined;
    /** USD/month, resolved from auto (-1); undefined: no budget. */
    budgetMonthlyUsd: number | undefined;
    gcpBillingAccount: string | undefined;
    /** % of requests */
    errorRatePercent: number;
    /** % of requests */
    throttleRatePercent: number;
    /** ms */
    latencyP99Ms: number;
  };
  /** OpenTelemetry traces; undefined: off. `headers` holds the plain values of a secret key (wrap in pulumi.secret). */
  tracing: { endpoint: string; headers: Record<string, string> } | undefined;
  /** Traces to X-Ray (fargate, ec2) or Cloud Trace (cloudrun) through a collector sidecar. */
  tracingPlatform: boolean;
  /** Combinations that deploy but probably not as meant; the program logs each with pulumi.log.warn. */
  warnings: string[];
  ec2: {
    instanceType: string;
    allowedCidrs: string[];
    sshCidr: string | undefined;
    domain: string | undefined;
    acmeEmail: string | undefined;
  };
  /** Any Docker host over SSH (components/dockerhost-mcp-service.ts). Secret fields hold plain values: wrap in pulumi.secret. */
  dockerhost: {
    /** SSH and edge address (IP or DNS name); "" unless target dockerhost. */
    address: string;
    sshUser: string;
    sshPort: number;
    /** Secret. undefined: the ssh-agent at SSH_AUTH_SOCK. */
    sshPrivateKey: string | undefined;
    /** One known_hosts line pinning the host key; undefined: none. */
    knownHosts: string;
    domain: string | undefined;
    tls: "letsencrypt" | "user" | "localca";
    /** Secret pair, for tls "user". */
    certificate: string | undefined;
    certificateKey: string | undefined;
    acmeEmail: string | undefined;
    keySource: "ssm" | "config";
    /** Secret; the keys themselves, for keySource "config". */
    apiKeys: string[];
    allowedCidrs: string[];
    firewall: boolean;
    logging: "none" | "local" | "remote";
    lokiUrl: string | undefined;
    dataDir: string;
    /** Grafana's alert e-mail (logging local + alertEmail); `password` is secret. undefined: alerts in Grafana only. */
    smtp:
      | { host: string; user: string | undefined; password: string | undefined; from: string | undefined }
      | undefined;
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

/** Raw values as Pulumi holds them: strings (arrays and objects as JSON), keyed `namespace:key`. */
export type RawConfig = Record<string, string | undefined>;

/** Provider keys the program reads, with what is allowed and how to set them. */
const PROVIDER_KEYS = {
  "aws:region": {
    schema: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
    allowed: "an AWS region such as ap-northeast-1 or us-east-1 (pulumi config set aws:region ap-northeast-1)",
  },
  "gcp:project": {
    schema: z
      .string()
      .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/)
      .optional(),
    allowed: "a GCP project id (pulumi config set gcp:project my-project)",
  },
  "gcp:region": {
    schema: z.string().regex(/^[a-z]+-[a-z]+\d+$/),
    allowed: "a GCP region such as asia-northeast1 or us-central1 (pulumi config set gcp:region asia-northeast1)",
  },
} as const;
type ProviderKey = keyof typeof PROVIDER_KEYS;

function show(key: string, value: string | undefined): string {
  const name = key.startsWith(`${NAMESPACE}:`) ? key.slice(NAMESPACE.length + 1) : "";
  if (isKey(name) && (CONFIG_SCHEMA[name] as ConfigKeySpec).secret && value !== undefined) return `${key}=[secret]`;
  return `${key}=${value === undefined ? "(not set)" : JSON.stringify(value)}`;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const isKey = (name: string): name is ConfigKey => Object.hasOwn(CONFIG_SCHEMA, name);

/**
 * The key a user most likely meant by an unknown `name`: `ec2.allowedCidrs` (set without `--path`) or `ec2` holding
 * `{allowedCidrs: …}` (set with `--path`, or the old dotted Pulumi.yaml keys' defaults) both mean `ec2AllowedCidrs`.
 */
function suggest(name: string, value: string | undefined): ConfigKey[] {
  const dotted = name.replace(/\.([a-zA-Z])/g, (_, c: string) => c.toUpperCase()).replace(/\[\d+\]$/, "");
  if (isKey(dotted)) return [dotted];
  let nested: unknown;
  try {
    nested = JSON.parse(value ?? "");
  } catch {
    nested = undefined;
  }
  if (nested !== null && typeof nested === "object" && !Array.isArray(nested)) {
    const keys = Object.keys(nested).map((p) => `${name}${capitalize(p)}`);
    if (keys.length > 0 && keys.every(isKey)) return keys as ConfigKey[];
  }
  const lower = name.toLowerCase().replaceAll(/[^a-z0-9]/g, "");
  return (Object.keys(CONFIG_SCHEMA) as ConfigKey[]).filter((k) => k.toLowerCase() === lower);
}

/**
 * One message per `mcp-anywhere:` key the schema does not know. The value is never echoed: an unknown key may hold a
 * secret (`pulumi config set --secret`), and nothing tells this program which keys are secret.
 */
function unknownKeyProblems(raw: RawConfig): string[] {
  const problems: string[] = [];
  for (const [full, value] of Object.entries(raw)) {
    if (!full.startsWith(`${NAMESPACE}:`) || value === undefined) continue;
    const name = full.slice(NAMESPACE.length + 1);
    if (isKey(name)) continue;
    const meant = suggest(name, value);
    const hint =
      meant.length > 0
        ? `; did you mean ${meant.map(fullKey).join(", ")}? Remove it (pulumi config rm ${full}) and set ${meant.map((k) => `'${setCommand(k)}'`).join(", ")}`
        : `; remove it (pulumi config rm ${full}). Keys: ${Object.keys(CONFIG_SCHEMA).join(", ")}`;
    problems.push(`${full} is not a config key of this project, so it would be ignored${hint}`);
  }
  return problems;
}

/** The whole schema: project keys, provider keys, and the rules that relate keys to each other. */
function stackSchema(stack: string) {
  return configObject
    .extend(
      Object.fromEntries(Object.entries(PROVIDER_KEYS).map(([k, v]) => [k, v.schema])) as {
        [K in ProviderKey]: (typeof PROVIDER_KEYS)[K]["schema"];
      },
    )
    .superRefine((c, ctx) => {
      const fail = (message: string) => ctx.addIssue({ code: "custom", message, params: { rule: true } });
      const k = fullKey;
      if (c.target === "cloudrun" && c["gcp:project"] === undefined) {
        fail(`gcp:project=(not set) is required for target cloudrun; allowed: ${PROVIDER_KEYS["gcp:project"].allowed}`);
      }
      if (c.target === "cloudrun" && c.cloudrunDomain !== "" && resolveEdge(c.cloudrunEdge, stack) !== "loadbalancer") {
        fail(
          `${show(k("cloudrunDomain"), c.cloudrunDomain)} needs ${k("cloudrunEdge")}=loadbalancer (got ${resolveEdge(c.cloudrunEdge, stack)})`,
        );
      }
      // Before any resource (the image build included): a pair Cloud Run refuses would otherwise fail at the service.
      const cloudRunSize = cloudRunSizeProblem(c.cloudrunCpu, c.memoryMiB);
      if (c.target === "cloudrun" && cloudRunSize !== undefined) {
        fail(
          `${show(k("memoryMiB"), String(c.memoryMiB))} does not fit ${k("cloudrunCpu")}=${c.cloudrunCpu}: ${cloudRunSize}`,
        );
      }
      const memories = FARGATE_SIZES[String(c.fargateCpu / 1024)] ?? [];
      if (c.target === "fargate" && !memories.includes(c.memoryMiB)) {
        fail(
          `${show(k("memoryMiB"), String(c.memoryMiB))} does not fit ${k("fargateCpu")}=${c.fargateCpu}; allowed: ${memories.join(", ")}`,
        );
      }
      if (c.fargateMinTasks > c.fargateMaxTasks) {
        fail(
          `${show(k("fargateMinTasks"), String(c.fargateMinTasks))} is more than ${show(k("fargateMaxTasks"), String(c.fargateMaxTasks))}; allowed: fargateMinTasks <= fargateMaxTasks`,
        );
      }
      if (c.fargateVpcId !== "" && c.fargateSubnetIds.length < 2) {
        fail(
          `${show(k("fargateVpcId"), c.fargateVpcId)} needs ${k("fargateSubnetIds")} with public subnets in at least 2 AZs (${setCommand("fargateSubnetIds")})`,
        );
      }
      if (c.fargateVpcId === "" && c.fargateSubnetIds.length > 0) {
        fail(`${k("fargateSubnetIds")} is set but ${k("fargateVpcId")} is not; set both or neither`);
      }
      if (c.fargateVpcId !== "" && c.fargatePrivateSubnets) {
        fail(
          `${show(k("fargatePrivateSubnets"), "true")} applies only to the VPC mcp-anywhere creates; unset ${k("fargateVpcId")} or this`,
        );
      }
      if (c.fargateDomainName !== "" && c.fargateCertificateArn === "") {
        fail(
          `${show(k("fargateDomainName"), c.fargateDomainName)} needs ${k("fargateCertificateArn")} (an ACM certificate in us-east-1)`,
        );
      }
      if (c.fargateCertificateArn !== "" && c.fargateDomainName === "") {
        fail(`${k("fargateCertificateArn")} is set but ${k("fargateDomainName")} is not; set both or neither`);
      }
      if (c.target !== "lambda" && c.monthlyQuota > 0) {
        fail(
          `${show(k("monthlyQuota"), String(c.monthlyQuota))} is supported on the lambda target only (API Gateway usage plans); allowed here: 0`,
        );
      }
      for (const shared of c.lambdaSharedKeyParameterNames.filter((n) => !c.apiKeyParameterNames.includes(n))) {
        fail(
          `${k("lambdaSharedKeyParameterNames")} lists ${JSON.stringify(shared)}, which is not in ${k("apiKeyParameterNames")}; allowed: names from apiKeyParameterNames`,
        );
      }
      const tools = c.toolRateLimits.map((entry) => entry.split("=")[0]);
      for (const tool of tools.filter((t, i) => tools.indexOf(t) !== i)) {
        fail(`${k("toolRateLimits")} lists the tool ${JSON.stringify(tool)} twice; allowed: one entry per tool`);
      }
      upstreamProblems(c).forEach(fail);
      if (c.tracingPlatform && c.otelEndpoint !== "") {
        fail(
          `${show(k("tracingPlatform"), "true")} and ${show(k("otelEndpoint"), c.otelEndpoint)} both choose where traces go; allowed: one of them`,
        );
      }
      if (c.tracingPlatform && !(TRACING_PLATFORM_TARGETS as readonly string[]).includes(c.target)) {
        fail(
          `${show(k("tracingPlatform"), "true")} is not available on target ${c.target} (${TRACING_PLATFORM_WHY[c.target as McpTarget] ?? ""}); allowed there: false, with ${k("otelEndpoint")} pointing at a collector you run; the platform collector is wired on ${TRACING_PLATFORM_TARGETS.join(", ")}`,
        );
      }
      if (c.otelHeaders.length > 0 && c.otelEndpoint === "") {
        fail(`${k("otelHeaders")} is set but ${k("otelEndpoint")} is not; allowed: set both, or neither`);
      }
      if (c.target === "cloudrun" && c.alertSnsTopicArn !== "") {
        fail(
          `${show(k("alertSnsTopicArn"), c.alertSnsTopicArn)} applies to AWS targets; allowed on cloudrun: empty (use ${k("alertEmail")})`,
        );
      }
      dockerhostProblems(c).forEach(fail);
      if (c.apiKeyIds.length + c.apiKeyParameterNames.length === 0 && !usesConfigKeys(c)) {
        fail(
          `${k("apiKeyIds")} and ${k("apiKeyParameterNames")} are both empty; allowed: at least one key (${setCommand("apiKeyIds", "default")})`,
        );
      }
    });
}

type Decoded = ConfigValues & Partial<Record<ProviderKey, string>>;

/** dockerhost with dockerhostKeySource=config: the keys are a Pulumi secret, and no SSM parameter is made or read. */
const usesConfigKeys = (c: Decoded) => c.target === "dockerhost" && c.dockerhostKeySource === "config";

/** dockerhost keys that need or exclude each other, each naming the key, its value and what is allowed. */
function dockerhostProblems(c: Decoded): string[] {
  const k = fullKey;
  const problems: string[] = [];
  if (c.target === "dockerhost" && c.dockerhostAddress === "") {
    problems.push(
      `${k("dockerhostAddress")}=(not set) is required for target dockerhost (${setCommand("dockerhostAddress")})`,
    );
  }
  if (c.target === "dockerhost" && c.dockerhostKnownHosts === "") {
    const host = c.dockerhostAddress === "" ? "<address>" : c.dockerhostAddress;
    problems.push(
      `${k("dockerhostKnownHosts")}=(not set) is required for target dockerhost: every SSH connection the deployment opens checks the host key against it. ` +
        `Read it from the host's console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub to compare), or on a network you trust: ` +
        `pulumi config set ${k("dockerhostKnownHosts")} "$(ssh-keyscan -t ed25519 ${host} 2>/dev/null)"`,
    );
  }
  const user = c.dockerhostTls === "user";
  if (user && (c.dockerhostCertificate === "" || c.dockerhostCertificateKey === "")) {
    problems.push(
      `${k("dockerhostTls")}=user needs both ${k("dockerhostCertificate")} and ${k("dockerhostCertificateKey")} (set with --secret)`,
    );
  }
  if (!user && (c.dockerhostCertificate !== "" || c.dockerhostCertificateKey !== "")) {
    problems.push(
      `${k("dockerhostCertificate")}/${k("dockerhostCertificateKey")} are set but ${k("dockerhostTls")}=${c.dockerhostTls}; allowed: set ${k("dockerhostTls")}=user, or unset them`,
    );
  }
  if (c.dockerhostKeySource === "config" && c.dockerhostApiKeys.length === 0) {
    problems.push(
      `${k("dockerhostKeySource")}=config needs ${k("dockerhostApiKeys")} with at least one key (${setCommand("dockerhostApiKeys", "<key>")})`,
    );
  }
  if (c.dockerhostKeySource === "ssm" && c.dockerhostApiKeys.length > 0) {
    problems.push(
      `${k("dockerhostApiKeys")} is set but ${k("dockerhostKeySource")}=ssm; allowed: set ${k("dockerhostKeySource")}=config, or unset ${k("dockerhostApiKeys")}`,
    );
  }
  if (c.dockerhostLogging === "remote" && c.dockerhostLokiUrl === "") {
    problems.push(
      `${k("dockerhostLogging")}=remote needs ${k("dockerhostLokiUrl")} (${setCommand("dockerhostLokiUrl")})`,
    );
  }
  for (const key of ["dockerhostSmtpUser", "dockerhostSmtpPassword", "dockerhostSmtpFrom"] as const) {
    if (c[key] !== "" && c.dockerhostSmtpHost === "")
      problems.push(`${k(key)} is set but ${k("dockerhostSmtpHost")} is not; allowed: set both, or neither`);
  }
  if (c.dockerhostLogging !== "remote" && c.dockerhostLokiUrl !== "") {
    problems.push(
      `${show(k("dockerhostLokiUrl"), c.dockerhostLokiUrl)} applies to ${k("dockerhostLogging")}=remote only; got ${c.dockerhostLogging}`,
    );
  }
  return problems;
}

/** serverMode and its keys: combinations that cannot work, each naming the key, its value and what is allowed. */
function upstreamProblems(c: Decoded): string[] {
  const k = fullKey;
  const problems: string[] = [];
  const mode = c.serverMode;
  if (mode === "builtin") {
    for (const key of ["serverCommand", "serverEnv", "serverImage", "serverWorkdir"] as const) {
      const v = c[key];
      if (v.length > 0)
        problems.push(
          `${k(key)} is set but ${k("serverMode")}=builtin; allowed: set ${k("serverMode")} to stdio or http, or unset ${k(key)}`,
        );
    }
    if (c.serverRuntime !== "node") {
      problems.push(
        `${show(k("serverRuntime"), c.serverRuntime)} applies to a serverCommand; allowed with ${k("serverMode")}=builtin: node`,
      );
    }
  }
  const names = c.serverEnv.map((entry) => entry.slice(0, entry.indexOf("=")));
  for (const name of names.filter((n, i) => names.indexOf(n) !== i)) {
    problems.push(`${k("serverEnv")} sets ${name} twice; allowed: one entry per variable`);
  }
  if (mode === "stdio" && c.serverCommand.length === 0) {
    problems.push(
      `${k("serverCommand")}=(not set) is required with ${k("serverMode")}=stdio (${setCommand("serverCommand")})`,
    );
  }
  if (mode === "stdio" && c.serverImage !== "") {
    problems.push(
      `${show(k("serverImage"), c.serverImage)} needs ${k("serverMode")}=http (a sidecar image speaks HTTP); allowed with stdio: empty`,
    );
  }
  if (mode === "http" && c.serverCommand.length === 0 && c.serverImage === "") {
    problems.push(
      `${k("serverMode")}=http needs ${k("serverCommand")} (started inside our container) or ${k("serverImage")} (a sidecar); both are empty`,
    );
  }
  if (mode === "http" && c.serverCommand.length > 0 && c.serverImage !== "") {
    problems.push(
      `${k("serverCommand")} and ${k("serverImage")} are both set; allowed: one (the command runs in our container, the image beside it)`,
    );
  }
  if (c.target === "lambda" && c.serverImage !== "") {
    problems.push(
      `${show(k("serverImage"), c.serverImage)} is not supported on target lambda (a function runs one image); allowed there: empty, with serverCommand in our image`,
    );
  }
  if (c.target === "lambda" && mode !== "builtin" && c.serverStateful) {
    problems.push(
      `${show(k("serverStateful"), "true")} with ${k("serverMode")}=${mode} is refused on target lambda: each execution environment runs its own copy of your server, frozen between requests and discarded at will, so state is neither shared nor kept; allowed: false for a server that keeps no state between calls, or target ec2, dockerhost or fargate`,
    );
  }
  if (c.fargateEfs && c.serverWorkspace === "") {
    problems.push(`${show(k("fargateEfs"), "true")} needs ${k("serverWorkspace")} (the container path to mount it at)`);
  }
  if (c.serverWorkspace !== "" && mode === "builtin") {
    problems.push(
      `${show(k("serverWorkspace"), c.serverWorkspace)} applies to your own server; allowed with ${k("serverMode")}=builtin: empty`,
    );
  }
  return problems;
}

/** Combinations that deploy but may not do what the user means: each names the key and says what happens. */
function upstreamWarnings(c: StackConfig): string[] {
  const k = fullKey;
  const u = c.upstream;
  const warnings: string[] = [];
  if (u.mode === "builtin") return warnings;
  if (u.stateful && c.target === "cloudrun" && c.cloudrun.maxInstances > 1) {
    warnings.push(
      `${k("serverStateful")}=true on cloudrun with ${k("cloudrunMaxInstances")}=${c.cloudrun.maxInstances}: each instance runs its own copy of your server and requests are spread across them, so state is not shared; set ${k("cloudrunMaxInstances")}=1 to keep one copy`,
    );
  }
  if (u.stateful && c.target === "fargate" && c.fargate.maxTasks > 1) {
    warnings.push(
      `${k("serverStateful")}=true on fargate with ${k("fargateMaxTasks")}=${c.fargate.maxTasks}: each task runs its own copy of your server and the load balancer spreads requests across tasks, so state is not shared; set ${k("fargateMinTasks")}=1 and ${k("fargateMaxTasks")}=1 to keep one copy`,
    );
  }
  if (u.workspacePath !== undefined && (c.target === "lambda" || c.target === "cloudrun")) {
    warnings.push(
      `${k("serverWorkspace")}=${JSON.stringify(u.workspacePath)} on ${c.target} is ephemeral (in-memory or instance storage): it is lost when the ${c.target === "lambda" ? "execution environment" : "instance"} goes; use ec2, dockerhost or fargate with ${k("fargateEfs")} to keep it`,
    );
  }
  if (u.workspacePath !== undefined && c.target === "fargate" && !c.fargateEfs) {
    warnings.push(
      `${k("serverWorkspace")}=${JSON.stringify(u.workspacePath)} on fargate without ${k("fargateEfs")}=true is ephemeral task storage, lost when a task stops`,
    );
  }
  return warnings;
}

/** RFC 1918 and link-local IPv4 (https://www.rfc-editor.org/rfc/rfc1918#section-3): Let's Encrypt cannot reach them. */
const PRIVATE_IPV4 = /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.|127\.)/;

/** dockerhost combinations that deploy but may not work as meant. */
function dockerhostWarnings(c: StackConfig): string[] {
  const k = fullKey;
  const d = c.dockerhost;
  const warnings: string[] = [];
  if (c.target !== "dockerhost") return warnings;
  if (d.tls === "letsencrypt" && d.domain === undefined && PRIVATE_IPV4.test(d.address)) {
    warnings.push(
      `${k("dockerhostTls")}=letsencrypt with the private address ${d.address}: Let's Encrypt validates over the internet and cannot reach it, so the edge keeps a self-signed certificate; use ${k("dockerhostTls")}=localca for a LAN-only host`,
    );
  }
  if (d.logging === "local" && c.alerts.email !== undefined && d.smtp === undefined) {
    warnings.push(
      `${k("alertEmail")} with ${k("dockerhostLogging")}=local: Grafana evaluates the alert rules but cannot send e-mail without ${k("dockerhostSmtpHost")}; the alerts show in Grafana only`,
    );
  }
  if (d.keySource === "config" && c.apiKeyParameterNames.length > 0) {
    warnings.push(
      `${k("apiKeyParameterNames")} is ignored with ${k("dockerhostKeySource")}=config: the keys come from ${k("dockerhostApiKeys")} only`,
    );
  }
  return warnings;
}

/** Where `tracingPlatform` wires a collector sidecar (stacks/tracing.ts reads the same list). */
export const TRACING_PLATFORM_TARGETS = ["cloudrun", "fargate"] as const satisfies readonly McpTarget[];

/** Why a target has no platform collector. */
const TRACING_PLATFORM_WHY: Partial<Record<McpTarget, string>> = {
  lambda: "a container-image function takes no layers, so no ADOT collector",
  ec2: "no collector in its compose file yet",
  dockerhost: "the host has no cloud identity to sign exports with",
};

/** `auto` is loadbalancer for stacks named prod*, none otherwise (Pulumi.yaml defaults cannot depend on the stack). */
function resolveEdge(edge: string, stack: string): CloudRunEdge {
  if (edge === "auto") return /^prod/.test(stack) ? "loadbalancer" : "none";
  return edge as CloudRunEdge;
}

const orUndefined = (s: string) => (s === "" ? undefined : s);

/**
 * budgetMonthlyUsd: -1 (auto) is DEPLOY_DEFAULTS.alerts.budgetMonthlyUsd for stacks named prod*, none otherwise (and
 * none on dockerhost, whose spend is your own hardware); 0 none.
 */
function resolveBudget(usd: number, stack: string, target: string): number | undefined {
  if (usd === -1)
    return /^prod/.test(stack) && target !== "dockerhost" ? DEPLOY_DEFAULTS.alerts.budgetMonthlyUsd : undefined;
  return usd === 0 ? undefined : usd;
}

/**
 * Validates raw config against the schema and shapes it for the program.
 *
 * @param raw - `namespace:key` to raw string, as `pulumi.Config` holds it (arrays and objects as JSON). Keys missing
 *   here get their Pulumi.yaml default, as the Pulumi CLI gives them.
 * @throws {StackConfigError} listing every bad or unknown key with its value, the allowed values and how to set it.
 */
export function parseStackConfig(raw: RawConfig, project: string, stack: string): StackConfig {
  const problems = unknownKeyProblems(raw);
  const rawValue = (key: string): string | undefined =>
    raw[key] ??
    (key.startsWith(`${NAMESPACE}:`) ? rawDefault(key.slice(NAMESPACE.length + 1) as ConfigKey) : undefined);
  const decoded: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(CONFIG_SCHEMA) as [ConfigKey, ConfigKeySpec][]) {
    const value = rawValue(fullKey(key));
    decoded[key] = value === undefined ? undefined : decode(spec.type, value);
  }
  for (const key of Object.keys(PROVIDER_KEYS)) decoded[key] = raw[key]?.trim() || undefined;
  decoded["gcp:region"] ??= DEPLOY_DEFAULTS.cloudrun.region;
  const result = stackSchema(stack).safeParse(decoded);
  if (!result.success) {
    const seen = new Set<string>();
    for (const issue of result.error.issues) {
      if (issue.code === "custom" && (issue.params as { rule?: boolean } | undefined)?.rule) {
        problems.push(issue.message);
        continue;
      }
      const key = String(issue.path[0]);
      if (seen.has(key)) continue;
      seen.add(key);
      if (isKey(key)) {
        const value = rawValue(fullKey(key));
        const spec: ConfigKeySpec = CONFIG_SCHEMA[key];
        problems.push(
          `${show(fullKey(key), value)} is ${value === undefined ? "required" : "invalid"}; allowed: ${spec.allowed} (${setCommand(key)})`,
        );
      } else {
        problems.push(`${show(key, raw[key])} is invalid; allowed: ${PROVIDER_KEYS[key as ProviderKey].allowed}`);
      }
    }
  }
  if (problems.length > 0 || !result.success) throw new StackConfigError(problems);
  return toStackConfig(result.data as Decoded, project, stack);
}

function toStackConfig(c: Decoded, project: string, stack: string): StackConfig {
  const vpcId = orUndefined(c.fargateVpcId);
  const config: StackConfig = {
    project,
    stack,
    target: c.target as McpTarget,
    awsRegion: c["aws:region"] ?? "",
    rateLimit: {
      requestsPerSecond: c.rateLimitRps,
      burst: c.rateLimitBurst,
      perToolRequestsPerSecond: Object.fromEntries(
        c.toolRateLimits.map((entry) => {
          const [tool, rps] = entry.split("=") as [string, string];
          return [tool, Number(rps)];
        }),
      ),
    },
    monthlyQuota: c.monthlyQuota > 0 ? c.monthlyQuota : undefined,
    apiKeyIds: c.apiKeyIds,
    apiKeyParameterNames: c.apiKeyParameterNames,
    memoryMiB: c.memoryMiB,
    logRetentionDays: c.logRetentionDays,
    lambda: {
      streaming: c.lambdaStreaming,
      reservedConcurrency: c.lambdaReservedConcurrency > 0 ? c.lambdaReservedConcurrency : undefined,
      sharedKeyParameterNames: c.lambdaSharedKeyParameterNames,
      accessLogs: c.lambdaAccessLogs,
      manageApiGatewayAccount: c.lambdaManageApiGatewayAccount,
    },
    fargate: {
      cpu: c.fargateCpu / 1024,
      minTasks: c.fargateMinTasks,
      maxTasks: c.fargateMaxTasks,
      privateSubnets: c.fargatePrivateSubnets,
      vpcId,
      subnetIds: vpcId === undefined ? undefined : c.fargateSubnetIds,
      domainName: orUndefined(c.fargateDomainName),
      certificateArn: orUndefined(c.fargateCertificateArn),
    },
    cloudrun: {
      project: c["gcp:project"] ?? "",
      region: c["gcp:region"] ?? DEPLOY_DEFAULTS.cloudrun.region,
      edge: resolveEdge(c.cloudrunEdge, stack),
      domain: orUndefined(c.cloudrunDomain),
      maxInstances: c.cloudrunMaxInstances,
      cpu: c.cloudrunCpu,
      concurrency: c.cloudrunConcurrency,
    },
    ec2: {
      instanceType: c.ec2InstanceType,
      allowedCidrs: c.ec2AllowedCidrs,
      sshCidr: orUndefined(c.ec2SshCidr),
      domain: orUndefined(c.ec2Domain),
      acmeEmail: orUndefined(c.ec2AcmeEmail),
    },
    dockerhost: {
      address: c.dockerhostAddress,
      sshUser: c.dockerhostSshUser,
      sshPort: c.dockerhostSshPort,
      sshPrivateKey: orUndefined(c.dockerhostSshPrivateKey),
      knownHosts: c.dockerhostKnownHosts,
      domain: orUndefined(c.dockerhostDomain),
      tls: c.dockerhostTls as StackConfig["dockerhost"]["tls"],
      certificate: orUndefined(c.dockerhostCertificate),
      certificateKey: orUndefined(c.dockerhostCertificateKey),
      acmeEmail: orUndefined(c.dockerhostAcmeEmail),
      keySource: c.dockerhostKeySource as StackConfig["dockerhost"]["keySource"],
      apiKeys: c.dockerhostApiKeys,
      allowedCidrs: c.dockerhostAllowedCidrs,
      firewall: c.dockerhostFirewall,
      logging: c.dockerhostLogging as StackConfig["dockerhost"]["logging"],
      lokiUrl: orUndefined(c.dockerhostLokiUrl),
      dataDir: c.dockerhostDataDir,
      smtp:
        c.dockerhostSmtpHost === ""
          ? undefined
          : {
              host: c.dockerhostSmtpHost,
              user: orUndefined(c.dockerhostSmtpUser),
              password: orUndefined(c.dockerhostSmtpPassword),
              from: orUndefined(c.dockerhostSmtpFrom),
            },
    },
    usage: {
      requestsPerMonth: c.usageRequestsPerMonth,
      avgDurationMs: c.usageAvgDurationMs,
      avgResponseKb: c.usageAvgResponseKb,
      peakToAverage: c.usagePeakToAverage,
      logBytesPerRequest: c.usageLogBytesPerRequest,
      freeTier: c.usageFreeTier,
    },
    upstream: {
      mode: c.serverMode as ServerMode,
      runtime: c.serverRuntime as ServerRuntime,
      command: c.serverCommand,
      env: Object.fromEntries(
        c.serverEnv.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
      ),
      cwd: orUndefined(c.serverWorkdir),
      url: c.serverUrl,
      image: orUndefined(c.serverImage),
      timeoutMs: c.serverTimeoutMs,
      stateful: c.serverStateful,
      workspacePath: orUndefined(c.serverWorkspace),
    },
    fargateEfs: c.fargateEfs,
    alerts: {
      email: orUndefined(c.alertEmail),
      snsTopicArn: orUndefined(c.alertSnsTopicArn),
      budgetMonthlyUsd: resolveBudget(c.budgetMonthlyUsd, stack, c.target),
      gcpBillingAccount: orUndefined(c.gcpBillingAccount),
      errorRatePercent: c.alarmErrorRatePercent,
      throttleRatePercent: c.alarmThrottleRatePercent,
      latencyP99Ms: c.alarmLatencyP99Ms,
    },
    tracing:
      c.otelEndpoint === ""
        ? undefined
        : {
            endpoint: c.otelEndpoint,
            headers: Object.fromEntries(
              c.otelHeaders.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
            ),
          },
    tracingPlatform: c.tracingPlatform,
    warnings: [],
  };
  config.warnings.push(...upstreamWarnings(config), ...dockerhostWarnings(config));
  config.warnings.push(...alertWarnings(config));
  return config;
}

/**
 * Reads the current stack's whole config through the Pulumi runtime (so an unknown `mcp-anywhere:` key is seen, not
 * ignored) and validates it. @throws {StackConfigError}
 */
export function loadStackConfig(): StackConfig {
  const raw: RawConfig = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(`${NAMESPACE}:`) || Object.hasOwn(PROVIDER_KEYS, key)) raw[key] = value;
  }
  return parseStackConfig(raw, pulumi.getProject(), pulumi.getStack());
}
