/**
 * Merging a server entry into a client's config file without losing anything: jsonc-parser edits the text in place,
 * so every other server, every other top-level key (and, where the client allows them, comments) stays as it was.
 * Writes make a `.bak` first and go through a temporary file and a rename.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { applyEdits, modify, type ParseError, parse, printParseErrorCode } from "jsonc-parser";
import type { ClientSpec } from "../../infra/core/client-configs.js";

/** The file was left untouched; `message` says why. */
export class ConfigFileError extends Error {}

type Json = Record<string, unknown>;
const FORMAT = { formattingOptions: { insertSpaces: true, tabSize: 2, eol: "\n" } };

/**
 * @param existing - the file's text, or undefined when it does not exist.
 * @param rendered - the client's config for this server (from `spec.render`).
 * @returns the new text.
 * @throws {ConfigFileError} when the text is not valid JSON (JSONC where the client allows comments), or the entry
 *   exists and `force` is false.
 */
export function mergeConfig(
  existing: string | undefined,
  rendered: Json,
  spec: ClientSpec,
  name: string,
  force: boolean,
): string {
  let text = existing ?? "{}\n";
  const errors: ParseError[] = [];
  const doc = parse(text, errors, { allowTrailingComma: spec.comments, disallowComments: !spec.comments }) as unknown;
  const first = errors[0];
  if (first) {
    throw new ConfigFileError(
      `not valid JSON${spec.comments ? " (comments allowed)" : ""}: ${printParseErrorCode(first.error)} at offset ${first.offset}`,
    );
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new ConfigFileError("not a JSON object");
  const servers = ((doc as Json)[spec.serversKey] ?? {}) as Json;
  if (servers[name] !== undefined && !force) {
    throw new ConfigFileError(`it already has a server named "${name}"; pass --force to replace it`);
  }
  const entry = (rendered[spec.serversKey] as Json)[name];
  text = applyEdits(text, modify(text, [spec.serversKey, name], entry, FORMAT));
  const inputs = rendered.inputs as { id: string }[] | undefined;
  const have = new Set((((doc as Json).inputs ?? []) as { id?: string }[]).map((i) => i.id));
  for (const input of inputs ?? []) {
    if (!have.has(input.id))
      text = applyEdits(text, modify(text, ["inputs", -1], input, { ...FORMAT, isArrayInsertion: true }));
  }
  return text;
}

/** Reads a file, or undefined when it does not exist. */
export function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

/**
 * Writes `text` to `path`: creates missing directories, copies an existing file to `<path>.bak`, then writes a
 * temporary file and renames it over `path`. `secret` files get mode 0600.
 * @returns the backup's path, if one was made.
 */
export function writeConfigFile(path: string, text: string, secret: boolean): string | undefined {
  mkdirSync(dirname(path), { recursive: true });
  let backup: string | undefined;
  if (existsSync(path)) {
    backup = `${path}.bak`;
    copyFileSync(path, backup);
  }
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text.endsWith("\n") ? text : `${text}\n`, { mode: secret ? 0o600 : 0o644 });
  renameSync(tmp, path);
  return backup;
}
