/** Config parsing: defaults, and errors that name the variable, the value and what is allowed. */
import { expect } from "chai";
import { ConfigError, loadServerConfig } from "../../server/config.js";
import { SERVER_DEFAULTS } from "../../server/defaults.js";
import { thrownMessage } from "../helpers/errors.js";

const withKey = { MCP_API_KEYS: "k-one-abcdefghijklmnop" };

const configError = (env: NodeJS.ProcessEnv) => thrownMessage(() => loadServerConfig(env), ConfigError);

describe("server config", () => {
  it("applies the documented defaults", () => {
    const c = loadServerConfig(withKey);
    expect(c).to.deep.include({
      port: 8080,
      host: "0.0.0.0",
      mcpPath: "/mcp",
      healthPath: "/health",
      dev: false,
      target: "local",
      region: "unknown",
      apiKeysTtlSeconds: 300,
      trustProxy: false,
      maxBodyBytes: 1024 * 1024,
      jsonResponse: false,
      shutdownGraceMs: 10_000,
      logLevel: "info",
    });
    expect(c.rateLimit).to.deep.equal({ requestsPerSecond: 20, burst: 40, ipRequestsPerMinute: 60 });
    expect(c.rateLimit.requestsPerSecond).to.equal(SERVER_DEFAULTS.rateLimitRps);
  });

  it("splits comma-separated lists and trims them", () => {
    const c = loadServerConfig({
      MCP_API_KEYS: " a1 , ,b2 ",
      MCP_ALLOWED_ORIGINS: "https://a.example,https://b.example",
    });
    expect(c.apiKeys).to.deep.equal(["a1", "b2"]);
    expect(c.allowedOrigins).to.deep.equal(["https://a.example", "https://b.example"]);
  });

  it("joins MCP_API_KEYS and MCP_API_KEYS_<N> in numeric order into one key set", () => {
    const c = loadServerConfig({
      MCP_API_KEYS_10: "k10",
      MCP_API_KEYS_2: "k2a, k2b",
      MCP_API_KEYS: "k0",
      MCP_API_KEYS_X: "no",
    });
    expect(c.apiKeys).to.deep.equal(["k0", "k2a", "k2b", "k10"]);
    expect(c.apiKeyVariables).to.deep.equal(["MCP_API_KEYS", "MCP_API_KEYS_2", "MCP_API_KEYS_10"]);
    expect(loadServerConfig({ MCP_API_KEYS_1: "only" }).apiKeys).to.deep.equal(["only"]);
  });

  it("rejects a numbered key variable that holds no key", () => {
    expect(configError({ MCP_API_KEYS_1: "k1", MCP_API_KEYS_2: " , " })).to.include('MCP_API_KEYS_2="" is invalid');
  });

  it("binds loopback in dev mode and needs no key source there", () => {
    const c = loadServerConfig({ MCP_DEV: "1" });
    expect(c).to.include({ dev: true, host: "127.0.0.1" });
    expect(c.apiKeys).to.deep.equal([]);
  });

  it("refuses to start without a key source, naming both variables", () => {
    const msg = configError({});
    expect(msg).to.include("MCP_API_KEYS").and.include("MCP_API_KEYS_SSM_PARAMETERS");
  });

  const bad: [Record<string, string>, string, RegExp][] = [
    [{ MCP_TARGET: "heroku" }, 'MCP_TARGET="heroku"', /local, lambda, fargate, cloudrun, ec2/],
    [{ MCP_RATE_LIMIT_RPS: "-5" }, 'MCP_RATE_LIMIT_RPS="-5"', /integer from 1 to/],
    [{ MCP_RATE_LIMIT_BURST: "1.5" }, 'MCP_RATE_LIMIT_BURST="1.5"', /integer from 1 to/],
    [{ PORT: "http" }, 'PORT="http"', /integer from 0 to 65535/],
    [{ MCP_JSON_RESPONSE: "yes" }, 'MCP_JSON_RESPONSE="yes"', /true, false, 1, 0/],
    [{ MCP_TRUST_PROXY: "true" }, 'MCP_TRUST_PROXY="true"', /number of trusted proxy hops/],
    [{ MCP_PATH: "mcp" }, 'MCP_PATH="mcp"', /path starting with \//],
    [{ LOG_LEVEL: "loud" }, 'LOG_LEVEL="loud"', /fatal, error, warn, info/],
    [{ MCP_MAX_BODY_BYTES: "10" }, 'MCP_MAX_BODY_BYTES="10"', /integer from 1024/],
  ];
  for (const [env, named, allowed] of bad) {
    it(`rejects ${named}, naming the variable, the value and what is allowed`, () => {
      const msg = configError({ ...withKey, ...env });
      expect(msg).to.include(named);
      expect(msg).to.match(allowed);
    });
  }

  it("reports every bad variable at once", () => {
    const msg = configError({ ...withKey, PORT: "x", MCP_TARGET: "y" });
    expect(msg).to.include('PORT="x"').and.include('MCP_TARGET="y"');
  });
});
