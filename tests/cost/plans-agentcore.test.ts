/**
 * CloudFront flat-rate plans against pay-as-you-go, and the AgentCore Runtime reference column, against list-price
 * arithmetic done by hand. Profile: us-east-1, 200 ms, 4 KB responses, 1 KB of logs per request, free tier off.
 * GB = 2^30 bytes, KB = 1024 bytes; a month is 730 h.
 */
import { expect } from "chai";
import { AGENTCORE_ASSUMPTIONS, agentCoreCost, agentCoreReferences } from "../../infra/core/cost/agentcore.js";
import { cheapestFittingPlan, compareFlatRate } from "../../infra/core/cost/cloudfront-plans.js";
import { cheapest } from "../../infra/core/cost/crossover.js";
import { type CostTarget, estimateAll, fargateCost, type PricingOptions } from "../../infra/core/cost/model.js";

const at = (requestsPerMonth: number): PricingOptions => ({ region: "us-east-1", usage: { requestsPerMonth } });
const item = (lines: { item: string; monthlyUsd: number | null }[], name: string) =>
  lines.find((l) => l.item === name)?.monthlyUsd;

describe("CloudFront flat-rate plans", () => {
  it("picks the cheapest plan whose requests and transfer both fit", () => {
    expect(cheapestFittingPlan(1e6, 3.8)?.name).to.equal("Free"); // 1M ≤ 1M, 3.8 GB ≤ 100 GB
    expect(cheapestFittingPlan(1e6, 150)?.name).to.equal("Pro"); // 150 GB > Free's 100 GB
    expect(cheapestFittingPlan(5e6, 19)?.name).to.equal("Pro");
    expect(cheapestFittingPlan(1e8, 381)?.name).to.equal("Business"); // 100M ≤ 125M
    expect(cheapestFittingPlan(6e8, 381)).to.equal(undefined); // over Premium's 500M
  });

  it("at 1M: pay-as-you-go CloudFront + WAF $9.92 vs the Free plan $0, the plan is cheaper", () => {
    const f = fargateCost({}, at(1e6));
    // WAF 5 + 3 × 1 + 1 × 0.60 = 8.60; CloudFront 100 × $0.01 = 1.00 + 3.8146973 GB × $0.085 = 0.3242493
    expect(f.cloudFrontPlan?.payAsYouGoUsd).to.be.closeTo(9.9242493, 1e-6);
    expect(f.cloudFrontPlan?.plan?.name).to.equal("Free");
    expect(f.cloudFrontPlan?.cheaper).to.equal("plan");
    expect(f.cloudFrontPlan?.savingUsd).to.be.closeTo(9.9242493, 1e-6);
    expect(f.cloudFrontPlan?.summary).to.match(/throttled, not billed as overage; not available to AWS Free Tier/);
    expect(f.notes).to.include(f.cloudFrontPlan?.summary);
  });

  it("at 2M: pay-as-you-go $11.85 is cheaper than the Pro plan $15", () => {
    const f = fargateCost({}, at(2e6));
    // WAF 8 + 2 × 0.60 = 9.20; CloudFront 200 × $0.01 = 2.00 + 7.6293945 GB × $0.085 = 0.6484985
    expect(f.cloudFrontPlan?.payAsYouGoUsd).to.be.closeTo(11.8484985, 1e-6);
    expect(f.cloudFrontPlan?.plan?.name).to.equal("Pro");
    expect(f.cloudFrontPlan?.cheaper).to.equal("pay-as-you-go");
    expect(f.cloudFrontPlan?.savingUsd).to.be.closeTo(-3.1515015, 1e-6);
  });

  it("at 5M: the Pro plan $15 beats pay-as-you-go $17.62", () => {
    const f = fargateCost({}, at(5e6));
    // WAF 8 + 5 × 0.60 = 11.00; CloudFront 500 × $0.01 = 5.00 + 19.0734863 GB × $0.085 = 1.6212463
    expect(f.cloudFrontPlan?.payAsYouGoUsd).to.be.closeTo(17.6212463, 1e-6);
    expect(f.cloudFrontPlan?.cheaper).to.equal("plan");
  });

  it("says no plan fits above Premium's allowance, and unknown when pay-as-you-go has no price", () => {
    expect(fargateCost({}, at(6e8)).cloudFrontPlan?.cheaper).to.equal("unknown");
    const unpricedLine = {
      item: "CloudFront data transfer out",
      quantity: 1,
      unit: "GB",
      unitPriceUsd: null,
      monthlyUsd: null,
      source: "test",
      confidence: "not-found" as const,
      resource: "aws:cloudfront/distribution:Distribution",
    };
    const c = compareFlatRate([unpricedLine], 1e6, 1);
    expect(c).to.include({ payAsYouGoUsd: null, cheaper: "unknown", savingUsd: null });
  });
});

describe("AgentCore Runtime reference column", () => {
  it("at 1M, a session per call: memory billed through the 900 s idle timeout dominates", () => {
    const c = agentCoreCost("session-per-call", at(1e6));
    // CPU: 1e6 × 0.2 s × 1 vCPU / 3600 = 55.5556 vCPU-h × $0.0895
    expect(item(c.lines, "AgentCore Runtime active vCPU")).to.be.closeTo(4.9722222, 1e-6);
    // memory: 1e6 sessions × (0.2 + 900) s × 0.25 GB / 3600 = 62,513.889 GB-h × $0.00945
    expect(item(c.lines, "AgentCore Runtime peak memory (session lifetime)")).to.be.closeTo(590.75625, 1e-4);
    // + data out 3.8146973 GB × $0.09 = 0.3433228 + logs 0.5054474 + ECR 0.01
    expect(c.monthlyUsd).to.be.closeTo(596.5872424, 1e-4);
    expect(c.reference).to.equal(true);
    expect(c.notes.join(" ")).to.match(/no API keys, so IDE clients need a SigV4 proxy or an OAuth front/);
  });

  it("at 1M, reused sessions: 10,000 sessions of 3,600 s + 900 s", () => {
    const c = agentCoreCost("reused-session", at(1e6));
    expect(AGENTCORE_ASSUMPTIONS.reusedSession).to.deep.equal({ callsPerSession: 100, activeSeconds: 3600 });
    // memory: 1e6 / 100 = 10,000 sessions × 4,500 s × 0.25 GB / 3600 = 3,125 GB-h × $0.00945
    expect(item(c.lines, "AgentCore Runtime peak memory (session lifetime)")).to.be.closeTo(29.53125, 1e-6);
    expect(c.monthlyUsd).to.be.closeTo(35.3622424, 1e-5); // 4.9722222 + 29.53125 + 0.3433228 + 0.5054474 + 0.01
    expect(c.idleMonthlyUsd).to.be.closeTo(0.01, 1e-9); // ECR only
  });

  it("is never called cheapest, even when it is the lowest total", () => {
    const refs = agentCoreReferences(at(1e4));
    const targets = estimateAll(at(1e4));
    // a reference made the lowest total of all ($0), complete: still not the cheapest
    const lowest = { ...refs[1], monthlyUsd: 0 } as (typeof refs)[number];
    expect(lowest.complete).to.equal(true);
    const winner = cheapest<CostTarget>([lowest, ...targets]);
    expect(winner?.reference).to.equal(false);
    expect(winner?.target).to.equal(cheapest(targets)?.target);
  });

  it("has no price in Tokyo (not checked), so its total is marked incomplete", () => {
    const c = agentCoreCost("session-per-call", { region: "ap-northeast-1", usage: { requestsPerMonth: 1e6 } });
    expect(c.complete).to.equal(false);
    expect(c.unpricedItems).to.deep.equal([
      "AgentCore Runtime active vCPU",
      "AgentCore Runtime peak memory (session lifetime)",
    ]);
  });
});
