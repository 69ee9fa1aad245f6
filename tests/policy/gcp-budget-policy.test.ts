/**
 * The policy `gcp-budget-quota-project` (infra/policy/gcp.ts, review finding R2-M4): a GCP billing budget's provider
 * must set `userProjectOverride: true` and a `billingProject`. Hand-made budgets show what fails and what passes; the
 * real program, synthesized under mocks with a budget, passes.
 */
import { expect } from "chai";
import { GCP_TYPES, gcpBudgetQuotaProject } from "../../infra/policy/gcp.js";
import { GCP_PROJECT } from "../helpers/pulumi-mocks.js";
import { runStack, stackFileConfig } from "../helpers/run-stack.js";
import { resource, runPolicies, stackInputs, VARIANTS } from "./harness.js";

const ONLY = [gcpBudgetQuotaProject];
/** A budget's inputs as gcpBudget declares them (only the shape matters to the policy). */
const BUDGET = {
  billingAccount: "012345-6789AB-CDEF01",
  displayName: "mcp-anywhere dev",
  amount: { specifiedAmount: { currencyCode: "USD", units: "20" } },
};
const PLAIN_PROVIDER = { project: GCP_PROJECT, region: "asia-northeast1" };

async function messages(provider: Record<string, unknown> | undefined): Promise<string[]> {
  const budget = resource(GCP_TYPES.billingBudget, BUDGET, provider === undefined ? {} : { provider });
  return (await runPolicies([budget], {}, ONLY)).map((v) => v.message);
}

describe("policy gcp-budget-quota-project", function () {
  this.timeout(120_000);

  it("cites the provider issue and Google's quota-project page", () => {
    expect(gcpBudgetQuotaProject.description).to.include(
      "https://github.com/hashicorp/terraform-provider-google/issues/7948",
    );
    expect(gcpBudgetQuotaProject.description).to.include("https://cloud.google.com/docs/quotas/set-quota-project");
  });

  it("fails a budget whose provider sets neither userProjectOverride nor billingProject, naming both", async () => {
    const found = await messages(PLAIN_PROVIDER);
    expect(found).to.have.length(1);
    expect(found[0]).to.match(/^bad: its provider explicit sets no userProjectOverride=true and no billingProject/);
  });

  it("fails a budget whose provider sets only one of them, or turns the override off", async () => {
    expect(await messages({ ...PLAIN_PROVIDER, userProjectOverride: "true" })).to.satisfy(
      (m: string[]) => m.length === 1 && /sets no billingProject:/.test(m[0] ?? ""),
    );
    expect(await messages({ ...PLAIN_PROVIDER, billingProject: GCP_PROJECT })).to.satisfy(
      (m: string[]) => m.length === 1 && /sets no userProjectOverride=true:/.test(m[0] ?? ""),
    );
    expect(
      await messages({ ...PLAIN_PROVIDER, userProjectOverride: "false", billingProject: GCP_PROJECT }),
    ).to.have.length(1);
    expect(await messages({ ...PLAIN_PROVIDER, userProjectOverride: true, billingProject: " " })).to.have.length(1);
  });

  it("fails a budget whose provider settings it cannot see", async () => {
    const found = await messages(undefined);
    expect(found).to.have.length(1);
    expect(found[0]).to.match(/provider's settings are not visible/);
  });

  it("passes a budget whose provider sets both, JSON-encoded as the engine sends them or as a boolean", async () => {
    expect(
      await messages({ ...PLAIN_PROVIDER, userProjectOverride: "true", billingProject: GCP_PROJECT }),
    ).to.deep.equal([]);
    expect(await messages({ ...PLAIN_PROVIDER, userProjectOverride: true, billingProject: GCP_PROJECT })).to.deep.equal(
      [],
    );
  });

  it("looks at budgets only", async () => {
    const service = resource("gcp:cloudrunv2/service:Service", { name: "s" }, { provider: PLAIN_PROVIDER });
    expect(await runPolicies([service], {}, ONLY)).to.deep.equal([]);
  });

  for (const variant of ["cloudrun alerts", "cloudrun edge none"]) {
    it(`the real program's "${variant}" stack passes it (prod and dev)`, async () => {
      const overrides = VARIANTS[variant] as Record<string, string>;
      for (const stack of ["prod", "dev"]) {
        const run = await runStack(stack, overrides);
        const inputs = await stackInputs(run, stack, { ...stackFileConfig(stack), ...overrides });
        const budgets = inputs.filter((i) => i.type === GCP_TYPES.billingBudget);
        // The alerts variant sets budgetMonthlyUsd and gcpBillingAccount: a budget in both stacks; the other, none.
        expect(budgets, `${stack}: budgets`).to.have.length(variant === "cloudrun alerts" ? 1 : 0);
        for (const b of budgets)
          expect(b.provider?.props, `${stack}: the budget's provider`).to.deep.include({
            userProjectOverride: "true",
            billingProject: GCP_PROJECT,
          });
        expect(await runPolicies(inputs, {}, ONLY), stack).to.deep.equal([]);
      }
    });
  }
});
