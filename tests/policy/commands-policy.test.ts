/**
 * The @pulumi/command policies (infra/policy/commands.ts): each fails a hand-made Command that breaks its rule and
 * passes one that keeps it; and the dockerhost variants the real program synthesizes keep both (the whole pack runs
 * over them in tests/policy/stacks.test.ts).
 */
import { Secret } from "@pulumi/policy";
import { expect } from "chai";
import { commandHostKeyPinned, commandNoDestructiveReplace } from "../../infra/policy/commands.js";
import { runStack, stackFileConfig } from "../helpers/run-stack.js";
import { mandatory, resource, runPolicies, stackInputs, VARIANTS } from "./harness.js";

const REMOTE = "command:remote:Command";
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const messages = async (policy: typeof commandHostKeyPinned, props: Record<string, unknown>, type = REMOTE) =>
  (await runPolicies([resource(type, props)], {}, [policy])).map((v) => v.message);

describe("policy pack: @pulumi/command rules", function () {
  this.timeout(60_000);

  it("command-no-destructive-replace: fails a delete beside triggers, on remote and local Commands", async () => {
    const bad = { create: "deploy", delete: "compose down --volumes", triggers: ["sha256:1"] };
    expect(await messages(commandNoDestructiveReplace, bad)).to.have.length(1);
    expect((await messages(commandNoDestructiveReplace, bad, "command:local:Command"))[0]).to.match(
      /has both a delete and triggers.*inputs\.go/,
    );
    expect(await messages(commandNoDestructiveReplace, { create: "deploy", triggers: ["sha256:1"] })).to.deep.equal([]);
    expect(await messages(commandNoDestructiveReplace, { create: "true", delete: "teardown" })).to.deep.equal([]);
  });

  it("command-host-key-pinned: fails a connection without hostKey, secret or not, and passes a pinned one", async () => {
    const conn = { host: "192.0.2.10", port: 22, user: "root" };
    expect(await messages(commandHostKeyPinned, { connection: conn })).to.have.length(1);
    expect(await messages(commandHostKeyPinned, { connection: new Secret({ ...conn, hostKey: "" }) })).to.have.length(
      1,
    );
    expect(
      await messages(commandHostKeyPinned, { connection: new Secret({ ...conn, hostKey: HOST_KEY }) }),
    ).to.deep.equal([]);
  });

  for (const variant of Object.keys(VARIANTS).filter((v) => v.startsWith("dockerhost"))) {
    it(`${variant}: the synthesized Commands keep both rules`, async () => {
      const overrides = VARIANTS[variant] as Record<string, string>;
      const run = await runStack("dev", overrides);
      const inputs = await stackInputs(run, "dev", { ...stackFileConfig("dev"), ...overrides });
      expect(inputs.filter((i) => i.type === REMOTE).length).to.be.greaterThan(5);
      const found = mandatory(await runPolicies(inputs, {}, [commandNoDestructiveReplace, commandHostKeyPinned]));
      expect(found).to.deep.equal([]);
    });
  }
});
