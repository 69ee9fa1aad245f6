/**
 * Policies for AWS WAF: CLOUDFRONT web ACLs live in us-east-1, rate-based rules use values WAF accepts, and custom
 * response headers have names WAF accepts.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, asNumber, asRecord, reveal, TYPES, walk } from "./lib.js";

const SCOPE_DOC = "https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html";
const RATE_DOC =
  "https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html";
const HEADER_DOC = "https://docs.aws.amazon.com/waf/latest/APIReference/API_CustomHTTPHeader.html";
const RESPONSE_DOC =
  "https://docs.aws.amazon.com/waf/latest/developerguide/customizing-the-response-for-blocked-requests.html";

/** Rate-based rule evaluation windows WAF accepts, seconds (RATE_DOC). */
export const RATE_WINDOWS_SEC: readonly number[] = [60, 120, 300, 600];
/** Rate-based rule limit bounds (RATE_DOC; the API's RateLimit: 10 to 2,000,000,000). */
export const RATE_LIMIT_MIN = 10;
export const RATE_LIMIT_MAX = 2_000_000_000;

/**
 * `waf-cloudfront-scope-region`: a web ACL with scope CLOUDFRONT is created in us-east-1 ("you must also specify the
 * Region US East (N. Virginia)", SCOPE_DOC): the resource's `region` input, or else its provider's `region`.
 */
export const wafCloudfrontRegion: ResourceValidationPolicy = {
  name: "waf-cloudfront-scope-region",
  description: `WAFv2 web ACLs with scope CLOUDFRONT are created in us-east-1 (resource region or provider region) (${SCOPE_DOC}).`,
  validateResource: (args, report) => {
    if (args.type !== TYPES.wafWebAcl && args.type !== TYPES.wafRuleGroup) return;
    if (reveal(args.props.scope) !== "CLOUDFRONT") return;
    const region = reveal(args.props.region) ?? reveal(args.provider?.props.region);
    if (region !== "us-east-1")
      report(
        `${args.name}: scope CLOUDFRONT in region ${JSON.stringify(region ?? null)}; must be us-east-1 (${SCOPE_DOC})`,
      );
  },
};

/** Problems with one rate-based statement: the limit and the evaluation window. */
export function rateStatementProblems(statement: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const limit = asNumber(statement.limit);
  if (limit === undefined || limit < RATE_LIMIT_MIN || limit > RATE_LIMIT_MAX)
    problems.push(`limit=${JSON.stringify(limit ?? null)}; allowed ${RATE_LIMIT_MIN} to ${RATE_LIMIT_MAX}`);
  const window = statement.evaluationWindowSec === undefined ? 300 : asNumber(statement.evaluationWindowSec);
  if (window === undefined || !RATE_WINDOWS_SEC.includes(window))
    problems.push(
      `evaluationWindowSec=${JSON.stringify(reveal(statement.evaluationWindowSec))}; allowed ${RATE_WINDOWS_SEC.join(", ")}`,
    );
  return problems;
}

/**
 * `waf-rate-based-rules`: every rate-based statement (at any depth of a web ACL's or rule group's rules, e.g. inside a
 * scope-down) has a limit of at least 10 and an evaluation window of 60, 120, 300 or 600 seconds (RATE_DOC).
 */
export const wafRateBasedRules: ResourceValidationPolicy = {
  name: "waf-rate-based-rules",
  description: `WAF rate-based rules: limit >= ${RATE_LIMIT_MIN} and evaluationWindowSec in {${RATE_WINDOWS_SEC.join(",")}} (${RATE_DOC}).`,
  validateResource: (args, report) => {
    if (args.type !== TYPES.wafWebAcl && args.type !== TYPES.wafRuleGroup) return;
    asArray(args.props.rules).forEach((rule, i) => {
      walk(asRecord(rule)?.statement, (v, path) => {
        if (!path.endsWith("rateBasedStatement")) return;
        const s = asRecord(v);
        if (s)
          for (const p of rateStatementProblems(s))
            report(`${args.name}: rules[${i}] (${String(reveal(asRecord(rule)?.name))}) ${path}: ${p} (${RATE_DOC})`);
      });
    });
  },
};

/**
 * Problems with one custom response header name: 1 to 64 characters of `[a-zA-Z0-9._$-]` (HEADER_DOC), and not
 * `content-type` ("You can specify any header name except for content-type", RESPONSE_DOC; the body's content type
 * sets it).
 */
export function headerNameProblems(name: unknown): string[] {
  const n = reveal(name);
  if (typeof n !== "string" || !/^[a-zA-Z0-9._$-]{1,64}$/.test(n))
    return [`header name ${JSON.stringify(n)} is not 1 to 64 characters of [a-zA-Z0-9._$-]`];
  if (n.toLowerCase() === "content-type")
    return ["header name content-type is not allowed; the body's contentType sets it"];
  return [];
}

/**
 * `waf-custom-response-headers`: every `customResponse.responseHeaders[].name` passes {@link headerNameProblems}, and
 * no name repeats within one response ("Duplicate header names are not allowed", the CustomResponse API reference).
 */
export const wafCustomResponseHeaders: ResourceValidationPolicy = {
  name: "waf-custom-response-headers",
  description: `WAF custom response header names are valid: [a-zA-Z0-9._$-]{1,64}, not content-type, no duplicates (${HEADER_DOC}, ${RESPONSE_DOC}).`,
  validateResource: (args, report) => {
    if (args.type !== TYPES.wafWebAcl && args.type !== TYPES.wafRuleGroup) return;
    walk(args.props, (v, path) => {
      if (!path.endsWith("customResponse")) return;
      const seen = new Set<string>();
      asArray(asRecord(v)?.responseHeaders).forEach((h, i) => {
        const name = reveal(asRecord(h)?.name);
        const problems = headerNameProblems(name);
        if (typeof name === "string" && seen.has(name.toLowerCase())) problems.push(`header name ${name} repeats`);
        if (typeof name === "string") seen.add(name.toLowerCase());
        for (const p of problems) report(`${args.name}: ${path}.responseHeaders[${i}]: ${p} (${HEADER_DOC})`);
      });
    });
  },
};
