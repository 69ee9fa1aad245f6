/**
 * The cost model against list-price arithmetic done by hand. Profile: us-east-1 (Cloud Run in us-central1), 200 ms,
 * 4 KB responses, 1 KB of logs per request, peak 3x, free tier off, 512 MiB, 30-day log retention, one key.
 * Shared quantities: a month is 730 h = 2,628,000 s; GB = 2^30 bytes, KB = 1024 bytes.
 */
import { expect } from "chai";
import { cheapest, crossovers } from "../../infra/core/cost/crossover.js";
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

  it("fargate at 1M: one 0.25 vCPU task, ALB with two IPv4s, WAF, task IPv4", () => {
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
        (item(c, "WAF rules (per key, per IP, common rule set)") ?? Number.NaN) +
        (item(c, "WAF requests") ?? Number.NaN),
    ).to.be.closeTo(8.6, 1e-9); // 5 + 3 × 1 + 1 × 0.60
    expect(item(c, "Public IPv4 (tasks)")).to.be.closeTo(3.65, 1e-9); // 1 × 730 × $0.005
    // 5.90935 + 1.2994 + 16.425 + 0.0457764 + 7.3 + 8.6 + 3.65 + 0.5054474 + 0.01
    expect(c.monthlyUsd).to.be.closeTo(43.7449738, 1e-5);
  });

  it("cloudrun at 1M: request-based vCPU and memory time, requests, one secret version", () => {
    const c = cloudRunCost({}, at(1e6));
    // 0.0761 requests at once on average < 1: no sharing, 1e6 × 0.2 s = 200,000 instance-seconds
    expect(item(c, "Cloud Run vCPU (request-based)")).to.be.closeTo(4.8, 1e-9); // 200,000 × 1 vCPU × $0.000024
    expect(item(c, "Cloud Run memory (request-based)")).to.be.closeTo(0.25, 1e-9); // 200,000 × 0.5 GiB × $0.0000025
    expect(item(c, "Cloud Run requests")).to.be.closeTo(0.4, 1e-9); // 1M × $0.40/1M
    expect(c.monthlyUsd).to.be.closeTo(5.51, 1e-9); // + 1 version × $0.06
  });

  it("ec2 at 1M: one t4g.small, 16 GB gp3, the EIP, transfer and logs", () => {
    const c = ec2Cost({}, at(1e6));
    expect(item(c, "EC2 t4g.small")).to.be.closeTo(12.264, 1e-9); // 730 × $0.0168
    expect(item(c, "EBS gp3 root volume")).to.be.closeTo(1.28, 1e-9); // 16 GB × $0.08
    expect(item(c, "Public IPv4 (Elastic IP)")).to.be.closeTo(3.65, 1e-9);
    expect(c.monthlyUsd).to.be.closeTo(12.264 + 1.28 + 3.65 + DTO_1M + LOGS_1M + 0.01, 1e-5); // 18.0527702
  });

  it("at 100M: lambda 591.55, fargate 157.72, cloudrun 106.42, ec2 102.08", () => {
    const [l, f, r, e] = estimateAll(at(1e8));
    // lambda: 100 × 0.2 = 20; (1e8 × 0.1 + 1e8 × 0.0025) GB-s = 10,250,000 × $0.0000133334 = 136.66735;
    // REST 100 × 3.5 = 350; data out 381.4697 GB × 0.09 = 34.33228; logs 95.3674 GB × (0.5 + 0.03) = 50.54474; ECR 0.01
    expect(l?.monthlyUsd).to.be.closeTo(591.55437, 1e-3);
    // fargate: avg 38.052 req/s, 22.83 at once at peak ≤ 25 → still 1 task: 5.90935 + 1.2994; ALB 16.425;
    // LCU 0.78384 GB/h × 730 × 0.008 = 4.57764; IPv4 7.3 + 3.65; WAF 5 + 3 + 100 × 0.6 = 68; logs 50.54474; ECR 0.01
    expect(f?.monthlyUsd).to.be.closeTo(157.71613, 1e-3);
    // cloudrun: 7.61 requests at once share an instance → 1e8 × 0.2 / 7.6104 = 2,628,000 instance-s;
    // vCPU 63.072 + memory 1,314,000 GiB-s × 0.0000025 = 3.285 + requests 40 + secret 0.06
    expect(r?.monthlyUsd).to.be.closeTo(106.417, 1e-3);
    // ec2: 22.83 at once ≤ 200 per host → 1 host: 12.264 + 1.28 + 3.65 + data out 34.33228 + logs 50.54474 + 0.01
    expect(e?.monthlyUsd).to.be.closeTo(102.08102, 1e-3);
  });

  it("every result's lines add up to its total", () => {
    for (const v of [1e4, 1e6, 1e8, 1e9]) {
      for (const c of estimateAll(at(v))) {
        expect(
          c.lines.reduce((s, l) => s + l.monthlyUsd, 0),
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
      (item(lb, "Cloud Armor policy") ?? Number.NaN) + (item(lb, "Cloud Armor rules (no key, per IP)") ?? Number.NaN),
    ).to.equal(7); // 5 + 2 × 1
    expect(item(lb, "Cloud Armor requests")).to.be.closeTo(0.75, 1e-9);
    // 1e6 × 6 KB / 2^20 = 5.7220 GiB × $0.008
    expect(item(lb, "Load balancer data processed")).to.be.closeTo(0.0457764, 1e-6);
    expect(lb.monthlyUsd - none.monthlyUsd).to.be.closeTo(26.0457764, 1e-6);
  });

  it("shows prices it does not have as unpriced lines, never as guesses", () => {
    const f = fargateCost({}, at(1e6));
    const cf = f.lines.filter((l) => l.resource === "aws:cloudfront/distribution:Distribution");
    expect(cf.map((l) => [l.unitPriceUsd, l.monthlyUsd, l.confidence])).to.deep.equal([
      [null, 0, "not-found"],
      [null, 0, "not-found"],
    ]);
    const tokyo = cloudRunCost(
      { edge: "loadbalancer" },
      { region: "ap-northeast-1", usage: { requestsPerMonth: 1e6 } },
    );
    expect(tokyo.region).to.equal("asia-northeast1");
    expect(tokyo.lines.find((l) => l.item === "Load balancer data processed")?.unitPriceUsd).to.equal(null);
  });

  it("finds crossovers consistent with the totals on both sides", () => {
    const costsAt = (v: number) => estimateAll(at(v));
    const points = crossovers(costsAt);
    expect(points.length).to.be.greaterThan(0);
    for (const p of points) {
      expect(cheapest(costsAt(p.requestsPerMonth * 0.97)).target, `below ${p.requestsPerMonth}`).to.equal(p.from);
      expect(cheapest(costsAt(p.requestsPerMonth * 1.03)).target, `above ${p.requestsPerMonth}`).to.equal(p.to);
    }
    expect(points[0]?.from).to.equal(cheapest(costsAt(1e4)).target);
    expect(points.at(-1)?.to).to.equal(cheapest(costsAt(1e9)).target);
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
