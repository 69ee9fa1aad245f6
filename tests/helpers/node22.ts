/**
 * A Node >= 22.19 binary for tools that need it (the MCP Inspector v2 CLI). Uses this Node when new enough; otherwise
 * installs the platform's `node-<os>-<arch>` package from the npm registry into node_modules/.cache/node22, once.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const NODE22_RANGE = "^22.19.0";
const ROOT = new URL("../../", import.meta.url).pathname;

function newEnough(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 19);
}

/** @returns the path of a node binary >= 22.19. @throws when the npm install fails. */
export function node22(): string {
  if (newEnough(process.version)) return process.execPath;
  const pkg = `node-${process.platform}-${process.arch}`;
  const dir = join(ROOT, "node_modules", ".cache", "node22");
  const bin = join(dir, "node_modules", pkg, "bin", process.platform === "win32" ? "node.exe" : "node");
  if (!existsSync(bin)) {
    execFileSync(
      "npm",
      [
        "install",
        "--no-save",
        "--no-package-lock",
        "--no-audit",
        "--no-fund",
        "--prefix",
        dir,
        `${pkg}@${NODE22_RANGE}`,
      ],
      { stdio: ["ignore", "ignore", "inherit"], timeout: 300_000 },
    );
  }
  const version = execFileSync(bin, ["--version"], { encoding: "utf8" }).trim();
  if (!newEnough(version)) throw new Error(`${bin} is ${version}, need ${NODE22_RANGE}`);
  return bin;
}
