/**
 * CloudFront flat-rate plans (since 2025-11-18) against pay-as-you-go CloudFront and WAF, for the Fargate target's edge.
 * Pure: no Pulumi, no I/O.
 *
 * Source: ../shared/PRICING.md A.5b, "CloudFront flat-rate plans" ([2nd] bybowu.com ×3, duckbillhq, dev.to aws-builders,
 * finops.com.py, pocketlantern, as of 2026-03; marked ✅ there). Each plan is per distribution, has no overage charges and
 * bundles the distribution, an AWS WAF web ACL, DDoS protection, CloudWatch Logs ingestion for CloudFront and WAF logs,
 * and Route 53 DNS. WAF-blocked requests do not count. Over the allowance AWS may throttle rather than bill. Not for AWS
 * Free Tier (credit) accounts; at most 3 Free plans per account; some WAF features (CAPTCHA, partner rules) excluded.
 *
 * @pulumi/aws 7.48.0 has no argument to attach a plan to `aws.cloudfront.Distribution` (nothing in
 * node_modules/@pulumi/aws/cloudfront mentions a pricing or flat-rate plan), so the stack deploys pay-as-you-go and the
 * plan is chosen in the CloudFront console (README, "Which target is cheapest?").
 */
import type { CostLine } from "./model.js";

export type FlatRatePlanName = "Free" | "Pro" | "Business" | "Premium";

export interface FlatRatePlan {
  name: FlatRatePlanName;
  /** USD per distribution-month. */
  monthlyUsd: number;
  /** Requests a month the plan covers (WAF-blocked requests do not count). */
  requests: number;
  /** GB out a month the plan covers (1 TB taken as 1,024 GB, the model's GB being 2^30 B). */
  dataTransferGb: number;
}

export const FLAT_RATE_PLAN_SOURCE =
  "PRICING.md A.5b: bybowu.com (x3), duckbillhq, dev.to aws-builders, finops.com.py, pocketlantern (as of 2026-03) (checked 2026-11)";

/** Cheapest first. */
export const CLOUDFRONT_FLAT_RATE_PLANS: readonly FlatRatePlan[] = [
  { name: "Free", monthlyUsd: 0, requests: 1_000_000, dataTransferGb: 100 },
  { name: "Pro", monthlyUsd: 15, requests: 10_000_000, dataTransferGb: 50 * 1024 },
  { name: "Business", monthlyUsd: 200, requests: 125_000_000, dataTransferGb: 50 * 1024 },
  { name: "Premium", monthlyUsd: 1000, requests: 500_000_000, dataTransferGb: 50 * 1024 },
];

/** What a plan's allowance means, shown wherever a plan is suggested. */
export const FLAT_RATE_PLAN_TERMS =
  "A flat-rate plan bundles the distribution and its WAF web ACL; traffic over the allowance may be throttled, not billed " +
  "as overage; not available to AWS Free Tier (credit) accounts; at most 3 Free plans per account; CAPTCHA and partner " +
  "WAF rules excluded";

/**
 * The cheapest plan whose allowance covers the month's traffic.
 * @param requests - requests/month (≥ 0). @param dataTransferGb - GB out/month (≥ 0).
 * @returns undefined when even Premium's allowance is exceeded.
 */
export function cheapestFittingPlan(requests: number, dataTransferGb: number): FlatRatePlan | undefined {
  return CLOUDFRONT_FLAT_RATE_PLANS.find((p) => requests <= p.requests && dataTransferGb <= p.dataTransferGb);
}

export interface FlatRateComparison {
  /** The pay-as-you-go CloudFront and WAF lines a plan replaces, USD/month; null when one has no price. */
  payAsYouGoUsd: number | null;
  /** The cheapest fitting plan; null when the traffic exceeds every plan. */
  plan: FlatRatePlan | null;
  /** Which way of paying is cheaper for this profile ("unknown" when pay-as-you-go is unpriced or no plan fits). */
  cheaper: "plan" | "pay-as-you-go" | "unknown";
  /** USD/month the pay-as-you-go choice costs over the plan (negative when pay-as-you-go is cheaper); null if unknown. */
  savingUsd: number | null;
  /** A sentence for tables, notes and stack outputs. */
  summary: string;
}

/** Lines a plan replaces: the CloudFront distribution's and its WAF web ACL's. */
export function planCoveredLines(lines: CostLine[]): CostLine[] {
  return lines.filter((l) => /cloudfront\/distribution|wafv2\/webAcl/.test(l.resource));
}

/**
 * Pay-as-you-go against the cheapest fitting plan, for one month of Fargate traffic.
 * @param lines - the Fargate estimate's lines (pay-as-you-go). @param requests - requests/month. @param gb - GB out/month.
 */
export function compareFlatRate(lines: CostLine[], requests: number, gb: number): FlatRateComparison {
  const covered = planCoveredLines(lines);
  const payAsYouGoUsd = covered.some((l) => l.monthlyUsd === null)
    ? null
    : covered.reduce((s, l) => s + (l.monthlyUsd ?? 0), 0);
  const plan = cheapestFittingPlan(requests, gb) ?? null;
  const usd = (n: number) => `$${n.toFixed(2)}`;
  if (!plan)
    return {
      payAsYouGoUsd,
      plan,
      cheaper: "unknown",
      savingUsd: null,
      summary: `no CloudFront flat-rate plan covers ${requests.toLocaleString("en-US")} requests and ${gb.toFixed(1)} GB a month (Premium: 500M, 50 TB); pay-as-you-go only`,
    };
  if (payAsYouGoUsd === null)
    return {
      payAsYouGoUsd,
      plan,
      cheaper: "unknown",
      savingUsd: null,
      summary: `CloudFront ${plan.name} plan ${usd(plan.monthlyUsd)}/month; pay-as-you-go has an unpriced line, so which is cheaper is unknown`,
    };
  const savingUsd = payAsYouGoUsd - plan.monthlyUsd;
  const cheaper = savingUsd > 0 ? "plan" : "pay-as-you-go";
  return {
    payAsYouGoUsd,
    plan,
    cheaper,
    savingUsd,
    summary:
      `CloudFront + WAF pay-as-you-go ${usd(payAsYouGoUsd)}/month vs the ${plan.name} flat-rate plan ${usd(plan.monthlyUsd)}/month ` +
      `(covers ${plan.requests.toLocaleString("en-US")} requests, ${plan.dataTransferGb.toLocaleString("en-US")} GB): ` +
      `${cheaper === "plan" ? `the plan is cheaper by ${usd(savingUsd)}` : `pay-as-you-go is cheaper by ${usd(-savingUsd)}`}. ` +
      `The estimate assumes pay-as-you-go (the stack cannot attach a plan; choose one in the CloudFront console). ${FLAT_RATE_PLAN_TERMS}`,
  };
}
