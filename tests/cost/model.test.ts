/**
 * The cost model against list-price arithmetic done by hand. Profile: us-east-1 (Cloud Run in us-central1), 200 ms,
 * 4 KB responses, 1 KB of logs per request, peak 3x, free tier off, 512 MiB, 30-day log retention, one key.
 * Shared quantities: a month is 730 h = 2,628,000 s; GB = 2^30 bytes, KB = 1024 bytes.
 */
import { expect } from "chai";
import { cheapest, crossovers, undecided } from "../../infra/core/cost/crossover.js";
import {
  cloudRunCost,
  ec2Cost,
  estimateAll,
  fargateCost,
  lambdaCost,
  type PricingOptions,
  type TargetCost,
} from "../../infra/core/cost/model.js";

const at = (requestsPerMonth: number, freeTier = false): PricingOptions => ({
  region: "us-east-1",
  gcpRegion: "us-central1",
  usage: { requestsPerMonth, freeTier },
});
const item = (c: TargetCost, name: string) => c.lines.find((l) => l.item === name)?.monthlyUsd;

// Logs at 1M requests: 1e6 × 1024 B / 2^30 = 0.9536743 GB → ingestion × $0.50 = 0.4768372, storage × 30/30 × $0.03 =
// 0.0286102. ECR: 0.1 GB × $0.10 = 0.01. Data out: 1e6 × 4 KB / 2^20 = 3.8146973 GB × $0.09 = 0.3433228.
const LOGS_1M = 0.4768372 + 0.0286102;
const DTO_1M = 0.3433228;

describe("cost model: list-price arithmetic", () => {
  it("lambda at 1M: requests, GB-seconds with cold starts, REST requests, transfer, logs", () => {
    const c = lambdaCost({}, at(1e6));
    expect(item(c, "Lambda requests")).to.be.closeTo(0.2, 1e-9); // 1M × $0.20/1M
    // 1e6 × 0.2 s × 0.5 GB = 100,000 GB-s; cold starts 1e6 × 1% × 0.5 s × 0.5 GB = 2,500; 102,500 × $0.0000133334
    expect(item(c, "Lambda duration incl. cold-start INIT")).to.be.closeTo(1.3666735, 1e-6);
    expect(item(c, "API Gateway REST requests (first 333M)")).to.be.closeTo(3.5, 1e-9); // 1M × $3.50/1M
    expect(item(c, "Data transfer out (API Gateway)")).to.be.closeTo(DTO_1M, 1e-6);
    // 0.2 + 1.3666735 + 3.5 + 0.3433228 + 0.5054474 + 0.01
    expect(c.monthlyUsd).to.be.closeTo(5.9254437, 1e-5);
  });

  it("fargate at 1M: one 0.25 vCPU task, ALB with two IPv4s, WAF, CloudFront, task IPv4", () => {
    const c = fargateCost({}, at(1e6));
    // avg 1e6 / 2,628,000 = 0.38052 req/s; peak 3x × 0.2 s = 0.2283 at once < 25 per task → 1 task
    expect(item(c, "Fargate vCPU (ARM)")).to.be.closeTo(5.90935, 1e-6); // 0.25 × 730 h × $0.03238
    expect(item(c, "Fargate memory (ARM)")).to.be.closeTo(1.2994, 1e-6); // 0.5 GB × 730 h × $0.00356
    expect(item(c, "ALB hours")).to.be.closeTo(16.425, 1e-9); // 730 × $0.0225
    // processed: 0.38052 × 3600 × (2 + 4) KB / 2^20 = 0.0078384 GB/h → LCU-h 5.7220 × $0.008
    expect(item(c, "ALB LCUs (processed bytes)")).to.be.closeTo(0.0457764, 1e-6);
    expect(item(c, "Public IPv4 (ALB, 2 AZs)")).to.be.closeTo(7.3, 1e-9); // 2 × 730 × $0.005
    expect(
      (item(c, "WAF web ACL") ?? Number.NaN) +
        (item(c, "WAF rules (per key, per IP, common rule set, one per limited tool)") ?? Number.NaN) +
        (item(c, "WAF requests") ?? Number.NaN),
    ).to.be.closeTo(8.6, 1e-9); // 5 + 3 × 1 + 1 × 0.60
    expect(item(c, "Public IPv4 (tasks)")).to.be.closeTo(3.65, 1e-9); // 1 × 730 × $0.005
    expect(item(c, "CloudFront HTTPS requests")).to.be.closeTo(1, 1e-9); // 1e6 / 1e4 = 100 × $0.0100
    expect(item(c, "CloudFront data transfer out")).to.be.closeTo(0.3242493, 1e-6); // 3.8146973 GB × $0.085
    // 5.90935 + 1.2994 + 16.425 + 0.0457764 + 7.3 + 8.6 + 3.65 + 1 + 0.3242493 + 0.5054474 + 0.01
    expect(c.monthlyUsd).to.be.closeTo(45.0692231, 1e-5);
    expect(c.complete).to.equal(true);
  });

  it("cloudrun at 1M: request-based vCPU and memory time, requests, egress, logging, one secret version", () => {
    const c = cloudRunCost({}, at(1e6));
    // 0.0761 requests at once on average < 1: no sharing, 1e6 × 0.2 s = 200,000 instance-seconds
    expect(item(c, "Cloud Run vCPU (request-based)")).to.be.closeTo(4.8, 1e-9); // 200,000 × 1 vCPU × $0.000024
    expect(item(c, "Cloud Run memory (request-based)")).to.be.closeTo(0.25, 1e-9); // 200,000 × 0.5 GiB × $0.0000025
    expect(item(c, "Cloud Run requests")).to.be.closeTo(0.4, 1e-9); // 1M × $0.40/1M
    expect(item(c, "Internet egress (Premium tier)")).to.be.closeTo(0.4577637, 1e-6); // 3.8146973 GiB × $0.12
    expect(item(c, "Cloud Logging ingestion")).to.be.closeTo(0.4768372, 1e-6); // 0.9536743 GiB × $0.50
    expect(item(c, "Cloud Logging retention past 30 days")).to.equal(0); // _Default bucket: 30 days, included
    expect(c.monthlyUsd).to.be.closeTo(6.4446009, 1e-6); // 4.8 + 0.25 + 0.4 + 0.4577637 + 0.4768372 + 0.06
  });

  it("ec2 at 1M: one t4g.small, 16 GB gp3, the EIP, transfer and logs", () => {
    const c = ec2Cost({}, at(1e6));
    expect(item(c, "EC2 t4g.small")).to.be.closeTo(12.264, 1e-9); // 730 × $0.0168
    expect(item(c, "EBS gp3 root volume")).to.be.closeTo(1.28, 1e-9); // 16 GB × $0.08
    expect(item(c, "Public IPv4 (Elastic IP)")).to.be.closeTo(3.65, 1e-9);
    expect(c.monthlyUsd).to.be.closeTo(12.264 + 1.28 + 3.65 + DTO_1M + LOGS_1M + 0.01, 1e-5); // 18.0527702
  });

  it("at 100M: lambda 591.55, fargate 290.14, cloudrun 199.88, ec2 102.08, all complete", () => {
    const [l, f, r, e] = estimateAll(at(1e8));
    // lambda: 100 × 0.2 = 20; (1e8 × 0.1 + 1e8 × 0.0025) GB-s = 10,250,000 × $0.0000133334 = 136.66735;
    // REST 100 × 3.5 = 350; data out 381.4697 GB × 0.09 = 34.33228; logs 95.3674 GB × (0.5 + 0.03) = 50.54474; ECR 0.01
    expect(l?.monthlyUsd).to.be.closeTo(591.55437, 1e-3);
    // fargate: avg 38.052 req/s, 22.83 at once at peak ≤ 25 → still 1 task: 5.90935 + 1.2994; ALB 16.425;
    // LCU 0.78384 GB/h × 730 × 0.008 = 4.57764; IPv4 7.3 + 3.65; WAF 5 + 3 + 100 × 0.6 = 68; logs 50.54474; ECR 0.01
    // = 157.71613; CloudFront 1e8 / 1e4 × $0.01 = 100 + 381.4697 GB × $0.085 = 32.424927
    expect(f?.monthlyUsd).to.be.closeTo(290.14106, 1e-3);
    // cloudrun: 7.61 requests at once share an instance → 1e8 × 0.2 / 7.6104 = 2,628,000 instance-s;
    // vCPU 63.072 + memory 1,314,000 GiB-s × 0.0000025 = 3.285 + requests 40 + secret 0.06 = 106.417;
    // egress 381.4697 GiB × $0.12 = 45.776367; logging 95.367432 GiB × $0.50 = 47.683716 (free tier off)
    expect(r?.monthlyUsd).to.be.closeTo(199.877083, 1e-3);
    // ec2: 22.83 at once ≤ 200 per host → 1 host: 12.264 + 1.28 + 3.65 + data out 34.33228 + logs 50.54474 + 0.01
    expect(e?.monthlyUsd).to.be.closeTo(102.08102, 1e-3);
    for (const c of [l, f, r, e]) expect(c?.complete, c?.target).to.equal(true);
    expect(cheapest([l, f, r, e].filter((c) => c !== undefined))?.target).to.equal("ec2");
  });

  it("every result's lines add up to its total", () => {
    for (const v of [1e4, 1e6, 1e8, 1e9]) {
      for (const c of estimateAll(at(v))) {
        expect(
          c.lines.reduce((s, l) => s + (l.monthlyUsd ?? 0), 0),
          `${c.target} at ${v}`,
        ).to.equal(c.monthlyUsd);
      }
    }
  });

  it("free tier on removes Lambda's 1M requests and 400,000 GB-s, and Cloud Run's allowances", () => {
    const l = lambdaCost({}, at(1e6, true));
    expect(item(l, "Lambda requests")).to.equal(0); // 1M − 1M free
    expect(item(l, "Lambda duration incl. cold-start INIT")).to.equal(0); // 102,500 < 400,000 free
    const r = cloudRunCost({}, at(1e6, true));
    expect(item(r, "Cloud Run vCPU (request-based)")).to.be.closeTo(0.48, 1e-9); // (200,000 − 180,000) × 0.000024
    expect(item(r, "Cloud Run memory (request-based)")).to.equal(0); // 100,000 < 360,000 free
    expect(item(r, "Cloud Run requests")).to.equal(0); // 1M < 2M free
    // Google egress: (3.8146973 − 1 free GiB within North America) × $0.12; logging 0.95 GiB < 50 GiB free
    expect(item(r, "Internet egress (Premium tier)")).to.be.closeTo(0.3377637, 1e-6);
    expect(item(r, "Cloud Logging ingestion")).to.equal(0);
  });

  it("Cloud Logging's free 50 GiB per project: at 100M, (95.367432 − 50) GiB × $0.50", () => {
    const r = cloudRunCost({}, at(1e8, true));
    expect(item(r, "Cloud Logging ingestion")).to.be.closeTo(22.683716, 1e-5);
    expect(cloudRunCost({}, at(1e8)).lines.find((l) => l.item === "Cloud Logging ingestion")?.quantity).to.be.closeTo(
      95.367432,
      1e-5,
    ); // free tier off: the project's allowance is assumed used elsewhere
  });

  it("CloudFront's always-free 10M requests and 1 TB apply with the free tier, then $0.01 per 10k", () => {
    const f = fargateCost({}, at(2e7, true));
    // (20M − 10M free) / 1e4 = 1,000 × $0.01; 20e6 × 4 KB / 2^20 = 76.29 GB < 1,024 GB free
    expect(item(f, "CloudFront HTTPS requests")).to.be.closeTo(10, 1e-9);
    expect(item(f, "CloudFront data transfer out")).to.equal(0);
    expect(item(fargateCost({}, at(2e7)), "CloudFront HTTPS requests")).to.be.closeTo(20, 1e-9); // 2,000 × $0.01
  });

  it("prices only the first tier it has: past 10 TB of CloudFront or 1 TiB of Google egress is unpriced", () => {
    // 1e8 × 200 KB / 2^20 = 19,073.486 GB: 10,240 GB × $0.085 = 870.40, the other 8,833.486 GB have no price
    const big = { region: "us-east-1" as const, usage: { requestsPerMonth: 1e8, avgResponseKb: 200 } };
    const f = fargateCost({}, big);
    expect(item(f, "CloudFront data transfer out")).to.be.closeTo(870.4, 1e-6);
    expect(f.lines.find((l) => l.item === "CloudFront data transfer out past 10 TB")).to.include({
      unitPriceUsd: null,
      monthlyUsd: null,
    });
    expect(f.complete).to.equal(false);
    // 1e9 × 4 KB = 3,814.697 GiB: 1,024 × $0.12 = 122.88, the rest unpriced
    const r = cloudRunCost({}, at(1e9));
    expect(item(r, "Internet egress (Premium tier)")).to.be.closeTo(122.88, 1e-6);
    expect(r.unpricedItems).to.deep.equal(["Internet egress (Premium tier) past the first TiB"]);
  });

  it("private subnets add NAT hours, NAT data and the NAT's IPv4, instead of the tasks' IPv4", () => {
    const pub = fargateCost({}, at(1e6));
    const priv = fargateCost({ privateSubnets: true }, at(1e6));
    expect(item(priv, "NAT gateway hours")).to.be.closeTo(32.85, 1e-9); // 730 × $0.045
    expect(item(priv, "NAT data processed (logs and pulls)")).to.be.closeTo((0.9536743 + 0.1) * 0.045, 1e-6);
    expect(item(priv, "Public IPv4 (NAT Elastic IP)")).to.be.closeTo(3.65, 1e-9);
    expect(item(priv, "Public IPv4 (tasks)")).to.equal(undefined);
    expect(priv.monthlyUsd - pub.monthlyUsd).to.be.closeTo(32.85 + 0.0474153, 1e-5);
  });

  it("the Cloud Run load-balancer edge adds the forwarding rule, data processing and Cloud Armor", () => {
    const none = cloudRunCost({ edge: "none" }, at(1e6));
    const lb = cloudRunCost({ edge: "loadbalancer" }, at(1e6));
    expect(item(lb, "Load balancer forwarding rule")).to.be.closeTo(18.25, 1e-9); // 730 × $0.025
    expect(
      (item(lb, "Cloud Armor policy") ?? Number.NaN) +
        (item(lb, "Cloud Armor rules (no key, per IP, one per limited tool)") ?? Number.NaN),
    ).to.equal(7); // 5 + 2 × 1
    expect(item(lb, "Cloud Armor requests")).to.be.closeTo(0.75, 1e-9);
    // Two limited tools: two more Cloud Armor rules, $1 each.
    const tools = cloudRunCost({ edge: "loadbalancer" }, { ...at(1e6), toolLimitCount: 2 });
    expect(tools.monthlyUsd - lb.monthlyUsd).to.be.closeTo(2, 1e-9);
    // 1e6 × 6 KB / 2^20 = 5.7220 GiB × $0.008
    expect(item(lb, "Load balancer data processed")).to.be.closeTo(0.0457764, 1e-6);
    // sampled LB request logs: 1e6 × 0.1 × 1.5 KB / 2^20 = 0.1430511 GiB more Cloud Logging × $0.50 = 0.0715256
    expect(
      (item(lb, "Cloud Logging ingestion (app and sampled LB logs)") ?? Number.NaN) -
        (item(none, "Cloud Logging ingestion") ?? Number.NaN),
    ).to.be.closeTo(0.0715256, 1e-6);
    expect(lb.monthlyUsd - none.monthlyUsd).to.be.closeTo(26.117302, 1e-6); // 18.25 + 7 + 0.75 + 0.0457764 + 0.0715256
  });

  it("shows prices it does not have as unpriced lines, never as guesses or $0", () => {
    const tokyo = cloudRunCost(
      { edge: "loadbalancer" },
      { region: "ap-northeast-1", usage: { requestsPerMonth: 1e6 } },
    );
    expect(tokyo.region).to.equal("asia-northeast1");
    expect(tokyo.lines.find((l) => l.item === "Load balancer data processed")).to.include({
      unitPriceUsd: null,
      monthlyUsd: null,
      confidence: "not-found",
    });
    expect(tokyo.complete).to.equal(false);
    expect(tokyo.unpricedItems).to.deep.equal(["Internet egress (Premium tier)", "Load balancer data processed"]);
    expect(tokyo.notes.at(-1)).to.match(/^incomplete: no price for Internet egress .* is a lower bound, never ranked$/);
    // A zero quantity is $0 whatever the price: no responses, no egress, so the total is complete again
    const noBody = cloudRunCost({}, { region: "ap-northeast-1", usage: { requestsPerMonth: 1e6, avgResponseKb: 0 } });
    expect(noBody.complete).to.equal(true);
  });

  it("never calls an incomplete total cheapest nor uses it for a crossover (Tokyo: no Google egress price)", () => {
    const tokyo = (v: number) => estimateAll({ region: "ap-northeast-1", usage: { requestsPerMonth: v } });
    const costs = tokyo(1e5);
    const run = costs.find((c) => c.target === "cloudrun");
    const lambda = costs.find((c) => c.target === "lambda");
    // cloudrun's lower bound: 100k × 0.2 s = 20,000 s × $0.000024 = 0.48 + 10,000 GiB-s × $0.0000025 = 0.025
    // + 0.1 × $0.40 = 0.04 + logging 0.0953674 GiB × $0.50 = 0.0476837 + secret 0.06 = 0.6526837, egress unknown
    expect(run?.complete).to.equal(false);
    expect(run?.monthlyUsd).to.be.closeTo(0.6526837, 1e-6);
    // lambda (complete) costs more than that lower bound, yet it is the one called cheapest; cloudrun is undecided
    expect(lambda?.monthlyUsd).to.be.greaterThan(run?.monthlyUsd ?? Number.POSITIVE_INFINITY);
    expect(cheapest(costs)?.target).to.equal("lambda");
    expect(undecided(costs).map((c) => c.target)).to.deep.equal(["cloudrun"]);
    const points = crossovers(tokyo);
    expect(points.length).to.be.greaterThan(0);
    for (const p of points) expect([p.from, p.to]).not.to.include("cloudrun");
    // no complete total at all: nothing is cheapest
    expect(cheapest(costs.filter((c) => !c.complete))).to.equal(undefined);
  });

  it("idle cost: each target at 0 requests, the floor for leaving it deployed", () => {
    const [l, f, r, e] = estimateAll(at(1e6));
    expect(l?.idleMonthlyUsd).to.be.closeTo(0.01, 1e-9); // ECR 0.1 GB × $0.10
    // 5.90935 + 1.2994 (task) + 16.425 (ALB) + 7.3 (ALB IPv4) + 5 + 3 (WAF) + 3.65 (task IPv4) + 0.01 (ECR)
    expect(f?.idleMonthlyUsd).to.be.closeTo(42.59375, 1e-9);
    expect(r?.idleMonthlyUsd).to.be.closeTo(0.06, 1e-9); // one secret version
    expect(e?.idleMonthlyUsd).to.be.closeTo(17.204, 1e-9); // 12.264 + 1.28 + 3.65 + 0.01
    for (const c of [l, f, r, e]) expect(c?.idleComplete).to.equal(true);
  });

  it("finds crossovers consistent with the totals on both sides", () => {
    const costsAt = (v: number) => estimateAll(at(v));
    const points = crossovers(costsAt);
    expect(points.length).to.be.greaterThan(0);
    for (const p of points) {
      expect(cheapest(costsAt(p.requestsPerMonth * 0.97))?.target, `below ${p.requestsPerMonth}`).to.equal(p.from);
      expect(cheapest(costsAt(p.requestsPerMonth * 1.03))?.target, `above ${p.requestsPerMonth}`).to.equal(p.to);
    }
    expect(points[0]?.from).to.equal(cheapest(costsAt(1e4))?.target);
    // at 1B, cloudrun's egress past the first TiB has no price: the last crossover is between complete totals
    expect(points.at(-1)?.to).to.equal(cheapest(costsAt(1e9))?.target);
  });

  it("rejects an invalid profile, naming the field", () => {
    expect(() => lambdaCost({}, { region: "us-east-1", usage: { requestsPerMonth: -1 } })).to.throw(
      RangeError,
      /usage\.requestsPerMonth=-1 is invalid; allowed: a number >= 0/,
    );
    expect(() => lambdaCost({}, { region: "us-east-1", usage: { avgDurationMs: 0 } })).to.throw(
      /usage\.avgDurationMs=0/,
    );
  });
});
