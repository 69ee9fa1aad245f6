/**
 * `npm run cost -- --stack NAME`: the stack's Pulumi.<NAME>.yaml config (its sizing, region and `usage*` profile), with
 * CLI flags overriding the profile. Prices every target with that stack's sizing (stacks/cost.ts), the same model the
 * stack outputs use.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { PricingOptions, TargetCost, UsageProfile } from "../../infra/core/cost/model.js";
import { NAMESPACE, parseStackConfig } from "../config.js";
import { estimateStackTargets, pricingOptions } from "../cost.js";

/** @throws {RangeError} when the stack file is missing, its config is invalid, or its region has no prices. */
export function stackCosts(stack: string, override: Partial<UsageProfile>) {
  let doc: { config?: Record<string, unknown> };
  try {
    doc = parse(readFileSync(`Pulumi.${stack}.yaml`, "utf8")) as typeof doc;
  } catch {
    throw new RangeError(`--stack ${JSON.stringify(stack)}: no Pulumi.${stack}.yaml here`);
  }
  const raw = Object.fromEntries(
    Object.entries(doc.config ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
  let config: ReturnType<typeof parseStackConfig>;
  try {
    config = parseStackConfig(raw, NAMESPACE, stack);
  } catch (err) {
    throw new RangeError(`--stack ${stack}: ${(err as Error).message}`);
  }
  const usage: UsageProfile = { ...config.usage, ...override };
  const costsFor = (u: UsageProfile): TargetCost[] => Object.values(estimateStackTargets(config, u));
  const optionsFor = (u: UsageProfile): PricingOptions => pricingOptions(config, u);
  // Fail here, with the flag named, rather than half-way through the output.
  optionsFor(usage);
  return { usage, costsFor, optionsFor, region: config.awsRegion };
}

/** Every target's cost at a volume, for the stack (kept for callers of the earlier API). */
export function stackCostsAt(stack: string, override: Partial<UsageProfile>) {
  const s = stackCosts(stack, override);
  return { usage: s.usage, costsAt: (v: number) => s.costsFor({ ...s.usage, requestsPerMonth: v }) };
}
