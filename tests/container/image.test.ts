/**
 * server/Dockerfile built and run in a real Docker engine (tests/helpers/docker-engine.ts), the way Fargate runs it:
 * read-only root file system with no writable mount (components/fargate/ecs.ts: readonlyRootFilesystem, no
 * mountPoints), as the image's non-root user, the key from the environment. The SDK client drives it on the host
 * network; the image's own HEALTHCHECK must turn healthy; `docker stop` (SIGTERM) drains and exits 0; no key reaches
 * `docker logs`. The compile cache warmed at build is read, from the read-only image, by the runtime user.
 *
 * Skips with a console line when no engine is usable, except under CI=true (then it fails): see requireEngine.
 */
import { spawnSync } from "node:child_process";
import { expect } from "chai";
import { EDGE_AND_APP_DEFAULTS } from "../../infra/core/defaults.js";
import { connectClient } from "../helpers/client.js";
import { buildServerImage, type DockerCli, docker, requireEngine, waitHealth } from "../helpers/docker-engine.js";
import { freePort } from "../helpers/nginx.js";
import { ROOT } from "../helpers/process.js";
import { newKey, recordOutput } from "../helpers/secrets.js";

const HEALTH = EDGE_AND_APP_DEFAULTS.healthPath;
const MCP = EDGE_AND_APP_DEFAULTS.mcpPath;

/** `docker run` for one-off commands in the image, read-only, no network; the key (if any) only in the environment. */
function runOnce(cli: DockerCli, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(
    cli.bin,
    ["run", "--rm", "--read-only", "--network", "none", ...Object.keys(env).flatMap((k) => ["-e", k]), ...args],
    { encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000 },
  );
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("the image in a real Docker engine (server/Dockerfile)", function () {
  this.timeout(1_800_000);
  let cli: DockerCli;
  let image: string;
  let name: string;
  let port: number;
  let base: string;
  let key: string;

  before(async function () {
    cli = requireEngine(this, "container tests");
    key = newKey(); // after the skip check: a key the suite never uses would trip the root hook's log check
    const built = buildServerImage("warm");
    image = built.tag;
    console.log(`      built ${image} in ${(built.ms / 1000).toFixed(1)} s`);
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    name = `mcp-anywhere-test-${process.pid}`;
    spawnSync(cli.bin, ["rm", "-f", name], { stdio: "ignore" });
    // The key goes in through the environment of the docker CLI (`-e MCP_API_KEYS` with no value), never argv.
    docker(
      ["run", "-d", "--name", name, "--read-only", "--network", "host", "-e", "PORT", "-e", "MCP_API_KEYS", image],
      {
        env: { PORT: String(port), MCP_API_KEYS: key },
      },
    );
    const t0 = Date.now();
    while (Date.now() - t0 < 30_000) {
      const ok = await fetch(`${base}${HEALTH}`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(() => {
    if (!cli || !name) return;
    recordOutput(spawnSync(cli.bin, ["logs", name], { encoding: "utf8" }).stdout ?? "");
    spawnSync(cli.bin, ["rm", "-f", name], { stdio: "ignore" });
  });

  it("runs as the image's non-root user on a read-only root file system with no writable mount", () => {
    const info = JSON.parse(docker(["inspect", name]))[0];
    expect(info.Config.User).to.equal("node");
    expect(info.HostConfig.ReadonlyRootfs).to.equal(true);
    expect(info.HostConfig.Tmpfs ?? {}, "no tmpfs: Fargate gives none").to.deep.equal({});
    expect(info.Mounts).to.deep.equal([]);
    expect(docker(["exec", name, "id", "-u"])).to.equal("1000");
    const write = spawnSync(cli.bin, ["exec", name, "sh", "-c", "echo x > /app/x"], { encoding: "utf8" });
    expect(write.status, "the root file system is read-only").to.not.equal(0);
    expect(write.stderr).to.match(/Read-only file system/);
  });

  it(`answers ${HEALTH} without a key and refuses ${MCP} without one (401)`, async () => {
    const health = await fetch(`${base}${HEALTH}`);
    expect(health.status).to.equal(200);
    expect(await health.json()).to.include({ status: "ok" });
    const res = await fetch(`${base}${MCP}`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).to.equal(401);
  });

  it("serves tools/list and tools/call to the SDK client with the key", async () => {
    const client = await connectClient(`${base}${MCP}`, { "x-api-key": key });
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).to.include("echo");
      const result = await client.callTool({ name: "echo", arguments: { text: "from the container" } });
      expect(result.content).to.deep.equal([{ type: "text", text: "from the container" }]);
    } finally {
      await client.close();
    }
  });

  it("reads the compile cache warmed at build, as the runtime user, from the read-only image", () => {
    // NODE_DEBUG_NATIVE=COMPILE_CACHE makes Node print each cache lookup; the warm-up path loads every module
    // (including the lazily loaded SSM chunk) and exits without listening.
    const hit = runOnce(cli, [image, "node", "dist/server.mjs", "--warm-compile-cache"], {
      NODE_DEBUG_NATIVE: "COMPILE_CACHE",
    });
    expect(hit.status).to.equal(0);
    expect(hit.out).to.match(/-1000\b/, "the cache directory for uid 1000");
    expect(hit.out).to.match(/cache for file:\/\/\/app\/dist\/server\.mjs was accepted/);
    const reads = hit.out.match(/reading cache from/g)?.length ?? 0;
    expect(reads, "every module read from the cache").to.be.greaterThan(2);
    expect(hit.out.match(/was accepted/g)?.length).to.equal(reads);
    expect(hit.out).not.to.match(/Cannot create cache directory|rejected|no cache for/i);
    // Another uid (as on Lambda, whose sandbox user is not uid 1000) misses: the cache is keyed by uid.
    const other = runOnce(cli, ["--user", "4242", image, "node", "dist/server.mjs", "--warm-compile-cache"], {
      NODE_DEBUG_NATIVE: "COMPILE_CACHE",
    });
    expect(other.status).to.equal(0);
    expect(other.out).to.match(/-4242\b/);
    expect(other.out).not.to.match(/accepted/i);
  });

  it("gets a build context of only package files, tsconfig, server/ and infra/core/ from the real engine", () => {
    // The engine applies .dockerignore itself: copy the whole context into an image and list what arrived.
    const tag = `${image.split(":")[0]}:context`;
    const build = spawnSync(cli.bin, ["build", "-q", "-t", tag, "-f", "-", ROOT], {
      input: "FROM scratch\nCOPY . /ctx/\n",
      encoding: "utf8",
      env: { ...process.env, ...cli.buildEnv },
      timeout: 300_000,
    });
    expect(build.status, build.stderr).to.equal(0);
    const id = docker(["create", tag, "/none"]);
    try {
      const tar = spawnSync(cli.bin, ["export", id], { maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
      const list = spawnSync("tar", ["-t"], { input: tar.stdout, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
      const files = list.stdout
        .split("\n")
        .filter((f) => f.startsWith("ctx/") && !f.endsWith("/"))
        .map((f) => f.slice(4));
      const allowed = /^(package\.json|package-lock\.json|tsconfig\.json|server\/.+|infra\/core\/.+)$/;
      expect(files.filter((f) => !allowed.test(f))).to.deep.equal([]);
      expect(files).to.include.members(["package.json", "package-lock.json", "tsconfig.json", "server/main.ts"]);
      expect(files.some((f) => f.startsWith("infra/core/"))).to.equal(true);
      expect(files).not.to.include("server/Dockerfile");
    } finally {
      spawnSync(cli.bin, ["rm", id], { stdio: "ignore" });
      spawnSync(cli.bin, ["rmi", tag], { stdio: "ignore" });
    }
  });

  it("turns healthy through the image's own HEALTHCHECK (docker inspect)", async () => {
    const hc = JSON.parse(docker(["inspect", "--format", "{{json .Config.Healthcheck}}", name]));
    expect(hc.Test.join(" ")).to.include(`${HEALTH}'`);
    // Docker 20.10 runs the first probe one interval (30 s) after start.
    expect(await waitHealth(name, "healthy", 90_000)).to.equal("healthy");
  });

  it("drains on SIGTERM (docker stop) and exits 0, and no key is in docker logs", () => {
    const t0 = Date.now();
    docker(["stop", "--time", "30", name], { timeoutMs: 60_000 });
    const stopMs = Date.now() - t0;
    const state = JSON.parse(docker(["inspect", "--format", "{{json .State}}", name]));
    expect(state.ExitCode).to.equal(0);
    expect(stopMs, "stopped by SIGTERM, not by the SIGKILL 30 s later").to.be.lessThan(25_000);
    const logs = spawnSync(cli.bin, ["logs", name], { encoding: "utf8" });
    const text = `${logs.stdout}${logs.stderr}`;
    recordOutput(text);
    expect(text).to.match(/"msg":"listening"/);
    expect(text).to.match(/shutting down: draining in-flight requests/);
    expect(text).to.match(/"msg":"stopped"/);
    expect(text.includes(key), "the key is not in docker logs").to.equal(false);
  });
});
