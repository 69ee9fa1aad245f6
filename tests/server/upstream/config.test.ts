/** The upstream variables of server/config.ts: defaults, shapes, and errors that name the variable (never a secret). */
import { expect } from "chai";
import { UPSTREAM_DEFAULTS } from "../../../infra/core/upstream.js";
import { ConfigError, loadServerConfig } from "../../../server/config.js";

const BASE = { MCP_API_KEYS: "k".repeat(32) };

function configError(env: Record<string, string>): ConfigError {
  try {
    loadServerConfig({ ...BASE, ...env });
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  return expect.fail("no ConfigError");
}

describe("server config: upstream variables", () => {
  it("defaults to builtin, with nothing else", () => {
    expect(loadServerConfig(BASE).upstream).to.deep.equal({ mode: "builtin" });
    expect(loadServerConfig({ ...BASE, MCP_UPSTREAM: "" }).upstream).to.deep.equal({ mode: "builtin" });
  });

  it("shapes stdio with the defaults of infra/core/upstream.ts", () => {
    const c = loadServerConfig({
      ...BASE,
      MCP_UPSTREAM: "stdio",
      MCP_UPSTREAM_COMMAND: '["uvx","--from","serena-agent","serena","start-mcp-server"]',
      MCP_UPSTREAM_ENV: '{"TOKEN":"s3cret","A_B":"1"}',
      MCP_UPSTREAM_CWD: "/workspace",
    });
    expect(c.upstream).to.deep.equal({
      mode: "stdio",
      command: ["uvx", "--from", "serena-agent", "serena", "start-mcp-server"],
      env: { TOKEN: "s3cret", A_B: "1" },
      cwd: "/workspace",
      url: UPSTREAM_DEFAULTS.url,
      timeoutMs: UPSTREAM_DEFAULTS.timeoutMs,
      readyTimeoutMs: UPSTREAM_DEFAULTS.readyTimeoutMs,
    });
  });

  it("shapes http with a URL and no command (a sidecar)", () => {
    const c = loadServerConfig({
      ...BASE,
      MCP_UPSTREAM: "http",
      MCP_UPSTREAM_URL: "http://127.0.0.1:9000/mcp",
      MCP_UPSTREAM_TIMEOUT_MS: "1500",
      MCP_UPSTREAM_READY_TIMEOUT_MS: "2500",
    });
    expect(c.upstream).to.deep.include({
      mode: "http",
      command: [],
      url: "http://127.0.0.1:9000/mcp",
      timeoutMs: 1500,
    });
    expect(c.upstream).to.deep.include({ readyTimeoutMs: 2500 });
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    [
      "an unknown mode",
      { MCP_UPSTREAM: "grpc" },
      /MCP_UPSTREAM="grpc" is invalid: expected one of builtin, stdio, http/,
    ],
    ["stdio without a command", { MCP_UPSTREAM: "stdio" }, /MCP_UPSTREAM_COMMAND is required when MCP_UPSTREAM=stdio/],
    [
      "a command that is not a JSON array",
      { MCP_UPSTREAM_COMMAND: "npx -y x" },
      /MCP_UPSTREAM_COMMAND="npx -y x" is invalid/,
    ],
    ["an empty argv", { MCP_UPSTREAM_COMMAND: "[]" }, /MCP_UPSTREAM_COMMAND="\[\]" is invalid/],
    ["a relative cwd", { MCP_UPSTREAM_CWD: "data" }, /MCP_UPSTREAM_CWD="data" is invalid: expected an absolute path/],
    ["a non-http URL", { MCP_UPSTREAM_URL: "ftp://x/mcp" }, /MCP_UPSTREAM_URL="ftp:\/\/x\/mcp" is invalid/],
    ["a zero timeout", { MCP_UPSTREAM_TIMEOUT_MS: "0" }, /MCP_UPSTREAM_TIMEOUT_MS="0" is invalid: expected an integer/],
    [
      "a bad ready timeout",
      { MCP_UPSTREAM_READY_TIMEOUT_MS: "soon" },
      /MCP_UPSTREAM_READY_TIMEOUT_MS="soon" is invalid/,
    ],
  ];
  for (const [what, env, message] of bad) {
    it(`refuses ${what}, naming the variable`, () => {
      expect(configError(env).message).to.match(message);
    });
  }

  it("refuses a bad MCP_UPSTREAM_ENV without echoing its value (it may hold secrets)", () => {
    for (const value of [
      '{"TOKEN": 42, "X": "hunter2-secret"}',
      '["hunter2-secret"]',
      "hunter2-secret",
      '{"BAD NAME":"hunter2-secret"}',
    ]) {
      const err = configError({ MCP_UPSTREAM_ENV: value });
      expect(err.message).to.include("MCP_UPSTREAM_ENV=(value hidden) is invalid: expected a JSON object");
      expect(err.message).not.to.include("hunter2");
    }
  });
});
