/**
 * Issue 17, walkthrough F10: on a machine with only Node and npm, a test that needs a system program is skipped with one
 * visible line naming the program and the install command, and the run passes; under CI=true (as .ci/run sets it) the
 * same test fails with the same message. Runs mocha in a child process on a fixture spec with a PATH holding only
 * a link to Node alone (Node may live in /usr/bin beside xmllint), so xmllint cannot be found. Also checks that .ci/run installs every program's package.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { PROGRAMS } from "./helpers/programs.js";

const ROOT = join(import.meta.dirname, "..");
const SPEC = "tests/fixtures/programs/needs-xmllint.spec.ts";

/** A directory holding only a `node` link: the PATH of a machine with Node and nothing else. */
function nodeOnlyBin(): string {
  const bin = mkdtempSync(join(tmpdir(), "node-only-"));
  symlinkSync(process.execPath, join(bin, "node"));
  return bin;
}

function runFixture(env: Record<string, string>) {
  const mocha = join(ROOT, "node_modules", "mocha", "bin", "mocha.js");
  const { PATH: _path, CI: _ci, ...rest } = process.env;
  return spawnSync(process.execPath, [mocha, "--no-config", "--node-option", "import=tsx", SPEC], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...rest, PATH: nodeOnlyBin(), ...env },
  });
}

describe("a fresh machine (only Node and npm): tests needing system programs", function () {
  this.timeout(90_000);

  it("skip with one line naming the program and the apt command, and the run passes", () => {
    const r = runFixture({});
    expect(r.status, r.stderr).to.equal(0);
    const lines = r.stdout.split("\n").filter((l) => l.includes("[skipped]"));
    expect(lines).to.deep.equal([
      "      [skipped] runs xmllint: xmllint is not installed (not on PATH); .ci/run installs it, or: sudo apt-get install libxml2-utils",
    ]);
    expect(r.stdout).to.match(/0 passing[\s\S]*1 pending/);
  });

  it("fail under CI=true with the same message", () => {
    const r = runFixture({ CI: "true" });
    expect(r.status).to.equal(1);
    expect(r.stdout).to.include("runs xmllint: CI=true but xmllint is not installed (not on PATH)");
    expect(r.stdout).not.to.include("[skipped]");
  });

  it(".ci/run installs the Debian package of every program the tests may need", () => {
    const ci = readFileSync(join(ROOT, ".ci", "run"), "utf8").replace(/\\\n\s*/g, " ");
    const apt = (/--no-install-recommends ([^\n]+)/.exec(ci)?.[1] ?? "").trim().split(/\s+/);
    for (const [name, spec] of Object.entries(PROGRAMS)) expect(apt, name).to.include(spec.apt);
  });
});
