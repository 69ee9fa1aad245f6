/** Text output for `npm run cost`: a table with one column per target, crossovers and footnotes. Pure. */
import type { Crossover } from "./crossover.js";
import type { CostLine, TargetCost } from "./model.js";

/** Rows of the table: each line item falls in the first row whose test it passes. */
const ROWS: [string, (l: CostLine) => boolean][] = [
  ["public IPv4 and NAT", (l) => /IPv4|NAT/.test(l.item)],
  ["data transfer out", (l) => /transfer|egress/i.test(l.item)],
  ["logs", (l) => /Logs|Logging/.test(l.item)],
  ["compute", (l) => /lambda\/function|ecs\/service|cloudrunv2\/service|ec2\/instance/.test(l.resource)],
  [
    "edge (API Gateway, ALB, WAF, CloudFront, LB, Cloud Armor)",
    (l) => /apigateway|lb\/|wafv2|cloudfront|compute\//.test(l.resource),
  ],
  ["registry, keys, secrets", () => true],
];

export function rowOf(l: CostLine): string {
  return (ROWS.find(([, test]) => test(l)) ?? ROWS[ROWS.length - 1] ?? ["other"])[0];
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** @param cheapestTarget - marked with `*` on the total row. */
export function costTable(costs: TargetCost[], cheapestTarget: string): string {
  const header = ["", ...costs.map((c) => `${c.target} (${c.region})`)];
  const rows = ROWS.map(([name]) => [
    name,
    ...costs.map((c) => usd(c.lines.filter((l) => rowOf(l) === name).reduce((s, l) => s + l.monthlyUsd, 0))),
  ]);
  rows.push(["total per month", ...costs.map((c) => `${usd(c.monthlyUsd)}${c.target === cheapestTarget ? " *" : ""}`)]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => (r[i] ?? "").length)));
  const fmt = (r: string[]) =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ");
  return [fmt(header), ...rows.map(fmt), "* cheapest"].join("\n");
}

export function crossoverText(points: Crossover[]): string {
  if (points.length === 0)
    return "Crossovers (10k to 1B requests/month): none; the cheapest target is the same throughout.";
  return [
    "Crossovers (10k to 1B requests/month):",
    ...points.map((p) => `  at ~${p.requestsPerMonth.toLocaleString("en-US")} requests/month: ${p.from} -> ${p.to}`),
  ].join("\n");
}

/** Footnotes for every single-source or unpriced figure the estimate used. */
export function footnotes(costs: TargetCost[]): string {
  const notes = new Map<string, string>();
  for (const c of costs) {
    for (const l of c.lines) {
      if (l.quantity === 0) continue;
      if (l.confidence === "not-found")
        notes.set(`${c.target}: ${l.item}`, `price not found, counted as $0 (${l.source})`);
      else if (l.confidence === "single-source")
        notes.set(`${c.target}: ${l.item}`, `single-source price ${l.unitPriceUsd} per ${l.unit} (${l.source})`);
    }
    for (const n of c.notes) notes.set(`${c.target}: assumption`, n);
  }
  return ["Notes:", ...[...notes].map(([k, v]) => `  - ${k}: ${v}`)].join("\n");
}
