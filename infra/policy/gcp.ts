/** Policies for Google Cloud resources: a billing budget's provider names a quota project. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { reveal } from "./lib.js";

/** Google Cloud type tokens these policies look at (kept here: lib.ts `TYPES` is shared by every policy module). */
export const GCP_TYPES = {
  billingBudget: "gcp:billing/budget:Budget",
} as const;

/** The provider-side bug report: a budget created with user credentials fails without a quota project. */
const ISSUE = "https://github.com/hashicorp/terraform-provider-google/issues/7948";
/** Google: how the quota project of a client-based API call is found, and that the call fails without one. */
const QUOTA_DOC = "https://cloud.google.com/docs/quotas/set-quota-project";

/** True for `true`, or for `"true"` (the engine hands a provider's non-string settings over JSON-encoded). */
function isTrue(v: unknown): boolean {
  const r = reveal(v);
  return r === true || r === "true";
}

/**
 * `gcp-budget-quota-project`: a `gcp.billing.Budget`'s provider sets `userProjectOverride: true` and a
 * `billingProject` (review finding R2-M4).
 *
 * The Cloud Billing Budget API is a client-based API: each call needs a quota project. Service-account credentials
 * bring their own project, but user credentials (`gcloud auth application-default login`) and a federated identity
 * used without a service account have none, and the create fails with 403 "Your application is authenticating by
 * using local Application Default Credentials. The billingbudgets.googleapis.com API requires a quota project, which
 * is not set by default" (older wording "…end user credentials … not supported by the billingbudgets.googleapis.com";
 * hashicorp/terraform-provider-google#7948, ISSUE). Google's order of precedence starts with a quota project
 * "specified in request" (QUOTA_DOC), which is what the provider does with `userProjectOverride` (the
 * `X-Goog-User-Project` header) and `billingProject` (the project it names): "billing_project … A quota project to
 * send in user_project_override, used for all requests sent from the provider"
 * (https://registry.terraform.io/providers/hashicorp/google/latest/docs/guides/provider_reference#user_project_override).
 * Without `billingProject` a budget, which has no resource project, sends none.
 *
 * What the policy sees is the provider resource's settings (`args.provider.props`): an explicit provider's inputs, or
 * the default provider's `gcp:*` stack config. The provider also reads `USER_PROJECT_OVERRIDE` and
 * `GOOGLE_BILLING_PROJECT` from the environment, which a policy cannot see; set them on the provider instead. The
 * engine passes non-string provider settings JSON-encoded, so `"true"` counts as true.
 */
export const gcpBudgetQuotaProject: ResourceValidationPolicy = {
  name: "gcp-budget-quota-project",
  description:
    "A GCP billing budget (gcp:billing/budget:Budget) is created through a provider with userProjectOverride=true " +
    'and a billingProject, or user and federated credentials fail with 403 "requires a quota project" ' +
    `(${ISSUE}; ${QUOTA_DOC}).`,
  validateResource: (args, report) => {
    if (args.type !== GCP_TYPES.billingBudget) return;
    const props = args.provider?.props;
    if (props === undefined) {
      report(
        `${args.name}: its provider's settings are not visible, so userProjectOverride=true and billingProject ` +
          `cannot be checked; a budget needs both for user or federated credentials (${ISSUE}; ${QUOTA_DOC})`,
      );
      return;
    }
    const billingProject = reveal(props.billingProject);
    const missing = [
      ...(isTrue(props.userProjectOverride) ? [] : ["userProjectOverride=true"]),
      ...(typeof billingProject === "string" && billingProject.trim() !== "" ? [] : ["billingProject"]),
    ];
    if (missing.length > 0)
      report(
        `${args.name}: its provider ${args.provider?.name ?? ""} sets no ${missing.join(" and no ")}: the Billing ` +
          "Budget API then has no quota project under user or federated credentials and answers 403 (set " +
          `userProjectOverride: true and billingProject: <project> on the gcp.Provider; ${ISSUE}; ${QUOTA_DOC})`,
      );
  },
};
