/**
 * The Fargate target's edge: a CloudFront distribution (TLS on the default *.cloudfront.net certificate, or a custom
 * domain) in front of the ALB, and a WAF web ACL (scope CLOUDFRONT, so created in us-east-1) with per-key and per-IP
 * rate-based rules and the AWS common rule set.
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
 * Rules of AWSManagedRulesCommonRuleSet that break MCP traffic, set to count instead of block:
 * - SizeRestrictions_BODY blocks bodies over 8 KB, and a tools/call carrying a file or a long prompt is larger.
 * - CrossSiteScripting_BODY matches HTML and script snippets, which coding assistants send as tool arguments.
 * - GenericRFI_BODY matches URLs with parameters in the body, which tool arguments routinely contain.
 */
export const COMMON_RULE_SET_EXCLUSIONS = [
  "SizeRestrictions_BODY",
  "CrossSiteScripting_BODY",
  "GenericRFI_BODY",
] as const;

const RATE_LIMITED_BODY = JSON.stringify({
  jsonrpc: "2.0",
  error: { code: -32000, message: "Too many requests: edge rate limit exceeded" },
  id: null,
});

export interface CloudFrontEdgeArgs {
  albDnsName: pulumi.Input<string>;
  originVerifySecret: pulumi.Input<string>;
  /** requests/s per key; the WAF limit is this × 60 per minute (at least 10). */
  requestsPerSecond: number;
  /** Requests per minute per client IP, keyed or not. */
  perIpRequestsPerMinute: number;
  domainName: string | undefined;
  /** ACM certificate in us-east-1 for `domainName`. */
  certificateArn: string | undefined;
  tags: Record<string, string>;
}

export interface CloudFrontEdge {
  distribution: aws.cloudfront.Distribution;
  webAcl: aws.wafv2.WebAcl;
  usEast1: aws.Provider;
  /** `https://<domain>` without a trailing slash. */
  baseUrl: pulumi.Output<string>;
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

export function cloudFrontEdge(name: string, args: CloudFrontEdgeArgs, parent: pulumi.Resource): CloudFrontEdge {
  const opts = { parent };
  const usEast1 = new aws.Provider(`${name}-us-east-1`, { region: "us-east-1" }, opts);
  const block429 = {
    block: {
      customResponse: {
        responseCode: 429,
        customResponseBodyKey: "rate-limited",
        responseHeaders: [{ name: "Retry-After", value: String(WAF_WINDOW_SECONDS) }],
      },
    },
  };
  const webAcl = new aws.wafv2.WebAcl(
    `${name}-waf`,
    {
      scope: "CLOUDFRONT",
      description: "mcp-anywhere: per-key and per-IP rate limits, AWS common rules",
      defaultAction: { allow: {} },
      customResponseBodies: [{ key: "rate-limited", contentType: "APPLICATION_JSON", content: RATE_LIMITED_BODY }],
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
              ruleActionOverrides: COMMON_RULE_SET_EXCLUSIONS.map((rule) => ({
                name: rule,
                actionToUse: { count: {} },
              })),
            },
          },
          visibilityConfig: visibility("aws-common"),
        },
      ],
      visibilityConfig: visibility(`${name}-waf`),
      tags: args.tags,
    },
    { parent, provider: usEast1 },
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
  return { distribution, webAcl, usEast1, baseUrl };
}
