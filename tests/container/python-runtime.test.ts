/**
 * The python variant of the image (server/Dockerfile `MCP_RUNTIME=python`, config `serverRuntime: python`), built and
 * run in a real Docker engine (tests/helpers/docker-engine.ts) from the local base images:
 * - Debian bookworm's python3 runs in it, as the image's non-root user, and uv's two binaries are at /bin/uv and
 *   /bin/uvx with uv's cache and tool directories under /tmp;
 * - our server starts in it (builtin) and turns healthy;
 * - with the bridge (server/upstream/), MCP_UPSTREAM=stdio runs a stdlib-only Python MCP server
 *   (tests/container/fixtures/stdio_mcp_server.py) as the child, and the SDK client calls its tools through our
 *   endpoint with an API key, on a read-only root with a writable /tmp volume (as the EC2 compose file and Fargate's
 *   scratch volume give it).
 *
 * uv itself: the Dockerfile copies /uv and /uvx from `UV_IMAGE` (Astral's image, ghcr.io, by default). No registry but
 * npm and Debian is reachable here and uv ships on neither, so this test points `UV_IMAGE` at a local stand-in image
 * whose /uv and /uvx are shell scripts printing a marker: it proves the COPY and the PATH, not uv. A `uvx` server
 * (Serena) therefore cannot be run here; the Python fixture stands in for it.
 *
 * Skips with a console line when no engine is usable, except under CI=true (then it fails): see requireEngine.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { EDGE_AND_APP_DEFAULTS } from "../../infra/core/defaults.js";
import { connectClient } from "../helpers/client.js";
import { buildServerImage, type DockerCli, docker, requireEngine } from "../helpers/docker-engine.js";
import { freePort } from "../helpers/nginx.js";
import { ROOT } from "../helpers/process.js";
import { newKey, recordOutput } from "../helpers/secrets.js";

const HEALTH = EDGE_AND_APP_DEFAULTS.healthPath;
const MCP = EDGE_AND_APP_DEFAULTS.mcpPath;
/** The local stand-in for ghcr.io/astral-sh/uv (see the module comment). */
const UV_STAND_IN = "mcp-anywhere-local/uv:stand-in";
const FIXTURE = join(ROOT, "tests/container/fixtures/stdio_mcp_server.py");

/** Builds {@link UV_STAND_IN}: FROM scratch with /uv and /uvx, like Astral's distroless image. */
function buildUvStandIn(): void {
  const dir = mkdtempSync(join(tmpdir(), "uv-stand-in-"));
  try {
    for (const bin of ["uv", "uvx"]) {
      writeFileSync(join(dir, bin), `#!/bin/sh\necho "${bin} stand-in $*"\n`, { mode: 0o755 });
    }
    writeFileSync(join(dir, "Dockerfile"), "FROM scratch\nCOPY uv uvx /\n");
    docker(["build", "-q", "--network", "none", "-t", UV_STAND_IN, dir], { env: { DOCKER_BUILDKIT: "0" } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Polls `url` until it answers 200, or `ms` passes. @returns whether it did. */
async function waitOk(url: string, ms: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

describe("the python image variant in a real Docker engine (MCP_RUNTIME=python)", function () {
  this.timeout(1_800_000);
  let cli: DockerCli;
  let image: string;
  const started: string[] = [];

  before(function () {
    cli = requireEngine(this, "container tests");
    buildUvStandIn();
    const built = buildServerImage("none", {
      tag: "python",
      buildArgs: { MCP_RUNTIME: "python", UV_IMAGE: UV_STAND_IN },
    });
    image = built.tag;
    console.log(`      built ${image} in ${(built.ms / 1000).toFixed(1)} s`);
  });

  after(() => {
    if (!cli) return;
    for (const name of started) {
      recordOutput(spawnSync(cli.bin, ["logs", name], { encoding: "utf8" }).stdout ?? "");
      spawnSync(cli.bin, ["rm", "-f", name], { stdio: "ignore" });
    }
  });

  const once = (args: string[]) => docker(["run", "--rm", "--read-only", "--network", "none", ...args]);

  it("has Debian's python3, run by the image's non-root user, and uv/uvx on the PATH", () => {
    const out = once([image, "python3", "-c", "import os,sys; print(sys.version_info[:2], os.getuid())"]);
    expect(out).to.equal("(3, 11) 1000");
    expect(once([image, "python3", "-m", "venv", "--help"])).to.include("usage: venv");
    expect(once([image, "uvx", "--version"])).to.equal("uvx stand-in --version");
    // /bin/uv as uv's guide copies it; bookworm's merged /usr makes /bin a link to /usr/bin, which PATH lists first.
    expect(once([image, "sh", "-c", "test -x /bin/uv && test -x /bin/uvx && command -v uv"])).to.match(
      /^(\/usr)?\/bin\/uv$/,
    );
    const env = JSON.parse(docker(["image", "inspect", image]))[0].Config.Env as string[];
    expect(env).to.include.members([
      "UV_CACHE_DIR=/tmp/uv/cache",
      "UV_TOOL_DIR=/tmp/uv/tools",
      "UV_PYTHON_DOWNLOADS=never",
      "npm_config_cache=/tmp/.npm",
    ]);
  });

  it("starts our server (builtin) and answers /health", async () => {
    const key = newKey();
    const port = await freePort();
    const name = `mcp-anywhere-py-builtin-${process.pid}`;
    spawnSync(cli.bin, ["rm", "-f", name], { stdio: "ignore" });
    started.push(name);
    docker(
      ["run", "-d", "--name", name, "--read-only", "--network", "host", "-e", "PORT", "-e", "MCP_API_KEYS", image],
      {
        env: { PORT: String(port), MCP_API_KEYS: key },
      },
    );
    expect(await waitOk(`http://127.0.0.1:${port}${HEALTH}`, 30_000), "healthy within 30 s").to.equal(true);
    const client = await connectClient(`http://127.0.0.1:${port}${MCP}`, { "x-api-key": key });
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).to.include("echo");
    } finally {
      await client.close();
    }
  });

  it("runs a Python stdio MCP server as the child and serves its tools through our endpoint", async function () {
    const key = newKey();
    const port = await freePort();
    const name = `mcp-anywhere-py-stdio-${process.pid}`;
    spawnSync(cli.bin, ["rm", "-f", name], { stdio: "ignore" });
    started.push(name);
    // As on EC2 (compose: read_only, a `scratch` volume at /tmp) and Fargate (a scratch task volume at /tmp).
    docker(
      [
        "run",
        "-d",
        "--name",
        name,
        "--read-only",
        "--mount",
        "type=volume,dst=/tmp",
        "--mount",
        `type=bind,src=${FIXTURE},dst=/opt/fixture/server.py,readonly`,
        "--network",
        "host",
        ...["PORT", "MCP_API_KEYS", "MCP_UPSTREAM", "MCP_UPSTREAM_COMMAND", "MCP_UPSTREAM_ENV"].flatMap((v) => [
          "-e",
          v,
        ]),
        image,
      ],
      {
        env: {
          PORT: String(port),
          MCP_API_KEYS: key,
          MCP_UPSTREAM: "stdio",
          MCP_UPSTREAM_COMMAND: JSON.stringify(["python3", "-u", "/opt/fixture/server.py"]),
          MCP_UPSTREAM_ENV: JSON.stringify({ FIXTURE_MODE: "container" }),
        },
      },
    );
    const healthy = await waitOk(`http://127.0.0.1:${port}${HEALTH}`, 60_000);
    if (!healthy) {
      const logs = spawnSync(cli.bin, ["logs", name], { encoding: "utf8" });
      // The bridge is another change in flight: without it, MCP_UPSTREAM is refused or ignored; say so and stop.
      if (/MCP_UPSTREAM/.test(`${logs.stdout}${logs.stderr}`) && !/py-stdio-fixture/.test(`${logs.stderr}`)) {
        console.log("      the image's server does not run MCP_UPSTREAM=stdio yet (server/upstream/): skipped");
        this.skip();
      }
    }
    expect(healthy, "healthy within 60 s (the child answered initialize)").to.equal(true);
    const client = await connectClient(`http://127.0.0.1:${port}${MCP}`, { "x-api-key": key });
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).to.include.members(["py_echo", "py_runtime"]);
      const echo = await client.callTool({ name: "py_echo", arguments: { text: "hello from python" } });
      expect(echo.content).to.deep.equal([{ type: "text", text: "hello from python" }]);
      const runtime = await client.callTool({ name: "py_runtime", arguments: {} });
      expect((runtime.content as { text: string }[])[0]?.text).to.match(/^python 3\.11\.\d+ at \/usr\/bin\/python3/);
    } finally {
      await client.close();
    }
    // The API key is still required in front of the child.
    const anonymous = await fetch(`http://127.0.0.1:${port}${MCP}`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(anonymous.status).to.equal(401);
  });
});
