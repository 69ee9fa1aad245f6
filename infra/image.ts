/**
 * The server image: server/Dockerfile built with @pulumi/docker-build (Pulumi's maintained BuildKit provider, which
 * builds multi-platform images and reports the pushed digest; @pulumi/docker's Image is the older path) and pushed to
 * a private ECR repository that scans on push and keeps the last 10 images. Consumers get the digest-pinned
 * reference, so a new image means a new deployment and a tag cannot drift.
 */
import { posix, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { DEPLOY_DEFAULTS } from "./core/defaults.js";
import { type ServerRuntime, UPSTREAM_DEFAULTS } from "./core/upstream.js";

/** The repository root (absolute, so machine-specific): the Docker build context. Never put it in a resource input. */
export const BUILD_CONTEXT = fileURLToPath(new URL("..", import.meta.url));

/**
 * The build context and Dockerfile as docker-build inputs: paths relative to the working directory, which Pulumi sets
 * to the project root when it runs the program (and the provider resolves relative paths against it; the docker-build
 * examples use `context: { location: "./app" }`). So they read `.` and `server/Dockerfile` on every machine.
 * docker-build compares `context.location` and `dockerfile.location` as plain strings
 * (pulumi/pulumi-docker-build provider/internal/image.go, `Diff`), so an absolute path made every other checkout path
 * plan a rebuild, a push and a redeploy (review finding F7).
 * @param cwd - the working directory. @default process.cwd()
 */
export function buildPaths(cwd: string = process.cwd()): { context: string; dockerfile: string } {
  const rel = relative(cwd, BUILD_CONTEXT).split(sep).join(posix.sep);
  const context = rel === "" ? "." : rel;
  return { context, dockerfile: posix.join(context, "server/Dockerfile") };
}

export interface EcrImageArgs {
  /** @default "linux/arm64" */
  platform?: "linux/arm64" | "linux/amd64";
  /** Images kept. @default 10 */
  keepImages?: number;
  /**
   * Add a repository policy that lets Lambda (`lambda.amazonaws.com`) pull, for functions of this account and region
   * only. Set it for the lambda target. @default false
   */
  allowLambdaPull?: boolean;
  /**
   * The runtime the image carries for a user's stdio server (config `serverRuntime`): server/Dockerfile's `MCP_RUNTIME`
   * build argument. @default "node" (UPSTREAM_DEFAULTS.runtime)
   */
  runtime?: ServerRuntime;
  tags?: Record<string, string>;
}

/**
 * The ECR repository policy Lambda needs to pull a container image: `ecr:BatchGetImage` and
 * `ecr:GetDownloadUrlForLayer` for the service principal `lambda.amazonaws.com`, limited by `aws:SourceArn` to
 * functions of the repository's own account and region. Without it, Lambda adds such a statement itself on
 * CreateFunction, and only when the deployer may call `ecr:SetRepositoryPolicy` (review finding F15).
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/images-create.html (Amazon ECR permissions) and
 * https://repost.aws/knowledge-center/lambda-ecr-image.
 * @param repositoryArn - `arn:<partition>:ecr:<region>:<account>:repository/<name>`.
 * @throws {Error} when `repositoryArn` is not an ECR repository ARN.
 */
export function lambdaPullPolicy(repositoryArn: string): string {
  const m = /^arn:([a-z-]+):ecr:([a-z0-9-]+):(\d{12}):repository\/.+$/.exec(repositoryArn);
  if (!m) throw new Error(`lambdaPullPolicy: \`repositoryArn\` must be an ECR repository ARN, got ${repositoryArn}`);
  const [, partition, region, account] = m;
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "LambdaECRImageRetrievalPolicy",
        Effect: "Allow",
        Principal: { Service: "lambda.amazonaws.com" },
        Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        Condition: { StringLike: { "aws:SourceArn": `arn:${partition}:lambda:${region}:${account}:function:*` } },
      },
    ],
  });
}

export interface BuildAndPushArgs {
  /** `<registry host>/<path>`, without a tag. */
  repositoryUrl: pulumi.Input<string>;
  platform: "linux/arm64" | "linux/amd64";
  username: pulumi.Input<string>;
  /** Registry password or token; kept secret. */
  password: pulumi.Input<string>;
  /** server/Dockerfile `MCP_RUNTIME`: node (the base) or python (adds Python 3 and uv). @default "node" */
  runtime?: ServerRuntime;
}

/**
 * The build arguments of server/Dockerfile for one build: `COMPILE_CACHE=none` always (see {@link buildAndPushImage}),
 * `MCP_RUNTIME=<runtime>` only for a non-default runtime, so a builtin or node stack builds with exactly the
 * arguments of earlier releases (no rebuild, no redeploy on upgrade).
 */
export function imageBuildArgs(runtime: ServerRuntime = UPSTREAM_DEFAULTS.runtime): Record<string, string> {
  return { COMPILE_CACHE: "none", ...(runtime !== UPSTREAM_DEFAULTS.runtime ? { MCP_RUNTIME: runtime } : {}) };
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
  const paths = buildPaths();
  const image = new dockerBuild.Image(
    name,
    {
      context: { location: paths.context },
      dockerfile: { location: paths.dockerfile },
      platforms: [args.platform],
      push: true,
      // `pulumi preview` does not build (the provider's default is to build, emulated for a foreign platform):
      // docker-build 0.0.22 `buildOnPreview`, "Setting this to `false` will always skip image builds during previews".
      buildOnPreview: false,
      // No compile-cache warm-up: it runs on the target platform (emulated, QEMU, when the builder's CPU differs) and
      // Node's cache is keyed by the CPU's V8 feature tag, so a cache warmed on the build machine misses on Lambda,
      // Fargate and Cloud Run hosts anyway (server/Dockerfile, COMPILE_CACHE). The same on every build machine (F7).
      // MCP_RUNTIME=python adds Debian's python3 and uv (server/Dockerfile); that stage has a RUN, so a cross-platform
      // python build needs emulation (QEMU) on the builder.
      buildArgs: imageBuildArgs(args.runtime),
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

  /**
   * Children: `${name}-repository`, `${name}-lifecycle`, `${name}-image`, and `${name}-lambda-pull` when
   * `allowLambdaPull`.
   * @throws {Error} when `keepImages` is not a whole number from 1 to 1000.
   */
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
        ...(args.runtime !== undefined ? { runtime: args.runtime } : {}),
      },
      this,
    );
    if (args.allowLambdaPull ?? false) {
      const policy = new aws.ecr.RepositoryPolicy(
        `${name}-lambda-pull`,
        { repository: repo.name, policy: repo.arn.apply(lambdaPullPolicy) },
        { parent: this },
      );
      // Consumers of the image (the function) then wait for the policy.
      this.imageRef = pulumi.all([this.imageRef, policy.id]).apply(([ref]) => ref);
    }
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
