/**
 * The server image: server/Dockerfile built with @pulumi/docker-build (Pulumi's maintained BuildKit provider, which
 * builds multi-platform images and reports the pushed digest; @pulumi/docker's Image is the older path) and pushed to
 * a private ECR repository that scans on push and keeps the last 10 images. Consumers get the digest-pinned
 * reference, so a new image means a new deployment and a tag cannot drift.
 */
import { fileURLToPath } from "node:url";
import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { DEPLOY_DEFAULTS } from "./core/defaults.js";

/** The repository root: the Docker build context. */
export const BUILD_CONTEXT = fileURLToPath(new URL("..", import.meta.url));

export interface EcrImageArgs {
  /** @default "linux/arm64" */
  platform?: "linux/arm64" | "linux/amd64";
  /** Images kept. @default 10 */
  keepImages?: number;
  tags?: Record<string, string>;
}

export interface BuildAndPushArgs {
  /** `<registry host>/<path>`, without a tag. */
  repositoryUrl: pulumi.Input<string>;
  platform: "linux/arm64" | "linux/amd64";
  username: pulumi.Input<string>;
  /** Registry password or token; kept secret. */
  password: pulumi.Input<string>;
}

/**
 * Builds server/Dockerfile for one platform and pushes it as `<repositoryUrl>:latest`.
 * @returns the digest-pinned reference `<repositoryUrl>@sha256:…`.
 */
export function buildAndPushImage(
  name: string,
  args: BuildAndPushArgs,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  const image = new dockerBuild.Image(
    name,
    {
      context: { location: BUILD_CONTEXT },
      dockerfile: { location: `${BUILD_CONTEXT}server/Dockerfile` },
      platforms: [args.platform],
      push: true,
      tags: [pulumi.interpolate`${args.repositoryUrl}:latest`],
      registries: [
        {
          address: pulumi.output(args.repositoryUrl).apply((u) => u.split("/")[0] ?? u),
          username: args.username,
          password: pulumi.secret(args.password),
        },
      ],
    },
    { parent },
  );
  return pulumi.interpolate`${args.repositoryUrl}@${image.digest}`;
}

/** ECR repository + lifecycle policy + image build and push. Outputs `imageRef`: `<repositoryUrl>@sha256:…`. */
export class EcrImage extends pulumi.ComponentResource {
  /** Digest-pinned reference. */
  public readonly imageRef: pulumi.Output<string>;
  public readonly repositoryUrl: pulumi.Output<string>;
  public readonly repositoryArn: pulumi.Output<string>;

  /** @throws {Error} when `keepImages` is not a whole number from 1 to 1000. */
  constructor(name: string, args: EcrImageArgs = {}, opts: pulumi.ComponentResourceOptions = {}) {
    super("mcp-anywhere:aws:EcrImage", name, {}, opts);
    const keep = args.keepImages ?? DEPLOY_DEFAULTS.keepImages;
    if (!Number.isInteger(keep) || keep < 1 || keep > 1000) {
      throw new Error(`EcrImage ${name}: \`keepImages\` must be a whole number from 1 to 1000, got ${keep}`);
    }
    const tags = args.tags ?? {};
    const repo = new aws.ecr.Repository(
      `${name}-repository`,
      {
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: "MUTABLE",
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        // Images are rebuilt from source, so `pulumi destroy` may delete them with the repository.
        forceDelete: true,
        tags,
      },
      { parent: this },
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-lifecycle`,
      {
        repository: repo.name,
        policy: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              description: `Keep the last ${keep} images`,
              selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
              action: { type: "expire" },
            },
          ],
        }),
      },
      { parent: this },
    );
    const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repo.registryId }, { parent: this });
    this.imageRef = buildAndPushImage(
      `${name}-image`,
      {
        repositoryUrl: repo.repositoryUrl,
        platform: args.platform ?? "linux/arm64",
        username: auth.userName,
        password: auth.password,
      },
      this,
    );
    this.repositoryUrl = repo.repositoryUrl;
    this.repositoryArn = repo.arn;
    this.registerOutputs({ imageRef: this.imageRef, repositoryUrl: this.repositoryUrl });
  }
}

/**
 * The ECR repository ARN of an image reference `<account>.dkr.ecr.<region>.amazonaws.com/<repo>[:tag][@digest]`.
 * @throws {Error} when the reference is not a private ECR image.
 */
export function ecrRepositoryArn(imageRef: string, partition: string): string {
  const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(imageRef);
  if (!m) throw new Error(`not a private ECR image reference: ${imageRef}`);
  return `arn:${partition}:ecr:${m[2]}:${m[1]}:repository/${m[3]}`;
}
