/**
 * The Cloud Run stack's budget: `gcp.billing.Budget` on the billing account `gcpBillingAccount`, limited to the stack's
 * project and to resources labelled `mcp-anywhere-stack=<stack>` (infra/tags.ts), at a monthly USD amount, with
 * threshold rules at 0.8 of current spend and 1.0 of forecast spend (DEPLOY_DEFAULTS.alerts), notifying a Cloud
 * Monitoring notification channel (infra/alerts/gcp-alerts.ts) instead of the billing account's admins.
 *
 * Budget filter: `projects` takes `projects/<project number>`, `labels` one key with one value
 * (https://cloud.google.com/billing/docs/reference/budget/rest/v1/billingAccounts.budgets#filter). The budget's
 * currency must be the billing account's (USD assumed). Budgets cost nothing
 * (https://cloud.google.com/billing/docs/how-to/budgets: "There is no charge for creating budgets").
 *
 * **What it does not see** (review finding R2-m7). The label filter keeps "usage from only this set of labeled
 * resources" (the filter reference above): spend with no `mcp-anywhere-stack` label is outside it, such as Cloud
 * Logging ingestion, Cloud Trace spans, Cloud Monitoring alerting, network egress and anything else the billing data
 * does not carry the label for. The budget is a floor, not the project's bill; for the whole project, keep a
 * project-wide budget (the same budget without `labels`) in the Billing console, or give the stack a project of its
 * own.
 *
 * **Quota project** (review finding R2-M4). The Billing Budget API is a client-based API: a call needs a quota project,
 * and user credentials (`gcloud auth application-default login`) or a federated identity without a service account
 * have none, so the create fails with 403 "…requires a quota project, which is not set by default"
 * (hashicorp/terraform-provider-google#7948; https://cloud.google.com/docs/quotas/set-quota-project). Enabling
 * `billingbudgets.googleapis.com` in the stack's project does not make that project the quota project; the provider
 * must name it on each request (`X-Goog-User-Project`). {@link budgetQuotaProject} gives the provider settings that do,
 * and the stack program sets them on its GCP provider whenever it plans a budget (stacks/program.ts). The policy
 * `gcp-budget-quota-project` (infra/policy/gcp.ts) refuses a budget whose provider lacks them.
 *
 * **Deployer permissions.** `billing.budgets.create`, `.get`, `.update` and `.delete` on the billing account
 * (roles/billing.costsManager, granted on the billing account, not the project;
 * https://cloud.google.com/billing/docs/how-to/billing-access); `serviceusage.services.use` on the stack's project,
 * which is then the quota project of every call (in roles/serviceusage.serviceUsageConsumer and serviceUsageAdmin,
 * Editor, Owner; https://cloud.google.com/apis/docs/system-parameters); and `resourcemanager.projects.get` for the
 * project number (`gcp.organizations.getProject`).
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { DEPLOY_DEFAULTS } from "../core/defaults.js";
import { labelValue, STACK_LABEL } from "../policy/taggable.js";

/**
 * The GCP provider settings that make the stack's project the quota project of every call the provider makes:
 * `userProjectOverride: true` sends the `X-Goog-User-Project` header, and `billingProject` names the project in it.
 * The provider reference: "billing_project … A quota project to send in user_project_override, used for all requests
 * sent from the provider"
 * (https://registry.terraform.io/providers/hashicorp/google/latest/docs/guides/provider_reference#user_project_override;
 * the same fields on `gcp.Provider`, node_modules/@pulumi/gcp/provider.d.ts).
 *
 * Set on the stack's one GCP provider, not on a second provider for the budget alone: the billing project is the
 * project where every resource of the stack already lives and where the stack enables every API it calls, so every
 * other request is charged (for quota) to the project whose resources it manages, as resource-based APIs do anyway,
 * and the only new requirement is `serviceusage.services.use` there, which the deployer already holds through
 * roles/serviceusage.serviceUsageAdmin (needed to enable the APIs; "consume quota and billing for a consumer
 * project", https://cloud.google.com/iam/docs/roles-permissions/serviceusage). One more side: the Cloud Resource
 * Manager calls (`gcp.organizations.getProject`, the reads of `gcp.projects.Service`) then count against that project
 * too, so that API must be on there, a prerequisite anyway (infra/google-apis.ts). Changing these settings later
 * updates the provider in place: the bridge replaces a provider (and so its resources) only for settings marked
 * `ForcesProviderReplace` (pulumi/pulumi-terraform-bridge#1683, and pulumi/pulumi#18509 for explicit providers), and
 * pulumi-gcp marks none (provider/resources.go at ed6078a), so adding or removing a budget never replaces the stack's
 * resources.
 *
 * @param project - the stack's project id (`gcp:project`).
 */
export function budgetQuotaProject(project: string): { userProjectOverride: true; billingProject: string } {
  return { userProjectOverride: true, billingProject: project };
}

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
