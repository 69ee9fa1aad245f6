/** The README keeps its promises: the two commands on its first screen, and every environment variable documented. */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { ENV_DOCS } from "../server/config.js";
import { CONFIG_SCHEMA, NAMESPACE, rawDefault } from "../stacks/config-schema.js";

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("shows `npm ci && npm start` and `npm test` on its first screen", () => {
    const firstScreen = README.split("\n").slice(0, 25).join("\n");
    expect(firstScreen).to.include("npm ci && npm start");
    expect(firstScreen).to.include("npm test");
  });

  for (const [name, doc] of Object.entries(ENV_DOCS)) {
    it(`documents ${name} with its default`, () => {
      const row = README.split("\n").find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, `no table row for ${name}`).to.be.a("string");
      expect(row?.split("|")[2]?.replaceAll("`", "").trim()).to.equal(doc.default);
    });
  }

  for (const key of Object.keys(CONFIG_SCHEMA) as (keyof typeof CONFIG_SCHEMA)[]) {
    it(`documents the stack config key ${NAMESPACE}:${key} with its default`, () => {
      const row = README.split("\n").find((l) => l.startsWith(`| \`${NAMESPACE}:${key}\` |`));
      expect(row, `no table row for ${key}`).to.be.a("string");
      expect(row?.split("|")[2]?.replaceAll("`", "").trim()).to.equal(rawDefault(key) ?? "(required)");
    });
  }
});
