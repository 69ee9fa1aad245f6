/** The real stack program for the EC2 target, under mocks. */
import type * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { parse } from "yaml";
import { ACCOUNT, AMI_PARAMETER, inputsOf, type RecordedResource, resolve } from "../helpers/pulumi-mocks.js";
import { plainTexts, runStack, type StackRun } from "../helpers/run-stack.js";

const T = {
  instance: "aws:ec2/instance:Instance",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  policy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  eip: "aws:ec2/eip:Eip",
  eipAssociation: "aws:ec2/eipAssociation:EipAssociation",
  network: "mcp-anywhere:aws:Network",
  document: "aws:ssm/document:Document",
  association: "aws:ssm/association:Association",
} as const;
const inputs = inputsOf;
const EC2 = { "mcp-anywhere:target": "ec2" };

interface CloudConfig {
  write_files: { path: string; content: string; permissions: string }[];
  runcmd: string[][];
}

describe("stack program: ec2 target", function () {
  this.timeout(60_000);
  let run: StackRun;
  let key: string;
  let userData: string;
  before(async () => {
    run = await runStack("dev", EC2);
    key = run.mocks.ssm.get("/mcp-anywhere/dev/api-keys/default") ?? "";
    userData = String(inputs(run.mocks.one(T.instance)).userData);
  });

  it("runs a t4g.small from the Amazon Linux 2023 arm64 AMI parameter, in the shared Network", () => {
    const instance = inputs(run.mocks.one(T.instance));
    expect(instance).to.include({ instanceType: "t4g.small", ami: "ami-0a1b2c3d4e5f60718", monitoring: false });
    expect(
      run.mocks.calls.some((c) => c.token === "aws:ssm/getParameter:getParameter" && c.inputs.name === AMI_PARAMETER),
    ).to.equal(true);
    expect(run.mocks.ofType(T.network)).to.have.length(1);
  });

  it("requires IMDSv2 with hop limit 1, and encrypts the gp3 root volume", () => {
    const instance = inputs(run.mocks.one(T.instance));
    expect(instance.metadataOptions).to.deep.equal({
      httpEndpoint: "enabled",
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
    });
    expect(instance.rootBlockDevice).to.deep.include({ volumeType: "gp3", encrypted: true });
  });

  it("opens 443 and 80 only, with no port 22 by default; an Elastic IP is associated", () => {
    const ports = run.mocks.ofType(T.ingress).map((r) => [inputs(r).fromPort, inputs(r).cidrIpv4]);
    expect(ports).to.have.deep.members([
      [443, "0.0.0.0/0"],
      [80, "0.0.0.0/0"],
    ]);
    expect(run.mocks.ofType(T.eip)).to.have.length(1);
    expect(inputs(run.mocks.one(T.eipAssociation)).instanceId).to.equal(run.mocks.one(T.instance).id);
  });

  it("opens 22 to exactly the configured admin CIDR", async () => {
    const ssh = await runStack("dev", { ...EC2, "mcp-anywhere:ec2SshCidr": "203.0.113.7/32" });
    const rules = ssh.mocks
      .ofType(T.ingress)
      .filter((r) => inputs(r).fromPort === 22)
      .map(inputs);
    expect(rules.map((r) => r.cidrIpv4)).to.deep.equal(["203.0.113.7/32"]);
  });

  it("scopes the instance role to the key ARN, this image's repository and its log group, plus SSM Session Manager", () => {
    const doc = JSON.parse(String(inputs(run.mocks.one(T.policy)).policy)) as { Statement: Record<string, unknown>[] };
    const sid = Object.fromEntries(doc.Statement.map((s) => [s.Sid, s]));
    expect(sid.ReadApiKeyParameters?.Resource).to.deep.equal([
      `arn:aws:ssm:ap-northeast-1:${ACCOUNT}:parameter/mcp-anywhere/dev/api-keys/default`,
    ]);
    expect(sid.PullServerImage?.Resource).to.match(
      new RegExp(`^arn:aws:ecr:ap-northeast-1:${ACCOUNT}:repository/server-repository`),
    );
    expect(sid.WriteOwnLogGroup?.Resource).to.equal(
      `arn:aws:logs:ap-northeast-1:${ACCOUNT}:log-group:/mcp-anywhere/dev/ec2:*`,
    );
    expect(inputs(run.mocks.one(T.attachment)).policyArn).to.equal(
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    );
  });

  it("boots with user data that holds the compose file, the nginx config and the key timer", () => {
    expect(userData.startsWith("#cloud-config\n")).to.equal(true);
    const doc = parse(userData) as CloudConfig;
    const paths = doc.write_files.map((f) => f.path);
    expect(paths).to.include.members([
      "/etc/mcp-anywhere/compose.yaml",
      "/etc/mcp-anywhere/nginx/nginx.conf",
      "/usr/local/bin/mcp-anywhere-keys",
      "/etc/systemd/system/mcp-anywhere-keys.timer",
      "/etc/systemd/system/mcp-anywhere-cert.timer",
    ]);
    const file = (p: string) => doc.write_files.find((f) => f.path === p)?.content ?? "";
    const compose = parse(file("/etc/mcp-anywhere/compose.yaml")) as {
      services: Record<string, { image: string; environment?: Record<string, string> }>;
    };
    expect(compose.services.mcp?.image).to.match(/@sha256:[0-9a-f]{64}$/);
    expect(compose.services.mcp?.environment).to.include({
      MCP_TARGET: "ec2",
      MCP_API_KEYS_FILE: "/run/mcp-keys/keys",
      MCP_TRUST_PROXY: "1",
    });
    expect(file("/etc/mcp-anywhere/nginx/nginx.conf")).to.include("server_name 54-250-10-20.sslip.io;");
    expect(file("/etc/systemd/system/mcp-anywhere-keys.timer")).to.include("OnUnitActiveSec=5min");
    expect(doc.runcmd.flat()).to.include("mcp-anywhere-keys.timer");
  });

  it("rolls changes out through an SSM document and an association named after its content, waiting for success", () => {
    const association = inputs(run.mocks.one(T.association));
    expect(association.associationName).to.match(/^mcp-anywhere-dev-[0-9a-f]{12}$/);
    expect(association.waitForSuccessTimeoutSeconds).to.equal(900);
    expect(association.targets).to.deep.equal([{ key: "InstanceIds", values: [run.mocks.one(T.instance).id] }]);
    const content = JSON.parse(String(inputs(run.mocks.one(T.document)).content)) as {
      mainSteps: { inputs: { runCommand: string[] } }[];
    };
    expect(content.mainSteps[0]?.inputs.runCommand.at(-1)).to.equal("/usr/local/bin/mcp-anywhere-deploy");
  });

  it("a config change reaches the host as a new rollout (new association name), not a new instance", async () => {
    const other = await runStack("dev", { ...EC2, "mcp-anywhere:rateLimitRps": "5" });
    const name = (r: StackRun) => String(inputs(r.mocks.one(T.association)).associationName);
    expect(name(other)).not.to.equal(name(run));
    const ignore = (r: RecordedResource) => r.name;
    expect(ignore(other.mocks.one(T.instance))).to.equal(ignore(run.mocks.one(T.instance)));
  });

  it("exports https://<eip-with-dashes>.sslip.io/mcp, the IP, the instance and the TLS status", async () => {
    expect((await resolve(run.outputs.url)).value).to.equal("https://54-250-10-20.sslip.io/mcp");
    const details = run.outputs.details as Record<string, pulumi.Output<string>>;
    expect((await resolve(details.publicIp as pulumi.Output<string>)).value).to.equal("54.250.10.20");
    expect((await resolve(details.tlsStatus as pulumi.Output<string>)).value).to.match(
      /^self-signed at first boot; Let's Encrypt/,
    );
    expect((await resolve(details.instanceId as pulumi.Output<string>)).value).to.match(/^i-[0-9a-f]{17}$/);
  });

  it("shows the key value in no plain output, input (user data included) or name", async () => {
    expect(userData).not.to.include(key);
    for (const text of await plainTexts(run)) expect(text).not.to.include(key);
  });
});
