/**
 * The Lambda target's edge: a regional API Gateway REST API with API keys and a usage plan.
 * - `ANY <mcpPath>` and `ANY /{proxy+}` require an API key (header `x-api-key`); `GET <healthPath>` does not.
 * - AWS_PROXY integrations, buffered by default or streamed (`responseTransferMode: STREAM`).
 * - A deployment that is replaced whenever the routes or integrations change.
 * - A stage with JSON access logs (request id, IP, method, path, status, latency, API key *id*; never a key value) and
 *   a stage-wide throttle.
 * - One ApiKey per SSM parameter (value read with decryption, kept secret), a UsagePlan (per-key throttle, optional
 *   monthly quota) and a UsagePlanKey each.
 * - Gateway responses that turn the edge's own errors into JSON-RPC bodies: 401 for a missing or invalid key (API
 *   Gateway's default is 403), 429 with Retry-After for throttling and quota.
 */
import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DEPLOY_DEFAULTS } from "../../infra/core/defaults.js";
import { assumeRolePolicy } from "../../infra/iam.js";
import { readKeyParameter } from "../../infra/ssm-read.js";

export interface RestApiEdgeArgs {
  fn: aws.lambda.Function;
  apiKeyParameterNames: pulumi.Input<string>[];
  mcpPath: string;
  healthPath: string;
  rateLimit: { requestsPerSecond: number; burst: number };
  monthlyQuota: number | undefined;
  streaming: boolean;
  /** Integration timeout, ms. */
  timeoutMs: number;
  accessLogGroup: aws.cloudwatch.LogGroup;
  manageApiGatewayAccount: boolean;
  /** AWS partition, e.g. `aws`. */
  partition: pulumi.Input<string>;
  tags: Record<string, string>;
}

export interface RestApiEdge {
  api: aws.apigateway.RestApi;
  stage: aws.apigateway.Stage;
  usagePlan: aws.apigateway.UsagePlan;
  /** `https://<api>.execute-api.<region>.amazonaws.com/<stage>` without a trailing slash. */
  baseUrl: pulumi.Output<string>;
}

/** Access log line format. `$context.identity.apiKey` (the key value) is deliberately absent. */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  requestTime: "$context.requestTime",
  httpMethod: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  status: "$context.status",
  responseLength: "$context.responseLength",
  responseLatencyMs: "$context.responseLatency",
  integrationLatencyMs: "$context.integrationLatency",
  apiKeyId: "$context.identity.apiKeyId",
  error: "$context.error.message",
});

const rpcError = (message: string) => `{"jsonrpc":"2.0","error":{"code":-32000,"message":${message}},"id":null}`;

/** Edge errors rewritten as JSON-RPC, with their status. `$context.error.messageString` is already a JSON string. */
export const GATEWAY_RESPONSES = [
  {
    type: "INVALID_API_KEY",
    statusCode: "401",
    message: '"Unauthorized: API key missing or invalid (send x-api-key)"',
  },
  { type: "THROTTLED", statusCode: "429", message: '"Too many requests: edge rate limit exceeded"', retryAfter: "1" },
  {
    type: "QUOTA_EXCEEDED",
    statusCode: "429",
    message: '"Too many requests: monthly quota exceeded"',
    retryAfter: "3600",
  },
  { type: "DEFAULT_4XX", statusCode: undefined, message: "$context.error.messageString" },
  { type: "DEFAULT_5XX", statusCode: undefined, message: "$context.error.messageString" },
] as const;

/**
 * The API Gateway key value for one SSM parameter. API Gateway holds one value per key, so on this target a parameter
 * must hold exactly one key (the server itself also accepts comma-separated lists).
 * @throws {Error} naming the parameter (never the value) when it holds a list, or a value outside 20 to 128
 *   characters without whitespace.
 */
export function edgeKeyValue(parameterName: string, value: string): string {
  const v = value.trim();
  if (v.includes(",")) {
    throw new Error(
      `SSM parameter ${parameterName} holds a comma-separated list; on the lambda target each parameter must hold one ` +
        "key (API Gateway keeps one value per API key). Put each key in its own parameter.",
    );
  }
  if (!/^\S{20,128}$/.test(v)) {
    throw new Error(
      `SSM parameter ${parameterName} must hold a key of 20 to 128 characters without spaces for API Gateway`,
    );
  }
  return v;
}

/** Declares the edge as children of `parent`. */
export function restApiEdge(name: string, args: RestApiEdgeArgs, parent: pulumi.Resource): RestApiEdge {
  const opts = { parent };
  const { fn, tags } = args;
  const api = new aws.apigateway.RestApi(
    `${name}-api`,
    {
      description: "mcp-anywhere: Streamable HTTP MCP endpoint",
      endpointConfiguration: { types: "REGIONAL" },
      apiKeySource: "HEADER",
      tags,
    },
    opts,
  );

  const uri = args.streaming ? fn.responseStreamingInvokeArn : fn.invokeArn;
  const transfer = args.streaming ? "STREAM" : "BUFFERED";
  const routes = [
    { id: "mcp", pathPart: args.mcpPath.slice(1), httpMethod: "ANY", apiKeyRequired: true },
    { id: "proxy", pathPart: "{proxy+}", httpMethod: "ANY", apiKeyRequired: true },
    { id: "health", pathPart: args.healthPath.slice(1), httpMethod: "GET", apiKeyRequired: false },
  ];
  const children: pulumi.Resource[] = [];
  for (const route of routes) {
    const resource = new aws.apigateway.Resource(
      `${name}-${route.id}`,
      { restApi: api.id, parentId: api.rootResourceId, pathPart: route.pathPart },
      opts,
    );
    const method = new aws.apigateway.Method(
      `${name}-${route.id}`,
      {
        restApi: api.id,
        resourceId: resource.id,
        httpMethod: route.httpMethod,
        authorization: "NONE",
        apiKeyRequired: route.apiKeyRequired,
      },
      opts,
    );
    const integration = new aws.apigateway.Integration(
      `${name}-${route.id}`,
      {
        restApi: api.id,
        resourceId: resource.id,
        httpMethod: method.httpMethod,
        type: "AWS_PROXY",
        integrationHttpMethod: "POST",
        uri,
        responseTransferMode: transfer,
        timeoutMilliseconds: args.timeoutMs,
      },
      opts,
    );
    children.push(resource, method, integration);
  }

  for (const r of GATEWAY_RESPONSES) {
    children.push(
      new aws.apigateway.Response(
        `${name}-${r.type.toLowerCase().replaceAll("_", "-")}`,
        {
          restApiId: api.id,
          responseType: r.type,
          ...(r.statusCode ? { statusCode: r.statusCode } : {}),
          responseTemplates: { "application/json": rpcError(r.message) },
          responseParameters: {
            "gatewayresponse.header.Content-Type": "'application/json'",
            ...("retryAfter" in r ? { "gatewayresponse.header.Retry-After": `'${r.retryAfter}'` } : {}),
          },
        },
        opts,
      ),
    );
  }

  // Any change to routes, integrations or edge responses yields a new deployment.
  const redeployment = createHash("sha256")
    .update(JSON.stringify({ routes, transfer, timeoutMs: args.timeoutMs, responses: GATEWAY_RESPONSES }))
    .digest("hex");
  const deployment = new aws.apigateway.Deployment(
    `${name}-deployment`,
    { restApi: api.id, triggers: { redeployment }, description: `routes ${redeployment.slice(0, 12)}` },
    { parent, dependsOn: children },
  );

  const stageDeps: pulumi.Resource[] = [];
  if (args.manageApiGatewayAccount) {
    const role = new aws.iam.Role(
      `${name}-cloudwatch-role`,
      {
        assumeRolePolicy: assumeRolePolicy("apigateway.amazonaws.com"),
        managedPolicyArns: [
          pulumi.interpolate`arn:${args.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`,
        ],
        tags,
      },
      opts,
    );
    stageDeps.push(new aws.apigateway.Account(`${name}-account`, { cloudwatchRoleArn: role.arn }, opts));
  }

  const stage = new aws.apigateway.Stage(
    `${name}-stage`,
    {
      restApi: api.id,
      deployment: deployment.id,
      stageName: DEPLOY_DEFAULTS.lambda.stageName,
      accessLogSettings: { destinationArn: args.accessLogGroup.arn, format: ACCESS_LOG_FORMAT },
      tags,
    },
    { parent, dependsOn: stageDeps },
  );

  new aws.apigateway.MethodSettings(
    `${name}-throttle`,
    {
      restApi: api.id,
      stageName: stage.stageName,
      methodPath: "*/*",
      settings: {
        // The stage-wide ceiling: the per-key limit times the number of keys.
        throttlingRateLimit: args.rateLimit.requestsPerSecond * args.apiKeyParameterNames.length,
        throttlingBurstLimit: args.rateLimit.burst * args.apiKeyParameterNames.length,
        metricsEnabled: true,
        loggingLevel: "OFF",
        dataTraceEnabled: false,
      },
    },
    opts,
  );

  const usagePlan = new aws.apigateway.UsagePlan(
    `${name}-usage-plan`,
    {
      description: "mcp-anywhere per-key limits",
      apiStages: [{ apiId: api.id, stage: stage.stageName }],
      throttleSettings: { rateLimit: args.rateLimit.requestsPerSecond, burstLimit: args.rateLimit.burst },
      ...(args.monthlyQuota ? { quotaSettings: { limit: args.monthlyQuota, period: "MONTH" } } : {}),
      tags,
    },
    opts,
  );

  args.apiKeyParameterNames.forEach((parameterName, i) => {
    const parameter = readKeyParameter(parameterName, opts);
    const value = pulumi.all([parameter.name, parameter.value]).apply(([n, v]) => edgeKeyValue(n, v));
    const key = new aws.apigateway.ApiKey(
      `${name}-key-${i}`,
      {
        description: pulumi.interpolate`mcp-anywhere key from ${parameterName}`,
        value: pulumi.secret(value),
        enabled: true,
        tags,
      },
      opts,
    );
    new aws.apigateway.UsagePlanKey(
      `${name}-key-${i}`,
      { keyId: key.id, keyType: "API_KEY", usagePlanId: usagePlan.id },
      opts,
    );
  });

  new aws.lambda.Permission(
    `${name}-invoke`,
    {
      action: "lambda:InvokeFunction",
      function: fn.name,
      principal: "apigateway.amazonaws.com",
      sourceArn: pulumi.interpolate`${api.executionArn}/*/*`,
    },
    opts,
  );

  return { api, stage, usagePlan, baseUrl: stage.invokeUrl.apply((u) => u.replace(/\/$/, "")) };
}
