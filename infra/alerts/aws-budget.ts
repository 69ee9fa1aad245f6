/**
 * The stack's monthly AWS cost budget: `aws.budgets.Budget` (COST, MONTHLY, USD) limited to the resources tagged
 * `mcp-anywhere:stack=<stack>` (the tag infra/tags.ts puts on every taggable resource), notifying at
 * DEPLOY_DEFAULTS.alerts.budgetActualPercent (80) % of actual spend and budgetForecastPercent (100) % of forecast spend.
 *
 * A tag filter only sees costs once the tag is an activated **cost allocation tag**: activate `mcp-anywhere:stack` in
 * Billing → Cost allocation tags (it appears there up to 24 hours after the first tagged resource, and tags apply from
 * activation on, not backwards): https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/activating-tags.html.
 * Until then the budget reads $0. The filter value is `user:<key>$<value>` (Budgets `CostFilters` `TagKeyValue`,
 * https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Budget.html).
 *
 * **What it does not see** (review finding R2-m7):
 * - In an AWS Organization only the management account can activate the tag: "Only a management account in an
 *   organization and single accounts that aren't members of an organization have access to the cost allocation tags
 *   manager" (https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/custom-tags.html). A stack in a member
 *   account reads $0 until the management account activates `mcp-anywhere:stack`.
 * - Spend that is not attributed to a tagged resource stays outside a `TagKeyValue` filter: most data transfer,
 *   public IPv4 charges not billed to a tagged resource (e.g. the addresses of Fargate tasks in public subnets, whose
 *   network interfaces ECS creates, not this stack), X-Ray traces (tracingPlatform; traces are not resources), and
 *   anything else without the tag.
 * The budget is a floor, not the stack's bill. For the whole bill, keep an account-wide budget (the same budget
 * without `costFilters`), best in an account of its own; or, in an Organization, a budget the management account
 * filters by linked account.
 *
 * **Deployer permissions**: `budgets:ModifyBudget` and `budgets:ViewBudget` (CreateBudget, DescribeBudget and the
 * notifications), and, since the budget is tagged, `budgets:TagResource`, `budgets:UntagResource` and
 * `budgets:ListTagsForResource`, on `arn:aws:budgets::<account>:budget/*` or `*`
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsbudgetservice.html). AWS has no API to
 * turn on first.
 *
 * Subscribers: the e-mail address directly (no SNS subscription to confirm) and/or the SNS topic `alertSnsTopicArn`,
 * whose policy must let `budgets.amazonaws.com` publish
 * (https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html). Without either the budget is
 * still created (visible in the console) and the stack config warns. A budget without actions costs nothing
 * ("$0.00 for Budget-days", BudgetsUsage, AWS Price List; https://aws.amazon.com/aws-cost-management/aws-budgets/pricing/:
 * budgets that only notify are free, action-enabled budgets are free for the first 2 and then $0.10/day).
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { DEPLOY_DEFAULTS } from "../core/defaults.js";
import { STACK_TAG } from "../policy/taggable.js";
import type { AlertRecipients } from "./topic.js";

/** The Budgets `TagKeyValue` filter value for the stack tag: `user:mcp-anywhere:stack$<stack>`. */
export function stackTagFilterValue(stack: string): string {
  return `user:${STACK_TAG}$${stack}`;
}

/**
 * @param name - resource name; the budget is `${name}-budget`.
 * @param amountUsd - USD/month, > 0 (config `budgetMonthlyUsd`, resolved).
 * @param stack - the stack name the tag filter matches.
 */
export function awsBudget(
  name: string,
  args: { amountUsd: number; stack: string; recipients: AlertRecipients; tags: Record<string, string> },
  parent: pulumi.Resource,
): aws.budgets.Budget {
  const { email, snsTopicArn } = args.recipients;
  const subscribers = {
    ...(email !== undefined ? { subscriberEmailAddresses: [email] } : {}),
    ...(snsTopicArn !== undefined ? { subscriberSnsTopicArns: [snsTopicArn] } : {}),
  };
  const notify = (threshold: number, notificationType: "ACTUAL" | "FORECASTED") => ({
    comparisonOperator: "GREATER_THAN",
    threshold,
    thresholdType: "PERCENTAGE",
    notificationType,
    ...subscribers,
  });
  const d = DEPLOY_DEFAULTS.alerts;
  return new aws.budgets.Budget(
    `${name}-budget`,
    {
      budgetType: "COST",
      timeUnit: "MONTHLY",
      limitAmount: String(args.amountUsd),
      limitUnit: "USD",
      costFilters: [{ name: "TagKeyValue", values: [stackTagFilterValue(args.stack)] }],
      notifications:
        email === undefined && snsTopicArn === undefined
          ? []
          : [notify(d.budgetActualPercent, "ACTUAL"), notify(d.budgetForecastPercent, "FORECASTED")],
      tags: args.tags,
    },
    { parent },
  );
}
