/**
 * The whole rotation (`npm run keys -- rotate`, then `remove default`) under the mocks, running the real stack program
 * at each step: apiKeyIds ["default"] → ["default", NEW] → [NEW]. Pulumi deletes what a step no longer declares, at the
 * end of that step's update; so at every step each key parameter anything references (any resource input, any
 * invoke, the program's apiKeyParameterNames output) must be one the step declares.
 */
import { expect } from "chai";
import { apiKeyResourceSuffix } from "../../components/lambda/rest-api-edge.js";
import { validateApiKeys } from "../../infra/api-keys.js";
import { inputsOf, plainJson, type RecordedResource, resolve } from "../helpers/pulumi-mocks.js";
import { attempt, runStack, type StackRun } from "../helpers/run-stack.js";

const T = {
  parameter: "aws:ssm/parameter:Parameter",
  password: "random:index/randomPassword:RandomPassword",
  apiKey: "aws:apigateway/apiKey:ApiKey",
  usagePlan: "aws:apigateway/usagePlan:UsagePlan",
  usagePlanKey: "aws:apigateway/usagePlanKey:UsagePlanKey",
  fn: "aws:lambda/function:Function",
} as const;

const NEW = "key-20260101";
const STEPS = [
  { label: "start", ids: ["default"] },
  { label: "overlap (rotate)", ids: ["default", NEW] },
  { label: "old key removed", ids: [NEW] },
] as const;

const TARGETS = [
  { target: "lambda", stack: "dev", overrides: {} },
  { target: "fargate", stack: "prod", overrides: {} },
  { target: "ec2", stack: "dev", overrides: { "mcp-anywhere:target": "ec2" } },
] as const;

const param = (stack: string, id: string) => `/mcp-anywhere/${stack}/api-keys/${id}`;

/** Parameter names the stack declares (it creates them, and deletes them once no longer declared). */
const declared = (run: StackRun) => run.mocks.ofType(T.parameter).map((p) => String(inputsOf(p).name));

/** Every generated-key parameter name mentioned anywhere: resource inputs (secrets included), invokes, the output. */
async function referenced(run: StackRun, stack: string): Promise<Set<string>> {
  const re = new RegExp(`/mcp-anywhere/${stack}/api-keys/[A-Za-z0-9_.-]+`, "g");
  const texts = [
    ...run.mocks.resources.filter((r) => r.type !== T.parameter).map((r) => JSON.stringify(r.inputs)),
    ...run.mocks.calls.map((c) => JSON.stringify(c.inputs)),
    JSON.stringify((await resolve(run.outputs.apiKeyParameterNames)).value),
  ];
  return new Set(texts.flatMap((t) => t.match(re) ?? []));
}

describe("key rotation under the mocks: default → add a dated key → remove default", function () {
  this.timeout(120_000);

  for (const { target, stack, overrides } of TARGETS) {
    describe(`${target} (${stack} stack)`, () => {
      const runs: StackRun[] = [];
      before(async () => {
        for (const step of STEPS) {
          runs.push(await runStack(stack, { ...overrides, "mcp-anywhere:apiKeyIds": JSON.stringify(step.ids) }));
        }
      });

      it("declares one SSM SecureString per id at each step, named as before for id default", () => {
        STEPS.forEach((step, i) => {
          const run = runs[i] as StackRun;
          expect(declared(run), step.label).to.have.members(step.ids.map((id) => param(stack, id)));
          const names = (type: string) => run.mocks.ofType(type).map((r) => r.name);
          expect(names(T.parameter), step.label).to.have.members(step.ids.map((id) => `api-keys-${id}`));
          const keyPasswords = names(T.password).filter((n) => n.startsWith("api-keys-"));
          expect(keyPasswords, step.label).to.have.members(step.ids.map((id) => `api-keys-${id}`));
        });
      });

      it("references, at every step, only parameters that step declares (nothing points at a deleted one)", async () => {
        for (const [i, step] of STEPS.entries()) {
          const run = runs[i] as StackRun;
          const refs = await referenced(run, stack);
          expect([...refs], step.label).to.have.members(declared(run));
          expect((await resolve(run.outputs.apiKeyParameterNames)).value, step.label).to.deep.equal(
            step.ids.map((id) => param(stack, id)),
          );
        }
      });

      it("deletes the old parameter only in the step that stops every reference to it", async () => {
        const [, overlap, removed] = runs as [StackRun, StackRun, StackRun];
        const deleted = declared(overlap).filter((n) => !declared(removed).includes(n));
        expect(deleted).to.deep.equal([param(stack, "default")]);
        expect([...(await referenced(removed, stack))]).to.deep.equal([param(stack, NEW)]);
        // Both keys are live in the middle step.
        expect([...(await referenced(overlap, stack))]).to.have.members([param(stack, "default"), param(stack, NEW)]);
      });
    });
  }

  describe("lambda edge in detail", () => {
    const runs: StackRun[] = [];
    before(async () => {
      for (const step of STEPS)
        runs.push(await runStack("dev", { "mcp-anywhere:apiKeyIds": JSON.stringify(step.ids) }));
    });
    const keyName = (id: string) => `dev-key-${apiKeyResourceSuffix(param("dev", id))}`;
    const byName = (run: StackRun, type: string) => new Map(run.mocks.ofType(type).map((r) => [r.name, r]));

    it("in the overlap, both keys are valid: two API keys, both in the usage plan, both in the server's list", () => {
      const run = runs[1] as StackRun;
      const keys = byName(run, T.apiKey);
      expect([...keys.keys()]).to.have.members([keyName("default"), keyName(NEW)]);
      const values = [...keys.values()].map((k) => (inputsOf(k).value as { value: string }).value);
      expect(values).to.have.members([
        run.mocks.ssm.get(param("dev", "default")),
        run.mocks.ssm.get(param("dev", NEW)),
      ]);
      expect(new Set(values).size).to.equal(2);
      const plan = run.mocks.one(T.usagePlan);
      const planKeys = run.mocks.ofType(T.usagePlanKey);
      expect(planKeys.map((k) => k.name)).to.have.members([keyName("default"), keyName(NEW)]);
      for (const pk of planKeys) {
        expect(inputsOf(pk).usagePlanId).to.equal(plan.id);
        expect([...keys.values()].map((k) => k.id)).to.include(inputsOf(pk).keyId);
      }
      const env = (inputsOf(run.mocks.one(T.fn)).environment as { variables: Record<string, string> }).variables;
      expect(env.MCP_API_KEYS_SSM_PARAMETERS).to.equal(`${param("dev", "default")},${param("dev", NEW)}`);
    });

    it("keeps each surviving key's resource name across steps, so no step replaces an API key (no 409)", () => {
      const [start, overlap, removed] = runs as [StackRun, StackRun, StackRun];
      const same = (a: StackRun, b: StackRun, name: string) => {
        const x = byName(a, T.apiKey).get(name) as RecordedResource;
        const y = byName(b, T.apiKey).get(name) as RecordedResource;
        expect(x, name).not.to.equal(undefined);
        expect(plainJson(inputsOf(y)), name).to.equal(plainJson(inputsOf(x)));
        expect((inputsOf(y).value as { value: string }).value).to.equal((inputsOf(x).value as { value: string }).value);
      };
      same(start, overlap, keyName("default"));
      same(overlap, removed, keyName(NEW));
      expect([...byName(removed, T.apiKey).keys()]).to.deep.equal([keyName(NEW)]);
      expect([...byName(removed, T.usagePlanKey).keys()]).to.deep.equal([keyName(NEW)]);
    });
  });

  describe("the guards", () => {
    it("refuses to name one of the stack's own generated parameters as an existing one (F3)", async () => {
      const { error } = await attempt("dev", {
        "mcp-anywhere:apiKeyIds": JSON.stringify([NEW]),
        "mcp-anywhere:apiKeyParameterNames": JSON.stringify([param("dev", "default")]),
      });
      expect(String(error)).to.include(
        '`existingParameterNames` entry "/mcp-anywhere/dev/api-keys/default" is a parameter this stack generates',
      );
      expect(String(error)).to.include("npm run keys -- remove default");
    });

    it("validates the key lists before declaring anything", () => {
      const v =
        (ids: string[], existing: string[] = []) =>
        () =>
          validateApiKeys("ApiKeys t", { ids, existingParameterNames: existing, stack: "dev" });
      expect(v([], [])).to.throw(/`ids` and `existingParameterNames` are both empty/);
      expect(v(["a", "a"])).to.throw(/`ids` lists "a" twice/);
      expect(v(["bad/id"])).to.throw(/`ids` entry "bad\/id" is invalid; allowed: 1 to 64 letters, digits, _ \. -/);
      expect(v(["a"], ["/x", "/x"])).to.throw(/`existingParameterNames` lists "\/x" twice/);
      expect(v(["default", NEW])()).to.deep.equal([param("dev", "default"), param("dev", NEW)]);
      expect(v([], ["/team/k"])()).to.deep.equal([]);
    });
  });
});
