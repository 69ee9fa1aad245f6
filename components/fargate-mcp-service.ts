/**
 * `FargateMcpService` (`mcp-anywhere:aws:FargateMcpService`): the server image on ECS Fargate (arm64) behind an ALB,
 * behind CloudFront with a WAF. TLS comes from CloudFront's default certificate (or a custom domain); the ALB admits
 * only CloudFront and only with the secret origin-verify header. No NAT gateway by default: tasks run in public
 * subnets with public IPs, reachable only from the ALB's security group.
 *
 * Children: a Network (unless a VPC is given), the ALB origin (components/fargate/alb.ts), the ECS service
 * (components/fargate/ecs.ts), the CloudFront edge and WAF (components/fargate/cloudfront.ts), a log group and the
 * origin-verify secret; with a user's MCP server (`upstream`), its serverEnv as SSM SecureString parameters
 * (infra/upstream-secrets.ts) and, with `efs`, the EFS workspace (components/fargate/efs.ts). Every child uses the stack's default AWS provider (the WAF sets only `region: "us-east-1"`),
 * so all of them run with the same `aws:*` credentials, profile and assume-role.
 *
 * Deploy-time reads: each key parameter's SSM version (not its value), so that a key changed in SSM yields a new task
 * definition and `pulumi up` rolls the tasks (components/fargate/ecs.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { awsContext, ssmParameterArn } from "../infra/aws-context.js";
import type { McpServiceArgs, McpServiceOutputs } from "../infra/core/contract.js";
import { DEPLOY_DEFAULTS } from "../infra/core/defaults.js";
import { FARGATE_SIZES } from "../infra/core/sizes.js";
import { logGroup } from "../infra/log-group.js";
import { Network } from "../infra/network.js";
import { serverEnvironment, upstreamSidecarImage } from "../infra/server-env.js";
import { ComponentArgsError, resolveServiceArgs } from "../infra/service-args.js";
import { readParameterVersion } from "../infra/ssm-read.js";
import { serverSecretGroups, ssmSecretVariables } from "../infra/upstream-secrets.js";
import { albOrigin } from "./fargate/alb.js";
import { cloudFrontEdge } from "./fargate/cloudfront.js";
import { ecsService } from "./fargate/ecs.js";
import { efsWorkspace } from "./fargate/efs.js";

export interface FargateMcpServiceArgs extends McpServiceArgs {
  /** vCPU per task: 0.25, 0.5, 1, 2 or 4. @default 0.25 */
  cpu?: number;
  /** Tasks kept running. @default 1 */
  minTasks?: number;
  /** Most tasks autoscaling may run. @default 3 */
  maxTasks?: number;
  /** Run tasks in private subnets behind a NAT gateway instead of public subnets with public IPs. @default false */
  privateSubnets?: boolean;
  /** An existing VPC; requires `subnetIds`. @default a new VPC (infra/network.ts) */
  vpcId?: string;
  /**
   * Public subnets of `vpcId`, one per Availability Zone and at least 2, for the ALB and the tasks (and, with `efs`,
   * one mount target each). The zones are checked at deploy time. The VPC needs `enableDnsSupport` and
   * `enableDnsHostnames` for the EFS mount (docs/deploy-fargate.md).
   */
  subnetIds?: string[];
  /** Custom domain for CloudFront; requires `certificateArn`. @default the *.cloudfront.net name */
  domainName?: string;
  /** ACM certificate in us-east-1 covering `domainName`. */
  certificateArn?: string;
  /** Prefix for log group names, e.g. `/mcp-anywhere/prod`. */
  logGroupPrefix: string;
  /**
   * Keep `upstream.workspacePath` on an encrypted EFS file system (components/fargate/efs.ts) instead of task storage,
   * which is lost when a task stops. Requires `upstream.workspacePath`. @default false
   */
  efs?: boolean;
}

export { FARGATE_SIZES };

/**
 * The given subnets, each an output that resolves only once the subnets are known to lie in distinct Availability
 * Zones (one `aws.ec2.getSubnet` per id), so that no ALB, mount target or service is created with two in one zone:
 * an ALB takes "only one subnet per Availability Zone" (ELBv2 CreateLoadBalancer `Subnets`,
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html), and EFS one
 * mount target per zone per file system (a second fails with MountTargetConflict, review R2-m8).
 * @throws {ComponentArgsError} (at deploy time, from the outputs) naming `subnetIds`, the stack config key
 *   `mcp-anywhere:fargateSubnetIds`, each shared zone and its subnets.
 */
export function distinctZoneSubnets(
  component: string,
  subnetIds: string[],
  opts: pulumi.InvokeOutputOptions,
): pulumi.Output<string>[] {
  const zones = subnetIds.map((id) => aws.ec2.getSubnetOutput({ id }, opts).availabilityZone);
  const checked = pulumi.all(zones).apply((azs) => {
    const byZone = new Map<string, string[]>();
    azs.forEach((az, i) => {
      byZone.set(az, [...(byZone.get(az) ?? []), subnetIds[i] as string]);
    });
    const shared = [...byZone].filter(([, ids]) => ids.length > 1);
    if (shared.length > 0) {
      throw new ComponentArgsError(component, [
        "`subnetIds` (stack config mcp-anywhere:fargateSubnetIds) must name one subnet per Availability Zone (an ALB " +
          "takes one subnet per zone, EFS one mount target per zone), got " +
          shared.map(([az, ids]) => `${ids.join(" and ")} both in ${az}`).join("; "),
      ]);
    }
    return subnetIds;
  });
  return subnetIds.map((_, i) => checked.apply((ids) => ids[i] as string));
}

export class FargateMcpService extends pulumi.ComponentResource implements McpServiceOutputs {
  public readonly target = "fargate" as const;
  public readonly url: pulumi.Output<string>;
  public readonly healthUrl: pulumi.Output<string>;
  public readonly apiKeyParameterNames: pulumi.Output<string[]>;
  public readonly clusterName: pulumi.Output<string>;
  public readonly serviceName: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  /** The distribution's own domain, e.g. `d111111abcdef8.cloudfront.net` (point a custom domain's DNS here). */
  public readonly distributionDomainName: pulumi.Output<string>;
  /** The ALB's `LoadBalancer` metric dimension (AWS/ApplicationELB), for the guardrail alarms. */
  public readonly albArnSuffix: pulumi.Output<string>;
  /** The web ACL's and its rate-based rules' metric names (AWS/WAFV2 `WebACL`, `Rule`; us-east-1). */
  public readonly wafMetricName: string;
  public readonly wafRateRuleMetricNames: string[];

  /** @throws {ComponentArgsError} before any child is declared, naming each bad argument and its value. */
  constructor(name: string, args: FargateMcpServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("mcp-anywhere:aws:FargateMcpService", name, {}, opts);
    const component = `FargateMcpService ${name}`;
    const a = resolveServiceArgs(component, args, { min: 512, max: 30_720 });
    const cpu = args.cpu ?? DEPLOY_DEFAULTS.fargate.cpu;
    const minTasks = args.minTasks ?? DEPLOY_DEFAULTS.fargate.minTasks;
    const maxTasks = args.maxTasks ?? DEPLOY_DEFAULTS.fargate.maxTasks;
    const privateSubnets = args.privateSubnets ?? false;
    const problems: string[] = [];
    const memories = FARGATE_SIZES[String(cpu)];
    if (!memories) problems.push(`\`cpu\` must be one of ${Object.keys(FARGATE_SIZES).join(", ")} vCPU, got ${cpu}`);
    else if (!memories.includes(a.memoryMiB)) {
      problems.push(`\`memoryMiB\` ${a.memoryMiB} does not fit ${cpu} vCPU; allowed: ${memories.join(", ")}`);
    }
    if (!Number.isInteger(minTasks) || minTasks < 1)
      problems.push(`\`minTasks\` must be an integer >= 1, got ${minTasks}`);
    if (!Number.isInteger(maxTasks) || maxTasks < minTasks || maxTasks > 100) {
      problems.push(`\`maxTasks\` must be an integer from \`minTasks\` (${minTasks}) to 100, got ${maxTasks}`);
    }
    if ((args.vpcId === undefined) !== (args.subnetIds === undefined)) {
      problems.push(
        `\`vpcId\` and \`subnetIds\` go together, got vpcId=${args.vpcId} subnetIds=${JSON.stringify(args.subnetIds)}`,
      );
    }
    if (args.subnetIds !== undefined && args.subnetIds.length < 2) {
      problems.push(
        `\`subnetIds\` needs public subnets in at least 2 AZs (an ALB requires two), got ${args.subnetIds.length}`,
      );
    }
    if (args.vpcId !== undefined && privateSubnets) {
      problems.push(
        "`privateSubnets` applies to the VPC this component creates; with `vpcId`, pass the subnets to use",
      );
    }
    if ((args.domainName === undefined) !== (args.certificateArn === undefined)) {
      problems.push(
        `\`domainName\` and \`certificateArn\` go together, got domainName=${args.domainName} certificateArn=${args.certificateArn}`,
      );
    }
    if (
      args.certificateArn !== undefined &&
      !/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\//.test(args.certificateArn)
    ) {
      problems.push(
        `\`certificateArn\` must be an ACM certificate in us-east-1 (CloudFront's region), got ${args.certificateArn}`,
      );
    }
    const efsOn = args.efs ?? false;
    if (efsOn && args.upstream?.workspacePath === undefined) {
      problems.push("`efs` needs `upstream.workspacePath` (the container path to mount the file system at)");
    }
    if (problems.length > 0) throw new ComponentArgsError(component, problems);

    const parent = { parent: this };
    const ctx = awsContext(parent);
    const network =
      args.vpcId === undefined ? new Network(`${name}-network`, { privateSubnets, tags: a.tags }, parent) : undefined;
    const vpcId = network?.vpcId ?? pulumi.output(args.vpcId as string);
    const publicSubnetIds = network?.publicSubnetIds ?? distinctZoneSubnets(component, args.subnetIds ?? [], parent);

    const originVerify = new random.RandomPassword(`${name}-origin-verify`, { length: 48, special: false }, parent);
    // Secret in every input it reaches (listener rule, CloudFront origin), not only where the engine marks it.
    const originVerifySecret = pulumi.secret(originVerify.result);
    const origin = albOrigin(
      name,
      { vpcId, publicSubnetIds, originVerifySecret, healthPath: a.healthPath, tags: a.tags },
      this,
    );
    const logs: aws.cloudwatch.LogGroup = logGroup(
      `${name}-logs`,
      `${args.logGroupPrefix}/fargate`,
      a.logRetentionDays,
      a.tags,
      parent,
    );
    const taskSubnetIds = privateSubnets && network ? network.privateSubnetIds : publicSubnetIds;
    const upstream = args.upstream !== undefined && args.upstream.mode !== "builtin" ? args.upstream : undefined;
    // serverEnv and OTEL_EXPORTER_OTLP_HEADERS as SecureString parameters read by the execution role at task start
    // (like the API keys), each set in the container it is for.
    const stack = pulumi.getStack();
    const secretVariables = serverSecretGroups({ upstream, tracing: a.tracing }).flatMap((g) =>
      ssmSecretVariables(name, { stack, group: g.group, variables: g.variables, tags: a.tags }, this).map((v) => ({
        container: g.container,
        variable: v.variable,
        parameterArn: ssmParameterArn(ctx, v.parameterName),
        version: v.version,
      })),
    );
    const workspaceEfs =
      efsOn && upstream !== undefined
        ? efsWorkspace(
            name,
            {
              vpcId,
              subnetIds: taskSubnetIds,
              taskSecurityGroupId: origin.taskSecurityGroup.id,
              tags: a.tags,
            },
            this,
          )
        : undefined;
    const sidecarImage = upstreamSidecarImage(upstream);
    const ecs = ecsService(
      name,
      {
        ctx,
        image: a.image,
        parameterArns: a.apiKeyParameterNames.map((n) => ssmParameterArn(ctx, n)),
        // Versions only (no values): a key changed in SSM changes the task definition, so `pulumi up` rolls the tasks.
        parameterVersions: a.apiKeyParameterNames.map((n) => readParameterVersion(n, parent)),
        cpuUnits: cpu * 1024,
        memoryMiB: a.memoryMiB,
        // Two proxies append to X-Forwarded-For before the app: CloudFront, then the ALB.
        environment: serverEnvironment("fargate", a, 2),
        logGroup: logs,
        subnetIds: taskSubnetIds,
        assignPublicIp: !privateSubnets,
        taskSecurityGroupId: origin.taskSecurityGroup.id,
        targetGroupArn: origin.targetGroup.arn,
        healthPath: a.healthPath,
        minTasks,
        maxTasks,
        dependsOn: [origin.rule],
        secretVariables,
        xrayCollector: a.tracing?.platformCollector === true,
        ...(upstream !== undefined
          ? {
              upstream: {
                ...(sidecarImage !== undefined ? { sidecarImage } : {}),
                ...(upstream.workspacePath !== undefined ? { workspacePath: upstream.workspacePath } : {}),
                ...(workspaceEfs !== undefined ? { efs: workspaceEfs } : {}),
              },
            }
          : {}),
        tags: a.tags,
      },
      this,
    );
    const edge = cloudFrontEdge(
      name,
      {
        albDnsName: origin.alb.dnsName,
        originVerifySecret,
        requestsPerSecond: a.rateLimit.requestsPerSecond,
        // Counts every request from an IP, keyed or not: twice one key's limit leaves room for a client behind NAT.
        perIpRequestsPerMinute: Math.ceil(a.rateLimit.requestsPerSecond * 60 * 2),
        perToolRequestsPerSecond: a.rateLimit.perToolRequestsPerSecond,
        domainName: args.domainName,
        certificateArn: args.certificateArn,
        tags: a.tags,
      },
      this,
    );

    this.url = pulumi.interpolate`${edge.baseUrl}${a.mcpPath}`;
    this.healthUrl = pulumi.interpolate`${edge.baseUrl}${a.healthPath}`;
    this.apiKeyParameterNames = pulumi.all(a.apiKeyParameterNames);
    this.clusterName = ecs.cluster.name;
    this.serviceName = ecs.service.name;
    this.logGroupName = logs.name;
    this.distributionDomainName = edge.distribution.domainName;
    this.albArnSuffix = origin.alb.arnSuffix;
    this.wafMetricName = edge.webAclMetricName;
    this.wafRateRuleMetricNames = edge.rateRuleMetricNames;
    this.registerOutputs({
      target: this.target,
      url: this.url,
      healthUrl: this.healthUrl,
      apiKeyParameterNames: this.apiKeyParameterNames,
      clusterName: this.clusterName,
      serviceName: this.serviceName,
      logGroupName: this.logGroupName,
    });
  }
}
