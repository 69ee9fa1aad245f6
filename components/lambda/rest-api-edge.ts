/**
 * The Lambda target's edge: a regional API Gateway REST API with API keys and a usage plan.
 * - `ANY <mcpPath>` and `ANY /{proxy+}` require an API key (header `x-api-key`); `GET <healthPath>` does not.
 * - AWS_PROXY integrations, buffered by default or streamed (`responseTransferMode: STREAM`).
 * - A deployment that is replaced whenever the routes, integrations or the function change.
 * - A stage with a stage-wide throttle and, when `accessLogs`, JSON access logs (request id, IP, method, path, status,
 *   latency, API key *id*; never a key value).
 * - One ApiKey per SSM parameter (value read with decryption, kept secret), named by a hash of the parameter name, a
 *   UsagePlan (per-key throttle, optional monthly quota) and a UsagePlanKey each.
 * - Only when `manageApiGatewayAccount`: the region's API Gateway CloudWatch Logs role (a region-wide singleton), kept
 *   on delete.
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
  /**
   * The key parameters: `name` is the plain parameter name (it names the API Gateway key resources), `input` the same
   * name as the program passes it on (an output of the parameter resource, so the read waits for its creation).
   */
  apiKeyParameters: { name: string; input: pulumi.Input<string> }[];
  /** Stack name, in each API key's description. */
  stack: string;
  mcpPath: string;
  healthPath: string;
  rateLimit: { requestsPerSecond: number; burst: number };
  monthlyQuota: number | undefined;
  streaming: boolean;
  /** Integration timeout, ms. */
  timeoutMs: number;
  /** Access-log destination; no access logs when undefined. */
  accessLogGroup: aws.cloudwatch.LogGroup | undefined;
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
 * must hold exactly one key (the server itself also accepts comma-separated lists). The value must be "an alphanumeric
 * string between 20 and 128 characters" (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html;
 * the same rule in the provider's `ApiKey.value` docs, node_modules/@pulumi/aws/apigateway/apiKey.d.ts), review F16.
 * Keys made with `openssl rand -base64` (`+ / =`) or with `- _ .` are refused here rather than by CreateApiKey.
 * @throws {Error} naming the parameter (never the value, nor any part of it) when it holds a list, or a value that is
 *   not 20 to 128 letters and digits.
 */
export function edgeKeyValue(parameterName: string, value: string): string {
  const v = value.trim();
  if (v.includes(",")) {
    throw new Error(
      `SSM parameter ${parameterName} holds a comma-separated list; on the lambda target each parameter must hold one ` +
        "key (API Gateway keeps one value per API key). Put each key in its own parameter.",
    );
  }
  if (!/^[A-Za-z0-9]{20,128}$/.test(v)) {
    throw new Error(
      `SSM parameter ${parameterName} must hold a key of 20 to 128 letters and digits (A-Z a-z 0-9) for API Gateway, ` +
        `which accepts only alphanumeric key values; got ${v.length} characters${/[^A-Za-z0-9]/.test(v) ? " including other characters" : ""}. ` +
        "Generate one with: openssl rand -hex 32",
    );
  }
  return v;
}

/**
 * The resource-name suffix of the API Gateway key for one parameter: the first 12 hex digits of its SHA-256, so the
 * name follows the parameter, not its list position. With index names, removing a non-last parameter turned the next
 * key into the removed one's successor: a ForceNew `value` change whose create-before-delete hits API Gateway's
 * unique-value rule with 409 ConflictException (review F4).
 */
export function apiKeyResourceSuffix(parameterName: string): string {
  return createHash("sha256").update(parameterName).digest("hex").slice(0, 12);
}

/**
 * Declares the edge as children of `parent`.
 * @throws {Error} when two entries of `apiKeyParameters` have the same name.
 */
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

  // Any change to routes, integrations or edge responses yields a new deployment. So does a new function (its ARN):
  // the Integration updates in place, but a stage serves the snapshot taken at deployment (review F17).
  const redeployment = createHash("sha256")
    .update(JSON.stringify({ routes, transfer, timeoutMs: args.timeoutMs, responses: GATEWAY_RESPONSES }))
    .digest("hex");
  const deployment = new aws.apigateway.Deployment(
    `${name}-deployment`,
    {
      restApi: api.id,
      triggers: { redeployment, function: fn.arn },
      description: `routes ${redeployment.slice(0, 12)}`,
    },
    { parent, dependsOn: children },
  );

  const stageDeps: pulumi.Resource[] = [];
  if (args.manageApiGatewayAccount) {
    // The setting is one per account and region (CloudFormation: "you should only have one AWS::ApiGateway::Account
    // resource per region per account", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-account.html),
    // and pulumi-aws 7 resets it when the resource is deleted (terraform-provider-aws v6 upgrade guide: "The destroy
    // operation will now always reset the API Gateway account settings"). Retained on delete, with its role and the
    // role's policy attachment, so destroying this stack never breaks another API's logging (review F5).
    const retain = { ...opts, retainOnDelete: true };
    const role = new aws.iam.Role(
      `${name}-cloudwatch-role`,
      { assumeRolePolicy: assumeRolePolicy("apigateway.amazonaws.com"), tags },
      retain,
    );
    // A separate attachment: Role.managedPolicyArns is deprecated in pulumi-aws 7
    // (node_modules/@pulumi/aws/iam/role.d.ts, "Use the aws.iam.RolePolicyAttachment resource instead"), review F19.
    const attachment = new aws.iam.RolePolicyAttachment(
      `${name}-cloudwatch-role-logs`,
      {
        role: role.name,
        policyArn: pulumi.interpolate`arn:${args.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`,
      },
      retain,
    );
    stageDeps.push(
      new aws.apigateway.Account(
        `${name}-account`,
        { cloudwatchRoleArn: role.arn },
        { ...retain, dependsOn: [attachment] },
      ),
    );
  }

  const stage = new aws.apigateway.Stage(
    `${name}-stage`,
    {
      restApi: api.id,
      deployment: deployment.id,
      stageName: DEPLOY_DEFAULTS.lambda.stageName,
      // API Gateway refuses a stage with access logs while the region has no CloudWatch Logs role ("CloudWatch Logs
      // role ARN must be set in account settings to enable logging"), so they are only set when asked for.
      ...(args.accessLogGroup
        ? { accessLogSettings: { destinationArn: args.accessLogGroup.arn, format: ACCESS_LOG_FORMAT } }
        : {}),
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
        throttlingRateLimit: args.rateLimit.requestsPerSecond * args.apiKeyParameters.length,
        throttlingBurstLimit: args.rateLimit.burst * args.apiKeyParameters.length,
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

  const seen = new Set<string>();
  args.apiKeyParameters.forEach(({ name: parameterName, input }, i) => {
    if (seen.has(parameterName)) {
      throw new Error(`restApiEdge ${name}: \`apiKeyParameters\` lists ${parameterName} twice; each parameter once`);
    }
    seen.add(parameterName);
    const parameter = readKeyParameter(input, opts);
    const value = pulumi.all([parameter.name, parameter.value]).apply(([n, v]) => edgeKeyValue(n, v));
    const keyName = `${name}-key-${apiKeyResourceSuffix(parameterName)}`;
    // Stacks deployed before hash names had `${name}-key-<index>`: the alias adopts that resource (no create of a
    // second key with the same value, which API Gateway refuses) when the list is unchanged in the upgrading update.
    const aliases = [{ name: `${name}-key-${i}` }];
    const key = new aws.apigateway.ApiKey(
      keyName,
      {
        // API key values are unique per account and region, so one parameter can back only one lambda stack there.
        description: `mcp-anywhere stack ${args.stack}: key from SSM parameter ${parameterName}`,
        value: pulumi.secret(value),
        enabled: true,
        tags,
      },
      { ...opts, aliases },
    );
    new aws.apigateway.UsagePlanKey(
      keyName,
      { keyId: key.id, keyType: "API_KEY", usagePlanId: usagePlan.id },
      { ...opts, aliases },
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
