/**
 * The Fargate target's compute: a cluster, an arm64 task definition (keys as ECS `secrets` from SSM, one
 * `MCP_API_KEYS_<N>` per parameter; awslogs with retention; a /health container health check), an execution role
 * that may pull this image and read exactly the key parameters, a task role with no permissions, a service with the
 * deployment circuit breaker that `pulumi up` waits on, and CPU target-tracking autoscaling.
 *
 * Secret variables ({@link EcsArgs.secretVariables}: serverEnv, OTEL_EXPORTER_OTLP_HEADERS) as more `secrets` in the
 * container each is for (the execution role reads exactly those parameters too). With a user's MCP server
 * ({@link EcsUpstream}): a writable task-storage volume at /tmp for a child our container runs, or the user's image as
 * the essential sidecar `upstream` that our container starts after; the workspace volume on the server's container
 * (task storage, or EFS through an access point with IAM authorization and TLS, when the task role may mount and
 * write that one file system and its file system policy admits only that role).
 *
 * Key rotation: ECS resolves `secrets` only when a task starts (Amazon ECS Developer Guide, "Pass Systems Manager
 * parameters as environment variables": https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html),
 * so a value changed in SSM reaches running tasks only through a new deployment. The container therefore carries the
 * key parameters' SSM *versions* (never values) in a docker label; a changed value is a new version, so a new task
 * definition revision and a rolling deployment on the next `pulumi up`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../../infra/aws-context.js";
import { EDGE_AND_APP_DEFAULTS } from "../../infra/core/defaults.js";
import {
  COLLECTOR_CONTAINER,
  COLLECTOR_IMAGES,
  FARGATE_COLLECTOR_MEMORY_RESERVATION_MIB,
  XRAY_WRITE_ACTIONS,
  xrayCollectorConfig,
} from "../../infra/core/tracing-platform.js";
import { UPSTREAM_START_GRACE_SECONDS } from "../../infra/core/upstream.js";
import { assumeRolePolicy, policyDocument, runtimeRolePolicy } from "../../infra/iam.js";
import { CONTAINER_PORT } from "./alb.js";
import { type EfsWorkspace, efsClientStatement, efsFileSystemPolicy } from "./efs.js";

export const CONTAINER_NAME = "mcp";
/** The sidecar running the user's own image (serverMode http with serverImage). */
export const SIDECAR_NAME = "upstream";
/**
 * Docker label with the SSM versions of the secret-variable parameters (serverEnv, then OTEL_EXPORTER_OTLP_HEADERS;
 * {@link EcsArgs.secretVariables} order), like {@link KEY_VERSIONS_LABEL}.
 */
export const SERVER_ENV_VERSIONS_LABEL = "mcp-anywhere.server-env-versions";
/** Task volumes: writable scratch at /tmp for a server our container runs (the root file system is read-only). */
export const SCRATCH_VOLUME = "scratch";
/** The serverWorkspace volume: EFS with `efs`, else task storage. */
export const WORKSPACE_VOLUME = "workspace";
/** Average CPU the autoscaling policy holds, percent. */
export const TARGET_CPU_PERCENT = 60;
/** ECS waits this long after SIGTERM before SIGKILL, s: the server's drain grace plus a margin. */
export const STOP_TIMEOUT_SECONDS = Math.ceil(EDGE_AND_APP_DEFAULTS.shutdownGraceMs / 1000) + 5;

/**
 * Docker label holding the key parameters' SSM versions, `1=<version>,2=<version>,…` in `parameterArns` order. A label
 * (not an env var) so the app never sees it; `dockerLabels` is valid on Fargate (not among the parameters Fargate
 * rejects: Amazon ECS Developer Guide, "Amazon ECS task definition differences for Fargate",
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html).
 */
export const KEY_VERSIONS_LABEL = "mcp-anywhere.api-key-versions";

/**
 * awslogs delivery: non-blocking with a 25 MiB buffer, written out so the stored definition never differs from ours.
 * ECS made non-blocking the default on 2025-06-25 (account setting `defaultLogDriverMode`: Amazon ECS Developer Guide,
 * "Amazon ECS account settings", https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-account-settings.html);
 * a blocked stdout would stall the server. 25m follows the AWS Containers blog "Preventing log loss with non-blocking
 * mode in the AWSLogs container log driver".
 */
export const AWSLOGS_MODE = { mode: "non-blocking", "max-buffer-size": "25m" } as const;

export interface EcsArgs {
  ctx: AwsContext;
  image: pulumi.Input<string>;
  parameterArns: pulumi.Output<string>[];
  /** SSM version of each key parameter, same order as `parameterArns` (infra/ssm-read.ts `readParameterVersion`). */
  parameterVersions: pulumi.Output<number>[];
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
  /** The user's MCP server (serverMode stdio or http). @default none (builtin) */
  upstream?: EcsUpstream;
  /**
   * Secret variables (serverEnv, OTEL_EXPORTER_OTLP_HEADERS) as SSM SecureString parameters
   * (infra/upstream-secrets.ts), set as ECS `secrets` by ARN in `container` (`mcp`, or `upstream`: the sidecar); the
   * execution role may read exactly these parameters besides the keys. @default none
   */
  secretVariables?: EcsSecretVariable[];
  /**
   * `tracingPlatform`: the ADOT collector as the non-essential sidecar `otel-collector` (OTLP/HTTP on 127.0.0.1:4318 →
   * X-Ray, config in AOT_CONFIG_CONTENT; infra/core/tracing-platform.ts), started before ours, and the task role may
   * call only the X-Ray write actions. @default false
   */
  xrayCollector?: boolean;
  tags: Record<string, string>;
}

/** One secret variable of {@link EcsArgs.secretVariables}. */
export interface EcsSecretVariable {
  container: "mcp" | "upstream";
  variable: string;
  parameterArn: pulumi.Output<string>;
  version: pulumi.Output<number>;
}

/**
 * What the task runs for the user's MCP server, one shape for every mode: the server runs in our container (stdio, or
 * http from a command) or in a sidecar from `sidecarImage`; that container gets the secret variables and the
 * workspace.
 */
export interface EcsUpstream {
  /** The user's image, run as the essential sidecar `upstream`; our container starts after it has started. */
  sidecarImage?: string;
  /** serverWorkspace: the container path of the workspace volume. @default none */
  workspacePath?: string;
  /** The workspace on EFS (components/fargate/efs.ts); without it the workspace is task storage (ephemeral). */
  efs?: EfsWorkspace;
}

export interface Ecs {
  cluster: aws.ecs.Cluster;
  /** With `upstream.efs`: the task role's EFS client policy (mount and write through the access point only). */
  efsPolicy?: aws.iam.RolePolicy;
  /** The execution role's inline policy; the task definition and the service depend on it. */
  executionPolicy: aws.iam.RolePolicy;
  service: aws.ecs.Service;
  taskDefinition: aws.ecs.TaskDefinition;
  executionRole: aws.iam.Role;
  taskRole: aws.iam.Role;
}

/**
 * The `dockerLabels` value for the key versions: `1=3,2=1` for two parameters at versions 3 and 1.
 * @throws {Error} when a version is not a positive integer (SSM versions start at 1).
 */
export function keyVersionsLabel(versions: number[]): string {
  return versions
    .map((v, i) => {
      if (!Number.isInteger(v) || v < 1) throw new Error(`key parameter ${i + 1}: SSM version must be >= 1, got ${v}`);
      return `${i + 1}=${v}`;
    })
    .join(",");
}

/** The container health check: GET /health on loopback with the image's own node, exit 0 on 200. */
export function healthCheckCommand(healthPath: string): string[] {
  return [
    "CMD",
    "node",
    "-e",
    `fetch('http://127.0.0.1:${CONTAINER_PORT}${healthPath}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
  ];
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function ecsService(name: string, args: EcsArgs, parent: pulumi.Resource): Ecs {
  const opts = { parent };
  const { ctx, tags } = args;
  const u = args.upstream;
  const sidecar = u?.sidecarImage;
  // The container that runs the user's server: ours (stdio, http from a command) or the sidecar.
  const serverContainer = sidecar !== undefined ? SIDECAR_NAME : CONTAINER_NAME;
  const secretVariables = args.secretVariables ?? [];
  // EcsSecretVariable.container names the container as CONTAINER_NAME / SIDECAR_NAME do.
  const secretsOf = (container: string, arns: string[]) =>
    secretVariables.flatMap((v, i) =>
      v.container === container ? [{ name: v.variable, valueFrom: arns[i] as string }] : [],
    );
  const mountsOf = (container: string) => [
    // Our container runs a child that writes caches (npx, uvx) under /tmp: a writable task-storage volume there.
    ...(u !== undefined && container === CONTAINER_NAME && sidecar === undefined
      ? [{ sourceVolume: SCRATCH_VOLUME, containerPath: "/tmp", readOnly: false }]
      : []),
    ...(u?.workspacePath !== undefined && container === serverContainer
      ? [{ sourceVolume: WORKSPACE_VOLUME, containerPath: u.workspacePath, readOnly: false }]
      : []),
  ];
  const logging = (logGroupName: string, region: string, prefix: string) => ({
    logDriver: "awslogs",
    options: {
      "awslogs-group": logGroupName,
      "awslogs-region": region,
      "awslogs-stream-prefix": prefix,
      ...AWSLOGS_MODE,
    },
  });
  const cluster = new aws.ecs.Cluster(`${name}-cluster`, { tags }, opts);

  const executionRole = new aws.iam.Role(
    `${name}-execution`,
    { assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com"), tags },
    opts,
  );
  const executionPolicy = new aws.iam.RolePolicy(
    `${name}-execution`,
    {
      role: executionRole.id,
      // The API key parameters and exactly the secret-variable parameters (serverEnv, OTLP headers).
      policy: runtimeRolePolicy(ctx, args.image, args.logGroup.arn, [
        ...args.parameterArns,
        ...secretVariables.map((v) => v.parameterArn),
      ]),
    },
    opts,
  );
  // The server needs no AWS API at run time on Fargate: keys arrive as secrets. So the task role has no policy, except
  // the EFS client permissions on the one file system when the workspace is on EFS, and with tracingPlatform the X-Ray
  // writes the collector sidecar makes (they have no resource-level form, hence "*"; XRAY_WRITE_ACTIONS).
  const taskRole = new aws.iam.Role(
    `${name}-task`,
    { assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com"), tags },
    opts,
  );
  const xray = args.xrayCollector === true;
  const xrayPolicy = xray
    ? new aws.iam.RolePolicy(
        `${name}-task-xray`,
        {
          role: taskRole.id,
          policy: policyDocument([
            { Sid: "WriteXRayTraces", Effect: "Allow", Action: [...XRAY_WRITE_ACTIONS], Resource: "*" },
          ]),
        },
        opts,
      )
    : undefined;
  const efs = u?.efs;
  const efsPolicy =
    efs === undefined
      ? undefined
      : new aws.iam.RolePolicy(
          `${name}-task-efs`,
          { role: taskRole.id, policy: policyDocument([efsClientStatement(efs)]) },
          opts,
        );
  const efsResourcePolicy =
    efs === undefined
      ? undefined
      : new aws.efs.FileSystemPolicy(
          `${name}-workspace`,
          { fileSystemId: efs.fileSystem.id, policy: efsFileSystemPolicy(efs, taskRole.arn) },
          opts,
        );

  // Review F21 (suspected permanent diff), checked against terraform-provider-aws
  // internal/service/ecs/container_definitions.go (`containerDefinitionsAreEquivalent` → `reduce`) and task_definition.go
  // (Read stores DescribeTaskDefinition's containers sorted by name, environment and secrets sorted by name): the diff
  // compares reduce(state) with reduce(config); reduce fills essential, the health-check defaults, hostPort =
  // containerPort under awsvpc, drops protocol "tcp" and empty lists, and sorts. So omitted defaults do not diff today;
  // what reduce does NOT normalise is anything ECS adds on its own (e.g. awslogs options), which is how
  // pulumi/pulumi-aws#5256 arises. Refuted for the fields named in the review; still, the JSON below is written in the
  // form ECS echoes back (every default explicit, lists sorted, log mode explicit), so it equals the stored form
  // without relying on the normaliser; tests/stacks/fargate.test.ts checks that.
  const containerDefinitions = pulumi
    .all([
      args.image,
      args.logGroup.name,
      ctx.region,
      pulumi.all(args.parameterArns),
      pulumi.all(args.parameterVersions),
      pulumi.all(secretVariables.map((v) => v.parameterArn)),
      pulumi.all(secretVariables.map((v) => v.version)),
    ])
    .apply(([image, logGroupName, region, arns, versions, envArns, envVersions]) =>
      JSON.stringify([
        {
          name: CONTAINER_NAME,
          image,
          cpu: 0,
          essential: true,
          readonlyRootFilesystem: true,
          portMappings: [{ containerPort: CONTAINER_PORT, hostPort: CONTAINER_PORT, protocol: "tcp" }],
          environment: Object.entries(args.environment)
            .map(([k, v]) => ({ name: k, value: v }))
            .sort(byName),
          secrets: [
            ...arns.map((arn, i) => ({ name: `MCP_API_KEYS_${i + 1}`, valueFrom: arn })),
            ...secretsOf(CONTAINER_NAME, envArns),
          ].sort(byName),
          mountPoints: mountsOf(CONTAINER_NAME),
          volumesFrom: [],
          systemControls: [],
          // ECS resolves `secrets` at task start only: the versions make a changed value a new revision (a rollout).
          dockerLabels: {
            [KEY_VERSIONS_LABEL]: keyVersionsLabel(versions),
            ...(envVersions.length > 0 ? { [SERVER_ENV_VERSIONS_LABEL]: envVersions.join(",") } : {}),
          },
          // Started after the sidecar has started (it has no health check we know of; our /health reports whether
          // the upstream answers). ECS container dependencies: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDependency.html
          // With tracingPlatform, also after the collector has started, so the first spans find its receiver.
          ...(sidecar !== undefined || xray
            ? {
                dependsOn: [
                  ...(sidecar !== undefined ? [{ containerName: SIDECAR_NAME, condition: "START" }] : []),
                  ...(xray ? [{ containerName: COLLECTOR_CONTAINER, condition: "START" }] : []),
                ],
              }
            : {}),
          logConfiguration: logging(logGroupName, region, CONTAINER_NAME),
          healthCheck: {
            command: healthCheckCommand(args.healthPath),
            interval: 15,
            timeout: 5,
            retries: 3,
            // With the user's server, /health is 503 until it has initialized (infra/core/upstream.ts).
            startPeriod: u !== undefined ? UPSTREAM_START_GRACE_SECONDS : 10,
          },
          stopTimeout: STOP_TIMEOUT_SECONDS,
        },
        // The user's image, same task: it shares the task's network namespace under awsvpc, so our server reaches it
        // on localhost (serverUrl). Essential: if it stops, the task stops and ECS replaces it. Its root file system
        // stays writable (an image we do not know may need it).
        ...(sidecar !== undefined
          ? [
              {
                name: SIDECAR_NAME,
                image: sidecar,
                cpu: 0,
                essential: true,
                portMappings: [],
                environment: [],
                secrets: secretsOf(SIDECAR_NAME, envArns).sort(byName),
                mountPoints: mountsOf(SIDECAR_NAME),
                volumesFrom: [],
                systemControls: [],
                logConfiguration: logging(logGroupName, region, SIDECAR_NAME),
                stopTimeout: STOP_TIMEOUT_SECONDS,
              },
            ]
          : []),
        // tracingPlatform: ADOT with its whole config in AOT_CONFIG_CONTENT (https://aws-otel.github.io/docs/setup/ecs).
        // Not essential: if it stops, the task keeps serving (spans are then dropped by our exporter). It shares the
        // task's CPU and memory, with a small soft reservation; its logs go to the task's log group.
        ...(xray
          ? [
              {
                name: COLLECTOR_CONTAINER,
                image: COLLECTOR_IMAGES.fargate,
                cpu: 0,
                memoryReservation: FARGATE_COLLECTOR_MEMORY_RESERVATION_MIB,
                essential: false,
                portMappings: [],
                environment: [{ name: "AOT_CONFIG_CONTENT", value: xrayCollectorConfig(region) }],
                secrets: [],
                mountPoints: [],
                volumesFrom: [],
                systemControls: [],
                logConfiguration: logging(logGroupName, region, COLLECTOR_CONTAINER),
                stopTimeout: STOP_TIMEOUT_SECONDS,
              },
            ]
          : []),
      ]),
    );
  const volumes = [
    ...(u !== undefined && sidecar === undefined ? [{ name: SCRATCH_VOLUME }] : []),
    ...(u?.workspacePath !== undefined
      ? [
          efs === undefined
            ? { name: WORKSPACE_VOLUME }
            : {
                name: WORKSPACE_VOLUME,
                efsVolumeConfiguration: {
                  fileSystemId: efs.fileSystem.id,
                  transitEncryption: "ENABLED",
                  authorizationConfig: { accessPointId: efs.accessPoint.id, iam: "ENABLED" },
                },
              },
        ]
      : []),
  ];
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
      ...(volumes.length > 0 ? { volumes } : {}),
      tags,
    },
    // Review F14: the first tasks pull the image and read the key secrets with the execution role's inline policy,
    // which IAM may not have propagated when only the role exists. Lambda does the same (lambda-mcp-service.ts).
    { parent, dependsOn: [executionPolicy, ...(efsPolicy ? [efsPolicy] : []), ...(xrayPolicy ? [xrayPolicy] : [])] },
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
      // Review F13: without this, `pulumi up` returns once the deployment is accepted, and a broken image or config is
      // rolled back by the circuit breaker behind a green update. With it, the provider waits until the service is
      // stable (the deployment completed; a rollback is reported as a failure). Default false:
      // @pulumi/aws ecs/service.d.ts `waitForSteadyState`.
      waitForSteadyState: true,
      // Also covers the ALB's health check while the user's server starts (UPSTREAM_START_GRACE_SECONDS).
      healthCheckGracePeriodSeconds: u !== undefined ? UPSTREAM_START_GRACE_SECONDS : 30,
      propagateTags: "SERVICE",
      tags,
    },
    // Autoscaling owns the running count after creation. The execution policy must exist before tasks start (F14).
    {
      parent,
      // With EFS: tasks mount it at start, so the mount targets and both policies must exist first.
      dependsOn: [
        ...args.dependsOn,
        executionPolicy,
        ...(efsPolicy && efsResourcePolicy && efs ? [efsPolicy, efsResourcePolicy, ...efs.mountTargets] : []),
      ],
      ignoreChanges: ["desiredCount"],
    },
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
  return {
    cluster,
    executionPolicy,
    service,
    taskDefinition,
    executionRole,
    taskRole,
    ...(efsPolicy ? { efsPolicy } : {}),
  };
}
