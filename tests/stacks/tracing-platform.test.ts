/**
 * `tracingPlatform` (issue 17, Traces): the platform's collector as a sidecar on the real stack program under mocks —
 * Cloud Run: OpenTelemetry Collector Contrib with the googlecloud exporter, Cloud Trace Agent for the service account,
 * the Cloud Trace API; Fargate: ADOT with awsxray in AOT_CONFIG_CONTENT, non-essential, the task role allowed only the
 * X-Ray writes. Our container exports to the sidecar's loopback receiver. Off by default: nothing added, no cost line.
 */
import { expect } from "chai";
import { parse } from "yaml";
import { COLLECTOR_IMAGES } from "../../infra/core/tracing-platform.js";
import { parseStackConfig, StackConfigError } from "../../stacks/config.js";
import { thrownMessage } from "../helpers/errors.js";
import { GCP_PROJECT, type PulumiMocks, type RecordedResource, unwrapInput } from "../helpers/pulumi-mocks.js";
import { runStack } from "../helpers/run-stack.js";

const ON = { "mcp-anywhere:tracingPlatform": "true" };
const CLOUDRUN = { "mcp-anywhere:target": "cloudrun", "gcp:project": GCP_PROJECT };
const SIDECAR = {
  "mcp-anywhere:serverMode": "http",
  "mcp-anywhere:serverImage": "ghcr.io/example/mcp-server:1.2.3",
  "mcp-anywhere:serverUrl": "http://localhost:3000/mcp",
};
const SVC = "gcp:cloudrunv2/service:Service";
const TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";

interface RunContainer {
  name?: string;
  image: string;
  args?: string[];
  ports?: unknown;
  dependsOns?: string[];
  envs?: { name: string; value?: string }[];
  resources?: { limits: Record<string, string> };
  startupProbe?: { httpGet?: { port?: number } };
}
interface EcsContainer {
  name: string;
  image: string;
  essential: boolean;
  memoryReservation?: number;
  portMappings: unknown[];
  environment: { name: string; value: string }[];
  dependsOn?: { containerName: string; condition: string }[];
}
interface CollectorConfig {
  receivers: { otlp: { protocols: { http: { endpoint: string } } } };
  processors: Record<string, Record<string, unknown>>;
  exporters: Record<string, unknown>;
  service: { pipelines: { traces: { receivers: string[]; processors: string[]; exporters: string[] } } };
}

const containersOf = (m: PulumiMocks) =>
  (unwrapInput(m.one(SVC).inputs.template) as { containers: RunContainer[] }).containers;
const taskContainers = (m: PulumiMocks) =>
  JSON.parse(String(unwrapInput(m.one(TASK_DEF).inputs.containerDefinitions))) as EcsContainer[];
const envOf = (c: RunContainer | undefined) => Object.fromEntries((c?.envs ?? []).map((e) => [e.name, e.value]));
const named = <T extends { name?: string }>(cs: T[], n: string) => cs.find((c) => c.name === n);
const costItems = (items: { item: string }[]) => items.map((l) => l.item);
const iamMembers = (m: PulumiMocks): RecordedResource[] => m.ofType("gcp:projects/iAMMember:IAMMember");

describe("tracingPlatform: the platform's collector sidecar", () => {
  it("off by default: no collector, no Cloud Trace API or role, no X-Ray policy, no trace cost line", async () => {
    const run = await runStack("dev", CLOUDRUN);
    expect(containersOf(run.mocks).map((c) => c.image)).to.not.include(COLLECTOR_IMAGES.cloudrun);
    expect(run.mocks.ofType("gcp:projects/service:Service").map((s) => s.inputs.service)).to.not.include(
      "cloudtrace.googleapis.com",
    );
    expect(iamMembers(run.mocks).filter((r) => r.inputs.role === "roles/cloudtrace.agent")).to.deep.equal([]);
    expect(costItems(run.outputs.costBreakdown).join("\n")).to.not.match(/Cloud Trace|collector sidecar/);

    const fargate = await runStack("dev", { "mcp-anywhere:target": "fargate" });
    expect(taskContainers(fargate.mocks).map((c) => c.name)).to.deep.equal(["mcp"]);
    expect(fargate.mocks.ofType(ROLE_POLICY).map((r) => r.name)).to.not.include("dev-task-xray");
    expect(costItems(fargate.outputs.costBreakdown).join("\n")).to.not.match(/X-Ray/);
  });

  it("cloudrun: the Google-Built collector (Artifact Registry, pinned) with otlp → googlecloud, started before ours, not the ingress", async () => {
    const run = await runStack("dev", { ...CLOUDRUN, ...ON });
    const containers = containersOf(run.mocks);
    const collector = named(containers, "otel-collector");
    // Google's registry, not Docker Hub (no anonymous pull limit; review R2-m9).
    expect(collector?.image).to.equal(
      "us-docker.pkg.dev/cloud-ops-agents-artifacts/google-cloud-opentelemetry-collector/otelcol-google:0.156.0",
    );
    expect(collector?.image).to.match(/^[a-z-]+-docker\.pkg\.dev\/.*:\d+\.\d+\.\d+$/);
    expect(collector?.ports).to.equal(undefined);
    expect(collector?.args).to.deep.equal(["--config=env:OTEL_COLLECTOR_CONFIG"]);
    expect(collector?.resources?.limits).to.deep.equal({ cpu: "1", memory: "512Mi" });
    expect(collector?.startupProbe?.httpGet?.port).to.equal(13133);
    const config = parse(envOf(collector).OTEL_COLLECTOR_CONFIG ?? "") as CollectorConfig;
    expect(config.receivers.otlp.protocols.http.endpoint).to.equal("127.0.0.1:4318");
    expect(Object.keys(config.exporters)).to.deep.equal(["googlecloud"]);
    // Google's sample processors (memory_limiter first, resourcedetection [env, gcp]), then a short batch.
    expect(config.service.pipelines.traces).to.deep.equal({
      receivers: ["otlp"],
      processors: ["memory_limiter", "resourcedetection", "batch"],
      exporters: ["googlecloud"],
    });
    expect(config.processors.memory_limiter).to.deep.equal({
      check_interval: "1s",
      limit_percentage: 65,
      spike_limit_percentage: 20,
    });
    expect(config.processors.resourcedetection).to.deep.equal({
      detectors: ["env", "gcp"],
      timeout: "2s",
      override: false,
    });
    expect(config.processors.batch).to.include({ timeout: "200ms" });
    const mcp = named(containers, "mcp");
    expect(mcp?.ports).to.deep.equal({ containerPort: 8080 });
    expect(mcp?.dependsOns).to.deep.equal(["otel-collector"]);
    expect(envOf(mcp)).to.include({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318",
      OTEL_SERVICE_NAME: "mcp-anywhere-dev",
    });
    expect(envOf(mcp)).to.not.have.property("OTEL_EXPORTER_OTLP_HEADERS");
  });

  it("cloudrun: the service account gets exactly roles/cloudtrace.agent on the project, and the Cloud Trace API is on", async () => {
    const run = await runStack("dev", { ...CLOUDRUN, ...ON });
    const members = iamMembers(run.mocks).filter((r) => r.name === "dev-cloudtrace");
    expect(members).to.have.length(1);
    const m = members[0] as RecordedResource;
    expect(m.inputs.role).to.equal("roles/cloudtrace.agent");
    expect(unwrapInput(m.inputs.project)).to.equal(GCP_PROJECT);
    const account = run.mocks.one("gcp:serviceaccount/account:Account");
    expect(unwrapInput(m.inputs.member)).to.equal(
      `serviceAccount:${String(unwrapInput(account.inputs.accountId))}@${GCP_PROJECT}.iam.gserviceaccount.com`,
    );
    // No other project-level role for the service account.
    expect(iamMembers(run.mocks).filter((r) => r.inputs.member === m.inputs.member)).to.have.length(1);
    const apis = run.mocks.ofType("gcp:projects/service:Service").map((s) => s.inputs.service);
    expect(apis).to.include("cloudtrace.googleapis.com");
  });

  it("cloudrun: both sidecars at once (the user's server and the collector); ours starts after both", async () => {
    const run = await runStack("dev", { ...CLOUDRUN, ...ON, ...SIDECAR });
    const containers = containersOf(run.mocks);
    expect(containers.map((c) => c.name)).to.deep.equal(["mcp", "upstream", "otel-collector"]);
    expect(named(containers, "mcp")?.dependsOns).to.deep.equal(["upstream", "otel-collector"]);
    expect(containers.filter((c) => c.ports !== undefined).map((c) => c.name)).to.deep.equal(["mcp"]);
  });

  it("fargate: ADOT (pinned) non-essential with otlp → awsxray in AOT_CONFIG_CONTENT, started before ours", async () => {
    const run = await runStack("dev", { "mcp-anywhere:target": "fargate", ...ON });
    const containers = taskContainers(run.mocks);
    const collector = containers.find((c) => c.name === "otel-collector");
    expect(collector?.image).to.equal("public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0");
    expect(collector?.essential).to.equal(false);
    expect(collector?.memoryReservation).to.equal(64);
    expect(collector?.portMappings).to.deep.equal([]);
    const env = Object.fromEntries((collector?.environment ?? []).map((e) => [e.name, e.value]));
    const config = parse(env.AOT_CONFIG_CONTENT ?? "") as CollectorConfig;
    expect(config.receivers.otlp.protocols.http.endpoint).to.equal("127.0.0.1:4318");
    expect(config.exporters).to.deep.equal({ awsxray: { region: "ap-northeast-1" } });
    expect(config.service.pipelines.traces.exporters).to.deep.equal(["awsxray"]);
    expect(config.service.pipelines.traces.processors).to.deep.equal(["batch"]);
    const mcp = containers.find((c) => c.name === "mcp");
    expect(mcp?.essential).to.equal(true);
    expect(mcp?.dependsOn).to.deep.equal([{ containerName: "otel-collector", condition: "START" }]);
    const mcpEnv = Object.fromEntries((mcp?.environment ?? []).map((e) => [e.name, e.value]));
    expect(mcpEnv).to.include({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" });
  });

  it("fargate: the task role may call only xray:PutTraceSegments and xray:PutTelemetryRecords", async () => {
    const run = await runStack("dev", { "mcp-anywhere:target": "fargate", ...ON });
    const policy = run.mocks.ofType(ROLE_POLICY).find((r) => r.name === "dev-task-xray");
    expect(policy, "dev-task-xray").to.not.equal(undefined);
    expect(JSON.parse(String(unwrapInput(policy?.inputs.policy)))).to.deep.equal({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "WriteXRayTraces",
          Effect: "Allow",
          Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
          Resource: "*",
        },
      ],
    });
    // The execution role is unchanged: no X-Ray there.
    const exec = String(
      unwrapInput(run.mocks.ofType(ROLE_POLICY).find((r) => r.name === "dev-execution")?.inputs.policy),
    );
    expect(exec).to.not.include("xray:");
  });

  it("fargate with the user's sidecar too: ours starts after both", async () => {
    const run = await runStack("dev", { "mcp-anywhere:target": "fargate", ...ON, ...SIDECAR });
    const containers = taskContainers(run.mocks);
    expect(containers.map((c) => c.name)).to.deep.equal(["mcp", "upstream", "otel-collector"]);
    expect(containers.find((c) => c.name === "mcp")?.dependsOn?.map((d) => d.containerName)).to.deep.equal([
      "upstream",
      "otel-collector",
    ]);
  });

  it("is refused where no collector is wired (lambda, ec2, dockerhost), naming the key and the targets that have one", () => {
    for (const target of ["lambda", "ec2", "dockerhost"]) {
      const message = thrownMessage(
        () =>
          parseStackConfig(
            {
              "aws:region": "ap-northeast-1",
              "mcp-anywhere:target": target,
              "mcp-anywhere:dockerhostAddress": "192.0.2.10",
              "mcp-anywhere:dockerhostKnownHosts":
                "192.0.2.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
              ...ON,
            },
            "mcp-anywhere",
            "dev",
          ),
        StackConfigError,
      );
      expect(message, target).to.match(
        new RegExp(
          `mcp-anywhere:tracingPlatform="true" is not available on target ${target} .*wired on cloudrun, fargate`,
        ),
      );
    }
  });

  it("cost: one trace store line per request when on (X-Ray on fargate; Cloud Trace plus the sidecar on cloudrun)", async () => {
    const requests = { "mcp-anywhere:usageRequestsPerMonth": "3000000" };
    const fargate = await runStack("dev", { "mcp-anywhere:target": "fargate", ...ON, ...requests });
    const xray = fargate.outputs.costBreakdown.find((l) => /X-Ray traces recorded/.test(l.item));
    expect(xray?.quantity).to.be.closeTo(3, 1e-9); // 3M traces, no free tier by default
    expect(xray?.unitPriceUsd).to.equal(5);
    expect(xray?.monthlyUsd).to.be.closeTo(15, 1e-9);

    const cloudrun = await runStack("dev", { ...CLOUDRUN, ...ON, ...requests });
    const items = cloudrun.outputs.costBreakdown;
    const spans = items.find((l) => /Cloud Trace spans ingested/.test(l.item));
    expect(spans?.quantity).to.be.closeTo(3, 1e-9);
    expect(spans?.unitPriceUsd).to.equal(0.2);
    const ourCpu = items.find((l) => l.item === "Cloud Run vCPU (request-based)");
    const sidecarCpu = items.find((l) => /vCPU, collector sidecar/.test(l.item));
    // 1 vCPU like ours (default cpu 1), for the same instance time.
    expect(sidecarCpu?.quantity).to.be.closeTo(ourCpu?.quantity ?? -1, 1e-6);
    expect(items.some((l) => /memory, collector sidecar/.test(l.item))).to.equal(true);
    // Idle: nothing per request.
    expect(cloudrun.outputs.idleMonthlyCostUsd).to.be.a("number");
  });
});
