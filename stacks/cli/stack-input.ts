/** `npm run cost -- --stack NAME`: the stack's Pulumi.<NAME>.yaml config, with CLI flags overriding `usage.*`. */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { TargetCost, UsageProfile } from "../../infra/core/cost/model.js";
import { NAMESPACE, parseStackConfig } from "../config.js";
import { estimateStackTargets } from "../cost.js";

/** @throws {RangeError} when the stack file is missing or its config is invalid. */
export function stackCostsAt(stack: string, override: Partial<UsageProfile>) {
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
  const costsAt = (v: number): TargetCost[] =>
    Object.values(estimateStackTargets(config, { ...usage, requestsPerMonth: v }));
  return { usage, costsAt };
}
