/**
 * The engine model (tests/helpers/engine-model.ts): each rule on hand-made resources, then the real dockerhost program
 * synthesized before and after every kind of change a user makes, planned as `pulumi up` would. The same model shows
 * the shape this project shipped before (the deploy's destructive delete behind `triggers`, the teardown on the
 * long-lived prepare Command; commit 328866e) losing the service, and shows why @pulumi/command must be 1.x.
 */
import { generateKeyPairSync } from "node:crypto";
import { expect } from "chai";
import {
  type ModelResource,
  PROVIDER_RULES,
  plan,
  planDestroy,
  type Step,
  synthesized,
  UnmodelledError,
} from "../helpers/engine-model.js";
import { resourceOptions } from "../helpers/resource-options.js";
import { runStack } from "../helpers/run-stack.js";

const CMD = "command:remote:Command";
const cmd = (name: string, inputs: Record<string, unknown>, extra: Partial<ModelResource> = {}): ModelResource => ({
  type: CMD,
  name,
  inputs: { connection: { host: "h", port: 22 }, ...inputs },
  dependencies: [],
  ...extra,
});
const ops = (steps: Step[]) => steps.map((s) => `${s.op} ${s.name}`);

describe("engine model: the rules", () => {
  it("creates what is new, updates a Command whose create changed, and leaves an unchanged one alone", () => {
    const before = [cmd("a", { create: "x" }), cmd("b", { create: "y" })];
    const after = [cmd("a", { create: "x" }), cmd("b", { create: "y2" }), cmd("c", { create: "z" })];
    expect(ops(plan(before, after, PROVIDER_RULES.command1x))).to.deep.equal(["update b", "create c"]);
  });

  it("replaces on triggers create-before-delete: the old delete runs after every create and update", () => {
    const before = [cmd("a", { create: "x", delete: "rm", triggers: [1] }), cmd("b", { create: "y" })];
    const after = [cmd("a", { create: "x", delete: "rm", triggers: [2] }), cmd("b", { create: "y2" })];
    const steps = plan(before, after, PROVIDER_RULES.command1x);
    expect(ops(steps)).to.deep.equal(["replace a", "update b", "delete a"]);
    expect(steps[2]?.inputs.delete).to.equal("rm");
  });

  it("a connection change is an update in command 1.x and a replacement in the 4.5.0 build", () => {
    const before = [cmd("a", { create: "x", delete: "rm" })];
    const after = [cmd("a", { create: "x", delete: "rm", connection: { host: "h", port: 2222 } })];
    expect(ops(plan(before, after, PROVIDER_RULES.command1x))).to.deep.equal(["update a"]);
    expect(ops(plan(before, after, PROVIDER_RULES.command450))).to.deep.equal(["replace a", "delete a"]);
  });

  it("honours replaceOnChanges and deleteBeforeReplace", () => {
    const before = [
      cmd("a", { create: "x", delete: "rm" }, { replaceOnChanges: ["create"], deleteBeforeReplace: true }),
    ];
    const after = [
      cmd("a", { create: "x2", delete: "rm" }, { replaceOnChanges: ["create"], deleteBeforeReplace: true }),
    ];
    expect(ops(plan(before, after, PROVIDER_RULES.command1x))).to.deep.equal(["delete a", "replace a"]);
  });

  it("deletes replaced and removed resources dependents first; destroy likewise", () => {
    const state = [cmd("base", { create: "1" }), cmd("mid", { create: "2" }, { dependencies: ["base"] })];
    const top = cmd("top", { create: "3" }, { dependencies: ["mid"] });
    expect(ops(plan([...state, top], [], PROVIDER_RULES.command1x))).to.deep.equal([
      "delete top",
      "delete mid",
      "delete base",
    ]);
    expect(ops(planDestroy([top, ...state]))).to.deep.equal(["delete top", "delete mid", "delete base"]);
  });

  it("refuses what it does not model: an unknown type, a delete-before-replace resource with dependents", () => {
    expect(() => plan([], [{ ...cmd("a", {}), type: "aws:s3/bucket:Bucket" }], PROVIDER_RULES.command1x)).to.throw(
      UnmodelledError,
      /no rules for aws:s3/,
    );
    const a = (create: string) => cmd("a", { create }, { deleteBeforeReplace: true, replaceOnChanges: ["*"] });
    const b = cmd("b", { create: "y" }, { dependencies: ["a"] });
    expect(() => plan([a("1"), b], [a("2"), b], PROVIDER_RULES.command1x)).to.throw(UnmodelledError, /dependents/);
  });
});

/** The dockerhost shape this project shipped at 328866e, rebuilt from today's synthesis (see the module comment). */
function shippedShape(resources: ModelResource[]): ModelResource[] {
  const named = (n: string) => resources.find((r) => r.name === n) as ModelResource;
  const teardown = named("dev-teardown");
  const undeploy = named("dev-undeploy");
  return resources
    .filter((r) => r !== teardown && r !== undeploy)
    .map((r) => {
      if (r.name === "dev-prepare")
        return { ...r, inputs: { ...r.inputs, delete: teardown.inputs.delete }, dependencies: [] };
      if (r.name !== "dev-deploy") return r;
      const [line, comment] = String(r.inputs.create).split(" # ");
      return {
        ...r,
        inputs: { ...r.inputs, create: line, triggers: comment?.split(" "), delete: undeploy.inputs.delete },
      };
    });
}

describe("engine model: the dockerhost program's second pulumi up", function () {
  this.timeout(120_000);
  const options = resourceOptions();
  const types = [
    CMD,
    "command:local:Command",
    "docker:index/image:Image",
    "docker:index/remoteImage:RemoteImage",
    "pulumi:providers:docker",
  ];
  const key = () => generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const base: Record<string, string> = {
    "mcp-anywhere:target": "dockerhost",
    "mcp-anywhere:dockerhostAddress": "192.0.2.10",
    "mcp-anywhere:dockerhostKnownHosts":
      "192.0.2.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    "mcp-anywhere:dockerhostSshPrivateKey": key(),
    "mcp-anywhere:dockerhostTls": "localca",
    "mcp-anywhere:serverMode": "stdio",
    "mcp-anywhere:serverCommand": '["npx","-y","@modelcontextprotocol/server-memory"]',
    "mcp-anywhere:serverWorkspace": "/workspace",
    "mcp-anywhere:serverEnv": '["TOKEN=one"]',
  };
  const synth = async (change: Record<string, string>, digest = `sha256:${"a".repeat(64)}`) => {
    const run = await runStack("dev", { ...base, ...change }, {}, (m) => m.imageDigests.set("dev-server", digest));
    const resources = synthesized(run.mocks.resources, options, types);
    const image = resources.find((r) => r.type === "docker:index/image:Image") as ModelResource;
    (image.inputs.build as Record<string, unknown>).contextDigest = digest;
    return resources;
  };
  const CHANGES: [string, Record<string, string>, string?][] = [
    ["server code", {}, `sha256:${"b".repeat(64)}`],
    ["a generated file", { "mcp-anywhere:rateLimitRps": "17" }],
    ["a secret", { "mcp-anywhere:serverEnv": '["TOKEN=two"]' }],
    ["the SSH key", { "mcp-anywhere:dockerhostSshPrivateKey": key() }],
    ["the SSH port", { "mcp-anywhere:dockerhostSshPort": "2222" }],
    ["the SSH user", { "mcp-anywhere:dockerhostSshUser": "deploy" }],
    ["the address", { "mcp-anywhere:dockerhostAddress": "192.0.2.11" }],
  ];
  let first: ModelResource[];
  before(async () => {
    first = await synth({});
  });

  for (const [what, change, digest] of CHANGES) {
    it(`${what}: updates only (no replacement, no delete) with command 1.x`, async () => {
      const steps = plan(first, await synth(change, digest), PROVIDER_RULES.command1x);
      expect(steps.length).to.be.greaterThan(0);
      expect(steps.filter((s) => s.op !== "update").map((s) => `${s.op} ${s.name}`)).to.deep.equal([]);
    });
  }

  it("known bad: the shipped shape deletes the service after a code change (compose down --volumes, last)", async () => {
    const after = await synth({}, `sha256:${"b".repeat(64)}`);
    const steps = plan(shippedShape(first), shippedShape(after), PROVIDER_RULES.command1x);
    const last = steps.at(-1) as Step;
    expect(`${last.op} ${last.name}`).to.equal("delete dev-deploy");
    expect(Buffer.from(/echo '([^']+)'/.exec(String(last.inputs.delete))?.[1] ?? "", "base64").toString()).to.match(
      /down --volumes/,
    );
    expect(ops(steps)).to.include("replace dev-deploy");
  });

  it("known bad: with the 4.5.0 build, an SSH key change replaces every Command and tears the host down", async () => {
    const after = await synth(CHANGES[3]?.[1] ?? {});
    const shipped = ops(plan(shippedShape(first), shippedShape(after), PROVIDER_RULES.command450));
    expect(shipped).to.include.members(["delete dev-prepare", "delete dev-deploy"]);
    // Today's shape needs 1.x too: under 4.5.0's rules its teardown and undeploy would run on the same change.
    const today = ops(plan(first, after, PROVIDER_RULES.command450));
    expect(today).to.include.members(["delete dev-teardown", "delete dev-undeploy"]);
  });
});
