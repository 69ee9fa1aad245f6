/**
 * Traces, deploy side: the stack's `otelEndpoint`/`otelHeaders` reach the server's environment as the standard
 * OpenTelemetry variables (infra/core/tracing.ts), with the headers only as a Pulumi secret (infra/tracing-env.ts) and,
 * on fargate, cloudrun and ec2, only through the target's secret path for serverEnv (infra/upstream-secrets.ts), on
 * the real stack program under mocks. Off by default: no variable at all.
 */
import { expect } from "chai";
import { parse } from "yaml";
import { otlpHeadersValue } from "../../infra/core/tracing.js";
import { tracingHeadersWarning } from "../../stacks/tracing.js";
import { ec2HostFiles } from "../helpers/ec2-host-files.js";
import {
  GCP_PROJECT,
  isSecretInput,
  type PulumiMocks,
  type RecordedResource,
  unwrapInput,
} from "../helpers/pulumi-mocks.js";
import { plainTexts, runStack, type StackRun } from "../helpers/run-stack.js";

const ENDPOINT = "https://otlp.example.com:4318";
const TOKEN = "collector-token-6f1c0f2a9b8e4d7c";
const TRACING = {
  "mcp-anywhere:otelEndpoint": ENDPOINT,
  "mcp-anywhere:otelHeaders": JSON.stringify([`Authorization=Bearer ${TOKEN}`, "x-team=a,b"]),
};
/** The OTEL_EXPORTER_OTLP_HEADERS value TRACING gives. */
const HEADERS = `Authorization=Bearer%20${TOKEN},x-team=a%2Cb`;
const PARAMETER = "/mcp-anywhere/dev/tracing/OTEL_EXPORTER_OTLP_HEADERS";
const PARAMETER_ARN = `arn:aws:ssm:ap-northeast-1:123456789012:parameter${PARAMETER}`;
const T = {
  taskDef: "aws:ecs/taskDefinition:TaskDefinition",
  parameter: "aws:ssm/parameter:Parameter",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  document: "aws:ssm/document:Document",
} as const;
interface SecretRef {
  secret: string;
  version: string;
}

const byName = (m: PulumiMocks, type: string, name: string): RecordedResource => {
  const r = m.ofType(type).find((x) => x.name === name);
  if (!r) throw new Error(`no ${type} named ${name}`);
  return r;
};

/** The token appears in none of the run's plain inputs, outputs or names (which must not be empty). */
async function expectTokenNowherePlain(run: StackRun): Promise<void> {
  const texts = await plainTexts(run);
  expect(texts.length).to.be.greaterThan(10);
  for (const text of texts) expect(text).to.not.include(TOKEN);
}

/** The function's variables. With a secret among them Pulumi sends the whole `environment` as one secret. */
const lambdaEnv = (m: PulumiMocks) =>
  ((unwrapInput(m.one("aws:lambda/function:Function").inputs.environment) as { variables?: Record<string, unknown> })
    .variables ?? {}) as Record<string, unknown>;

describe("traces: deploy wiring", () => {
  it("encodes headers the way the OTLP exporter parses them (values percent-encoded)", () => {
    expect(otlpHeadersValue({ Authorization: "Bearer a b", "x-team": "a,b" })).to.equal(
      "Authorization=Bearer%20a%20b,x-team=a%2Cb",
    );
    expect(otlpHeadersValue({})).to.equal("");
  });

  it("off by default: no OTEL_ variable reaches the function", async () => {
    const { mocks } = await runStack("dev");
    expect(Object.keys(lambdaEnv(mocks)).filter((k) => k.startsWith("OTEL_"))).to.deep.equal([]);
  });

  it("lambda: endpoint and service name in plain, the headers only as a secret", async () => {
    const run = await runStack("dev", TRACING);
    const env = lambdaEnv(run.mocks);
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).to.equal(ENDPOINT);
    expect(env.OTEL_SERVICE_NAME).to.equal("mcp-anywhere-dev");
    expect(isSecretInput(run.mocks.one("aws:lambda/function:Function").inputs.environment)).to.equal(true);
    expect(env.OTEL_EXPORTER_OTLP_HEADERS).to.equal(HEADERS);
    await expectTokenNowherePlain(run);
  });

  it("cloudrun: endpoint and service name in plain; the headers only from Secret Manager, read by the service account", async () => {
    const run = await runStack("dev", {
      ...TRACING,
      "mcp-anywhere:target": "cloudrun",
      "gcp:project": GCP_PROJECT,
    });
    const template = unwrapInput(run.mocks.one("gcp:cloudrunv2/service:Service").inputs.template) as {
      containers: { envs: { name: string; value?: unknown; valueSource?: { secretKeyRef: SecretRef } }[] }[];
    };
    const envs = template.containers[0]?.envs ?? [];
    expect(envs.find((e) => e.name === "OTEL_EXPORTER_OTLP_ENDPOINT")?.value).to.equal(ENDPOINT);
    expect(envs.find((e) => e.name === "OTEL_SERVICE_NAME")?.value).to.equal("mcp-anywhere-dev");
    const headers = envs.find((e) => e.name === "OTEL_EXPORTER_OTLP_HEADERS");
    expect(headers?.value).to.equal(undefined);
    const secret = byName(run.mocks, "gcp:secretmanager/secret:Secret", "dev-tracing-1");
    expect(headers?.valueSource?.secretKeyRef.secret).to.equal(unwrapInput(secret.inputs.secretId));
    // Pinned to the version this update wrote, not "latest".
    expect(headers?.valueSource?.secretKeyRef.version).to.not.equal("latest");
    const version = byName(run.mocks, "gcp:secretmanager/secretVersion:SecretVersion", "dev-tracing-1");
    expect(isSecretInput(version.inputs.secretData)).to.equal(true);
    expect(unwrapInput(version.inputs.secretData)).to.equal(HEADERS);
    const access = byName(run.mocks, "gcp:secretmanager/secretIamMember:SecretIamMember", "dev-tracing-1");
    expect(access.inputs).to.include({ role: "roles/secretmanager.secretAccessor" });
    expect(String(unwrapInput(access.inputs.member))).to.match(/^serviceAccount:/);
    await expectTokenNowherePlain(run);
  });

  it("fargate: the headers as an SSM SecureString, an ECS secret of our container, readable by the execution role only", async () => {
    const run = await runStack("dev", { ...TRACING, "mcp-anywhere:target": "fargate" });
    const [mcp] = JSON.parse(String(unwrapInput(run.mocks.one(T.taskDef).inputs.containerDefinitions))) as {
      name: string;
      environment: { name: string; value: string }[];
      secrets: { name: string; valueFrom: string }[];
    }[];
    expect(mcp?.name).to.equal("mcp");
    const env = Object.fromEntries((mcp?.environment ?? []).map((e) => [e.name, e.value]));
    expect(env).to.include({ OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT, OTEL_SERVICE_NAME: "mcp-anywhere-dev" });
    expect(env).to.not.have.property("OTEL_EXPORTER_OTLP_HEADERS");
    const p = byName(run.mocks, T.parameter, "dev-tracing-1");
    expect(p.inputs).to.include({ name: PARAMETER, type: "SecureString" });
    expect(isSecretInput(p.inputs.value)).to.equal(true);
    expect(unwrapInput(p.inputs.value)).to.equal(HEADERS);
    expect(mcp?.secrets).to.deep.include({ name: "OTEL_EXPORTER_OTLP_HEADERS", valueFrom: PARAMETER_ARN });
    const exec = JSON.parse(String(unwrapInput(byName(run.mocks, T.rolePolicy, "dev-execution").inputs.policy)));
    const read = exec.Statement.find((x: { Sid: string }) => x.Sid === "ReadApiKeyParameters");
    expect(read.Resource).to.include(PARAMETER_ARN);
    // The task role (the server's own AWS identity) gets no read of it.
    expect(run.mocks.ofType(T.rolePolicy).map((r) => r.name)).to.not.include("dev-task");
    await expectTokenNowherePlain(run);
  });

  it("fargate with a sidecar: serverEnv goes to the sidecar, the headers to our container only", async () => {
    const run = await runStack("dev", {
      ...TRACING,
      "mcp-anywhere:target": "fargate",
      "mcp-anywhere:serverMode": "http",
      "mcp-anywhere:serverImage": "ghcr.io/example/mcp-server:1.2.3",
      "mcp-anywhere:serverUrl": "http://localhost:3000/mcp",
      "mcp-anywhere:serverEnv": JSON.stringify(["API_TOKEN=x"]),
    });
    const containers = JSON.parse(String(unwrapInput(run.mocks.one(T.taskDef).inputs.containerDefinitions))) as {
      name: string;
      secrets: { name: string }[];
    }[];
    const secretsOf = (n: string) => containers.find((c) => c.name === n)?.secrets.map((x) => x.name);
    expect(secretsOf("mcp")).to.include("OTEL_EXPORTER_OTLP_HEADERS").and.not.include("API_TOKEN");
    expect(secretsOf("upstream")).to.deep.equal(["API_TOKEN"]);
    // serverEnv keeps its own parameter and resource names.
    expect(byName(run.mocks, T.parameter, "dev-server-env-1").inputs.name).to.equal(
      "/mcp-anywhere/dev/server-env/API_TOKEN",
    );
    await expectTokenNowherePlain(run);
  });

  it("ec2: the headers in the root-only secret compose file from SSM, set on the mcp service only", async () => {
    const run = await runStack("dev", { ...TRACING, "mcp-anywhere:target": "ec2" });
    const files = ec2HostFiles(run.mocks);
    const compose = parse(files.get("/etc/mcp-anywhere/compose.yaml") ?? "") as {
      services: Record<string, { environment?: Record<string, string> }>;
    };
    expect(compose.services.mcp?.environment).to.include({ OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT });
    expect(compose.services.mcp?.environment).to.not.have.property("OTEL_EXPORTER_OTLP_HEADERS");
    const p = byName(run.mocks, T.parameter, "dev-server-env-1");
    expect(p.inputs).to.include({ name: "/mcp-anywhere/dev/server-env/compose", type: "SecureString" });
    expect(isSecretInput(p.inputs.value)).to.equal(true);
    const secret = parse(String(unwrapInput(p.inputs.value))) as {
      services: Record<string, { environment: Record<string, string> }>;
    };
    expect(secret.services).to.deep.equal({ mcp: { environment: { OTEL_EXPORTER_OTLP_HEADERS: HEADERS } } });
    const deploy = files.get("/usr/local/bin/mcp-anywhere-deploy") ?? "";
    expect(deploy).to.include("--name /mcp-anywhere/dev/server-env/compose:");
    expect(deploy).to.include("-f /etc/mcp-anywhere/compose.yaml -f /etc/mcp-anywhere/secrets/server-env.yaml");
    const policy = JSON.parse(String(unwrapInput(byName(run.mocks, T.rolePolicy, "dev-instance").inputs.policy)));
    const read = policy.Statement.find((x: { Sid: string }) => x.Sid === "ReadApiKeyParameters");
    expect(read.Resource).to.include(
      "arn:aws:ssm:ap-northeast-1:123456789012:parameter/mcp-anywhere/dev/server-env/compose",
    );
    await expectTokenNowherePlain(run);
  });

  it("warns only for targets without a secret path for the headers (dockerhost), naming no value", () => {
    for (const target of ["lambda", "fargate", "cloudrun", "ec2"] as const) {
      expect(tracingHeadersWarning({ target, tracing: { endpoint: ENDPOINT, headers: { a: TOKEN } } })).to.equal(
        undefined,
      );
    }
    const warning = tracingHeadersWarning({
      target: "dockerhost",
      tracing: { endpoint: ENDPOINT, headers: { Authorization: TOKEN } },
    });
    expect(warning).to.match(/otelHeaders is set but target dockerhost does not pass/);
    expect(warning).to.not.include(TOKEN);
  });
});
