/**
 * The server image for Google Cloud: an Artifact Registry repository (docker format) whose cleanup policy keeps the
 * last 10 images, and the same server/Dockerfile built for linux/amd64 and pushed there with an access token from the
 * GCP provider's credentials. Consumers get the digest-pinned reference.
 *
 * The component enables the Artifact Registry API itself (`${name}-api-artifactregistry`, infra/google-apis.ts,
 * review finding B1): the repository lists it in `dependsOn`, and the image depends on the repository (its push
 * address is built from the repository id), so nothing calls the API before it is on.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { DEPLOY_DEFAULTS } from "./core/defaults.js";
import type { ServerRuntime } from "./core/upstream.js";
import { enableGoogleApis } from "./google-apis.js";
import { buildAndPushImage } from "./image.js";

export interface ArtifactRegistryImageArgs {
  /** GCP region of the repository, e.g. `asia-northeast1`. */
  location: string;
  project: string;
  /** Repository id (lowercase letters, digits, hyphens). */
  repositoryId: string;
  /** Images kept. @default 10 */
  keepImages?: number;
  labels?: Record<string, string>;
  /** server/Dockerfile `MCP_RUNTIME` (config `serverRuntime`): node or python. @default "node" */
  runtime?: ServerRuntime;
}

export class ArtifactRegistryImage extends pulumi.ComponentResource {
  /** `<location>-docker.pkg.dev/<project>/<repository>/server@sha256:…` */
  public readonly imageRef: pulumi.Output<string>;

  /** @throws {Error} when `repositoryId` is not a valid Artifact Registry id. */
  constructor(name: string, args: ArtifactRegistryImageArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("mcp-anywhere:gcp:ArtifactRegistryImage", name, {}, opts);
    if (!/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(args.repositoryId)) {
      throw new Error(
        `ArtifactRegistryImage ${name}: \`repositoryId\` must be lowercase letters, digits and hyphens, got ${args.repositoryId}`,
      );
    }
    const apis = enableGoogleApis(name, ["artifactregistry"], this);
    const repo = new gcp.artifactregistry.Repository(
      `${name}-repository`,
      {
        repositoryId: args.repositoryId,
        location: args.location,
        format: "DOCKER",
        description: "mcp-anywhere server images",
        cleanupPolicyDryRun: false,
        cleanupPolicies: [
          {
            id: "keep-recent",
            action: "KEEP",
            mostRecentVersions: { keepCount: args.keepImages ?? DEPLOY_DEFAULTS.keepImages },
          },
          { id: "delete-older", action: "DELETE", condition: { tagState: "ANY" } },
        ],
        labels: args.labels ?? {},
      },
      { parent: this, dependsOn: [apis.artifactregistry] },
    );
    const token = gcp.organizations.getClientConfigOutput({ parent: this }).accessToken;
    this.imageRef = buildAndPushImage(
      `${name}-image`,
      {
        repositoryUrl: pulumi.interpolate`${args.location}-docker.pkg.dev/${args.project}/${repo.repositoryId}/server`,
        platform: "linux/amd64",
        username: "oauth2accesstoken",
        password: token,
        ...(args.runtime !== undefined ? { runtime: args.runtime } : {}),
      },
      this,
    );
    this.registerOutputs({ imageRef: this.imageRef });
  }
}
