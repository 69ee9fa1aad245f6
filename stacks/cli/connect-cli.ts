/**
 * `npm run connect`: a client's config for this server, printed or merged into the client's own file.
 *
 *   npm run connect -- --client kiro|cline|vscode|claude-code|cursor [--name mcp-anywhere] [--url U] [--stack S]
 *                      [--api-key K | --api-key-parameter P] [--print | --write [--scope user|workspace] [--force]]
 *                      [--embed-key]
 *
 * The key is referenced (an environment variable or a VS Code prompt), never embedded, unless `--embed-key` is given;
 * then the command warns that the file holds a secret. Exit codes: 0 done, 2 bad input or a file left untouched.
 */
import { parseArgs } from "node:util";
import {
  CLIENT_NAMES,
  CLIENTS,
  type ClientName,
  claudeCodeCommand,
  currentPathEnv,
  type PathEnv,
} from "../../infra/core/client-configs.js";
import { ConfigFileError, mergeConfig, readIfExists, writeConfigFile } from "./config-file.js";
import { ENDPOINT_OPTIONS, resolveEndpoint, UsageError } from "./sources.js";

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
  pathEnv: PathEnv;
}

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

  const { url, apiKey } = await resolveEndpoint(values, values["embed-key"]);
  if (values["embed-key"] && !apiKey)
    throw new UsageError("--embed-key needs --api-key, --api-key-parameter or --stack");
  const spec = CLIENTS[client];
  const input = { name: values.name, url, apiKey };

  if (!values.write) {
    io.out(
      client === "claude-code" ? `${claudeCodeCommand(input)}\n` : `${JSON.stringify(spec.render(input), null, 2)}\n`,
    );
  } else {
    const path = spec.path(scope, io.pathEnv);
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
  }
  if (apiKey) io.err("warning: --embed-key put the API key in this config; keep it out of version control\n");
  else if (!spec.referencesKey)
    io.err(`note: ${client} does not expand variables; replace the placeholder with your key, or use --embed-key\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  connect(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    pathEnv: currentPathEnv(),
  }).catch((err: unknown) => {
    const known = err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    process.stderr.write(`npm run connect: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(known ? 2 : 1);
  });
}
