/**
 * `npm run connect`: a client's config for this server, printed or merged into the client's own file.
 *
 *   npm run connect -- --client kiro|cline|vscode|claude-code|cursor [--name mcp-anywhere] [--url U] [--stack S]
 *                      [--print | --write [--scope user|workspace] [--project DIR] [--force]]
 *                      [--embed-key [--api-key K | --api-key-parameter P [--region R]]]
 *
 * The key is referenced (an environment variable or a VS Code prompt), never embedded, unless `--embed-key` is given;
 * then the key comes from --api-key, --api-key-parameter, $MCP_ANYWHERE_API_KEY or the stack's SSM parameter, and the
 * command warns that the file holds a secret. `--api-key`/`--api-key-parameter` without `--embed-key` is refused.
 *
 * Workspace-scope files (Kiro, VS Code, Claude Code, Cursor) go into the project: `--project DIR`, else the directory
 * npm was run from (`INIT_CWD`, https://docs.npmjs.com/cli/v11/commands/npm-run#description), never into this
 * checkout unless `--project` names it. A workspace file with an embedded key inside a git work tree is added to that
 * work tree's .gitignore (with its `.bak`), so `git add -A` does not pick it up.
 *
 * Exit codes: 0 done, 2 bad input or a file left untouched.
 */
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  API_KEY_ENV,
  CLIENT_NAMES,
  CLIENTS,
  type ClientName,
  claudeCodeCommand,
  currentPathEnv,
  type PathEnv,
} from "../../infra/core/client-configs.js";
import { ConfigFileError, mergeConfig, readIfExists, writeConfigFile } from "./config-file.js";
import { ignoreInGit } from "./git-ignore.js";
import { localCaNote } from "./local-ca.js";
import { ENDPOINT_OPTIONS, type EndpointDeps, resolveEndpoint, stackOutputs, UsageError } from "./sources.js";

/** Scope used when `--scope` is absent: where each client's docs put a per-project or per-user file. */
export const DEFAULT_SCOPE: Record<ClientName, "user" | "workspace"> = {
  kiro: "workspace",
  cline: "user",
  vscode: "workspace",
  "claude-code": "workspace",
  cursor: "user",
};

export interface ConnectIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** `cwd` is the project directory: INIT_CWD when run through npm (see {@link currentPathEnv}). */
  pathEnv: PathEnv;
  /** This checkout's root; workspace files are never written here unless `--project` names it. */
  checkout?: string;
  /** Where `--embed-key` reads the key from (env, SSM client, stack). @default the real ones */
  deps?: EndpointDeps;
}

/** The same directory, after symlinks (a missing path compares as given). */
function sameDir(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a) === real(b);
}

/** What a user must know about a client's key reference, printed after its config. */
const KEY_NOTES: Partial<Record<ClientName, string>> = {
  kiro:
    `note: Kiro expands \${${API_KEY_ENV}} only if the variable is set where Kiro starts and approved in Kiro (the ` +
    "security pop-up when the config changes, or Kiro's settings: https://kiro.dev/docs/mcp/security); otherwise it " +
    "sends the placeholder and the server's 401 names it",
  "claude-code":
    `note: the single quotes keep your shell from expanding \${${API_KEY_ENV}}; Claude Code expands it from its own ` +
    "environment when it reads .mcp.json (--scope project; https://code.claude.com/docs/en/mcp)",
};

export async function connect(argv: string[], io: ConnectIo): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      client: { type: "string" },
      name: { type: "string", default: "mcp-anywhere" },
      ...ENDPOINT_OPTIONS,
      print: { type: "boolean", default: false },
      write: { type: "boolean", default: false },
      scope: { type: "string" },
      force: { type: "boolean", default: false },
      project: { type: "string" },
      "embed-key": { type: "boolean", default: false },
    },
    strict: true,
  });
  const client = values.client as ClientName;
  if (!CLIENT_NAMES.includes(client)) {
    throw new UsageError(
      `--client ${JSON.stringify(values.client ?? null)} is invalid; allowed: ${CLIENT_NAMES.join(", ")}`,
    );
  }
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(values.name))
    throw new UsageError(`--name ${JSON.stringify(values.name)} is invalid; allowed: letters, digits, _ . -`);
  if (values.print && values.write) throw new UsageError("--print and --write go alone; pick one");
  const scope = (values.scope ?? DEFAULT_SCOPE[client]) as "user" | "workspace";
  if (scope !== "user" && scope !== "workspace")
    throw new UsageError(`--scope ${JSON.stringify(values.scope)} is invalid; allowed: user, workspace`);

  const keyFlag =
    values["api-key"] !== undefined ? "--api-key" : values["api-key-parameter"] ? "--api-key-parameter" : "";
  if (keyFlag && !values["embed-key"]) {
    throw new UsageError(
      `${keyFlag} only goes with --embed-key (the config then holds the key); without it the config ` +
        (CLIENTS[client].referencesKey
          ? `references $${API_KEY_ENV}`
          : `holds a placeholder: ${client} expands no variables, so add --embed-key`),
    );
  }
  const { url, apiKey } = await resolveEndpoint(values, values["embed-key"], io.deps);
  if (values["embed-key"] && !apiKey)
    throw new UsageError(`--embed-key needs --api-key, --api-key-parameter, $${API_KEY_ENV} or --stack`);
  const spec = CLIENTS[client];
  const input = { name: values.name, url, apiKey };

  if (!values.write) {
    io.out(
      client === "claude-code" ? `${claudeCodeCommand(input)}\n` : `${JSON.stringify(spec.render(input), null, 2)}\n`,
    );
  } else {
    const pathEnv = values.project ? { ...io.pathEnv, cwd: resolve(io.pathEnv.cwd, values.project) } : io.pathEnv;
    if (scope === "workspace" && !values.project && io.checkout && sameDir(pathEnv.cwd, io.checkout)) {
      throw new UsageError(
        `--scope workspace writes into your project, and this is the mcp-anywhere checkout (${io.checkout}); ` +
          "run it from your project (npm --prefix <checkout> run connect -- …) or pass --project DIR",
      );
    }
    const path = spec.path(scope, pathEnv);
    if (!path) throw new UsageError(`--scope ${scope} is not available for ${client}; allowed: user`);
    let text: string;
    try {
      text = mergeConfig(readIfExists(path), spec.render(input), spec, values.name, values.force);
    } catch (err) {
      if (err instanceof ConfigFileError) throw new UsageError(`${path} left untouched: ${err.message}`);
      throw err;
    }
    const backup = writeConfigFile(path, text, apiKey !== undefined);
    io.err(`wrote ${values.name} to ${path}${backup ? ` (previous file kept as ${backup})` : ""}\n`);
    if (apiKey !== undefined && scope === "workspace") {
      const ignored = ignoreInGit([path, `${path}.bak`]);
      if (ignored) io.err(`added ${ignored.entries.join(", ")} to ${ignored.gitignore}: the file holds the key\n`);
    }
  }
  if (apiKey) io.err("warning: --embed-key put the API key in this config; keep it out of version control\n");
  else if (!spec.referencesKey)
    io.err(`note: ${client} does not expand variables; replace the placeholder with your key, or use --embed-key\n`);
  // The Claude Code note is about the printed command's quoting; a written .mcp.json has no shell in between.
  const note = apiKey || (client === "claude-code" && values.write) ? undefined : KEY_NOTES[client];
  if (note) io.err(`${note}\n`);
  // dockerhost with a local CA: clients must trust it, or they refuse the certificate.
  const ca = values.stack ? (io.deps?.outputs ?? stackOutputs)(values.stack).caCertificate : undefined;
  if (ca && values.stack) io.err(`${localCaNote(values.stack)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  connect(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    pathEnv: currentPathEnv(),
    checkout: fileURLToPath(new URL("../..", import.meta.url)),
  }).catch((err: unknown) => {
    const known = err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    process.stderr.write(`npm run connect: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(known ? 2 : 1);
  });
}
