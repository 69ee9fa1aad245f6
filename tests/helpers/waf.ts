/**
 * A small evaluator of an AWS WAF web ACL's rate-based rules, as synthesized (`WebAcl.rules`), for the statements the
 * Fargate edge uses. It models:
 * - rules tried in ascending `priority`; a rule whose action is Block ends evaluation, a rate-based rule under its
 *   limit does not act and evaluation goes on ("How AWS WAF processes a web ACL", rule and rule group evaluation,
 *   https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-processing.html);
 * - a rate-based rule: one counter per aggregation instance within one `evaluationWindowSec` window; a request over
 *   `limit` gets the rule's action. Aggregation `IP` (the client address) or `CUSTOM_KEYS` with `header` keys (the
 *   header's value, transformation NONE): each unique combination of key values is an instance, and a request missing
 *   a key's header is not counted by the rule ("Rate-based rule aggregation options and keys",
 *   https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-aggregation-options.html);
 * - a `scopeDownStatement` that is a `byteMatchStatement` on a `singleHeader` with `EXACTLY` and NONE: only requests
 *   whose header equals the search string are counted (header names compare case-insensitively).
 * Managed rule groups are skipped (they match no request here). Any other statement throws, so a web ACL that starts
 * using another construct fails its tests until this learns it.
 */

export interface WafRequest {
  ip: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
}

export interface WafDecision {
  /** `allow` (the default action) or `block`. */
  action: "allow" | "block";
  /** The rule that blocked, when one did. */
  rule?: string;
  /** The custom response status of the blocking rule. */
  status?: number;
}

type Json = Record<string, unknown>;

export interface WafRule {
  name: string;
  priority: number;
  action?: Json;
  overrideAction?: Json;
  statement: Json;
}

const NONE_ONLY = (t: unknown) => JSON.stringify(t) === JSON.stringify([{ priority: 0, type: "NONE" }]);

function scopeDown(statement: Json | undefined, r: WafRequest): boolean {
  if (statement === undefined) return true;
  const b = statement.byteMatchStatement as Json | undefined;
  const header = (b?.fieldToMatch as Json | undefined)?.singleHeader as { name?: string } | undefined;
  if (!b || !header?.name || b.positionalConstraint !== "EXACTLY" || !NONE_ONLY(b.textTransformations)) {
    throw new Error(`waf evaluator: unsupported scope-down ${JSON.stringify(statement)}`);
  }
  return r.headers[header.name.toLowerCase()] === b.searchString;
}

/** The aggregation instance's key values, or undefined when the request lacks one (not counted). */
function instance(s: Json, r: WafRequest): string[] | undefined {
  if (s.aggregateKeyType === "IP") return [r.ip];
  if (s.aggregateKeyType !== "CUSTOM_KEYS") throw new Error(`waf evaluator: unsupported ${s.aggregateKeyType}`);
  const values: string[] = [];
  for (const k of (s.customKeys ?? []) as Json[]) {
    const h = k.header as { name?: string; textTransformations?: unknown } | undefined;
    if (!h?.name || !NONE_ONLY(h.textTransformations) || Object.keys(k).length !== 1) {
      throw new Error(`waf evaluator: unsupported custom key ${JSON.stringify(k)}`);
    }
    const v = r.headers[h.name.toLowerCase()];
    if (v === undefined) return undefined;
    values.push(v);
  }
  return values;
}

/** A web ACL under evaluation: one rate window (every request sent to it falls in the same window). */
export class WafWebAcl {
  private readonly rules: WafRule[];
  private readonly counters = new Map<string, number>();

  /** @throws {Error} when two rules share a priority or a name (the API refuses both). */
  constructor(rules: WafRule[]) {
    this.rules = [...rules].sort((a, b) => a.priority - b.priority);
    if (new Set(rules.map((x) => x.priority)).size !== rules.length)
      throw new Error("waf evaluator: duplicate priority");
    if (new Set(rules.map((x) => x.name)).size !== rules.length) throw new Error("waf evaluator: duplicate name");
  }

  evaluate(r: WafRequest): WafDecision {
    for (const rule of this.rules) {
      if (rule.statement.managedRuleGroupStatement !== undefined) continue;
      const s = rule.statement.rateBasedStatement as Json | undefined;
      if (s === undefined) throw new Error(`waf evaluator: rule ${rule.name} has an unsupported statement`);
      if (!scopeDown(s.scopeDownStatement as Json | undefined, r)) continue;
      const key = instance(s, r);
      if (key === undefined) continue;
      const bucket = JSON.stringify([rule.name, ...key]);
      const n = (this.counters.get(bucket) ?? 0) + 1;
      this.counters.set(bucket, n);
      if (n > Number(s.limit)) {
        const block = rule.action?.block as { customResponse?: { responseCode?: number } } | undefined;
        if (!block) throw new Error(`waf evaluator: rule ${rule.name} does not block`);
        return { action: "block", rule: rule.name, status: block.customResponse?.responseCode };
      }
    }
    return { action: "allow" };
  }

  /** Sends `n` requests made by `make(i)` and returns every decision. */
  send(n: number, make: (i: number) => WafRequest): WafDecision[] {
    return Array.from({ length: n }, (_, i) => this.evaluate(make(i)));
  }
}
