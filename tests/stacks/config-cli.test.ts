/**
 * A user's `pulumi config set`, with or without `--path`, either takes effect or fails naming the key: for every key
 * of the schema, and for the old dotted keys (`ec2.allowedCidrs`), which the CLI and the SDK would read differently.
 * The stack file is built as the CLI writes it (tests/helpers/pulumi-cli-config.ts) and read by the real program.
 */
import { expect } from "chai";
import { parseStackConfig, StackConfigError } from "../../stacks/config.js";
import { CONFIG_SCHEMA, type ConfigKey, type ConfigKeySpec, setCommand } from "../../stacks/config-schema.js";
import { thrownMessage } from "../helpers/errors.js";
import { configSet, parseSetCommand, programView, type StackFile } from "../helpers/pulumi-cli-config.js";
import { attempt } from "../helpers/run-stack.js";

const BASE: StackFile = { "aws:region": "ap-northeast-1", "mcp-anywhere:target": "lambda" };

/** A stdio server that keeps no state: allowed on lambda, BASE's target. */
const STDIO: [string, string, boolean][] = [
  ["serverMode", "stdio", false],
  ["serverCommand[0]", "uvx", true],
  ["serverStateful", "false", false],
];

/** Keys whose rules need another key set with them (mcp-anywhere: prefix omitted). */
const COMPANIONS: Partial<Record<ConfigKey, [string, string, boolean][]>> = {
  serverMode: STDIO.slice(1),
  serverCommand: [STDIO[0] as [string, string, boolean], STDIO[2] as [string, string, boolean]],
  serverEnv: STDIO,
  serverWorkdir: STDIO,
  serverRuntime: STDIO,
  serverWorkspace: STDIO,
  serverImage: [
    ["target", "fargate", false],
    ["serverMode", "http", false],
  ],
  fargateEfs: [...STDIO, ["serverWorkspace", "/workspace", false]],
  otelHeaders: [["otelEndpoint", "https://otlp.example.com:4318", false]],
  tracingPlatform: [["target", "fargate", false]],
  fargateVpcId: [
    ["fargateSubnetIds[0]", "subnet-0123456789abcdef0", true],
    ["fargateSubnetIds[1]", "subnet-0123456789abcdef1", true],
  ],
  fargateSubnetIds: [
    ["fargateVpcId", "vpc-0123456789abcdef0", false],
    ["fargateSubnetIds[1]", "subnet-0123456789abcdef1", true],
  ],
  fargateDomainName: [["fargateCertificateArn", "arn:aws:acm:us-east-1:123456789012:certificate/x", false]],
  fargateCertificateArn: [["fargateDomainName", "mcp.example.com", false]],
  cloudrunDomain: [["cloudrunEdge", "loadbalancer", false]],
  lambdaSharedKeyParameterNames: [["apiKeyParameterNames[0]", "/mcp/keys/alice", true]],
  dockerhostCertificate: [
    ["dockerhostTls", "user", false],
    ["dockerhostCertificateKey", CONFIG_SCHEMA.dockerhostCertificateKey.example, false],
  ],
  dockerhostCertificateKey: [
    ["dockerhostTls", "user", false],
    ["dockerhostCertificate", CONFIG_SCHEMA.dockerhostCertificate.example, false],
  ],
  dockerhostKeySource: [["dockerhostApiKeys[0]", CONFIG_SCHEMA.dockerhostApiKeys.example, true]],
  dockerhostApiKeys: [["dockerhostKeySource", "config", false]],
  dockerhostLokiUrl: [["dockerhostLogging", "remote", false]],
  dockerhostSmtpUser: [["dockerhostSmtpHost", "smtp.example.com:587", false]],
  dockerhostSmtpPassword: [["dockerhostSmtpHost", "smtp.example.com:587", false]],
  dockerhostSmtpFrom: [["dockerhostSmtpHost", "smtp.example.com:587", false]],
};

function withCompanions(key: ConfigKey): StackFile {
  let file = { ...BASE };
  for (const [name, value, path] of COMPANIONS[key] ?? [])
    file = configSet(file, `mcp-anywhere:${name}`, value, { path });
  return file;
}

/** A list with its first element replaced: what `--path 'key[0]'` does, written as one JSON value. */
function replaceFirst(current: unknown, first: string): unknown[] {
  const list = Array.isArray(current) ? [...current] : [];
  list[0] = first;
  return list;
}

const parse = (file: StackFile) => parseStackConfig(programView(file), "mcp-anywhere", "dev");
const failure = (file: StackFile) => thrownMessage(() => parse(file), StackConfigError);

describe("pulumi config set, as the CLI writes it, read by the program", () => {
  for (const key of Object.keys(CONFIG_SCHEMA) as ConfigKey[]) {
    const spec: ConfigKeySpec = CONFIG_SCHEMA[key];
    const command = setCommand(key);
    it(`${command} takes effect`, () => {
      const base = withCompanions(key);
      const { key: k, value, path } = parseSetCommand(command);
      const after = parse(configSet(base, k, value, { path }));
      // Where the companions alone are invalid (a VPC without subnets), parsing at all shows the value took effect.
      const before = (() => {
        try {
          return parse(base);
        } catch {
          return undefined;
        }
      })();
      if (before !== undefined) expect(after, "the value changed nothing the program reads").to.not.deep.equal(before);
    });

    it(`${key}: with --path or without, the same value gives the same config`, () => {
      const base = withCompanions(key);
      const withoutPath =
        spec.type === "array"
          ? configSet(
              base,
              `mcp-anywhere:${key}`,
              JSON.stringify(replaceFirst(base[`mcp-anywhere:${key}`], spec.example)),
            )
          : configSet(base, `mcp-anywhere:${key}`, spec.example);
      const withPath =
        spec.type === "array"
          ? configSet(base, `mcp-anywhere:${key}[0]`, spec.example, { path: true })
          : configSet(base, `mcp-anywhere:${key}`, spec.example, { path: true });
      expect(parse(withPath)).to.deep.equal(parse(withoutPath));
    });
  }

  // The keys as they were before they lost their dots (release 0.1.0's Pulumi.yaml), each set both ways a user might.
  const OLD_DOTTED = [
    "lambda.streaming",
    "lambda.reservedConcurrency",
    "lambda.manageApiGatewayAccount",
    "fargate.cpu",
    "fargate.minTasks",
    "fargate.maxTasks",
    "fargate.privateSubnets",
    "fargate.vpcId",
    "fargate.subnetIds",
    "fargate.domainName",
    "fargate.certificateArn",
    "cloudrun.edge",
    "cloudrun.domain",
    "cloudrun.maxInstances",
    "cloudrun.cpu",
    "cloudrun.concurrency",
    "ec2.instanceType",
    "ec2.allowedCidrs",
    "ec2.sshCidr",
    "ec2.domain",
    "ec2.acmeEmail",
    "usage.requestsPerMonth",
    "usage.avgDurationMs",
    "usage.avgResponseKb",
    "usage.peakToAverage",
    "usage.logBytesPerRequest",
    "usage.freeTier",
  ];
  const dottedKeys = OLD_DOTTED.map((dotted) => {
    const [prefix, rest] = dotted.split(".") as [string, string];
    return { dotted, prefix, key: `${prefix}${rest.charAt(0).toUpperCase()}${rest.slice(1)}` as ConfigKey };
  });
  it("every old dotted key has its flat successor", () => {
    for (const { key } of dottedKeys) expect(CONFIG_SCHEMA, key).to.have.property(key);
  });
  for (const { key, dotted, prefix } of dottedKeys) {
    const spec: ConfigKeySpec = CONFIG_SCHEMA[key];
    const element = spec.type === "array" ? "[0]" : "";
    it(`--path 'mcp-anywhere:${dotted}${element}' fails, naming mcp-anywhere:${prefix} and suggesting ${key}`, () => {
      const file = configSet(BASE, `mcp-anywhere:${dotted}${element}`, spec.example, { path: true });
      expect(Object.keys(file)).to.include(`mcp-anywhere:${prefix}`);
      const message = failure(file);
      expect(message).to.include(`mcp-anywhere:${prefix} is not a config key of this project`);
      expect(message).to.include(`did you mean mcp-anywhere:${key}?`);
      expect(message).to.include(setCommand(key));
    });
    it(`mcp-anywhere:${dotted} without --path fails, naming it and suggesting ${key}`, () => {
      const message = failure(configSet(BASE, `mcp-anywhere:${dotted}`, spec.example));
      expect(message).to.include(`mcp-anywhere:${dotted} is not a config key of this project`);
      expect(message).to.include(`did you mean mcp-anywhere:${key}?`);
    });
  }

  it("a list set as a bare string fails, naming the key and the --path command", () => {
    const message = failure(configSet(BASE, "mcp-anywhere:ec2AllowedCidrs", "203.0.113.0/24"));
    expect(message).to.include('mcp-anywhere:ec2AllowedCidrs="203.0.113.0/24" is invalid; allowed: a list of');
    expect(message).to.include("pulumi config set --path 'mcp-anywhere:ec2AllowedCidrs[0]' 203.0.113.0/24");
  });

  it("a misspelt key fails, naming it and the key meant, and never echoing its value", () => {
    const message = failure(configSet(BASE, "mcp-anywhere:ratelimitrps", "s3cr3t-value"));
    expect(message)
      .to.include("mcp-anywhere:ratelimitrps is not a config key")
      .and.include("mcp-anywhere:rateLimitRps");
    expect(message).to.not.include("s3cr3t-value");
  });

  it("an unknown key set with --path restricts nothing: the program stops before declaring any resource", async () => {
    const file = configSet(
      { "aws:region": "ap-northeast-1", "mcp-anywhere:target": "ec2" },
      "mcp-anywhere:ec2.allowedCidrs[0]",
      "203.0.113.0/24",
      { path: true },
    );
    const { mocks, error } = await attempt("dev", programView(file));
    expect(error).to.be.instanceOf(StackConfigError);
    expect(String(error)).to.include("did you mean mcp-anywhere:ec2AllowedCidrs?");
    expect(mocks.resources).to.deep.equal([]);
  });

  it("ec2AllowedCidrs set with --path reaches the security group's HTTPS rule", async () => {
    const file = configSet(
      { "aws:region": "ap-northeast-1", "mcp-anywhere:target": "ec2" },
      "mcp-anywhere:ec2AllowedCidrs[0]",
      "203.0.113.0/24",
      { path: true },
    );
    const { mocks } = await attempt("dev", programView(file));
    const ingress = mocks.resources
      .filter(
        (r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.inputs.fromPort === 443,
      )
      .map((r) => r.inputs.cidrIpv4);
    expect(ingress).to.deep.equal(["203.0.113.0/24"]);
  });
});
