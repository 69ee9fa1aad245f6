/**
 * The Fargate target's edge: a CloudFront distribution (TLS on the default *.cloudfront.net certificate, or a custom
 * domain) in front of the ALB, and a WAF web ACL (scope CLOUDFRONT, so created in us-east-1) with per-key, per-IP and
 * per-tool (per key and `Mcp-Name` header) rate-based rules and the AWS common rule set. Every block the WAF returns has a JSON-RPC body.
 *
 * Review F8: the web ACL is placed in us-east-1 with pulumi-aws 7's per-resource `region` argument (Terraform AWS
 * provider 6 "Enhanced Region Support", https://hashicorp.github.io/terraform-provider-aws/enhanced-region-support;
 * @pulumi/aws wafv2/webAcl.d.ts `region`), not with an explicit `aws.Provider`: an explicit provider does not inherit
 * the stack's `aws:*` config (profile, assumeRoles, allowedAccountIds, defaultTags: pulumi/pulumi-aws#1307, #3259), so
 * the WAF could be created with other credentials or in another account than the distribution that references it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ORIGIN_VERIFY_HEADER } from "./alb.js";

/** WAF rate-based rules count over this window, s (60 is the shortest WAF offers). */
export const WAF_WINDOW_SECONDS = 60;
/** WAF's smallest allowed rate-based limit per window. */
export const WAF_MIN_LIMIT = 10;
/** CloudFront's longest origin read timeout without a quota increase, s. */
export const ORIGIN_READ_TIMEOUT_SECONDS = 60;

/**
 * Rate-based rules one web ACL may hold: "Maximum number of rate-based rules per protection pack (web ACL): 10" (AWS
 * WAF Developer Guide, "AWS WAF quotas", https://docs.aws.amazon.com/waf/latest/developerguide/limits.html; it is not
 * adjustable). The per-key and per-IP rules use two.
 */
export const WAF_MAX_RATE_BASED_RULES = 10;
/** Per-tool rules the web ACL can take next to the per-key and per-IP rules. */
export const WAF_MAX_TOOL_RULES = WAF_MAX_RATE_BASED_RULES - 2;

/**
 * Web ACL capacity units (WCUs), the "AWS WAF web ACL capacity units (WCUs)" page
 * (https://docs.aws.amazon.com/waf/latest/developerguide/aws-waf-capacity-units.html): a web ACL holds up to 5,000 and
 * the base price covers 1,500 (more is billed per 500). A rate-based statement costs 2, plus 30 per custom aggregation
 * key, plus its scope-down statement ("Rate-based rule statement", Rule statements reference,
 * https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html);
 * a string match with `EXACTLY` costs 2 and the `NONE` transformation 0 ("String match rule statement",
 * https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-string-match.html);
 * AWSManagedRulesCommonRuleSet costs 700 ("Baseline rule groups",
 * https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html).
 */
export const WAF_WCU = {
  /** The base price's capacity. */
  included: 1500,
  perApiKeyRule: 2 + 30,
  perIpRule: 2,
  commonRuleSet: 700,
  /** header x-api-key + header mcp-name, scoped down to one `mcp-name` value. */
  perToolRule: 2 + 30 * 2 + 2,
} as const;

/** The request header a 2026-07-28 `tools/call` names its tool in (lower case: WAF matches header names so). */
export const MCP_NAME_HEADER = "mcp-name";

/** The region of every WAF resource used by CloudFront (AWS WAF Developer Guide, "Resources that you can protect"). */
export const WAF_CLOUDFRONT_REGION = "us-east-1";

/**
 * Rules of AWSManagedRulesCommonRuleSet that misfire on MCP traffic, set to count instead of block. MCP is JSON-RPC in
 * POST bodies to one fixed path, and tool arguments are arbitrary user content (code, paths, URLs, prompts), so the
 * rules that pattern-match the *body* block legitimate calls (review F18; rule list and semantics: AWS WAF Developer
 * Guide, "Core rule set (CRS) managed rule group",
 * https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html):
 * - SizeRestrictions_BODY blocks bodies over 8 KB, and a tools/call carrying a file or a long prompt is larger.
 * - CrossSiteScripting_BODY matches HTML and script snippets, which coding assistants send as tool arguments.
 * - GenericRFI_BODY matches URLs with an IPv4 host in the body, e.g. `http://10.0.0.5/…` in a tool argument.
 * - GenericLFI_BODY matches path traversal such as `../../`, which relative file paths in tool arguments contain.
 * - EC2MetaDataSSRF_BODY matches the instance-metadata address (169.254.169.254), which infrastructure prompts and code
 *   mention; the server fetches nothing on a client's behalf, so there is nothing to forge.
 * They still count (CloudWatch metrics and sampled requests under the `aws-common` rule). The server authenticates
 * every call with an API key before any tool runs.
 */
export const COMMON_RULE_SET_EXCLUSIONS = [
  "SizeRestrictions_BODY",
  "CrossSiteScripting_BODY",
  "GenericRFI_BODY",
  "GenericLFI_BODY",
  "EC2MetaDataSSRF_BODY",
] as const;

/**
 * The other rules of AWSManagedRulesCommonRuleSet (same source), which keep blocking, each overridden to a block with
 * the JSON-RPC 403 body instead of WAF's plain-text 403. None of them matches a well-formed MCP request:
 * - NoUserAgent_HEADER: MCP clients' HTTP stacks send a User-Agent by default (Node's fetch sends `node`, checked on
 *   Node 22; Python httpx `python-httpx/…`; Go `Go-http-client/…`); a client without one gets the JSON-RPC error.
 * - UserAgent_BadBots_HEADER: scanner agents (nessus, nmap).
 * - Query string, cookie and URI path rules: MCP uses one fixed path (`/mcp`, `/health`), no query and no cookies.
 * A rule AWS adds to the group later blocks with WAF's plain 403 until it is listed here.
 */
export const COMMON_RULE_SET_BLOCKED = [
  "NoUserAgent_HEADER",
  "UserAgent_BadBots_HEADER",
  "SizeRestrictions_QUERYSTRING",
  "SizeRestrictions_Cookie_HEADER",
  "SizeRestrictions_URIPATH",
  "EC2MetaDataSSRF_COOKIE",
  "EC2MetaDataSSRF_URIPATH",
  "EC2MetaDataSSRF_QUERYARGUMENTS",
  "GenericLFI_QUERYARGUMENTS",
  "GenericLFI_URIPATH",
  "RestrictedExtensions_URIPATH",
  "RestrictedExtensions_QUERYARGUMENTS",
  "GenericRFI_QUERYARGUMENTS",
  "GenericRFI_URIPATH",
  "CrossSiteScripting_COOKIE",
  "CrossSiteScripting_QUERYARGUMENTS",
  "CrossSiteScripting_URIPATH",
] as const;

const RATE_LIMITED_BODY = JSON.stringify({
  jsonrpc: "2.0",
  error: { code: -32000, message: "Too many requests: edge rate limit exceeded" },
  id: null,
});

/** The body of every other WAF block (AWS WAF Developer Guide, "Custom responses for Block actions"). */
export const WAF_BLOCKED_BODY = JSON.stringify({
  jsonrpc: "2.0",
  error: { code: -32000, message: "Forbidden: request blocked by the edge firewall (AWS common rule set)" },
  id: null,
});

export interface CloudFrontEdgeArgs {
  albDnsName: pulumi.Input<string>;
  originVerifySecret: pulumi.Input<string>;
  /** requests/s per key; the WAF limit is this × 60 per minute (at least 10). */
  requestsPerSecond: number;
  /** Requests per minute per client IP, keyed or not. */
  perIpRequestsPerMinute: number;
  /**
   * Tool name to requests/s per key and tool (see {@link perToolWafRules}); at most {@link WAF_MAX_TOOL_RULES} tools.
   * @default {}
   */
  perToolRequestsPerSecond?: Record<string, number>;
  domainName: string | undefined;
  /** ACM certificate in us-east-1 for `domainName`. */
  certificateArn: string | undefined;
  tags: Record<string, string>;
}

export interface CloudFrontEdge {
  distribution: aws.cloudfront.Distribution;
  webAcl: aws.wafv2.WebAcl;
  /** `https://<domain>` without a trailing slash. */
  baseUrl: pulumi.Output<string>;
  /** The web ACL's CloudWatch metric name (AWS/WAFV2 dimension `WebACL`). */
  webAclMetricName: string;
  /** Metric names of the rate-based rules, whose blocks answer 429 (AWS/WAFV2 dimension `Rule`). */
  rateRuleMetricNames: string[];
}

const visibility = (metricName: string) => ({
  cloudwatchMetricsEnabled: true,
  sampledRequestsEnabled: true,
  metricName,
});

/** WAF limit per window for a sustained rate (requests/s), never below WAF's minimum. */
export function wafLimit(requestsPerSecond: number): number {
  return Math.max(WAF_MIN_LIMIT, Math.ceil(requestsPerSecond * WAF_WINDOW_SECONDS));
}

const BLOCK_429 = {
  block: {
    customResponse: {
      responseCode: 429,
      customResponseBodyKey: "rate-limited",
      responseHeaders: [{ name: "Retry-After", value: String(WAF_WINDOW_SECONDS) }],
    },
  },
};

const NO_TRANSFORMATION = [{ priority: 0, type: "NONE" }];

/** First priority of the per-tool rules (after per-api-key 1, per-ip 2, aws-common 3). */
export const WAF_TOOL_RULE_PRIORITY = 10;

/**
 * The per-tool rate-based rules, one per listed tool, in tool-name order with priorities from
 * {@link WAF_TOOL_RULE_PRIORITY}. Each counts, per (`x-api-key` value, `mcp-name` value), the requests whose
 * `mcp-name` header is exactly the tool's name (a 2026-07-28 `tools/call` names its tool there), over
 * {@link WAF_WINDOW_SECONDS} s, and blocks with the JSON-RPC 429 above `wafLimit(rps)` (at least {@link WAF_MIN_LIMIT}
 * per window). Custom keys: "Rate-based rule aggregation options and keys",
 * https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-aggregation-options.html (a
 * request missing a key's header is not counted by that rule; the per-IP rule counts it). WAF evaluates every
 * rate-based rule a request reaches, so a listed tool's call also counts toward `per-api-key` and `per-ip`: the
 * per-tool limit narrows the key's, never widens it. Rule names are `per-tool-<n>-<tool>` with `.` as `_` (rule names
 * allow `[\w-]`); the index keeps `a.b` and `a_b` apart.
 * @throws {RangeError} naming `perToolRequestsPerSecond` when more than {@link WAF_MAX_TOOL_RULES} tools are listed
 *   (WAF's 10 rate-based rules per web ACL), or a rate is not > 0.
 */
export function perToolWafRules(perToolRequestsPerSecond: Record<string, number>) {
  const tools = Object.keys(perToolRequestsPerSecond).sort();
  if (tools.length > WAF_MAX_TOOL_RULES) {
    throw new RangeError(
      `cloudFrontEdge: \`perToolRequestsPerSecond\` lists ${tools.length} tools (${tools.join(", ")}); allowed: at most ` +
        `${WAF_MAX_TOOL_RULES} (WAF allows ${WAF_MAX_RATE_BASED_RULES} rate-based rules per web ACL and the per-key and ` +
        "per-IP limits use 2)",
    );
  }
  return tools.map((tool, i) => {
    const rps = perToolRequestsPerSecond[tool] ?? 0;
    if (!(rps > 0)) {
      throw new RangeError(`cloudFrontEdge: \`perToolRequestsPerSecond.${tool}\` must be > 0, got ${rps}`);
    }
    const ruleName = `per-tool-${i}-${tool.replaceAll(".", "_")}`;
    return {
      name: ruleName,
      priority: WAF_TOOL_RULE_PRIORITY + i,
      action: BLOCK_429,
      statement: {
        rateBasedStatement: {
          limit: wafLimit(rps),
          evaluationWindowSec: WAF_WINDOW_SECONDS,
          aggregateKeyType: "CUSTOM_KEYS",
          customKeys: [
            { header: { name: "x-api-key", textTransformations: NO_TRANSFORMATION } },
            { header: { name: MCP_NAME_HEADER, textTransformations: NO_TRANSFORMATION } },
          ],
          scopeDownStatement: {
            byteMatchStatement: {
              fieldToMatch: { singleHeader: { name: MCP_NAME_HEADER } },
              positionalConstraint: "EXACTLY",
              searchString: tool,
              textTransformations: NO_TRANSFORMATION,
            },
          },
        },
      },
      visibilityConfig: visibility(ruleName),
    };
  });
}

/**
 * The web ACL's capacity with `toolCount` per-tool rules, WCUs ({@link WAF_WCU}). With the most tools allowed
 * ({@link WAF_MAX_TOOL_RULES}) it is 734 + 8 × 64 = 1,246, inside the 1,500 the base price covers.
 */
export function webAclCapacity(toolCount: number): number {
  return WAF_WCU.perApiKeyRule + WAF_WCU.perIpRule + WAF_WCU.commonRuleSet + toolCount * WAF_WCU.perToolRule;
}

/**
 * Declares the web ACL and the distribution, each `${name}-<role>` under `parent`.
 * @throws {RangeError} from {@link perToolWafRules}.
 */
export function cloudFrontEdge(name: string, args: CloudFrontEdgeArgs, parent: pulumi.Resource): CloudFrontEdge {
  const opts = { parent };
  const block403 = {
    block: { customResponse: { responseCode: 403, customResponseBodyKey: "blocked" } },
  };
  const block429 = BLOCK_429;
  const toolRules = perToolWafRules(args.perToolRequestsPerSecond ?? {});
  const webAcl = new aws.wafv2.WebAcl(
    `${name}-waf`,
    {
      region: WAF_CLOUDFRONT_REGION,
      scope: "CLOUDFRONT",
      description: "mcp-anywhere: per-key and per-IP rate limits, AWS common rules",
      defaultAction: { allow: {} },
      customResponseBodies: [
        { key: "rate-limited", contentType: "APPLICATION_JSON", content: RATE_LIMITED_BODY },
        { key: "blocked", contentType: "APPLICATION_JSON", content: WAF_BLOCKED_BODY },
      ],
      rules: [
        {
          name: "per-api-key",
          priority: 1,
          action: block429,
          statement: {
            rateBasedStatement: {
              limit: wafLimit(args.requestsPerSecond),
              evaluationWindowSec: WAF_WINDOW_SECONDS,
              aggregateKeyType: "CUSTOM_KEYS",
              customKeys: [{ header: { name: "x-api-key", textTransformations: [{ priority: 0, type: "NONE" }] } }],
            },
          },
          visibilityConfig: visibility("per-api-key"),
        },
        {
          // Requests without an x-api-key header are not counted by the rule above; this one counts everything.
          name: "per-ip",
          priority: 2,
          action: block429,
          statement: {
            rateBasedStatement: {
              limit: Math.max(WAF_MIN_LIMIT, args.perIpRequestsPerMinute),
              evaluationWindowSec: WAF_WINDOW_SECONDS,
              aggregateKeyType: "IP",
            },
          },
          visibilityConfig: visibility("per-ip"),
        },
        {
          name: "aws-common",
          priority: 3,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: "AWS",
              name: "AWSManagedRulesCommonRuleSet",
              ruleActionOverrides: [
                ...COMMON_RULE_SET_EXCLUSIONS.map((rule) => ({ name: rule, actionToUse: { count: {} } })),
                ...COMMON_RULE_SET_BLOCKED.map((rule) => ({ name: rule, actionToUse: block403 })),
              ],
            },
          },
          visibilityConfig: visibility("aws-common"),
        },
        ...toolRules,
      ],
      visibilityConfig: visibility(`${name}-waf`),
      tags: args.tags,
    },
    opts,
  );

  const cachingDisabled = aws.cloudfront.getCachePolicyOutput({ name: "Managed-CachingDisabled" }, opts);
  const allViewerExceptHost = aws.cloudfront.getOriginRequestPolicyOutput(
    { name: "Managed-AllViewerExceptHostHeader" },
    opts,
  );
  const originId = "alb";
  const distribution = new aws.cloudfront.Distribution(
    `${name}-cdn`,
    {
      enabled: true,
      comment: "mcp-anywhere",
      httpVersion: "http2",
      isIpv6Enabled: true,
      priceClass: "PriceClass_200",
      aliases: args.domainName ? [args.domainName] : [],
      webAclId: webAcl.arn,
      origins: [
        {
          originId,
          domainName: args.albDnsName,
          customOriginConfig: {
            originProtocolPolicy: "http-only",
            httpPort: 80,
            httpsPort: 443,
            originSslProtocols: ["TLSv1.2"],
            originReadTimeout: ORIGIN_READ_TIMEOUT_SECONDS,
            originKeepaliveTimeout: 5,
          },
          customHeaders: [{ name: ORIGIN_VERIFY_HEADER, value: args.originVerifySecret }],
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: originId,
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
        cachedMethods: ["GET", "HEAD"],
        cachePolicyId: cachingDisabled.apply((p) => p.id ?? ""),
        originRequestPolicyId: allViewerExceptHost.apply((p) => p.id ?? ""),
        compress: false,
      },
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate: args.certificateArn
        ? {
            acmCertificateArn: args.certificateArn,
            sslSupportMethod: "sni-only",
            minimumProtocolVersion: "TLSv1.2_2021",
          }
        : { cloudfrontDefaultCertificate: true },
      tags: args.tags,
    },
    opts,
  );
  const baseUrl = args.domainName
    ? pulumi.output(`https://${args.domainName}`)
    : pulumi.interpolate`https://${distribution.domainName}`;
  return {
    distribution,
    webAcl,
    baseUrl,
    webAclMetricName: `${name}-waf`,
    rateRuleMetricNames: ["per-api-key", "per-ip", ...toolRules.map((r) => r.name)],
  };
}
