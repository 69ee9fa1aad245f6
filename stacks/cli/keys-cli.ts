/**
 * `npm run keys`: the API keys a stack generates (`mcp-anywhere:apiKeyIds`), listed, added, removed and rotated.
 *
 *   npm run keys -- list|add <id>|remove <id>|rotate [--stack <name>] [--yes | --no-up]
 *
 * It reads and writes the stack config through the Pulumi CLI (`pulumi config get --json`, `pulumi config set-all
 * --json`) and then runs `pulumi up` (interactive: it previews and asks; `--yes` skips the question, `--no-up` only
 * changes the config). Rotation is an overlap: `rotate` adds a dated key while the old one stays valid, and prints the
 * `remove` command to run once clients use the new key. Removing a key drops every reference to it (edge, IAM, server
 * config) in the same update that deletes its parameter, and the last key cannot be removed.
 *
 * Exit codes: 0 done; 1 the Pulumi CLI failed (the message says what was already changed); 2 bad input or a refused
 * change (the message names the flag or value).
 */
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { keyParameterName } from "../../infra/core/api-key-names.js";
import { CONFIG_SCHEMA } from "../config-schema.js";
import {
  DEFAULT_IDS,
  fetchCommand,
  IDS_KEY,
  type KeyConfig,
  KeysUsageError,
  NAMES_KEY,
  parseConfigList,
  parseKeysArgs,
  planKeys,
  setIdsJson,
} from "./keys.js";

/** A Pulumi CLI failure. Exit code 1. */
export class PulumiCliError extends Error {}

export interface KeysIo {
  out: (text: string) => void;
  /** Runs `pulumi <args>`; `interactive` inherits the terminal (for `pulumi up`). */
  pulumi: (args: string[], interactive: boolean) => { status: number; stdout: string; stderr: string };
  today: Date;
}

/** The real Pulumi CLI, found on PATH. */
export function runPulumi(args: string[], interactive: boolean) {
  const r = spawnSync("pulumi", args, {
    encoding: "utf8",
    stdio: interactive ? "inherit" : ["ignore", "pipe", "pipe"],
  });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === "ENOENT";
    throw new PulumiCliError(
      missing
        ? "npm run keys needs the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/), which is not on PATH"
        : `pulumi ${args[0]} failed to start: ${r.error.message}`,
    );
  }
  return { status: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** A target's note on how running servers see the new key set after `pulumi up`. */
export function targetNote(target: string | undefined): string {
  switch (target) {
    case "fargate":
      return (
        "Fargate: ECS reads `secrets` only when a task starts, so `pulumi up` registers a new task definition and " +
        "rolls the tasks; the running tasks are replaced with ones that accept the new key set."
      );
    case "lambda":
      return "Lambda: `pulumi up` updates the API Gateway keys and the function configuration; new sandboxes read the new key set.";
    default:
      return "`pulumi up` updates every reference to the keys (edge, IAM, server configuration) in one update.";
  }
}

/**
 * Runs one `npm run keys` invocation.
 * @throws {KeysUsageError} on bad input or a refused change (exit 2); {@link PulumiCliError} when the CLI fails (exit 1).
 */
export async function keys(argv: string[], io: KeysIo): Promise<void> {
  const opts = parseKeysArgs(argv);
  const stackFlag = opts.stack ? ["--stack", opts.stack] : [];

  const call = (args: string[]) => io.pulumi(args, false);
  const nameRun = call(["stack", "--show-name", ...stackFlag]);
  if (nameRun.status !== 0) {
    throw new PulumiCliError(
      `${opts.stack ? `--stack ${opts.stack}` : "the selected stack"}: pulumi stack failed: ${nameRun.stderr.trim()}`,
    );
  }
  const stack = nameRun.stdout.trim();
  const flags = ["--stack", opts.stack ?? stack];

  /** `pulumi config get <key> --json`; undefined when the key is not set. */
  const getJson = (key: string): string | undefined => {
    const r = call(["config", "get", key, "--json", ...flags]);
    if (r.status === 0) return r.stdout;
    if (/not found/i.test(r.stderr)) return undefined;
    throw new PulumiCliError(`pulumi config get ${key} failed: ${r.stderr.trim()}`);
  };
  const getPlain = (key: string): string | undefined => {
    const r = call(["config", "get", key, ...flags]);
    return r.status === 0 ? r.stdout.trim() || undefined : undefined;
  };

  const current: KeyConfig = {
    // The program's own rules for both keys (stacks/config-schema.ts), so the CLI and `pulumi up` agree.
    ids: parseConfigList(IDS_KEY, getJson(IDS_KEY), DEFAULT_IDS, CONFIG_SCHEMA.apiKeyIds),
    parameterNames: parseConfigList(NAMES_KEY, getJson(NAMES_KEY), [], CONFIG_SCHEMA.apiKeyParameterNames),
  };
  const region = getPlain("aws:region");
  const target = getPlain("mcp-anywhere:target");
  const plan = planKeys(current, opts.command, io.today);

  if (plan.ids === undefined) {
    io.out(`Stack ${stack}: ${current.ids.length + current.parameterNames.length} API key(s)\n`);
    for (const id of current.ids) io.out(`  ${id}\t${keyParameterName(stack, id)}\t(generated)\n`);
    for (const n of current.parameterNames) io.out(`  -\t${n}\t(existing, managed outside the stack)\n`);
    if (current.ids.length > 0) io.out(`Print a key:\n  ${fetchCommand(stack, current.ids[0] as string, region)}\n`);
    return;
  }

  const set = call(["config", "set-all", "--json", setIdsJson(plan.ids), ...flags]);
  if (set.status !== 0) {
    throw new PulumiCliError(
      `pulumi config set-all --json failed (it needs a Pulumi CLI with \`config set-all --json\`, pulumi/pulumi#19427), ` +
        `nothing was changed: ${set.stderr.trim()}`,
    );
  }
  io.out(`${IDS_KEY} is now ${JSON.stringify(plan.ids)} (stack ${stack}).\n`);

  const upCommand = `pulumi up --stack ${opts.stack ?? stack}`;
  if (opts.up === "no") {
    io.out(`Run \`${upCommand}\` to apply it.\n`);
  } else {
    const upArgs = ["up", ...(opts.up === "yes" ? ["--yes"] : []), ...flags];
    const r = io.pulumi(upArgs, true);
    if (r.status !== 0) {
      const undo = plan.added
        ? `npm run keys -- remove ${plan.added} --stack ${stack} --no-up`
        : `npm run keys -- add ${plan.removed} --stack ${stack} --no-up`;
      throw new PulumiCliError(
        `pulumi up exited with ${r.status}; the config already lists ${JSON.stringify(plan.ids)}. ` +
          `Run \`${upCommand}\` to apply it, or undo the config change with \`${undo}\`.`,
      );
    }
  }

  io.out(`${targetNote(target)}\n`);
  if (plan.added) {
    io.out(
      `${opts.up === "no" ? "After pulumi up, print" : "Print"} the new key (${keyParameterName(stack, plan.added)}) with:\n` +
        `  ${fetchCommand(stack, plan.added, region)}\n`,
    );
    const old = current.ids;
    if (opts.command.action === "rotate" && old.length > 0) {
      io.out("Both keys are valid now. Once every client uses the new key, remove the old one:\n");
      for (const id of old) io.out(`  npm run keys -- remove ${id} --stack ${stack}\n`);
    }
  }
  if (plan.removed) {
    const what = `key ${plan.removed} is no longer accepted and its parameter ${keyParameterName(stack, plan.removed)}`;
    io.out(opts.up === "no" ? `After pulumi up, ${what} is deleted.\n` : `Done: ${what} was deleted.\n`);
  }
}

/** Entry point: exit 2 for {@link KeysUsageError}, 1 for {@link PulumiCliError}. */
async function main(): Promise<void> {
  try {
    await keys(process.argv.slice(2), {
      out: (t) => process.stdout.write(t),
      pulumi: runPulumi,
      today: new Date(),
    });
  } catch (err) {
    if (err instanceof KeysUsageError) {
      process.stderr.write(`npm run keys: ${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof PulumiCliError) {
      process.stderr.write(`npm run keys: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
