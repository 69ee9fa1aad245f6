/**
 * `CloudRunMcpService` (`mcp-anywhere:gcp:CloudRunMcpService`): the server image on Cloud Run v2. The API keys stay in
 * AWS SSM (the single source of truth); at deploy time each key parameter is read and mirrored into its own Secret
 * Manager secret, so the service never calls AWS. A dedicated service account may access exactly those secrets.
 *
 * Anyone may invoke the service, because MCP clients cannot mint Google ID tokens; the app enforces the API key. The
 * service turns Cloud Run's invoker IAM check off (`invokerIamDisabled`) instead of granting roles/run.invoker to
 * `allUsers`, which the domain-restricted-sharing organization policy refuses, and which is enforced by default in
 * organizations created since 2024-05-03 (review finding B2; "Allowing public (unauthenticated) access",
 * https://cloud.google.com/run/docs/authenticating/public: "The recommended way to make a public service is to
 * disable the Cloud Run Invoker IAM check"; https://cloud.google.com/resource-manager/docs/secure-by-default-organizations).
 * With `edge: "loadbalancer"`, a global external ALB with Cloud Armor sits in front
 * (components/cloudrun/load-balancer-edge.ts) and the service accepts traffic only from load balancers.
 *
 * The component enables the APIs it calls (run, secretmanager, iam, and compute with the edge; infra/google-apis.ts)
 * and every child that calls one lists its Service in `dependsOn` (review finding B1). They are never disabled.
 *
 * Each key's secret version is pinned in the service (not `latest`): Cloud Run resolves an env-var secret once, when
 * an instance starts, so a new SSM value must make a new revision to reach running instances (review finding M4;
 * "Configure secrets for services", https://cloud.google.com/run/docs/configuring/services/secrets: "Google
 * recommends that you pin the secret to a particular version rather than using latest"). A changed SSM value replaces
 * the SecretVersion (@pulumi/gcp `secretmanager.SecretVersion`: "The behavior of the `secretData` field is force
 * new"); Pulumi creates the new version first, the service's template then names its new number (a new revision),
 * and the old version is deleted last.
 *
 * A user's MCP server (`upstream`): its plain settings in our container's environment (infra/server-env.ts); its
 * serverEnv as more Secret Manager secrets (one per variable, pinned like the keys; components/cloudrun/secret-env.ts),
 * in the container that runs it (tracing's OTEL_EXPORTER_OTLP_HEADERS goes the same way, into our container); a
 * sidecar image (http with `upstream.image`) as a second container that shares the instance's localhost, with our
 * container the only one with a port and started after it; `upstream.workspacePath` as an in-memory volume, gone
 * with the instance. With `tracing.platformCollector` (tracingPlatform), an OpenTelemetry Collector sidecar that exports
 * our spans to Cloud Trace (infra/core/tracing-platform.ts), started before ours, with roles/cloudtrace.agent for the
 * service account; both sidecars may run at once.
 *
 * Pass the GCP provider through `opts.providers`; SSM reads use the AWS provider in scope.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { McpServiceArgs, McpServiceOutputs } from "../infra/core/contract.js";
import { DEPLOY_DEFAULTS } from "../infra/core/defaults.js";
import { CLOUD_RUN_CPUS, CLOUD_RUN_EDGES, type CloudRunEdge, cloudRunSizeProblem } from "../infra/core/sizes.js";
import {
  CLOUD_RUN_COLLECTOR_LIMITS,
  CLOUD_TRACE_ROLE,
  COLLECTOR_CONFIG_ENV,
  COLLECTOR_CONTAINER,
  COLLECTOR_HEALTH_PORT,
  COLLECTOR_IMAGES,
  cloudTraceCollectorConfig,
} from "../infra/core/tracing-platform.js";
import { UPSTREAM_START_GRACE_SECONDS } from "../infra/core/upstream.js";
import { enableGoogleApis, type GoogleApi } from "../infra/google-apis.js";
import { serverEnvironment, upstreamSidecarImage } from "../infra/server-env.js";
import { ComponentArgsError, resolveServiceArgs } from "../infra/service-args.js";
import { readKeyParameter } from "../infra/ssm-read.js";
import { serverSecretGroups } from "../infra/upstream-secrets.js";
import { DEFAULT_EDGE_LOG_SAMPLE_RATE, loadBalancerEdge } from "./cloudrun/load-balancer-edge.js";
import { secretManagerVariables } from "./cloudrun/secret-env.js";

export { CLOUD_RUN_CPUS, CLOUD_RUN_EDGES, type CloudRunEdge };

/** Container names, set only with a sidecar (Cloud Run needs them to tell containers apart). */
export const CONTAINER_NAME = "mcp";
export const SIDECAR_NAME = "upstream";
/** The port our server listens on (server/Dockerfile `PORT`), named on the ingress container when there is a sidecar. */
export const CONTAINER_PORT = 8080;
/** The serverWorkspace volume (in memory). */
export const WORKSPACE_VOLUME = "workspace";

export interface CloudRunMcpServiceArgs extends McpServiceArgs {
  /** GCP region, e.g. `asia-northeast1`. */
  region: string;
  /** Used in resource ids (service, secrets, service account). */
  stack: string;
  /** vCPU per instance. @default 1 */
  cpu?: number;
  /** Most instances: a cost and abuse cap. @default 10 */
  maxInstances?: number;
  /** Requests one instance serves at once. @default 80 */
  concurrency?: number;
  /** @default "none" */
  edge?: CloudRunEdge;
  /** Custom domain for the load-balancer edge; its A record must point at the reserved IP. @default `<ip>.nip.io` */
  domain?: string;
  /**
   * Share of requests the load-balancer edge logs, 0 to 1 (its Cloud Logging cost; review finding m3).
   * @default 0.1 ({@link DEFAULT_EDGE_LOG_SAMPLE_RATE})
   */
  edgeLogSampleRate?: number;
}

/** Startup probe period with an upstream, s: 240 / 4 = 60 probes at most. */
const STARTUP_PERIOD_WITH_UPSTREAM = 4;

/**
 * The container's probes, valid for the Cloud Run Admin API v2 `Probe` (https://cloud.google.com/run/docs/reference/rest/v2/Container#Probe,
 * the same text in @pulumi/gcp's `ServiceTemplateContainerStartupProbe`): `periodSeconds` "Must be greater or equal
 * than timeout_seconds", 1 to 240 for a startup probe and 1 to 3600 for liveness; `timeoutSeconds` at least 1; and a
 * startup probe must succeed within `failureThreshold` × `periodSeconds` ≤ 240 s ("Configure container health checks
 * for services", https://cloud.google.com/run/docs/configuring/healthchecks). Review finding B3: the old startup
 * probe had a 3 s timeout every 2 s.
 *
 * Startup: every 2 s with a 1 s timeout, up to 15 failures (30 s), since the server listens in well under a second.
 * With a user's MCP server (`withUpstream`, serverMode stdio or http): every 4 s, up to 60 failures (240 s,
 * UPSTREAM_START_GRACE_SECONDS in infra/core/upstream.ts), because /health is 503 until that server has initialized
 * (up to 60 s, MCP_UPSTREAM_READY_TIMEOUT_MS, plus a retry); 30 s would kill an instance whose server is still starting.
 * Liveness, every 30 s with a 3 s timeout, 3 failures: it only exists to restart a wedged instance. Cloud Run bills
 * the CPU and memory of every probe ("All probes are billed for CPU and memory usage consumption", same page), also
 * on idle instances under request-based billing (review finding m4). At 1 vCPU and 512 MiB, one probe rounded up to
 * 100 ms costs about $0.0000027 (tier-1 $0.000024/vCPU-s and $0.0000025/GiB-s, https://cloud.google.com/run/pricing),
 * so 30 probes in an idle instance's 15 minutes are about $0.0001; every 10 s (the old period) it would be 3 times
 * that. Kept, at 30 s, because Cloud Run restarts only a crashed process, not a hung one.
 */
export function cloudRunProbes(healthPath: string, withUpstream = false) {
  const httpGet = { path: healthPath };
  // With an upstream, /health is 503 until it has initialized: the startup probe waits UPSTREAM_START_GRACE_SECONDS.
  const startupFailures = withUpstream ? UPSTREAM_START_GRACE_SECONDS / STARTUP_PERIOD_WITH_UPSTREAM : 15;
  return {
    startupProbe: {
      httpGet,
      initialDelaySeconds: 0,
      periodSeconds: withUpstream ? STARTUP_PERIOD_WITH_UPSTREAM : 2,
      timeoutSeconds: 1,
      failureThreshold: startupFailures,
    },
    livenessProbe: { httpGet, periodSeconds: 30, timeoutSeconds: 3, failureThreshold: 3 },
  };
}

/** A GCP resource id from `s`: lowercase letters, digits and hyphens, starting with a letter, at most `max` long. */
export function gcpId(s: string, max: number): string {
  let id = s.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
  if (!/^[a-z]/.test(id)) id = `m-${id}`;
  return id.slice(0, max).replace(/-+$/, "");
}

export class CloudRunMcpService extends pulumi.ComponentResource implements McpServiceOutputs {
  public readonly target = "cloudrun" as const;
  public readonly url: pulumi.Output<string>;
  public readonly healthUrl: pulumi.Output<string>;
  public readonly apiKeyParameterNames: pulumi.Output<string[]>;
  public readonly serviceName: pulumi.Output<string>;
  public readonly edge: CloudRunEdge;
  /** The load balancer's IP when the edge is on. */
  public readonly edgeIpAddress: pulumi.Output<string | undefined>;
  /** With the edge: what to expect of its Google-managed certificate and how to check it; otherwise "". */
  public readonly certificateNote: pulumi.Output<string>;

  /**
   * @throws {ComponentArgsError} before any child is declared, naming each bad argument and its value; including a
   *   `cpu`/`memoryMiB` pair Cloud Run refuses ({@link cloudRunSizeProblem}).
   */
  constructor(name: string, args: CloudRunMcpServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("mcp-anywhere:gcp:CloudRunMcpService", name, {}, opts);
    const component = `CloudRunMcpService ${name}`;
    const a = resolveServiceArgs(component, args, { min: 128, max: 32_768 });
    const d = DEPLOY_DEFAULTS.cloudrun;
    const cpu = args.cpu ?? d.cpu;
    const maxInstances = args.maxInstances ?? d.maxInstances;
    const concurrency = args.concurrency ?? d.concurrency;
    const edge = args.edge ?? "none";
    const problems: string[] = [];
    if (!(CLOUD_RUN_CPUS as readonly number[]).includes(cpu))
      problems.push(`\`cpu\` must be one of ${CLOUD_RUN_CPUS.join(", ")}, got ${cpu}`);
    else {
      const size = cloudRunSizeProblem(cpu, a.memoryMiB);
      if (size !== undefined) problems.push(`\`cpu\` and \`memoryMiB\`: ${size}`);
    }
    if (!Number.isInteger(maxInstances) || maxInstances < 1 || maxInstances > 1000) {
      problems.push(`\`maxInstances\` must be an integer from 1 to 1000, got ${maxInstances}`);
    }
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
      problems.push(`\`concurrency\` must be an integer from 1 to 1000, got ${concurrency}`);
    }
    if (!CLOUD_RUN_EDGES.includes(edge))
      problems.push(`\`edge\` must be one of ${CLOUD_RUN_EDGES.join(", ")}, got ${edge}`);
    if (args.domain !== undefined && edge !== "loadbalancer") problems.push('`domain` needs `edge: "loadbalancer"`');
    const sampleRate = args.edgeLogSampleRate ?? DEFAULT_EDGE_LOG_SAMPLE_RATE;
    if (!(sampleRate >= 0 && sampleRate <= 1)) {
      problems.push(`\`edgeLogSampleRate\` must be a number from 0 to 1, got ${sampleRate}`);
    }
    if (problems.length > 0) throw new ComponentArgsError(component, problems);
    const parent = { parent: this };
    // tracingPlatform: an OpenTelemetry Collector sidecar exporting to Cloud Trace (infra/core/tracing-platform.ts).
    const collector = a.tracing?.platformCollector === true;
    const wanted: GoogleApi[] = [
      "run",
      "secretmanager",
      "iam",
      ...(edge === "loadbalancer" ? ["compute" as const] : []),
      ...(collector ? ["cloudtrace" as const] : []),
    ];
    const apis = enableGoogleApis(name, wanted, this);
    const labels = Object.fromEntries(Object.entries(a.tags).map(([k, v]) => [gcpId(k, 63), gcpId(v, 63)]));

    const account = new gcp.serviceaccount.Account(
      `${name}-run`,
      {
        accountId: gcpId(`mcp-run-${args.stack}`, 30).padEnd(6, "0"),
        displayName: `mcp-anywhere ${args.stack} Cloud Run`,
      },
      { parent: this, dependsOn: [apis.iam] },
    );
    const member = pulumi.interpolate`serviceAccount:${account.email}`;
    // The collector writes spans as the service account: Cloud Trace Agent on the project, the one role Google's Cloud
    // Run sidecar tutorials grant for traces (https://cloud.google.com/run/docs/tutorials/custom-metrics-opentelemetry-sidecar,
    // https://cloud.google.com/trace/docs/iam#roles: "cloudtrace.agent … write traces").
    const traceAgent = collector
      ? new gcp.projects.IAMMember(
          `${name}-cloudtrace`,
          { project: apis.cloudtrace.project, role: CLOUD_TRACE_ROLE, member },
          { parent: this, dependsOn: [apis.cloudtrace] },
        )
      : undefined;
    const secretOpts = { parent: this, dependsOn: [apis.secretmanager] };
    const secrets = a.apiKeyParameterNames.map((parameterName, i) => {
      const secret = new gcp.secretmanager.Secret(
        `${name}-key-${i + 1}`,
        { secretId: gcpId(`mcp-anywhere-${args.stack}-api-key-${i + 1}`, 255), replication: { auto: {} }, labels },
        secretOpts,
      );
      const version = new gcp.secretmanager.SecretVersion(
        `${name}-key-${i + 1}`,
        { secret: secret.id, secretData: readKeyParameter(parameterName, parent).value },
        secretOpts,
      );
      const access = new gcp.secretmanager.SecretIamMember(
        `${name}-key-${i + 1}`,
        { secretId: secret.id, role: "roles/secretmanager.secretAccessor", member },
        secretOpts,
      );
      return { secret, version, access };
    });

    // The server's secret variables (serverEnv, OTEL_EXPORTER_OTLP_HEADERS), like the keys: one Secret Manager secret
    // per variable, read by this service account only, pinned to the version this update wrote; each goes to the
    // container it is for (components/cloudrun/secret-env.ts).
    const upstream = args.upstream !== undefined && args.upstream.mode !== "builtin" ? args.upstream : undefined;
    const serverEnvSecrets = serverSecretGroups({ upstream, tracing: a.tracing }).flatMap((group) =>
      secretManagerVariables(
        name,
        {
          group,
          secretId: (n) => gcpId(`mcp-anywhere-${args.stack}-${group.group}-${n}`, 255),
          labels,
          member,
        },
        secretOpts,
      ),
    );
    const secretEnvsOf = (container: string) =>
      serverEnvSecrets.filter((s) => s.container === container).map((s) => s.env);
    const sidecarImage = upstreamSidecarImage(upstream);
    // Containers ours starts after; with any, ours is named and the only one with a port (the ingress).
    const startAfter = [
      ...(sidecarImage !== undefined ? [SIDECAR_NAME] : []),
      ...(collector ? [COLLECTOR_CONTAINER] : []),
    ];
    const serverContainer = sidecarImage !== undefined ? SIDECAR_NAME : CONTAINER_NAME;
    const workspaceMounts = (container: string) =>
      upstream?.workspacePath !== undefined && container === serverContainer
        ? { volumeMounts: [{ name: WORKSPACE_VOLUME, mountPath: upstream.workspacePath }] }
        : {};

    // The load balancer appends one hop to X-Forwarded-For before Cloud Run's own front end does.
    const env = serverEnvironment("cloudrun", a, edge === "loadbalancer" ? 2 : 1);
    const service = new gcp.cloudrunv2.Service(
      `${name}-service`,
      {
        name: gcpId(`mcp-anywhere-${args.stack}`, 49),
        location: args.region,
        deletionProtection: false,
        // Public without an allUsers binding (B2): the invoker IAM check is off; the app checks the API key.
        invokerIamDisabled: true,
        ingress: edge === "loadbalancer" ? "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER" : "INGRESS_TRAFFIC_ALL",
        labels,
        template: {
          serviceAccount: account.email,
          scaling: { minInstanceCount: 0, maxInstanceCount: maxInstances },
          maxInstanceRequestConcurrency: concurrency,
          timeout: `${d.requestTimeoutSeconds}s`,
          // serverWorkspace: an in-memory volume (it counts against the instance's memory and goes with the instance;
          // the config warns that it is ephemeral).
          ...(upstream?.workspacePath !== undefined
            ? { volumes: [{ name: WORKSPACE_VOLUME, emptyDir: { medium: "MEMORY" } }] }
            : {}),
          containers: [
            {
              // With a sidecar: named, the one ingress container (only it has a port), started after the sidecar.
              // "Deploying multiple containers to a service (sidecars)", https://cloud.google.com/run/docs/deploying#sidecars
              ...(startAfter.length > 0
                ? { name: CONTAINER_NAME, ports: { containerPort: CONTAINER_PORT }, dependsOns: startAfter }
                : {}),
              image: a.image,
              resources: {
                limits: { cpu: String(cpu), memory: `${a.memoryMiB}Mi` },
                cpuIdle: true,
                startupCpuBoost: true,
              },
              envs: [
                ...Object.entries(env).map(([k, v]) => ({ name: k, value: v })),
                ...secrets.map((s, i) => ({
                  name: `MCP_API_KEYS_${i + 1}`,
                  // The version this update wrote, not "latest" (M4).
                  valueSource: { secretKeyRef: { secret: s.secret.secretId, version: s.version.version } },
                })),
                ...secretEnvsOf(CONTAINER_NAME),
              ],
              ...workspaceMounts(CONTAINER_NAME),
              ...cloudRunProbes(a.healthPath, upstream !== undefined),
            },
            // The user's image, sharing the instance's localhost with ours (serverUrl); no port, so no ingress.
            ...(sidecarImage !== undefined
              ? [
                  {
                    name: SIDECAR_NAME,
                    image: sidecarImage,
                    envs: secretEnvsOf(SIDECAR_NAME),
                    ...workspaceMounts(SIDECAR_NAME),
                  },
                ]
              : []),
            // tracingPlatform: the collector, config from a variable (`--config=env:`), OTLP/HTTP on loopback only;
            // no port, so never the ingress; ready (and ours started) once its health_check answers.
            ...(collector
              ? [
                  {
                    name: COLLECTOR_CONTAINER,
                    image: COLLECTOR_IMAGES.cloudrun,
                    args: [`--config=env:${COLLECTOR_CONFIG_ENV}`],
                    envs: [{ name: COLLECTOR_CONFIG_ENV, value: cloudTraceCollectorConfig() }],
                    resources: {
                      limits: {
                        cpu: String(CLOUD_RUN_COLLECTOR_LIMITS.cpu),
                        memory: `${CLOUD_RUN_COLLECTOR_LIMITS.memoryMiB}Mi`,
                      },
                      cpuIdle: true,
                    },
                    startupProbe: {
                      httpGet: { path: "/", port: COLLECTOR_HEALTH_PORT },
                      periodSeconds: 2,
                      timeoutSeconds: 1,
                      failureThreshold: 15,
                    },
                  },
                ]
              : []),
          ],
        },
      },
      {
        parent: this,
        dependsOn: [
          apis.run,
          ...secrets.flatMap((s) => [s.version, s.access]),
          ...serverEnvSecrets.flatMap((s) => [s.version, s.access]),
          ...(traceAgent !== undefined ? [traceAgent] : []),
        ],
      },
    );

    let baseUrl: pulumi.Output<string> = service.uri;
    this.edgeIpAddress = pulumi.output(undefined);
    this.certificateNote = pulumi.output("");
    if (edge === "loadbalancer") {
      const lb = loadBalancerEdge(
        name,
        {
          region: args.region,
          service,
          requestsPerSecond: a.rateLimit.requestsPerSecond,
          perToolRequestsPerSecond: a.rateLimit.perToolRequestsPerSecond,
          healthPath: a.healthPath,
          domain: args.domain,
          labels,
          computeApi: apis.compute,
          logSampleRate: sampleRate,
        },
        this,
      );
      baseUrl = lb.baseUrl;
      this.edgeIpAddress = lb.ipAddress;
      // M7: `pulumi up` does not wait for the certificate; HTTPS fails until it is ACTIVE.
      this.certificateNote = pulumi.interpolate`HTTPS on ${lb.host} works once the Google-managed certificate is ACTIVE: usually 15 to 60 minutes after the name resolves to ${lb.ipAddress}, up to 24 hours${args.domain === undefined ? "; a nip.io name shares the CA's per-domain limits with every nip.io user, so it may stay PROVISIONING or show FAILED_RATE_LIMITED: set cloudrunDomain to use your own domain" : ""}. Check: gcloud compute ssl-certificates describe ${lb.certificateName} --global --format="value(managed.status,managed.domainStatus)"`;
    }
    this.edge = edge;
    this.url = pulumi.interpolate`${baseUrl}${a.mcpPath}`;
    this.healthUrl = pulumi.interpolate`${baseUrl}${a.healthPath}`;
    this.apiKeyParameterNames = pulumi.all(a.apiKeyParameterNames);
    this.serviceName = service.name;
    this.registerOutputs({
      target: this.target,
      url: this.url,
      healthUrl: this.healthUrl,
      apiKeyParameterNames: this.apiKeyParameterNames,
      serviceName: this.serviceName,
      edge: this.edge,
      certificateNote: this.certificateNote,
    });
  }
}
