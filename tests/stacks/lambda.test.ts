import { expect } from "chai";
import { ACCESS_LOG_FORMAT, edgeKeyValue } from "../../components/lambda/rest-api-edge.js";
import { allClientConfigs } from "../../infra/core/client-configs.js";
import { lambdaCost } from "../../infra/core/cost/model.js";
import {
  ACCOUNT,
  inputsOf,
  isSecretInput,
  type PulumiMocks,
  plainJson,
  type RecordedResource,
  resolve,
} from "../helpers/pulumi-mocks.js";
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
} as const;

type Inputs = Record<string, unknown>;
const inputs = inputsOf;
const env = (m: PulumiMocks) => ((inputs(m.one(T.fn)).environment as Inputs).variables ?? {}) as Record<string, string>;

/** Methods as "GET /healthz key=false". */
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
      expect((image.dockerfile as Inputs).location).to.match(/server\/Dockerfile$/);
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
        MCP_HEALTH_PATH: "/healthz",
        MCP_RATE_LIMIT_RPS: "20",
        MCP_RATE_LIMIT_BURST: "40",
        MCP_RATE_LIMIT_IP_PER_MINUTE: "60",
        MCP_TRUST_PROXY: "1",
        AWS_LWA_READINESS_CHECK_PATH: "/healthz",
        AWS_LWA_INVOKE_MODE: "buffered",
      });
    });

    it("requires an API key on every MCP route; only GET /healthz is open", () => {
      expect(routes(run.mocks)).to.have.members([
        "ANY /mcp key=true",
        "ANY /{proxy+} key=true",
        "GET /healthz key=false",
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
        StringEquals: { "kms:ViaService": "ssm.ap-northeast-1.amazonaws.com" },
        "ForAnyValue:StringEquals": { "kms:EncryptionContext:PARAMETER_ARN": [arn] },
      });
      expect(bySid.WriteOwnLogGroup?.Resource).to.equal(
        `arn:aws:logs:ap-northeast-1:${ACCOUNT}:log-group:/mcp-anywhere/dev/lambda:*`,
      );
      for (const s of doc.Statement) {
        expect(JSON.stringify(s.Resource), `${String(s.Sid)} is not open-ended`).not.to.match(/"\*"|ssm:\*/);
      }
    });

    it("keeps function and access logs for 30 days, and access logs never include the key value", () => {
      const groups = run.mocks.ofType(T.logGroup).map((g) => [inputs(g).name, inputs(g).retentionInDays]);
      expect(groups).to.have.deep.members([
        ["/mcp-anywhere/dev/lambda", 30],
        ["/mcp-anywhere/dev/apigateway-access", 30],
      ]);
      const stage = inputs(run.mocks.one(T.stage));
      expect((stage.accessLogSettings as Inputs).format).to.equal(ACCESS_LOG_FORMAT);
      expect(ACCESS_LOG_FORMAT).not.to.include('$context.identity.apiKey"');
      expect(ACCESS_LOG_FORMAT).to.include("$context.identity.apiKeyId");
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
      expect((await resolve(run.outputs.healthUrl)).value).to.equal(url.replace(/\/mcp$/, "/healthz"));
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
        { "mcp-anywhere:apiKeyParameterNames": JSON.stringify(names), "mcp-anywhere:lambdaStreaming": "true" },
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

  describe("edge key values", () => {
    it("takes one key per parameter, trimmed", () => {
      expect(edgeKeyValue("/p", "  abcdefghijklmnopqrstuvwxyz \n")).to.equal("abcdefghijklmnopqrstuvwxyz");
    });
    it("refuses a comma-separated list, naming the parameter and not the value", () => {
      const list = "abcdefghijklmnopqrstu,vwxyzabcdefghijklmnop";
      expect(() => edgeKeyValue("/team/keys", list)).to.throw(/\/team\/keys holds a comma-separated list/);
      expect(() => edgeKeyValue("/team/keys", list)).to.throw(/^(?!.*abcdefghijklmnopqrstu)/s);
    });
    it("refuses values API Gateway would reject (under 20 characters, or with spaces)", () => {
      expect(() => edgeKeyValue("/p", "short")).to.throw(/20 to 128 characters/);
      expect(() => edgeKeyValue("/p", "has spaces inside the key value")).to.throw(/20 to 128 characters/);
    });
  });
});
