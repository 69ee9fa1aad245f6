/**
 * The pure part of `npm run keys`: argument parsing, the config transformation of each command, and the texts of
 * the Pulumi CLI calls. No process, no Pulumi: stacks/cli/keys-cli.ts runs them.
 */
import { parseArgs } from "node:util";
import { API_KEY_ID, keyParameterName } from "../../infra/core/api-key-names.js";
import { DEPLOY_DEFAULTS } from "../../infra/core/defaults.js";
import type { ConfigKeySpec } from "../config-schema.js";

/** Bad flags or values, or a refused change; `message` names the flag or value. Exit code 2. */
export class KeysUsageError extends Error {}

export const IDS_KEY = "mcp-anywhere:apiKeyIds";
export const NAMES_KEY = "mcp-anywhere:apiKeyParameterNames";

export type KeysCommand =
  | { action: "list" }
  | { action: "add"; id: string }
  | { action: "remove"; id: string }
  | { action: "rotate" };

export interface KeysOptions {
  command: KeysCommand;
  /** `--stack`; undefined for the selected stack. */
  stack: string | undefined;
  /** `ask`: run `pulumi up` (it previews and asks); `yes`: `pulumi up --yes`; `no`: change the config only. */
  up: "ask" | "yes" | "no";
}

export const USAGE = `Usage: npm run keys -- <command> [--stack <name>] [--yes | --no-up]
  list           the stack's API keys and their SSM parameters
  add <id>       generate one more key, /mcp-anywhere/<stack>/api-keys/<id>
  remove <id>    stop using a generated key and delete its parameter (never the last key)
  rotate         add a dated key (key-YYYYMMDD); remove the old one once clients moved
--yes runs \`pulumi up --yes\`; --no-up only changes the config. Default: \`pulumi up\`, which previews and asks.`;

/**
 * Parses `npm run keys` arguments.
 * @throws {KeysUsageError} naming the flag or value: unknown command or flag, missing or invalid id, `--yes` with
 *   `--no-up`, an invalid `--stack`.
 */
export function parseKeysArgs(argv: string[]): KeysOptions {
  let parsed: ReturnType<typeof parse>;
  const parse = (args: string[]) =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { stack: { type: "string" }, yes: { type: "boolean" }, "no-up": { type: "boolean" } },
    });
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new KeysUsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const [action, id, ...extra] = positionals;
  if (values.yes && values["no-up"]) throw new KeysUsageError("--yes and --no-up go alone; pick one");
  const stack = values.stack;
  if (stack !== undefined && !/^[A-Za-z0-9_.\-/]{1,200}$/.test(stack)) {
    throw new KeysUsageError(
      `--stack ${JSON.stringify(stack)} is invalid; allowed: a stack name (letters, digits, _ . - and / for org/project/stack)`,
    );
  }
  const up = values.yes ? "yes" : values["no-up"] ? "no" : "ask";
  const checkId = (flag: string) => {
    if (id === undefined) throw new KeysUsageError(`${flag} needs a key id, e.g. npm run keys -- ${flag} alice`);
    if (!API_KEY_ID.test(id)) {
      throw new KeysUsageError(
        `${flag} ${JSON.stringify(id)}: the key id is invalid; allowed: 1 to 64 letters, digits, _ . -`,
      );
    }
    return id;
  };
  let command: KeysCommand;
  switch (action) {
    case "list":
    case "rotate":
      if (id !== undefined) throw new KeysUsageError(`${action} takes no id, got ${JSON.stringify(id)}`);
      command = { action };
      break;
    case "add":
    case "remove":
      command = { action, id: checkId(action) };
      break;
    default:
      throw new KeysUsageError(
        `${action === undefined ? "a command is missing" : `command ${JSON.stringify(action)} is unknown`}; allowed: list, add, remove, rotate\n${USAGE}`,
      );
  }
  if (extra.length > 0) throw new KeysUsageError(`unexpected argument ${JSON.stringify(extra[0])}\n${USAGE}`);
  return { command, stack, up };
}

/** The stack's key config, as `pulumi config get` reports it (project defaults applied). */
export interface KeyConfig {
  ids: string[];
  parameterNames: string[];
}

/**
 * A list from `pulumi config get <key> --json` output: `{"value": "<string>", "objectValue": <parsed>, "secret": …}`
 * (pulumi/pulumi pkg/cmd/pulumi/config/config.go, `configValueJSON`); `objectValue` is set for structured values, and
 * a plain string value holding JSON is parsed too. Validated with the key's entry in the config schema
 * (stacks/config-schema.ts, e.g. `CONFIG_SCHEMA.apiKeyIds`), the rule the program itself applies.
 * @param stdout - the command's output, or undefined when the key is not set (then `fallback`).
 * @param spec - the key's schema and the text of what it allows.
 * @throws {KeysUsageError} naming the key, the value and what is allowed when `spec.schema` refuses it.
 */
export function parseConfigList(
  key: string,
  stdout: string | undefined,
  fallback: readonly string[],
  spec: Pick<ConfigKeySpec, "schema" | "allowed">,
): string[] {
  if (stdout === undefined) return [...fallback];
  let list: unknown;
  try {
    const json = JSON.parse(stdout) as { value?: string; objectValue?: unknown };
    list = json.objectValue !== undefined ? json.objectValue : JSON.parse(json.value ?? "null");
  } catch {
    throw new KeysUsageError(`${key}: could not read the value ${JSON.stringify(stdout.trim())}; expected a JSON list`);
  }
  const parsed = spec.schema.safeParse(list);
  if (!parsed.success || !Array.isArray(list) || !list.every((v): v is string => typeof v === "string")) {
    throw new KeysUsageError(`${key}=${JSON.stringify(list)} is invalid; allowed: ${spec.allowed}`);
  }
  return list;
}

/** The id `rotate` adds: `key-YYYYMMDD` (UTC), then `key-YYYYMMDD-2`, `-3`… when taken. */
export function rotationId(existing: readonly string[], today: Date): string {
  const base = `key-${today.toISOString().slice(0, 10).replaceAll("-", "")}`;
  if (!existing.includes(base)) return base;
  for (let n = 2; ; n++) if (!existing.includes(`${base}-${n}`)) return `${base}-${n}`;
}

export interface KeysPlan {
  /** The new `apiKeyIds`, or undefined when the command changes nothing (list). */
  ids: string[] | undefined;
  added?: string;
  removed?: string;
}

/**
 * The config change of one command.
 * @throws {KeysUsageError} for `add` of an id already listed, `remove` of an id not listed, or `remove` of the last
 *   key (no other id and no `apiKeyParameterNames`): the stack would accept no key.
 */
export function planKeys(current: KeyConfig, command: KeysCommand, today: Date): KeysPlan {
  const { ids, parameterNames } = current;
  switch (command.action) {
    case "list":
      return { ids: undefined };
    case "add":
      if (ids.includes(command.id)) {
        throw new KeysUsageError(`add ${command.id}: the stack already has that key; ids: ${ids.join(", ")}`);
      }
      return { ids: [...ids, command.id], added: command.id };
    case "rotate": {
      const id = rotationId(ids, today);
      return { ids: [...ids, id], added: id };
    }
    case "remove": {
      if (!ids.includes(command.id)) {
        throw new KeysUsageError(
          `remove ${command.id}: not a key of this stack; ids: ${ids.length > 0 ? ids.join(", ") : "(none)"}`,
        );
      }
      const rest = ids.filter((i) => i !== command.id);
      if (rest.length === 0 && parameterNames.length === 0) {
        throw new KeysUsageError(
          `remove ${command.id}: refused, it is the stack's last key; add another first (npm run keys -- rotate)`,
        );
      }
      return { ids: rest, removed: command.id };
    }
  }
}

/**
 * The JSON `pulumi config set-all --json` takes to set `apiKeyIds` to `ids` as a list: the shape of
 * `pulumi config --json` (pulumi/pulumi#19427). A list, not a string: Pulumi.yaml declares the key `type: array`.
 */
export function setIdsJson(ids: readonly string[]): string {
  return JSON.stringify({ [IDS_KEY]: { value: JSON.stringify(ids), objectValue: ids, secret: false } });
}

/** The `aws ssm get-parameter` command that prints one generated key. */
export function fetchCommand(stack: string, id: string, region: string | undefined): string {
  const name = keyParameterName(stack, id);
  return (
    `aws ssm get-parameter --name ${name} --with-decryption --query Parameter.Value --output text` +
    (region ? ` --region ${region}` : "")
  );
}

/** The default generated ids, for a stack whose config does not list them. */
export const DEFAULT_IDS: readonly string[] = DEPLOY_DEFAULTS.apiKeyIds;
