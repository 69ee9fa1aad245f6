/**
 * Deployment defaults, in one place: components apply them with `??`, and the stack config's defaults in Pulumi.yaml
 * match them (a test checks). The pure layer: no Pulumi, no server code. The server takes its rate-limit and path
 * defaults from {@link EDGE_AND_APP_DEFAULTS} here, so edge and app agree.
 */

/** Defaults the edge (every target) and the app (server/defaults.ts) share. */
export const EDGE_AND_APP_DEFAULTS = {
  /** The server's TCP port in the container. */
  port: 8080,
  /** Largest request body, bytes (1 MiB), at the edge and in the app. */
  maxBodyBytes: 1024 * 1024,
  /** Grace for in-flight requests after SIGTERM, ms (the platform's stop timeout must be longer). */
  shutdownGraceMs: 10_000,
  /** Streamable HTTP endpoint. */
  mcpPath: "/mcp",
  /**
   * Unauthenticated health check used by Lambda Web Adapter, ALB, Cloud Run and nginx. Not `/healthz`: Cloud Run's
   * front end answers some paths ending in `z` itself, so `/healthz` never reaches the container there
   * (https://cloud.google.com/run/docs/issues#ah, "Reserved URL paths").
   */
  healthPath: "/health",
  /** The health path of earlier releases, still answered by the app (old probes, old Lambda adapter settings). */
  legacyHealthPath: "/healthz",
  /** Sustained requests/s per API key. */
  rateLimitRps: 20,
  /** Requests per API key allowed at once. */
  rateLimitBurst: 40,
  /** Requests/min per client IP without a valid key. */
  rateLimitIpPerMinute: 60,
} as const;

/** CloudWatch Logs' allowed retention values, days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/**
 * Cost-model assumptions, documented in the README ("Which target is cheapest?"). Not prices: those are in
 * infra/core/cost/prices.ts.
 */
export const COST_ASSUMPTIONS = {
  /** Share of Lambda requests that start a new sandbox. */
  lambdaColdStartRate: 0.01,
  /** Lambda INIT duration per cold start, ms (billed for container images). */
  lambdaInitMs: 500,
  /** Requests one vCPU serves at once (Fargate tasks and EC2 instances), for capacity steps. */
  concurrencyPerVcpu: 100,
  /** Compressed image size stored in a registry, GB. */
  imageSizeGb: 0.1,
  /** Average request size, KB (for load-balancer processed bytes). */
  requestKb: 2,
  /**
   * GB kept on the Fargate EFS workspace (config `fargateEfs`), for the estimate only: a checked-out project of a few
   * hundred MB plus a Python environment and language-server caches (Serena), rounded up. EFS bills the average
   * stored GB-month, so a larger workspace scales the line linearly.
   */
  efsWorkspaceGb: 5,
} as const;

/** Usage profile defaults for cost estimates (CLI, stack outputs, MCP tool). */
export const USAGE_DEFAULTS = {
  requestsPerMonth: 1_000_000,
  avgDurationMs: 200,
  avgResponseKb: 4,
  peakToAverage: 3,
  logBytesPerRequest: 1024,
  freeTier: false,
} as const;

export const DEPLOY_DEFAULTS = {
  /** MiB. */
  memoryMiB: 512,
  /** Days. */
  logRetentionDays: 30,
  rateLimit: {
    /** requests/s per key */
    requestsPerSecond: EDGE_AND_APP_DEFAULTS.rateLimitRps,
    /** requests per key at once */
    burst: EDGE_AND_APP_DEFAULTS.rateLimitBurst,
    /** requests/min per IP without a valid key */
    perIpRequestsPerMinute: EDGE_AND_APP_DEFAULTS.rateLimitIpPerMinute,
  },
  mcpPath: EDGE_AND_APP_DEFAULTS.mcpPath,
  healthPath: EDGE_AND_APP_DEFAULTS.healthPath,
  /** Images kept in the ECR repository. */
  keepImages: 10,
  /** Length of a generated API key: alphanumeric, inside API Gateway's 20 to 128 rule. */
  apiKeyLength: 40,
  /** Ids of the keys a stack generates (infra/api-keys.ts), one SSM SecureString `/mcp-anywhere/<stack>/api-keys/<id>` each. */
  apiKeyIds: ["default"],
  fargate: {
    /** vCPU per task. */
    cpu: 0.25,
    /** Tasks kept running. */
    minTasks: 1,
    /** Most tasks autoscaling may run. */
    maxTasks: 3,
  },
  ec2: {
    /** A Graviton (arm64) type: the AMI is Amazon Linux 2023 arm64. */
    instanceType: "t4g.small",
    /** Encrypted gp3 root volume, GiB. */
    rootVolumeGiB: 16,
    /** Who may reach port 443 (auth and rate limits protect it, as with API Gateway); port 80 stays open for ACME HTTP-01. */
    allowedCidrs: ["0.0.0.0/0"],
    /** Public SSM parameter holding the latest Amazon Linux 2023 arm64 AMI id. */
    amiParameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
  },
  /** Any Docker host over SSH (components/dockerhost-mcp-service.ts). */
  dockerhost: {
    /** SSH login; a non-root user needs passwordless sudo and the docker group. */
    sshUser: "root",
    /** SSH port. */
    sshPort: 22,
    /** letsencrypt | user | localca */
    tls: "letsencrypt",
    /** ssm (AWS SSM, read at deploy time) | config (a Pulumi secret list, no cloud at all) */
    keySource: "ssm",
    /** Who may reach port 443 (only enforced with the firewall on); port 80 stays open for ACME HTTP-01. */
    allowedCidrs: ["0.0.0.0/0"],
    /** none | local (Alloy + Loki + Grafana on the host) | remote (Alloy to dockerhostLokiUrl) */
    logging: "none",
    /** Where Loki and Grafana keep their data on the host. */
    dataDir: "/var/lib/mcp-anywhere",
    /** Grafana's port on the host, bound to 127.0.0.1 only (reach it through an SSH tunnel). */
    grafanaPort: 3000,
  },
  cloudrun: {
    /** GCP region when `gcp:region` is not set. */
    region: "asia-northeast1",
    /** vCPU per instance. */
    cpu: 1,
    /** Most instances (a cost and abuse cap). */
    maxInstances: 10,
    /** Requests one instance serves at once. */
    concurrency: 80,
    /** Request timeout, s. */
    requestTimeoutSeconds: 300,
    /**
     * Share of requests the load-balancer edge logs, 0 to 1 (components/cloudrun/load-balancer-edge.ts: about 150 MB
     * of Cloud Logging per million requests; review finding m3).
     */
    edgeLogSampleRate: 0.1,
  },
  /** Guardrails: the stack's budget and the edge's alarms (issue 17). */
  alerts: {
    /** USD/month budget that budgetMonthlyUsd=-1 (auto) gives a stack named prod*. */
    budgetMonthlyUsd: 50,
    /** Budget notification at this share of the budget, actual spend, %. */
    budgetActualPercent: 80,
    /** Budget notification at this share of the budget, forecast spend, %. */
    budgetForecastPercent: 100,
    /** 5xx responses, % of requests over the alarm period. */
    errorRatePercent: 5,
    /** 429 responses, % of requests over the alarm period. */
    throttleRatePercent: 20,
    /** p99 latency at the edge, ms. */
    latencyP99Ms: 10_000,
    /** Alarm evaluation period, s. */
    periodSeconds: 300,
  },
  lambda: {
    /** Function timeout, s (buffered). */
    timeoutSeconds: 30,
    /** Buffered integration timeout, ms: API Gateway's maximum without a quota increase. */
    integrationTimeoutMs: 29_000,
    /** Function and integration timeout with response streaming, s (a STREAM integration allows up to 900 s). */
    streamingTimeoutSeconds: 300,
    /** API Gateway stage name. */
    stageName: "v1",
    /**
     * Set the region's API Gateway CloudWatch Logs role (`aws.apigateway.Account`, one per account and region). Off:
     * the setting is region-wide, so a stack must not take it over unless asked (review finding F5).
     */
    manageApiGatewayAccount: false,
    /**
     * Stage access logs. API Gateway rejects a stage with access logging when the region has no CloudWatch Logs role
     * set ("CloudWatch Logs role ARN must be set in account settings to enable logging"), so they are on only when
     * asked for, or when this stack manages the role.
     */
    accessLogs: false,
    /**
     * Key parameters whose API Gateway key another stack owns (API Gateway key values are unique per account and
     * region). None: each stack creates a key for each of its parameters.
     */
    sharedKeyParameterNames: [] as readonly string[],
  },
} as const;

/** Traces (server/telemetry/tracing.ts). */
export const TRACING_DEFAULTS = {
  /**
   * Longest wait, ms, for the span export that ends a response where the platform stops the process's CPU once the
   * response is sent (lambda, cloudrun): a slow or unreachable collector delays a response by at most this much, and
   * the span is then left to the next batch.
   */
  responseFlushTimeoutMs: 1000,
} as const;
