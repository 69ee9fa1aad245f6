/**
 * The stack outputs carry the same model as `npm run cost`: the estimate, the idle floor (`idleMonthlyCostUsd`, the
 * same sizing at 0 requests) and whether the total is complete (`costComplete`), with the unpriced lines named in
 * `costNotes`. Runs the real stack program under mocks.
 */
import { expect } from "chai";
import { parseStackConfig } from "../../stacks/config.js";
import { estimateStack } from "../../stacks/cost.js";
import { GCP_PROJECT } from "../helpers/pulumi-mocks.js";
import { runStack, stackFileConfig } from "../helpers/run-stack.js";

describe("cost stack outputs: estimate, idle floor and completeness", function () {
  this.timeout(60_000);

  it("prod (fargate, 2 tasks, 1 GB): idle and total from the model, complete", async () => {
    const run = await runStack("prod", {});
    const model = estimateStack(parseStackConfig(stackFileConfig("prod"), "mcp-anywhere", "prod"));
    // idle: 2 × 730 h × (0.25 × $0.04045 + 1 × $0.00442) = 21.21745 + ALB 17.739 + 4 IPv4 × 730 × $0.005 = 14.6
    // + WAF 5 + 3 × 1 + ECR 0.01 = 61.56645
    expect(run.outputs.idleMonthlyCostUsd).to.equal(61.57);
    expect(model.idleMonthlyUsd).to.be.closeTo(61.56645, 1e-6);
    expect(run.outputs.estimatedMonthlyCostUsd).to.equal(Math.round(model.monthlyUsd * 100) / 100);
    expect(run.outputs.costComplete).to.equal(true);
    expect(run.outputs.costNotes).to.deep.equal(model.notes);
    expect(run.outputs.costNotes.join(" ")).to.match(/Free flat-rate plan/);
  });

  it("cloudrun in asia-northeast1: no egress price, so costComplete is false and the notes say why", async () => {
    const overrides = { "mcp-anywhere:target": "cloudrun", "gcp:project": GCP_PROJECT };
    const run = await runStack("dev", overrides);
    expect(run.outputs.costComplete).to.equal(false);
    expect(run.outputs.costNotes.at(-1)).to.match(
      /^incomplete: no price for Internet egress \(Premium tier\); \$\d+\.\d\d is a lower bound, never ranked$/,
    );
    const egress = run.outputs.costBreakdown.find((l: { item: string }) => l.item === "Internet egress (Premium tier)");
    expect(egress).to.include({ unitPriceUsd: null, monthlyUsd: null });
    expect(run.outputs.idleMonthlyCostUsd).to.equal(0.06); // one Secret Manager version
  });
});
