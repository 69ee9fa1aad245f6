/** `npm run cost` as a process: JSON, the table, the chart (checked by xmllint), and every error path. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { TargetCost } from "../../infra/core/cost/model.js";
import { ROOT } from "../helpers/process.js";

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

  it("--json prints four sourced breakdowns whose lines add up to their totals", () => {
    const r = cost("--requests-per-month", "1000000", "--region", "us-east-1", "--json");
    expect(r.status, r.stderr).to.equal(0);
    const results = JSON.parse(r.stdout) as TargetCost[];
    expect(results.map((c) => c.target)).to.deep.equal(["lambda", "fargate", "cloudrun", "ec2"]);
    for (const c of results) {
      expect(c.lines.reduce((s, l) => s + l.monthlyUsd, 0)).to.be.closeTo(c.monthlyUsd, 1e-9);
      for (const l of c.lines) expect(l.source, `${c.target} ${l.item}`).to.match(/checked 2026/);
    }
    expect(results[0]?.monthlyUsd).to.be.closeTo(5.9254437, 1e-5);
  });

  it("prints the table with the cheapest total marked, the crossovers and the footnotes", () => {
    const r = cost("--requests-per-month", "100000");
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/total per month .*\*/);
    expect(r.stdout).to.include("Crossovers (10k to 1B requests/month):");
    expect(r.stdout).to.include("price not found, counted as $0");
    expect(r.stdout).to.include("single-source price");
  });

  it("--chart writes an SVG that xmllint parses, naming all four targets and marking the volume", () => {
    const file = join(dir, "cost.svg");
    const r = cost("--requests-per-month", "2000000", "--chart", file);
    expect(r.status, r.stderr).to.equal(0);
    const lint = spawnSync("xmllint", ["--noout", file], { encoding: "utf8" });
    if (lint.error) throw new Error("xmllint is missing: .ci/run installs libxml2-utils");
    expect(lint.status, lint.stderr).to.equal(0);
    const svg = readFileSync(file, "utf8");
    expect(svg.startsWith("<svg")).to.equal(true);
    for (const name of ["lambda", "fargate", "cloudrun", "ec2", "your volume", "requests per month"])
      expect(svg).to.include(name);
  });

  it("--stack prices the stack's own config", () => {
    const r = cost("--stack", "prod", "--json");
    expect(r.status, r.stderr).to.equal(0);
    const fargate = (JSON.parse(r.stdout) as TargetCost[]).find((c) => c.target === "fargate");
    // Pulumi.prod.yaml: minTasks 2 → two tasks' vCPU: 2 × 0.25 × 730 h × $0.04045 (Tokyo)
    expect(fargate?.lines.find((l) => l.item === "Fargate vCPU (ARM)")?.monthlyUsd).to.be.closeTo(14.76425, 1e-6);
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
