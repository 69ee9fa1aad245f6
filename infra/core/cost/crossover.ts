/**
 * Which target is cheapest, and where that changes as volume grows: a log-spaced scan from `from` to `to`
 * requests/month, refined by bisection to within 1% of volume wherever the cheapest target differs between
 * neighbouring samples. Only complete totals of deploy targets compete: a total with an unpriced line is a lower bound,
 * and a reference column (AgentCore) is not deployable, so neither is ever called cheapest nor used for a crossover.
 * Nor is dockerhost: its total leaves out the user's own machine (infra/core/cost/model.ts `dockerhostCost`), so it is
 * not comparable with a priced cloud host.
 */
import type { McpTarget } from "../contract.js";
import type { CostTarget, TargetCost } from "./model.js";

/** Whether a column competes for cheapest: a deploy target whose total prices all it needs (not dockerhost). */
const competes = <T extends CostTarget>(c: TargetCost<T>) => !c.reference && c.target !== "dockerhost";

/** Where no deploy target has a complete total. */
export const NONE_COMPLETE = "none complete";

export interface Crossover {
  /** Requests/month at which `to` becomes cheaper than `from` (rounded to 3 significant digits). */
  requestsPerMonth: number;
  from: McpTarget | typeof NONE_COMPLETE;
  to: McpTarget | typeof NONE_COMPLETE;
}

/**
 * The cheapest complete total of a deploy target (ties: the earlier one).
 * @returns undefined when no deploy target's total is complete.
 */
export function cheapest<T extends CostTarget>(costs: TargetCost<T>[]): TargetCost<T> | undefined {
  return costs
    .filter((c) => c.complete && competes(c))
    .reduce<TargetCost<T> | undefined>(
      (best, c) => (best === undefined || c.monthlyUsd < best.monthlyUsd ? c : best),
      undefined,
    );
}

/**
 * Incomplete deploy targets whose lower bound is below the cheapest complete total (or every incomplete one when none
 * is complete): their missing lines could make them cheaper or not, so the verdict carries a caveat naming them.
 */
export function undecided<T extends CostTarget>(costs: TargetCost<T>[]): TargetCost<T>[] {
  const best = cheapest(costs);
  return costs.filter((c) => !c.complete && competes(c) && (best === undefined || c.monthlyUsd < best.monthlyUsd));
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
  const at = (v: number) => cheapest(costsAt(v))?.target ?? NONE_COMPLETE;
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
