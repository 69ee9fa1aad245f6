/**
 * server/Dockerfile, played without a Docker engine (tests/helpers/dockerfile-sim.ts): the build stage's own commands
 * (npm ci, npm run build) run on a copy of the context filtered by .dockerignore, the image stage's CMD starts, and its
 * HEALTHCHECK passes. Synthetic Dockerfiles prove that a missing or ignored file fails the check.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { DockerfileSimError, hostEnv, type StageResult, simulateDockerBuild } from "../helpers/dockerfile-sim.js";
import { node22 } from "../helpers/node22.js";
import { ROOT, spawnProcess } from "../helpers/process.js";
import { newKey } from "../helpers/secrets.js";

// CommonJS package whose typings declare a default export (as in tests/helpers/dockerfile-sim.ts).
const ignore = createRequire(import.meta.url)("@balena/dockerignore") as typeof import("@balena/dockerignore").default;
const DOCKERFILE = readFileSync(join(ROOT, "server/Dockerfile"), "utf8");

/** Runs an exec-form command as the image would: `node` is this machine's node, cwd is the image's WORKDIR. */
function runInImage(stage: StageResult, argv: string[], env: Record<string, string>) {
  const [cmd, ...args] = argv;
  if (cmd !== "node") throw new Error(`unexpected command ${cmd}`);
  const script = args.includes("-e") ? undefined : args.find((a) => !a.startsWith("-"));
  const cwd = join(stage.root, stage.workdir);
  if (script) readFileSync(join(cwd, script)); // throws ENOENT when the entry file is not in the image
  return spawnProcess(process.execPath, args, { PATH: process.env.PATH, ...hostEnv(stage), ...env }, cwd);
}

describe("server/Dockerfile", function () {
  this.timeout(600_000);
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), "mcp-docker-"));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  describe("the real Dockerfile", () => {
    let stages: StageResult[];
    let image: StageResult;
    before(() => {
      stages = simulateDockerBuild(DOCKERFILE, ROOT, work);
      image = stages[stages.length - 1] as StageResult;
    });

    it("is multi-stage, with a non-root final USER and a HEALTHCHECK on /health", () => {
      expect(stages.map((s) => s.name)).to.include.members(["build", "runtime"]);
      expect(image.name).to.equal("runtime");
      expect(image.user)
        .to.be.a("string")
        .and.not.match(/^(root|0)(:|$)/);
      expect(image.healthcheck?.join(" ")).to.include("/health");
      expect(image.env).to.include({ PORT: "8080", AWS_LWA_READINESS_CHECK_PATH: "/health", NODE_ENV: "production" });
    });

    it("ships only the bundle: no node_modules, no sources, no tests in the image", () => {
      const app = join(image.root, image.workdir);
      expect(() => readFileSync(join(app, "dist/server.mjs"))).not.to.throw();
      for (const absent of ["node_modules", "server", "tests", "package.json"]) {
        expect(() => readFileSync(join(app, absent)), absent).to.throw(/ENOENT/);
      }
    });

    it("includes the Lambda Web Adapter, pinned to a release", () => {
      expect(image.externalCopies).to.have.length(1);
      expect(image.externalCopies[0]).to.match(
        /^public\.ecr\.aws\/awsguru\/aws-lambda-adapter:\d+\.\d+\.\d+ \/lambda-adapter -> \/opt\/extensions\/lambda-adapter$/,
      );
    });

    it("warms Node's compile cache at build: under Node 22 the warm step writes cache files and exits 0", async () => {
      const cache = join(work, "compile-cache");
      const p = spawnProcess(
        node22(),
        ["dist/server.mjs", "--warm-compile-cache"],
        { PATH: process.env.PATH, NODE_COMPILE_CACHE: cache },
        join(image.root, image.workdir),
      );
      expect(await p.exited).to.equal(0);
      expect(readdirSync(cache, { recursive: true }).length).to.be.greaterThan(1);
      expect(image.env.NODE_COMPILE_CACHE).to.equal("/app/.compile-cache");
    });

    it("COMPILE_CACHE=none: no RUN in any stage of the target platform, so cross-arch builds need no emulation", () => {
      // Stages of the target platform are those not pinned to $BUILDPLATFORM; with COMPILE_CACHE=none the image is
      // runtime-none + runtime, built from COPY/ENV/WORKDIR/USER only.
      const chunks = DOCKERFILE.split(/^FROM /m).slice(1);
      const byName = new Map(chunks.map((c) => [/\bAS\s+(\S+)/i.exec(c.split("\n")[0] ?? "")?.[1] ?? "", c]));
      expect(byName.get("build")?.startsWith("--platform=$BUILDPLATFORM"), "build runs on the build machine").to.equal(
        true,
      );
      for (const name of ["runtime-none", "lang-node", "runtime"]) {
        expect(byName.get(name), name).to.be.a("string");
        expect(byName.get(name), name).not.to.match(/^RUN\b/m);
      }
      // runtime = lang-<MCP_RUNTIME>; lang-node = runtime-<COMPILE_CACHE> with nothing added.
      expect(byName.get("runtime")?.split("\n")[0]).to.equal(["lang-", "{MCP_RUNTIME} AS runtime"].join("$"));
      expect(byName.get("lang-node")?.split("\n")[0]).to.equal(["runtime-", "{COMPILE_CACHE} AS lang-node"].join("$"));
      expect(byName.get("runtime-none")).not.to.match(/NODE_COMPILE_CACHE/);
    });

    it("MCP_RUNTIME=python: Debian's python3 and uv from UV_IMAGE (a pinned uv release by default); node is the default", () => {
      const chunks = DOCKERFILE.split(/^FROM /m).slice(1);
      const byName = new Map(chunks.map((c) => [/\bAS\s+(\S+)/i.exec(c.split("\n")[0] ?? "")?.[1] ?? "", c]));
      expect(DOCKERFILE).to.match(/^ARG MCP_RUNTIME=node$/m);
      expect(DOCKERFILE).to.match(/^ARG UV_IMAGE=ghcr\.io\/astral-sh\/uv:\d+\.\d+\.\d+$/m);
      expect(byName.get("uv")?.split("\n")[0]).to.equal(["", "{UV_IMAGE} AS uv"].join("$"));
      const python = byName.get("lang-python") ?? "";
      expect(python).to.match(/apt-get install -y --no-install-recommends python3 /);
      expect(python).to.match(/^COPY --from=uv \/uv \/uvx \/bin\/$/m);
      expect(python).to.match(/UV_PYTHON_DOWNLOADS=never/);
      // The default build (node) never builds lang-python: the simulator, like BuildKit, skips unneeded stages.
      expect(stages.map((s) => s.name)).not.to.include.members(["lang-python"]);
      expect(stages.map((s) => s.name)).to.include("lang-node");
    });

    it("starts from its CMD, answers /health, and its HEALTHCHECK command exits 0", async () => {
      const env = { PORT: "18999", MCP_API_KEYS: newKey() };
      const p = runInImage(image, image.cmd ?? [], env);
      try {
        await p.waitFor(/"msg":"listening"/);
        const res = await fetch("http://127.0.0.1:18999/health");
        expect(res.status).to.equal(200);
        expect(await res.json()).to.include({ status: "ok", keys: "ready" });
        const hc = runInImage(image, image.healthcheck ?? [], env);
        expect(await hc.exited).to.equal(0);
      } finally {
        p.signal("SIGTERM");
        await p.exited;
      }
      const down = runInImage(image, image.healthcheck ?? [], env);
      expect(await down.exited, "the health check fails when the server is down").to.equal(1);
    });
  });

  describe("the build context (.dockerignore)", () => {
    // The engine sends only what .dockerignore lets through; tests/container/image.test.ts checks the same list against
    // a real engine. Everything the image needs, and nothing of the Pulumi program, so a Pulumi-only edit does not
    // change the context hash, the image digest or the deployed revision (review finding m6).
    const ig = ignore().add(readFileSync(join(ROOT, ".dockerignore"), "utf8"));
    const tracked = execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" }).trim().split("\n");
    const inContext = tracked.filter((f) => !ig.ignores(f));

    it("holds only package files, tsconfig, server/ and infra/core/", () => {
      const allowed = /^(package\.json|package-lock\.json|tsconfig\.json|server\/.+|infra\/core\/.+)$/;
      expect(inContext.filter((f) => !allowed.test(f))).to.deep.equal([]);
      expect(inContext).to.include.members(["package.json", "package-lock.json", "tsconfig.json", "server/main.ts"]);
      expect(inContext.some((f) => f.startsWith("infra/core/"))).to.equal(true);
    });

    it("leaves out the Pulumi program and everything else (a Pulumi-only edit cannot change the image)", () => {
      for (const f of tracked.filter((t) => /^(stacks|components|tests|\.ci)\/|^infra\/(?!core\/)/.test(t))) {
        expect(ig.ignores(f), f).to.equal(true);
      }
      expect(
        tracked.some((t) => /^infra\/(?!core\/)/.test(t)),
        "the repo has Pulumi code under infra/",
      ).to.equal(true);
      expect(ig.ignores("server/Dockerfile"), "the Dockerfile itself is not in the context").to.equal(true);
    });
  });

  describe("catches a broken Dockerfile", () => {
    const base = "FROM node AS build\nWORKDIR /app\nCOPY package.json ./\nFROM node\nWORKDIR /app\n";
    it("a COPY of a file that does not exist", () => {
      const df = `${base}COPY server/nope.ts ./\n`;
      expect(() => simulateDockerBuild(df, ROOT, join(work, "a"))).to.throw(DockerfileSimError, /not found/);
    });
    it("a COPY of a file that .dockerignore excludes", () => {
      const df = `${base}COPY tests/helpers/secrets.ts ./\n`;
      expect(() => simulateDockerBuild(df, ROOT, join(work, "b"))).to.throw(DockerfileSimError, /excluded/);
    });
    it("a COPY --from of a path the build stage did not produce", () => {
      const df = `${base}COPY --from=build /app/dist ./dist\n`;
      expect(() => simulateDockerBuild(df, ROOT, join(work, "c"))).to.throw(
        DockerfileSimError,
        /not found in stage build/,
      );
    });
    it("a CMD whose entry file is not in the image", () => {
      const df = `${base}COPY --from=build /app/package.json ./\nCMD ["node", "dist/missing.mjs"]\n`;
      const stages = simulateDockerBuild(df, ROOT, join(work, "d"));
      const image = stages[stages.length - 1] as StageResult;
      expect(() => runInImage(image, image.cmd ?? [], {})).to.throw(/ENOENT.*dist\/missing\.mjs/);
    });
  });
});
