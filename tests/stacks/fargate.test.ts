/** The real stack program for the Fargate target (Pulumi.prod.yaml), under mocks. */
import type * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { CLOUDFRONT_ORIGIN_PREFIX_LIST, FORBIDDEN_BODY, ORIGIN_VERIFY_HEADER } from "../../components/fargate/alb.js";
import {
  COMMON_RULE_SET_BLOCKED,
  COMMON_RULE_SET_EXCLUSIONS,
  WAF_BLOCKED_BODY,
  WAF_MAX_TOOL_RULES,
  WAF_WCU,
} from "../../components/fargate/cloudfront.js";
import { KEY_VERSIONS_LABEL, STOP_TIMEOUT_SECONDS } from "../../components/fargate/ecs.js";
import { ComponentArgsError, resolveServiceArgs } from "../../infra/service-args.js";
import {
  ACCOUNT,
  inputsOf,
  isSecretInput,
  type PulumiMocks,
  type RecordedResource,
  resolve,
  unwrapInput,
} from "../helpers/pulumi-mocks.js";
import { type RecordedOptions, resourceOptions } from "../helpers/resource-options.js";
import { attempt, plainTexts, runStack, type StackRun } from "../helpers/run-stack.js";
import { type WafDecision, type WafRule, WafWebAcl } from "../helpers/waf.js";

const T = {
  taskDef: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  policy: "aws:iam/rolePolicy:RolePolicy",
  role: "aws:iam/role:Role",
  nat: "aws:ec2/natGateway:NatGateway",
  vpc: "aws:ec2/vpc:Vpc",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  listener: "aws:lb/listener:Listener",
  rule: "aws:lb/listenerRule:ListenerRule",
  alb: "aws:lb/loadBalancer:LoadBalancer",
  waf: "aws:wafv2/webAcl:WebAcl",
  provider: "pulumi:providers:aws",
  cdn: "aws:cloudfront/distribution:Distribution",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  password: "random:index/randomPassword:RandomPassword",
  scaling: "aws:appautoscaling/target:Target",
  scalingPolicy: "aws:appautoscaling/policy:Policy",
} as const;

type Inputs = Record<string, unknown>;
const inputs = inputsOf;

interface ContainerDef {
  image: string;
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
  healthCheck: { command: string[]; interval?: number; retries?: number; timeout?: number };
  stopTimeout: number;
  readonlyRootFilesystem: boolean;
  logConfiguration: { logDriver: string; options: Record<string, string> };
  portMappings: { containerPort: number; hostPort?: number; protocol?: string }[];
  dockerLabels?: Record<string, string>;
}

/**
 * Every rule of AWSManagedRulesCommonRuleSet, from the AWS WAF Developer Guide, "Core rule set (CRS) managed rule
 * group" (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html).
 */
const CRS_RULES = [
  "NoUserAgent_HEADER",
  "UserAgent_BadBots_HEADER",
  "SizeRestrictions_QUERYSTRING",
  "SizeRestrictions_Cookie_HEADER",
  "SizeRestrictions_BODY",
  "SizeRestrictions_URIPATH",
  "EC2MetaDataSSRF_BODY",
  "EC2MetaDataSSRF_COOKIE",
  "EC2MetaDataSSRF_URIPATH",
  "EC2MetaDataSSRF_QUERYARGUMENTS",
  "GenericLFI_QUERYARGUMENTS",
  "GenericLFI_URIPATH",
  "GenericLFI_BODY",
  "RestrictedExtensions_URIPATH",
  "RestrictedExtensions_QUERYARGUMENTS",
  "GenericRFI_QUERYARGUMENTS",
  "GenericRFI_BODY",
  "GenericRFI_URIPATH",
  "CrossSiteScripting_COOKIE",
  "CrossSiteScripting_QUERYARGUMENTS",
  "CrossSiteScripting_BODY",
  "CrossSiteScripting_URIPATH",
];

const sortedByName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * A container definition in the form ECS stores and DescribeTaskDefinition returns it, which terraform-provider-aws
 * writes to state on refresh (task_definition.go Read: containers, environment and secrets sorted by name): the API
 * defaults filled in (cpu 0, essential, empty mountPoints/volumesFrom/systemControls, hostPort = containerPort under
 * awsvpc, protocol tcp, health-check interval 30/retries 3/timeout 5 as in container_definitions.go `reduce`), and the
 * awslogs `mode` from the account default (non-blocking since 2025-06-25, ECS account setting `defaultLogDriverMode`).
 */
function ecsStoredForm(c: ContainerDef): ContainerDef {
  return {
    cpu: 0,
    essential: true,
    mountPoints: [],
    volumesFrom: [],
    systemControls: [],
    ...c,
    portMappings: c.portMappings.map((p) => ({ hostPort: p.containerPort, protocol: "tcp", ...p })),
    environment: [...c.environment].sort(sortedByName),
    secrets: [...c.secrets].sort(sortedByName),
    healthCheck: { interval: 30, retries: 3, timeout: 5, ...c.healthCheck },
    logConfiguration: { ...c.logConfiguration, options: { mode: "non-blocking", ...c.logConfiguration.options } },
  } as ContainerDef;
}
const container = (m: PulumiMocks): ContainerDef =>
  (JSON.parse(String(unwrapInput(inputs(m.one(T.taskDef)).containerDefinitions))) as ContainerDef[])[0] as ContainerDef;
const byName = (m: PulumiMocks, type: string, name: string) => {
  const r = m.ofType(type).find((x) => x.name === name);
  if (!r) throw new Error(`no ${type} named ${name}`);
  return r;
};

describe("stack program: fargate target", function () {
  this.timeout(60_000);

  describe("prod stack (Pulumi.prod.yaml)", () => {
    let run: StackRun;
    let key: string;
    let originSecret: string;
    let options: Map<string, RecordedOptions>;
    before(async () => {
      options = resourceOptions();
      run = await runStack("prod");
      // Copy: a later run in this file replaces the entries.
      options = new Map(options);
      key = run.mocks.ssm.get("/mcp-anywhere/prod/api-keys/default") ?? "";
      originSecret = String(byName(run.mocks, T.password, "prod-origin-verify").state.result);
    });

    it("runs arm64 tasks of 0.25 vCPU and the configured 1024 MiB, with the digest-pinned image", () => {
      const td = inputs(run.mocks.one(T.taskDef));
      expect(td.runtimePlatform).to.deep.equal({ cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" });
      expect(td).to.deep.include({
        cpu: "256",
        memory: "1024",
        networkMode: "awsvpc",
        requiresCompatibilities: ["FARGATE"],
      });
      expect(container(run.mocks).image).to.match(
        /^\d{12}\.dkr\.ecr\.ap-northeast-1\.amazonaws\.com\/[^@]+@sha256:[0-9a-f]{64}$/,
      );
    });

    it("passes keys as ECS secrets from the parameter ARNs; the environment holds no key", () => {
      const c = container(run.mocks);
      expect(c.secrets).to.deep.equal([
        {
          name: "MCP_API_KEYS_1",
          valueFrom: `arn:aws:ssm:ap-northeast-1:${ACCOUNT}:parameter/mcp-anywhere/prod/api-keys/default`,
        },
      ]);
      expect(Object.fromEntries(c.environment.map((e) => [e.name, e.value]))).to.deep.equal({
        MCP_TARGET: "fargate",
        MCP_PATH: "/mcp",
        MCP_HEALTH_PATH: "/health",
        MCP_RATE_LIMIT_RPS: "50",
        MCP_RATE_LIMIT_BURST: "100",
        MCP_RATE_LIMIT_IP_PER_MINUTE: "60",
        MCP_TRUST_PROXY: "2",
      });
      expect(JSON.stringify(c)).not.to.include(key);
    });

    it("checks /health in the container, stops within the drain grace, and logs with awslogs", () => {
      const c = container(run.mocks);
      expect(c.healthCheck.command.join(" ")).to.include("http://127.0.0.1:8080/health");
      expect(c.stopTimeout).to.equal(STOP_TIMEOUT_SECONDS).and.be.greaterThan(10);
      expect(c.readonlyRootFilesystem).to.equal(true);
      expect(c.logConfiguration).to.deep.equal({
        logDriver: "awslogs",
        options: {
          "awslogs-group": "/mcp-anywhere/prod/fargate",
          "awslogs-region": "ap-northeast-1",
          "awslogs-stream-prefix": "mcp",
          mode: "non-blocking",
          "max-buffer-size": "25m",
        },
      });
    });

    it("scopes the execution role to the key ARNs, this image's repository and its log group; the task role gets nothing", () => {
      const policies = run.mocks.ofType(T.policy);
      expect(policies.map((p) => p.name)).to.deep.equal(["prod-execution"]);
      const doc = JSON.parse(String(inputs(policies[0] as RecordedResource).policy)) as { Statement: Inputs[] };
      const sid = Object.fromEntries(doc.Statement.map((s) => [s.Sid, s]));
      const arn = `arn:aws:ssm:ap-northeast-1:${ACCOUNT}:parameter/mcp-anywhere/prod/api-keys/default`;
      expect(sid.ReadApiKeyParameters?.Resource).to.deep.equal([arn]);
      expect(sid.PullServerImage?.Resource).to.match(
        new RegExp(`^arn:aws:ecr:ap-northeast-1:${ACCOUNT}:repository/server-repository`),
      );
      expect(sid.WriteOwnLogGroup?.Resource).to.equal(
        `arn:aws:logs:ap-northeast-1:${ACCOUNT}:log-group:/mcp-anywhere/prod/fargate:*`,
      );
      // F19: one StringEquals (AND across keys, OR across the ARN list); no ForAnyValue on a single-valued key.
      expect(sid.DecryptApiKeyParametersViaSsm?.Condition).to.deep.equal({
        StringEquals: {
          "kms:ViaService": "ssm.ap-northeast-1.amazonaws.com",
          "kms:EncryptionContext:PARAMETER_ARN": [arn],
        },
      });
      const starred = doc.Statement.filter((s) => s.Resource === "*").map((s) => s.Action);
      expect(starred, "only ecr:GetAuthorizationToken, which has no resource-level permission").to.deep.equal([
        ["ecr:GetAuthorizationToken"],
      ]);
      const task = inputs(byName(run.mocks, T.role, "prod-task"));
      expect(task.managedPolicyArns ?? []).to.deep.equal([]);
    });

    it("creates no NAT gateway and gives tasks public IPs in public subnets", () => {
      expect(run.mocks.ofType(T.nat)).to.have.length(0);
      const net = inputs(run.mocks.one(T.service)).networkConfiguration as Inputs;
      expect(net.assignPublicIp).to.equal(true);
      expect(net.subnets).to.have.length(2);
    });

    it("admits ALB traffic only from CloudFront's origin-facing prefix list, and task traffic only from the ALB", () => {
      const albSg = byName(run.mocks, T.sg, "prod-alb");
      const tasksSg = byName(run.mocks, T.sg, "prod-tasks");
      // Without the stack tags (added to every resource by a stack transform, and checked elsewhere).
      const ingress = run.mocks
        .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        .map((r) => Object.fromEntries(Object.entries(inputs(r)).filter(([k]) => k !== "tags")));
      expect(ingress.filter((r) => r.securityGroupId === albSg.id)).to.deep.equal([
        {
          securityGroupId: albSg.id,
          prefixListId: "pl-58a04531",
          ipProtocol: "tcp",
          fromPort: 80,
          toPort: 80,
          description: "CloudFront",
        },
      ]);
      expect(
        ingress.filter((r) => r.securityGroupId === tasksSg.id).map((r) => r.referencedSecurityGroupId),
      ).to.deep.equal([albSg.id]);
      expect(
        ingress.filter((r) => "cidrIpv4" in r || "cidrIpv6" in r),
        "no ingress from an address range",
      ).to.deep.equal([]);
      expect(
        run.mocks.calls.find((c) => c.token === "aws:ec2/getManagedPrefixList:getManagedPrefixList")?.inputs,
      ).to.deep.equal({
        name: CLOUDFRONT_ORIGIN_PREFIX_LIST,
      });
      for (const sg of [albSg, tasksSg]) {
        expect(inputs(sg).ingress, "no inline rules").to.equal(undefined);
        expect(inputs(sg).egress, "no inline rules").to.equal(undefined);
      }
    });

    it("answers 403 by default and forwards only requests with the secret origin-verify header", () => {
      const listener = inputs(run.mocks.one(T.listener));
      expect(listener.defaultActions).to.deep.equal([
        {
          type: "fixed-response",
          fixedResponse: { statusCode: "403", contentType: "application/json", messageBody: FORBIDDEN_BODY },
        },
      ]);
      const rule = inputs(run.mocks.one(T.rule));
      expect(isSecretInput(rule.conditions), "the header value is a secret").to.equal(true);
      expect(unwrapInput(rule.conditions)).to.deep.equal([
        { httpHeader: { httpHeaderName: ORIGIN_VERIFY_HEADER, values: [originSecret] } },
      ]);
      expect((rule.actions as Inputs[])[0]?.type).to.equal("forward");
      expect(originSecret).to.match(/^[A-Za-z0-9]{48}$/);
    });

    it("creates the WAF with scope CLOUDFRONT in us-east-1 on the default provider, keyed on x-api-key and on IP", () => {
      const waf = run.mocks.one(T.waf);
      expect(inputs(waf).region, "per-resource region (pulumi-aws 7), not a provider").to.equal("us-east-1");
      expect(waf.provider || undefined, "no explicit provider: the stack's aws:* config applies").to.equal(undefined);
      expect(inputs(waf).scope).to.equal("CLOUDFRONT");
      const rules = inputs(waf).rules as {
        name: string;
        statement: Inputs;
        action?: Inputs;
        overrideAction?: Inputs;
      }[];
      const [perKey, perIp, common] = rules;
      expect(perKey?.statement.rateBasedStatement).to.deep.equal({
        limit: 3000,
        evaluationWindowSec: 60,
        aggregateKeyType: "CUSTOM_KEYS",
        customKeys: [{ header: { name: "x-api-key", textTransformations: [{ priority: 0, type: "NONE" }] } }],
      });
      expect(perKey?.action).to.deep.nested.include({ "block.customResponse.responseCode": 429 });
      expect(perIp?.statement.rateBasedStatement).to.deep.equal({
        limit: 6000,
        evaluationWindowSec: 60,
        aggregateKeyType: "IP",
      });
      expect(common?.overrideAction).to.deep.equal({ none: {} });
    });

    it("declares no AWS provider of its own: every AWS resource uses the stack's default provider and aws:* config", () => {
      expect(run.mocks.ofType(T.provider), "no explicit aws.Provider").to.deep.equal([]);
      const explicit = run.mocks.resources.filter((r) => r.type.startsWith("aws:") && r.provider);
      expect(explicit.map((r) => `${r.type} ${r.name} ${r.provider}`)).to.deep.equal([]);
    });

    it("counts the common rules that match MCP tool arguments in bodies, and blocks the rest with a JSON-RPC 403", () => {
      const waf = inputs(run.mocks.one(T.waf));
      const rules = waf.rules as { name: string; statement: Inputs }[];
      const group = (rules.find((r) => r.name === "aws-common")?.statement.managedRuleGroupStatement ?? {}) as Inputs;
      const overrides = (group.ruleActionOverrides ?? []) as { name: string; actionToUse: Inputs }[];
      const counted = overrides.filter((o) => "count" in o.actionToUse).map((o) => o.name);
      expect(counted).to.have.members([
        "SizeRestrictions_BODY",
        "CrossSiteScripting_BODY",
        "GenericRFI_BODY",
        "GenericLFI_BODY",
        "EC2MetaDataSSRF_BODY",
      ]);
      expect(counted).to.have.members([...COMMON_RULE_SET_EXCLUSIONS]);
      const blocked = overrides.filter((o) => "block" in o.actionToUse);
      expect(blocked.map((o) => o.name)).to.have.members([...COMMON_RULE_SET_BLOCKED]);
      for (const o of blocked) {
        expect(o.actionToUse, o.name).to.deep.equal({
          block: { customResponse: { responseCode: 403, customResponseBodyKey: "blocked" } },
        });
      }
      expect(
        overrides.map((o) => o.name),
        "every rule of the group has an explicit action",
      ).to.have.members(CRS_RULES);
      const bodies = waf.customResponseBodies as { key: string; contentType: string; content: string }[];
      const body = bodies.find((b) => b.key === "blocked");
      expect(body?.contentType).to.equal("APPLICATION_JSON");
      expect(body?.content).to.equal(WAF_BLOCKED_BODY);
      expect(JSON.parse(String(body?.content))).to.deep.include({ jsonrpc: "2.0", id: null });
      expect((JSON.parse(String(body?.content)) as { error: { code: number } }).error.code).to.be.a("number");
    });

    it("serves HTTPS to viewers through CloudFront with caching off, all viewer headers but Host, and the WAF", () => {
      const cdn = inputs(run.mocks.one(T.cdn));
      const behavior = cdn.defaultCacheBehavior as Inputs;
      expect(behavior).to.deep.include({
        viewerProtocolPolicy: "redirect-to-https",
        cachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        originRequestPolicyId: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
      });
      expect(behavior.allowedMethods).to.include.members(["POST", "GET", "DELETE"]);
      expect(cdn.viewerCertificate).to.deep.equal({ cloudfrontDefaultCertificate: true });
      expect(cdn.webAclId).to.equal(run.mocks.one(T.waf).state.arn);
      const origins = unwrapInput(cdn.origins) as { customOriginConfig: Inputs; customHeaders: Inputs[] }[];
      expect(isSecretInput(cdn.origins), "the origin header value is a secret").to.equal(true);
      expect(origins[0]?.customHeaders).to.deep.equal([{ name: ORIGIN_VERIFY_HEADER, value: originSecret }]);
      expect(origins[0]?.customOriginConfig).to.deep.include({
        originReadTimeout: 60,
        originProtocolPolicy: "http-only",
      });
    });

    it("runs 2 to 6 tasks with the circuit breaker and CPU target tracking, and `pulumi up` waits for steady state", () => {
      const svc = inputs(run.mocks.one(T.service));
      expect(svc).to.deep.include({
        desiredCount: 2,
        launchType: "FARGATE",
        deploymentCircuitBreaker: { enable: true, rollback: true },
        waitForSteadyState: true,
      });
      expect(inputs(run.mocks.one(T.scaling))).to.deep.include({
        minCapacity: 2,
        maxCapacity: 6,
        scalableDimension: "ecs:service:DesiredCount",
      });
      const tt = inputs(run.mocks.one(T.scalingPolicy)).targetTrackingScalingPolicyConfiguration as Inputs;
      expect(tt.predefinedMetricSpecification).to.deep.equal({
        predefinedMetricType: "ECSServiceAverageCPUUtilization",
      });
    });

    it("orders the execution role's inline policy before the task definition and the service (IAM propagation)", () => {
      const policy = byName(run.mocks, T.policy, "prod-execution");
      expect(policy).to.exist;
      const dependsOnPolicy = (type: string, name: string) =>
        (options.get(`${type}::${name}`)?.dependencies ?? []).some((urn) =>
          urn.endsWith(`$${T.policy}::prod-execution`),
        );
      expect(options.get(`${T.service}::prod-service`), "options were recorded").to.exist;
      expect(dependsOnPolicy(T.service, "prod-service"), "service").to.equal(true);
      expect(dependsOnPolicy(T.taskDef, "prod-task"), "task definition").to.equal(true);
    });

    it("writes the container definition in the form ECS stores it, so a refresh shows no diff (F21)", () => {
      const c = container(run.mocks);
      expect(c).to.deep.equal(ecsStoredForm(c));
      expect(c.portMappings).to.deep.equal([{ containerPort: 8080, hostPort: 8080, protocol: "tcp" }]);
      expect(c.logConfiguration.options).to.deep.include({ mode: "non-blocking", "max-buffer-size": "25m" });
    });

    it("puts the key parameters' SSM versions (not values) in a docker label, read without decryption", () => {
      expect(container(run.mocks).dockerLabels).to.deep.equal({ [KEY_VERSIONS_LABEL]: "1=1" });
      const reads = run.mocks.calls.filter(
        (c) =>
          c.token === "aws:ssm/getParameter:getParameter" && c.inputs.name === "/mcp-anywhere/prod/api-keys/default",
      );
      expect(reads.map((c) => c.inputs.withDecryption)).to.deep.equal([false]);
    });

    it("uses regular Availability Zones only, never an opted-in Local Zone", () => {
      const az = run.mocks.calls.find((c) => c.token === "aws:index/getAvailabilityZones:getAvailabilityZones");
      expect(az?.inputs.filters).to.deep.equal([{ name: "opt-in-status", values: ["opt-in-not-required"] }]);
      const zones = run.mocks.ofType("aws:ec2/subnet:Subnet").map((s) => inputs(s).availabilityZone);
      expect(zones).to.deep.equal(["ap-northeast-1a", "ap-northeast-1c"]);
    });

    it("keeps logs 90 days", () => {
      expect(run.mocks.ofType(T.logGroup).map((g) => [inputs(g).name, inputs(g).retentionInDays])).to.deep.equal([
        ["/mcp-anywhere/prod/fargate", 90],
      ]);
    });

    it("exports https://<distribution>.cloudfront.net/mcp and the ECS names", async () => {
      const url = (await resolve(run.outputs.url)).value;
      expect(url).to.match(/^https:\/\/d[0-9a-f]{13}\.cloudfront\.net\/mcp$/);
      expect((await resolve(run.outputs.healthUrl)).value).to.equal(url.replace(/\/mcp$/, "/health"));
      expect(run.outputs.target).to.equal("fargate");
      expect((await resolve(run.outputs.details.clusterName as pulumi.Output<string>)).value).to.match(/^prod-cluster/);
      expect((await resolve(run.outputs.details.serviceName as pulumi.Output<string>)).value).to.match(/^prod-service/);
    });

    it("shows neither the API key nor the origin secret in plain outputs, inputs or names", async () => {
      for (const text of await plainTexts(run)) expect(text).not.to.include(key).and.not.to.include(originSecret);
    });
  });

  describe("key rotation reaches running tasks", () => {
    const name = "/mcp-anywhere/prod/api-keys/default";
    const taskDefinitionAt = async (version: number) => {
      const run = await runStack("prod", {}, { [name]: { value: "ignored-the-stack-generates-it", version } });
      return { run, td: JSON.stringify(unwrapInput(inputs(run.mocks.one(T.taskDef)).containerDefinitions)) };
    };

    it("a new SSM version of a key gives a new task definition; the same version gives an identical one", async () => {
      const v1 = await taskDefinitionAt(1);
      const v1again = await taskDefinitionAt(1);
      const v2 = await taskDefinitionAt(2);
      expect(v1again.td, "same version: no new revision, no deployment").to.equal(v1.td);
      expect(v2.td, "bumped version: new revision, so the service rolls the tasks").not.to.equal(v1.td);
      expect(container(v2.run.mocks).dockerLabels).to.deep.equal({ [KEY_VERSIONS_LABEL]: "1=2" });
      expect(inputs(v2.run.mocks.one(T.taskDef)).family).to.equal(inputs(v1.run.mocks.one(T.taskDef)).family);
    });

    it("tracks each listed parameter's version, in order", async () => {
      const run = await runStack(
        "prod",
        { "mcp-anywhere:apiKeyParameterNames": '["/team/keys/a","/team/keys/b"]' },
        {
          "/team/keys/a": { value: "a".repeat(40), version: 7 },
          "/team/keys/b": { value: "b".repeat(40), version: 3 },
        },
      );
      const c = container(run.mocks);
      // Label "<i>=<version>,…" where <i> is the N of the secret MCP_API_KEYS_<N> that reads the parameter.
      const versionByIndex = Object.fromEntries(
        String(c.dockerLabels?.[KEY_VERSIONS_LABEL])
          .split(",")
          .map((kv) => kv.split("=")),
      ) as Record<string, string>;
      const versionOf = (parameter: string) => {
        const secret = c.secrets.find((x) => x.valueFrom.endsWith(`:parameter${parameter}`));
        return versionByIndex[String(secret?.name.replace("MCP_API_KEYS_", ""))];
      };
      expect(versionOf("/team/keys/a")).to.equal("7");
      expect(versionOf("/team/keys/b")).to.equal("3");
      expect(Object.keys(versionByIndex)).to.have.length(c.secrets.length);
      expect(JSON.stringify(c)).not.to.include("a".repeat(40)).and.not.to.include("b".repeat(40));
    });
  });

  describe("per-tool limits (toolRateLimits): WAF rules keyed on x-api-key + mcp-name, evaluated", () => {
    // prod: 50 requests/s per key (3,000 per minute), 6,000 per minute per IP.
    const TOOLS = '["estimate_cost=2","echo=50","fast.tool=100"]';
    let run: StackRun;
    let rules: WafRule[];
    const [keyA, keyB, keyC] = ["A".repeat(40), "B".repeat(40), "C".repeat(40)];
    const call = (key: string, tool?: string, ip = "198.51.100.7") => ({
      ip,
      headers: { "x-api-key": key, ...(tool === undefined ? {} : { "mcp-method": "tools/call", "mcp-name": tool }) },
    });
    const blocked = (ds: WafDecision[]) => ds.filter((d) => d.action === "block");
    before(async () => {
      run = await runStack("prod", { "mcp-anywhere:toolRateLimits": TOOLS });
      rules = inputs(run.mocks.one(T.waf)).rules as WafRule[];
    });

    it("adds one rate-based rule per tool: custom keys x-api-key + mcp-name, scoped to mcp-name == tool, JSON-RPC 429", () => {
      const tool = rules.filter((r) => r.name.startsWith("per-tool-"));
      expect(tool.map((r) => r.name)).to.deep.equal([
        "per-tool-0-echo",
        "per-tool-1-estimate_cost",
        "per-tool-2-fast_tool",
      ]);
      const estimate = tool[1] as WafRule;
      const none = [{ priority: 0, type: "NONE" }];
      expect(estimate.statement.rateBasedStatement).to.deep.equal({
        limit: 120,
        evaluationWindowSec: 60,
        aggregateKeyType: "CUSTOM_KEYS",
        customKeys: [
          { header: { name: "x-api-key", textTransformations: none } },
          { header: { name: "mcp-name", textTransformations: none } },
        ],
        scopeDownStatement: {
          byteMatchStatement: {
            fieldToMatch: { singleHeader: { name: "mcp-name" } },
            positionalConstraint: "EXACTLY",
            searchString: "estimate_cost",
            textTransformations: none,
          },
        },
      });
      const perKey = rules.find((r) => r.name === "per-api-key");
      expect(estimate.action, "the same JSON-RPC 429 with Retry-After as the per-key rule").to.deep.equal(
        perKey?.action,
      );
      expect(estimate.action).to.deep.nested.include({ "block.customResponse.customResponseBodyKey": "rate-limited" });
      expect(rules.map((r) => r.name).slice(0, 3), "the existing rules keep their place").to.deep.equal([
        "per-api-key",
        "per-ip",
        "aws-common",
      ]);
    });

    it("blocks a burst on one tool for one key at the tool's limit, while another tool and another key pass", () => {
      const acl = new WafWebAcl(rules);
      const burst = acl.send(121, () => call(keyA, "estimate_cost"));
      expect(blocked(burst.slice(0, 120)), "2/s × 60 pass").to.deep.equal([]);
      expect(burst[120]).to.deep.equal({ action: "block", rule: "per-tool-1-estimate_cost", status: 429 });
      expect(acl.evaluate(call(keyA, "echo")).action, "same key, another tool").to.equal("allow");
      expect(acl.evaluate(call(keyA)).action, "same key, no Mcp-Name (2025-era)").to.equal("allow");
      expect(acl.evaluate(call(keyB, "estimate_cost")).action, "another key, same tool").to.equal("allow");
      expect(acl.evaluate(call(keyA, "estimate_cost", "203.0.113.5")).action, "same key from another IP").to.equal(
        "block",
      );
    });

    it("keeps counting every call toward the key's limit: no Mcp-Name value, made-up or fast, escapes it", () => {
      const acl = new WafWebAcl(rules);
      const madeUp = acl.send(3001, (i) => call(keyC, `tool-${i}`));
      expect(blocked(madeUp.slice(0, 3000))).to.deep.equal([]);
      expect(madeUp[3000]?.rule, "a fresh Mcp-Name per request").to.equal("per-api-key");
      const fast = new WafWebAcl(rules).send(3001, () => call(keyC, "fast.tool"));
      expect(fast[3000]?.rule, "a tool listed above the key's rate still has the key's").to.equal("per-api-key");
      const anyKey = new WafWebAcl(rules).send(6001, (i) => call(`made-up-${i}`, "estimate_cost"));
      expect(anyKey[6000]?.rule, "a fresh x-api-key per request meets the per-IP rule").to.equal("per-ip");
    });

    it("passes the limits to the app as MCP_TOOL_RATE_LIMITS, sorted by tool", () => {
      const env = Object.fromEntries(container(run.mocks).environment.map((e) => [e.name, e.value]));
      expect(env.MCP_TOOL_RATE_LIMITS).to.equal("echo=50,estimate_cost=2,fast.tool=100");
    });

    it("fits WAF's quotas: at most 8 tools (10 rate-based rules per web ACL), within the 1,500 WCUs of the base price", async () => {
      const eight = Array.from({ length: WAF_MAX_TOOL_RULES }, (_, i) => `t${i}=1`);
      const full = await runStack("prod", { "mcp-anywhere:toolRateLimits": JSON.stringify(eight) });
      const all = inputs(full.mocks.one(T.waf)).rules as WafRule[];
      const rateBased = all.filter((r) => r.statement.rateBasedStatement !== undefined);
      expect(rateBased).to.have.length(10);
      const wcu = all.reduce((sum, r) => {
        if (r.statement.managedRuleGroupStatement !== undefined) return sum + WAF_WCU.commonRuleSet;
        const s = r.statement.rateBasedStatement as Inputs;
        const keys = ((s.customKeys ?? []) as unknown[]).length;
        return sum + 2 + 30 * keys + (s.scopeDownStatement === undefined ? 0 : 2);
      }, 0);
      expect(wcu).to.equal(1246).and.be.at.most(WAF_WCU.included);
      const nine = [...eight, "t8=1"];
      const r = await attempt("prod", { "mcp-anywhere:toolRateLimits": JSON.stringify(nine) });
      expect(String(r.error)).to.include("`perToolRequestsPerSecond` lists 9 tools").and.include("at most 8");
    });

    it("refuses a bad tool name or rate in the component args, naming the argument and what is allowed", () => {
      const args = (perTool: Record<string, number>) => ({
        image: "i",
        apiKeyParameterNames: ["/k"],
        rateLimit: { requestsPerSecond: 1, burst: 1, perToolRequestsPerSecond: perTool },
      });
      const range = { min: 512, max: 4096 };
      expect(resolveServiceArgs("FargateMcpService t", args({ "a.b-c_D9": 3 }), range).rateLimit).to.deep.include({
        perToolRequestsPerSecond: { "a.b-c_D9": 3 },
      });
      expect(
        resolveServiceArgs("FargateMcpService t", args({}), range).rateLimit.perToolRequestsPerSecond,
      ).to.deep.equal({});
      expect(() => resolveServiceArgs("FargateMcpService t", args({ "bad name": 1 }), range)).to.throw(
        ComponentArgsError,
        /`rateLimit\.perToolRequestsPerSecond` has the tool name "bad name"; allowed: 1 to 64 characters of \[A-Za-z0-9_.-\]/,
      );
      for (const rps of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => resolveServiceArgs("FargateMcpService t", args({ echo: rps }), range)).to.throw(
          /`rateLimit\.perToolRequestsPerSecond\.echo` must be a finite number of requests\/s > 0/,
        );
      }
    });

    it("adds no per-tool rule and no MCP_TOOL_RATE_LIMITS without toolRateLimits", async () => {
      const plain = await runStack("prod");
      const names = (inputs(plain.mocks.one(T.waf)).rules as WafRule[]).map((r) => r.name);
      expect(names).to.deep.equal(["per-api-key", "per-ip", "aws-common"]);
      expect(container(plain.mocks).environment.map((e) => e.name)).not.to.include("MCP_TOOL_RATE_LIMITS");
    });
  });

  describe("variants", () => {
    it("privateSubnets: one NAT gateway, tasks in private subnets without public IPs", async () => {
      const run = await runStack("prod", { "mcp-anywhere:fargatePrivateSubnets": "true" });
      expect(run.mocks.ofType(T.nat)).to.have.length(1);
      const net = inputs(run.mocks.one(T.service)).networkConfiguration as Inputs;
      expect(net.assignPublicIp).to.equal(false);
      const privateIds = run.mocks
        .ofType("aws:ec2/subnet:Subnet")
        .filter((s) => s.name.includes("private"))
        .map((s) => s.id);
      expect(net.subnets).to.have.members(privateIds).and.have.length(2);
    });

    it("an existing VPC: no network is created, and the ALB uses the given subnets", async () => {
      const run = await runStack("prod", {
        "mcp-anywhere:fargateVpcId": "vpc-0123456789abcdef0",
        "mcp-anywhere:fargateSubnetIds": '["subnet-0123456789abcdef0","subnet-0fedcba9876543210"]',
      });
      expect(run.mocks.ofType(T.vpc)).to.have.length(0);
      expect(inputs(run.mocks.one(T.alb)).subnets).to.deep.equal([
        "subnet-0123456789abcdef0",
        "subnet-0fedcba9876543210",
      ]);
    });

    describe("an existing VPC's subnets must be in distinct Availability Zones (review R2-m8)", () => {
      const SUBNETS = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"];
      const USER_VPC = {
        "mcp-anywhere:fargateVpcId": "vpc-0123456789abcdef0",
        "mcp-anywhere:fargateSubnetIds": JSON.stringify(SUBNETS),
      };
      /** Runs the program and collects the deploy-time errors (a rejected output fails the registrations using it). */
      async function runCollecting(overrides: Record<string, string>, zones: string[]) {
        const errors: string[] = [];
        const onRejection = (e: unknown) => errors.push(String(e));
        process.on("unhandledRejection", onRejection);
        try {
          const { mocks } = await attempt("prod", overrides, {}, (m) => {
            for (const [i, id] of SUBNETS.entries()) m.subnetZones.set(id, zones[i] as string);
          });
          await new Promise((r) => setTimeout(r, 20));
          return { mocks, errors };
        } finally {
          process.off("unhandledRejection", onRejection);
        }
      }

      it("looks each subnet up (aws.ec2.getSubnet) and proceeds when the zones differ", async () => {
        const { mocks, errors } = await runCollecting(USER_VPC, ["ap-northeast-1a", "ap-northeast-1c"]);
        expect(errors).to.deep.equal([]);
        const lookups = mocks.calls.filter((c) => c.token === "aws:ec2/getSubnet:getSubnet").map((c) => c.inputs.id);
        expect(lookups).to.have.members(SUBNETS);
        expect(inputs(mocks.one(T.alb)).subnets).to.deep.equal(SUBNETS);
      });

      it("two subnets in one zone: fails naming fargateSubnetIds, the zone and the subnets; no ALB or mount target", async () => {
        const efs = {
          ...USER_VPC,
          "mcp-anywhere:serverMode": "stdio",
          "mcp-anywhere:serverCommand": JSON.stringify(["npx", "-y", "@modelcontextprotocol/server-memory"]),
          "mcp-anywhere:serverWorkspace": "/workspace",
          "mcp-anywhere:fargateEfs": "true",
        };
        const { mocks, errors } = await runCollecting(efs, ["ap-northeast-1a", "ap-northeast-1a"]);
        const message = errors.find((e) => e.includes("Availability Zone")) ?? errors.join("\n");
        expect(message).to.include("mcp-anywhere:fargateSubnetIds");
        expect(message).to.include(`${SUBNETS[0]} and ${SUBNETS[1]} both in ap-northeast-1a`);
        expect(mocks.ofType(T.alb)).to.have.length(0);
        expect(mocks.ofType("aws:efs/mountTarget:MountTarget")).to.have.length(0);
        expect(mocks.ofType(T.service)).to.have.length(0);
      });
    });

    it("a custom domain: CloudFront alias with the us-east-1 certificate, and the URL on that domain", async () => {
      const cert = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789`;
      const run = await runStack("prod", {
        "mcp-anywhere:fargateDomainName": "mcp.example.com",
        "mcp-anywhere:fargateCertificateArn": cert,
      });
      const cdn = inputs(run.mocks.one(T.cdn));
      expect(cdn.aliases).to.deep.equal(["mcp.example.com"]);
      expect(cdn.viewerCertificate).to.deep.equal({
        acmCertificateArn: cert,
        sslSupportMethod: "sni-only",
        minimumProtocolVersion: "TLSv1.2_2021",
      });
      expect((await resolve(run.outputs.url)).value).to.equal("https://mcp.example.com/mcp");
    });
  });
});
