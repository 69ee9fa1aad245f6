/**
 * A fake `pulumi` executable for testing `npm run keys` as a process: it records each call's arguments (JSON lines in
 * `<dir>/calls.jsonl`) and serves `stack --show-name`, `stack output --json`, `config get [--json]`, `config set-all --json` and `up` from a
 * state file (`<dir>/state.json`), the way the real CLI answers (pulumi/pulumi pkg/cmd/pulumi/config/config.go:
 * `configValueJSON`, "configuration key '…' not found for stack '…'").
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface FakeState {
  stack: string;
  /** Config as the stack file holds it: strings, or lists for structured values. */
  config: Record<string, string | string[]>;
  /** Exit status of `pulumi up`. */
  upStatus: number;
  /** What `stack output --json` prints. @default {} */
  outputs?: Record<string, unknown>;
}

export interface FakePulumi {
  dir: string;
  /** Arguments of every call so far. */
  calls: () => string[][];
  state: () => FakeState;
}

const SCRIPT = `
const fs = require("node:fs");
const path = require("node:path");
const dir = __dirname;
const args = process.argv.slice(2);
fs.appendFileSync(path.join(dir, "calls.jsonl"), JSON.stringify(args) + "\\n");
const state = JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8"));
const save = () => fs.writeFileSync(path.join(dir, "state.json"), JSON.stringify(state));
const flag = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const stack = flag("--stack") || state.stack;
if (args[0] === "stack" && args.includes("--show-name")) { process.stdout.write(stack.split("/").pop() + "\\n"); process.exit(0); }
if (args[0] === "config" && args[1] === "get") {
  const key = args[2];
  const v = state.config[key];
  if (v === undefined) { process.stderr.write("error: configuration key '" + key + "' not found for stack '" + stack + "'\\n"); process.exit(255); }
  if (!args.includes("--json")) { process.stdout.write((typeof v === "string" ? v : JSON.stringify(v)) + "\\n"); process.exit(0); }
  const out = typeof v === "string" ? { value: v, secret: false } : { value: JSON.stringify(v), objectValue: v, secret: false };
  process.stdout.write(JSON.stringify(out, null, 2) + "\\n");
  process.exit(0);
}
if (args[0] === "config" && args[1] === "set-all" && args[2] === "--json") {
  const json = JSON.parse(args[3]);
  for (const [k, e] of Object.entries(json)) state.config[k] = e.objectValue !== undefined ? e.objectValue : e.value;
  save();
  process.exit(0);
}
if (args[0] === "stack" && args[1] === "output" && args.includes("--json")) { process.stdout.write(JSON.stringify(state.outputs || {}) + "\\n"); process.exit(0); }
if (args[0] === "up") { process.stdout.write("fake pulumi up\\n"); process.exit(state.upStatus); }
process.stderr.write("fake pulumi: unsupported " + JSON.stringify(args) + "\\n");
process.exit(3);
`;

/** Creates the fake in a new temp directory; put `dir` first on PATH. */
export function fakePulumi(state: FakeState): FakePulumi {
  const dir = mkdtempSync(join(tmpdir(), "fake-pulumi-"));
  writeFileSync(join(dir, "pulumi"), `#!${process.execPath}\n${SCRIPT}`);
  chmodSync(join(dir, "pulumi"), 0o755);
  writeFileSync(join(dir, "state.json"), JSON.stringify(state));
  writeFileSync(join(dir, "calls.jsonl"), "");
  return {
    dir,
    calls: () =>
      readFileSync(join(dir, "calls.jsonl"), "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as string[]),
    state: () => JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as FakeState,
  };
}
