/**
 * The Cloud Run stack's budget: `gcp.billing.Budget` on the billing account `gcpBillingAccount`, limited to the stack's
 * project and to resources labelled `mcp-anywhere-stack=<stack>` (infra/tags.ts), at a monthly USD amount, with
 * threshold rules at 0.8 of current spend and 1.0 of forecast spend (DEPLOY_DEFAULTS.alerts), notifying a Cloud
 * Monitoring notification channel (infra/alerts/gcp-channel.ts) instead of the billing account's admins.
 *
 * Budget filter: `projects` takes `projects/<project number>`, `labels` one key with one value
 * (https://cloud.google.com/billing/docs/reference/budget/rest/v1/billingAccounts.budgets#filter). The budget's
 * currency must be the billing account's (USD assumed). Budgets cost nothing
 * (https://cloud.google.com/billing/docs/how-to/budgets: "There is no charge for creating budgets"). The deployer needs
 * `billing.budgets.create` on the billing account (roles/billing.costsManager) and, with user credentials, a quota
 * project with the Billing Budget API on (the stack enables billingbudgets.googleapis.com in its project).
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { DEPLOY_DEFAULTS } from "../core/defaults.js";
import { labelValue, STACK_LABEL } from "../policy/taggable.js";

/**
 * @param name - resource name; the budget is `${name}-budget`.
 * @param args.billingAccount - `XXXXXX-XXXXXX-XXXXXX` (config `gcpBillingAccount`).
 * @param args.projectNumber - the project's number (not its id).
 * @param args.channel - the notification channel's id (`projects/<p>/notificationChannels/<n>`), or none.
 */
export function gcpBudget(
  name: string,
  args: {
    billingAccount: string;
    projectNumber: pulumi.Input<string>;
    stack: string;
    amountUsd: number;
    channel: pulumi.Input<string> | undefined;
  },
  opts: pulumi.CustomResourceOptions,
): gcp.billing.Budget {
  const d = DEPLOY_DEFAULTS.alerts;
  return new gcp.billing.Budget(
    `${name}-budget`,
    {
      billingAccount: args.billingAccount,
      displayName: `mcp-anywhere ${args.stack}`.slice(0, 60),
      amount: { specifiedAmount: { currencyCode: "USD", units: String(args.amountUsd) } },
      budgetFilter: {
        projects: [pulumi.interpolate`projects/${args.projectNumber}`],
        labels: { [STACK_LABEL]: labelValue(args.stack) },
        calendarPeriod: "MONTH",
      },
      thresholdRules: [
        { thresholdPercent: d.budgetActualPercent / 100, spendBasis: "CURRENT_SPEND" },
        { thresholdPercent: d.budgetForecastPercent / 100, spendBasis: "FORECASTED_SPEND" },
      ],
      ...(args.channel !== undefined
        ? { allUpdatesRule: { monitoringNotificationChannels: [args.channel], disableDefaultIamRecipients: true } }
        : {}),
    },
    opts,
  );
}
