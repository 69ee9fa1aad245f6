/**
 * Where `connect` and `verify` get the key (review findings F7, F8): SSM in the stack's own aws:region (not the shell's
 * AWS_REGION), through @aws-sdk/client-ssm (no AWS CLI, no jq), `$MCP_ANYWHERE_API_KEY` honoured, and `verify` run
 * twice in a row against the real local server.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { SSMClient } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import { API_KEY_ENV } from "../../infra/core/client-configs.js";
import { resolveEndpoint } from "../../stacks/cli/sources.js";
import { verifyCommand } from "../../stacks/cli/verify-cli.js";
import { FakeSsm } from "../helpers/fake-ssm.js";
import { newKey } from "../helpers/secrets.js";
import { startTestServer } from "../helpers/server.js";
import { fakePulumi } from "../keys/fake-pulumi.js";

const CHECKOUT = new URL("../..", import.meta.url).pathname;
const TSX = join(CHECKOUT, "node_modules", "tsx", "dist", "cli.mjs");
const PARAM = "/mcp-anywhere/dev/api-keys/default";
const URL_ = "https://abc.execute-api.ap-southeast-2.amazonaws.com/v1/mcp";

async function verifyOut(args: string[], env: NodeJS.ProcessEnv = {}) {
  let out = "";
  const code = await verifyCommand(args, (t) => (out += t), { env });
  return { code, out };
}

describe("connect and verify: where the key comes from", function () {
  this.timeout(120_000);
  let ssm: FakeSsm;
  let dir: string;
  const key = newKey();
  before(async () => {
    ssm = await new FakeSsm().start();
    ssm.params.set(PARAM, `${key},${newKey()}`);
  });
  after(() => ssm.close());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "key-sources-"));
    ssm.regions.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the stack's key parameter from SSM in the stack's aws:region, through the injected client", async () => {
    const asked: (string | undefined)[] = [];
    const out = await resolveEndpoint({ stack: "dev" }, true, {
      env: {},
      outputs: () => ({ url: URL_, apiKeyParameterNames: [PARAM] }),
      region: () => "eu-west-3",
      ssmClient: (region) => {
        asked.push(region);
        return new SSMClient({ ...ssm.clientConfig(), region, maxAttempts: 1 });
      },
    });
    expect(out).to.deep.equal({ url: URL_, apiKey: key, keySource: `SSM ${PARAM} (eu-west-3)` });
    expect(asked).to.deep.equal(["eu-west-3"]);
    expect(ssm.regions).to.deep.equal(["eu-west-3"]);
  });

  it("--region wins over the stack's; $MCP_ANYWHERE_API_KEY wins over the stack's parameter; --api-key over both", async () => {
    const deps = {
      outputs: () => ({ url: URL_, apiKeyParameterNames: [PARAM] }),
      region: () => "eu-west-3",
      ssmClient: (region: string | undefined) => new SSMClient({ ...ssm.clientConfig(), region, maxAttempts: 1 }),
    };
    await resolveEndpoint({ stack: "dev", region: "us-east-1" }, true, { ...deps, env: {} });
    expect(ssm.regions).to.deep.equal(["us-east-1"]);
    const fromEnv = await resolveEndpoint({ stack: "dev" }, true, { ...deps, env: { [API_KEY_ENV]: "from-env" } });
    expect(fromEnv).to.include({ apiKey: "from-env", keySource: "$MCP_ANYWHERE_API_KEY" });
    const flag = await resolveEndpoint({ stack: "dev", "api-key": "flag" }, true, {
      ...deps,
      env: { [API_KEY_ENV]: "from-env" },
    });
    expect(flag).to.include({ apiKey: "flag", keySource: "--api-key" });
    expect(ssm.regions, "no SSM read when the key is given").to.have.length(1);
  });

  /** Runs a CLI as a process with only Node and a fake `pulumi` on PATH: no AWS CLI, no jq. */
  function cli(script: string, args: string[], extraEnv: Record<string, string>) {
    const fake = fakePulumi({
      stack: "dev",
      config: { "aws:region": "ap-southeast-2" },
      upStatus: 0,
      outputs: { url: URL_, apiKeyParameterNames: [PARAM] },
    });
    return promisify(execFile)(process.execPath, [TSX, join(CHECKOUT, "stacks", "cli", script), ...args], {
      cwd: dir,
      timeout: 60_000,
      env: {
        PATH: `${fake.dir}:${dirname(process.execPath)}`,
        HOME: dir,
        AWS_CONFIG_FILE: join(dir, "none"),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
        AWS_ENDPOINT_URL_SSM: ssm.url,
        AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "fake-secret-for-tests",
        AWS_MAX_ATTEMPTS: "1",
        ...extraEnv,
      },
    });
  }

  it("npm run connect -- --embed-key --stack dev, as a process: the stack's region, not the shell's AWS_REGION", async () => {
    const { stdout } = await cli("connect-cli.ts", ["--client", "cursor", "--stack", "dev", "--embed-key"], {
      AWS_REGION: "us-west-2",
    });
    expect(JSON.parse(stdout).mcpServers["mcp-anywhere"]).to.deep.equal({ url: URL_, headers: { "x-api-key": key } });
    expect(ssm.regions).to.deep.equal(["ap-southeast-2"]);
  });

  it("with no region anywhere, the SSM error names the parameter and says how to give one", async () => {
    const message = await cli("verify-cli.ts", ["--api-key-parameter", PARAM], {}).then(
      () => "",
      (e: { code: number; stderr: string }) => `${e.code} ${e.stderr}`,
    );
    expect(message).to.match(
      /^2 npm run verify: --api-key-parameter \/mcp-anywhere\/dev\/api-keys\/default: could not read/,
    );
    expect(message).to.match(/pass --stack, --region or set AWS_REGION/);
  });

  it("npm run verify takes the key from $MCP_ANYWHERE_API_KEY and says so (without printing it)", async () => {
    const srv = await startTestServer({ MCP_API_KEYS: key });
    try {
      const { code, out } = await verifyOut(["--url", srv.url], { [API_KEY_ENV]: key });
      expect(code, out).to.equal(0);
      expect(out).to.match(/^key: from \$MCP_ANYWHERE_API_KEY$/m);
      expect(out).not.to.include(key);
    } finally {
      await srv.close();
    }
  });

  it("npm run verify runs three times in a row against the local server, the first with --rate, and passes each", async () => {
    const srv = await startTestServer({ MCP_API_KEYS: key });
    try {
      const first = await verifyOut(["--url", srv.url, "--api-key", key, "--rate"]);
      expect(first.code, first.out).to.equal(0);
      const second = await verifyOut(["--url", srv.url, "--api-key", key]);
      expect(second.code, second.out).to.equal(0);
      // The burst used the key's budget: the second run waited out the 429s instead of failing.
      expect(second.out).to.match(/^PASS rate-limit budget: waited \d+ s in all for 429 Retry-After/m);
      const third = await verifyOut(["--url", srv.url, "--api-key", key]);
      expect(third.code, third.out).to.equal(0);
    } finally {
      await srv.close();
    }
  });
});
