/**
 * Policy: the project's config keys are flat (no dot) and every key a stack file sets in the project namespace is one
 * the project declares, so the CLI and the program read the same key.
 *
 * A policy pack cannot see stack config (the Node policy SDK's `configureStack` keeps only stack tags), so this is a
 * stack policy that reads the project's files from disk: `Pulumi.yaml` and every `Pulumi.<stack>.yaml` in the project
 * directory (by default the directory two levels above this pack, since the pack lives in `infra/policy/`; policy
 * config `projectDir` overrides it). Without a `Pulumi.yaml` there the policy is not applicable. It checks every stack
 * file of the project, not only the one being deployed (the pack is not told which stack runs it), so a stale key in
 * any stack file shows in every stack's preview: project hygiene, fixed once for all stacks.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { StackValidationPolicy } from "@pulumi/policy";
import { parse } from "yaml";

/** Where the project's Pulumi.yaml is when the pack runs from this repository (infra/policy → project root). */
export const DEFAULT_PROJECT_DIR = fileURLToPath(new URL("../../", import.meta.url));

interface ProjectFile {
  name?: unknown;
  config?: Record<string, unknown>;
}

/**
 * Checks a project's config declarations and stack files.
 * @param projectYaml - the text of Pulumi.yaml.
 * @param stackFiles - stack file name (`Pulumi.dev.yaml`) → its text.
 * @returns one message per problem: a declared key with a dot (the CLI reads `a.b` as property `b` of key `a`:
 *   `pulumi config set --path`, and pulumi/pulumi#21219, where typed dotted keys fail validation); a key a stack file
 *   sets in the project namespace that the project does not declare (the program never reads it, e.g. one written with
 *   `--path` as a nested object), or one with a dot.
 * @throws {Error} when Pulumi.yaml has no `name`.
 */
export function checkConfigFiles(projectYaml: string, stackFiles: Record<string, string>): string[] {
  const project = (parse(projectYaml) ?? {}) as ProjectFile;
  if (typeof project.name !== "string") throw new Error("Pulumi.yaml: `name` is missing");
  const ns = project.name;
  const declared = new Set<string>();
  const problems: string[] = [];
  for (const raw of Object.keys(project.config ?? {})) {
    // A declared key may be written with the project namespace (`mcp-anywhere:target`) or without it.
    const key = raw.startsWith(`${ns}:`) ? raw.slice(ns.length + 1) : raw;
    if (key.includes(":")) continue; // another namespace (e.g. aws:region): not the project's to declare
    declared.add(key);
    if (key.includes("."))
      problems.push(
        `Pulumi.yaml declares config key ${ns}:${key} with a dot; the CLI treats it as a property path ` +
          `(pulumi config set --path) and mis-validates typed dotted keys (pulumi/pulumi#21219): use a flat camelCase key`,
      );
  }
  for (const [file, text] of Object.entries(stackFiles)) {
    const doc = (parse(text) ?? {}) as { config?: Record<string, unknown> };
    for (const raw of Object.keys(doc.config ?? {})) {
      const [space, key] = raw.includes(":")
        ? [raw.slice(0, raw.indexOf(":")), raw.slice(raw.indexOf(":") + 1)]
        : [ns, raw];
      if (space !== ns) continue;
      if (key.includes("."))
        problems.push(
          `${file}: config key ${ns}:${key} has a dot; the CLI reads it as a property path (pulumi/pulumi#21219)`,
        );
      else if (!declared.has(key))
        problems.push(
          `${file}: config key ${ns}:${key} is not declared in Pulumi.yaml, so the program never reads it ` +
            `(declared: ${[...declared].sort().join(", ")})`,
        );
    }
  }
  return problems;
}

/** Reads Pulumi.yaml and every Pulumi.<stack>.yaml in `dir`; undefined when there is no Pulumi.yaml. */
export function readProjectFiles(dir: string): { projectYaml: string; stackFiles: Record<string, string> } | undefined {
  const projectPath = join(dir, "Pulumi.yaml");
  if (!existsSync(projectPath)) return undefined;
  const stackFiles: Record<string, string> = {};
  for (const f of readdirSync(dir).sort())
    if (/^Pulumi\..+\.ya?ml$/.test(f)) stackFiles[f] = readFileSync(join(dir, f), "utf8");
  return { projectYaml: readFileSync(projectPath, "utf8"), stackFiles };
}

/** `config-keys-readable`: {@link checkConfigFiles} over the project directory's files. */
export const configKeysReadable: StackValidationPolicy = {
  name: "config-keys-readable",
  description:
    "Project config keys have no dot and every project-namespace key a stack file sets is declared in Pulumi.yaml, " +
    "so `pulumi config set` (with or without --path) and the program read the same key " +
    "(https://github.com/pulumi/pulumi/issues/21219, https://www.pulumi.com/docs/iac/concepts/config/).",
  configSchema: {
    properties: {
      projectDir: { type: "string", description: "The directory holding Pulumi.yaml; default: the pack's ../../" },
    },
  },
  validateStack: (args, report) => {
    const dir = args.getConfig<{ projectDir?: string }>().projectDir ?? DEFAULT_PROJECT_DIR;
    const files = readProjectFiles(dir);
    if (files === undefined) return args.notApplicable(`no Pulumi.yaml in ${dir}`);
    for (const problem of checkConfigFiles(files.projectYaml, files.stackFiles)) report(problem);
  },
};
