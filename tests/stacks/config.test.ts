/** Stack config: every error names the key, the value and the allowed values, before any resource is declared. */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { parse } from "yaml";
import { CONFIG_DOC, renderConfigDoc, renderPulumiYaml } from "../../stacks/cli/config-sync.js";
import { parseStackConfig, type RawConfig, StackConfigError } from "../../stacks/config.js";
import { CONFIG_SCHEMA, type ConfigKeySpec } from "../../stacks/config-schema.js";
import { thrownMessage } from "../helpers/errors.js";
import { attempt, stackFileConfig } from "../helpers/run-stack.js";

const base: RawConfig = { "aws:region": "ap-northeast-1", "mcp-anywhere:target": "lambda" };

const error = (raw: RawConfig) => thrownMessage(() => parseStackConfig(raw, "mcp-anywhere", "dev"), StackConfigError);

describe("stack config", () => {
  it("applies the Pulumi.yaml defaults", () => {
    const c = parseStackConfig(base, "mcp-anywhere", "dev");
    expect(c).to.deep.include({
      target: "lambda",
      awsRegion: "ap-northeast-1",
      rateLimit: { requestsPerSecond: 20, burst: 40, perToolRequestsPerSecond: {} },
      monthlyQuota: undefined,
      apiKeyIds: ["default"],
      apiKeyParameterNames: [],
      memoryMiB: 512,
      logRetentionDays: 30,
      lambda: {
        streaming: false,
        reservedConcurrency: undefined,
        sharedKeyParameterNames: [],
        accessLogs: false,
        manageApiGatewayAccount: false,
      },
    });
  });

  const cases: [string, RawConfig, string][] = [
    [
      "an unknown target",
      { "mcp-anywhere:target": "heroku" },
      'mcp-anywhere:target="heroku" is invalid; allowed: lambda, fargate, cloudrun, ec2',
    ],
    [
      "a missing target",
      { "mcp-anywhere:target": undefined },
      "mcp-anywhere:target=(not set) is required; allowed: lambda, fargate, cloudrun, ec2",
    ],
    [
      "SSH open to the world",
      { "mcp-anywhere:target": "ec2", "mcp-anywhere:ec2SshCidr": "0.0.0.0/0" },
      'mcp-anywhere:ec2SshCidr="0.0.0.0/0" is invalid; allowed: one IPv4 CIDR narrower than /0, e.g. 203.0.113.7/32 (never 0.0.0.0/0: use SSM Session Manager)',
    ],
    [
      "an x86 instance type on the arm64 AMI",
      { "mcp-anywhere:target": "ec2", "mcp-anywhere:ec2InstanceType": "t3.small" },
      'mcp-anywhere:ec2InstanceType="t3.small" is invalid; allowed: a Graviton (arm64) type such as t4g.small or m7g.medium',
    ],
    [
      "cloudrun without gcp:project",
      { "mcp-anywhere:target": "cloudrun" },
      "gcp:project=(not set) is required for target cloudrun; allowed: a GCP project id (pulumi config set gcp:project my-project)",
    ],
    [
      "an unknown Cloud Run edge",
      { "mcp-anywhere:target": "cloudrun", "gcp:project": "my-project-1", "mcp-anywhere:cloudrunEdge": "cdn" },
      'mcp-anywhere:cloudrunEdge="cdn" is invalid; allowed: auto, none, loadbalancer',
    ],
    [
      "a Cloud Run domain without the load-balancer edge",
      {
        "mcp-anywhere:target": "cloudrun",
        "gcp:project": "my-project-1",
        "mcp-anywhere:cloudrunDomain": "mcp.example.com",
      },
      'mcp-anywhere:cloudrunDomain="mcp.example.com" needs mcp-anywhere:cloudrunEdge=loadbalancer (got none)',
    ],
    [
      "a Cloud Run CPU count that does not exist",
      { "mcp-anywhere:target": "cloudrun", "gcp:project": "my-project-1", "mcp-anywhere:cloudrunCpu": "3" },
      'mcp-anywhere:cloudrunCpu="3" is invalid; allowed: 1, 2, 4, 6, 8',
    ],
    [
      "fargate minTasks above maxTasks",
      { "mcp-anywhere:target": "fargate", "mcp-anywhere:fargateMinTasks": "4", "mcp-anywhere:fargateMaxTasks": "2" },
      'mcp-anywhere:fargateMinTasks="4" is more than mcp-anywhere:fargateMaxTasks="2"; allowed: fargateMinTasks <= fargateMaxTasks',
    ],
    [
      "a domain without a certificate",
      { "mcp-anywhere:target": "fargate", "mcp-anywhere:fargateDomainName": "mcp.example.com" },
      'mcp-anywhere:fargateDomainName="mcp.example.com" needs mcp-anywhere:fargateCertificateArn (an ACM certificate in us-east-1)',
    ],
    [
      "a certificate without a domain",
      {
        "mcp-anywhere:target": "fargate",
        "mcp-anywhere:fargateCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x",
      },
      "mcp-anywhere:fargateCertificateArn is set but mcp-anywhere:fargateDomainName is not; set both or neither",
    ],
    [
      "a certificate outside us-east-1",
      {
        "mcp-anywhere:target": "fargate",
        "mcp-anywhere:fargateDomainName": "mcp.example.com",
        "mcp-anywhere:fargateCertificateArn": "arn:aws:acm:ap-northeast-1:123456789012:certificate/x",
      },
      'mcp-anywhere:fargateCertificateArn="arn:aws:acm:ap-northeast-1:123456789012:certificate/x" is invalid; allowed: an ACM certificate ARN in us-east-1',
    ],
    [
      "memory that does not fit the task CPU",
      { "mcp-anywhere:target": "fargate", "mcp-anywhere:memoryMiB": "768" },
      'mcp-anywhere:memoryMiB="768" does not fit mcp-anywhere:fargateCpu=256; allowed: 512, 1024, 2048',
    ],
    [
      "a CPU size Fargate does not offer",
      { "mcp-anywhere:target": "fargate", "mcp-anywhere:fargateCpu": "300" },
      'mcp-anywhere:fargateCpu="300" is invalid; allowed: 256, 512, 1024, 2048, 4096',
    ],
    [
      "a VPC without subnets",
      { "mcp-anywhere:target": "fargate", "mcp-anywhere:fargateVpcId": "vpc-0123456789abcdef0" },
      'mcp-anywhere:fargateVpcId="vpc-0123456789abcdef0" needs mcp-anywhere:fargateSubnetIds with public subnets in at least 2 AZs',
    ],
    [
      "a monthly quota on fargate",
      { "mcp-anywhere:target": "fargate", "mcp-anywhere:monthlyQuota": "1000" },
      'mcp-anywhere:monthlyQuota="1000" is supported on the lambda target only (API Gateway usage plans); allowed here: 0',
    ],
    [
      "a negative rate",
      { "mcp-anywhere:rateLimitRps": "-5" },
      'mcp-anywhere:rateLimitRps="-5" is invalid; allowed: an integer from 1 to 10000 (requests/s) (pulumi config set mcp-anywhere:rateLimitRps 50)',
    ],
    [
      "a fractional burst",
      { "mcp-anywhere:rateLimitBurst": "2.5" },
      'mcp-anywhere:rateLimitBurst="2.5" is invalid; allowed: an integer from 1 to 5000 (requests)',
    ],
    [
      "a missing aws:region",
      { "aws:region": undefined },
      "aws:region=(not set) is invalid; allowed: an AWS region such as ap-northeast-1",
    ],
    ["a malformed aws:region", { "aws:region": "tokyo" }, 'aws:region="tokyo" is invalid; allowed: an AWS region'],
    [
      "memory out of range",
      { "mcp-anywhere:memoryMiB": "64" },
      'mcp-anywhere:memoryMiB="64" is invalid; allowed: an integer from 128 to 10240 (MiB)',
    ],
    [
      "a retention CloudWatch does not offer",
      { "mcp-anywhere:logRetentionDays": "10" },
      'mcp-anywhere:logRetentionDays="10" is invalid; allowed: 1, 3, 5, 7, 14, 30',
    ],
    [
      "a non-boolean streaming flag",
      { "mcp-anywhere:lambdaStreaming": "yes" },
      'mcp-anywhere:lambdaStreaming="yes" is invalid; allowed: true, false',
    ],
    [
      "reserved concurrency 0",
      { "mcp-anywhere:lambdaReservedConcurrency": "0" },
      'mcp-anywhere:lambdaReservedConcurrency="0" is invalid; allowed: -1 (no cap) or 1 to 10000',
    ],
    [
      "a shared key parameter that is not a key parameter",
      { "mcp-anywhere:lambdaSharedKeyParameterNames": '["/mcp/keys/bob"]' },
      'mcp-anywhere:lambdaSharedKeyParameterNames lists "/mcp/keys/bob", which is not in mcp-anywhere:apiKeyParameterNames',
    ],
    [
      "a per-tool limit without a rate",
      { "mcp-anywhere:toolRateLimits": '["estimate_cost"]' },
      'mcp-anywhere:toolRateLimits="[\\"estimate_cost\\"]" is invalid; allowed: a list of distinct `tool=requests/s` entries',
    ],
    [
      "a tool limited twice",
      { "mcp-anywhere:toolRateLimits": '["echo=2","echo=3"]' },
      'mcp-anywhere:toolRateLimits lists the tool "echo" twice',
    ],
    [
      "parameter names that are not a list",
      { "mcp-anywhere:apiKeyParameterNames": "/a/b" },
      `mcp-anywhere:apiKeyParameterNames="/a/b" is invalid; allowed: a list of distinct SSM parameter names (letters, digits, _ . - /) (pulumi config set --path 'mcp-anywhere:apiKeyParameterNames[0]' /mcp/keys/alice)`,
    ],
    [
      "duplicate parameter names",
      { "mcp-anywhere:apiKeyParameterNames": '["/a","/a"]' },
      'mcp-anywhere:apiKeyParameterNames="[\\"/a\\",\\"/a\\"]" is invalid; allowed: a list of distinct',
    ],
  ];
  for (const [what, override, message] of cases) {
    it(`rejects ${what}: ${message.slice(0, 60)}…`, () => {
      expect(error({ ...base, ...override })).to.include(message);
    });
  }

  it("reads per-tool limits into a map", () => {
    const c = parseStackConfig({ ...base, "mcp-anywhere:toolRateLimits": '["estimate_cost=2","echo=50"]' }, "p", "dev");
    expect(c.rateLimit.perToolRequestsPerSecond).to.deep.equal({ estimate_cost: 2, echo: 50 });
  });

  it("reports every bad key in one error", () => {
    const msg = error({
      ...base,
      "mcp-anywhere:rateLimitRps": "0",
      "aws:region": undefined,
      "mcp-anywhere:memoryMiB": "1",
    });
    expect(msg).to.include("mcp-anywhere:rateLimitRps").and.include("aws:region").and.include("mcp-anywhere:memoryMiB");
  });

  it("stops the program before any resource is declared", async () => {
    const { mocks, error: err } = await attempt("dev", {
      "mcp-anywhere:target": "heroku",
      "mcp-anywhere:rateLimitRps": "-1",
    });
    expect(err).to.be.instanceOf(StackConfigError);
    expect(String(err)).to.include('mcp-anywhere:target="heroku"').and.include('mcp-anywhere:rateLimitRps="-1"');
    expect(mocks.resources).to.deep.equal([]);
    expect(mocks.calls).to.deep.equal([]);
  });

  describe("Pulumi.yaml", () => {
    const project = parse(readFileSync(new URL("../../Pulumi.yaml", import.meta.url), "utf8")) as {
      name: string;
      main: string;
      runtime: { name: string; options: Record<string, unknown> };
      config: Record<string, { type: string; description?: string; default?: unknown }>;
    };

    it("is the mcp-anywhere nodejs project with main stacks/index.ts", () => {
      expect(project.name).to.equal("mcp-anywhere");
      expect(project.runtime.name).to.equal("nodejs");
      expect(project.main).to.equal("stacks/index.ts");
    });

    it("declares exactly the schema's keys, as `npm run config:sync` generates them", () => {
      const text = readFileSync(new URL("../../Pulumi.yaml", import.meta.url), "utf8");
      expect(renderPulumiYaml(text), "Pulumi.yaml is stale: run npm run config:sync").to.equal(text);
      expect(Object.keys(project.config)).to.deep.equal(Object.keys(CONFIG_SCHEMA));
      for (const [key, decl] of Object.entries(project.config)) {
        expect(key, "a dotted key is a property path to the Pulumi CLI").to.match(/^[a-z][A-Za-z0-9]*$/);
        expect(decl.type, key).to.be.oneOf(["string", "integer", "boolean", "array"]);
        expect(decl.description, key).to.be.a("string").with.length.greaterThan(10);
      }
    });

    it("has no default for the required target, and the schema's default for every other key", () => {
      expect(project.config.target).to.not.have.property("default");
      for (const [key, spec] of Object.entries(CONFIG_SCHEMA) as [string, ConfigKeySpec][]) {
        if (key !== "target") expect(project.config[key]?.default, key).to.deep.equal(spec.default);
      }
    });

    it("docs/configuration.md's config table is the one the schema generates", () => {
      const text = readFileSync(new URL(`../../${CONFIG_DOC}`, import.meta.url), "utf8");
      expect(renderConfigDoc(text), `${CONFIG_DOC} is stale: run npm run config:sync`).to.equal(text);
    });

    it("dev targets lambda in ap-northeast-1; prod sets production limits", () => {
      expect(stackFileConfig("dev")).to.deep.equal({ "aws:region": "ap-northeast-1", "mcp-anywhere:target": "lambda" });
      const prod = parseStackConfig(stackFileConfig("prod"), "mcp-anywhere", "prod");
      expect(prod.rateLimit.requestsPerSecond).to.be.greaterThan(20);
      expect(prod.target).to.equal("fargate");
      expect(prod.fargate).to.deep.include({ minTasks: 2, maxTasks: 6, cpu: 0.25, privateSubnets: false });
    });
  });
});
