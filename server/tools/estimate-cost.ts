/**
 * `estimate_cost`: what a month of traffic costs on each deployment target, from the same model as `npm run cost` and
 * the stack outputs (infra/core/cost/model.ts), with sourced line items, each target's idle floor (0 requests) and
 * whether its total is complete. A total with an unpriced line is a lower bound ("at least $x") and is never named
 * cheapest (infra/core/cost/crossover.ts); `cheapest` is absent when no selected target has a complete total.
 */
import { z } from "zod";
import { MCP_TARGETS } from "../../infra/core/contract.js";
import { cheapest, undecided } from "../../infra/core/cost/crossover.js";
import { estimateAll, type TargetCost } from "../../infra/core/cost/model.js";
import { AWS_REGIONS, GCP_REGION_FOR, GCP_REGIONS } from "../../infra/core/cost/prices.js";
import { USAGE_DEFAULTS } from "../../infra/core/defaults.js";
import { defineTool } from "./types.js";

const line = z.object({
  item: z.string(),
  quantity: z.number(),
  unit: z.string(),
  // Absent when the price is not found (confidence "not-found"): a nullable number would render as a type array,
  // which single-type schema dialects (e.g. Gemini's function declarations) reject.
  unitPriceUsd: z.number().optional(),
  // Absent when the price is not found and the quantity is not 0: unknown, never $0.
  monthlyUsd: z.number().optional(),
  source: z.string(),
  confidence: z.string(),
  resource: z.string(),
});

export default defineTool({
  name: "estimate_cost",
  title: "Estimate monthly cost",
  description:
    "Estimates what a month of MCP traffic costs on each mcp-anywhere target (AWS Lambda, ECS Fargate, Google Cloud " +
    "Run, EC2), in USD/month, with line items, unit prices and their sources, and each target's idle cost at zero " +
    "requests. A total containing a line with no price is marked incomplete (a lower bound) and is never named cheapest.",
  inputSchema: {
    requestsPerMonth: z.number().int().min(0).max(1e12).describe("Requests per month"),
    avgDurationMs: z
      .number()
      .positive()
      .max(900_000)
      .default(USAGE_DEFAULTS.avgDurationMs)
      .describe("Average request duration, ms"),
    avgResponseKb: z
      .number()
      .min(0)
      .max(6000)
      .default(USAGE_DEFAULTS.avgResponseKb)
      .describe("Average response size, KB"),
    region: z.enum(AWS_REGIONS).default("ap-northeast-1").describe("AWS region"),
    gcpRegion: z.enum(GCP_REGIONS).optional().describe("GCP region for Cloud Run; default mapped from the AWS region"),
    freeTier: z.boolean().default(false).describe("Apply published free tiers"),
    targets: z.array(z.enum(MCP_TARGETS)).min(1).optional().describe("Only these targets; default all"),
  },
  outputSchema: {
    cheapest: z.string().optional().describe("The cheapest complete total; absent when none is complete"),
    results: z.array(
      z.object({
        target: z.string(),
        region: z.string(),
        sizing: z.string(),
        monthlyUsd: z.number().describe("USD/month; a lower bound when complete is false"),
        complete: z.boolean(),
        idleMonthlyUsd: z.number().describe("USD/month at 0 requests"),
        idleComplete: z.boolean(),
        lines: z.array(line),
        notes: z.array(z.string()),
        unpricedItems: z.array(z.string()),
        cloudFrontPlan: z
          .object({
            plan: z.string().optional(),
            planUsd: z.number().optional(),
            payAsYouGoUsd: z.number().optional(),
            cheaper: z.string(),
            summary: z.string(),
          })
          .optional(),
      }),
    ),
  },
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  handler: ({ requestsPerMonth, avgDurationMs, avgResponseKb, region, gcpRegion, freeTier, targets }) => {
    const all = estimateAll({
      region,
      gcpRegion: gcpRegion ?? GCP_REGION_FOR[region],
      usage: { requestsPerMonth, avgDurationMs, avgResponseKb, freeTier },
    }).filter((c) => !targets || targets.includes(c.target));
    const results = all.map(toResult);
    const best = cheapest(all);
    const open = undecided(all);
    const summary = all.map((c) => `${c.target}: ${totalText(c)}`).join("; ");
    const verdict = best
      ? `Cheapest complete total: ${best.target}.`
      : "No selected target has a complete total, so none is named cheapest.";
    const caveat =
      open.length === 0
        ? ""
        : ` Not ranked (a line has no price, so the total is a lower bound): ${open.map((c) => c.target).join(", ")}.`;
    return {
      content: [
        {
          type: "text",
          text: `${requestsPerMonth.toLocaleString("en-US")} requests/month in ${region}: ${summary}. ${verdict}${caveat}`,
        },
      ],
      structuredContent: best ? { cheapest: best.target, results } : { results },
    };
  },
});

/** "$x/month (idle $y)", or "at least $x/month (incomplete: no price for …)" for a lower bound. */
export function totalText(c: TargetCost): string {
  const idle = `idle ${c.idleComplete ? "" : "at least "}$${c.idleMonthlyUsd.toFixed(2)}`;
  return c.complete
    ? `$${c.monthlyUsd.toFixed(2)}/month (${idle})`
    : `at least $${c.monthlyUsd.toFixed(2)}/month (incomplete: no price for ${c.unpricedItems.join(", ")}; ${idle})`;
}

/** The model's result without nulls (absent instead), for single-type schema dialects. */
function toResult(c: TargetCost) {
  const { cloudFrontPlan, label: _label, reference: _reference, ...rest } = c;
  return {
    ...rest,
    lines: c.lines.map(({ unitPriceUsd, monthlyUsd, ...l }) => ({
      ...l,
      ...(unitPriceUsd === null ? {} : { unitPriceUsd }),
      ...(monthlyUsd === null ? {} : { monthlyUsd }),
    })),
    ...(cloudFrontPlan
      ? {
          cloudFrontPlan: {
            cheaper: cloudFrontPlan.cheaper,
            summary: cloudFrontPlan.summary,
            ...(cloudFrontPlan.plan ? { plan: cloudFrontPlan.plan.name, planUsd: cloudFrontPlan.plan.monthlyUsd } : {}),
            ...(cloudFrontPlan.payAsYouGoUsd === null ? {} : { payAsYouGoUsd: cloudFrontPlan.payAsYouGoUsd }),
          },
        }
      : {}),
  };
}
