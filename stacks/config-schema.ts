/**
 * The stack config schema: the one source of truth for every `mcp-anywhere:` key. The program validates config with it
 * (stacks/config.ts), and Pulumi.yaml's `config:` block and the README's config table are generated from it
 * (`npm run config:sync`; a test fails when either is stale).
 *
 * Keys are flat camelCase with no dot. A dotted key (`ec2.allowedCidrs`) is a property path to the Pulumi CLI
 * (`pulumi config set --path`) but a flat name to the Node SDK's `Config.get`, so the two would read different values;
 * and typed dotted keys fail validation on Pulumi CLI 3.202 up to the release with pulumi/pulumi#21246
 * (https://github.com/pulumi/pulumi/issues/21219).
 */
import { z } from "zod";
import { API_KEY_ID } from "../infra/core/api-key-names.js";
import { MCP_TARGETS, TOOL_NAME } from "../infra/core/contract.js";
import { DEPLOY_DEFAULTS, LOG_RETENTION_DAYS, USAGE_DEFAULTS } from "../infra/core/defaults.js";
import { CLOUD_RUN_CPUS, CLOUD_RUN_EDGES, FARGATE_SIZES } from "../infra/core/sizes.js";
import { SERVER_MODES, SERVER_RUNTIMES, UPSTREAM_DEFAULTS } from "../infra/core/upstream.js";

export const NAMESPACE = "mcp-anywhere";

/** The types a Pulumi.yaml `config:` declaration may have (https://www.pulumi.com/docs/iac/concepts/projects/project-file/). */
export type PulumiConfigType = "string" | "integer" | "boolean" | "array";

/** One config key: how Pulumi declares it, how the program validates it, and how a user sets it. */
export interface ConfigKeySpec {
  /** The Pulumi.yaml type; also how the raw string Pulumi hands over is decoded. */
  type: PulumiConfigType;
  /** Validates the decoded value. */
  schema: z.ZodType;
  /** The decoded default (Pulumi.yaml `default`); undefined: required, no default. */
  default?: string | number | boolean | readonly string[];
  /** Pulumi.yaml description and README meaning. */
  description: string;
  /** What the error message says is allowed. */
  allowed: string;
  /** A valid, non-default value (for arrays, one element): used in `pulumi config set` hints and tests. */
  example: string;
  /** How the README tells users to change the key, when a command is better than `pulumi config set`. */
  setWith?: string;
  /**
   * Set with `pulumi config set --secret`: the program passes the value on as a Pulumi secret only, and errors never
   * echo it.
   */
  secret?: boolean;
}

type Typed<T extends PulumiConfigType> = ConfigKeySpec & { type: T };

const int = (
  min: number,
  max: number,
  unit: string,
  def: number,
  description: string,
  example: number,
): Typed<"integer"> => ({
  type: "integer",
  schema: z.number().int().min(min).max(max),
  default: def,
  description,
  allowed: `an integer from ${min} to ${max} (${unit})`,
  example: String(example),
});

const oneOfInts = (values: readonly number[], def: number, description: string, example: number): Typed<"integer"> => ({
  type: "integer",
  schema: z.number().refine((n) => values.includes(n)),
  default: def,
  description,
  allowed: values.join(", "),
  example: String(example),
});

const bool = (def: boolean, description: string): Typed<"boolean"> => ({
  type: "boolean",
  schema: z.boolean(),
  default: def,
  description,
  allowed: "true, false",
  example: String(!def),
});

/** An optional string: "" means not set. */
const optional = (pattern: RegExp, allowed: string, description: string, example: string): Typed<"string"> => ({
  type: "string",
  schema: z.string().regex(new RegExp(`^$|${pattern.source}`, pattern.flags)),
  default: "",
  description,
  allowed: `${allowed}, or empty`,
  example,
});

/** A list of distinct strings matching `pattern`. */
const list = (
  pattern: RegExp,
  def: readonly string[],
  what: string,
  description: string,
  example: string,
): Typed<"array"> => ({
  type: "array",
  schema: z
    .array(z.string().regex(pattern))
    .refine((items) => new Set(items).size === items.length, { message: "duplicates" }),
  default: def,
  description,
  allowed: `a list of distinct ${what}`,
  example,
});

/**
 * A PEM-shaped example value (`-----BEGIN <label>----- <body> -----END <label>-----`, a truncated body that is no key):
 * what the schema's PEM rules accept, for hints and tests. Assembled here so that no key-shaped literal is committed.
 */
const pemShape = (label: string, body: string) =>
  [`-----BEGIN ${label}-----`, body, `-----END ${label}-----`].join(" ");

const DNS_NAME = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/;
/** A dockerhost address: an IPv4 literal or a DNS name (letters, digits, dots, hyphens). */
const HOST_ADDRESS =
  /^((25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}|([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)$/;
const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(\d|[12]\d|3[0-2])$/;
/** SSM parameter names: https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html */
const SSM_NAME = /^\/?[A-Za-z0-9_.\-/]{1,2011}$/;
const FARGATE_CPU_UNITS = Object.keys(FARGATE_SIZES)
  .map((vcpu) => Number(vcpu) * 1024)
  .sort((a, b) => a - b);

/** Every `mcp-anywhere:` key, in Pulumi.yaml order. */
export const CONFIG_SCHEMA = {
  target: {
    type: "string",
    schema: z.enum(MCP_TARGETS),
    description: `Deployment target: ${MCP_TARGETS.join(" | ")}. Required.`,
    allowed: MCP_TARGETS.join(", "),
    example: "fargate",
  },
  rateLimitRps: int(
    1,
    10_000,
    "requests/s",
    DEPLOY_DEFAULTS.rateLimit.requestsPerSecond,
    "Sustained requests/s per API key, at the edge and in the app.",
    50,
  ),
  rateLimitBurst: int(
    1,
    5_000,
    "requests",
    DEPLOY_DEFAULTS.rateLimit.burst,
    "Requests per API key allowed at once, at the edge and in the app.",
    100,
  ),
  toolRateLimits: list(
    new RegExp(`^${TOOL_NAME.source.slice(1, -1)}=[1-9]\\d{0,3}$`),
    [],
    "`tool=requests/s` entries (a tool name, then 1 to 9999), one per tool",
    "Per-tool limits, requests/s per API key and tool, at every edge that can key on the Mcp-Name header and in the app; a tool not listed uses rateLimitRps.",
    "estimate_cost=2",
  ),
  monthlyQuota: int(
    0,
    1e12,
    "requests/month",
    0,
    "Lambda: requests per API key per month at the edge (API Gateway usage plan); 0 for no quota.",
    1_000_000,
  ),
  apiKeyIds: {
    ...list(
      API_KEY_ID,
      DEPLOY_DEFAULTS.apiKeyIds,
      "key ids (letters, digits, _ . -; at most 64)",
      "Ids of the API keys this stack generates, one SSM SecureString /mcp-anywhere/<stack>/api-keys/<id> each (npm run keys).",
      "k2026-11",
    ),
    setWith: "npm run keys -- add <id> (rotation: see API keys)",
  },

  apiKeyParameterNames: list(
    SSM_NAME,
    [],
    "SSM parameter names (letters, digits, _ . - /)",
    "Existing SSM SecureString parameter names holding more API keys, used as they are.",
    "/mcp/keys/alice",
  ),
  memoryMiB: int(
    128,
    10_240,
    "MiB",
    DEPLOY_DEFAULTS.memoryMiB,
    "Memory per function, task or instance, MiB (Fargate: must fit fargateCpu).",
    1024,
  ),
  logRetentionDays: oneOfInts(
    LOG_RETENTION_DAYS,
    DEPLOY_DEFAULTS.logRetentionDays,
    "Log retention, days (a CloudWatch retention value).",
    90,
  ),
  serverMode: {
    type: "string",
    schema: z.enum(SERVER_MODES),
    default: UPSTREAM_DEFAULTS.mode,
    description:
      "Which MCP server answers behind ours (same keys, limits, TLS): builtin (our tools) | stdio (serverCommand as a child process) | http (a Streamable HTTP server at serverUrl, started from serverCommand or run from serverImage).",
    allowed: SERVER_MODES.join(", "),
    example: "stdio",
  },
  serverCommand: list(
    /^.{1,4096}$/s,
    [],
    "argv strings (the command, then its arguments)",
    "stdio: the command the image runs as the child (e.g. uvx --from serena-agent serena start-mcp-server); http: the command that starts the server inside our container (empty with serverImage).",
    "npx",
  ),
  serverEnv: {
    ...list(
      /^[A-Za-z_][A-Za-z0-9_]{0,127}=.{0,4096}$/s,
      [],
      "NAME=value entries",
      "Extra environment for your server only (not ours), NAME=value; passed as a secret, so set it with --secret when a value is one.",
      "LOG_LEVEL=info",
    ),
    secret: true,
  },
  serverWorkdir: optional(
    /^\/[^\0]{0,1023}$/,
    "an absolute container path",
    "Working directory of your server's process; empty: the image's.",
    "/workspace",
  ),
  serverUrl: {
    type: "string",
    schema: z.string().regex(/^http:\/\/(127\.0\.0\.1|localhost|[a-z][a-z0-9-]{0,62}):\d{1,5}(\/[A-Za-z0-9._~/-]*)?$/),
    default: UPSTREAM_DEFAULTS.url,
    description:
      "http: your server's Streamable HTTP URL inside the container, task or pod (plain HTTP, never public).",
    allowed: "http://127.0.0.1:<port>/<path> or http://localhost:<port>/<path> (a sidecar shares localhost)",
    example: "http://127.0.0.1:3000/mcp",
  },
  serverImage: optional(
    /^[a-z0-9][a-z0-9._/:-]{0,254}(@sha256:[0-9a-f]{64})?$/,
    "an image reference (registry/name:tag or @sha256 digest)",
    "http: your server's own image, run as a sidecar next to ours (fargate, cloudrun, ec2, dockerhost; not lambda).",
    "ghcr.io/example/mcp-server:1.2.3",
  ),
  serverRuntime: {
    type: "string",
    schema: z.enum(SERVER_RUNTIMES),
    default: UPSTREAM_DEFAULTS.runtime,
    description:
      "The runtime our image carries for serverCommand: node | python (adds Python 3 and uv, for uvx servers).",
    allowed: SERVER_RUNTIMES.join(", "),
    example: "python",
  },
  serverStateful: bool(
    UPSTREAM_DEFAULTS.stateful,
    "Your server keeps state between calls (Serena, server-memory): refused on lambda, warned about where several copies run.",
  ),
  serverTimeoutMs: int(
    1_000,
    900_000,
    "ms",
    UPSTREAM_DEFAULTS.timeoutMs,
    "Per-call timeout for your server, ms; the call is cancelled upstream and answered with a JSON-RPC error.",
    120_000,
  ),
  serverWorkspace: optional(
    /^\/[^\0]{0,1023}$/,
    "an absolute container path",
    "A container path kept across restarts and deploys (ec2, dockerhost: a Docker volume; fargate: EFS with fargateEfs); empty: none.",
    "/workspace",
  ),
  fargateEfs: bool(
    false,
    "Fargate: keep serverWorkspace on an EFS file system (priced in the cost model); otherwise it is ephemeral task storage.",
  ),
  lambdaStreaming: bool(false, "Lambda: stream responses through API Gateway (SSE) instead of buffering them."),
  lambdaReservedConcurrency: {
    type: "integer",
    schema: z
      .number()
      .int()
      .min(-1)
      .max(10_000)
      .refine((n) => n !== 0),
    default: -1,
    description: "Lambda: reserved concurrency cap as a cost guard; -1 for none.",
    allowed: "-1 (no cap) or 1 to 10000 (0 would stop every invocation)",
    example: "100",
  },
  lambdaSharedKeyParameterNames: list(
    SSM_NAME,
    DEPLOY_DEFAULTS.lambda.sharedKeyParameterNames,
    "SSM parameter names, each also in apiKeyParameterNames",
    "Lambda: key parameters (from apiKeyParameterNames) whose API Gateway key another stack in this account and region owns; this stack attaches that key instead of creating one (key values are unique per account and region).",
    "/mcp/keys/alice",
  ),
  lambdaAccessLogs: bool(
    DEPLOY_DEFAULTS.lambda.accessLogs,
    "Lambda: API Gateway stage access logs; only where the region's API Gateway CloudWatch Logs role is already set (lambdaManageApiGatewayAccount=true turns them on too).",
  ),
  lambdaManageApiGatewayAccount: bool(
    DEPLOY_DEFAULTS.lambda.manageApiGatewayAccount,
    "Lambda: opt in to setting the region's API Gateway CloudWatch Logs role (a per-account, per-region singleton), which access logs need.",
  ),
  fargateCpu: oneOfInts(
    FARGATE_CPU_UNITS,
    DEPLOY_DEFAULTS.fargate.cpu * 1024,
    `Fargate: CPU units per task (1024 = 1 vCPU): ${FARGATE_CPU_UNITS.join(", ")}.`,
    1024,
  ),
  fargateMinTasks: int(1, 100, "tasks", DEPLOY_DEFAULTS.fargate.minTasks, "Fargate: tasks kept running.", 2),
  fargateMaxTasks: int(
    1,
    100,
    "tasks",
    DEPLOY_DEFAULTS.fargate.maxTasks,
    "Fargate: most tasks CPU autoscaling may run.",
    6,
  ),
  fargatePrivateSubnets: bool(
    false,
    "Fargate: run tasks in private subnets behind a NAT gateway instead of public subnets.",
  ),
  fargateVpcId: optional(
    /^vpc-[0-9a-f]{8,17}$/,
    "a VPC id (vpc-…)",
    "Fargate: an existing VPC to use (with fargateSubnetIds); empty creates one.",
    "vpc-0123456789abcdef0",
  ),
  fargateSubnetIds: list(
    /^subnet-[0-9a-f]{8,17}$/,
    [],
    "subnet ids (subnet-…)",
    "Fargate: public subnets of fargateVpcId in at least 2 AZs.",
    "subnet-0123456789abcdef0",
  ),
  fargateDomainName: optional(
    DNS_NAME,
    "a DNS name such as mcp.example.com",
    "Fargate: a custom domain for CloudFront (with fargateCertificateArn).",
    "mcp.example.com",
  ),
  fargateCertificateArn: optional(
    /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/.+$/,
    "an ACM certificate ARN in us-east-1 (CloudFront's region)",
    "Fargate: ACM certificate in us-east-1 for fargateDomainName.",
    "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d",
  ),
  cloudrunEdge: {
    type: "string",
    schema: z.enum(["auto", ...CLOUD_RUN_EDGES]),
    default: "auto",
    description: "Cloud Run: auto | none | loadbalancer. auto is loadbalancer for stacks named prod*, none otherwise.",
    allowed: `auto, ${CLOUD_RUN_EDGES.join(", ")}`,
    example: "loadbalancer",
  },
  cloudrunDomain: optional(
    DNS_NAME,
    "a DNS name such as mcp.example.com",
    "Cloud Run: custom domain for the load-balancer edge; empty uses <ip>.nip.io.",
    "mcp.example.com",
  ),
  cloudrunMaxInstances: int(
    1,
    1000,
    "instances",
    DEPLOY_DEFAULTS.cloudrun.maxInstances,
    "Cloud Run: most instances, a cost and abuse cap.",
    20,
  ),
  cloudrunCpu: oneOfInts(
    CLOUD_RUN_CPUS,
    DEPLOY_DEFAULTS.cloudrun.cpu,
    `Cloud Run: vCPU per instance: ${CLOUD_RUN_CPUS.join(", ")}.`,
    2,
  ),
  cloudrunConcurrency: int(
    1,
    1000,
    "requests",
    DEPLOY_DEFAULTS.cloudrun.concurrency,
    "Cloud Run: requests one instance serves at once.",
    40,
  ),
  ec2InstanceType: {
    type: "string",
    schema: z.string().regex(/^[a-z]+\d+g[a-z]*\.[a-z0-9]+$/),
    default: DEPLOY_DEFAULTS.ec2.instanceType,
    description: "EC2: a Graviton (arm64) instance type.",
    allowed: "a Graviton (arm64) type such as t4g.small or m7g.medium",
    example: "m7g.medium",
  },
  ec2AllowedCidrs: list(
    IPV4_CIDR,
    DEPLOY_DEFAULTS.ec2.allowedCidrs,
    "IPv4 CIDRs",
    "EC2: CIDRs that may reach port 443 (auth and rate limits protect it); port 80 stays open to all for Let's Encrypt HTTP-01.",
    "203.0.113.0/24",
  ),
  ec2SshCidr: {
    type: "string",
    schema: z.string().refine((v) => v === "" || (IPV4_CIDR.test(v) && !v.endsWith("/0"))),
    default: "",
    description: "EC2: one CIDR allowed on port 22 (never 0.0.0.0/0); empty: no SSH, use SSM.",
    allowed: "one IPv4 CIDR narrower than /0, e.g. 203.0.113.7/32 (never 0.0.0.0/0: use SSM Session Manager), or empty",
    example: "203.0.113.7/32",
  },
  ec2Domain: optional(
    DNS_NAME,
    "a DNS name such as mcp.example.com",
    "EC2: the certificate's host name (A record to the Elastic IP); empty: a certificate for the Elastic IP itself.",
    "mcp.example.com",
  ),
  ec2AcmeEmail: optional(
    /^[^@\s]+@[^@\s]+\.[a-zA-Z]{2,}$/,
    "an e-mail address",
    "EC2: e-mail for the Let's Encrypt account; empty registers without one.",
    "ops@example.com",
  ),
  dockerhostAddress: optional(
    HOST_ADDRESS,
    "an IPv4 address or a DNS name such as 192.0.2.10 or docker1.example.com",
    "Docker host: where SSH and the edge reach the host (IP or DNS name). Required for target dockerhost.",
    "192.0.2.10",
  ),
  dockerhostSshUser: {
    type: "string",
    schema: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/),
    default: DEPLOY_DEFAULTS.dockerhost.sshUser,
    description: "Docker host: the SSH user (root, or a user with passwordless sudo).",
    allowed: "a Unix user name such as root or deploy",
    example: "deploy",
  },
  dockerhostSshPort: int(1, 65_535, "TCP port", DEPLOY_DEFAULTS.dockerhost.sshPort, "Docker host: the SSH port.", 2222),
  dockerhostSshPrivateKey: {
    type: "string",
    schema: z.string().regex(/^$|^-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+-----END [A-Z ]*PRIVATE KEY-----\s*$/),
    default: "",
    description:
      "Docker host: the SSH private key (PEM/OpenSSH, unencrypted), set with --secret; empty: the ssh-agent at SSH_AUTH_SOCK.",
    allowed: "an unencrypted PEM or OpenSSH private key, or empty",
    example: pemShape("OPENSSH PRIVATE KEY", "b3BlbnNzaC1rZXk"),
    setWith: "pulumi config set --secret mcp-anywhere:dockerhostSshPrivateKey < ~/.ssh/id_ed25519",
    secret: true,
  },
  dockerhostKnownHosts: optional(
    /^[^\s]+ (ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+$/,
    "one known_hosts line: <host> <key type> <base64 key> (ssh-keyscan -t ed25519 <host>)",
    "Docker host: the host's SSH key as one known_hosts line, required for target dockerhost; every SSH connection of the deployment checks it.",
    "192.0.2.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
  ),
  dockerhostDomain: optional(
    DNS_NAME,
    "a DNS name such as mcp.example.com",
    "Docker host: the certificate's and URL's host name; empty: dockerhostAddress.",
    "mcp.example.com",
  ),
  dockerhostTls: {
    type: "string",
    schema: z.enum(["letsencrypt", "user", "localca"]),
    default: DEPLOY_DEFAULTS.dockerhost.tls,
    description:
      "Docker host TLS: letsencrypt (HTTP-01; the host must be reachable from the internet on port 80) | user (dockerhostCertificate + dockerhostCertificateKey) | localca (a CA made on the host, for LAN-only hosts; clients must trust it).",
    allowed: "letsencrypt, user, localca",
    example: "localca",
  },
  dockerhostCertificate: {
    type: "string",
    schema: z.string().regex(/^$|^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/),
    default: "",
    description: "Docker host, dockerhostTls=user: the certificate chain (PEM, leaf first).",
    allowed: "a PEM certificate chain, or empty",
    example: pemShape("CERTIFICATE", "MIIBszCCAVmgAwIBAgIU"),
    setWith: "pulumi config set --secret mcp-anywhere:dockerhostCertificate < fullchain.pem",
    secret: true,
  },
  dockerhostCertificateKey: {
    type: "string",
    schema: z.string().regex(/^$|^-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+-----END [A-Z ]*PRIVATE KEY-----\s*$/),
    default: "",
    description: "Docker host, dockerhostTls=user: the certificate's private key (PEM, unencrypted).",
    allowed: "an unencrypted PEM private key, or empty",
    example: pemShape("PRIVATE KEY", "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg"),
    setWith: "pulumi config set --secret mcp-anywhere:dockerhostCertificateKey < privkey.pem",
    secret: true,
  },
  dockerhostAcmeEmail: optional(
    /^[^@\s]+@[^@\s]+\.[a-zA-Z]{2,}$/,
    "an e-mail address",
    "Docker host, dockerhostTls=letsencrypt: e-mail for the Let's Encrypt account; empty registers without one.",
    "ops@example.com",
  ),
  dockerhostKeySource: {
    type: "string",
    schema: z.enum(["ssm", "config"]),
    default: DEPLOY_DEFAULTS.dockerhost.keySource,
    description:
      "Docker host: where the API keys live: ssm (AWS SSM SecureString, apiKeyIds/apiKeyParameterNames, read at deploy time) | config (dockerhostApiKeys, a Pulumi secret; no AWS account needed).",
    allowed: "ssm, config",
    example: "config",
  },
  dockerhostApiKeys: {
    ...list(
      /^[A-Za-z0-9._~+/=-]{16,256}$/,
      [],
      "API keys (16 to 256 of A-Z a-z 0-9 . _ ~ + / = -)",
      "Docker host, dockerhostKeySource=config: the API keys themselves, as a Pulumi secret (openssl rand -hex 24).",
      "3f9c2a7d1e6b4c8a9f0e2d4b6a8c1e3f5a7b9c0d2e4f6a8b",
    ),
    secret: true,
  },
  dockerhostAllowedCidrs: list(
    IPV4_CIDR,
    DEPLOY_DEFAULTS.dockerhost.allowedCidrs,
    "IPv4 CIDRs",
    "Docker host, with dockerhostFirewall: CIDRs that may reach port 443; port 80 stays open for ACME HTTP-01, SSH is never touched.",
    "192.168.1.0/24",
  ),
  dockerhostFirewall: bool(
    false,
    "Docker host: install an nftables rule set that drops port 443 from outside dockerhostAllowedCidrs (before Docker's NAT).",
  ),
  dockerhostLogging: {
    type: "string",
    schema: z.enum(["none", "local", "remote"]),
    default: DEPLOY_DEFAULTS.dockerhost.logging,
    description:
      "Docker host logs: none (Docker's local driver) | local (Grafana Alloy + Loki + Grafana on the host, Grafana on 127.0.0.1) | remote (Alloy ships to dockerhostLokiUrl).",
    allowed: "none, local, remote",
    example: "local",
  },
  dockerhostLokiUrl: optional(
    /^https?:\/\/[^\s]+\/loki\/api\/v1\/push$/,
    "a Loki push URL such as https://loki.example.com/loki/api/v1/push",
    "Docker host, dockerhostLogging=remote: the Loki push endpoint Alloy writes to.",
    "https://loki.example.com/loki/api/v1/push",
  ),
  dockerhostDataDir: {
    type: "string",
    schema: z.string().regex(/^\/[A-Za-z0-9._/-]{1,200}$/),
    default: DEPLOY_DEFAULTS.dockerhost.dataDir,
    description: "Docker host: where Loki and Grafana keep their data (dockerhostLogging=local).",
    allowed: "an absolute path such as /var/lib/mcp-anywhere",
    example: "/srv/mcp-anywhere",
  },
  dockerhostSmtpHost: optional(
    /^[A-Za-z0-9.-]+:\d{1,5}$/,
    "host:port of an SMTP server, such as smtp.example.com:587",
    "Docker host, dockerhostLogging=local with alertEmail: the SMTP server Grafana sends alert e-mail through; empty: alerts show in Grafana only.",
    "smtp.example.com:587",
  ),
  dockerhostSmtpUser: optional(
    /^[^\s]{1,256}$/,
    "an SMTP user name",
    "Docker host: the SMTP user for Grafana's alert e-mail; empty: no login.",
    "alerts@example.com",
  ),
  dockerhostSmtpPassword: {
    ...optional(
      /^.{1,256}$/,
      "an SMTP password",
      "Docker host: the SMTP password for Grafana's alert e-mail.",
      "s3cret",
    ),
    secret: true,
  },
  dockerhostSmtpFrom: optional(
    /^[^@\s]+@[^@\s]+\.[a-zA-Z]{2,}$/,
    "an e-mail address",
    "Docker host: the sender of Grafana's alert e-mail; empty: dockerhostSmtpUser.",
    "grafana@example.com",
  ),
  alertEmail: optional(
    /^[^@\s]+@[^@\s]+\.[a-zA-Z]{2,}$/,
    "an e-mail address",
    "Where budget and alarm notifications go (confirm the subscription e-mail once); empty: none unless alertSnsTopicArn.",
    "ops@example.com",
  ),
  alertSnsTopicArn: optional(
    /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/,
    "an SNS topic ARN",
    "AWS targets: an existing SNS topic for budget and alarm notifications, instead of or besides alertEmail.",
    "arn:aws:sns:ap-northeast-1:123456789012:ops-alerts",
  ),
  budgetMonthlyUsd: {
    type: "integer",
    schema: z.number().int().min(-1).max(1_000_000),
    default: -1,
    description:
      "Monthly budget for this stack's resources, USD/month, alerting at 80% actual and 100% forecast: -1 auto (on in stacks named prod*, at DEPLOY_DEFAULTS.alerts.budgetMonthlyUsd), 0 off.",
    allowed: "-1 (auto), 0 (off), or 1 to 1000000 (USD/month)",
    example: "25",
  },
  gcpBillingAccount: optional(
    /^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/,
    "a billing account id such as 012345-6789AB-CDEF01",
    "Cloud Run: the billing account for the stack's budget (a GCP budget lives on the billing account); empty: no budget on cloudrun.",
    "012345-6789AB-CDEF01",
  ),
  alarmErrorRatePercent: int(
    1,
    100,
    "% of requests",
    DEPLOY_DEFAULTS.alerts.errorRatePercent,
    "Alarm when 5xx responses at the edge exceed this share of requests over 5 minutes.",
    2,
  ),
  alarmThrottleRatePercent: int(
    1,
    100,
    "% of requests",
    DEPLOY_DEFAULTS.alerts.throttleRatePercent,
    "Alarm when 429 responses at the edge exceed this share of requests over 5 minutes.",
    10,
  ),
  alarmLatencyP99Ms: int(
    100,
    900_000,
    "ms",
    DEPLOY_DEFAULTS.alerts.latencyP99Ms,
    "Alarm when the edge's p99 latency exceeds this over 5 minutes, ms.",
    5_000,
  ),
  otelEndpoint: optional(
    /^https?:\/\/[^\s]+$/,
    "an OTLP/HTTP base URL such as https://otlp.example.com:4318",
    "OpenTelemetry traces: the OTLP/HTTP endpoint the server exports spans to; empty: tracing off (costs nothing).",
    "https://otlp.example.com:4318",
  ),
  tracingPlatform: bool(
    false,
    "Traces to the platform's own backend through a collector sidecar beside the server: AWS X-Ray (ADOT collector) on fargate, Cloud Trace on cloudrun; priced in the cost estimate. Not with otelEndpoint; other targets use otelEndpoint.",
  ),
  otelHeaders: {
    ...list(
      /^[A-Za-z0-9-]{1,128}=.{1,4096}$/s,
      [],
      "Header=value entries",
      "OpenTelemetry traces: headers sent with each OTLP export (e.g. an API key header); passed as a secret.",
      "x-honeycomb-team=abc123",
    ),
    secret: true,
  },
  usageRequestsPerMonth: int(
    0,
    1e12,
    "requests/month",
    USAGE_DEFAULTS.requestsPerMonth,
    "Cost estimate: requests per month (the estimatedMonthlyCostUsd output).",
    5_000_000,
  ),
  usageAvgDurationMs: int(
    1,
    900_000,
    "ms",
    USAGE_DEFAULTS.avgDurationMs,
    "Cost estimate: average request duration, ms.",
    500,
  ),
  usageAvgResponseKb: int(
    0,
    6_000,
    "KB",
    USAGE_DEFAULTS.avgResponseKb,
    "Cost estimate: average response size, KB.",
    16,
  ),
  usagePeakToAverage: int(
    1,
    1_000,
    "ratio",
    USAGE_DEFAULTS.peakToAverage,
    "Cost estimate: peak ÷ average request rate.",
    5,
  ),
  usageLogBytesPerRequest: int(
    0,
    1e6,
    "bytes",
    USAGE_DEFAULTS.logBytesPerRequest,
    "Cost estimate: log bytes written per request.",
    2048,
  ),
  usageFreeTier: bool(USAGE_DEFAULTS.freeTier, "Cost estimate: apply published free tiers."),
} as const satisfies Record<string, ConfigKeySpec>;

export type ConfigKey = keyof typeof CONFIG_SCHEMA;

/** The decoded value types, per key. */
export type ConfigValues = {
  [K in ConfigKey]: (typeof CONFIG_SCHEMA)[K]["type"] extends "integer"
    ? number
    : (typeof CONFIG_SCHEMA)[K]["type"] extends "boolean"
      ? boolean
      : (typeof CONFIG_SCHEMA)[K]["type"] extends "array"
        ? string[]
        : string;
};

/** `mcp-anywhere:<key>` */
export const fullKey = (key: string): string => `${NAMESPACE}:${key}`;

/** The exact command that sets `key` to `value` (an element, for arrays). */
export function setCommand(key: ConfigKey, value: string = CONFIG_SCHEMA[key].example): string {
  const spec: ConfigKeySpec = CONFIG_SCHEMA[key];
  const quoted = /^[A-Za-z0-9_./:@-]+$/.test(value) ? value : `'${value}'`;
  const secret = spec.secret ? "--secret " : "";
  return spec.type === "array"
    ? `pulumi config set ${secret}--path '${fullKey(key)}[0]' ${quoted}`
    : `pulumi config set ${secret}${fullKey(key)} ${quoted}`;
}

/** A default as Pulumi hands it to the program: a string, arrays as JSON. */
export function rawDefault(key: ConfigKey): string | undefined {
  const def = (CONFIG_SCHEMA[key] as ConfigKeySpec).default;
  if (def === undefined) return undefined;
  return typeof def === "string" ? def : JSON.stringify(def);
}

/**
 * Decodes a raw config string the way its Pulumi.yaml type says: integers from decimal digits only, booleans from
 * `true`/`false`, arrays from JSON (which is how the SDK hands over a value set with `--path` or as YAML). Returns the
 * raw string itself when it cannot be decoded, so that the key's schema reports it.
 */
export function decode(type: PulumiConfigType, raw: string): unknown {
  const value = raw.trim();
  switch (type) {
    case "integer":
      return /^-?\d+$/.test(value) ? Number(value) : raw;
    case "boolean":
      return value === "true" ? true : value === "false" ? false : raw;
    case "array":
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return raw;
      }
    case "string":
      return value;
  }
}

/** The zod object over decoded values, every key present (defaults applied by the caller). */
export const configObject = z.object(
  Object.fromEntries(Object.entries(CONFIG_SCHEMA).map(([k, spec]) => [k, spec.schema])) as {
    [K in ConfigKey]: z.ZodType<ConfigValues[K]>;
  },
);
