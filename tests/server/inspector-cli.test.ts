/**
 * The MCP Inspector CLI (v2, on Node >= 22) as a real third-party client of the running server. Each run gets its own
 * empty HOME, so the user's ~/.mcp-inspector (OAuth state from an earlier run, which makes the Inspector print keychain
 * notes on stderr) cannot change the result.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { API_KEY_ENV } from "../../infra/core/client-configs.js";
import { NO_OAUTH } from "../../server/http/not-found.js";
import { node22 } from "../helpers/node22.js";
import { newKey, recordOutput } from "../helpers/secrets.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const run = promisify(execFile);
/** What a client sends when it does not expand the reference in its config. */
const PLACEHOLDER = `\${${API_KEY_ENV}}`;
const INSPECTOR = new URL(
  "../../node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js",
  import.meta.url,
).pathname;

describe("MCP Inspector CLI", function () {
  this.timeout(300_000);
  const key = newKey();
  let srv: TestServer;
  let node: string;
  let home: string;

  before(async () => {
    node = node22();
    srv = await startTestServer({ MCP_API_KEYS: key });
    home = mkdtempSync(join(tmpdir(), "inspector-home-"));
  });
  after(async () => {
    await srv.close();
    rmSync(home, { recursive: true, force: true });
  });

  const env = () => ({ ...process.env, NO_COLOR: "1", HOME: home, USERPROFILE: home });

  async function inspector(...args: string[]): Promise<unknown> {
    const { stdout, stderr } = await run(
      node,
      // --stored-auth-only, as the README's command: never start OAuth (a right key needs none).
      [
        INSPECTOR,
        "--cli",
        srv.url,
        "--transport",
        "http",
        "--stored-auth-only",
        "--header",
        `x-api-key: ${key}`,
        ...args,
      ],
      { timeout: 60_000, env: env() },
    );
    recordOutput(stderr);
    expect(stderr, "no schema-portability warnings or errors").to.equal("");
    return JSON.parse(stdout);
  }

  it("lists the tools, with portable schemas (--strict)", async () => {
    const out = (await inspector("--method", "tools/list", "--strict")) as { tools: { name: string }[] };
    expect(out.tools.map((t) => t.name)).to.have.members(["echo", "server_info", "estimate_cost"]);
  });

  it("calls echo", async () => {
    const out = await inspector("--method", "tools/call", "--tool-name", "echo", "--tool-arg", "text=from inspector");
    expect(out).to.deep.include({ structuredContent: { text: "from inspector" } });
  });

  it("reads the server-info resource", async () => {
    const out = (await inspector("--method", "resources/read", "--uri", "mcp-anywhere://server-info")) as {
      contents: { text: string }[];
    };
    expect(JSON.parse(out.contents[0]?.text ?? "{}")).to.include({ name: "mcp-anywhere" });
  });

  /** The README's command with another key: exit status and the parsed error object on stdout. */
  async function inspectorWithKey(
    presented: string,
  ): Promise<{ code: number; error: { code: string; message: string } }> {
    try {
      await run(
        node,
        [INSPECTOR, "--cli", srv.url, "--transport", "http", "--method", "tools/list", "--stored-auth-only"].concat([
          "--header",
          `x-api-key: ${presented}`,
        ]),
        { timeout: 60_000, env: env() },
      );
    } catch (err) {
      // The Inspector prints its error object as the last line of stderr.
      const e = err as { code: number; stderr: string };
      const last = e.stderr.trim().split("\n").pop() ?? "";
      return { code: e.code, ...(JSON.parse(last) as { error: { code: string; message: string } }) };
    }
    throw new Error("the Inspector accepted a wrong key");
  }

  it("a wrong key (README command, --stored-auth-only) shows the server's 401 explanation, not an OAuth flow", async () => {
    const out = await inspectorWithKey(newKey());
    expect(out.code).to.equal(3);
    expect(out.error.message).to.match(/Unauthorized: API key invalid\. This server takes an API key, not OAuth/);
    expect(out.error.message).to.not.match(/TTY|Dynamic Client Registration/);
    expect(existsSync(join(home, ".mcp-inspector", "storage", "oauth.json")), "no OAuth state left behind").to.equal(
      false,
    );
  });

  it("an unexpanded key reference (a client that did not expand it, e.g. Kiro without approval) is named", async () => {
    const out = await inspectorWithKey(PLACEHOLDER);
    expect(out.error.message).to.include(`unexpanded placeholder ${PLACEHOLDER}`);
    expect(out.error.message).to.match(/approve it/);
  });

  it("what an OAuth client probes after a 401 answers 404 saying there is no OAuth; the 401 challenge is not Bearer", async () => {
    const base = new URL(srv.url).origin;
    for (const path of [
      "/.well-known/oauth-protected-resource/mcp",
      "/.well-known/oauth-protected-resource",
      "/.well-known/oauth-authorization-server",
      "/.well-known/openid-configuration",
      "/register",
      "/token",
    ]) {
      const res = await fetch(base + path, { method: path === "/register" || path === "/token" ? "POST" : "GET" });
      expect(res.status, path).to.equal(404);
      expect(((await res.json()) as { error: { message: string } }).error.message, path).to.equal(NO_OAUTH);
    }
    const res = await fetch(srv.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: "{}",
    });
    expect(res.status).to.equal(401);
    expect(res.headers.get("www-authenticate")).to.equal('ApiKey header="x-api-key"');
    const other = await fetch(`${base}/nope`);
    expect(((await other.json()) as { error: { message: string } }).error.message).to.equal(
      "Not Found: the MCP endpoint is /mcp",
    );
  });
});
