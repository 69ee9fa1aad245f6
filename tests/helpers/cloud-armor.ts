/**
 * A small evaluator of a Cloud Armor security policy's rule list, as synthesized (`SecurityPolicy.rules`), for the
 * expressions and actions the Cloud Run edge uses. It models:
 * - first match wins: rules are tried in ascending `priority`, the first whose match is true acts, and no later rule
 *   is evaluated ("Cloud Armor performs the action of the highest priority rule that matches a request. Rules with a
 *   lower priority than the highest priority matching rule are not evaluated",
 *   https://cloud.google.com/armor/docs/create-security-policy-rules);
 * - `throttle`: one counter per rule and key value within one `intervalSec` window; a request over
 *   `rateLimitThreshold.count` gets `exceedAction`, the others `conformAction` (which ends evaluation too). Key types
 *   ALL, IP and HTTP_HEADER ("the first 128 bytes of the header value"; a missing header falls back to ALL), from the
 *   "Rate limiting overview" (https://cloud.google.com/armor/docs/rate-limiting-overview); and multi-key throttles
 *   (`enforceOnKeyConfigs`, up to 3 of those types, `enforceOnKey` unset: same page), whose key is the combination of
 *   every config's value, so two requests share a counter only when all their values are equal;
 * - what the load-balancer log records as `enforcedSecurityPolicy.rateLimitAction.key`: the key value, first 36 bytes
 *   (Cloud Armor request logging, https://cloud.google.com/armor/docs/request-logging). For a multi-key throttle the
 *   documentation does not say how the values are joined; this models them joined by a space, so a test can check
 *   which values (never which format) reach the log.
 *
 * Match conditions: basic `SRC_IPS_V1` with `["*"]`, and expressions joined by `&&` whose terms are
 * `has(request.headers['<name>'])`, `request.headers['<name>'] == '<value>'` (exact, case-sensitive; false for a
 * missing header) or `request.path.startsWith('<prefix>')`, each optionally negated with `!`.
 * Anything else throws, so a policy that starts using another construct fails its tests until this learns it.
 */

export interface ArmorRequest {
  ip: string;
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
}

export interface ArmorDecision {
  /** `allow`, `deny(403)`, `deny(429)`, … */
  action: string;
  /** The priority of the rule that acted. */
  priority: number;
  /** The rate-limit key value the log would record, when a throttle acted. */
  loggedKey?: string;
}

interface RateLimitOptions {
  conformAction: string;
  exceedAction: string;
  enforceOnKey?: string;
  enforceOnKeyName?: string;
  enforceOnKeyConfigs?: { enforceOnKeyType?: string; enforceOnKeyName?: string }[];
  rateLimitThreshold: { count: number; intervalSec: number };
}

export interface ArmorRule {
  priority: number;
  action: string;
  preview?: boolean;
  match: {
    versionedExpr?: string;
    config?: { srcIpRanges: string[] };
    expr?: { expression: string };
  };
  rateLimitOptions?: RateLimitOptions;
}

function term(t: string, r: ArmorRequest): boolean {
  const s = t.trim();
  if (s.startsWith("!")) return !term(s.slice(1), r);
  const header = /^has\(request\.headers\['([a-z0-9-]+)'\]\)$/.exec(s);
  if (header) return header[1] !== undefined && Object.hasOwn(r.headers, header[1]);
  const equals = /^request\.headers\['([a-z0-9-]+)'\]\s*==\s*'([^']*)'$/.exec(s);
  if (equals) return equals[1] !== undefined && r.headers[equals[1]] === equals[2];
  const prefix = /^request\.path\.startsWith\('([^']*)'\)$/.exec(s);
  if (prefix) return r.path.startsWith(prefix[1] ?? "");
  throw new Error(`cloud-armor evaluator: unsupported term ${JSON.stringify(s)}`);
}

function matches(rule: ArmorRule, r: ArmorRequest): boolean {
  const m = rule.match;
  if (m.versionedExpr !== undefined) {
    if (m.versionedExpr !== "SRC_IPS_V1" || JSON.stringify(m.config?.srcIpRanges) !== '["*"]') {
      throw new Error(`cloud-armor evaluator: unsupported basic match ${JSON.stringify(m)}`);
    }
    return true;
  }
  const expression = m.expr?.expression;
  if (expression === undefined) throw new Error(`cloud-armor evaluator: rule ${rule.priority} has no match`);
  const shape = expression.replace(
    /has\(request\.headers\['[a-z0-9-]+'\]\)|request\.headers\['[a-z0-9-]+'\]\s*==\s*'[^']*'|request\.path\.startsWith\('[^']*'\)/g,
    "T",
  );
  if (!/^\s*!?T(\s*&&\s*!?T)*\s*$/.test(shape)) {
    throw new Error(`cloud-armor evaluator: unsupported expression ${JSON.stringify(expression)}`);
  }
  return expression.split("&&").every((t) => term(t, r));
}

function oneKey(type: string | undefined, name: string | undefined, r: ArmorRequest): string {
  switch (type ?? "ALL") {
    case "ALL":
      return "";
    case "IP":
      return r.ip;
    case "HTTP_HEADER": {
      const v = r.headers[String(name).toLowerCase()];
      return v === undefined ? "" : Buffer.from(v).subarray(0, 128).toString();
    }
    default:
      throw new Error(`cloud-armor evaluator: unsupported key type ${type}`);
  }
}

/** The key's values, one per key config (one for a single-key throttle). */
function keyOf(o: RateLimitOptions, r: ArmorRequest): string[] {
  if (o.enforceOnKeyConfigs === undefined) return [oneKey(o.enforceOnKey, o.enforceOnKeyName, r)];
  if (o.enforceOnKey !== undefined || o.enforceOnKeyName !== undefined) {
    throw new Error("cloud-armor evaluator: enforceOnKey and enforceOnKeyConfigs are exclusive (the API refuses both)");
  }
  if (o.enforceOnKeyConfigs.length < 1 || o.enforceOnKeyConfigs.length > 3) {
    throw new Error("cloud-armor evaluator: enforceOnKeyConfigs takes 1 to 3 keys");
  }
  return o.enforceOnKeyConfigs.map((c) => oneKey(c.enforceOnKeyType, c.enforceOnKeyName, r));
}

/**
 * A policy under evaluation: one rate-limit window (all requests sent to it fall in the same `intervalSec`).
 */
export class ArmorPolicy {
  private readonly rules: ArmorRule[];
  private readonly counters = new Map<string, number>();

  /** @throws {Error} when two rules share a priority (the API refuses it) or a rule is in preview. */
  constructor(rules: ArmorRule[]) {
    this.rules = [...rules].sort((a, b) => a.priority - b.priority);
    const priorities = new Set(this.rules.map((x) => x.priority));
    if (priorities.size !== this.rules.length) throw new Error("cloud-armor evaluator: duplicate priority");
    if (this.rules.some((x) => x.preview)) throw new Error("cloud-armor evaluator: preview rules unsupported");
  }

  /** Evaluates one request: the first matching rule acts. */
  evaluate(r: ArmorRequest): ArmorDecision {
    for (const rule of this.rules) {
      if (!matches(rule, r)) continue;
      if (rule.action !== "throttle") return { action: rule.action, priority: rule.priority };
      const o = rule.rateLimitOptions;
      if (o === undefined) throw new Error(`cloud-armor evaluator: throttle ${rule.priority} has no rateLimitOptions`);
      const key = keyOf(o, r);
      const bucket = JSON.stringify([rule.priority, ...key]);
      const n = (this.counters.get(bucket) ?? 0) + 1;
      this.counters.set(bucket, n);
      const loggedKey = Buffer.from(key.join(" ")).subarray(0, 36).toString();
      const action = n > o.rateLimitThreshold.count ? o.exceedAction : o.conformAction;
      return { action, priority: rule.priority, loggedKey };
    }
    throw new Error("cloud-armor evaluator: no rule matched (a policy needs a default rule)");
  }

  /** Sends `n` requests made by `make(i)` and returns every decision. */
  send(n: number, make: (i: number) => ArmorRequest): ArmorDecision[] {
    return Array.from({ length: n }, (_, i) => this.evaluate(make(i)));
  }
}
