/**
 * Where the cheapest target changes as volume grows: a log-spaced scan from `from` to `to` requests/month, refined by
 * bisection to within 1% of volume wherever the cheapest target differs between neighbouring samples.
 */
import type { McpTarget } from "../contract.js";
import type { TargetCost } from "./model.js";

export interface Crossover {
  /** Requests/month at which `to` becomes cheaper than `from` (rounded to 3 significant digits). */
  requestsPerMonth: number;
  from: McpTarget;
  to: McpTarget;
}

/** The cheapest result (ties: the earlier one). */
export function cheapest(costs: TargetCost[]): TargetCost {
  return costs.reduce((best, c) => (c.monthlyUsd < best.monthlyUsd ? c : best));
}

const round3 = (n: number) => Number(n.toPrecision(3));

/**
 * @param costsAt - every target's cost at a volume (requests/month).
 * @param from - lowest volume, requests/month. @default 1e4
 * @param to - highest volume. @default 1e9
 * @param samples - scan points. @default 240
 */
export function crossovers(
  costsAt: (requestsPerMonth: number) => TargetCost[],
  from = 1e4,
  to = 1e9,
  samples = 240,
): Crossover[] {
  const at = (v: number) => cheapest(costsAt(v)).target;
  const volumes = Array.from({ length: samples + 1 }, (_, i) => from * (to / from) ** (i / samples));
  const found: Crossover[] = [];
  for (let i = 1; i < volumes.length; i++) {
    let lo = volumes[i - 1] as number;
    let hi = volumes[i] as number;
    const a = at(lo);
    const b = at(hi);
    if (a === b) continue;
    while (hi / lo > 1.01) {
      const mid = Math.sqrt(lo * hi);
      if (at(mid) === a) lo = mid;
      else hi = mid;
    }
    found.push({ requestsPerMonth: round3(hi), from: a, to: at(hi) });
  }
  return found;
}
