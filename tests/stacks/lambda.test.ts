import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import {
  ACCESS_LOG_FORMAT,
  type AccountApiKey,
  apiKeyResourceSuffix,
  edgeKeyValue,
  ownKeyValue,
  sharedKeyId,
} from "../../components/lambda/rest-api-edge.js";
import { LambdaMcpService } from "../../components/lambda-mcp-service.js";
import { allClientConfigs } from "../../infra/core/client-configs.js";
import { lambdaCost } from "../../infra/core/cost/model.js";
import { ROOT } from "../helpers/process.js";
import {
  ACCOUNT,
  inputsOf,
  isSecretInput,
  type MockApiKey,
  PulumiMocks as Mocks,
  type PulumiMocks,
  plainJson,
  type RecordedResource,
  resolve,
} from "../helpers/pulumi-mocks.js";
import { resourceOptions } from "../helpers/resource-options.js";
import { plainTexts, runStack, type StackRun } from "../helpers/run-stack.js";

const T = {
  fn: "aws:lambda/function:Function",
  image: "docker-build:index:Image",
  repo: "aws:ecr/repository:Repository",
  lifecycle: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  resource: "aws:apigateway/resource:Resource",
  method: "aws:apigateway/method:Method",
  integration: "aws:apigateway/integration:Integration",
  usagePlan: "aws:apigateway/usagePlan:UsagePlan",
  apiKey: "aws:apigateway/apiKey:ApiKey",
  usagePlanKey: "aws:apigateway/usagePlanKey:UsagePlanKey",
  policy: "aws:iam/rolePolicy:RolePolicy",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  stage: "aws:apigateway/stage:Stage",
  methodSettings: "aws:apigateway/methodSettings:MethodSettings",
  parameter: "aws:ssm/parameter:Parameter",
  password: "random:index/randomPassword:RandomPassword",
  response: "aws:apigateway/response:Response",
  account: "aws:apigateway/account:Account",
  role: "aws:iam/role:Role",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  deployment: "aws:apigateway/deployment:Deployment",
  repoPolicy: "aws:ecr/repositoryPolicy:RepositoryPolicy",
} as const;

type Inputs = Record<string, unknown>;
const inputs = inputsOf;
// Installed before any run, so every registration's options are recorded.
const options = resourceOptions();
const env = (m: PulumiMocks) => ((inputs(m.one(T.fn)).environment as Inputs).variables ?? {}) as Record<string, string>;

/** Methods as "GET /health key=false". */
function routes(m: PulumiMocks): string[] {
  return m.ofType(T.method).map((method) => {
    const res = m
      .ofType(T.resource)
      .find(
        (r) =>
          r.state.id === inputs(method).resourceId ||
          `${r.name}` === String(inputs(method).resourceId).replace(/-[0-9a-f]{8}$/, ""),
      );
    return `${inputs(method).httpMethod} /${String(res ? inputs(res).pathPart : "?")} key=${String(inputs(method).apiKeyRequired)}`;
  });
}

describe("stack program: lambda target", function () {
  this.timeout(60_000);

  describe("dev stack (Pulumi.dev.yaml)", () => {
    let run: StackRun;
    let key: string;
    before(async () => {
      run = await runStack("dev");
      key = run.mocks.ssm.get("/mcp-anywhere/dev/api-keys/default") ?? "";
    });

    it("generates one 40-character alphanumeric key and stores it as an SSM SecureString, secret", () => {
      expect(key).to.match(/^[A-Za-z0-9]{40}$/);
      const param = run.mocks.one(T.parameter);
      expect(inputs(param)).to.include({ name: "/mcp-anywhere/dev/api-keys/default", type: "SecureString" });
      expect(isSecretInput(inputs(param).value), "the parameter value is a secret").to.equal(true);
      expect(inputs(run.mocks.one(T.password))).to.include({ length: 40, special: false });
    });

    it("builds the image for linux/arm64, pushes it to a scanning ECR repository, and keeps 10 images", () => {
      const image = inputs(run.mocks.one(T.image));
      expect(image.platforms).to.deep.equal(["linux/arm64"]);
      expect(image.push).to.equal(true);
      // Relative to the project root (Pulumi's working directory): the same on every machine (review F7).
      expect((image.context as Inputs).location).to.equal(".");
      expect((image.dockerfile as Inputs).location).to.equal("server/Dockerfile");
      // No compile-cache warm-up step, so a foreign-platform build needs no emulation.
      expect(image.buildArgs).to.deep.equal({ COMPILE_CACHE: "none" });
      expect(isSecretInput(image.registries), "registry credentials are secret").to.equal(true);
      expect(inputs(run.mocks.one(T.repo)).imageScanningConfiguration).to.deep.equal({ scanOnPush: true });
      const policy = JSON.parse(String(inputs(run.mocks.one(T.lifecycle)).policy));
      expect(policy.rules[0].selection).to.deep.include({ countType: "imageCountMoreThan", countNumber: 10 });
    });

    it("runs a digest-pinned arm64 container image with 512 MiB and a 30 s timeout", () => {
      const fn = inputs(run.mocks.one(T.fn));
      const repoUrl = String(run.mocks.one(T.repo).state.repositoryUrl);
      const digest = String(run.mocks.one(T.image).state.digest);
      expect(fn.imageUri).to.equal(`${repoUrl}@${digest}`);
      expect(fn.imageUri).to.match(/@sha256:[0-9a-f]{64}$/);
      expect(fn).to.deep.include({ packageType: "Image", architectures: ["arm64"], memorySize: 512, timeout: 30 });
    });

    it("configures the server for Lambda by parameter name, never by key value", () => {
      expect(env(run.mocks)).to.deep.equal({
        MCP_TARGET: "lambda",
        MCP_API_KEYS_SSM_PARAMETERS: "/mcp-anywhere/dev/api-keys/default",
        MCP_JSON_RESPONSE: "true",
        MCP_PATH: "/mcp",
        MCP_HEALTH_PATH: "/health",
        MCP_RATE_LIMIT_RPS: "20",
        MCP_RATE_LIMIT_BURST: "40",
        MCP_RATE_LIMIT_IP_PER_MINUTE: "60",
        MCP_TRUST_PROXY: "1",
        AWS_LWA_READINESS_CHECK_PATH: "/health",
        AWS_LWA_INVOKE_MODE: "buffered",
      });
    });

    it("requires an API key on every MCP route; only GET /health is open", () => {
      expect(routes(run.mocks)).to.have.members([
        "ANY /mcp key=true",
        "ANY /{proxy+} key=true",
        "GET /health key=false",
      ]);
      for (const i of run.mocks.ofType(T.integration)) {
        expect(inputs(i)).to.include({
          type: "AWS_PROXY",
          integrationHttpMethod: "POST",
          responseTransferMode: "BUFFERED",
          timeoutMilliseconds: 29_000,
        });
        expect(String(inputs(i).uri)).to.match(/\/2015-03-31\/functions\/.*\/invocations$/);
      }
    });

    it("throttles per key with the usage plan (config: 20 requests/s, burst 40), with no quota in dev", () => {
      const plan = inputs(run.mocks.one(T.usagePlan));
      expect(plan.throttleSettings).to.deep.equal({ rateLimit: 20, burstLimit: 40 });
      expect(plan.quotaSettings).to.equal(undefined);
      expect(run.mocks.ofType(T.apiKey)).to.have.length(1);
      expect(run.mocks.ofType(T.usagePlanKey)).to.have.length(1);
      const settings = inputs(run.mocks.one(T.methodSettings));
      expect(settings.methodPath).to.equal("*/*");
      expect(settings.settings).to.deep.include({
        throttlingRateLimit: 20,
        throttlingBurstLimit: 40,
        dataTraceEnabled: false,
      });
    });

    it("feeds the edge API key from SSM with decryption, as a secret equal to the stored key", () => {
      const apiKey = inputs(run.mocks.one(T.apiKey));
      expect(isSecretInput(apiKey.value)).to.equal(true);
      expect((apiKey.value as { value: string }).value).to.equal(key);
      const read = run.mocks.calls.filter((c) => c.token === "aws:ssm/getParameter:getParameter");
      expect(read.map((c) => c.inputs)).to.deep.equal([
        { name: "/mcp-anywhere/dev/api-keys/default", withDecryption: true },
      ]);
    });

    it("grants IAM exactly on the key parameter's ARN, KMS only via SSM for it, and logs only to its own group", () => {
      const doc = JSON.parse(String(inputs(run.mocks.one(T.policy)).policy)) as { Statement: Inputs[] };
      const arn = `arn:aws:ssm:ap-northeast-1:${ACCOUNT}:parameter/mcp-anywhere/dev/api-keys/default`;
      const bySid = Object.fromEntries(doc.Statement.map((s) => [s.Sid, s]));
      expect(bySid.ReadApiKeyParameters).to.deep.include({
        Action: ["ssm:GetParameter", "ssm:GetParameters"],
        Resource: [arn],
      });
      expect(bySid.DecryptApiKeyParametersViaSsm?.Condition).to.deep.equal({
        StringEquals: {
          "kms:ViaService": "ssm.ap-northeast-1.amazonaws.com",
          "kms:EncryptionContext:PARAMETER_ARN": [arn],
        },
      });
      expect(bySid.WriteOwnLogGroup?.Resource).to.equal(
        `arn:aws:logs:ap-northeast-1:${ACCOUNT}:log-group:/mcp-anywhere/dev/lambda:*`,
      );
      for (const s of doc.Statement) {
        expect(JSON.stringify(s.Resource), `${String(s.Sid)} is not open-ended`).not.to.match(/"\*"|ssm:\*/);
      }
    });

    it("keeps function logs for 30 days; by default no access logs and no region-wide API Gateway account role", () => {
      const groups = run.mocks.ofType(T.logGroup).map((g) => [inputs(g).name, inputs(g).retentionInDays]);
      expect(groups).to.have.deep.members([["/mcp-anywhere/dev/lambda", 30]]);
      // A stage with access logs fails to create in a region without the CloudWatch role (review F5).
      expect(inputs(run.mocks.one(T.stage)).accessLogSettings).to.equal(undefined);
      expect(run.mocks.ofType(T.account)).to.have.length(0);
      expect(run.mocks.ofType(T.role).map((r) => r.name)).to.deep.equal(["dev-role"]);
    });

    it("names the edge key by a hash of its parameter name, with the stack in its description", () => {
      const name = "/mcp-anywhere/dev/api-keys/default";
      const suffix = apiKeyResourceSuffix(name);
      expect(suffix).to.match(/^[0-9a-f]{12}$/);
      const key = run.mocks.one(T.apiKey);
      expect(key.name).to.equal(`dev-key-${suffix}`);
      expect(run.mocks.one(T.usagePlanKey).name).to.equal(`dev-key-${suffix}`);
      expect(inputs(key).description).to.equal(`mcp-anywhere stack dev: key from SSM parameter ${name}`);
      // Stacks deployed with index names adopt their key instead of creating a second one with the same value.
      expect(options.get(`${T.apiKey}::dev-key-${suffix}`)?.aliasNames).to.deep.equal(["dev-key-0"]);
      expect(options.get(`${T.usagePlanKey}::dev-key-${suffix}`)?.aliasNames).to.deep.equal(["dev-key-0"]);
    });

    it("redeploys the stage when the function changes: the function ARN is a deployment trigger", () => {
      const triggers = inputs(run.mocks.one(T.deployment)).triggers as Record<string, string>;
      expect(triggers.function).to.equal(run.mocks.one(T.fn).state.arn);
      expect(triggers.redeployment).to.match(/^[0-9a-f]{64}$/);
    });

    it("lets lambda.amazonaws.com pull from the repository, for this account's functions in this region only", () => {
      const policy = run.mocks.one(T.repoPolicy);
      expect(inputs(policy).repository).to.equal(run.mocks.one(T.repo).state.name);
      expect(JSON.parse(String(inputs(policy).policy))).to.deep.equal({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "LambdaECRImageRetrievalPolicy",
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            Condition: { StringLike: { "aws:SourceArn": `arn:aws:lambda:ap-northeast-1:${ACCOUNT}:function:*` } },
          },
        ],
      });
      // The function is created after the policy, so Lambda never needs to write one itself.
      const deps = options.get(`${T.fn}::dev-function`)?.dependencies ?? [];
      expect(deps.some((u) => u.endsWith(`${T.repoPolicy}::server-lambda-pull`))).to.equal(true);
    });

    it("answers edge errors with JSON-RPC bodies: 401 for a bad key, 429 with Retry-After when throttled", () => {
      const byType = Object.fromEntries(run.mocks.ofType(T.response).map((r) => [inputs(r).responseType, inputs(r)]));
      expect(byType.INVALID_API_KEY?.statusCode).to.equal("401");
      expect(byType.THROTTLED?.statusCode).to.equal("429");
      const throttledHeaders = (byType.THROTTLED?.responseParameters ?? {}) as Inputs;
      expect(throttledHeaders["gatewayresponse.header.Retry-After"]).to.equal("'1'");
      for (const r of Object.values(byType) as Inputs[]) {
        const body = String((r.responseTemplates as Inputs)["application/json"]);
        expect(body).to.match(/^\{"jsonrpc":"2\.0","error":\{"code":-32000,"message":.+\},"id":null\}$/);
      }
    });

    it("exports an https URL ending in /mcp, a health URL, parameter names and client configs", async () => {
      const url = (await resolve(run.outputs.url)).value;
      expect(url).to.match(/^https:\/\/[0-9a-f]{10}\.execute-api\.ap-northeast-1\.amazonaws\.com\/v1\/mcp$/);
      expect((await resolve(run.outputs.healthUrl)).value).to.equal(url.replace(/\/mcp$/, "/health"));
      expect((await resolve(run.outputs.apiKeyParameterNames)).value).to.deep.equal([
        "/mcp-anywhere/dev/api-keys/default",
      ]);
      const configs = (await resolve(run.outputs.clientConfigs)).value;
      // The same shapes `npm run connect` prints, for all five clients, with key references only.
      expect(configs).to.deep.equal(allClientConfigs(url));
      expect(JSON.stringify(configs)).to.include(`\${MCP_ANYWHERE_API_KEY}`).and.include(`\${input:mcp-anywhere-key}`);
      expect(run.outputs.target).to.equal("lambda");
    });

    it("shows the key value nowhere in plain text: outputs, resource inputs or names", async () => {
      expect(key.length).to.equal(40);
      for (const text of await plainTexts(run)) expect(text).not.to.include(key);
    });

    it("exports the monthly estimate and breakdown from the shared cost model, for this stack's sizing", () => {
      const model = lambdaCost(
        { memoryMiB: 512 },
        { region: "ap-northeast-1", usage: {}, logRetentionDays: 30, keyCount: 1 },
      );
      expect(run.outputs.estimatedMonthlyCostUsd).to.equal(Math.round(model.monthlyUsd * 100) / 100);
      expect(run.outputs.costBreakdown).to.deep.equal(model.lines);
      expect(run.outputs.costNotes).to.deep.equal(model.notes);
    });

    it("grants API Gateway invoke on this API only", () => {
      const perm = inputs(run.mocks.one("aws:lambda/permission:Permission"));
      const api = run.mocks.one("aws:apigateway/restApi:RestApi");
      expect(perm).to.include({ principal: "apigateway.amazonaws.com", action: "lambda:InvokeFunction" });
      expect(perm.sourceArn).to.equal(`${String(api.state.executionArn)}/*/*`);
    });
  });

  describe("dev stack with production-sized limits", () => {
    let run: StackRun;
    before(async () => {
      run = await runStack("dev", {
        "mcp-anywhere:rateLimitRps": "50",
        "mcp-anywhere:rateLimitBurst": "100",
        "mcp-anywhere:monthlyQuota": "5000000",
        "mcp-anywhere:memoryMiB": "1024",
        "mcp-anywhere:logRetentionDays": "90",
        "mcp-anywhere:lambdaReservedConcurrency": "100",
      });
    });

    it("applies quota, memory, retention and reserved concurrency from config", () => {
      const plan = inputs(run.mocks.one(T.usagePlan));
      expect(plan.throttleSettings).to.deep.equal({ rateLimit: 50, burstLimit: 100 });
      expect(plan.quotaSettings).to.deep.equal({ limit: 5_000_000, period: "MONTH" });
      expect(inputs(run.mocks.one(T.fn))).to.include({ memorySize: 1024, reservedConcurrentExecutions: 100 });
      for (const g of run.mocks.ofType(T.logGroup)) expect(inputs(g).retentionInDays).to.equal(90);
      expect(inputs(run.mocks.one(T.parameter)).name).to.equal("/mcp-anywhere/dev/api-keys/default");
    });
  });

  describe("variant: existing key parameters and streaming on", () => {
    const names = ["/team/mcp/alice", "/team/mcp/bob"];
    const ssm = { "/team/mcp/alice": "aliceKeyaliceKeyaliceKey01", "/team/mcp/bob": "bobKeybobKeybobKeybobKey02" };
    let dev: StackRun;
    let variant: StackRun;
    before(async () => {
      dev = await runStack("dev");
      variant = await runStack(
        "dev",
        {
          "mcp-anywhere:apiKeyIds": "[]",
          "mcp-anywhere:apiKeyParameterNames": JSON.stringify(names),
          "mcp-anywhere:lambdaStreaming": "true",
        },
        ssm,
      );
    });

    it("creates no key of its own and reads each named parameter into its own edge key", () => {
      expect(variant.mocks.ofType(T.password)).to.have.length(0);
      expect(variant.mocks.ofType(T.parameter)).to.have.length(0);
      const keys = variant.mocks.ofType(T.apiKey).map((k) => (inputs(k).value as { value: string }).value);
      expect(keys).to.have.members(Object.values(ssm));
      expect(variant.mocks.ofType(T.usagePlanKey)).to.have.length(2);
      expect(env(variant.mocks).MCP_API_KEYS_SSM_PARAMETERS).to.equal(names.join(","));
      const doc = JSON.parse(String(inputs(variant.mocks.one(T.policy)).policy)) as { Statement: Inputs[] };
      expect(doc.Statement.find((s) => s.Sid === "ReadApiKeyParameters")?.Resource).to.deep.equal(
        names.map((n) => `arn:aws:ssm:ap-northeast-1:${ACCOUNT}:parameter${n}`),
      );
    });

    it("streams: STREAM integrations on the streaming invoke ARN, 300 s, response_stream, JSON responses off", () => {
      for (const i of variant.mocks.ofType(T.integration)) {
        expect(inputs(i)).to.include({ responseTransferMode: "STREAM", timeoutMilliseconds: 300_000 });
        expect(String(inputs(i).uri)).to.match(/\/2021-11-15\/functions\/.*\/response-streaming-invocations$/);
      }
      expect(inputs(variant.mocks.one(T.fn)).timeout).to.equal(300);
      expect(env(variant.mocks)).to.include({ AWS_LWA_INVOKE_MODE: "response_stream", MCP_JSON_RESPONSE: "false" });
    });

    it("changes nothing else", () => {
      const changed = new Set<string>([
        T.fn,
        T.integration,
        T.apiKey,
        T.usagePlanKey,
        T.policy,
        T.methodSettings,
        T.password,
        T.parameter,
        "aws:apigateway/deployment:Deployment",
      ]);
      const key = (r: RecordedResource) => `${r.type} ${r.name}`;
      const before = new Map(
        dev.mocks.resources.filter((r) => !changed.has(r.type)).map((r) => [key(r), plainJson(r.inputs)]),
      );
      const after = new Map(
        variant.mocks.resources.filter((r) => !changed.has(r.type)).map((r) => [key(r), plainJson(r.inputs)]),
      );
      expect([...after.keys()]).to.have.members([...before.keys()]);
      for (const [k, v] of before) expect(after.get(k), k).to.equal(v);
      // The stage-wide throttle scales with the number of keys: 2 keys, twice the per-key limit.
      expect((inputs(variant.mocks.one(T.methodSettings)).settings as Inputs).throttlingRateLimit).to.equal(40);
    });
  });

  describe("API Gateway CloudWatch role opted in (lambdaManageApiGatewayAccount=true)", () => {
    let run: StackRun;
    before(async () => {
      run = await runStack("dev", { "mcp-anywhere:lambdaManageApiGatewayAccount": "true" });
    });

    it("sets the region's role with a policy attachment (not managedPolicyArns), all kept when the stack is destroyed", () => {
      const role = run.mocks.ofType(T.role).find((r) => r.name === "dev-cloudwatch-role");
      expect(role, "the API Gateway CloudWatch role").not.to.equal(undefined);
      expect(inputs(role as RecordedResource).managedPolicyArns).to.equal(undefined);
      const attachment = run.mocks.one(T.attachment);
      expect(inputs(attachment)).to.deep.equal({
        role: (role as RecordedResource).state.name,
        policyArn: "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
      });
      expect(inputs(run.mocks.one(T.account)).cloudwatchRoleArn).to.equal((role as RecordedResource).state.arn);
      for (const key of [
        `${T.role}::dev-cloudwatch-role`,
        `${T.attachment}::dev-cloudwatch-role-logs`,
        `${T.account}::dev-account`,
      ]) {
        expect(options.get(key)?.retainOnDelete, key).to.equal(true);
      }
      // Everything else is deleted with the stack as usual.
      expect(options.get(`${T.stage}::dev-stage`)?.retainOnDelete).to.equal(false);
    });

    it("turns access logs on (the role now exists), after the account setting, without the key value", () => {
      const groups = run.mocks.ofType(T.logGroup).map((g) => [inputs(g).name, inputs(g).retentionInDays]);
      expect(groups).to.have.deep.members([
        ["/mcp-anywhere/dev/lambda", 30],
        ["/mcp-anywhere/dev/apigateway-access", 30],
      ]);
      const stage = inputs(run.mocks.one(T.stage));
      expect((stage.accessLogSettings as Inputs).format).to.equal(ACCESS_LOG_FORMAT);
      expect((stage.accessLogSettings as Inputs).destinationArn).to.match(
        /:log-group:\/mcp-anywhere\/dev\/apigateway-access$/,
      );
      expect(
        options.get(`${T.stage}::dev-stage`)?.dependencies.some((u) => u.endsWith(`${T.account}::dev-account`)),
      ).to.equal(true);
      expect(ACCESS_LOG_FORMAT).not.to.include('$context.identity.apiKey"');
      expect(ACCESS_LOG_FORMAT).to.include("$context.identity.apiKeyId");
    });
  });

  describe("component: access logs without managing the role (accessLogs=true)", () => {
    it("logs access to its own group and declares no account setting", async () => {
      const mocks = new Mocks("ap-northeast-1");
      mocks.ssm.set("/p/alice", "aliceKeyaliceKeyaliceKey01");
      await pulumi.runtime.setMocks(mocks, "mcp-anywhere", "dev", false);
      new LambdaMcpService("t", {
        image: `${ACCOUNT}.dkr.ecr.ap-northeast-1.amazonaws.com/r@sha256:${"0".repeat(64)}`,
        apiKeyParameterNames: ["/p/alice"],
        rateLimit: { requestsPerSecond: 1, burst: 1 },
        logGroupPrefix: "/x",
        accessLogs: true,
      });
      await pulumi.runtime.disconnect();
      expect(mocks.ofType(T.logGroup).map((g) => inputs(g).name)).to.have.members([
        "/x/lambda",
        "/x/apigateway-access",
      ]);
      expect((inputs(mocks.one(T.stage)).accessLogSettings as Inputs).format).to.equal(ACCESS_LOG_FORMAT);
      expect(mocks.ofType(T.account)).to.have.length(0);
    });

    it("needs plain key names when the parameter names are outputs", async () => {
      const mocks = new Mocks("ap-northeast-1");
      await pulumi.runtime.setMocks(mocks, "mcp-anywhere", "dev", false);
      const make = (apiKeyNames?: string[]) =>
        new LambdaMcpService(`t${apiKeyNames?.length ?? 0}`, {
          image: "i",
          apiKeyParameterNames: [pulumi.output("/p/a")],
          rateLimit: { requestsPerSecond: 1, burst: 1 },
          logGroupPrefix: "/x",
          ...(apiKeyNames ? { apiKeyNames } : {}),
        });
      expect(() => make()).to.throw(/`apiKeyNames` is required when `apiKeyParameterNames` holds outputs/);
      expect(() => make(["/p/a", "/p/b"])).to.throw(/`apiKeyNames` must list 1 names.*got 2/);
      await pulumi.runtime.disconnect();
    });
  });

  describe("two checkouts of the project at different paths (review F7)", function () {
    this.timeout(120_000);
    const run = promisify(execFile);
    const dirs: string[] = [];
    after(() => {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    /** Copies the project (without node_modules, which is linked) and runs the dev stack there, with it as cwd. */
    async function synthesizeIn(parent: string): Promise<Record<string, string>> {
      const dir = mkdtempSync(join(parent, "checkout-"));
      dirs.push(dir);
      cpSync(ROOT, dir, {
        recursive: true,
        filter: (src) => !/\/(node_modules|\.git|dist)(\/|$)/.test(src.slice(ROOT.length - 1)),
      });
      symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
      const script = [
        'import { runStack } from "./tests/helpers/run-stack.ts";',
        'import { plainJson } from "./tests/helpers/pulumi-mocks.ts";',
        'const { mocks } = await runStack("dev");',
        "const out = Object.fromEntries(mocks.resources.map((r) => [[r.type, r.name].join('::'), plainJson(r.inputs)]));",
        "process.stdout.write(JSON.stringify(out));",
      ].join("\n");
      const { stdout } = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        cwd: dir,
        maxBuffer: 64 * 1024 * 1024,
      });
      return JSON.parse(stdout) as Record<string, string>;
    }

    it("synthesizes the same image inputs, and the same inputs for every resource, from either path", async () => {
      const a = await synthesizeIn(tmpdir());
      const elsewhere = mkdtempSync(join(tmpdir(), "elsewhere-"));
      dirs.push(elsewhere);
      const b = await synthesizeIn(elsewhere);
      const image = a[`${T.image}::server-image`] ?? "";
      expect(image).to.include('"location":"."').and.include('"location":"server/Dockerfile"');
      for (const d of dirs) expect(JSON.stringify(a)).not.to.include(d);
      expect(Object.keys(b)).to.have.members(Object.keys(a));
      for (const [k, v] of Object.entries(a)) expect(b[k], k).to.equal(v);
    });
  });

  describe('upgrade of a stack that listed only existing parameters (apiKeyIds now defaults to ["default"])', () => {
    const names = ["/team/mcp/alice", "/team/mcp/bob"];
    const ssm = { "/team/mcp/alice": "aliceKeyaliceKeyaliceKey01", "/team/mcp/bob": "bobKeybobKeybobKeybobKey02" };
    let run: StackRun;
    const warnings: string[] = [];
    before(async () => {
      const original = console.warn;
      console.warn = (...a: unknown[]) => warnings.push(a.map(String).join(" "));
      try {
        run = await runStack("dev", { "mcp-anywhere:apiKeyParameterNames": JSON.stringify(names) }, ssm);
      } finally {
        console.warn = original;
      }
    });

    it("keeps the existing keys' old resources: aliases by index in apiKeyParameterNames, none for the new key", () => {
      const generated = "/mcp-anywhere/dev/api-keys/default";
      // 0.1 named these keys dev-key-0 and dev-key-1 (its list was the existing parameters alone).
      for (const [i, n] of names.entries()) {
        const keyName = `dev-key-${apiKeyResourceSuffix(n)}`;
        expect(options.get(`${T.apiKey}::${keyName}`)?.aliasNames, n).to.deep.equal([`dev-key-${i}`]);
        expect(options.get(`${T.usagePlanKey}::${keyName}`)?.aliasNames, n).to.deep.equal([`dev-key-${i}`]);
      }
      // The generated key is new in this release: an alias would take over alice's old key-0.
      expect(options.get(`${T.apiKey}::dev-key-${apiKeyResourceSuffix(generated)}`)?.aliasNames).to.deep.equal([]);
      expect(run.mocks.ofType(T.apiKey)).to.have.length(3);
    });

    it("warns that a generated key is now added, with the command to opt out and no key value", () => {
      const warning = warnings.find((w) => w.includes("mcp-anywhere:apiKeyParameterNames lists 2 existing"));
      expect(warning, warnings.join("\n")).to.include("/mcp-anywhere/dev/api-keys/default");
      expect(warning).to.include("pulumi config set mcp-anywhere:apiKeyIds '[]'");
      const generatedValue = run.mocks.ssm.get("/mcp-anywhere/dev/api-keys/default") ?? "?";
      for (const v of [...Object.values(ssm), generatedValue]) expect(warning).not.to.include(v);
    });

    it("does not warn once apiKeyIds is set to [] (and then aliases only the existing keys)", async () => {
      const quiet: string[] = [];
      const original = console.warn;
      console.warn = (...a: unknown[]) => quiet.push(a.map(String).join(" "));
      try {
        await runStack(
          "dev",
          { "mcp-anywhere:apiKeyIds": "[]", "mcp-anywhere:apiKeyParameterNames": JSON.stringify(names) },
          ssm,
        );
      } finally {
        console.warn = original;
      }
      expect(quiet.filter((w) => w.includes("apiKeyParameterNames lists"))).to.deep.equal([]);
      const bob = `dev-key-${apiKeyResourceSuffix(names[1] as string)}`;
      expect(options.get(`${T.apiKey}::${bob}`)?.aliasNames).to.deep.equal(["dev-key-1"]);
    });
  });

  describe("one SSM parameter behind two lambda stacks in one account and region (review F4)", () => {
    const P = "/team/mcp/shared";
    const V1 = "sharedKeysharedKeysharedKey01";
    const V2 = "rotatedKeyrotatedKeyrotatedKey02";
    const keyName = (stack: string) => `${stack}-key-${apiKeyResourceSuffix(P)}`;

    /** Errors the last {@link lambdaStack} run failed with (a failed registration rejects; Pulumi reports it). */
    let failures: string[] = [];

    /** Runs the component as stack `stack` with `P` (holding `value`) and the account's keys `account`. */
    async function lambdaStack(stack: string, value: string, account: MockApiKey[], shared: string[] = []) {
      const mocks = new Mocks("ap-northeast-1");
      mocks.ssm.set(P, value);
      mocks.apiKeys.push(...account);
      failures = [];
      const onRejection = (e: unknown) => failures.push(String(e));
      process.on("unhandledRejection", onRejection);
      try {
        await pulumi.runtime.setMocks(mocks, "mcp-anywhere", stack, false);
        new LambdaMcpService(stack, {
          image: `${ACCOUNT}.dkr.ecr.ap-northeast-1.amazonaws.com/r@sha256:${"0".repeat(64)}`,
          apiKeyParameterNames: [P],
          sharedKeyParameterNames: shared,
          rateLimit: { requestsPerSecond: 1, burst: 1 },
          logGroupPrefix: `/mcp-anywhere/${stack}`,
          tags: { "mcp-anywhere:stack": stack },
        });
        await pulumi.runtime.disconnect();
        await new Promise((r) => setTimeout(r, 20));
      } finally {
        process.off("unhandledRejection", onRejection);
      }
      return mocks;
    }

    let a1: PulumiMocks;
    let b: PulumiMocks;
    let a2: PulumiMocks;
    let a3: PulumiMocks;
    before(async () => {
      a1 = await lambdaStack("a", V1, []);
      b = await lambdaStack("b", V1, a1.apiKeys, [P]);
      a2 = await lambdaStack("a", V1, a1.apiKeys);
      a3 = await lambdaStack("a", V2, a1.apiKeys);
    });

    it("first deploy of stack a: asks for the account's keys with values, creates the key, kept on delete", () => {
      const call = a1.calls.find((c) => c.token === "aws:apigateway/getApiKeys:getApiKeys");
      expect(call?.inputs).to.deep.include({ includeValues: true });
      const key = a1.one(T.apiKey);
      expect(key.name).to.equal(keyName("a"));
      expect(isSecretInput(inputs(key).value)).to.equal(true);
      expect(options.get(`${T.apiKey}::${keyName("a")}`)?.retainOnDelete).to.equal(true);
      expect(inputs(a1.one(T.usagePlanKey)).keyId).to.equal(key.id);
      expect(a1.apiKeys.map((k) => k.tags["mcp-anywhere:stack"])).to.deep.equal(["a"]);
    });

    it("stack b with the parameter shared: creates no key, attaches a's key to its own usage plan", () => {
      expect(b.ofType(T.apiKey)).to.have.length(0);
      const upk = b.one(T.usagePlanKey);
      expect(upk.name).to.equal(keyName("b"));
      expect(inputs(upk).keyId).to.equal(a1.one(T.apiKey).id);
      expect(inputs(upk).usagePlanId).to.equal(b.one(T.usagePlan).id);
      // The id is not a secret and no input shows the value.
      expect(isSecretInput(inputs(upk).keyId)).to.equal(false);
      for (const r of b.resources) expect(plainJson(r.inputs), r.name).not.to.include(V1);
    });

    it("stack a's second run: still declares its own key, same name and value, no error", () => {
      const key = a2.one(T.apiKey);
      expect(key.name).to.equal(keyName("a"));
      expect((inputs(key).value as { value: string }).value).to.equal(V1);
    });

    it("a changed SSM value: stack a declares the same key resource with the new value (a new API Gateway key)", () => {
      const key = a3.one(T.apiKey);
      expect(key.name).to.equal(keyName("a"));
      expect((inputs(key).value as { value: string }).value).to.equal(V2);
    });

    it("back to an earlier value (review R2-m14): stops before creating, naming the kept key and how to delete it", async () => {
      // a3's account: a1's key (V1, kept when a3 replaced it) and a3's key (V2, the current one, newer).
      const mocks = await lambdaStack("a", V1, a3.apiKeys);
      expect(mocks.ofType(T.apiKey)).to.have.length(0);
      const kept = a3.apiKeys.find((k) => k.value === V1);
      const message = failures.find((f) => f.includes("back to an earlier value")) ?? failures.join("\n");
      expect(message).to.include(`SSM parameter ${P} is back to an earlier value: API Gateway key ${kept?.id}`);
      expect(message).to.include(`aws apigateway delete-api-key --api-key ${kept?.id}`);
      expect(message).to.include("409");
      expect(message).not.to.include(V1);
    });

    it("after a value change, the current value deploys again with the kept old key still in the account", async () => {
      const mocks = await lambdaStack("a", V2, a3.apiKeys);
      expect(failures).to.deep.equal([]);
      expect((inputs(mocks.one(T.apiKey)).value as { value: string }).value).to.equal(V2);
    });

    it("tells an earlier value of its own key from the current one by creation date, for that parameter only", () => {
      const own = (id: string, value: string, createdDate?: string, parameter = P): AccountApiKey => ({
        id,
        name: `a-key-${id}`,
        value,
        tags: { "mcp-anywhere:stack": "a" },
        description: `mcp-anywhere stack a: key from SSM parameter ${parameter}`,
        ...(createdDate ? { createdDate } : {}),
      });
      const older = own("k1", V1, "2026-01-01T00:00:00Z");
      const newer = own("k2", V2, "2026-02-01T00:00:00Z");
      expect(() => ownKeyValue(P, V1, [older, newer], "a")).to.throw(/back to an earlier value: API Gateway key k1/);
      // The current value, and a value no key holds yet (a change): fine.
      expect(ownKeyValue(P, V2, [older, newer], "a")).to.equal(V2);
      expect(ownKeyValue(P, `${V2}x`, [older, newer], "a")).to.equal(`${V2}x`);
      // Back to V1 once V1 is the newest key again (the kept one deleted, then recreated): fine.
      expect(ownKeyValue(P, V1, [newer, own("k3", V1, "2026-03-01T00:00:00Z")], "a")).to.equal(V1);
      // Keys of another parameter, or without dates, or with equal dates: no guess (API Gateway's own 409 remains).
      expect(ownKeyValue(P, V1, [older, own("k4", V2, "2026-02-01T00:00:00Z", "/other")], "a")).to.equal(V1);
      expect(ownKeyValue(P, V1, [own("k1", V1), own("k2", V2)], "a")).to.equal(V1);
      expect(ownKeyValue(P, V1, [older, own("k2", V2, "2026-01-01T00:00:00Z")], "a")).to.equal(V1);
    });

    it("stack b without declaring it shared: fails with the config command, before any key is created", async () => {
      const mocks = await lambdaStack("b", V1, a1.apiKeys);
      expect(mocks.ofType(T.apiKey)).to.have.length(0);
      expect(mocks.ofType(T.usagePlanKey)).to.have.length(0);
      const message = failures.find((f) => f.includes("already holds its value")) ?? failures.join("\n");
      expect(message).to.include(`SSM parameter ${P}: API Gateway key ${a1.one(T.apiKey).id}`);
      expect(message).to.include(`pulumi config set mcp-anywhere:lambdaSharedKeyParameterNames '["${P}"]'`);
      expect(message).not.to.include(V1);
    });

    it("refuses, before creating, a key whose value another stack's key holds, with the config command", () => {
      const items: AccountApiKey[] = [{ id: "k1", name: "a-key", value: V1, tags: { "mcp-anywhere:stack": "a" } }];
      expect(ownKeyValue(P, V1, items, "a")).to.equal(V1);
      expect(ownKeyValue(P, V2, items, "b")).to.equal(V2);
      let message = "";
      try {
        ownKeyValue(P, V1, items, "b");
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).to.include(`SSM parameter ${P}: API Gateway key k1 (a-key, stack a) already holds its value`);
      expect(message).to.include(`pulumi config set mcp-anywhere:lambdaSharedKeyParameterNames '["${P}"]'`);
      expect(message).not.to.include(V1);
      expect(() => ownKeyValue(P, V1, [{ ...items[0], tags: {} } as AccountApiKey], "a")).to.throw(
        /not made by an mcp-anywhere stack/,
      );
    });

    it("a shared parameter whose value no key holds yet (owner not deployed, or not since a value change) fails", () => {
      expect(sharedKeyId(P, V1, [{ id: "k1", name: "x", value: V1 }])).to.equal("k1");
      expect(() => sharedKeyId(P, V2, [{ id: "k1", name: "x", value: V1 }])).to.throw(
        /\/team\/mcp\/shared is in lambdaSharedKeyParameterNames, but no API Gateway key .* holds its current value/,
      );
      expect(() => sharedKeyId(P, V2, [])).to.throw(/^(?!.*rotatedKey)/s);
    });

    it("refuses a shared name that is not a key parameter, or is this stack's generated parameter", async () => {
      const mocks = new Mocks("ap-northeast-1");
      await pulumi.runtime.setMocks(mocks, "mcp-anywhere", "c", false);
      const make = (shared: string[]) =>
        new LambdaMcpService(`c${shared.length}${shared[0]?.length ?? 0}`, {
          image: "i",
          apiKeyParameterNames: ["/p/a", "/mcp-anywhere/c/api-keys/default"],
          sharedKeyParameterNames: shared,
          rateLimit: { requestsPerSecond: 1, burst: 1 },
          logGroupPrefix: "/x",
        });
      expect(() => make(["/p/other"])).to.throw(/`sharedKeyParameterNames` entry "\/p\/other" is not one of the key/);
      expect(() => make(["/mcp-anywhere/c/api-keys/default"])).to.throw(/a parameter this stack generates/);
      await pulumi.runtime.disconnect();
    });
  });

  describe("edge key values", () => {
    it("takes one key per parameter, trimmed", () => {
      expect(edgeKeyValue("/p", "  abcdefghijklmnopqrstuvwxyz \n")).to.equal("abcdefghijklmnopqrstuvwxyz");
    });
    it("refuses a comma-separated list, naming the parameter and not the value", () => {
      const list = "abcdefghijklmnopqrstu,vwxyzabcdefghijklmnop";
      expect(() => edgeKeyValue("/team/keys", list)).to.throw(/\/team\/keys holds a comma-separated list/);
      expect(() => edgeKeyValue("/team/keys", list)).to.throw(/^(?!.*abcdefghijklmnopqrstu)/s);
    });
    it("refuses values API Gateway would reject: under 20 or over 128 characters, spaces, anything not alphanumeric", () => {
      expect(() => edgeKeyValue("/p", "short")).to.throw(/\/p must hold a key of 20 to 128 letters and digits/);
      expect(() => edgeKeyValue("/p", "x".repeat(129))).to.throw(/20 to 128 letters and digits/);
      expect(() => edgeKeyValue("/p", "has spaces inside the key value")).to.throw(/20 to 128 letters and digits/);
      expect(edgeKeyValue("/p", "A".repeat(128))).to.equal("A".repeat(128));
    });
    it("refuses base64 and other punctuation (openssl rand -base64 keys), never echoing the key or part of it", () => {
      for (const secret of ["q8Zk3+vR/9wLx2mNp4Tb7Yc=", "abcDEF123456-ghiJKL_78.90mn"]) {
        let message = "";
        try {
          edgeKeyValue("/team/keys/alice", secret);
        } catch (err) {
          message = (err as Error).message;
        }
        expect(message).to.match(/\/team\/keys\/alice must hold a key of 20 to 128 letters and digits/);
        expect(message).to.include("including other characters");
        for (let i = 0; i + 6 <= secret.length; i++) expect(message).not.to.include(secret.slice(i, i + 6));
      }
    });
  });
});
