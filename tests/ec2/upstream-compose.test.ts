/**
 * The EC2 (and dockerhost) compose file with a user's MCP server (components/ec2/host-files.ts `ComposeUpstream`),
 * checked by `docker-compose config` (Debian package docker-compose): the stdio variant (scratch /tmp, workspace
 * volume and its init service) and the sidecar variant, each merged with the secret serverEnv file the way the deploy
 * script merges it (a second `-f`). The merge must keep every value literally: `$`, quotes, newlines and `#`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { renderCompose, renderServerEnvCompose } from "../../components/ec2/host-files.js";
import { SAMPLE_HOST_OPTIONS } from "../helpers/ec2-sample.js";
import { requireProgram } from "../helpers/programs.js";

interface Service {
  image: string;
  environment?: Record<string, string>;
  volumes?: ({ type: string; source: string; target: string } | string)[];
  depends_on?: Record<string, { condition: string }>;
}

describe("EC2 compose file with your own MCP server, validated by docker-compose", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "mcp-ec2-upstream-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  /** `docker-compose -f a -f b config`: the merged, interpolated file as compose sees it. */
  const config = (files: string[]) => {
    const r = spawnSync("docker-compose", [...files.flatMap((f) => ["-f", f]), "config"], {
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, API_TOKEN: "from-the-shell", HOME: dir },
    });
    expect(r.status, `${r.stdout}${r.stderr}`).to.equal(0);
    return parse(r.stdout) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
  };
  // A value compose would otherwise interpolate or a parser could cut: `$VAR`, `${VAR}`, `$$`, quotes, `#`, newline.
  const tricky = ["p$API_TOKEN-$", "{API_TOKEN}-$$x \"q\" 's' # not a comment\nline2"].join("");
  /**
   * How `config` prints a value the container gets literally: it re-escapes each `$` as `$$` so that its output can be
   * read again, and an interpolated value would show the shell's API_TOKEN instead (last test).
   */
  const printed = (v: string) => v.replaceAll("$", "$$$$");

  it("stdio: scratch /tmp, the workspace volume and its init service; MCP_UPSTREAM_ENV merged literally", function () {
    requireProgram(this, "docker-compose");
    const main = write(
      "stdio.yaml",
      renderCompose({
        ...SAMPLE_HOST_OPTIONS,
        environment: { ...SAMPLE_HOST_OPTIONS.environment, MCP_UPSTREAM: "stdio" },
        upstream: { workspacePath: "/workspace" },
        serverEnvParameter: "/mcp-anywhere/dev/server-env/compose:1",
      }),
    );
    const upstreamEnv = JSON.stringify({ API_TOKEN: tricky });
    const secret = write("secret-stdio.yaml", renderServerEnvCompose("mcp", { MCP_UPSTREAM_ENV: upstreamEnv }));
    const c = config([main, secret]);
    expect(c.services.mcp?.environment?.MCP_UPSTREAM_ENV).to.equal(printed(upstreamEnv));
    expect(c.services.mcp?.environment?.MCP_UPSTREAM).to.equal("stdio");
    expect(c.services.mcp?.depends_on).to.deep.equal({
      "workspace-init": { condition: "service_completed_successfully" },
    });
    expect(Object.keys(c.volumes ?? {}).sort()).to.deep.equal(["scratch", "workspace"]);
    const targets = (c.services.mcp?.volumes ?? []).map((v) => (typeof v === "string" ? v : `${v.source}:${v.target}`));
    expect(targets).to.include.members(["scratch:/tmp:rw", "workspace:/workspace:rw"]);
    expect(c.services["workspace-init"]?.image).to.equal(SAMPLE_HOST_OPTIONS.image);
  });

  it("http with serverImage: the sidecar gets the variables; mcp waits for it", function () {
    requireProgram(this, "docker-compose");
    const main = write(
      "sidecar.yaml",
      renderCompose({
        ...SAMPLE_HOST_OPTIONS,
        upstream: { sidecarImage: "ghcr.io/example/mcp-server:1.2.3", workspacePath: "/data" },
      }),
    );
    const secret = write("secret-sidecar.yaml", renderServerEnvCompose("upstream", { API_TOKEN: tricky }));
    const c = config([main, secret]);
    expect(c.services.upstream?.image).to.equal("ghcr.io/example/mcp-server:1.2.3");
    expect(c.services.upstream?.environment?.API_TOKEN).to.equal(printed(tricky));
    expect(JSON.stringify(c)).not.to.include("from-the-shell");
    expect(c.services.mcp?.environment ?? {}).not.to.have.property("API_TOKEN");
    expect(c.services.mcp?.depends_on).to.deep.equal({ upstream: { condition: "service_started" } });
    expect(c.services).not.to.have.property("workspace-init");
  });

  it("without the `$$` escaping, compose would interpolate the value (the escaping is needed)", function () {
    requireProgram(this, "docker-compose");
    const main = write("plain.yaml", renderCompose({ ...SAMPLE_HOST_OPTIONS, upstream: { sidecarImage: "x:1" } }));
    const unescaped = write(
      "unescaped.yaml",
      `services:\n  upstream:\n    environment:\n      API_TOKEN: "a-\${API_TOKEN}"\n`,
    );
    expect(config([main, unescaped]).services.upstream?.environment?.API_TOKEN).to.equal("a-from-the-shell");
  });
});
