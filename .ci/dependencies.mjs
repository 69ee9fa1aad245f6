/**
 * CI's dependency check (run by .ci/run, which reaches the npm registry): fails, naming each, when a direct
 * dependency is installed at a version npm marks deprecated, or when a `@pulumi/*` package is not on the major of its
 * registry `latest` dist-tag (a Pulumi SDK asks the engine for the provider plugin of its own version, so a stale or
 * mistaken major, like `@pulumi/command` 4.5.0, a deprecated 2022 preview build whose plugin has no release, breaks
 * `pulumi up`; pulumi/pulumi-command#130).
 *
 * Usage: `node .ci/dependencies.mjs` (exit 0 when clean, 1 with one line per problem). Tested with a fake registry in
 * tests/ci/dependencies.test.ts.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * @param {{ name: string, version: string }[]} deps - direct dependencies at their installed versions.
 * @param {(name: string, version: string) => Promise<{ deprecated?: string, latest?: string }>} view - the registry's
 *   deprecation message for that version and the package's `latest` dist-tag.
 * @returns {Promise<string[]>} one line per problem, naming the package, its version and what to do.
 */
export async function findProblems(deps, view) {
  const problems = [];
  const results = await Promise.all(deps.map(async (d) => ({ d, info: await view(d.name, d.version) })));
  for (const { d, info } of results) {
    if (info.deprecated)
      problems.push(
        `${d.name}@${d.version} is deprecated on npm ("${info.deprecated}"); latest is ${info.latest ?? "?"}`,
      );
    const major = (v) => String(v).replace(/^v/, "").split(".")[0];
    if (d.name.startsWith("@pulumi/") && info.latest && major(d.version) !== major(info.latest))
      problems.push(
        `${d.name}@${d.version} is not on the major of npm's latest (${info.latest}); compare npm view ${d.name} dist-tags`,
      );
  }
  return problems;
}

/** The project's direct dependencies (package.json) at the versions installed in node_modules. */
export function installedDirectDependencies(root = process.cwd()) {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  return Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).map((name) => ({
    name,
    version: JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version,
  }));
}

/** `npm view <name>@<version> deprecated dist-tags.latest --json`. */
async function npmView(name, version) {
  const { stdout } = await run("npm", ["view", `${name}@${version}`, "deprecated", "dist-tags.latest", "--json"]);
  const out = stdout.trim() === "" ? {} : JSON.parse(stdout);
  return { deprecated: out.deprecated || undefined, latest: out["dist-tags.latest"] };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const deps = installedDirectDependencies();
  const problems = await findProblems(deps, npmView);
  for (const p of problems) console.error(`dependencies: ${p}`);
  if (problems.length > 0) process.exit(1);
  console.log(`dependencies: ${deps.length} direct dependencies, none deprecated, every @pulumi/* on its latest major`);
}
