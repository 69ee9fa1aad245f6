/**
 * A real Docker engine for the container tests (tests/container/) and `npm run bench`: finds a CLI that can build with
 * BuildKit, makes the base images (tests/container/base-images.sh: local stand-ins, no registry needed), builds
 * server/Dockerfile, and runs containers.
 *
 * - CLI: `MCP_DOCKER` if set; else `docker` when `docker buildx version` works (Docker Desktop, docker-ce); else a
 *   client older than 23 (Debian's docker.io 20.10, /usr/bin/docker), whose `DOCKER_BUILDKIT=1 docker build` is
 *   BuildKit without the buildx plugin. Docker 23+ clients without buildx refuse `DOCKER_BUILDKIT=1`
 *   ("BuildKit is enabled but the buildx component is missing or broken").
 * - Base images: `MCP_CONTAINER_BASE=public` builds from the Dockerfile's defaults (public.ecr.aws, needs a registry);
 *   otherwise tests/container/base-images.sh makes `mcp-anywhere-local/node:22-bookworm-slim` and a Lambda Web
 *   Adapter stand-in (a placeholder /lambda-adapter; the extension only runs on Lambda).
 * - Skip rule ({@link requireEngine}): with no engine, the suite skips with a console line naming what is missing,
 *   except under `CI=true`, where it fails: CI must run the container tests (.ci/run starts an engine). The rule is
 *   the one every system-program test uses (tests/helpers/programs.ts, `skipUnless`).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { arch } from "node:os";
import { dirname, join } from "node:path";
import { ROOT } from "./process.js";
import { installHint, skipUnless } from "./programs.js";

/** The image tag the container tests and the bench build server/Dockerfile into (suffix: COMPILE_CACHE). */
export const IMAGE = "mcp-anywhere-test/server";

export interface DockerCli {
  /** Path or name of the docker binary. */
  bin: string;
  /** Extra environment for `build` (DOCKER_BUILDKIT=1 on pre-23 clients). */
  buildEnv: Record<string, string>;
}

let cli: DockerCli | undefined | null = null;

function ok(bin: string, args: string[]): boolean {
  return spawnSync(bin, args, { stdio: "ignore", timeout: 20_000 }).status === 0;
}

function clientMajor(bin: string): number {
  const r = spawnSync(bin, ["version", "--format", "{{.Client.Version}}"], { encoding: "utf8", timeout: 20_000 });
  return Number(/^(\d+)\./.exec(r.stdout?.trim() ?? "")?.[1] ?? Number.NaN);
}

/** @returns a CLI that reaches a running engine and builds with BuildKit, or undefined (see {@link engineMissing}). */
export function dockerCli(): DockerCli | undefined {
  if (cli !== null) return cli;
  const candidates = process.env.MCP_DOCKER ? [process.env.MCP_DOCKER] : ["docker", "/usr/bin/docker"];
  cli = undefined;
  for (const bin of candidates) {
    if (!ok(bin, ["info", "--format", "{{.ServerVersion}}"])) continue;
    if (ok(bin, ["buildx", "version"])) cli = { bin, buildEnv: {} };
    else if (clientMajor(bin) < 23) cli = { bin, buildEnv: { DOCKER_BUILDKIT: "1" } };
    if (cli) break;
  }
  return cli;
}

/** @returns why no engine can be used (for the skip message), or undefined when one can. */
export function engineMissing(): string | undefined {
  if (dockerCli()) return undefined;
  if (process.env.MCP_DOCKER) {
    if (!ok(process.env.MCP_DOCKER, ["--version"]))
      return `MCP_DOCKER=${process.env.MCP_DOCKER} is not a docker CLI that runs; ${installHint("docker.io")}`;
    return `MCP_DOCKER=${process.env.MCP_DOCKER} does not reach a Docker engine with BuildKit`;
  }
  const anyCli = ["docker", "/usr/bin/docker"].find((b) => ok(b, ["--version"]));
  if (!anyCli) return `no docker CLI on PATH (a Docker engine); ${installHint("docker.io")}`;
  if (!ok(anyCli, ["info"])) return "no Docker engine answers (start dockerd, see .ci/run)";
  return "no BuildKit-capable docker CLI (install the buildx plugin, or use a docker client < 23)";
}

/**
 * Mocha `before` guard: skips the suite (with a console line naming what is missing) when no engine can be used, and
 * fails instead under CI=true (tests/helpers/programs.ts, `skipUnless`).
 * @throws when CI=true and no engine is usable.
 */
export function requireEngine(ctx: Mocha.Context, what: string): DockerCli {
  skipUnless(ctx, engineMissing(), what);
  return dockerCli() as DockerCli;
}

/** Runs the docker CLI, returns stdout (trimmed). @throws with stderr when it exits non-zero. */
export function docker(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): string {
  const c = dockerCli();
  if (!c) throw new Error(`docker ${args[0]}: ${engineMissing()}`);
  const r = spawnSync(c.bin, args, {
    encoding: "utf8",
    env: { ...process.env, ...opts.env },
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    throw new Error(`docker ${args.join(" ")} exited ${r.status ?? r.signal}: ${r.stderr}${r.error ?? ""}`);
  }
  return r.stdout.trim();
}

/** Local stand-ins made by tests/container/base-images.sh (image names). */
export interface LocalImages {
  node: string;
  lambdaAdapter: string;
  nginx: string;
}

let local: LocalImages | undefined;

/**
 * Runs tests/container/base-images.sh once per process: it imports what the engine lacks and reuses the rest.
 * @throws when the script fails (it needs root and debootstrap the first time).
 */
export function localImages(): LocalImages {
  if (local) return local;
  const c = dockerCli();
  const out = execFileSync("bash", [join(ROOT, "tests/container/base-images.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    // The script calls `docker`: put the chosen CLI first (it only imports and uses the classic builder).
    env: { ...process.env, PATH: c?.bin.includes("/") ? `${dirname(c.bin)}:${process.env.PATH}` : process.env.PATH },
    timeout: 1_200_000,
  });
  const [node = "", lambdaAdapter = "", nginx = ""] = out.trim().split("\n");
  local = { node, lambdaAdapter, nginx };
  return local;
}

/**
 * Build arguments substituting the base images: none with MCP_CONTAINER_BASE=public (the Dockerfile's public
 * defaults), else the local stand-ins ({@link localImages}).
 */
export function baseImageArgs(): Record<string, string> {
  if (process.env.MCP_CONTAINER_BASE === "public") return {};
  const l = localImages();
  return { NODE_IMAGE: l.node, LAMBDA_ADAPTER_IMAGE: l.lambdaAdapter };
}

/** The machine's platform as Docker names it (the tests build for it; cross-arch needs QEMU, see the README). */
export function hostPlatform(): "linux/amd64" | "linux/arm64" {
  return arch() === "arm64" ? "linux/arm64" : "linux/amd64";
}

/**
 * Builds server/Dockerfile from the repository root (the real .dockerignore applies) with BuildKit, for
 * {@link hostPlatform}, on the host network (the engine may have no bridge; the build stage's `npm ci` needs the
 * registry).
 * @param compileCache - the COMPILE_CACHE build argument ("warm" or "none").
 * @param variant - more build arguments (e.g. `{ MCP_RUNTIME: "python", UV_IMAGE: … }`) and the tag suffix for them.
 * @returns the image tag, `${IMAGE}:${compileCache}` (or `${IMAGE}:${variant.tag}`), and the build's wall time in ms.
 */
export function buildServerImage(
  compileCache: "warm" | "none" = "warm",
  variant?: { tag: string; buildArgs: Record<string, string> },
): { tag: string; ms: number } {
  const c = dockerCli() as DockerCli;
  const tag = `${IMAGE}:${variant?.tag ?? compileCache}`;
  const args = { ...baseImageArgs(), COMPILE_CACHE: compileCache, ...variant?.buildArgs };
  const t0 = performance.now();
  docker(
    [
      "build",
      "--network",
      "host",
      "--platform",
      hostPlatform(),
      "-f",
      join(ROOT, "server/Dockerfile"),
      "-t",
      tag,
      ...Object.entries(args).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]),
      ROOT,
    ],
    { env: c.buildEnv, timeoutMs: 1_800_000 },
  );
  return { tag, ms: performance.now() - t0 };
}

/** Polls `docker inspect` until the container's health status is `want` (or `timeoutMs` passes). @returns the last status. */
export async function waitHealth(container: string, want: string, timeoutMs = 60_000): Promise<string> {
  const t0 = Date.now();
  let status = "";
  while (Date.now() - t0 < timeoutMs) {
    status = docker(["inspect", "--format", "{{if .State.Health}}{{.State.Health.Status}}{{end}}", container]);
    if (status === want) return status;
    await new Promise((r) => setTimeout(r, 250));
  }
  return status;
}
