/** The registry lists every tool file, names are unique, and every tool is documented and annotated. */
import { readdirSync } from "node:fs";
import { expect } from "chai";
import { buildCatalog } from "../../server/mcp/catalog.js";
import echo from "../../server/tools/echo.js";
import { TOOLS } from "../../server/tools/index.js";

describe("tool registry", () => {
  it("lists every tool file in server/tools/", async () => {
    const files = readdirSync(new URL("../../server/tools", import.meta.url)).filter(
      (f) => f.endsWith(".ts") && f !== "index.ts" && f !== "types.ts",
    );
    const fromFiles = await Promise.all(
      files.map(async (f) => ((await import(`../../server/tools/${f}`)) as { default: { name: string } }).default.name),
    );
    expect(TOOLS.map((t) => t.name)).to.have.members(fromFiles);
  });

  it("gives every tool a title, a description and annotations", () => {
    for (const t of TOOLS) {
      expect(t.title, t.name).to.be.a("string").that.is.not.empty;
      expect(t.description.length, t.name).to.be.greaterThan(20);
      expect(t.annotations, t.name).to.have.property("readOnlyHint");
      expect(t.name).to.match(/^[a-z][a-z0-9_]*$/);
    }
  });

  it("refuses two tools with the same name", () => {
    expect(() => buildCatalog([echo, echo])).to.throw(/duplicate tool name `echo`/);
  });
});
