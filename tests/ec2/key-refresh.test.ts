/**
 * The EC2 key timer (components/ec2/key-refresh.ts) with more than 10 key parameters, run for real with python3
 * against a fake `aws` CLI that enforces SSM's GetParameters limit of 10 names per call
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html) the way the real service
 * does (a ValidationException and exit code 254/255). Review F11. Without python3 the suite skips with a line saying
 * so, or fails under CI=true (tests/helpers/programs.ts).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { renderKeyRefreshScript, SSM_GET_PARAMETERS_MAX } from "../../components/ec2/key-refresh.js";
import { requireProgram } from "../helpers/programs.js";

/** A stand-in for `aws ssm get-parameters … --names N… --output json`, reading the store from MCP_FAKE_SSM. */
const FAKE_AWS = `#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
names = []
if "--names" in args:
    i = args.index("--names") + 1
    while i < len(args) and not args[i].startswith("--"):
        names.append(args[i]); i += 1
with open(os.environ["MCP_FAKE_SSM_CALLS"], "a") as log:
    log.write("%d\\n" % len(names))
if len(names) > 10:
    sys.stderr.write("An error occurred (ValidationException) when calling the GetParameters operation: "
                     "1 validation error detected: Value at 'names' failed to satisfy constraint: "
                     "Member must have length less than or equal to 10\\n")
    sys.exit(254)
store = json.load(open(os.environ["MCP_FAKE_SSM"]))
print(json.dumps({
    "Parameters": [{"Name": n, "Value": store[n]} for n in names if n in store],
    "InvalidParameters": [n for n in names if n not in store],
}))
`;

describe("EC2 key timer with more than 10 key parameters (real script, fake aws CLI)", function () {
  this.timeout(60_000);
  let dir: string;
  const names = Array.from({ length: 23 }, (_, i) => `/mcp-anywhere/dev/api-keys/k${String(i).padStart(2, "0")}`);
  const store = Object.fromEntries(names.map((n) => [n, randomBytes(20).toString("hex")]));

  before(function () {
    requireProgram(this, "python3");
    dir = mkdtempSync(join(tmpdir(), "mcp-keys-"));
    for (const d of ["nginx", "keys"]) mkdirSync(join(dir, d));
    writeFileSync(join(dir, "aws"), FAKE_AWS, { mode: 0o755 });
    writeFileSync(join(dir, "ssm.json"), JSON.stringify(store));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function run(parameterNames: string[]) {
    writeFileSync(join(dir, "calls"), "");
    const script = join(dir, "mcp-anywhere-keys");
    writeFileSync(
      script,
      renderKeyRefreshScript({
        region: "ap-northeast-1",
        parameterNames,
        nginxMapPath: join(dir, "nginx", "keys.map"),
        appKeysPath: join(dir, "keys", "keys"),
        appGroupId: 0,
        reloadCommand: ["true"],
      }),
    );
    const r = spawnSync("python3", [script], {
      encoding: "utf8",
      env: {
        ...process.env,
        MCP_KEYS_AWS_CLI: join(dir, "aws"),
        MCP_FAKE_SSM: join(dir, "ssm.json"),
        MCP_FAKE_SSM_CALLS: join(dir, "calls"),
      },
    });
    if (r.error) throw new Error(`python3 could not run (${r.error.message}); .ci/run installs it`);
    const calls = readFileSync(join(dir, "calls"), "utf8").trim().split("\n").filter(Boolean).map(Number);
    return { status: r.status, output: `${r.stdout}${r.stderr}`, calls };
  }

  it("the fake enforces the limit: 11 names in one call fail as SSM does", () => {
    const r = spawnSync(join(dir, "aws"), ["ssm", "get-parameters", "--names", ...names.slice(0, 11)], {
      encoding: "utf8",
      env: { ...process.env, MCP_FAKE_SSM: join(dir, "ssm.json"), MCP_FAKE_SSM_CALLS: join(dir, "calls") },
    });
    expect(r.status).to.equal(254);
    expect(r.stderr).to.include("ValidationException");
  });

  it("reads 23 parameters in calls of at most 10 names and writes every key to nginx's map and the app's file", () => {
    const r = run(names);
    expect(r.status, r.output).to.equal(0);
    expect(SSM_GET_PARAMETERS_MAX).to.equal(10);
    expect(r.calls).to.deep.equal([10, 10, 3]);
    const appKeys = readFileSync(join(dir, "keys", "keys"), "utf8")
      .trim()
      .split("\n");
    expect(appKeys).to.have.members(Object.values(store));
    const map = readFileSync(join(dir, "nginx", "keys.map"), "utf8");
    expect(map.match(/^ {4}"~\^/gm)).to.have.length(23);
    expect(r.output).to.include("23 keys");
    for (const key of Object.values(store)) expect(r.output).not.to.include(key);
  });

  it("fails and keeps the current files when any batch names a missing parameter", () => {
    const before = readFileSync(join(dir, "keys", "keys"), "utf8");
    const r = run([...names, "/mcp-anywhere/dev/api-keys/missing"]);
    expect(r.status).not.to.equal(0);
    expect(r.output).to.include("SSM parameters not found: /mcp-anywhere/dev/api-keys/missing");
    expect(readFileSync(join(dir, "keys", "keys"), "utf8")).to.equal(before);
  });
});
