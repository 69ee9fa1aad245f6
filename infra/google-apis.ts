/**
 * The Google APIs a Cloud Run stack calls, enabled by the stack itself (review finding B1): on a new project every
 * API but a few defaults is off, and the first create of a resource that uses one fails with
 * `Error 403: <API> has not been used in project N before or it is disabled` (GoogleCloudPlatform/emblem#757).
 * Each API is a `gcp.projects.Service`; every resource that calls an API must list that Service in `dependsOn`.
 *
 * `gcp.projects.Service` itself calls the Service Usage API (`serviceusage.googleapis.com`), which is on by default
 * in every project ("Enabling and disabling services", https://cloud.google.com/service-usage/docs/enable-disable;
 * the provider's docs: "This resource requires the Service Usage API"), and the deployer needs
 * `serviceusage.services.enable` (roles/serviceusage.serviceUsageAdmin).
 *
 * **Cloud Resource Manager is a prerequisite too** (review finding R2-m5), and the stack cannot enable it for itself:
 * - the provider's `google_project_service` Read, which runs after every create, first calls
 *   `config.NewResourceManagerClient(userAgent).Projects.Get(project)` to check that the project still exists
 *   (hashicorp/terraform-provider-google `google/services/resourcemanager/resource_google_project_service.go`,
 *   `resourceGoogleProjectServiceRead`, commit 1658bf8c);
 * - `gcp.organizations.getProject` (the budget's project number, components/guardrails.ts) is
 *   `cloudresourcemanager.googleapis.com` `projects.get`, and it is an invoke, so it runs in `pulumi preview` before
 *   any resource exists;
 * - the tracingPlatform's `gcp.projects.IAMMember` (roles/cloudtrace.agent) reads and writes the project's IAM policy
 *   through the same API (`projects.getIamPolicy` / `setIamPolicy`).
 * A `gcp.projects.Service` for `cloudresourcemanager.googleapis.com` would itself fail its Read while the API is off,
 * and could not come before the preview's invoke. Unlike Service Usage, it is not on in every project (off in a new
 * `gcloud projects create` one): with a service account whose project has it off, the first Service fails with
 * "Cloud Resource Manager API has not been used in project … before or it is disabled"
 * (hashicorp/terraform-provider-google#6101, #11435). User credentials without a quota project often pass, because
 * gcloud's shared project is charged; with a budget the stack's project is the quota project of every call
 * (infra/alerts/gcp-budget.ts budgetQuotaProject), so the API must be on there. docs/deploy-cloudrun.md gives the
 * command: `gcloud services enable serviceusage.googleapis.com cloudresourcemanager.googleapis.com --project <p>`.
 */
import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";

/** Short name → service name of each API the Cloud Run target uses. */
export const GOOGLE_APIS = {
  /** Cloud Run Admin API: the service. */
  run: "run.googleapis.com",
  /** Secret Manager: the mirrored API keys. */
  secretmanager: "secretmanager.googleapis.com",
  /** Artifact Registry: the image repository and the push. */
  artifactregistry: "artifactregistry.googleapis.com",
  /** IAM: the service's own service account. */
  iam: "iam.googleapis.com",
  /** Compute Engine: the load-balancer edge (address, NEG, backend, Cloud Armor, certificate, proxy, rule). */
  compute: "compute.googleapis.com",
  /** Cloud Monitoring: the guardrails' notification channel and alert policies. */
  monitoring: "monitoring.googleapis.com",
  /** Cloud Billing Budget API: the guardrails' budget. */
  billingbudgets: "billingbudgets.googleapis.com",
  /** Cloud Trace API: the tracingPlatform collector sidecar's googlecloud exporter (infra/core/tracing-platform.ts). */
  cloudtrace: "cloudtrace.googleapis.com",
} as const;
export type GoogleApi = keyof typeof GOOGLE_APIS;

/**
 * Declares one `gcp.projects.Service` per API, named `${name}-api-<api>`, in the provider's project.
 *
 * Never disables anything: `disableOnDestroy: false` leaves the API on after `pulumi destroy` (other stacks and
 * people in the same project may use it), and `disableDependentServices: false` so that turning one off could never
 * cascade (provider docs, `gcp.projects.Service`: "If false or unset, the service will be left enabled when the
 * resource is destroyed"; https://www.pulumi.com/registry/packages/gcp/api-docs/projects/service/). Declaring an API
 * that is already on succeeds (the same docs: "`pulumi up` can be successfully used to verify already enabled
 * services").
 *
 * @param name - prefix of the resource names.
 * @param apis - which APIs; each at most once per stack (two resources for one API would fight over it).
 * @param parent - the component that owns them; its providers (the stack's GCP provider) apply.
 * @returns the Service resource of each API asked for.
 */
export function enableGoogleApis<A extends GoogleApi>(
  name: string,
  apis: readonly A[],
  parent: pulumi.Resource,
): Record<A, gcp.projects.Service> {
  return Object.fromEntries(
    apis.map((api) => [
      api,
      new gcp.projects.Service(
        `${name}-api-${api}`,
        { service: GOOGLE_APIS[api], disableOnDestroy: false, disableDependentServices: false },
        { parent },
      ),
    ]),
  ) as Record<A, gcp.projects.Service>;
}
