/**
 * `CloudRunMcpService` (`mcp-anywhere:gcp:CloudRunMcpService`): the server image on Cloud Run v2. The API keys stay in
 * AWS SSM (the single source of truth); at deploy time each key parameter is read and mirrored into its own Secret
 * Manager secret, so the service never calls AWS. A dedicated service account may access exactly those secrets.
 *
 * Anyone may invoke the service (`allUsers` has roles/run.invoker), because MCP clients cannot mint Google ID tokens;
 * the app enforces the API key. With `edge: "loadbalancer"`, a global external ALB with Cloud Armor sits in front
 * (components/cloudrun/load-balancer-edge.ts) and the service accepts traffic only from load balancers.
 *
 * Pass the GCP provider through `opts.providers`; SSM reads use the AWS provider in scope.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { McpServiceArgs, McpServiceOutputs } from "../infra/core/contract.js";
import { DEPLOY_DEFAULTS } from "../infra/core/defaults.js";
import { CLOUD_RUN_CPUS, CLOUD_RUN_EDGES, type CloudRunEdge } from "../infra/core/sizes.js";
import { serverEnvironment } from "../infra/server-env.js";
import { ComponentArgsError, resolveServiceArgs } from "../infra/service-args.js";
import { readKeyParameter } from "../infra/ssm-read.js";
import { loadBalancerEdge } from "./cloudrun/load-balancer-edge.js";

export { CLOUD_RUN_CPUS, CLOUD_RUN_EDGES, type CloudRunEdge };

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

  /** @throws {ComponentArgsError} before any child is declared, naming each bad argument and its value. */
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
    if (!Number.isInteger(maxInstances) || maxInstances < 1 || maxInstances > 1000) {
      problems.push(`\`maxInstances\` must be an integer from 1 to 1000, got ${maxInstances}`);
    }
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
      problems.push(`\`concurrency\` must be an integer from 1 to 1000, got ${concurrency}`);
    }
    if (!CLOUD_RUN_EDGES.includes(edge))
      problems.push(`\`edge\` must be one of ${CLOUD_RUN_EDGES.join(", ")}, got ${edge}`);
    if (args.domain !== undefined && edge !== "loadbalancer") problems.push('`domain` needs `edge: "loadbalancer"`');
    if (problems.length > 0) throw new ComponentArgsError(component, problems);
    const parent = { parent: this };
    const labels = Object.fromEntries(Object.entries(a.tags).map(([k, v]) => [gcpId(k, 63), gcpId(v, 63)]));

    const account = new gcp.serviceaccount.Account(
      `${name}-run`,
      {
        accountId: gcpId(`mcp-run-${args.stack}`, 30).padEnd(6, "0"),
        displayName: `mcp-anywhere ${args.stack} Cloud Run`,
      },
      parent,
    );
    const member = pulumi.interpolate`serviceAccount:${account.email}`;
    const secrets = a.apiKeyParameterNames.map((parameterName, i) => {
      const secret = new gcp.secretmanager.Secret(
        `${name}-key-${i + 1}`,
        { secretId: gcpId(`mcp-anywhere-${args.stack}-api-key-${i + 1}`, 255), replication: { auto: {} }, labels },
        parent,
      );
      const version = new gcp.secretmanager.SecretVersion(
        `${name}-key-${i + 1}`,
        { secret: secret.id, secretData: readKeyParameter(parameterName, parent).value },
        parent,
      );
      const access = new gcp.secretmanager.SecretIamMember(
        `${name}-key-${i + 1}`,
        { secretId: secret.id, role: "roles/secretmanager.secretAccessor", member },
        parent,
      );
      return { secret, version, access };
    });

    // The load balancer appends one hop to X-Forwarded-For before Cloud Run's own front end does.
    const env = serverEnvironment("cloudrun", a, edge === "loadbalancer" ? 2 : 1);
    const probe = { httpGet: { path: a.healthPath }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 };
    const service = new gcp.cloudrunv2.Service(
      `${name}-service`,
      {
        name: gcpId(`mcp-anywhere-${args.stack}`, 49),
        location: args.region,
        deletionProtection: false,
        ingress: edge === "loadbalancer" ? "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER" : "INGRESS_TRAFFIC_ALL",
        labels,
        template: {
          serviceAccount: account.email,
          scaling: { minInstanceCount: 0, maxInstanceCount: maxInstances },
          maxInstanceRequestConcurrency: concurrency,
          timeout: `${d.requestTimeoutSeconds}s`,
          containers: [
            {
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
                  valueSource: { secretKeyRef: { secret: s.secret.secretId, version: "latest" } },
                })),
              ],
              startupProbe: { ...probe, initialDelaySeconds: 0, failureThreshold: 10, periodSeconds: 2 },
              livenessProbe: probe,
            },
          ],
        },
      },
      { parent: this, dependsOn: secrets.flatMap((s) => [s.version, s.access]) },
    );
    new gcp.cloudrunv2.ServiceIamMember(
      `${name}-public`,
      { name: service.name, location: args.region, role: "roles/run.invoker", member: "allUsers" },
      parent,
    );

    let baseUrl: pulumi.Output<string> = service.uri;
    this.edgeIpAddress = pulumi.output(undefined);
    if (edge === "loadbalancer") {
      const lb = loadBalancerEdge(
        name,
        {
          region: args.region,
          service,
          requestsPerSecond: a.rateLimit.requestsPerSecond,
          healthPath: a.healthPath,
          domain: args.domain,
          labels,
        },
        this,
      );
      baseUrl = lb.baseUrl;
      this.edgeIpAddress = lb.ipAddress;
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
    });
  }
}
