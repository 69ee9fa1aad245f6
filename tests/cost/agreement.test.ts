/**
 * One answer everywhere: the README's cost section (idle table and headline tables), the charts under docs/ and the
 * `estimate_cost` tool agree with `npm run cost` for the same profile. A change to a price, the model or the CLI that is
 * not carried into the README or the charts (regenerate them with the commands the README gives) fails here.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { CostJson } from "../../infra/core/cost/report.js";
import estimateCost from "../../server/tools/estimate-cost.js";
import { ROOT } from "../helpers/process.js";

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "stacks/cli/cost-cli.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`npm run cost ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}
const json = (...args: string[]) => JSON.parse(cli(...args, "--json")) as CostJson;

const README = readFileSync(join(ROOT, "README.md"), "utf8");
/** The cost section, moved out of the README into docs/cost.md. */
const SECTION = readFileSync(join(ROOT, "docs", "cost.md"), "utf8");

/** The markdown table right after an HTML comment starting with `marker` in `text`: its body rows, cells trimmed. */
function tableAfter(marker: string, text = SECTION): string[][] {
  const at = text.indexOf(`<!-- ${marker}`);
  expect(at, `marker <!-- ${marker}`).to.be.greaterThan(-1);
  const lines = text.slice(at).split("\n").slice(1);
  const rows = [];
  for (const l of lines.slice(2)) {
    if (!l.startsWith("|")) break;
    rows.push(
      l
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

const VOLUMES: Record<string, string> = { "100k": "100000", "1M": "1000000", "10M": "10000000", "100M": "100000000" };

describe("README, charts and estimate_cost agree with npm run cost", function () {
  this.timeout(180_000);

  for (const region of ["us-east-1", "ap-northeast-1"] as const) {
    it(`the ${region} headline table: totals, lower bounds (≥ †) and the bold cheapest`, () => {
      const rows = tableAfter(`cost-table: npm run cost -- --region ${region} `);
      expect(rows.map((r) => r[0])).to.deep.equal(Object.keys(VOLUMES));
      for (const row of rows) {
        const out = json("--region", region, "--requests-per-month", VOLUMES[row[0] ?? ""] ?? "");
        out.targets.forEach((c, i) => {
          const cell = row[i + 1] ?? "";
          const figure = c.monthlyUsd.toFixed(2);
          const expected = c.complete ? (c.target === out.cheapest ? `**${figure}**` : figure) : `≥ ${figure} †`;
          expect(cell, `${region} ${row[0]} ${c.target}`).to.equal(expected);
        });
      }
    });
  }

  it("the README's choose-a-target table: ap-northeast-1 at 100k, 1M and 10M, every target", () => {
    const rows = tableAfter("choose-table: npm run cost -- --region ap-northeast-1 ", README);
    expect(rows.map((r) => r[0])).to.deep.equal(["100k", "1M", "10M"]);
    for (const row of rows) {
      const out = json("--region", "ap-northeast-1", "--requests-per-month", VOLUMES[row[0] ?? ""] ?? "");
      expect(row.length - 1, "one column per target").to.equal(out.targets.length);
      out.targets.forEach((c, i) => {
        const figure = c.monthlyUsd.toFixed(2);
        const expected = c.complete ? (c.target === out.cheapest ? `**${figure}**` : figure) : `≥ ${figure} †`;
        expect(row[i + 1], `README choose table ${row[0]} ${c.target}`).to.equal(expected);
      });
    }
  });

  it("the README's choose-a-target idle column is npm run cost's idle in ap-northeast-1", () => {
    const tokyo = json("--region", "ap-northeast-1");
    const at = README.indexOf("| target | idle, USD/month |");
    const rows = README.slice(at)
      .split("\n")
      .slice(2)
      .filter((l, i, all) => all.slice(0, i + 1).every((x) => x.startsWith("|")));
    for (const c of tokyo.targets.filter((t) => t.target !== "dockerhost")) {
      const row = rows.find((r) => r.startsWith(`| \`${c.target}\``));
      expect(row, c.target).to.be.a("string");
      expect(row?.split("|")[2]?.trim().split(" ")[0], c.target).to.equal(c.idleMonthlyUsd.toFixed(2));
    }
  });

  it("the idle table: each region's default sizing and the prod stack", () => {
    const rows = tableAfter("cost-idle");
    const us = json("--region", "us-east-1");
    const tokyo = json("--region", "ap-northeast-1");
    const prod = json("--stack", "prod");
    for (const [i, target] of ["lambda", "fargate", "cloudrun", "ec2"].entries()) {
      const idle = (o: CostJson) => o.targets.find((c) => c.target === target)?.idleMonthlyUsd.toFixed(2);
      expect(rows[i]?.slice(0, 4), target).to.deep.equal([target, idle(us), idle(tokyo), idle(prod)]);
    }
  });

  it("the charts under docs/ are what the README's commands produce now", () => {
    const dir = mkdtempSync(join(tmpdir(), "mcp-cost-chart-"));
    try {
      for (const [file, args] of [
        ["cost-us-east-1.svg", ["--region", "us-east-1", "--requests-per-month", "1000000"]],
        ["cost-ap-northeast-1.svg", ["--requests-per-month", "1000000"]],
      ] as const) {
        expect(SECTION).to.include(`npm run cost -- ${args.join(" ")} --chart docs/${file}`);
        cli(...args, "--chart", join(dir, file));
        expect(readFileSync(join(dir, file), "utf8"), `docs/${file} is stale`).to.equal(
          readFileSync(join(ROOT, "docs", file), "utf8"),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const [region, volume] of [
    ["us-east-1", 100_000_000],
    ["ap-northeast-1", 100_000],
  ] as const) {
    it(`estimate_cost at ${volume.toLocaleString("en-US")} in ${region}: same totals, completeness, idle and cheapest`, async () => {
      const out = json("--region", region, "--requests-per-month", String(volume));
      const tool = await estimateCost.handler(
        { requestsPerMonth: volume, avgDurationMs: 200, avgResponseKb: 4, region, freeTier: false },
        {} as Parameters<typeof estimateCost.handler>[1],
      );
      const s = tool.structuredContent as {
        cheapest?: string;
        results: { target: string; monthlyUsd: number; complete: boolean; idleMonthlyUsd: number }[];
      };
      expect(s.cheapest ?? null).to.equal(out.cheapest);
      expect(s.results.map((r) => [r.target, r.monthlyUsd, r.complete, r.idleMonthlyUsd])).to.deep.equal(
        out.targets.map((c) => [c.target, c.monthlyUsd, c.complete, c.idleMonthlyUsd]),
      );
      const text = (tool.content[0] as { text: string }).text;
      expect(text).to.include(`Cheapest complete total: ${out.cheapest}.`);
      for (const c of out.targets.filter((t) => !t.complete)) {
        expect(text).to.include(`${c.target}: at least $${c.monthlyUsd.toFixed(2)}/month (incomplete`);
        expect(text).to.match(new RegExp(`Not ranked .*${c.target}`));
      }
    });
  }
});
