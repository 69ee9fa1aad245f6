/** The stack budget (issue 17): on by default in prod, off in dev, amount and thresholds, tag filter, cost line. */
import { expect } from "chai";
import { guardrailCounts } from "../../infra/core/cost/guardrails.js";
import { DEPLOY_DEFAULTS } from "../../infra/core/defaults.js";
import { parseStackConfig } from "../../stacks/config.js";
import { GCP_PROJECT, type RecordedResource } from "../helpers/pulumi-mocks.js";
import { runStack, stackFileConfig } from "../helpers/run-stack.js";
import { billedAlarmMetrics, costLine, EMAIL, T } from "./helpers.js";

describe("guardrails: AWS budget", function () {
  this.timeout(60_000);

  it("prod gets a budget by default at DEPLOY_DEFAULTS.alerts.budgetMonthlyUsd, filtered to the stack tag", async () => {
    const run = await runStack("prod", { "mcp-anywhere:alertEmail": EMAIL });
    const b = run.mocks.one(T.budget);
    expect(b.inputs).to.include({ budgetType: "COST", timeUnit: "MONTHLY", limitUnit: "USD" });
    expect(b.inputs.limitAmount).to.equal(String(DEPLOY_DEFAULTS.alerts.budgetMonthlyUsd));
    expect(b.inputs.costFilters).to.deep.equal([{ name: "TagKeyValue", values: ["user:mcp-anywhere:stack$prod"] }]);
    const n = (b.inputs.notifications as Record<string, unknown>[]).map((x) => [
      x.notificationType,
      x.threshold,
      x.subscriberEmailAddresses,
    ]);
    expect(n).to.deep.equal([
      ["ACTUAL", 80, [EMAIL]],
      ["FORECASTED", 100, [EMAIL]],
    ]);
    expect(costLine(run, "AWS Budgets budget")).to.include({ quantity: 1, monthlyUsd: 0 });
  });

  it("dev gets none by default; budgetMonthlyUsd sets the amount and 0 turns it off", async () => {
    expect((await runStack("dev", {})).mocks.ofType(T.budget)).to.have.length(0);
    const dev = await runStack("dev", { "mcp-anywhere:budgetMonthlyUsd": "25" });
    expect(dev.mocks.one(T.budget).inputs.limitAmount).to.equal("25");
    expect((await runStack("prod", { "mcp-anywhere:budgetMonthlyUsd": "0" })).mocks.ofType(T.budget)).to.have.length(0);
  });

  it("notifies an SNS topic given as alertSnsTopicArn, and no alarm or topic is created without a recipient", async () => {
    const arn = "arn:aws:sns:ap-northeast-1:123456789012:ops";
    const withTopic = await runStack("prod", { "mcp-anywhere:alertSnsTopicArn": arn });
    const n = withTopic.mocks.one(T.budget).inputs.notifications as Record<string, unknown>[];
    expect(n.map((x) => x.subscriberSnsTopicArns)).to.deep.equal([[arn], [arn]]);
    expect(withTopic.mocks.ofType(T.topic), "the user's topic is used, none created in-region").to.have.length(0);
    const none = await runStack("prod", {});
    expect(none.mocks.one(T.budget).inputs.notifications).to.deep.equal([]);
    for (const t of [T.alarm, T.topic, T.subscription, T.filter]) expect(none.mocks.ofType(t), t).to.have.length(0);
    expect(costLine(none, "CloudWatch alarm")).to.equal(undefined);
    expect(billedAlarmMetrics(none)).to.equal(0);
  });

  it("warns when a budget has nobody to notify, naming both keys, and about the cost allocation tag", () => {
    const config = parseStackConfig(stackFileConfig("prod"), "mcp-anywhere", "prod");
    expect(config.warnings.join("\n")).to.match(
      /mcp-anywhere:budgetMonthlyUsd=50 creates a budget, but mcp-anywhere:alertEmail and mcp-anywhere:alertSnsTopicArn are empty/,
    );
    expect(config.warnings.join("\n")).to.include("cost allocation tag");
    const quiet = parseStackConfig(stackFileConfig("dev"), "mcp-anywhere", "dev");
    expect(quiet.warnings.filter((w) => /budget/.test(w))).to.deep.equal([]);
  });

  it("counts nothing without a recipient and no budget", () => {
    expect(guardrailCounts("lambda", { budget: false, alarms: false })).to.deep.equal({
      budgets: 0,
      alarmMetrics: 0,
      alarms: 0,
      customMetrics: 0,
      conditions: 0,
    });
  });
});

describe("guardrails: GCP budget quota project (review finding R2-M4)", function () {
  this.timeout(60_000);
  // The policy tests' "cloudrun alerts" variant: a budget (amount and billing account) and an e-mail.
  const BUDGET = {
    "mcp-anywhere:target": "cloudrun",
    "gcp:project": GCP_PROJECT,
    "mcp-anywhere:alertEmail": EMAIL,
    "mcp-anywhere:budgetMonthlyUsd": "20",
    "mcp-anywhere:gcpBillingAccount": "012345-6789AB-CDEF01",
  };
  const PROVIDER = "pulumi:providers:gcp";

  /** The provider record a resource's explicit provider reference (`urn::id`) points at. */
  function providerOf(run: Awaited<ReturnType<typeof runStack>>, r: RecordedResource): RecordedResource {
    const ref = r.provider ?? "";
    const p = run.mocks.resources.find((x) => x.type === PROVIDER && ref.endsWith(`::${x.name}::${x.id}`));
    if (!p) throw new Error(`${r.type} ${r.name}: no recorded provider for ${JSON.stringify(ref)}`);
    return p;
  }

  it("with a budget, the budget's provider makes the stack's project the quota project", async () => {
    const run = await runStack("dev", BUDGET);
    const budget = run.mocks.one(T.gcpBudget);
    const provider = providerOf(run, budget);
    // The SDK sends a provider's non-string settings JSON-encoded (node_modules/@pulumi/gcp/provider.js).
    expect(provider.inputs).to.deep.include({ userProjectOverride: "true", billingProject: GCP_PROJECT });
    expect(provider.inputs).to.deep.include({ project: GCP_PROJECT });
  });

  it("it is the stack's one GCP provider: every GCP resource goes through it, none through a second one", async () => {
    const run = await runStack("dev", BUDGET);
    expect(run.mocks.ofType(PROVIDER)).to.have.length(1);
    const gcpResources = run.mocks.resources.filter((r) => r.type.startsWith("gcp:"));
    expect(gcpResources.length).to.be.greaterThan(5);
    for (const r of gcpResources) expect(providerOf(run, r).name, `${r.type} ${r.name}`).to.equal("gcp");
  });

  it("without a budget the provider sets neither, so nothing changes for stacks without one", async () => {
    for (const [stack, overrides] of [
      ["dev", { ...BUDGET, "mcp-anywhere:budgetMonthlyUsd": "0" }],
      ["prod", { ...BUDGET, "mcp-anywhere:gcpBillingAccount": undefined }], // a budget asked for, but no account
    ] as const) {
      const run = await runStack(stack, overrides);
      expect(run.mocks.ofType(T.gcpBudget), stack).to.have.length(0);
      const inputs = run.mocks.one(PROVIDER).inputs;
      expect(inputs, stack).to.not.have.any.keys("userProjectOverride", "billingProject");
      expect(inputs, stack).to.deep.include({ project: GCP_PROJECT });
    }
  });
});

describe("guardrails: dockerhost", function () {
  this.timeout(60_000);
  const HOST = {
    "aws:region": "ap-northeast-1",
    "mcp-anywhere:target": "dockerhost",
    "mcp-anywhere:dockerhostAddress": "192.0.2.10",
    "mcp-anywhere:dockerhostKnownHosts":
      "192.0.2.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    "mcp-anywhere:alertEmail": EMAIL,
  };

  it("a prod* stack on your own host gets no budget, no cloud alarm and no budget cost line", async () => {
    const run = await runStack("prod", HOST);
    for (const t of [T.budget, T.alarm, T.topic, T.filter]) expect(run.mocks.ofType(t), t).to.have.length(0);
    expect(costLine(run, "AWS Budgets budget")).to.equal(undefined);
    const config = parseStackConfig({ ...stackFileConfig("prod"), ...HOST }, "mcp-anywhere", "prod");
    expect(config.alerts.budgetMonthlyUsd).to.equal(undefined);
    expect(config.warnings.filter((w) => /budget/.test(w))).to.deep.equal([]);
  });

  it("an explicit budget is ignored with a warning that names the key and where dockerhost alerts come from", () => {
    const config = parseStackConfig({ ...HOST, "mcp-anywhere:budgetMonthlyUsd": "20" }, "mcp-anywhere", "home");
    expect(config.warnings.join("\n")).to.match(
      /mcp-anywhere:budgetMonthlyUsd=20 is ignored on target dockerhost.*mcp-anywhere:dockerhostLogging=local/,
    );
  });
});
