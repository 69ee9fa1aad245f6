/**
 * Imports point one way (../shared/ARCHITECTURE.md, "Layers"): stacks → components → infra → infra/core (the pure
 * layer: contract, defaults, cost model, client configs), and server → infra/core. Nothing imports stacks/ but the
 * stacks themselves and the CLIs in stacks/cli/; infra/core and server/ load no Pulumi package, even transitively.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { expect } from "chai";

const ROOT = resolve(new URL("..", import.meta.url).pathname);

type Layer = "stacks" | "components" | "infra" | "core" | "server";

/** Which layers each layer may import (besides itself). */
const ALLOWED: Record<Layer, Layer[]> = {
  stacks: ["components", "infra", "core"],
  components: ["infra", "core"],
  infra: ["core"],
  core: [],
  server: ["core"],
};

function layerOf(file: string): Layer | undefined {
  const rel = relative(ROOT, file);
  if (rel.startsWith("infra/core/")) return "core";
  const top = rel.split("/")[0];
  return (["stacks", "components", "infra", "server"] as string[]).includes(top ?? "") ? (top as Layer) : undefined;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports, with whether it is type-only (erased at runtime). */
function importsOf(text: string): { spec: string; typeOnly: boolean }[] {
  const out: { spec: string; typeOnly: boolean }[] = [];
  const re =
    /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm;
  for (const m of text.matchAll(re)) {
    const spec = (m[3] ?? m[4]) as string;
    out.push({ spec, typeOnly: m[2] !== undefined });
  }
  return out;
}

function resolveImport(from: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  return resolve(dirname(from), spec).replace(/\.js$/, ".ts");
}

const FILES = ["stacks", "components", "infra", "server"].flatMap((d) => sources(join(ROOT, d)));

describe("layers: imports point one way", () => {
  it("finds the project's imports (the scan can fail)", () => {
    const program = readFileSync(join(ROOT, "stacks/program.ts"), "utf8");
    expect(importsOf(program).map((i) => i.spec)).to.include("../components/lambda-mcp-service.js");
    expect(importsOf('import type { X } from "./x.js";')).to.deep.equal([{ spec: "./x.js", typeOnly: true }]);
  });

  it("no import runs back up a layer", () => {
    const wrong: string[] = [];
    for (const file of FILES) {
      const from = layerOf(file);
      if (from === undefined) continue;
      for (const { spec } of importsOf(readFileSync(file, "utf8"))) {
        const target = resolveImport(file, spec);
        const to = target === undefined ? undefined : layerOf(target);
        if (to === undefined || to === from) continue;
        if (!ALLOWED[from].includes(to)) wrong.push(`${relative(ROOT, file)} (${from}) imports ${spec} (${to})`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it("infra/core and server/ load no Pulumi package at runtime, directly or through what they import", () => {
    const wrong: string[] = [];
    const seen = new Set<string>();
    const visit = (file: string, chain: string[]) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const { spec, typeOnly } of importsOf(readFileSync(file, "utf8"))) {
        if (typeOnly) continue;
        if (spec.startsWith("@pulumi/")) wrong.push(`${[...chain, relative(ROOT, file)].join(" → ")} → ${spec}`);
        const target = resolveImport(file, spec);
        if (target?.endsWith(".ts")) visit(target, [...chain, relative(ROOT, file)]);
      }
    };
    for (const file of FILES) {
      const layer = layerOf(file);
      if (layer === "core" || layer === "server") visit(file, []);
    }
    expect(seen.size, "the walk should reach the server's modules").to.be.greaterThan(20);
    expect(wrong).to.deep.equal([]);
  });
});
