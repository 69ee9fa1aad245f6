/**
 * `LambdaMcpService` (`mcp-anywhere:aws:LambdaMcpService`): the server image as an arm64 container-image Lambda
 * behind an API Gateway REST API with API keys and a usage plan (components/lambda/rest-api-edge.ts).
 *
 * Children: a log group for the function and, when access logs are on, one for API access logs (with retention), an
 * execution role that may write its own log group and read exactly the key parameters (KMS decrypt only via SSM, only
 * for them), the function, and the edge.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsContext, ssmParameterArn } from "../infra/aws-context.js";
import { keyParameterName } from "../infra/core/api-key-names.js";
import type { McpServiceArgs, McpServiceOutputs } from "../infra/core/contract.js";
import { DEPLOY_DEFAULTS } from "../infra/core/defaults.js";
import { assumeRolePolicy, policyDocument, readKeyParameterStatements, writeLogsStatement } from "../infra/iam.js";
import { logGroup } from "../infra/log-group.js";
import { serverEnvironment, upstreamSecretEnvironment, upstreamSidecarImage } from "../infra/server-env.js";
import { ComponentArgsError, resolveServiceArgs } from "../infra/service-args.js";
import { tracingSecretEnvironment } from "../infra/tracing-env.js";
import { restApiEdge } from "./lambda/rest-api-edge.js";

export interface LambdaMcpServiceArgs extends McpServiceArgs {
  /** Stream responses (SSE) through API Gateway instead of buffering: `responseTransferMode: STREAM`,
   * `AWS_LWA_INVOKE_MODE=response_stream`, JSON-response mode off, timeout 300 s. @default false */
  streaming?: boolean;
  /** Reserved concurrency cap, a cost guard. @default none */
  reservedConcurrency?: number;
  /**
   * Set the region's API Gateway CloudWatch Logs role (`aws.apigateway.Account`, one setting per account and region,
   * which access logs need). When on, the setting and its role are kept when the stack is destroyed (`retainOnDelete`),
   * so other APIs keep logging; it also turns access logs on. @default false (DEPLOY_DEFAULTS.lambda)
   */
  manageApiGatewayAccount?: boolean;
  /**
   * Stage access logs to `<logGroupPrefix>/apigateway-access`. API Gateway refuses a stage with access logs while the
   * region has no CloudWatch Logs role ("CloudWatch Logs role ARN must be set in account settings to enable logging";
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html), so turn this on only when the
   * role is set (by another stack, by hand, or with `manageApiGatewayAccount`). Access logs are on when this or
   * `manageApiGatewayAccount` is true. @default false (DEPLOY_DEFAULTS.lambda)
   */
  accessLogs?: boolean;
  /**
   * The key parameter names as plain strings, in the order of `apiKeyParameterNames` (they name the API Gateway key
   * resources). @default `apiKeyParameterNames`, when every entry is a plain string
   */
  apiKeyNames?: string[];
  /**
   * Key parameters whose API Gateway key another stack in this account and region owns (API Gateway key values are
   * unique there, so only one stack can create the key for a parameter): this stack declares no ApiKey for them and
   * attaches the key holding the parameter's value to its own usage plan. Each must be in `apiKeyNames` (or
   * `apiKeyParameterNames`) and not one of this stack's generated parameters (`/mcp-anywhere/<stack>/api-keys/<id>`).
   * The owning stack must be deployed first, and again first after a value change. Config
   * `mcp-anywhere:lambdaSharedKeyParameterNames`. @default [] (DEPLOY_DEFAULTS.lambda.sharedKeyParameterNames)
   */
  sharedKeyParameterNames?: string[];
  /** Prefix for log group names, e.g. `/mcp-anywhere/dev`. */
  logGroupPrefix: string;
}

/**
 * The key parameter names as plain strings (`apiKeyNames`, or `apiKeyParameterNames` when all are strings).
 * @throws {ComponentArgsError} when they cannot be known, or `apiKeyNames` does not match `apiKeyParameterNames` in
 *   length.
 */
export function plainKeyNames(
  component: string,
  inputs: pulumi.Input<string>[],
  names: string[] | undefined,
): string[] {
  if (names !== undefined) {
    if (names.length !== inputs.length) {
      throw new ComponentArgsError(component, [
        `\`apiKeyNames\` must list ${inputs.length} names, one per \`apiKeyParameterNames\` entry, got ${names.length}`,
      ]);
    }
    return names;
  }
  if (inputs.every((n): n is string => typeof n === "string")) return inputs;
  throw new ComponentArgsError(component, [
    "`apiKeyNames` is required when `apiKeyParameterNames` holds outputs (the API Gateway keys are named by parameter name)",
  ]);
}

/**
 * The `<name>-key-<index>` index each key had in releases that named API Gateway keys by list position, where the list
 * was either the generated `default` key alone (no existing parameters) or the existing parameters alone. Existing
 * parameters get their index among themselves; the generated `default` key 0 when there are no existing parameters;
 * keys generated under other ids (added after the rename) none.
 * @param keyNames - every key parameter name, as {@link plainKeyNames} returns them.
 * @param stack - the stack name; generated parameters are `/mcp-anywhere/<stack>/api-keys/<id>` (infra/core/api-key-names.ts).
 */
export function legacyKeyIndexes(keyNames: string[], stack: string): (number | undefined)[] {
  const generatedPrefix = keyParameterName(stack, "");
  const existing = keyNames.filter((n) => !n.startsWith(generatedPrefix));
  return keyNames.map((n) => {
    if (!n.startsWith(generatedPrefix)) return existing.indexOf(n);
    return n === keyParameterName(stack, "default") && existing.length === 0 ? 0 : undefined;
  });
}

/** Lambda memory limits, MiB (AWS Lambda Developer Guide, "Configuring function memory"). */
export const LAMBDA_MEMORY_MIB = { min: 128, max: 10_240 } as const;

export class LambdaMcpService extends pulumi.ComponentResource implements McpServiceOutputs {
  public readonly target = "lambda" as const;
  public readonly url: pulumi.Output<string>;
  public readonly healthUrl: pulumi.Output<string>;
  public readonly apiKeyParameterNames: pulumi.Output<string[]>;
  public readonly functionName: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  /** The edge's metric dimensions (AWS/ApiGateway `ApiName`, `Stage`), for the guardrail alarms. */
  public readonly apiName: pulumi.Output<string>;
  public readonly stageName: pulumi.Output<string>;
  /** The API Gateway access log group's name, when access logs are on. */
  public readonly accessLogGroupName: pulumi.Output<string> | undefined;

  /** @throws {ComponentArgsError} before any child is declared, naming each bad argument and its value. */
  constructor(name: string, args: LambdaMcpServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("mcp-anywhere:aws:LambdaMcpService", name, {}, opts);
    const component = `LambdaMcpService ${name}`;
    const a = resolveServiceArgs(component, args, LAMBDA_MEMORY_MIB);
    const rc = args.reservedConcurrency;
    if (rc !== undefined && (!Number.isInteger(rc) || rc < 1)) {
      throw new ComponentArgsError(component, [
        `\`reservedConcurrency\` must be an integer >= 1 or undefined, got ${rc}`,
      ]);
    }
    const keyNames = plainKeyNames(component, a.apiKeyParameterNames, args.apiKeyNames);
    const stack = pulumi.getStack();
    const shared = args.sharedKeyParameterNames ?? [...DEPLOY_DEFAULTS.lambda.sharedKeyParameterNames];
    const sharedProblems = shared.flatMap((n) =>
      !keyNames.includes(n)
        ? [
            `\`sharedKeyParameterNames\` entry ${JSON.stringify(n)} is not one of the key parameters ${JSON.stringify(keyNames)}`,
          ]
        : n.startsWith(keyParameterName(stack, ""))
          ? [
              `\`sharedKeyParameterNames\` entry ${JSON.stringify(n)} is a parameter this stack generates; only this stack can own its key`,
            ]
          : [],
    );
    if (upstreamSidecarImage(args.upstream) !== undefined) {
      sharedProblems.push(
        `\`upstream.image\` ${JSON.stringify(args.upstream?.image)} cannot run on Lambda (a function runs one image); run the server from \`upstream.command\` in ours`,
      );
    }
    if (sharedProblems.length > 0) throw new ComponentArgsError(component, sharedProblems);
    const legacy = legacyKeyIndexes(keyNames, stack);
    const manageAccount = args.manageApiGatewayAccount ?? DEPLOY_DEFAULTS.lambda.manageApiGatewayAccount;
    const accessLogsOn = (args.accessLogs ?? DEPLOY_DEFAULTS.lambda.accessLogs) || manageAccount;
    const streaming = args.streaming ?? false;
    const timeoutSeconds = streaming
      ? DEPLOY_DEFAULTS.lambda.streamingTimeoutSeconds
      : DEPLOY_DEFAULTS.lambda.timeoutSeconds;
    const parent = { parent: this };
    const ctx = awsContext(parent);

    const fnLogs = logGroup(`${name}-logs`, `${args.logGroupPrefix}/lambda`, a.logRetentionDays, a.tags, parent);
    const accessLogs = accessLogsOn
      ? logGroup(`${name}-access-logs`, `${args.logGroupPrefix}/apigateway-access`, a.logRetentionDays, a.tags, parent)
      : undefined;

    const parameterArns = a.apiKeyParameterNames.map((n) => ssmParameterArn(ctx, n));
    const role = new aws.iam.Role(
      `${name}-role`,
      { assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com"), tags: a.tags },
      parent,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.id,
        policy: policyDocument(
          pulumi
            .all([writeLogsStatement(fnLogs.arn), readKeyParameterStatements(ctx, parameterArns)])
            .apply(([logs, keys]) => [logs, ...keys]),
        ),
      },
      parent,
    );

    const fn = new aws.lambda.Function(
      `${name}-function`,
      {
        packageType: "Image",
        imageUri: a.image,
        architectures: ["arm64"],
        memorySize: a.memoryMiB,
        timeout: timeoutSeconds,
        role: role.arn,
        ...(rc !== undefined ? { reservedConcurrentExecutions: rc } : {}),
        loggingConfig: { logFormat: "JSON", logGroup: fnLogs.name },
        environment: {
          variables: {
            // The Lambda Web Adapter is the one proxy in front of the app; API Gateway put the client in X-Forwarded-For.
            ...serverEnvironment("lambda", a, 1),
            MCP_API_KEYS_SSM_PARAMETERS: pulumi.all(a.apiKeyParameterNames).apply((n) => n.join(",")),
            MCP_JSON_RESPONSE: String(!streaming),
            AWS_LWA_READINESS_CHECK_PATH: a.healthPath,
            AWS_LWA_INVOKE_MODE: streaming ? "response_stream" : "buffered",
            // OTEL_EXPORTER_OTLP_HEADERS, a Pulumi secret, protected like serverEnv below (infra/tracing-env.ts).
            ...tracingSecretEnvironment(a.tracing),
            // The user's serverEnv (may hold secrets) as a Pulumi secret: encrypted in the state, and at rest by Lambda
            // with KMS (the AWS managed key aws/lambda unless a key is set; "Securing Lambda environment variables",
            // https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html). Readable by anyone
            // allowed lambda:GetFunctionConfiguration on this function, like the rest of its configuration.
            ...Object.fromEntries(
              Object.entries(upstreamSecretEnvironment(args.upstream)?.variables ?? {}).map(([k, v]) => [
                k,
                pulumi.secret(v),
              ]),
            ),
          },
        },
        tags: a.tags,
      },
      { parent: this, dependsOn: [policy] },
    );

    const edge = restApiEdge(
      name,
      {
        fn,
        apiKeyParameters: keyNames.map((n, i) => ({
          name: n,
          input: a.apiKeyParameterNames[i] as pulumi.Input<string>,
          shared: shared.includes(n),
          ...(legacy[i] !== undefined ? { legacyIndex: legacy[i] } : {}),
        })),
        stack,
        mcpPath: a.mcpPath,
        healthPath: a.healthPath,
        rateLimit: a.rateLimit,
        monthlyQuota: a.monthlyQuota,
        streaming,
        timeoutMs: streaming ? timeoutSeconds * 1000 : DEPLOY_DEFAULTS.lambda.integrationTimeoutMs,
        accessLogGroup: accessLogs,
        manageApiGatewayAccount: manageAccount,
        partition: ctx.partition,
        tags: a.tags,
      },
      this,
    );

    this.url = pulumi.interpolate`${edge.baseUrl}${a.mcpPath}`;
    this.healthUrl = pulumi.interpolate`${edge.baseUrl}${a.healthPath}`;
    this.apiKeyParameterNames = pulumi.all(a.apiKeyParameterNames);
    this.functionName = fn.name;
    this.logGroupName = fnLogs.name;
    this.apiName = edge.api.name;
    this.stageName = edge.stage.stageName;
    this.accessLogGroupName = accessLogs?.name;
    this.registerOutputs({
      target: this.target,
      url: this.url,
      healthUrl: this.healthUrl,
      apiKeyParameterNames: this.apiKeyParameterNames,
      functionName: this.functionName,
      logGroupName: this.logGroupName,
    });
  }
}
