/**
 * The README keeps its promises: the two commands on its first screen, every environment variable and config key
 * documented (docs/server.md, docs/configuration.md), every relative link resolving to a file and heading in the
 * repository, no link outside it, and the Japanese README (README.ja.md) in step with the English one: the same
 * sections, in the same order, with the same commands.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { ENV_DOCS } from "../server/config.js";
import { CONFIG_SCHEMA, NAMESPACE, rawDefault } from "../stacks/config-schema.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const README = read("README.md");
const README_JA = read("README.ja.md");
const DOCS = [
  "README.md",
  "README.ja.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, "")
    .replaceAll(" ", "-");

/** Anchors a markdown file defines: headings outside code blocks and `<a id="…">`. */
function anchors(text: string): Set<string> {
  const out = new Set<string>();
  let code = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("```")) code = !code;
    if (code) continue;
    const h = /^#{1,6} (.*)$/.exec(line);
    if (h) out.add(slug(h[1] ?? ""));
    for (const m of line.matchAll(/<a id="([^"]+)"><\/a>/g)) out.add(m[1] ?? "");
  }
  return out;
}

/** Markdown links and images outside code blocks: [label](target). */
function links(text: string): string[] {
  let code = false;
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("```")) code = !code;
    if (code) continue;
    for (const m of line.replaceAll(/`[^`]*`/g, "").matchAll(/\]\(([^)\s]+)\)/g)) out.push(m[1] ?? "");
  }
  return out;
}

/** The sections a reader moves between: `<a id>` anchors before H2/H3 headings, in order. */
const sectionIds = (text: string) => [...text.matchAll(/^<a id="([^"]+)"><\/a>\n#{2,3} /gm)].map((m) => m[1] ?? "");

/** The shell commands of one section (code-block lines, comments and trailing spaces dropped), in order. */
function commands(text: string, id: string): string[] {
  const start = text.indexOf(`<a id="${id}"></a>`);
  const next = text.slice(start + 1).search(/\n<a id="[^"]+"><\/a>\n#{2,3} /);
  const section = next < 0 ? text.slice(start) : text.slice(start, start + 1 + next);
  const out: string[] = [];
  let code = false;
  for (const line of section.split("\n")) {
    if (line.startsWith("```")) {
      code = !code;
      continue;
    }
    if (!code) continue;
    const command = line.replace(/\s+#(?![^'"]*['"][^'"]*$).*$/, "").trimEnd();
    if (command !== "") out.push(command);
  }
  return out;
}

describe("README", () => {
  it("shows `npm ci && npm start` and `npm test` on its first screen", () => {
    const firstScreen = README.split("\n").slice(0, 25).join("\n");
    expect(firstScreen).to.include("npm ci && npm start");
    expect(firstScreen).to.include("npm test");
  });

  it("opens with a table of contents, then the choice of target, before any deploy step", () => {
    const at = (s: string) => README.indexOf(s);
    expect(at("## Contents")).to.be.greaterThan(0);
    expect(at("## Choose a target")).to.be.greaterThan(at("## Contents"));
    expect(at("## Quick start")).to.be.greaterThan(at("## Choose a target"));
    expect(at("## Deploy")).to.be.greaterThan(at("## Quick start"));
    expect(at("## Troubleshooting")).to.be.greaterThan(at("## Deploy"));
    expect(at("## Reference")).to.be.greaterThan(at("## Troubleshooting"));
  });

  it("has a numbered troubleshooting list of ten errors", () => {
    const section = README.slice(README.indexOf("## Troubleshooting"), README.indexOf("## Reference"));
    expect(section.match(/^\d+\. \*\*/gm)).to.have.length(10);
  });

  for (const [name, doc] of Object.entries(ENV_DOCS)) {
    it(`docs/server.md documents ${name} with its default`, () => {
      const row = read("docs/server.md")
        .split("\n")
        .find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, `no table row for ${name}`).to.be.a("string");
      expect(row?.split("|")[2]?.replaceAll("`", "").trim()).to.equal(doc.default);
    });
  }

  for (const key of Object.keys(CONFIG_SCHEMA) as (keyof typeof CONFIG_SCHEMA)[]) {
    it(`docs/configuration.md documents ${NAMESPACE}:${key} with its default`, () => {
      const row = read("docs/configuration.md")
        .split("\n")
        .find((l) => l.startsWith(`| \`${NAMESPACE}:${key}\` |`));
      expect(row, `no table row for ${key}`).to.be.a("string");
      expect(row?.split("|")[2]?.replaceAll("`", "").trim()).to.equal(rawDefault(key) ?? "(required)");
    });
  }

  for (const file of DOCS) {
    it(`${file}: every relative link resolves to a file (and heading) in the repository, none leaves it`, () => {
      const text = read(file);
      expect(text, "a reference to the project's private notes").to.not.match(
        /\.\.\/shared\b|PRICING\.md|ARCHITECTURE\.md/,
      );
      for (const target of links(text)) {
        if (/^(https?:|mailto:)/.test(target)) continue;
        const [path = "", anchor] = target.split("#");
        const resolved = path === "" ? file : normalize(join(dirname(file), path));
        expect(resolved.startsWith(".."), `${target} leaves the repository`).to.equal(false);
        expect(existsSync(join(ROOT, resolved)), `${target}: no such file`).to.equal(true);
        if (anchor && resolved.endsWith(".md")) {
          expect([...anchors(read(resolved))], `${target}: no such heading`).to.include(anchor);
        }
      }
    });
  }
});

describe("README.ja.md", () => {
  const ids = sectionIds(README_JA);

  it("covers choosing a target, deploying each target, connecting, tearing down and troubleshooting", () => {
    expect(ids).to.include.members([
      "choose-a-target",
      "quick-start",
      "deploy-first-steps",
      "deploy-lambda",
      "deploy-fargate",
      "deploy-cloudrun",
      "deploy-ec2",
      "deploy-dockerhost",
      "connect",
      "tear-down",
      "troubleshooting",
    ]);
  });

  it("has the English README's sections in the same order", () => {
    expect(ids).to.deep.equal(sectionIds(README).filter((id) => ids.includes(id)));
  });

  for (const id of sectionIds(README_JA)) {
    it(`section ${id}: the same commands as the English one`, () => {
      expect(commands(README_JA, id)).to.deep.equal(commands(README, id));
    });
  }

  it("has the same cost table as the English README", () => {
    const table = (text: string) => text.slice(text.indexOf("<!-- choose-table")).split("\n").slice(3, 6).join("\n");
    expect(table(README_JA)).to.equal(table(README));
  });
});
