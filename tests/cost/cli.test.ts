/**
 * `npm run cost` as a process: JSON, the table, the chart (checked by xmllint), and every error path. Without xmllint
 * the chart test skips its parse with a line saying so, or fails under CI=true (tests/helpers/programs.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { CostJson } from "../../infra/core/cost/report.js";

import { ROOT } from "../helpers/process.js";
import { requireProgram } from "../helpers/programs.js";

function cost(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "stacks/cli/cost-cli.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm run cost", function () {
  this.timeout(180_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "mcp-cost-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("--json prints five sourced breakdowns whose lines add up to their totals, and two AgentCore references", () => {
    const r = cost("--requests-per-month", "1000000", "--region", "us-east-1", "--json");
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as CostJson;
    expect(out.targets.map((c) => c.target)).to.deep.equal(["lambda", "fargate", "cloudrun", "ec2", "dockerhost"]);
    for (const c of [...out.targets, ...out.references]) {
      expect(c.lines.reduce((s, l) => s + (l.monthlyUsd ?? 0), 0)).to.be.closeTo(c.monthlyUsd, 1e-9);
      for (const l of c.lines) expect(l.source, `${c.target} ${l.item}`).to.match(/checked 2026/);
      expect(c).to.have.property("idleMonthlyUsd").that.is.a("number");
      expect(c).to.have.property("complete").that.is.a("boolean");
    }
    expect(out.targets[0]?.monthlyUsd).to.be.closeTo(5.9254437, 1e-5);
    expect(out.references.map((c) => [c.label, c.reference])).to.deep.equal([
      ["agentcore (session per call)", true],
      ["agentcore (reused sessions)", true],
    ]);
    expect(out.cheapest).to.equal("lambda");
  });

  it("Must show: 100M requests, 200 ms, us-east-1 counts no unpriced line as $0 and names a complete cheapest", () => {
    const args = ["--requests-per-month", "100000000", "--avg-duration-ms", "200", "--region", "us-east-1"];
    const text = cost(...args);
    const json = cost(...args, "--json");
    expect(text.status, text.stderr).to.equal(0);
    const out = JSON.parse(json.stdout) as CostJson;
    for (const c of out.targets)
      for (const l of c.lines)
        if (l.unitPriceUsd === null && l.quantity > 0) expect(l.monthlyUsd, `${c.target} ${l.item}`).to.equal(null);
    const best = out.targets.find((c) => c.target === out.cheapest);
    expect(best?.complete).to.equal(true);
    expect(text.stdout).to.include(`Cheapest complete total: ${out.cheapest}, $${best?.monthlyUsd.toFixed(2)}/month`);
    expect(text.stdout).not.to.include("counted as $0");
  });

  it("prints the summary with idle costs, the table with lower bounds marked, the verdict, crossovers and footnotes", () => {
    const r = cost("--requests-per-month", "100000");
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/idle\/month\s+total\/month\s+status\s+sizing/);
    expect(r.stdout).to.match(/^fargate\s+ap-northeast-1\s+\$45\.69\s+\$46\.00\s+complete/m);
    // Tokyo Cloud Run: no egress price → a lower bound, incomplete, never starred
    expect(r.stdout).to.match(/^cloudrun\s+asia-northeast1\s+\$0\.06\s+≥ \$0\.65 †\s+incomplete/m);
    expect(r.stdout).to.match(/^total per month .*\$0\.71 \*.*≥ \$0\.65 †/m);
    expect(r.stdout).to.match(/^idle \(0 requests\)/m);
    expect(r.stdout).to.include("Cheapest complete total: lambda, $0.71/month (idle $0.01).");
    expect(r.stdout).to.include("Not ranked (incomplete, could be cheaper): cloudrun ≥ $0.65");
    expect(r.stdout).to.include("Crossovers (10k to 1B requests/month, complete totals only):");
    expect(r.stdout).to.include("Internet egress (Premium tier): NO PRICE, not counted (total is a lower bound)");
    expect(r.stdout).to.include("single-source price");
    expect(r.stdout).to.include("the Free flat-rate plan $0.00/month");
    expect(r.stdout).not.to.include("counted as $0");
  });

  it("--sweep prints cost over requests/month and over average duration, the cheapest complete total starred", () => {
    const r = cost("--sweep", "--region", "us-east-1");
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.include("Sensitivity: requests/month (200 ms, 4 KB)");
    expect(r.stdout).to.match(/^100,000,000\s+\$591\.55\s+\$290\.14\s+\$199\.88\s+\$102\.08 \*\s+\$0\.00$/m);
    // at 1B, Google egress past the first TiB has no price: a lower bound, not starred
    expect(r.stdout).to.match(/^1,000,000,000 .*≥ \$[\d.]+ † .*\$[\d.]+ \*\s+\$0\.00$/m);
    expect(r.stdout).to.include("Sensitivity: average duration (1,000,000 requests/month, 4 KB)");
    expect(r.stdout).to.match(/^50 ms\s+\$4\.93\s+\$45\.07\s+\$2\.66 \*\s+\$18\.05\s+\$0\.00$/m);
    expect(r.stdout).to.match(/^5000 ms .*\$18\.05 \*\s+\$0\.00$/m);
  });

  it("--chart writes an SVG that xmllint parses, naming all four targets, marking the volume and lower bounds", function () {
    const file = join(dir, "cost.svg");
    const r = cost("--requests-per-month", "2000000", "--chart", file);
    expect(r.status, r.stderr).to.equal(0);
    const svg = readFileSync(file, "utf8");
    expect(svg.startsWith("<svg")).to.equal(true);
    for (const name of ["lambda", "fargate", "cloudrun", "ec2", "your volume", "requests per month"])
      expect(svg).to.include(name);
    // Tokyo Cloud Run has no egress price: its line is a dashed "lower bound"
    expect(svg).to.include("lower bound (a line has no price)");
    expect(svg).to.include('stroke-dasharray="6,4"');
    // Last, so that without xmllint the checks above still run before the skip (tests/helpers/programs.ts).
    requireProgram(this, "xmllint");
    const lint = spawnSync("xmllint", ["--noout", file], { encoding: "utf8" });
    expect(lint.error, "xmllint could not run").to.equal(undefined);
    expect(lint.status, lint.stderr).to.equal(0);
  });

  it("--stack prod prices the prod stack as configured (2 tasks, 1 GB) and says so", () => {
    const r = cost("--stack", "prod", "--json");
    expect(r.status, r.stderr).to.equal(0);
    const fargate = (JSON.parse(r.stdout) as CostJson).targets.find((c) => c.target === "fargate");
    // Pulumi.prod.yaml: minTasks 2 → two tasks' vCPU: 2 × 0.25 × 730 h × $0.04045 (Tokyo)
    expect(fargate?.lines.find((l) => l.item === "Fargate vCPU (ARM)")?.monthlyUsd).to.be.closeTo(14.76425, 1e-6);
    // memory 2 × 1 GB × 730 h × $0.00442 = 6.4532
    expect(fargate?.lines.find((l) => l.item === "Fargate memory (ARM)")?.monthlyUsd).to.be.closeTo(6.4532, 1e-6);
    expect(fargate?.sizing).to.equal("2-6 tasks of 0.25 vCPU, 1024 MiB, public subnets, CloudFront pay-as-you-go");
    // idle: 14.76425 + 6.4532 + ALB 730 × 0.0243 = 17.739 + IPv4 (2 ALB + 2 tasks) × 730 × 0.005 = 14.6 + WAF 8 + ECR 0.01
    expect(fargate?.idleMonthlyUsd).to.be.closeTo(61.56645, 1e-6);
    const text = cost("--stack", "prod");
    expect(text.stdout).to.match(/^mcp-anywhere monthly cost, stack prod \(ap-northeast-1, its own sizing\)/);
    expect(text.stdout).to.include("2-6 tasks of 0.25 vCPU, 1024 MiB");
  });

  const errors: [string[], RegExp][] = [
    [["--requests-per-month=-5"], /--requests-per-month "-5" is invalid; allowed: a number >= 0/],
    [["--requests-per-month", "lots"], /--requests-per-month "lots" is invalid; allowed: a number >= 0/],
    [["--region", "eu-west-1"], /--region "eu-west-1" is invalid; allowed: us-east-1, ap-northeast-1/],
    [["--gcp-region", "europe-west1"], /--gcp-region "europe-west1" is invalid; allowed: us-central1, asia-northeast1/],
    [["--stack", "nope"], /--stack "nope": no Pulumi.nope.yaml here/],
    [["--volume", "5"], /Unknown option '--volume'/],
  ];
  for (const [args, message] of errors) {
    it(`exits 2 for ${args.join(" ")}, naming the flag and the allowed values`, () => {
      const r = cost(...args);
      expect(r.status).to.equal(2);
      expect(r.stderr).to.match(message);
      expect(r.stdout).to.equal("");
    });
  }
});
