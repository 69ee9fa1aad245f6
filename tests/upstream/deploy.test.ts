/**
 * "Bring your own MCP server", deploy side: the real stack program under mocks, for every target in stdio and http
 * mode. The upstream config reaches the container's environment, the sidecar and the volumes; serverEnv (a secret)
 * reaches the container only through the target's secret store and appears in no plain input, output or name.
 */
import { expect } from "chai";
import { parse } from "yaml";
import { UPSTREAM_DEFAULTS, UPSTREAM_ENV } from "../../infra/core/upstream.js";
import { ec2HostFiles } from "../helpers/ec2-host-files.js";
import {
  GCP_PROJECT,
  inputsOf as inputs,
  isSecretInput,
  type PulumiMocks,
  type RecordedResource,
  unwrapInput,
} from "../helpers/pulumi-mocks.js";
import { plainTexts, runStack, type StackRun } from "../helpers/run-stack.js";

const SECRET = "tok-9f8e7d6c5b4a39281706";
const T = {
  fn: "aws:lambda/function:Function",
  taskDef: "aws:ecs/taskDefinition:TaskDefinition",
  parameter: "aws:ssm/parameter:Parameter",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  fs: "aws:efs/fileSystem:FileSystem",
  mountTarget: "aws:efs/mountTarget:MountTarget",
  accessPoint: "aws:efs/accessPoint:AccessPoint",
  fsPolicy: "aws:efs/fileSystemPolicy:FileSystemPolicy",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  run: "gcp:cloudrunv2/service:Service",
  secretVersion: "gcp:secretmanager/secretVersion:SecretVersion",
  document: "aws:ssm/document:Document",
  image: "docker-build:index:Image",
} as const;

const MEMORY = ["npx", "-y", "@modelcontextprotocol/server-memory"];
const k = (key: string) => `mcp-anywhere:${key}`;
const STDIO = {
  [k("serverMode")]: "stdio",
  [k("serverCommand")]: JSON.stringify(MEMORY),
  [k("serverEnv")]: JSON.stringify([`API_TOKEN=${SECRET}`, "LOG_LEVEL=info"]),
  [k("serverWorkdir")]: "/tmp",
};
const HTTP_COMMAND = {
  [k("serverMode")]: "http",
  [k("serverCommand")]: '["python3","-m","my_server","--port","8000"]',
  [k("serverUrl")]: "http://127.0.0.1:8000/mcp",
  [k("serverEnv")]: JSON.stringify([`API_TOKEN=${SECRET}`]),
};
const HTTP_SIDECAR = {
  [k("serverMode")]: "http",
  [k("serverImage")]: "ghcr.io/example/mcp-server:1.2.3",
  [k("serverUrl")]: "http://localhost:3000/mcp",
  [k("serverEnv")]: JSON.stringify([`API_TOKEN=${SECRET}`]),
};

const byName = (m: PulumiMocks, type: string, name: string): RecordedResource => {
  const r = m.ofType(type).find((x) => x.name === name);
  if (!r) throw new Error(`no ${type} named ${name}`);
  return r;
};
const plain = (v: unknown) => unwrapInput(v);

/** The secret must be in none of the plain texts of the run, and the run must have declared it somewhere secret. */
async function expectSecretNowherePlain(run: StackRun): Promise<void> {
  const texts = await plainTexts(run);
  expect(texts.length).to.be.greaterThan(10);
  for (const t of texts) expect(t).not.to.include(SECRET);
}

interface Container {
  name: string;
  image: string;
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
  mountPoints: { sourceVolume: string; containerPath: string }[];
  dependsOn?: { containerName: string; condition: string }[];
  dockerLabels?: Record<string, string>;
}
const containers = (m: PulumiMocks): Container[] =>
  JSON.parse(String(plain(inputs(m.one(T.taskDef)).containerDefinitions))) as Container[];
const envOf = (c: Container) => Object.fromEntries(c.environment.map((e) => [e.name, e.value]));

describe("bring your own MCP server: deployed config per target", function () {
  this.timeout(120_000);

  describe("lambda", () => {
    const LAMBDA = { [k("target")]: "lambda", [k("serverStateful")]: "false" };
    /** The function's variables; a secret inside makes the engine mark the whole `environment` secret. */
    const lambdaEnv = (m: PulumiMocks) => {
      const environment = inputs(m.one(T.fn)).environment;
      const variables = (plain(environment) as { variables: Record<string, unknown> }).variables;
      return { secret: isSecretInput(environment), variables };
    };
    it("stdio: the command reaches the function's environment; serverEnv only as a secret", async () => {
      const run = await runStack("dev", { ...LAMBDA, ...STDIO, [k("serverRuntime")]: "python" });
      const { secret, variables: vars } = lambdaEnv(run.mocks);
      expect(vars[UPSTREAM_ENV.mode]).to.equal("stdio");
      expect(JSON.parse(String(vars[UPSTREAM_ENV.command]))).to.deep.equal(MEMORY);
      expect(vars[UPSTREAM_ENV.cwd]).to.equal("/tmp");
      expect(vars[UPSTREAM_ENV.timeoutMs]).to.equal("60000");
      expect(vars[UPSTREAM_ENV.url]).to.equal(undefined);
      expect(secret || isSecretInput(vars[UPSTREAM_ENV.env]), "MCP_UPSTREAM_ENV is a secret input").to.equal(true);
      expect(JSON.parse(String(plain(vars[UPSTREAM_ENV.env])))).to.deep.equal({ API_TOKEN: SECRET, LOG_LEVEL: "info" });
      // serverRuntime reaches the image build.
      expect(inputs(run.mocks.one(T.image)).buildArgs).to.deep.include({ MCP_RUNTIME: "python" });
      await expectSecretNowherePlain(run);
    });

    it("http with an in-container command: MCP_UPSTREAM=http and the URL", async () => {
      const run = await runStack("dev", { ...LAMBDA, ...HTTP_COMMAND });
      const { variables: vars } = lambdaEnv(run.mocks);
      expect(vars[UPSTREAM_ENV.mode]).to.equal("http");
      expect(vars[UPSTREAM_ENV.url]).to.equal("http://127.0.0.1:8000/mcp");
      expect(JSON.parse(String(vars[UPSTREAM_ENV.command]))[0]).to.equal("python3");
      // node is the default runtime: no MCP_RUNTIME build argument (the build arguments of earlier releases).
      expect(inputs(run.mocks.one(T.image)).buildArgs).to.deep.equal({ COMPILE_CACHE: "none" });
      await expectSecretNowherePlain(run);
    });

    it("builtin (the default) sets no MCP_UPSTREAM* variable", async () => {
      const run = await runStack("dev", { [k("target")]: "lambda" });
      const { secret, variables: vars } = lambdaEnv(run.mocks);
      expect(Object.keys(vars).filter((n) => n.startsWith("MCP_UPSTREAM"))).to.deep.equal([]);
      expect(secret, "without serverEnv the environment stays plain (readable in the console)").to.equal(false);
    });
  });

  describe("fargate", () => {
    const FARGATE = { [k("target")]: "fargate" };
    it("stdio + EFS workspace: env, serverEnv as an SSM secret, /tmp scratch, EFS volume with least privilege", async () => {
      const run = await runStack("dev", {
        ...FARGATE,
        ...STDIO,
        [k("serverWorkspace")]: "/workspace",
        [k("fargateEfs")]: "true",
      });
      const m = run.mocks;
      const [mcp, ...others] = containers(m);
      expect(others, "no sidecar in stdio mode").to.deep.equal([]);
      const env = envOf(mcp as Container);
      expect(env).to.include({ MCP_UPSTREAM: "stdio", MCP_UPSTREAM_CWD: "/tmp" });
      expect(JSON.parse(env.MCP_UPSTREAM_COMMAND as string)).to.deep.equal(MEMORY);
      expect(env).not.to.have.property(UPSTREAM_ENV.env);
      // serverEnv: one SecureString parameter, value a secret, referenced by ARN from the container's secrets.
      const p = byName(m, T.parameter, "dev-server-env-1");
      expect(inputs(p)).to.include({ name: "/mcp-anywhere/dev/server-env/MCP_UPSTREAM_ENV", type: "SecureString" });
      expect(isSecretInput(inputs(p).value)).to.equal(true);
      expect(JSON.parse(String(plain(inputs(p).value)))).to.deep.equal({ API_TOKEN: SECRET, LOG_LEVEL: "info" });
      const arn = "arn:aws:ssm:ap-northeast-1:123456789012:parameter/mcp-anywhere/dev/server-env/MCP_UPSTREAM_ENV";
      expect(mcp?.secrets).to.deep.include({ name: "MCP_UPSTREAM_ENV", valueFrom: arn });
      expect(mcp?.dockerLabels).to.have.property("mcp-anywhere.server-env-versions");
      // The execution role may read exactly that parameter too.
      const exec = JSON.parse(String(plain(inputs(byName(m, T.rolePolicy, "dev-execution")).policy)));
      const read = exec.Statement.find((s: { Sid: string }) => s.Sid === "ReadApiKeyParameters");
      expect(read.Resource).to.include(arn);
      // /tmp and the workspace are writable volumes; the workspace is on EFS through the access point with IAM.
      expect(mcp?.mountPoints.map((x) => [x.sourceVolume, x.containerPath])).to.deep.equal([
        ["scratch", "/tmp"],
        ["workspace", "/workspace"],
      ]);
      const volumes = plain(inputs(m.one(T.taskDef)).volumes) as {
        name: string;
        efsVolumeConfiguration?: Record<string, unknown>;
      }[];
      expect(volumes.map((v) => v.name)).to.deep.equal(["scratch", "workspace"]);
      const efsConfig = volumes[1]?.efsVolumeConfiguration as {
        transitEncryption: string;
        authorizationConfig: { iam: string; accessPointId: string };
      };
      expect(efsConfig.transitEncryption).to.equal("ENABLED");
      expect(efsConfig.authorizationConfig.iam).to.equal("ENABLED");
      expect(efsConfig.authorizationConfig.accessPointId).to.match(/^fsap-/);
      expect(inputs(m.one(T.fs))).to.include({ encrypted: true });
      expect(m.ofType(T.mountTarget)).to.have.length(2); // one per task subnet (two AZs)
      expect(inputs(m.one(T.accessPoint)).posixUser).to.deep.equal({ uid: 1000, gid: 1000 });
      // NFS only from the tasks' security group.
      const nfs = byName(m, T.ingress, "dev-workspace-from-tasks");
      expect(inputs(nfs)).to.include({ fromPort: 2049, toPort: 2049, ipProtocol: "tcp" });
      expect(String(inputs(nfs).referencedSecurityGroupId)).to.include("dev-tasks");
      // The task role: mount and write on this file system only, through the access point; no root access.
      const efsPolicy = JSON.parse(String(plain(inputs(byName(m, T.rolePolicy, "dev-task-efs")).policy)));
      expect(efsPolicy.Statement).to.have.length(1);
      expect(efsPolicy.Statement[0].Action).to.deep.equal([
        "elasticfilesystem:ClientMount",
        "elasticfilesystem:ClientWrite",
      ]);
      expect(efsPolicy.Statement[0].Resource).to.match(/^arn:aws:elasticfilesystem:.*:file-system\/fs-/);
      expect(efsPolicy.Statement[0].Condition.StringEquals["elasticfilesystem:AccessPointArn"]).to.match(
        /access-point\/fsap-/,
      );
      const fsPolicy = JSON.parse(String(plain(inputs(m.one(T.fsPolicy)).policy)));
      expect(fsPolicy.Statement[0].Condition.Bool).to.deep.equal({ "aws:SecureTransport": "true" });
      await expectSecretNowherePlain(run);
    });

    it("http with serverImage: an essential sidecar our container waits for; serverEnv goes to the sidecar", async () => {
      const run = await runStack("dev", { ...FARGATE, ...HTTP_SIDECAR, [k("serverWorkspace")]: "/data" });
      const [mcp, sidecar] = containers(run.mocks);
      expect(sidecar?.name).to.equal("upstream");
      expect(sidecar?.image).to.equal("ghcr.io/example/mcp-server:1.2.3");
      expect(mcp?.dependsOn).to.deep.equal([{ containerName: "upstream", condition: "START" }]);
      expect(envOf(mcp as Container)).to.include({
        MCP_UPSTREAM: "http",
        MCP_UPSTREAM_URL: "http://localhost:3000/mcp",
      });
      expect(envOf(mcp as Container)).not.to.have.property(UPSTREAM_ENV.command);
      expect(sidecar?.secrets.map((s) => s.name)).to.deep.equal(["API_TOKEN"]);
      expect(mcp?.secrets.map((s) => s.name)).not.to.include("API_TOKEN");
      expect(mcp?.secrets.map((s) => s.name)).not.to.include(UPSTREAM_ENV.env);
      // No scratch for our container (it runs no child); the (ephemeral) workspace is the sidecar's.
      expect(mcp?.mountPoints).to.deep.equal([]);
      expect(sidecar?.mountPoints.map((x) => x.containerPath)).to.deep.equal(["/data"]);
      expect(run.mocks.ofType(T.fs)).to.deep.equal([]);
      await expectSecretNowherePlain(run);
    });
  });

  describe("cloudrun", () => {
    const CLOUDRUN = { [k("target")]: "cloudrun", "gcp:project": GCP_PROJECT };
    interface Env {
      name: string;
      value?: string;
      valueSource?: { secretKeyRef: { secret: string } };
    }
    interface RunContainer {
      name?: string;
      image: string;
      envs: Env[];
      ports?: { containerPort: number };
      dependsOns?: string[];
      volumeMounts?: { name: string; mountPath: string }[];
    }
    const template = (m: PulumiMocks) =>
      plain(inputs(m.one(T.run)).template) as {
        containers: RunContainer[];
        volumes?: { name: string; emptyDir: { medium: string } }[];
      };

    it("stdio: env in the one container, serverEnv from Secret Manager, workspace in memory", async () => {
      const run = await runStack("dev", { ...CLOUDRUN, ...STDIO, [k("serverWorkspace")]: "/workspace" });
      const t = template(run.mocks);
      expect(t.containers).to.have.length(1);
      const envs = t.containers[0]?.envs ?? [];
      const env = Object.fromEntries(envs.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
      expect(env).to.include({ MCP_UPSTREAM: "stdio" });
      expect(JSON.parse(String(env.MCP_UPSTREAM_COMMAND))).to.deep.equal(MEMORY);
      const upstreamEnv = envs.find((e) => e.name === UPSTREAM_ENV.env);
      expect(upstreamEnv?.value).to.equal(undefined);
      expect(upstreamEnv?.valueSource?.secretKeyRef.secret).to.match(/server-env-1$/);
      const version = byName(run.mocks, T.secretVersion, "dev-server-env-1");
      expect(isSecretInput(inputs(version).secretData)).to.equal(true);
      expect(t.volumes).to.deep.equal([{ name: "workspace", emptyDir: { medium: "MEMORY" } }]);
      expect(t.containers[0]?.volumeMounts).to.deep.equal([{ name: "workspace", mountPath: "/workspace" }]);
      await expectSecretNowherePlain(run);
    });

    it("http with serverImage: a second container; only ours has the port, and it starts after the sidecar", async () => {
      const run = await runStack("dev", { ...CLOUDRUN, ...HTTP_SIDECAR });
      const [mcp, sidecar] = template(run.mocks).containers;
      expect(mcp?.name).to.equal("mcp");
      expect(mcp?.ports).to.deep.equal({ containerPort: 8080 });
      expect(mcp?.dependsOns).to.deep.equal(["upstream"]);
      expect(sidecar?.name).to.equal("upstream");
      expect(sidecar?.image).to.equal("ghcr.io/example/mcp-server:1.2.3");
      expect(sidecar?.ports).to.equal(undefined);
      expect(sidecar?.envs.map((e) => e.name)).to.deep.equal(["API_TOKEN"]);
      expect(sidecar?.envs[0]?.valueSource?.secretKeyRef.secret).to.match(/server-env-1$/);
      expect(mcp?.envs.map((e) => e.name)).not.to.include("API_TOKEN");
      await expectSecretNowherePlain(run);
    });
  });

  describe("ec2", () => {
    const EC2 = { [k("target")]: "ec2" };
    interface ComposeService {
      image: string;
      environment?: Record<string, string>;
      volumes?: string[];
      depends_on?: Record<string, { condition: string }>;
      entrypoint?: string[];
    }

    it("stdio: env in the mcp service, a scratch /tmp and a named workspace volume; serverEnv as a root-only file from SSM", async () => {
      const run = await runStack("dev", { ...EC2, ...STDIO, [k("serverWorkspace")]: "/workspace" });
      const files = ec2HostFiles(run.mocks);
      const compose = parse(files.get("/etc/mcp-anywhere/compose.yaml") ?? "") as {
        services: Record<string, ComposeService>;
        volumes: Record<string, unknown>;
      };
      const mcp = compose.services.mcp as ComposeService;
      expect(mcp.environment).to.include({ MCP_UPSTREAM: "stdio" });
      expect(mcp.environment).not.to.have.property(UPSTREAM_ENV.env);
      expect(mcp.volumes).to.include.members(["scratch:/tmp", "workspace:/workspace"]);
      expect(Object.keys(compose.volumes)).to.deep.equal(["scratch", "workspace"]);
      // The volume is made writable for the app user before the server starts.
      expect(compose.services["workspace-init"]?.entrypoint).to.deep.equal(["chown", "1000:1000", "/workspace"]);
      expect(mcp.depends_on).to.deep.equal({ "workspace-init": { condition: "service_completed_successfully" } });
      // serverEnv: a SecureString parameter holding the secret compose file; the deploy script writes it root-only.
      const p = byName(run.mocks, T.parameter, "dev-server-env-1");
      expect(inputs(p)).to.include({ name: "/mcp-anywhere/dev/server-env/compose", type: "SecureString" });
      expect(isSecretInput(inputs(p).value)).to.equal(true);
      const secretCompose = parse(String(plain(inputs(p).value))) as { services: Record<string, ComposeService> };
      expect(JSON.parse(secretCompose.services.mcp?.environment?.MCP_UPSTREAM_ENV ?? "")).to.deep.equal({
        API_TOKEN: SECRET,
        LOG_LEVEL: "info",
      });
      const deploy = files.get("/usr/local/bin/mcp-anywhere-deploy") ?? "";
      expect(deploy).to.include("(umask 077; aws ssm get-parameter");
      expect(deploy).to.include("--name /mcp-anywhere/dev/server-env/compose:");
      expect(deploy).to.include("-f /etc/mcp-anywhere/compose.yaml -f /etc/mcp-anywhere/secrets/server-env.yaml");
      const instance = JSON.parse(String(plain(inputs(byName(run.mocks, T.rolePolicy, "dev-instance")).policy)));
      const read = instance.Statement.find((s: { Sid: string }) => s.Sid === "ReadApiKeyParameters");
      expect(read.Resource).to.include(
        "arn:aws:ssm:ap-northeast-1:123456789012:parameter/mcp-anywhere/dev/server-env/compose",
      );
      await expectSecretNowherePlain(run);
    });

    it("http with serverImage: the sidecar service with the workspace volume; mcp waits for it", async () => {
      const run = await runStack("dev", { ...EC2, ...HTTP_SIDECAR, [k("serverWorkspace")]: "/data" });
      const compose = parse(ec2HostFiles(run.mocks).get("/etc/mcp-anywhere/compose.yaml") ?? "") as {
        services: Record<string, ComposeService>;
        volumes: Record<string, unknown>;
      };
      expect(compose.services.upstream?.image).to.equal("ghcr.io/example/mcp-server:1.2.3");
      expect(compose.services.upstream?.volumes).to.deep.equal(["workspace:/data"]);
      expect(compose.services.mcp?.depends_on).to.deep.equal({ upstream: { condition: "service_started" } });
      expect(compose.services.mcp?.volumes).to.deep.equal(["/etc/mcp-anywhere/keys:/run/mcp-keys:ro"]);
      expect(compose.services).not.to.have.property("workspace-init");
      expect(Object.keys(compose.volumes)).to.deep.equal(["workspace"]);
      const p = byName(run.mocks, T.parameter, "dev-server-env-1");
      const secretCompose = parse(String(plain(inputs(p).value))) as { services: Record<string, ComposeService> };
      expect(secretCompose.services.upstream?.environment).to.deep.equal({ API_TOKEN: SECRET });
      await expectSecretNowherePlain(run);
    });
  });

  describe("health checks give the user's server time to initialize (/health is 503 until then)", () => {
    /** How long the server gives a starting upstream to answer initialize, ms. */
    const readyBudgetMs = UPSTREAM_DEFAULTS.readyTimeoutMs;
    interface Probe {
      periodSeconds: number;
      failureThreshold: number;
      initialDelaySeconds?: number;
    }
    const startupProbe = (m: PulumiMocks) =>
      (plain(inputs(m.one(T.run)).template) as { containers: { startupProbe: Probe }[] }).containers[0]
        ?.startupProbe as Probe;
    const ecsHealth = (m: PulumiMocks) =>
      (
        JSON.parse(String(plain(inputs(m.one(T.taskDef)).containerDefinitions))) as {
          healthCheck: { startPeriod: number };
        }[]
      )[0]?.healthCheck.startPeriod ?? 0;
    const grace = (m: PulumiMocks) =>
      Number(plain(inputs(m.one("aws:ecs/service:Service")).healthCheckGracePeriodSeconds));

    it("cloudrun: the startup probe waits longer than the ready timeout (at most Cloud Run's 240 s)", async () => {
      const run = await runStack("dev", { [k("target")]: "cloudrun", "gcp:project": GCP_PROJECT, ...STDIO });
      const p = startupProbe(run.mocks);
      const budget = (p.initialDelaySeconds ?? 0) + p.periodSeconds * p.failureThreshold;
      expect(budget * 1000).to.be.greaterThan(readyBudgetMs);
      expect(budget).to.be.at.most(240);
      const builtin = startupProbe(
        (await runStack("dev", { [k("target")]: "cloudrun", "gcp:project": GCP_PROJECT })).mocks,
      );
      expect(builtin.periodSeconds * builtin.failureThreshold, "builtin keeps its short probe").to.equal(30);
    });

    it("fargate: the container health check and the service grace outlast the ready timeout", async () => {
      const run = await runStack("dev", { [k("target")]: "fargate", ...STDIO });
      expect(ecsHealth(run.mocks) * 1000).to.be.greaterThan(readyBudgetMs);
      expect(ecsHealth(run.mocks)).to.be.at.most(300);
      expect(grace(run.mocks) * 1000).to.be.greaterThan(readyBudgetMs);
      const builtin = (await runStack("dev", { [k("target")]: "fargate" })).mocks;
      expect([ecsHealth(builtin), grace(builtin)]).to.deep.equal([10, 30]);
    });
  });
});
