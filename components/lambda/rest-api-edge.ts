/**
 * The Lambda target's edge: a regional API Gateway REST API with API keys and a usage plan.
 * - `ANY <mcpPath>` and `ANY /{proxy+}` require an API key (header `x-api-key`); `GET <healthPath>` does not.
 * - AWS_PROXY integrations, buffered by default or streamed (`responseTransferMode: STREAM`).
 * - A deployment that is replaced whenever the routes, integrations or the function change.
 * - A stage with a stage-wide throttle and, when `accessLogs`, JSON access logs (request id, IP, method, path, status,
 *   latency, API key *id*; never a key value).
 * - A UsagePlan (per-key throttle, optional monthly quota) and, per SSM key parameter, a UsagePlanKey; both the
 *   UsagePlanKey and (for keys this stack owns) the ApiKey are named by a hash of the parameter name. A key this stack
 *   owns is an ApiKey (value read with decryption, kept secret) kept when deleted (`retainOnDelete`), so a stack that
 *   shares it keeps working; a shared key (`shared`) is another stack's ApiKey, found by value (see
 *   {@link restApiEdge}).
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
import { STACK_TAG } from "../../infra/policy/taggable.js";
import { readKeyParameter } from "../../infra/ssm-read.js";

export interface RestApiEdgeArgs {
  fn: aws.lambda.Function;
  /** The key parameters, in order. */
  apiKeyParameters: EdgeKeyParameter[];
  /** Stack name: in each API key's description, and the `mcp-anywhere:stack` tag that marks this stack's own keys. */
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

/** One key parameter of the edge. */
export interface EdgeKeyParameter {
  /** The plain parameter name; it names the API Gateway key resources. */
  name: string;
  /** The same name as the program passes it on (an output of the parameter resource, so the read waits for it). */
  input: pulumi.Input<string>;
  /**
   * The key is another stack's (or a hand-made) API Gateway key: declare no ApiKey, attach the key that holds this
   * parameter's value to this stack's usage plan. @default false
   */
  shared?: boolean;
  /**
   * The index this key had in releases that named keys `<name>-key-<index>`; it becomes an alias so the upgrade adopts
   * the old resources instead of creating a second key with the same value. @default no alias
   */
  legacyIndex?: number;
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

/** What {@link ownKeyValue} and {@link sharedKeyId} read of an account's API key (GetApiKeys `items`). */
export interface AccountApiKey {
  id: string;
  name: string;
  value: string;
  tags?: Record<string, string>;
  /** {@link ownKeyDescription} for this stack's own keys. */
  description?: string;
  /** When API Gateway created the key (GetApiKeys `createdDate`, a date-time). */
  createdDate?: string;
}

/** The description of the API key this stack owns for one parameter; every key made for it carries it. */
export function ownKeyDescription(stack: string, parameterName: string): string {
  return `mcp-anywhere stack ${stack}: key from SSM parameter ${parameterName}`;
}

/** The most recently created of `keys`; undefined when a date is missing or two keys share the latest date. */
function newestKey(keys: AccountApiKey[]): AccountApiKey | undefined {
  const dated = keys.map((k) => ({ k, t: Date.parse(k.createdDate ?? "") }));
  if (dated.length === 0 || dated.some((d) => Number.isNaN(d.t))) return undefined;
  const latest = Math.max(...dated.map((d) => d.t));
  const at = dated.filter((d) => d.t === latest);
  return at.length === 1 ? at[0]?.k : undefined;
}

const sharedConfigCommand = (parameterName: string) =>
  `pulumi config set mcp-anywhere:lambdaSharedKeyParameterNames '${JSON.stringify([parameterName])}'`;

/**
 * The value for an API key this stack owns, after checking that no other stack's key holds it. API Gateway key values
 * are unique per account and region ("API key values must be unique",
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html), so creating it
 * would fail with 409 "API Key already exists" (review F4). A key tagged `mcp-anywhere:stack` = this stack is this
 * stack's own (its earlier deployments), not a conflict, except in one case (review R2-m14): a value change replaces
 * the key and keeps the old one (`retainOnDelete`), so changing the parameter back to an earlier value would create a
 * key with the value a kept key still holds. That case is recognised when this stack's keys for the parameter
 * (same {@link ownKeyDescription}) have one newest key (the current one: every value change creates a newer key)
 * and it holds another value, while an older one holds this value.
 * @throws {Error} naming the parameter, the other key's id, name and stack tag, and the config command that makes the
 *   key shared; or, for an earlier value of this stack's own key, the kept key's id and the command that deletes it;
 *   never the value.
 */
export function ownKeyValue(parameterName: string, value: string, items: AccountApiKey[], stack: string): string {
  const other = items.find((k) => k.value === value && k.tags?.[STACK_TAG] !== stack);
  if (other) {
    const owner = other.tags?.[STACK_TAG];
    throw new Error(
      `SSM parameter ${parameterName}: API Gateway key ${other.id} (${other.name}, ${owner ? `stack ${owner}` : "not made by an mcp-anywhere stack"}) ` +
        "already holds its value, and key values are unique per account and region. To use that key here, list the " +
        `parameter as shared (add it to the list if you have one): ${sharedConfigCommand(parameterName)}`,
    );
  }
  const description = ownKeyDescription(stack, parameterName);
  const mine = items.filter((k) => k.tags?.[STACK_TAG] === stack && k.description === description);
  const kept = mine.find((k) => k.value === value);
  const current = newestKey(mine);
  if (kept && current && current.value !== value) {
    throw new Error(
      `SSM parameter ${parameterName} is back to an earlier value: API Gateway key ${kept.id} (${kept.name}), kept ` +
        `when this stack's key was replaced, still holds it, so creating the key again would fail with 409 "API Key ` +
        `already exists" (key values are unique per account and region). The kept key is in no usage plan of this ` +
        "stack. If no other stack lists the parameter in lambdaSharedKeyParameterNames (or after those stacks moved " +
        `on), delete it and run pulumi up again: aws apigateway delete-api-key --api-key ${kept.id}. Or put a new ` +
        "value in the parameter.",
    );
  }
  return value;
}

/**
 * The id of the account's API key holding `value`, for a shared parameter.
 * @throws {Error} naming the parameter (never the value) when no key holds it: the owning stack must deploy first.
 */
export function sharedKeyId(parameterName: string, value: string, items: AccountApiKey[]): string {
  const key = items.find((k) => k.value === value);
  if (!key) {
    throw new Error(
      `SSM parameter ${parameterName} is in lambdaSharedKeyParameterNames, but no API Gateway key in this account and ` +
        "region holds its current value. Deploy the stack that owns the key first (after a value change too), or remove " +
        "the parameter from lambdaSharedKeyParameterNames so this stack creates the key.",
    );
  }
  return key.id;
}

/**
 * Declares the edge as children of `parent`.
 *
 * API keys: API Gateway key values are unique per account and region, so two lambda stacks using one SSM parameter
 * cannot both create a key for it. A Pulumi program cannot choose its resource set from a lookup's result without
 * declaring resources inside `apply` (which `pulumi preview` does not show reliably:
 * https://www.pulumi.com/docs/iac/concepts/inputs-outputs/apply/), so ownership is declared: a parameter with
 * `shared` gets no ApiKey here, only a UsagePlanKey whose `keyId` is the id of the account's key holding the value
 * (GetApiKeys with values, compared inside a secret). Every other parameter gets its own ApiKey, created only after
 * checking that no other stack's key holds the value ({@link ownKeyValue}); it is kept on delete.
 * @throws {Error} when two entries of `apiKeyParameters` have the same name; at deploy time from {@link ownKeyValue}
 *   and {@link sharedKeyId}.
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

  // No per-tool limits here (`rateLimit.perToolRequestsPerSecond` reaches only the app, via MCP_TOOL_RATE_LIMITS).
  // API Gateway REST throttles per stage, per method (`MethodSettings`, a resource path and HTTP method) and per API
  // key through usage plans, whose per-method throttles are also keyed by "resource path/HTTP method"
  // (UsagePlan `apiStages[].throttle`, https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html).
  // It cannot key a limit on a request header such as `Mcp-Name`, and every MCP call is `POST <mcpPath>`, so all tools
  // share one method and one limit per key. What would add it at the edge: a regional WAF web ACL on the stage with
  // the same per-key, per-tool rule as the Fargate edge (components/fargate/cloudfront.ts); not built (it adds the
  // web ACL's monthly and per-request charges to a target whose idle cost is ~0).
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
  for (const p of args.apiKeyParameters) {
    if (seen.has(p.name)) {
      throw new Error(`restApiEdge ${name}: \`apiKeyParameters\` lists ${p.name} twice; each parameter once`);
    }
    seen.add(p.name);
  }
  // Every API key of the account and region, with values (GetApiKeys includeValues, the deployer needs
  // apigateway:GET on /apikeys): to find a shared key by value, and to refuse creating a key whose value another
  // stack's key already holds. Secret as a whole: it holds key values.
  const accountKeys = pulumi.secret(aws.apigateway.getApiKeysOutput({ includeValues: true }, opts).items);
  for (const { name: parameterName, input, shared, legacyIndex } of args.apiKeyParameters) {
    const parameter = readKeyParameter(input, opts);
    const keyName = `${name}-key-${apiKeyResourceSuffix(parameterName)}`;
    // Stacks deployed before hash names had `${name}-key-<index>`: the alias adopts that resource (no create of a
    // second key with the same value, which API Gateway refuses).
    const aliases = legacyIndex === undefined ? [] : [{ name: `${name}-key-${legacyIndex}` }];
    let keyId: pulumi.Output<string>;
    if (shared) {
      // The id is not secret (it is in every access log line); only the lookup that found it touched values.
      keyId = pulumi.unsecret(
        pulumi
          .all([parameter.name, parameter.value, accountKeys])
          .apply(([n, v, items]) => sharedKeyId(n, edgeKeyValue(n, v), items)),
      );
    } else {
      const value = pulumi
        .all([parameter.name, parameter.value, accountKeys])
        .apply(([n, v, items]) => ownKeyValue(n, edgeKeyValue(n, v), items, args.stack));
      const key = new aws.apigateway.ApiKey(
        keyName,
        {
          description: ownKeyDescription(args.stack, parameterName),
          value: pulumi.secret(value),
          enabled: true,
          tags,
        },
        // Kept when the stack is destroyed or the value changes: another stack may have this key in its usage plan
        // (`shared`), and deleting a key removes it from every plan. The README says how to delete leftovers.
        // A kept key stays enabled (a retained resource gets no last update), but after a value change it is in no
        // usage plan of this stack (its UsagePlanKey is replaced with the new key's), so it cannot pass this API's
        // key check; kept keys count against the 10,000 API keys per account and region (review R2-m14,
        // docs/deploy-lambda.md).
        { ...opts, aliases, retainOnDelete: true },
      );
      keyId = key.id;
    }
    new aws.apigateway.UsagePlanKey(
      keyName,
      { keyId, keyType: "API_KEY", usagePlanId: usagePlan.id },
      { ...opts, aliases },
    );
  }

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
