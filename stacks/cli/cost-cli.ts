/**
 * `npm run cost`: what a month of traffic costs on each target.
 *
 *   npm run cost -- --requests-per-month 1000000 [--avg-duration-ms 200] [--avg-response-kb 4] [--region ap-northeast-1]
 *                   [--gcp-region asia-northeast1] [--free-tier] [--stack NAME] [--json] [--chart FILE.svg] [--sweep]
 *
 * Prints a summary (sizing, idle floor, total and status per column), the breakdown by category, the verdict (the
 * cheapest *complete* total; a total with an unpriced line is shown `≥ $x †` and never ranked), crossovers, the Fargate
 * CloudFront plan comparison, footnotes and, with `--sweep`, cost over requests/month and over average duration.
 * AgentCore Runtime appears as two reference columns (session per call, reused sessions), never ranked.
 * `--stack NAME` prices Pulumi.NAME.yaml's sizing and profile (e.g. prod: 2-6 Fargate tasks, 1024 MiB).
 * `--json` prints { profile, cheapest, undecided, crossovers, targets, references }.
 *
 * Exit codes: 0 on success, 2 on bad input (the message names the flag and what is allowed).
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { agentCoreReferences } from "../../infra/core/cost/agentcore.js";
import { cheapest, crossovers, undecided } from "../../infra/core/cost/crossover.js";
import {
  estimateAll,
  type PricingOptions,
  type TargetCost,
  type UsageProfile,
  usageProfile,
} from "../../infra/core/cost/model.js";
import {
  AWS_REGIONS,
  type AwsRegion,
  GCP_REGION_FOR,
  GCP_REGIONS,
  type GcpRegion,
} from "../../infra/core/cost/prices.js";
import {
  type CostJson,
  costTable,
  crossoverText,
  flatRateText,
  footnotes,
  summaryTable,
  sweepText,
  verdict,
} from "../../infra/core/cost/report.js";

class UsageError extends Error {}

function num(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < min)
    throw new UsageError(`--${flag} ${JSON.stringify(value)} is invalid; allowed: a number >= ${min}`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "requests-per-month": { type: "string" },
      "avg-duration-ms": { type: "string" },
      "avg-response-kb": { type: "string" },
      region: { type: "string", default: "ap-northeast-1" },
      "gcp-region": { type: "string" },
      "free-tier": { type: "boolean", default: false },
      stack: { type: "string" },
      json: { type: "boolean", default: false },
      chart: { type: "string" },
      sweep: { type: "boolean", default: false },
    },
    strict: true,
  });
  const region = values.region as AwsRegion;
  if (!AWS_REGIONS.includes(region))
    throw new UsageError(`--region ${JSON.stringify(values.region)} is invalid; allowed: ${AWS_REGIONS.join(", ")}`);
  const gcpRegion = (values["gcp-region"] ?? GCP_REGION_FOR[region]) as GcpRegion;
  if (!GCP_REGIONS.includes(gcpRegion))
    throw new UsageError(
      `--gcp-region ${JSON.stringify(values["gcp-region"])} is invalid; allowed: ${GCP_REGIONS.join(", ")}`,
    );
  const override = {
    requestsPerMonth: num("requests-per-month", values["requests-per-month"], 0),
    avgDurationMs: num("avg-duration-ms", values["avg-duration-ms"], 1),
    avgResponseKb: num("avg-response-kb", values["avg-response-kb"], 0),
    ...(values["free-tier"] ? { freeTier: true } : {}),
  };
  const defined = Object.fromEntries(Object.entries(override).filter(([, v]) => v !== undefined));

  let usage = usageProfile(defined);
  let title = `mcp-anywhere monthly cost, ${region} / ${gcpRegion}`;
  // Every deploy target's cost for a full profile; the references' pricing options for the same profile.
  let costsFor: (u: UsageProfile) => TargetCost[];
  let optionsFor: (u: UsageProfile) => PricingOptions;
  if (values.stack) {
    const { stackCosts } = await import("./stack-input.js");
    const fromStack = stackCosts(values.stack, defined);
    usage = fromStack.usage;
    costsFor = fromStack.costsFor;
    optionsFor = fromStack.optionsFor;
    title = `mcp-anywhere monthly cost, stack ${values.stack} (${fromStack.region}, its own sizing)`;
  } else {
    optionsFor = (u) => ({ region, gcpRegion, usage: u });
    costsFor = (u) => estimateAll(optionsFor(u));
  }
  const costsAt = (v: number) => costsFor({ ...usage, requestsPerMonth: v });
  const costs = costsFor(usage);
  const references = agentCoreReferences(optionsFor(usage));
  const points = crossovers(costsAt);
  if (values.chart) {
    const { renderCostChart } = await import("../../infra/core/cost/chart.js");
    writeFileSync(values.chart, await renderCostChart(costsAt, usage.requestsPerMonth, title));
  }
  if (values.json) {
    const best = cheapest(costs);
    const out: CostJson = {
      profile: usage,
      cheapest: best?.target ?? null,
      undecided: undecided(costs).map((c) => c.target),
      crossovers: points,
      targets: costs,
      references,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  const all = [...costs, ...references];
  process.stdout.write(
    [
      `${title}: ${usage.requestsPerMonth.toLocaleString("en-US")} requests/month, ${usage.avgDurationMs} ms, ${usage.avgResponseKb} KB responses, free tier ${usage.freeTier ? "on" : "off"}`,
      "",
      summaryTable(all),
      "",
      costTable(all),
      "",
      verdict(costs),
      "",
      crossoverText(points),
      "",
      flatRateText(costs),
      values.sweep ? `\n${sweepText((o) => costsFor({ ...usage, ...o }), usage)}\n` : "",
      footnotes(all),
      values.chart ? `\nChart written to ${values.chart}` : "",
      "",
    ].join("\n"),
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const known =
    err instanceof UsageError ||
    err instanceof RangeError ||
    (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
  process.stderr.write(`npm run cost: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(known ? 2 : 1);
});
