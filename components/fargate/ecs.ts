/**
 * The Fargate target's compute: a cluster, an arm64 task definition (keys as ECS `secrets` from SSM, one
 * `MCP_API_KEYS_<N>` per parameter; awslogs with retention; a /healthz container health check), an execution role
 * that may pull this image and read exactly the key parameters, a task role with no permissions, a service with the
 * deployment circuit breaker, and CPU target-tracking autoscaling.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../../infra/aws-context.js";
import { assumeRolePolicy, runtimeRolePolicy } from "../../infra/iam.js";
import { SERVER_DEFAULTS } from "../../server/defaults.js";
import { CONTAINER_PORT } from "./alb.js";

export const CONTAINER_NAME = "mcp";
/** Average CPU the autoscaling policy holds, percent. */
export const TARGET_CPU_PERCENT = 60;
/** ECS waits this long after SIGTERM before SIGKILL, s: the server's drain grace plus a margin. */
export const STOP_TIMEOUT_SECONDS = Math.ceil(SERVER_DEFAULTS.shutdownGraceMs / 1000) + 5;

export interface EcsArgs {
  ctx: AwsContext;
  image: pulumi.Input<string>;
  parameterArns: pulumi.Output<string>[];
  /** ECS CPU units (1024 = 1 vCPU). */
  cpuUnits: number;
  memoryMiB: number;
  environment: Record<string, string>;
  logGroup: aws.cloudwatch.LogGroup;
  subnetIds: pulumi.Input<string>[];
  assignPublicIp: boolean;
  taskSecurityGroupId: pulumi.Input<string>;
  targetGroupArn: pulumi.Input<string>;
  healthPath: string;
  minTasks: number;
  maxTasks: number;
  /** Resources the service must wait for (the listener rule, so the target group is in use). */
  dependsOn: pulumi.Resource[];
  tags: Record<string, string>;
}

export interface Ecs {
  cluster: aws.ecs.Cluster;
  service: aws.ecs.Service;
  taskDefinition: aws.ecs.TaskDefinition;
  executionRole: aws.iam.Role;
  taskRole: aws.iam.Role;
}

/** The container health check: GET /healthz on loopback with the image's own node, exit 0 on 200. */
export function healthCheckCommand(healthPath: string): string[] {
  return [
    "CMD",
    "node",
    "-e",
    `fetch('http://127.0.0.1:${CONTAINER_PORT}${healthPath}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
  ];
}

export function ecsService(name: string, args: EcsArgs, parent: pulumi.Resource): Ecs {
  const opts = { parent };
  const { ctx, tags } = args;
  const cluster = new aws.ecs.Cluster(`${name}-cluster`, { tags }, opts);

  const executionRole = new aws.iam.Role(
    `${name}-execution`,
    { assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com"), tags },
    opts,
  );
  new aws.iam.RolePolicy(
    `${name}-execution`,
    { role: executionRole.id, policy: runtimeRolePolicy(ctx, args.image, args.logGroup.arn, args.parameterArns) },
    opts,
  );
  // The server needs no AWS API at run time on Fargate: keys arrive as secrets. So the task role has no policy.
  const taskRole = new aws.iam.Role(
    `${name}-task`,
    { assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com"), tags },
    opts,
  );

  const containerDefinitions = pulumi
    .all([args.image, args.logGroup.name, ctx.region, pulumi.all(args.parameterArns)])
    .apply(([image, logGroupName, region, arns]) =>
      JSON.stringify([
        {
          name: CONTAINER_NAME,
          image,
          essential: true,
          readonlyRootFilesystem: true,
          portMappings: [{ containerPort: CONTAINER_PORT, protocol: "tcp" }],
          environment: Object.entries(args.environment).map(([k, v]) => ({ name: k, value: v })),
          secrets: arns.map((arn, i) => ({ name: `MCP_API_KEYS_${i + 1}`, valueFrom: arn })),
          logConfiguration: {
            logDriver: "awslogs",
            options: {
              "awslogs-group": logGroupName,
              "awslogs-region": region,
              "awslogs-stream-prefix": CONTAINER_NAME,
            },
          },
          healthCheck: {
            command: healthCheckCommand(args.healthPath),
            interval: 15,
            timeout: 5,
            retries: 3,
            startPeriod: 10,
          },
          stopTimeout: STOP_TIMEOUT_SECONDS,
        },
      ]),
    );
  const taskDefinition = new aws.ecs.TaskDefinition(
    `${name}-task`,
    {
      family: `${name}-mcp`,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(args.cpuUnits),
      memory: String(args.memoryMiB),
      runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" },
      executionRoleArn: executionRole.arn,
      taskRoleArn: taskRole.arn,
      containerDefinitions,
      tags,
    },
    opts,
  );

  const service = new aws.ecs.Service(
    `${name}-service`,
    {
      cluster: cluster.arn,
      taskDefinition: taskDefinition.arn,
      desiredCount: args.minTasks,
      launchType: "FARGATE",
      networkConfiguration: {
        subnets: args.subnetIds,
        assignPublicIp: args.assignPublicIp,
        securityGroups: [args.taskSecurityGroupId],
      },
      loadBalancers: [
        { targetGroupArn: args.targetGroupArn, containerName: CONTAINER_NAME, containerPort: CONTAINER_PORT },
      ],
      deploymentCircuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriodSeconds: 30,
      propagateTags: "SERVICE",
      tags,
    },
    // Autoscaling owns the running count after creation.
    { parent, dependsOn: args.dependsOn, ignoreChanges: ["desiredCount"] },
  );

  const scaling = new aws.appautoscaling.Target(
    `${name}-scaling`,
    {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: pulumi.interpolate`service/${cluster.name}/${service.name}`,
      minCapacity: args.minTasks,
      maxCapacity: args.maxTasks,
      tags,
    },
    opts,
  );
  new aws.appautoscaling.Policy(
    `${name}-cpu`,
    {
      policyType: "TargetTrackingScaling",
      serviceNamespace: scaling.serviceNamespace,
      scalableDimension: scaling.scalableDimension,
      resourceId: scaling.resourceId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: TARGET_CPU_PERCENT,
        predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
        scaleInCooldown: 120,
        scaleOutCooldown: 60,
      },
    },
    opts,
  );
  return { cluster, service, taskDefinition, executionRole, taskRole };
}
