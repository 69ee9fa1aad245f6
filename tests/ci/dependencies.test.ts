/**
 * CI's dependency check (.ci/dependencies.mjs), against a fake registry: a deprecated version and an off-major
 * `@pulumi/*` package are each named; a clean list passes. The real registry is asked by .ci/run itself.
 */
import { expect } from "chai";
// @ts-expect-error: a plain ES module without typings, run by node in .ci/run
import { findProblems, installedDirectDependencies } from "../../.ci/dependencies.mjs";

type View = (name: string, version: string) => Promise<{ deprecated?: string; latest?: string }>;
const registry: Record<string, { latest: string; deprecated?: Record<string, string> }> = {
  "@pulumi/command": { latest: "1.2.1", deprecated: { "4.5.0": "This version is deprecated" } },
  "@pulumi/aws": { latest: "7.48.0" },
  express: { latest: "5.3.0", deprecated: { "4.0.0": "old" } },
};
const view: View = async (name, version) => ({
  latest: registry[name]?.latest,
  deprecated: registry[name]?.deprecated?.[version],
});
const check = (deps: { name: string; version: string }[]) => findProblems(deps, view) as Promise<string[]>;

describe("CI dependency check", () => {
  it("names a deprecated version, and a @pulumi package off its latest major", async () => {
    const problems = await check([
      { name: "@pulumi/command", version: "4.5.0" },
      { name: "@pulumi/aws", version: "6.9.0" },
      { name: "express", version: "4.0.0" },
    ]);
    expect(problems).to.have.length(4);
    expect(problems[0]).to.match(/^@pulumi\/command@4\.5\.0 is deprecated on npm .*latest is 1\.2\.1/);
    expect(problems.join("\n")).to.match(/@pulumi\/aws@6\.9\.0 is not on the major of npm's latest \(7\.48\.0\)/);
    expect(problems.join("\n")).to.match(/express@4\.0\.0 is deprecated/);
  });

  it("passes current versions", async () => {
    expect(
      await check([
        { name: "@pulumi/command", version: "1.2.1" },
        { name: "@pulumi/aws", version: "7.40.0" },
        { name: "express", version: "5.3.0" },
      ]),
    ).to.deep.equal([]);
  });

  it("reads the installed version of every direct dependency; @pulumi/command is on 1.x", () => {
    const deps = installedDirectDependencies() as { name: string; version: string }[];
    expect(deps.find((d) => d.name === "@pulumi/command")?.version).to.match(/^1\./);
    expect(deps.length).to.be.greaterThan(40);
  });
});
