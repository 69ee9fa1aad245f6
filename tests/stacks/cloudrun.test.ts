/** The real stack program for the Cloud Run target, under mocks, with the edge off and on. */
import type * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import {
  GCP_PROJECT,
  inputsOf,
  isSecretInput,
  type RecordedResource,
  resolve,
  unwrapInput,
} from "../helpers/pulumi-mocks.js";
import { plainTexts, runStack, type StackRun } from "../helpers/run-stack.js";

const T = {
  service: "gcp:cloudrunv2/service:Service",
  invoker: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
  secret: "gcp:secretmanager/secret:Secret",
  version: "gcp:secretmanager/secretVersion:SecretVersion",
  secretIam: "gcp:secretmanager/secretIamMember:SecretIamMember",
  account: "gcp:serviceaccount/account:Account",
  repo: "gcp:artifactregistry/repository:Repository",
  image: "docker-build:index:Image",
  armor: "gcp:compute/securityPolicy:SecurityPolicy",
  backend: "gcp:compute/backendService:BackendService",
  neg: "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup",
  cert: "gcp:compute/managedSslCertificate:ManagedSslCertificate",
  rule: "gcp:compute/globalForwardingRule:GlobalForwardingRule",
  provider: "pulumi:providers:gcp",
} as const;

type Inputs = Record<string, unknown>;
const inputs = inputsOf;
const CLOUDRUN = { "mcp-anywhere:target": "cloudrun", "gcp:project": GCP_PROJECT };

interface Container {
  image: string;
  envs: { name: string; value?: string; valueSource?: { secretKeyRef: { secret: string; version: string } } }[];
  resources: { limits: Record<string, string>; cpuIdle: boolean; startupCpuBoost: boolean };
  startupProbe: { httpGet: { path: string } };
  livenessProbe: { httpGet: { path: string } };
}
const template = (r: RecordedResource) => inputs(r).template as Inputs;
const container = (r: RecordedResource) => (template(r).containers as Container[])[0] as Container;

describe("stack program: cloudrun target", function () {
  this.timeout(60_000);

  describe("edge none (dev)", () => {
    let run: StackRun;
    let key: string;
    before(async () => {
      run = await runStack("dev", CLOUDRUN);
      key = run.mocks.ssm.get("/mcp-anywhere/dev/api-keys/default") ?? "";
    });

    it("uses an explicit GCP provider for every GCP resource, from gcp:project and the default region", () => {
      const provider = run.mocks.one(T.provider);
      expect(inputs(provider)).to.include({ project: GCP_PROJECT, region: "asia-northeast1" });
      for (const r of run.mocks.resources.filter((x) => x.type.startsWith("gcp:"))) {
        expect(r.provider, `${r.type} ${r.name}`).to.include(`::${provider.name}::`);
      }
    });

    it("builds the image for linux/amd64 into Artifact Registry, keeping 10, and runs it by digest", () => {
      const repo = inputs(run.mocks.one(T.repo));
      expect(repo).to.include({ format: "DOCKER", location: "asia-northeast1" });
      expect((repo.cleanupPolicies as Inputs[])[0]).to.deep.include({
        action: "KEEP",
        mostRecentVersions: { keepCount: 10 },
      });
      expect(inputs(run.mocks.one(T.image)).platforms).to.deep.equal(["linux/amd64"]);
      expect(container(run.mocks.one(T.service)).image).to.match(
        new RegExp(`^asia-northeast1-docker\\.pkg\\.dev/${GCP_PROJECT}/mcp-anywhere-dev/server@sha256:[0-9a-f]{64}$`),
      );
    });

    it("mirrors the SSM key into Secret Manager as a secret, read with decryption", () => {
      const version = inputs(run.mocks.one(T.version));
      expect(isSecretInput(version.secretData)).to.equal(true);
      expect(unwrapInput(version.secretData)).to.equal(key);
      expect(
        run.mocks.calls.filter((c) => c.token === "aws:ssm/getParameter:getParameter").map((c) => c.inputs),
      ).to.deep.equal([{ name: "/mcp-anywhere/dev/api-keys/default", withDecryption: true }]);
    });

    it("wires the key into the service by secretKeyRef only, with no key value in any plain env", () => {
      const c = container(run.mocks.one(T.service));
      const secretId = String(inputs(run.mocks.one(T.secret)).secretId);
      expect(c.envs.filter((e) => e.valueSource)).to.deep.equal([
        { name: "MCP_API_KEYS_1", valueSource: { secretKeyRef: { secret: secretId, version: "latest" } } },
      ]);
      expect(
        Object.fromEntries(c.envs.filter((e) => e.value !== undefined).map((e) => [e.name, e.value])),
      ).to.deep.equal({
        MCP_TARGET: "cloudrun",
        MCP_PATH: "/mcp",
        MCP_HEALTH_PATH: "/healthz",
        MCP_RATE_LIMIT_RPS: "20",
        MCP_RATE_LIMIT_BURST: "40",
        MCP_RATE_LIMIT_IP_PER_MINUTE: "60",
        MCP_TRUST_PROXY: "1",
      });
      expect(JSON.stringify(c.envs)).not.to.include(key);
    });

    it("grants the dedicated service account secretAccessor on exactly that secret, and nothing else", () => {
      const account = run.mocks.one(T.account);
      const email = `${String(inputs(account).accountId)}@${GCP_PROJECT}.iam.gserviceaccount.com`;
      expect(run.mocks.ofType(T.secretIam).map(inputs)).to.deep.equal([
        {
          secretId: run.mocks.one(T.secret).id,
          role: "roles/secretmanager.secretAccessor",
          member: `serviceAccount:${email}`,
        },
      ]);
      expect(template(run.mocks.one(T.service)).serviceAccount).to.equal(email);
      const projectWide = run.mocks.resources.filter((r) => /projectIam|organizations\/iam/i.test(r.type));
      expect(projectWide, "no project-wide IAM").to.deep.equal([]);
    });

    it("bills per request (cpuIdle), 1 vCPU and 512 MiB, 0 to 10 instances, concurrency 80, 300 s, probes on /healthz", () => {
      const svc = run.mocks.one(T.service);
      const c = container(svc);
      expect(c.resources).to.deep.equal({
        limits: { cpu: "1", memory: "512Mi" },
        cpuIdle: true,
        startupCpuBoost: true,
      });
      expect(template(svc)).to.deep.include({
        scaling: { minInstanceCount: 0, maxInstanceCount: 10 },
        maxInstanceRequestConcurrency: 80,
        timeout: "300s",
      });
      expect(c.startupProbe.httpGet.path).to.equal("/healthz");
      expect(c.livenessProbe.httpGet.path).to.equal("/healthz");
    });

    it("lets anyone invoke (the app enforces the key) and takes traffic from everywhere without an edge", () => {
      expect(inputs(run.mocks.one(T.invoker))).to.include({ role: "roles/run.invoker", member: "allUsers" });
      expect(inputs(run.mocks.one(T.service)).ingress).to.equal("INGRESS_TRAFFIC_ALL");
      expect(run.mocks.ofType(T.armor)).to.have.length(0);
      expect(run.mocks.ofType(T.rule)).to.have.length(0);
    });

    it("exports the run.app URL", async () => {
      expect((await resolve(run.outputs.url)).value).to.match(
        /^https:\/\/mcp-anywhere-dev-[0-9a-f]{10}-an\.a\.run\.app\/mcp$/,
      );
      expect((await resolve(run.outputs.details.edge as pulumi.Output<string>)).value).to.equal("none");
    });

    it("shows the key value in no plain output, input or name", async () => {
      for (const text of await plainTexts(run)) expect(text).not.to.include(key);
    });
  });

  describe("edge loadbalancer", () => {
    let run: StackRun;
    before(async () => {
      run = await runStack("dev", { ...CLOUDRUN, "mcp-anywhere:cloudrunEdge": "loadbalancer" });
    });

    it("locks the service's ingress to load balancers, so the edge cannot be bypassed", () => {
      expect(inputs(run.mocks.one(T.service)).ingress).to.equal("INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER");
      const env = container(run.mocks.one(T.service)).envs.find((e) => e.name === "MCP_TRUST_PROXY");
      expect(env?.value, "one more proxy hop").to.equal("2");
    });

    it("puts a serverless NEG behind a backend service with the Cloud Armor policy", () => {
      expect(inputs(run.mocks.one(T.neg))).to.deep.include({
        networkEndpointType: "SERVERLESS",
        region: "asia-northeast1",
      });
      const backend = inputs(run.mocks.one(T.backend));
      expect(backend.loadBalancingScheme).to.equal("EXTERNAL_MANAGED");
      expect(backend.securityPolicy).to.equal(run.mocks.one(T.armor).state.selfLink);
    });

    it("has Cloud Armor deny keyless requests, throttle per x-api-key header with 429, and throttle per IP", () => {
      const rules = inputs(run.mocks.one(T.armor)).rules as Inputs[];
      const [noKey, perKey, perIp, fallback] = rules;
      expect(noKey).to.deep.include({ action: "deny(403)", priority: 1000 });
      const expression = JSON.stringify(noKey?.match ?? {});
      expect(expression)
        .to.include("!has(request.headers['x-api-key'])")
        .and.include("!request.path.startsWith('/healthz')");
      expect(perKey).to.deep.include({ action: "throttle" });
      expect(perKey?.rateLimitOptions).to.deep.equal({
        conformAction: "allow",
        exceedAction: "deny(429)",
        enforceOnKey: "HTTP_HEADER",
        enforceOnKeyName: "x-api-key",
        rateLimitThreshold: { count: 1200, intervalSec: 60 },
      });
      expect(perIp?.rateLimitOptions).to.deep.include({
        enforceOnKey: "IP",
        exceedAction: "deny(429)",
        rateLimitThreshold: { count: 2400, intervalSec: 60 },
      });
      expect(fallback).to.deep.include({ action: "allow", priority: 2147483647 });
    });

    it("serves HTTPS on a managed certificate for <ip>.nip.io, and exports that URL", async () => {
      expect(inputs(run.mocks.one(T.cert)).managed).to.deep.equal({ domains: ["34-117-42-7.nip.io"] });
      expect(inputs(run.mocks.one(T.rule))).to.include({ portRange: "443", loadBalancingScheme: "EXTERNAL_MANAGED" });
      expect((await resolve(run.outputs.url)).value).to.equal("https://34-117-42-7.nip.io/mcp");
      expect((await resolve(run.outputs.details.edgeIpAddress as pulumi.Output<string>)).value).to.equal("34.117.42.7");
    });

    it("uses a custom domain for the certificate and URL when one is set", async () => {
      const custom = await runStack("dev", {
        ...CLOUDRUN,
        "mcp-anywhere:cloudrunEdge": "loadbalancer",
        "mcp-anywhere:cloudrunDomain": "mcp.example.com",
      });
      expect(inputs(custom.mocks.one(T.cert)).managed).to.deep.equal({ domains: ["mcp.example.com"] });
      expect((await resolve(custom.outputs.url)).value).to.equal("https://mcp.example.com/mcp");
    });

    it("turns the edge on by default for stacks named prod*", async () => {
      const prod = await runStack("prod", { ...CLOUDRUN, "mcp-anywhere:memoryMiB": "512" });
      expect(prod.mocks.ofType(T.armor)).to.have.length(1);
      expect(inputs(prod.mocks.one(T.service)).ingress).to.equal("INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER");
    });
  });
});
