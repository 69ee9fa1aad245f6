/**
 * `estimate_cost`: what a month of traffic costs on each deployment target, from the same model as `npm run cost` and
 * the stack outputs (infra/core/cost/model.ts), with sourced line items.
 */
import { z } from "zod";
import { MCP_TARGETS } from "../../infra/core/contract.js";
import { cheapest } from "../../infra/core/cost/crossover.js";
import { estimateAll, unpriced } from "../../infra/core/cost/model.js";
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
  monthlyUsd: z.number(),
  source: z.string(),
  confidence: z.string(),
  resource: z.string(),
});

export default defineTool({
  name: "estimate_cost",
  title: "Estimate monthly cost",
  description:
    "Estimates what a month of MCP traffic costs on each mcp-anywhere target (AWS Lambda, ECS Fargate, Google Cloud " +
    "Run, EC2), in USD/month, with line items, unit prices and their sources. Prices not found are listed as such.",
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
    cheapest: z.string(),
    results: z.array(
      z.object({
        target: z.string(),
        region: z.string(),
        monthlyUsd: z.number(),
        lines: z.array(line),
        notes: z.array(z.string()),
        unpricedItems: z.array(z.string()),
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
    const results = all.map((c) => ({
      ...c,
      lines: c.lines.map(({ unitPriceUsd, ...rest }) => (unitPriceUsd === null ? rest : { ...rest, unitPriceUsd })),
      unpricedItems: unpriced(c).map((l) => l.item),
    }));
    const best = cheapest(all);
    const summary = results.map((r) => `${r.target}: $${r.monthlyUsd.toFixed(2)}/month`).join("; ");
    return {
      content: [
        {
          type: "text",
          text: `${requestsPerMonth.toLocaleString("en-US")} requests/month in ${region}: ${summary}. Cheapest: ${best.target}.`,
        },
      ],
      structuredContent: { cheapest: best.target, results },
    };
  },
});
