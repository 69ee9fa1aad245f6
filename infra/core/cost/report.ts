/**
 * Text output for `npm run cost`: a summary (idle floor, total, completeness per column), the breakdown by category,
 * the verdict, crossovers, the CloudFront plan comparison, the sensitivity sweep and footnotes. Pure.
 *
 * An amount that includes a line with no price is printed as a lower bound, `≥ $x †`, never as a plain figure, and such
 * a total is never marked cheapest (crossover.ts).
 */
import type { McpTarget } from "../contract.js";
import { type Crossover, cheapest, NONE_COMPLETE, undecided } from "./crossover.js";
import type { CostLine, CostTarget, TargetCost, UsageProfile } from "./model.js";

type AnyCost = TargetCost<CostTarget>;

/** What `npm run cost -- --json` prints. */
export interface CostJson {
  profile: UsageProfile;
  /** The cheapest complete total of a deploy target; null when none is complete. */
  cheapest: McpTarget | null;
  /** Incomplete deploy targets whose lower bound is below the cheapest (crossover.ts `undecided`). */
  undecided: McpTarget[];
  crossovers: Crossover[];
  targets: TargetCost[];
  /** Reference columns (AgentCore Runtime, two session patterns); never ranked. */
  references: TargetCost<CostTarget>[];
}

/** Rows of the table: each line item falls in the first row whose test it passes. */
const ROWS: [string, (l: CostLine) => boolean][] = [
  ["public IPv4 and NAT", (l) => /IPv4|NAT/.test(l.item)],
  ["data transfer out", (l) => /transfer|egress/i.test(l.item)],
  ["logs", (l) => /Logs|Logging/.test(l.item)],
  ["compute", (l) => /lambda\/function|ecs\/service|cloudrunv2\/service|ec2\/instance|agentcore:/.test(l.resource)],
  [
    "edge (API Gateway, ALB, WAF, CloudFront, LB, Cloud Armor)",
    (l) => /apigateway|lb\/|wafv2|cloudfront|compute\//.test(l.resource),
  ],
  ["registry, keys, secrets", () => true],
];

export function rowOf(l: CostLine): string {
  return (ROWS.find(([, test]) => test(l)) ?? ROWS[ROWS.length - 1] ?? ["other"])[0];
}

export const usd = (n: number) => `$${n.toFixed(2)}`;
/** A sum that may be a lower bound: `$1.00`, or `≥ $1.00 †` when `complete` is false. */
export const amount = (n: number, complete: boolean) => (complete ? usd(n) : `≥ ${usd(n)} †`);
export const LOWER_BOUND_LEGEND = "† a line has no price (not counted): the amount is a lower bound";

function grid(header: string[], rows: string[][]): string[] {
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => (r[i] ?? "").length)));
  const fmt = (r: string[]) =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ");
  return [fmt(header), ...rows.map(fmt)];
}

/**
 * One row per column (deploy targets, then references): sizing, idle floor (0 requests), total and status.
 * @param costs - deploy targets and references; the cheapest complete deploy target is marked.
 */
export function summaryTable(costs: AnyCost[]): string {
  const best = cheapest(costs);
  const rows = costs.map((c) => [
    c.label,
    c.region,
    amount(c.idleMonthlyUsd, c.idleComplete),
    amount(c.monthlyUsd, c.complete),
    c.reference
      ? "reference (not deployable)"
      : c === best
        ? "complete, cheapest *"
        : c.complete
          ? "complete"
          : "incomplete",
    c.sizing,
  ]);
  return grid(["", "region", "idle/month", "total/month", "status", "sizing"], rows).join("\n");
}

/** The breakdown by category, one column per target or reference; the cheapest complete total marked `*`. */
export function costTable(costs: AnyCost[]): string {
  const best = cheapest(costs);
  const header = ["", ...costs.map((c) => c.label)];
  const rows = ROWS.map(([name]) => [
    name,
    ...costs.map((c) => {
      const ls = c.lines.filter((l) => rowOf(l) === name);
      return amount(
        ls.reduce((s, l) => s + (l.monthlyUsd ?? 0), 0),
        ls.every((l) => l.monthlyUsd !== null),
      );
    }),
  ]);
  rows.push(["total per month", ...costs.map((c) => `${amount(c.monthlyUsd, c.complete)}${c === best ? " *" : ""}`)]);
  rows.push(["idle (0 requests)", ...costs.map((c) => amount(c.idleMonthlyUsd, c.idleComplete))]);
  return [...grid(header, rows), `* cheapest complete total of a deploy target; ${LOWER_BOUND_LEGEND}`].join("\n");
}

/** The verdict in a sentence: the cheapest complete total, and which incomplete totals could still undercut it. */
export function verdict(costs: AnyCost[]): string {
  const best = cheapest(costs);
  const open = undecided(costs);
  const caveat =
    open.length === 0
      ? ""
      : ` Not ranked (incomplete, could be cheaper): ${open.map((c) => `${c.label} ≥ ${usd(c.monthlyUsd)} (no price for ${c.unpricedItems.join(", ")})`).join("; ")}.`;
  if (!best) return `No deploy target has a complete total, so none is called cheapest.${caveat}`;
  return `Cheapest complete total: ${best.label}, ${usd(best.monthlyUsd)}/month (idle ${usd(best.idleMonthlyUsd)}).${caveat}`;
}

export function crossoverText(points: Crossover[]): string {
  if (points.length === 0)
    return "Crossovers (10k to 1B requests/month, complete totals only): none; the cheapest target is the same throughout.";
  return [
    "Crossovers (10k to 1B requests/month, complete totals only):",
    ...points.map(
      (p) =>
        `  at ~${p.requestsPerMonth.toLocaleString("en-US")} requests/month: ${p.from} -> ${p.to}${p.to === NONE_COMPLETE || p.from === NONE_COMPLETE ? " (no deploy target has a complete total on one side)" : ""}`,
    ),
  ].join("\n");
}

/** The Fargate column's CloudFront plan comparison, when there is one. */
export function flatRateText(costs: AnyCost[]): string {
  const f = costs.find((c) => c.target === "fargate" && c.cloudFrontPlan);
  const plan = f?.cloudFrontPlan;
  if (!f || !plan) return "";
  const withPlan =
    plan.plan && plan.payAsYouGoUsd !== null
      ? ` Fargate with the ${plan.plan.name} plan: ${amount(f.monthlyUsd - plan.payAsYouGoUsd + plan.plan.monthlyUsd, f.complete)}/month.`
      : "";
  return `Fargate edge, pay-as-you-go or a flat-rate plan: ${plan.summary}.${withPlan}`;
}

/**
 * Cost over requests/month (decades 10k to 1B) and over average duration at the profile's volume: one row per point,
 * one column per deploy target, the cheapest complete total marked `*`.
 * @param costsAt - every deploy target's cost for a profile override.
 */
export function sweepText(costsAt: (u: Partial<UsageProfile>) => AnyCost[], u: UsageProfile): string {
  const table = (title: string, points: [string, Partial<UsageProfile>][]) => {
    const first = costsAt(points[0]?.[1] ?? {});
    const rows = points.map(([label, override]) => {
      const cs = costsAt(override);
      const best = cheapest(cs);
      return [label, ...cs.map((c) => `${amount(c.monthlyUsd, c.complete)}${c === best ? " *" : ""}`)];
    });
    return [title, ...grid(["", ...first.map((c) => c.label)], rows)].join("\n");
  };
  const volumes = [1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
  const durations = [50, 100, 200, 500, 1000, 2000, 5000];
  return [
    table(
      `Sensitivity: requests/month (${u.avgDurationMs} ms, ${u.avgResponseKb} KB)`,
      volumes.map((v) => [v.toLocaleString("en-US"), { requestsPerMonth: v }]),
    ),
    "",
    table(
      `Sensitivity: average duration (${u.requestsPerMonth.toLocaleString("en-US")} requests/month, ${u.avgResponseKb} KB)`,
      durations.map((d) => [`${d} ms`, { avgDurationMs: d }]),
    ),
  ].join("\n");
}

/** Footnotes: every line with no price or a single-source price, and every assumption, per column. */
export function footnotes(costs: AnyCost[]): string {
  const notes: string[] = [];
  for (const c of costs) {
    for (const l of c.lines) {
      if (l.quantity === 0) continue;
      if (l.monthlyUsd === null)
        notes.push(`${c.label}: ${l.item}: NO PRICE, not counted (total is a lower bound) (${l.source})`);
      else if (l.confidence === "single-source")
        notes.push(`${c.label}: ${l.item}: single-source price ${l.unitPriceUsd} per ${l.unit} (${l.source})`);
    }
    for (const n of c.notes) notes.push(`${c.label}: ${n}`);
  }
  return ["Notes:", ...[...new Set(notes)].map((n) => `  - ${n}`)].join("\n");
}
