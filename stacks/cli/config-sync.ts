/**
 * `npm run config:sync [-- --check]`: writes Pulumi.yaml's `config:` block and the config table (docs/configuration.md) from the one
 * schema (stacks/config-schema.ts). With `--check` it writes nothing and exits 1 when either is stale (CI runs the same
 * comparison as a test). Exit 2 on an unknown flag.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseDocument } from "yaml";
import { CONFIG_SCHEMA, type ConfigKeySpec, fullKey, setCommand } from "../config-schema.js";

/** A Pulumi.yaml `config:` declaration (https://www.pulumi.com/docs/iac/concepts/projects/project-file/). */
export interface PulumiConfigDeclaration {
  type: string;
  items?: { type: string };
  description: string;
  default?: unknown;
}

/** Pulumi.yaml's `config:` block, key by key, as the schema declares it. */
export function pulumiConfigBlock(): Record<string, PulumiConfigDeclaration> {
  return Object.fromEntries(
    Object.entries(CONFIG_SCHEMA).map(([key, spec]: [string, ConfigKeySpec]) => {
      const decl: PulumiConfigDeclaration = { type: spec.type, description: spec.description };
      if (spec.type === "array") decl.items = { type: "string" };
      if (spec.default !== undefined) decl.default = spec.default;
      return [key, decl];
    }),
  );
}

/** Pulumi.yaml with its `config:` block replaced; comments and every other key kept. */
export function renderPulumiYaml(current: string): string {
  const doc = parseDocument(current);
  doc.set("config", doc.createNode(pulumiConfigBlock()));
  return doc.toString({ lineWidth: 0 });
}

const START = "<!-- config-table:start (npm run config:sync writes this table from stacks/config-schema.ts) -->";
const END = "<!-- config-table:end -->";

const PROVIDER_ROWS = [
  "| `aws:region` | (required) | AWS region, e.g. `ap-northeast-1`; the keys live in its SSM on every target | `pulumi config set aws:region ap-northeast-1` |",
  "| `gcp:project` | (required for cloudrun) | GCP project id | `pulumi config set gcp:project my-project` |",
  "| `gcp:region` | asia-northeast1 | GCP region for Cloud Run, Artifact Registry and the NEG | `pulumi config set gcp:region us-central1` |",
];

function shownDefault(spec: ConfigKeySpec): string {
  if (spec.default === undefined) return "(required)";
  if (Array.isArray(spec.default)) return `\`${JSON.stringify(spec.default)}\``;
  return String(spec.default);
}

/** The README's config table: key, default, meaning and the exact command that sets it. */
export function configTable(): string {
  const rows = Object.entries(CONFIG_SCHEMA).map(
    ([key, spec]: [string, ConfigKeySpec]) =>
      `| \`${fullKey(key)}\` | ${shownDefault(spec)} | ${spec.description.replaceAll("|", "\\|")} | \`${spec.setWith ?? setCommand(key as keyof typeof CONFIG_SCHEMA)}\` |`,
  );
  return [START, "| key | default | meaning | set with |", "|---|---|---|---|", ...PROVIDER_ROWS, ...rows, END].join(
    "\n",
  );
}

/** Where the config table lives (linked from the README's Reference). */
export const CONFIG_DOC = "docs/configuration.md";

/** docs/configuration.md with its config table replaced. @throws {Error} when the markers are missing. */
export function renderConfigDoc(current: string): string {
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  if (start < 0 || end < start)
    throw new Error(`${CONFIG_DOC}: the config table markers are missing (${START} … ${END})`);
  return current.slice(0, start) + configTable() + current.slice(end + END.length);
}

function main(argv: string[]): number {
  let check = false;
  try {
    check = parseArgs({ args: argv, options: { check: { type: "boolean" } } }).values.check ?? false;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}; allowed: --check\n`);
    return 2;
  }
  let stale = 0;
  for (const [file, render] of [
    ["Pulumi.yaml", renderPulumiYaml],
    [CONFIG_DOC, renderConfigDoc],
  ] as const) {
    const current = readFileSync(file, "utf8");
    const next = render(current);
    if (next === current) continue;
    if (check) {
      process.stderr.write(`${file} is stale: run npm run config:sync\n`);
      stale++;
    } else {
      writeFileSync(file, next);
      process.stdout.write(`wrote ${file}\n`);
    }
  }
  return stale > 0 ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main(process.argv.slice(2)));
