/** The real stack program for the Cloud Run target, under mocks, with the edge off and on. */
import type * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { cloudRunProbes } from "../../components/cloudrun-mcp-service.js";
import { DEPLOY_DEFAULTS } from "../../infra/core/defaults.js";
import { CLOUD_RUN_CPUS, cloudRunSizeProblem } from "../../infra/core/sizes.js";
import { GOOGLE_APIS } from "../../infra/google-apis.js";
import { type ArmorDecision, ArmorPolicy, type ArmorRequest, type ArmorRule } from "../helpers/cloud-armor.js";
import {
  GCP_PROJECT,
  inputsOf,
  isSecretInput,
  type RecordedResource,
  resolve,
  unwrapInput,
} from "../helpers/pulumi-mocks.js";
import { resourceOptions } from "../helpers/resource-options.js";
import { attempt, plainTexts, runStack, type StackRun } from "../helpers/run-stack.js";

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
  api: "gcp:projects/service:Service",
} as const;

/** The API each resource type calls (B1); a GCP type missing here fails the dependency test until it is added. */
const API_OF: [prefix: string, api: keyof typeof GOOGLE_APIS][] = [
  ["gcp:cloudrunv2/", "run"],
  ["gcp:secretmanager/", "secretmanager"],
  ["gcp:serviceaccount/", "iam"],
  ["gcp:artifactregistry/", "artifactregistry"],
  ["docker-build:index:Image", "artifactregistry"],
  ["gcp:compute/", "compute"],
];

const options = resourceOptions();
/** `<type>::<name>` of a URN (`urn:pulumi:<stack>::<project>::<parent$…$type>::<name>`). */
const keyOfUrn = (urn: string) => {
  const parts = urn.split("::");
  return `${(parts[2] ?? "").split("$").pop()}::${parts.slice(3).join("::")}`;
};
/** Every resource `type::name` depends on, directly or through others (the engine orders by this closure). */
function dependencyClosure(key: string): Set<string> {
  const seen = new Set<string>();
  const todo = [key];
  while (todo.length > 0) {
    const next = todo.pop() as string;
    for (const urn of options.get(next)?.dependencies ?? []) {
      const k = keyOfUrn(urn);
      if (!seen.has(k)) {
        seen.add(k);
        todo.push(k);
      }
    }
  }
  return seen;
}

interface Probe {
  httpGet: { path: string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}

/**
 * The Cloud Run Admin API v2 `Probe` rules (https://cloud.google.com/run/docs/reference/rest/v2/Container#Probe and
 * @pulumi/gcp's `ServiceTemplateContainerStartupProbe` docs): period "Must be greater or equal than timeout_seconds";
 * period 1 to 240 (startup) or 3600 (liveness), default 10; timeout at least 1, default 1; initial delay 0 to 240
 * (startup) or 3600 (liveness); failure threshold at least 1, default 3; and a startup probe's
 * failureThreshold × periodSeconds at most 240 s (https://cloud.google.com/run/docs/configuring/healthchecks).
 * @returns every broken rule, empty when the probe is valid.
 */
function probeProblems(kind: "startup" | "liveness", p: Probe): string[] {
  const period = p.periodSeconds ?? 10;
  const timeout = p.timeoutSeconds ?? 1;
  const delay = p.initialDelaySeconds ?? 0;
  const failures = p.failureThreshold ?? 3;
  const max = kind === "startup" ? 240 : 3600;
  const problems: string[] = [];
  if (period < timeout) problems.push(`${kind}: periodSeconds ${period} < timeoutSeconds ${timeout}`);
  if (period < 1 || period > max) problems.push(`${kind}: periodSeconds ${period} outside 1..${max}`);
  if (timeout < 1) problems.push(`${kind}: timeoutSeconds ${timeout} < 1`);
  if (delay < 0 || delay > max) problems.push(`${kind}: initialDelaySeconds ${delay} outside 0..${max}`);
  if (failures < 1) problems.push(`${kind}: failureThreshold ${failures} < 1`);
  if (kind === "startup" && failures * period > 240) problems.push(`startup: ${failures} × ${period} s > 240 s`);
  return problems;
}

type Inputs = Record<string, unknown>;

/**
 * Asserts that every GCP resource (and the image push) depends, directly or through another resource, on the
 * `gcp.projects.Service` of the API it calls, and that every GCP type is in {@link API_OF}.
 */
function checkApiDependencies(run: StackRun, deps: Map<string, Set<string>>): void {
  const apiKey = new Map(run.mocks.ofType(T.api).map((r) => [String(inputs(r).service), `${T.api}::${r.name}`]));
  const users = run.mocks.resources.filter(
    (r) => (r.type.startsWith("gcp:") && r.type !== T.api) || r.type === "docker-build:index:Image",
  );
  expect(users.length).to.be.greaterThan(5);
  for (const r of users) {
    const api = API_OF.find(([prefix]) => r.type.startsWith(prefix))?.[1];
    expect(api, `${r.type}: which API does it call? add it to API_OF`).not.to.equal(undefined);
    const service = apiKey.get(GOOGLE_APIS[api as keyof typeof GOOGLE_APIS]);
    expect(service, `${api} is enabled`).not.to.equal(undefined);
    expect([...(deps.get(`${r.type}::${r.name}`) ?? [])], `${r.type} ${r.name} waits for ${api}`).to.include(service);
  }
}
const inputs = inputsOf;
const CLOUDRUN = { "mcp-anywhere:target": "cloudrun", "gcp:project": GCP_PROJECT };

interface Container {
  image: string;
  envs: { name: string; value?: string; valueSource?: { secretKeyRef: { secret: string; version: string } } }[];
  resources: { limits: Record<string, string>; cpuIdle: boolean; startupCpuBoost: boolean };
  startupProbe: Probe;
  livenessProbe: Probe;
}
const template = (r: RecordedResource) => inputs(r).template as Inputs;
const container = (r: RecordedResource) => (template(r).containers as Container[])[0] as Container;

describe("stack program: cloudrun target", function () {
  this.timeout(60_000);

  describe("edge none (dev)", () => {
    let run: StackRun;
    let key: string;
    let deps: Map<string, Set<string>>;
    before(async () => {
      run = await runStack("dev", CLOUDRUN);
      key = run.mocks.ssm.get("/mcp-anywhere/dev/api-keys/default") ?? "";
      deps = new Map(
        run.mocks.resources.map((r) => [`${r.type}::${r.name}`, dependencyClosure(`${r.type}::${r.name}`)]),
      );
    });

    it("enables run, secretmanager, artifactregistry and iam (not compute), never disabling them on destroy (B1)", () => {
      const apis = run.mocks.ofType(T.api).map(inputs);
      expect(apis.map((a) => a.service).sort()).to.deep.equal(
        [GOOGLE_APIS.run, GOOGLE_APIS.secretmanager, GOOGLE_APIS.artifactregistry, GOOGLE_APIS.iam].sort(),
      );
      for (const a of apis) expect(a).to.include({ disableOnDestroy: false, disableDependentServices: false });
    });

    it("makes every resource that calls a Google API wait for that API (B1)", () => {
      checkApiDependencies(run, deps);
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
      const version = String(run.mocks.one(T.version).state.version);
      expect(version).to.match(/^[0-9]+$/);
      expect(c.envs.filter((e) => e.valueSource)).to.deep.equal([
        { name: "MCP_API_KEYS_1", valueSource: { secretKeyRef: { secret: secretId, version } } },
      ]);
      expect(
        Object.fromEntries(c.envs.filter((e) => e.value !== undefined).map((e) => [e.name, e.value])),
      ).to.deep.equal({
        MCP_TARGET: "cloudrun",
        MCP_PATH: "/mcp",
        MCP_HEALTH_PATH: DEPLOY_DEFAULTS.healthPath,
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

    it("bills per request (cpuIdle), 1 vCPU and 512 MiB, 0 to 10 instances, concurrency 80, 300 s, probes on the health path", () => {
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
      expect(c.startupProbe.httpGet.path).to.equal(DEPLOY_DEFAULTS.healthPath);
      expect(c.livenessProbe.httpGet.path).to.equal(DEPLOY_DEFAULTS.healthPath);
    });

    it("lets anyone invoke with the invoker IAM check off, no allUsers binding anywhere (B2), from everywhere", () => {
      expect(inputs(run.mocks.one(T.service)).invokerIamDisabled).to.equal(true);
      expect(run.mocks.ofType(T.invoker)).to.have.length(0);
      const iam = run.mocks.resources.filter((r) => /iam(member|binding|policy)/i.test(r.type));
      expect(iam.length, "the secret grant is still there").to.be.greaterThan(0);
      for (const r of iam)
        expect(JSON.stringify(inputs(r)), `${r.type} ${r.name}`).not.to.match(/allUsers|allAuthenticatedUsers/);
      expect(inputs(run.mocks.one(T.service)).ingress).to.equal("INGRESS_TRAFFIC_ALL");
      expect(run.mocks.ofType(T.armor)).to.have.length(0);
      expect(run.mocks.ofType(T.rule)).to.have.length(0);
    });

    it("does not build the image during `pulumi preview` (m5)", () => {
      expect(inputs(run.mocks.one(T.image)).buildOnPreview).to.equal(false);
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
    let deps: Map<string, Set<string>>;
    before(async () => {
      run = await runStack("dev", { ...CLOUDRUN, "mcp-anywhere:cloudrunEdge": "loadbalancer" });
      deps = new Map(
        run.mocks.resources.map((r) => [`${r.type}::${r.name}`, dependencyClosure(`${r.type}::${r.name}`)]),
      );
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

    it("enables compute too, and every resource that calls a Google API waits for it (B1)", () => {
      expect(run.mocks.ofType(T.api).map((r) => inputs(r).service)).to.include(GOOGLE_APIS.compute);
      checkApiDependencies(run, deps);
    });

    describe("Cloud Armor, evaluated rule by rule, first match wins (M2)", () => {
      let rules: ArmorRule[];
      const valid = "V".repeat(40);
      const at = (ip: string, headers: Record<string, string> = {}, path = "/mcp"): ArmorRequest => ({
        ip,
        path,
        headers,
      });
      const actions = (ds: ArmorDecision[]) => ds.map((d) => d.action);
      const perIp = DEPLOY_DEFAULTS.rateLimit.requestsPerSecond * 60; // the key's rate, per minute
      before(() => {
        rules = inputs(run.mocks.one(T.armor)).rules as ArmorRule[];
      });

      it("denies a request with no key header (403), and lets the health check through, throttled per IP", () => {
        const policy = new ArmorPolicy(rules);
        expect(policy.evaluate(at("198.51.100.1")).action).to.equal("deny(403)");
        const health = policy.send(perIp + 1, () => at("198.51.100.1", {}, DEPLOY_DEFAULTS.healthPath));
        expect(actions(health.slice(0, perIp)).every((a) => a === "allow")).to.equal(true);
        expect(health[perIp]?.action).to.equal("deny(429)");
      });

      it("throttles made-up keys per IP: a fresh random key on every request does not escape", () => {
        const policy = new ArmorPolicy(rules);
        const ds = policy.send(perIp + 5, (i) => at("203.0.113.9", { "x-api-key": `random-${i}-${Math.random()}` }));
        expect(actions(ds.slice(0, perIp)).every((a) => a === "allow")).to.equal(true);
        expect(actions(ds.slice(perIp))).to.deep.equal(Array(5).fill("deny(429)"));
        const bearer = new ArmorPolicy(rules).send(perIp + 1, (i) =>
          at("203.0.113.9", { authorization: `Bearer r${i}` }),
        );
        expect(bearer[perIp]?.action, "Authorization only").to.equal("deny(429)");
      });

      it("stops a valid key over its rate (rps × 60 per minute) from one address at the edge", () => {
        const policy = new ArmorPolicy(rules);
        const ds = policy.send(perIp + 1, () => at("192.0.2.7", { "x-api-key": valid }));
        expect(ds[perIp - 1]?.action).to.equal("allow");
        expect(ds[perIp]?.action).to.equal("deny(429)");
      });

      it("stops a keyed client over the per-IP limit whichever keys it mixes, and leaves other IPs alone", () => {
        const policy = new ArmorPolicy(rules);
        const ds = policy.send(perIp + 1, (i) => at("192.0.2.8", { "x-api-key": i % 2 === 0 ? valid : `other-${i}` }));
        expect(ds[perIp]?.action).to.equal("deny(429)");
        expect(policy.evaluate(at("192.0.2.99", { "x-api-key": valid })).action, "another IP").to.equal("allow");
      });

      it("counts every request that is not denied outright in one throttle keyed on the client IP", () => {
        const policy = new ArmorPolicy(rules);
        const kinds = [
          at("192.0.2.1", { "x-api-key": valid }),
          at("192.0.2.1", { "x-api-key": "made-up" }),
          at("192.0.2.1", { authorization: "Bearer x" }),
          at("192.0.2.1", {}, DEPLOY_DEFAULTS.healthPath),
        ];
        const throttles = new Set(kinds.map((r) => policy.evaluate(r).priority));
        expect(throttles.size, "one throttle for all of them").to.equal(1);
        const throttle = rules.find((r) => r.priority === [...throttles][0]);
        expect(throttle?.action).to.equal("throttle");
        expect(throttle?.rateLimitOptions).to.deep.include({ enforceOnKey: "IP", exceedAction: "deny(429)" });
      });
    });

    describe("no part of an API key in load-balancer logs (M3, m3)", () => {
      it("keys every rate limit on the client IP, never on a header or cookie", () => {
        const rules = inputs(run.mocks.one(T.armor)).rules as ArmorRule[];
        const limited = rules.filter((r) => r.rateLimitOptions !== undefined);
        expect(limited.length).to.be.greaterThan(0);
        for (const r of limited) {
          expect(r.rateLimitOptions?.enforceOnKey, `rule ${r.priority}`).to.equal("IP");
          expect(r.rateLimitOptions?.enforceOnKeyName).to.equal(undefined);
          expect(r.rateLimitOptions?.enforceOnKeyConfigs).to.equal(undefined);
        }
      });

      it("logs only the client IP as the rate-limit key, for every kind of request", () => {
        const policy = new ArmorPolicy(inputs(run.mocks.one(T.armor)).rules as ArmorRule[]);
        const secret = "K".repeat(8) + "x".repeat(32);
        const kinds: Record<string, string>[] = [{ "x-api-key": secret }, { authorization: `Bearer ${secret}` }];
        for (const headers of kinds) {
          const d = policy.evaluate({ ip: "198.51.100.23", path: "/mcp", headers });
          expect(d.loggedKey).to.equal("198.51.100.23");
          expect(d.loggedKey).not.to.include(secret.slice(0, 8));
        }
      });

      it("samples 10% of requests into the backend's log, with no optional fields", () => {
        const log = inputs(run.mocks.one(T.backend)).logConfig as Inputs;
        expect(log).to.deep.equal({ enable: true, sampleRate: 0.1 });
        expect(inputs(run.mocks.one(T.backend))).not.to.have.any.keys("customRequestHeaders", "customResponseHeaders");
      });
    });

    describe("per-tool throttles (toolRateLimits), evaluated rule by rule with multi-key throttles", () => {
      // dev: 20 requests/s per key, so 1,200 per minute per IP; estimate_cost 2/s = 120, fast.tool 100/s capped to 1,200.
      const perIp = DEPLOY_DEFAULTS.rateLimit.requestsPerSecond * 60;
      const estimate = 120;
      let rules: ArmorRule[];
      let tooled: StackRun;
      const key = "K".repeat(8) + "s".repeat(32);
      const call = (ip: string, tool?: string, headers: Record<string, string> = { "x-api-key": key }) => ({
        ip,
        path: "/mcp",
        headers: { ...headers, ...(tool === undefined ? {} : { "mcp-method": "tools/call", "mcp-name": tool }) },
      });
      const actions = (ds: ArmorDecision[]) => ds.map((d) => d.action);
      before(async () => {
        tooled = await runStack("dev", {
          ...CLOUDRUN,
          "mcp-anywhere:cloudrunEdge": "loadbalancer",
          "mcp-anywhere:toolRateLimits": '["estimate_cost=2","fast.tool=100"]',
        });
        rules = inputs(tooled.mocks.one(T.armor)).rules as ArmorRule[];
      });

      it("puts one throttle per tool between the no-key deny and the per-IP throttle, keyed on IP + mcp-name", () => {
        expect(rules.map((r) => r.priority)).to.deep.equal([1000, 1500, 1501, 2000, 2147483647]);
        const tool = rules.find((r) => r.priority === 1500);
        expect(tool?.match.expr?.expression).to.equal(
          "has(request.headers['mcp-name']) && request.headers['mcp-name'] == 'estimate_cost'",
        );
        expect(tool?.rateLimitOptions).to.deep.equal({
          conformAction: "allow",
          exceedAction: "deny(429)",
          enforceOnKeyConfigs: [
            { enforceOnKeyType: "IP" },
            { enforceOnKeyType: "HTTP_HEADER", enforceOnKeyName: "mcp-name" },
          ],
          rateLimitThreshold: { count: estimate, intervalSec: 60 },
        });
        expect(rules.find((r) => r.priority === 1501)?.rateLimitOptions?.rateLimitThreshold.count, "capped").to.equal(
          perIp,
        );
      });

      it("stops a burst on one tool from one address at the tool's limit; another tool and another address pass", () => {
        const policy = new ArmorPolicy(rules);
        const burst = policy.send(estimate + 1, () => call("192.0.2.10", "estimate_cost"));
        expect(actions(burst.slice(0, estimate)).every((a) => a === "allow")).to.equal(true);
        expect(burst[estimate]).to.deep.include({ action: "deny(429)", priority: 1500 });
        expect(policy.evaluate(call("192.0.2.10", "echo")).action, "same IP, a tool not listed").to.equal("allow");
        expect(policy.evaluate(call("192.0.2.11", "estimate_cost")).action, "another IP, same tool").to.equal("allow");
      });

      it("lets no request escape the per-IP throttle through Mcp-Name: made-up, absent or mis-cased names meet it", () => {
        for (const name of [(i: number) => `tool-${i}`, () => undefined, () => "ESTIMATE_COST"]) {
          const policy = new ArmorPolicy(rules);
          const ds = policy.send(perIp + 1, (i) => call("198.51.100.40", name(i)));
          expect(new Set(ds.map((d) => d.priority))).to.deep.equal(new Set([2000]));
          expect(ds[perIp]?.action).to.equal("deny(429)");
        }
        const keyless = new ArmorPolicy(rules).evaluate(call("198.51.100.41", "estimate_cost", {}));
        expect(keyless.action, "no key: denied before any throttle").to.equal("deny(403)");
      });

      it("bounds one address's total at the per-IP limit plus each listed tool's, whatever it sends", () => {
        const policy = new ArmorPolicy(rules);
        const ip = "203.0.113.50";
        const sent = [
          ...policy.send(perIp + 1, (i) => call(ip, i % 2 ? "echo" : undefined)),
          ...policy.send(estimate + 1, () => call(ip, "estimate_cost")),
          ...policy.send(perIp + 1, () => call(ip, "fast.tool")),
          ...policy.send(50, (i) => call(ip, `made-up-${i}`, { "x-api-key": `random-${i}` })),
        ];
        const allowed = sent.filter((d) => d.action === "allow").length;
        expect(allowed).to.equal(perIp + estimate + perIp);
      });

      it("logs only the client IP and the tool name as the rate-limit key, never a key header", () => {
        for (const r of rules.filter((x) => x.rateLimitOptions !== undefined)) {
          const configs = r.rateLimitOptions?.enforceOnKeyConfigs ?? [
            {
              enforceOnKeyType: r.rateLimitOptions?.enforceOnKey,
              enforceOnKeyName: r.rateLimitOptions?.enforceOnKeyName,
            },
          ];
          for (const c of configs) {
            expect(
              [
                ["IP", ""],
                ["HTTP_HEADER", "mcp-name"],
              ].some(([t, n]) => t === c.enforceOnKeyType && n === (c.enforceOnKeyName ?? "")),
              `rule ${r.priority} keys on ${c.enforceOnKeyType} ${c.enforceOnKeyName ?? ""}`,
            ).to.equal(true);
          }
        }
        const policy = new ArmorPolicy(rules);
        for (const headers of [{ "x-api-key": key }, { authorization: `Bearer ${key}` }] as Record<string, string>[]) {
          const d = policy.evaluate(call("198.51.100.23", "estimate_cost", headers));
          expect(d.loggedKey).to.equal("198.51.100.23 estimate_cost");
          expect(d.loggedKey).not.to.include(key.slice(0, 8));
        }
      });

      it("passes the limits to the app as MCP_TOOL_RATE_LIMITS", () => {
        const env = container(tooled.mocks.one(T.service)).envs.find((e) => e.name === "MCP_TOOL_RATE_LIMITS");
        expect(env?.value).to.equal("estimate_cost=2,fast.tool=100");
      });
    });

    it("serves HTTPS on a managed certificate for <ip>.nip.io, and exports that URL", async () => {
      expect(inputs(run.mocks.one(T.cert)).managed).to.deep.equal({ domains: ["34-117-42-7.nip.io"] });
      expect(inputs(run.mocks.one(T.rule))).to.include({ portRange: "443", loadBalancingScheme: "EXTERNAL_MANAGED" });
      expect((await resolve(run.outputs.url)).value).to.equal("https://34-117-42-7.nip.io/mcp");
      expect((await resolve(run.outputs.details.edgeIpAddress as pulumi.Output<string>)).value).to.equal("34.117.42.7");
    });

    it("says the certificate may take time or hit nip.io's shared limits, and how to check it (M7)", async () => {
      const note = (await resolve(run.outputs.details.certificateNote as pulumi.Output<string>)).value;
      const cert = String(run.mocks.one(T.cert).state.name);
      expect(note)
        .to.include("34-117-42-7.nip.io")
        .and.include("15 to 60 minutes")
        .and.include("FAILED_RATE_LIMITED")
        .and.include("cloudrunDomain")
        .and.include(`gcloud compute ssl-certificates describe ${cert} --global`);
      const none = await runStack("dev", CLOUDRUN);
      expect((await resolve(none.outputs.details.certificateNote as pulumi.Output<string>)).value).to.equal("");
    });

    it("uses a custom domain for the certificate and URL when one is set", async () => {
      const custom = await runStack("dev", {
        ...CLOUDRUN,
        "mcp-anywhere:cloudrunEdge": "loadbalancer",
        "mcp-anywhere:cloudrunDomain": "mcp.example.com",
      });
      expect(inputs(custom.mocks.one(T.cert)).managed).to.deep.equal({ domains: ["mcp.example.com"] });
      expect((await resolve(custom.outputs.url)).value).to.equal("https://mcp.example.com/mcp");
      const note = (await resolve(custom.outputs.details.certificateNote as pulumi.Output<string>)).value;
      expect(note).to.include("mcp.example.com").and.not.include("nip.io");
    });

    it("turns the edge on by default for stacks named prod*", async () => {
      const prod = await runStack("prod", { ...CLOUDRUN, "mcp-anywhere:memoryMiB": "512" });
      expect(prod.mocks.ofType(T.armor)).to.have.length(1);
      expect(inputs(prod.mocks.one(T.service)).ingress).to.equal("INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER");
    });
  });
  describe("probes (B3, m4)", () => {
    it("keeps every probe of every variant valid for the Cloud Run v2 API (period >= timeout, bounds)", async () => {
      const variants = [
        await runStack("dev", CLOUDRUN),
        await runStack("dev", { ...CLOUDRUN, "mcp-anywhere:cloudrunEdge": "loadbalancer" }),
        await runStack("prod", { ...CLOUDRUN, "mcp-anywhere:memoryMiB": "2048", "mcp-anywhere:cloudrunCpu": "4" }),
      ];
      let probes = 0;
      for (const v of variants) {
        for (const c of template(v.mocks.one(T.service)).containers as Container[]) {
          expect(probeProblems("startup", c.startupProbe)).to.deep.equal([]);
          expect(probeProblems("liveness", c.livenessProbe)).to.deep.equal([]);
          probes += 2;
        }
      }
      expect(probes).to.equal(6);
    });

    it("encodes the rule so that the old probe (timeout 3 s every 2 s) fails it", () => {
      const old = { httpGet: { path: "/x" }, periodSeconds: 2, timeoutSeconds: 3, failureThreshold: 10 };
      expect(probeProblems("startup", old)).to.deep.equal(["startup: periodSeconds 2 < timeoutSeconds 3"]);
      expect(probeProblems("startup", { ...old, timeoutSeconds: 1, failureThreshold: 121 })).to.have.length(1);
    });

    it("probes liveness every 30 s, not 10 s, to bound the billed probes on idle instances", () => {
      expect(cloudRunProbes("/h").livenessProbe).to.deep.include({ periodSeconds: 30, timeoutSeconds: 3 });
    });
  });

  describe("key rotation reaches running instances (M4)", () => {
    it("pins the secret version pulumi up wrote, so a changed SSM value makes a new revision", async () => {
      const name = "/team/keys/mcp";
      const overrides = {
        ...CLOUDRUN,
        "mcp-anywhere:apiKeyIds": "[]",
        "mcp-anywhere:apiKeyParameterNames": JSON.stringify([name]),
      };
      const refOf = async (value: string) => {
        const r = await runStack("dev", overrides, { [name]: { value, version: 1 } });
        const ref = container(r.mocks.one(T.service)).envs.find((e) => e.name === "MCP_API_KEYS_1")?.valueSource;
        return { ref: ref?.secretKeyRef, written: String(r.mocks.one(T.version).state.version) };
      };
      const before = await refOf("a".repeat(40));
      const same = await refOf("a".repeat(40));
      const after = await refOf("b".repeat(40));
      expect(before.ref?.version).to.equal(before.written).and.not.equal("latest");
      expect(same.ref, "same value, same template: no new revision").to.deep.equal(before.ref);
      expect(after.ref?.version, "the new value's version").to.equal(after.written);
      expect(after.ref?.version, "a new value changes the template: a new revision").not.to.equal(before.ref?.version);
      expect(after.ref?.secret).to.equal(before.ref?.secret);
    });
  });

  describe("vCPU and memory pairs (m1)", () => {
    it("knows Cloud Run's table: 1 vCPU up to 4 GiB, 2 up to 8, 4 from 2 to 16, 6 from 4 to 24, 8 from 4 to 32", () => {
      const ok: [number, number][] = [
        [1, 128],
        [1, 4096],
        [2, 8192],
        [4, 2048],
        [4, 16_384],
        [6, 4096],
        [8, 32_768],
      ];
      const bad: [number, number][] = [
        [1, 4097],
        [2, 8193],
        [4, 512],
        [4, 16_385],
        [6, 2048],
        [8, 4095],
        [3, 4096],
      ];
      for (const [cpu, mem] of ok) expect(cloudRunSizeProblem(cpu, mem), `${cpu}/${mem}`).to.equal(undefined);
      for (const [cpu, mem] of bad) expect(cloudRunSizeProblem(cpu, mem), `${cpu}/${mem}`).to.be.a("string");
      expect(CLOUD_RUN_CPUS).to.deep.equal([1, 2, 4, 6, 8]);
    });

    it("refuses 4 vCPU with 512 MiB before declaring anything, naming both and the allowed range", async () => {
      const r = await attempt("dev", { ...CLOUDRUN, "mcp-anywhere:cloudrunCpu": "4", "mcp-anywhere:memoryMiB": "512" });
      expect(String(r.error)).to.include("4 vCPU needs 2048 to 16384 MiB of memory, got 512 MiB");
      expect(r.mocks.ofType(T.service)).to.have.length(0);
      expect(r.mocks.ofType(T.image), "fails before the image build").to.have.length(0);
    });
  });
});
