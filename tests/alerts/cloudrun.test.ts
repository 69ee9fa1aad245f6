/** Cloud Run guardrails: billing budget on the billing account, alert policies to an e-mail channel. */
import { expect } from "chai";
import { GCP_PROJECT, GCP_PROJECT_NUMBER } from "../helpers/pulumi-mocks.js";
import { runStack } from "../helpers/run-stack.js";
import { costLine, EMAIL, T } from "./helpers.js";

const RUN = { "mcp-anywhere:target": "cloudrun", "gcp:project": GCP_PROJECT };
const ACCOUNT = "012345-6789AB-CDEF01";

describe("guardrails: cloudrun", function () {
  this.timeout(60_000);

  it("a budget on the billing account, filtered to the project and stack label, 0.8 current and 1.0 forecast", async () => {
    const run = await runStack("prod", {
      ...RUN,
      "mcp-anywhere:alertEmail": EMAIL,
      "mcp-anywhere:gcpBillingAccount": ACCOUNT,
    });
    const b = run.mocks.one(T.gcpBudget);
    const channel = run.mocks.one(T.channel);
    expect(channel.inputs).to.deep.include({ type: "email", labels: { email_address: EMAIL } });
    expect(b.inputs.billingAccount).to.equal(ACCOUNT);
    expect(b.inputs.amount).to.deep.equal({ specifiedAmount: { currencyCode: "USD", units: "50" } });
    expect(b.inputs.budgetFilter).to.deep.include({
      projects: [`projects/${GCP_PROJECT_NUMBER}`],
      labels: { "mcp-anywhere-stack": "prod" },
    });
    expect(b.inputs.thresholdRules).to.deep.equal([
      { thresholdPercent: 0.8, spendBasis: "CURRENT_SPEND" },
      { thresholdPercent: 1, spendBasis: "FORECASTED_SPEND" },
    ]);
    expect(
      (b.inputs.allUpdatesRule as { monitoringNotificationChannels: string[] }).monitoringNotificationChannels,
    ).to.deep.equal([channel.id]);
    expect(costLine(run, "Billing budget")).to.include({ monthlyUsd: 0 });
  });

  it("alert policies on request_count ratios (5xx class, 429) and request_latencies p99, to the channel", async () => {
    const run = await runStack("dev", {
      ...RUN,
      "mcp-anywhere:alertEmail": EMAIL,
      "mcp-anywhere:alarmErrorRatePercent": "4",
      "mcp-anywhere:alarmLatencyP99Ms": "3000",
    });
    const channel = run.mocks.one(T.channel);
    const byRole = Object.fromEntries(
      run.mocks.ofType(T.policy).map((p) => [p.name.replace(/^dev-guardrails-/, ""), p.inputs]),
    );
    expect(Object.keys(byRole).sort()).to.deep.equal(["429-rate", "5xx-rate", "latency-p99"]);
    const cond = (role: string): Record<string, unknown> => {
      const conditions = (byRole[role]?.conditions ?? []) as { conditionThreshold: Record<string, unknown> }[];
      return conditions[0]?.conditionThreshold ?? {};
    };
    expect(cond("5xx-rate").filter).to.match(/run\.googleapis\.com\/request_count.*response_code_class = "5xx"/);
    expect(cond("5xx-rate").denominatorFilter).to.match(/request_count"$/);
    expect(cond("5xx-rate").thresholdValue).to.equal(0.04);
    // response_code is an INT64 label: an unquoted number (review R2-m13), the class a string.
    expect(cond("429-rate").filter).to.match(/ AND metric\.labels\.response_code = 429$/);
    expect(cond("429-rate").filter).to.not.include('"429"');
    expect(cond("latency-p99").filter).to.match(/request_latencies/);
    expect(cond("latency-p99").thresholdValue).to.equal(3000);
    for (const p of Object.values(byRole)) expect(p?.notificationChannels).to.deep.equal([channel.id]);
    expect(run.mocks.ofType(T.gcpBudget), "dev: no budget").to.have.length(0);
    expect(costLine(run, "Cloud Monitoring alerting conditions")).to.include({ quantity: 3, monthlyUsd: 4.5 });
  });

  it("nothing without a recipient or billing account; a prod budget without one warns", async () => {
    const run = await runStack("prod", RUN);
    for (const t of [T.gcpBudget, T.channel, T.policy]) expect(run.mocks.ofType(t), t).to.have.length(0);
    expect(costLine(run, "Cloud Monitoring")).to.equal(undefined);
  });
});
