/**
 * The child's environment: the image's runtime settings (uv and npm caches) and a writable HOME reach it, our own
 * variables never do, and MCP_UPSTREAM_ENV wins over everything.
 */
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { childEnvironment, writableHome } from "../../../server/upstream/child-process.js";

describe("upstream child environment", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "mcp-child-env-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes the image's uv and npm cache settings, never our keys or AWS credentials", () => {
    const env = childEnvironment(
      {},
      {
        HOME: dir,
        PATH: "/usr/bin",
        UV_CACHE_DIR: "/tmp/uv/cache",
        UV_TOOL_DIR: "/tmp/uv/tools",
        npm_config_cache: "/tmp/.npm",
        MCP_API_KEYS: "k".repeat(40),
        MCP_UPSTREAM_ENV: '{"A":"b"}',
        AWS_SECRET_ACCESS_KEY: "secret",
      },
    );
    expect(env).to.include({
      UV_CACHE_DIR: "/tmp/uv/cache",
      UV_TOOL_DIR: "/tmp/uv/tools",
      npm_config_cache: "/tmp/.npm",
    });
    expect(env).to.not.have.any.keys("MCP_API_KEYS", "MCP_UPSTREAM_ENV", "AWS_SECRET_ACCESS_KEY");
  });

  it("keeps a writable HOME, and replaces a read-only one with a private directory under tmpdir", () => {
    expect(writableHome(dir)).to.equal(dir);
    // A read-only root file system (EC2, Fargate) as the check sees it; root may write anywhere, so it is injected.
    const home = writableHome(dir, (path) => path !== dir);
    expect(home).to.equal(join(tmpdir(), "mcp-upstream-home"));
    accessSync(home, constants.W_OK);
  });

  it("falls back to a writable directory when HOME is missing", () => {
    const home = writableHome(join(dir, "does-not-exist"));
    expect(home).to.equal(join(tmpdir(), "mcp-upstream-home"));
    accessSync(home, constants.W_OK);
  });

  it("lets MCP_UPSTREAM_ENV set HOME and override a runtime setting", () => {
    const env = childEnvironment(
      { HOME: "/workspace/.home", UV_CACHE_DIR: "/workspace/.uv" },
      { HOME: dir, UV_CACHE_DIR: "/tmp/uv" },
    );
    expect(env.HOME).to.equal("/workspace/.home");
    expect(env.UV_CACHE_DIR).to.equal("/workspace/.uv");
  });
});
