/**
 * What the EC2 target writes on the host, checked by the real programs that consume it: `cloud-init schema` (Debian
 * package cloud-init), `docker-compose config` (Debian package docker-compose), `bash -n` and python3. Each check also
 * runs on a broken sample, to prove it can fail. A test whose program is missing skips with a line naming it, or
 * fails under CI=true (tests/helpers/programs.ts; CI installs them, .ci/run); the checks that need no program run.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import {
  encodeUserData,
  renderUserData,
  USER_DATA_BUDGET_BYTES,
  UserDataTooLargeError,
} from "../../components/ec2/cloud-init.js";
import { HOST, renderCompose } from "../../components/ec2/host-files.js";
import { renderRolloutDocument } from "../../components/ec2/rollout.js";
import { EC2_USER_DATA_MAX_BYTES } from "../../infra/core/aws-limits.js";
import { SAMPLE_HOST_OPTIONS, sampleHostFiles } from "../helpers/ec2-sample.js";
import { requireProgram } from "../helpers/programs.js";

function run(cmd: string, args: string[], input?: string): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000, input });
  if (r.error) throw new Error(`${cmd} could not run (${r.error.message}); install it (see .ci/run)`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("EC2 host files, validated by real programs", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "mcp-ec2-files-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it("the user data passes `cloud-init schema`", function () {
    requireProgram(this, "cloud-init");
    const r = run("cloud-init", ["schema", "--config-file", write("user-data", renderUserData(sampleHostFiles()))]);
    expect(r.status, r.output).to.equal(0);
    expect(r.output).to.match(/Valid cloud-config/);
  });

  it("`cloud-init schema` rejects a broken user data (the check can fail)", function () {
    requireProgram(this, "cloud-init");
    const broken = renderUserData(sampleHostFiles()).replace("package_update: true", "package_update: 17");
    const r = run("cloud-init", ["schema", "--config-file", write("broken-user-data", broken)]);
    expect(r.status).not.to.equal(0);
  });

  it("the gzip user data is under its budget and cloud-init's own user-data reader restores the exact cloud-config", function () {
    const text = renderUserData(sampleHostFiles());
    const { base64, bytes } = encodeUserData(text);
    expect(bytes).to.be.below(USER_DATA_BUDGET_BYTES);
    expect(USER_DATA_BUDGET_BYTES).to.be.at.most(EC2_USER_DATA_MAX_BYTES * 0.75);
    // The package's Python module (Debian: /usr/bin/python3's cloudinit); the size checks above need nothing.
    requireProgram(this, "cloud-init");
    // cloud-init's convert_string (cloudinit/user_data.py) is what turns instance user data into parts; it gunzips.
    const restore = [
      "import base64, sys",
      "from cloudinit import user_data",
      "msg = user_data.convert_string(base64.b64decode(sys.stdin.read()))",
      "sys.stdout.write(msg.get_payload(decode=True).decode())",
    ].join("\n");
    const r = run("/usr/bin/python3", ["-c", restore], base64);
    expect(r.status, r.output).to.equal(0);
    expect(r.output).to.equal(text);
  });

  it("refuses user data over the budget with an error that names the sizes and what to shorten", () => {
    const files = sampleHostFiles();
    const noise = Array.from({ length: 800 }, (_, i) => `${i}:${Math.random().toString(36).slice(2)}`).join(",");
    const big = renderUserData([...files, { path: "/etc/mcp-anywhere/extra", permissions: "0644", content: noise }]);
    expect(() => encodeUserData(big)).to.throw(
      UserDataTooLargeError,
      /^EC2 user data is \d+ bytes gzip-compressed \(\d+ bytes as text\); the budget is 12288 bytes, below EC2's limit of 16384\. Shorten/,
    );
  });

  it("the compose file passes `docker-compose config`", function () {
    requireProgram(this, "docker-compose");
    const r = run("docker-compose", ["-f", write("compose.yaml", renderCompose(SAMPLE_HOST_OPTIONS)), "config", "-q"]);
    expect(r.status, r.output).to.equal(0);
  });

  it("`docker-compose config` rejects an unknown key (the check can fail)", function () {
    requireProgram(this, "docker-compose");
    const broken = renderCompose(SAMPLE_HOST_OPTIONS).replace(
      "read_only: true",
      "read_only: true\n    not_a_compose_key: 1",
    );
    const r = run("docker-compose", ["-f", write("broken-compose.yaml", broken), "config", "-q"]);
    expect(r.status).not.to.equal(0);
    expect(r.output).to.include("not_a_compose_key");
  });

  it("every shell script parses with `bash -n`, and the key timer compiles with python3", function () {
    const scripts = sampleHostFiles().filter((x) => x.path.startsWith(HOST.bin));
    const isPython = (f: { content: string }) => f.content.startsWith("#!/usr/bin/env python3");
    // Shell scripts first: they need only bash, so they are checked even where python3 is missing.
    for (const f of [...scripts.filter((x) => !isPython(x)), ...scripts.filter(isPython)]) {
      if (isPython(f)) requireProgram(this, "python3");
      const p = write(f.path.split("/").pop() ?? "script", f.content);
      const r = isPython(f) ? run("python3", ["-m", "py_compile", p]) : run("bash", ["-n", p]);
      expect(r.status, `${f.path}: ${r.output}`).to.equal(0);
    }
  });

  it("the rollout document writes exactly the files the user data writes, and ends by deploying", () => {
    const files = sampleHostFiles();
    const doc = JSON.parse(renderRolloutDocument(files)) as {
      schemaVersion: string;
      mainSteps: { inputs: { runCommand: string[] } }[];
    };
    expect(doc.schemaVersion).to.equal("2.2");
    const commands = doc.mainSteps[0]?.inputs.runCommand ?? [];
    const written = commands
      .map((c) => /^echo '([A-Za-z0-9+/=]+)' \| base64 -d > (\S+)\.new$/.exec(c))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ path: m[2], content: Buffer.from(m[1] ?? "", "base64").toString("utf8") }));
    expect(written).to.deep.equal(files.map((f) => ({ path: f.path, content: f.content })));
    expect(commands.at(-1)).to.equal(`${HOST.bin}/mcp-anywhere-deploy`);
    const script = write("rollout.sh", commands.join("\n"));
    expect(run("bash", ["-n", script]).status).to.equal(0);
  });
});
