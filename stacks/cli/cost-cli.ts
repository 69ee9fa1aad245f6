/**
 * `npm run cost`: what a month of traffic costs on each target.
 *
 *   npm run cost -- --requests-per-month 1000000 [--avg-duration-ms 200] [--avg-response-kb 4] [--region ap-northeast-1]
 *                   [--gcp-region asia-northeast1] [--free-tier] [--stack NAME] [--json] [--chart FILE.svg]
 *
 * Exit codes: 0 on success, 2 on bad input (the message names the flag and what is allowed).
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { cheapest, crossovers } from "../../infra/core/cost/crossover.js";
import { estimateAll, type PricingOptions, type TargetCost, usageProfile } from "../../infra/core/cost/model.js";
import {
  AWS_REGIONS,
  type AwsRegion,
  GCP_REGION_FOR,
  GCP_REGIONS,
  type GcpRegion,
} from "../../infra/core/cost/prices.js";
import { costTable, crossoverText, footnotes } from "../../infra/core/cost/report.js";

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

  let costsAt: (requestsPerMonth: number) => TargetCost[];
  let usage = usageProfile(defined);
  let title = `mcp-anywhere monthly cost, ${region} / ${gcpRegion}`;
  if (values.stack) {
    const { stackCostsAt } = await import("./stack-input.js");
    const fromStack = stackCostsAt(values.stack, defined);
    usage = fromStack.usage;
    costsAt = fromStack.costsAt;
    title = `mcp-anywhere monthly cost, stack ${values.stack}`;
  } else {
    const base: PricingOptions = { region, gcpRegion, usage };
    costsAt = (v) => estimateAll({ ...base, usage: { ...usage, requestsPerMonth: v } });
  }
  const costs = costsAt(usage.requestsPerMonth);
  if (values.chart) {
    const { renderCostChart } = await import("../../infra/core/cost/chart.js");
    writeFileSync(values.chart, await renderCostChart(costsAt, usage.requestsPerMonth, title));
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(costs, null, 2)}\n`);
    return;
  }
  const best = cheapest(costs);
  process.stdout.write(
    [
      `${title}: ${usage.requestsPerMonth.toLocaleString("en-US")} requests/month, ${usage.avgDurationMs} ms, ${usage.avgResponseKb} KB responses, free tier ${usage.freeTier ? "on" : "off"}`,
      "",
      costTable(costs, best.target),
      "",
      crossoverText(crossovers(costsAt)),
      "",
      footnotes(costs),
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
