/** `npm run keys` as a process, against a fake `pulumi` on PATH that records its arguments and serves the config. */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { ROOT } from "../helpers/process.js";
import { type FakePulumi, type FakeState, fakePulumi } from "./fake-pulumi.js";

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

const CLI = join(ROOT, "stacks/cli/keys-cli.ts");
const today = () => `key-${new Date().toISOString().slice(0, 10).replaceAll("-", "")}`;

function runKeys(fake: FakePulumi, args: string[], viaNpm = false): Promise<Result> {
  const env = { ...process.env, PATH: `${fake.dir}:${process.env.PATH ?? ""}` };
  const [cmd, argv] = viaNpm
    ? ["npm", ["run", "--silent", "keys", "--", ...args]]
    : [process.execPath, ["--import", "tsx", CLI, ...args]];
  return new Promise((resolve) => {
    const child = spawn(cmd as string, argv as string[], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const base = (over: Partial<FakeState> = {}): FakeState => ({
  stack: "dev",
  config: { "aws:region": "ap-northeast-1", "mcp-anywhere:target": "lambda", "mcp-anywhere:apiKeyIds": ["default"] },
  upStatus: 0,
  ...over,
});

describe("npm run keys (process, fake pulumi on PATH)", function () {
  this.timeout(60_000);
  const fakes: FakePulumi[] = [];
  const make = (state: FakeState) => {
    const f = fakePulumi(state);
    fakes.push(f);
    return f;
  };
  after(() => {
    for (const f of fakes) rmSync(f.dir, { recursive: true, force: true });
  });

  it("list: reads the ids and names through pulumi config get --json, changes nothing and runs no update", async () => {
    const fake = make(
      base({
        config: {
          "aws:region": "eu-west-1",
          "mcp-anywhere:apiKeyIds": ["default", "alice"],
          "mcp-anywhere:apiKeyParameterNames": ["/team/mcp/bob"],
        },
      }),
    );
    const r = await runKeys(fake, ["list", "--stack", "dev"], true);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.include("Stack dev: 3 API key(s)");
    expect(r.stdout).to.match(/default\t\/mcp-anywhere\/dev\/api-keys\/default\t\(generated\)/);
    expect(r.stdout).to.match(/alice\t\/mcp-anywhere\/dev\/api-keys\/alice\t\(generated\)/);
    expect(r.stdout).to.include("/team/mcp/bob\t(existing");
    expect(r.stdout).to.include(
      "aws ssm get-parameter --name /mcp-anywhere/dev/api-keys/default --with-decryption --query Parameter.Value --output text --region eu-west-1",
    );
    const calls = fake.calls();
    expect(calls).to.deep.include(["config", "get", "mcp-anywhere:apiKeyIds", "--json", "--stack", "dev"]);
    expect(calls.some((c) => c[0] === "up" || c[1] === "set-all")).to.equal(false);
  });

  it("add: writes the list with config set-all --json, runs pulumi up --yes and says how to fetch the key", async () => {
    const fake = make(base());
    const r = await runKeys(fake, ["add", "alice", "--stack", "dev", "--yes"]);
    expect(r.status, r.stderr).to.equal(0);
    expect(fake.state().config["mcp-anywhere:apiKeyIds"]).to.deep.equal(["default", "alice"]);
    const calls = fake.calls();
    const set = calls.find((c) => c[1] === "set-all");
    expect(set?.slice(0, 3)).to.deep.equal(["config", "set-all", "--json"]);
    expect(JSON.parse(set?.[3] ?? "{}")).to.deep.equal({
      "mcp-anywhere:apiKeyIds": { value: '["default","alice"]', objectValue: ["default", "alice"], secret: false },
    });
    expect(calls.at(-1)).to.deep.equal(["up", "--yes", "--stack", "dev"]);
    expect(calls.indexOf(set as string[])).to.be.lessThan(calls.length - 1);
    expect(r.stdout).to.include(
      "aws ssm get-parameter --name /mcp-anywhere/dev/api-keys/alice --with-decryption --query Parameter.Value --output text --region ap-northeast-1",
    );
  });

  it("uses the selected stack when --stack is absent, and the default ids when the key is not set", async () => {
    const fake = make(base({ stack: "staging", config: { "mcp-anywhere:target": "ec2" } }));
    const r = await runKeys(fake, ["add", "ci", "--no-up"]);
    expect(r.status, r.stderr).to.equal(0);
    expect(fake.state().config["mcp-anywhere:apiKeyIds"]).to.deep.equal(["default", "ci"]);
    expect(fake.calls()[0]).to.deep.equal(["stack", "--show-name"]);
    expect(fake.calls().some((c) => c[0] === "up")).to.equal(false);
    expect(r.stdout).to.include("Run `pulumi up --stack staging` to apply it.");
    // No aws:region in the config: the fetch command has no --region.
    expect(r.stdout).to.include(
      "--name /mcp-anywhere/staging/api-keys/ci --with-decryption --query Parameter.Value --output text\n",
    );
  });

  it("rotate: adds a dated key, says pulumi up rolls the Fargate tasks, and prints the exact remove command", async () => {
    const fake = make(base({ config: { ...base().config, "mcp-anywhere:target": "fargate" } }));
    const r = await runKeys(fake, ["rotate", "--stack", "dev", "--yes"]);
    expect(r.status, r.stderr).to.equal(0);
    expect(fake.state().config["mcp-anywhere:apiKeyIds"]).to.deep.equal(["default", today()]);
    expect(r.stdout).to.include("rolls the tasks");
    expect(r.stdout).to.include(`--name /mcp-anywhere/dev/api-keys/${today()} --with-decryption`);
    expect(r.stdout).to.include("Both keys are valid now.");
    expect(r.stdout).to.include("npm run keys -- remove default --stack dev\n");
  });

  it("remove: drops the id and runs pulumi up (interactive without --yes)", async () => {
    const fake = make(base({ config: { ...base().config, "mcp-anywhere:apiKeyIds": ["default", "key-20260101"] } }));
    const r = await runKeys(fake, ["remove", "default", "--stack", "dev"]);
    expect(r.status, r.stderr).to.equal(0);
    expect(fake.state().config["mcp-anywhere:apiKeyIds"]).to.deep.equal(["key-20260101"]);
    expect(fake.calls().at(-1)).to.deep.equal(["up", "--stack", "dev"]);
    expect(r.stdout).to.include("/mcp-anywhere/dev/api-keys/default was deleted");
  });

  it("refuses to remove the last key, with exit 2 and no config change", async () => {
    const fake = make(base());
    const r = await runKeys(fake, ["remove", "default", "--stack", "dev", "--yes"]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.include("remove default: refused, it is the stack's last key");
    expect(fake.calls().some((c) => c[1] === "set-all" || c[0] === "up")).to.equal(false);
    expect(fake.state().config["mcp-anywhere:apiKeyIds"]).to.deep.equal(["default"]);
  });

  it("exits 2 naming the flag or value: bad id, unknown command, unknown id, --yes with --no-up", async () => {
    const fake = make(base());
    const cases: [string[], RegExp][] = [
      [["add", "bad/id"], /add "bad\/id": the key id is invalid; allowed: 1 to 64 letters, digits, _ \. -/],
      [["add"], /add needs a key id/],
      [["drop", "x"], /command "drop" is unknown; allowed: list, add, remove, rotate/],
      [["remove", "nope", "--yes"], /remove nope: not a key of this stack; ids: default/],
      [["add", "alice", "--yes", "--no-up"], /--yes and --no-up go alone/],
      [["list", "--color"], /--color/],
      [["add", "default"], /add default: the stack already has that key/],
    ];
    for (const [args, re] of cases) {
      const r = await runKeys(fake, args);
      expect(r.status, args.join(" ")).to.equal(2);
      expect(r.stderr, args.join(" ")).to.match(re);
    }
    expect(fake.calls().some((c) => c[1] === "set-all" || c[0] === "up")).to.equal(false);
  });

  it("exits 2 when the stack's apiKeyIds is not a list of ids", async () => {
    const fake = make(base({ config: { "mcp-anywhere:apiKeyIds": ["ok", "not ok"] } }));
    const r = await runKeys(fake, ["list"]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.include('mcp-anywhere:apiKeyIds=["ok","not ok"] is invalid');
  });

  it("exits 1 when pulumi up fails, saying the config already changed and how to undo it", async () => {
    const fake = make(base({ upStatus: 255 }));
    const r = await runKeys(fake, ["add", "alice", "--stack", "dev", "--yes"]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include('pulumi up exited with 255; the config already lists ["default","alice"]');
    expect(r.stderr).to.include("npm run keys -- remove alice --stack dev --no-up");
  });
});
