/**
 * docs/status.md's table of Pulumi provider SDKs and the plugin each requests equals what is installed: for every
 * `@pulumi/*` dependency whose package.json has `pulumi.resource`, its version and `pulumi.name`/`pulumi.version`
 * (what the SDK asks the engine for), and no row for a package that is not installed.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { dependencies: Record<string, string> };
const installed = Object.keys(pkg.dependencies)
  .filter((n) => n.startsWith("@pulumi/"))
  .map((n) => JSON.parse(readFileSync(`node_modules/${n}/package.json`, "utf8")) as Record<string, unknown>)
  .filter((j) => (j.pulumi as { resource?: boolean } | undefined)?.resource === true)
  .map((j) => {
    const p = j.pulumi as { name: string; version: string };
    return `| \`${j.name}\` | ${j.version} | \`${p.name}\` ${p.version} |`;
  })
  .sort();

describe("docs/status.md: the provider SDKs and the plugins they request", () => {
  it("lists every installed provider SDK with its version and requested plugin, and nothing else", () => {
    const text = readFileSync("docs/status.md", "utf8");
    const section = text.slice(text.indexOf("### Pulumi provider SDKs"), text.indexOf("### The AWS review"));
    const rows = section.split("\n").filter((l) => /^\| `@pulumi\//.test(l));
    expect(installed.length).to.be.greaterThan(4);
    expect(rows.sort()).to.deep.equal(installed);
  });
});
