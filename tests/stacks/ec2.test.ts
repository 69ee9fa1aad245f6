/** The real stack program for the EC2 target, under mocks. */
import { gunzipSync } from "node:zlib";
import type * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { parse } from "yaml";
import { USER_DATA_BUDGET_BYTES } from "../../components/ec2/cloud-init.js";
import { ACCOUNT, AMI_PARAMETER, inputsOf, type RecordedResource, resolve } from "../helpers/pulumi-mocks.js";
import { resourceOptions } from "../helpers/resource-options.js";
import { plainTexts, runStack, type StackRun } from "../helpers/run-stack.js";

const T = {
  instance: "aws:ec2/instance:Instance",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  policy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  eip: "aws:ec2/eip:Eip",
  eipAssociation: "aws:ec2/eipAssociation:EipAssociation",
  eni: "aws:ec2/networkInterface:NetworkInterface",
  network: "mcp-anywhere:aws:Network",
  document: "aws:ssm/document:Document",
  association: "aws:ssm/association:Association",
} as const;
const inputs = inputsOf;

// The options each registration carried (dependencies included), recorded where the SDK hands them to the mocks.
const options = resourceOptions();
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
  let userDataGz: Buffer;
  const defaultRunDependencies = new Map<string, string[]>();
  const defaultRunDeleteBeforeReplace = new Map<string, boolean>();
  before(async () => {
    run = await runStack("dev", EC2);
    for (const [k, v] of options) {
      defaultRunDependencies.set(k, v.dependencies);
      defaultRunDeleteBeforeReplace.set(k, v.deleteBeforeReplace);
    }
    key = run.mocks.ssm.get("/mcp-anywhere/dev/api-keys/default") ?? "";
    userDataGz = Buffer.from(String(inputs(run.mocks.one(T.instance)).userDataBase64), "base64");
    userData = gunzipSync(userDataGz).toString("utf8");
  });
  /** The URNs the resource was registered with as dependencies, from the default run (the first `runStack`). */
  const dependsOn = (r: RecordedResource) => defaultRunDependencies.get(`${r.type}::${r.name}`) ?? [];

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

  it("opens 443 and 80 only, with no port 22 by default", () => {
    const ports = run.mocks.ofType(T.ingress).map((r) => [inputs(r).fromPort, inputs(r).cidrIpv4]);
    expect(ports).to.have.deep.members([
      [443, "0.0.0.0/0"],
      [80, "0.0.0.0/0"],
    ]);
  });

  it("ec2AllowedCidrs narrows 443; port 80 stays open to all, because Let's Encrypt validates HTTP-01 from anywhere", async () => {
    const narrow = await runStack("dev", { ...EC2, "mcp-anywhere:ec2AllowedCidrs": '["203.0.113.0/24"]' });
    const ports = narrow.mocks.ofType(T.ingress).map((r) => [inputs(r).fromPort, inputs(r).cidrIpv4]);
    expect(ports).to.have.deep.members([
      [443, "203.0.113.0/24"],
      [80, "0.0.0.0/0"],
    ]);
  });

  it("boots with its public IP: the Elastic IP sits on a network interface the instance waits for (F10)", () => {
    const eni = run.mocks.one(T.eni);
    const association = run.mocks.one(T.eipAssociation);
    expect(run.mocks.ofType(T.eip)).to.have.length(1);
    expect(inputs(association).networkInterfaceId).to.equal(eni.id);
    expect(inputs(association).instanceId).to.equal(undefined);
    const instance = run.mocks.one(T.instance);
    expect(inputs(instance).primaryNetworkInterface).to.deep.equal({ networkInterfaceId: eni.id });
    expect(
      dependsOn(instance).some((u) => u.endsWith(`::${association.name}`) && u.includes("EipAssociation")),
    ).to.equal(true);
  });

  it("replaces the instance delete-first, so the new one can take the network interface and its Elastic IP", () => {
    // The interface is attached at launch as the primary (device 0); EC2 refuses a second instance on it while the old
    // one holds it, so a create-first replacement (Pulumi's default) would fail with "interface in use".
    const instance = run.mocks.one(T.instance);
    const eni = run.mocks.one(T.eni);
    expect(defaultRunDeleteBeforeReplace.get(`${instance.type}::${instance.name}`)).to.equal(true);
    // The interface is not the instance's to delete: no deleteOnTermination (AWS allows true only for an interface
    // created at launch), and it is a resource of its own that a replacement keeps, with the association on it.
    expect(inputs(instance).primaryNetworkInterface).to.deep.equal({ networkInterfaceId: eni.id });
    expect(defaultRunDeleteBeforeReplace.get(`${eni.type}::${eni.name}`)).to.equal(false);
    expect(inputs(run.mocks.one(T.eipAssociation)).networkInterfaceId).to.equal(eni.id);
  });

  it("starts the instance only after its inline role policy and the SSM attachment exist (F14)", () => {
    const deps = dependsOn(run.mocks.one(T.instance));
    expect(deps.some((u) => u.includes("iam/rolePolicy:RolePolicy::"))).to.equal(true);
    expect(deps.some((u) => u.includes("iam/rolePolicyAttachment:RolePolicyAttachment::"))).to.equal(true);
  });

  it("sends the user data gzip-compressed, under its budget (F9)", () => {
    expect(inputs(run.mocks.one(T.instance)).userData).to.equal(undefined);
    expect(userDataGz.subarray(0, 2).toString("hex")).to.equal("1f8b");
    expect(userDataGz.length).to.be.below(USER_DATA_BUDGET_BYTES);
    expect(Buffer.byteLength(userData)).to.be.above(16_384, "the text alone would be over EC2's limit");
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
    expect(file("/etc/mcp-anywhere/nginx/nginx.conf")).to.include("server_name 54.250.10.20;");
    expect(file("/etc/systemd/system/mcp-anywhere-keys.timer")).to.include("OnUnitActiveSec=5min");
    expect(file("/etc/systemd/system/mcp-anywhere-cert.timer")).to.include("OnUnitActiveSec=1h");
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

  it("toolRateLimits: nginx gets one limit_req zone per tool keyed on key id + Mcp-Name, the app MCP_TOOL_RATE_LIMITS", async () => {
    const tooled = await runStack("dev", { ...EC2, "mcp-anywhere:toolRateLimits": '["estimate_cost=2","my.tool=40"]' });
    const ud = gunzipSync(Buffer.from(String(inputs(tooled.mocks.one(T.instance)).userDataBase64), "base64"));
    const doc = parse(ud.toString("utf8")) as CloudConfig;
    const file = (p: string) => doc.write_files.find((f) => f.path === p)?.content ?? "";
    const conf = file("/etc/mcp-anywhere/nginx/nginx.conf");
    // dev: 20 requests/s and 40 at once per key; estimate_cost 2/s → 120 r/m, burst ceil(40 × 2 / 20) = 4.
    expect(conf).to.include('default "$mcp_key_id $http_mcp_name";');
    expect(conf).to.include('"~^estimate_cost$" $mcp_key_and_tool;');
    expect(conf).to.include('"~^my\\.tool$" $mcp_key_and_tool;');
    expect(conf).to.include("limit_req_zone $mcp_tool_0 zone=mcp_tool_0:1m rate=120r/m;");
    expect(conf).to.include("limit_req_zone $mcp_tool_1 zone=mcp_tool_1:1m rate=2400r/m;");
    const mcpLocation = conf.slice(conf.indexOf("location = /mcp {"), conf.indexOf("location = /_mcp_auth"));
    expect(mcpLocation.match(/limit_req zone=\S+ burst=\d+ nodelay;/g)).to.deep.equal([
      "limit_req zone=mcp_per_ip burst=59 nodelay;",
      "limit_req zone=mcp_per_key burst=39 nodelay;",
      "limit_req zone=mcp_tool_0 burst=3 nodelay;",
      "limit_req zone=mcp_tool_1 burst=39 nodelay;",
    ]);
    const compose = parse(file("/etc/mcp-anywhere/compose.yaml")) as {
      services: Record<string, { environment?: Record<string, string> }>;
    };
    expect(compose.services.mcp?.environment?.MCP_TOOL_RATE_LIMITS).to.equal("estimate_cost=2,my.tool=40");
    expect(userData, "without toolRateLimits: no tool zone").not.to.include("mcp_tool_");
  });

  it("a config change reaches the host as a new rollout (new association name), not a new instance", async () => {
    const other = await runStack("dev", { ...EC2, "mcp-anywhere:rateLimitRps": "5" });
    const name = (r: StackRun) => String(inputs(r.mocks.one(T.association)).associationName);
    expect(name(other)).not.to.equal(name(run));
    const ignore = (r: RecordedResource) => r.name;
    expect(ignore(other.mocks.one(T.instance))).to.equal(ignore(run.mocks.one(T.instance)));
  });

  it("exports https://<elastic-ip>/mcp, the IP, the instance, and a TLS status that describes issuance, not a state", async () => {
    expect((await resolve(run.outputs.url)).value).to.equal("https://54.250.10.20/mcp");
    const details = run.outputs.details as Record<string, pulumi.Output<string>>;
    expect((await resolve(details.publicIp as pulumi.Output<string>)).value).to.equal("54.250.10.20");
    const tls = String((await resolve(details.tlsStatus as pulumi.Output<string>)).value);
    // What is requested, for which identifier, and how.
    expect(tls).to.include("requests a Let's Encrypt IP address certificate for 54.250.10.20 (profile shortlived");
    expect(tls).to.include("over HTTP-01, which needs port 80 reachable from the whole internet");
    // What clients see until issuance, said as a condition, never as the current state.
    expect(tls).to.include("Until it is issued nginx serves a self-signed certificate, which MCP clients refuse");
    expect(tls).not.to.match(/NOT TRUSTED|not trusted yet/i);
    // Where the current state is.
    expect(tls).to.include("`npm run verify -- --stack dev` (its tls check)");
    expect(tls).to.include("/etc/mcp-anywhere/tls/status");
    expect(tls).to.include("aws ssm start-session");
    expect(tls).not.to.include("sslip.io");
    expect((await resolve(details.instanceId as pulumi.Output<string>)).value).to.match(/^i-[0-9a-f]{17}$/);
  });

  it("with ec2Domain, issues for the domain (the CA's default profile) and serves https://<domain>/mcp", async () => {
    const custom = await runStack("dev", { ...EC2, "mcp-anywhere:ec2Domain": "mcp.example.com" });
    expect((await resolve(custom.outputs.url)).value).to.equal("https://mcp.example.com/mcp");
    const doc = parse(
      gunzipSync(Buffer.from(String(inputs(custom.mocks.one(T.instance)).userDataBase64), "base64")).toString(),
    ) as CloudConfig;
    const cert = doc.write_files.find((f) => f.path === "/usr/local/bin/mcp-anywhere-cert")?.content ?? "";
    const config = JSON.parse(JSON.parse(/^CONFIG = json\.loads\((".*")\)$/m.exec(cert)?.[1] ?? '"{}"')) as {
      identifier?: string;
      identifierType?: string;
      profile?: string | null;
    };
    expect(config).to.include({ identifier: "mcp.example.com", identifierType: "dns", profile: null });
    const tls = String(
      (await resolve((custom.outputs.details as Record<string, pulumi.Output<string>>).tlsStatus)).value,
    );
    expect(tls).to.include("requests a Let's Encrypt certificate for mcp.example.com (the CA's default profile");
    expect(tls).not.to.include("shortlived");
  });

  it("shows the key value in no plain output, input (user data included) or name", async () => {
    expect(userData).not.to.include(key);
    for (const text of await plainTexts(run)) expect(text).not.to.include(key);
  });
});
