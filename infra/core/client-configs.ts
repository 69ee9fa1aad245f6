/**
 * Client configuration for a remote MCP server reached with an `x-api-key` header: the exact shapes Kiro, Cline,
 * VS Code, Claude Code and Cursor read, and where each keeps its file. Pure functions, shared by the server's dev
 * banner, the stack outputs and `npm run connect`. Where a client can expand an environment variable or prompt for
 * input, the key is referenced (`MCP_ANYWHERE_API_KEY`, or a VS Code password input), unless `apiKey` is passed.
 */
import { homedir } from "node:os";
import { join } from "node:path";

/** The environment variable that client configs reference for the key. */
export const API_KEY_ENV = "MCP_ANYWHERE_API_KEY";
export const API_KEY_HEADER = "x-api-key";
/** What Cline gets when no key is embedded: it does not expand variables, so the user must replace it. */
export const CLINE_KEY_PLACEHOLDER = "REPLACE_WITH_YOUR_API_KEY";
export const VSCODE_INPUT_ID = "mcp-anywhere-key";

export const CLIENT_NAMES = ["kiro", "cline", "vscode", "claude-code", "cursor"] as const;
export type ClientName = (typeof CLIENT_NAMES)[number];

export interface ClientConfigInput {
  /** Server entry name in the client's config. @default "mcp-anywhere" */
  name?: string;
  /** Full endpoint URL, e.g. `https://…/mcp`. */
  url: string;
  /** Embed this key instead of a reference. The result then holds a secret. */
  apiKey?: string;
}

type Json = Record<string, unknown>;

/** Kiro (`.kiro/settings/mcp.json`): Kiro expands `${VAR}` only for environment variables the user approved. */
export function kiroConfig({ name = "mcp-anywhere", url, apiKey }: ClientConfigInput): Json {
  return { mcpServers: { [name]: { url, headers: { [API_KEY_HEADER]: apiKey ?? `\${${API_KEY_ENV}}` } } } };
}

/** Cline (`cline_mcp_settings.json`): `type: "streamableHttp"` is required, or Cline falls back to legacy SSE. */
export function clineConfig({ name = "mcp-anywhere", url, apiKey }: ClientConfigInput): Json {
  return {
    mcpServers: {
      [name]: { type: "streamableHttp", url, headers: { [API_KEY_HEADER]: apiKey ?? CLINE_KEY_PLACEHOLDER } },
    },
  };
}

/** VS Code (`.vscode/mcp.json`): the key comes from a password input VS Code prompts for once. */
export function vscodeConfig({ name = "mcp-anywhere", url, apiKey }: ClientConfigInput): Json {
  return {
    inputs: apiKey
      ? []
      : [{ type: "promptString", id: VSCODE_INPUT_ID, description: "mcp-anywhere API key", password: true }],
    servers: { [name]: { type: "http", url, headers: { [API_KEY_HEADER]: apiKey ?? `\${input:${VSCODE_INPUT_ID}}` } } },
  };
}

/** Claude Code (`.mcp.json`): expands `${VAR}`. */
export function claudeCodeConfig({ name = "mcp-anywhere", url, apiKey }: ClientConfigInput): Json {
  return {
    mcpServers: { [name]: { type: "http", url, headers: { [API_KEY_HEADER]: apiKey ?? `\${${API_KEY_ENV}}` } } },
  };
}

/** POSIX shell single quotes: the shell passes the text as is (no `$` expansion). */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The `claude mcp add` command. The header is single-quoted so that the shell passes `${MCP_ANYWHERE_API_KEY}`
 * literally. Without a key it uses `--scope project`: Claude Code writes the entry to the project's `.mcp.json`, where
 * it expands `${VAR}` in headers from its own environment when it connects ("Environment variable expansion in
 * .mcp.json", https://code.claude.com/docs/en/mcp); an unset variable is sent as the literal text. With a key it uses
 * `--scope local` (private to the user, kept in ~/.claude.json), so the key stays out of the project.
 */
export function claudeCodeCommand({ name = "mcp-anywhere", url, apiKey }: ClientConfigInput): string {
  const value = apiKey ?? `\${${API_KEY_ENV}}`;
  const scope = apiKey ? "local" : "project";
  return `claude mcp add --transport http --scope ${scope} ${name} ${shellQuote(url)} --header ${shellQuote(`${API_KEY_HEADER}: ${value}`)}`;
}

/** Cursor (`~/.cursor/mcp.json`): expands `${env:VAR}`. */
export function cursorConfig({ name = "mcp-anywhere", url, apiKey }: ClientConfigInput): Json {
  return { mcpServers: { [name]: { url, headers: { [API_KEY_HEADER]: apiKey ?? `\${env:${API_KEY_ENV}}` } } } };
}

export interface ClientSpec {
  render: (input: ClientConfigInput) => Json;
  /** The top-level key holding server entries. */
  serversKey: "mcpServers" | "servers";
  /** Whether the client's file may contain comments (JSONC). */
  comments: boolean;
  /** Whether the client expands a variable or prompts for the key; if not, a reference cannot work. */
  referencesKey: boolean;
  /** The config file for a scope; undefined when the client has no such scope. */
  path: (scope: "user" | "workspace", env: PathEnv) => string | undefined;
}

export interface PathEnv {
  platform: NodeJS.Platform;
  home: string;
  cwd: string;
  /** %APPDATA% on Windows. */
  appData?: string;
}

/** VS Code's per-user directory on this OS. */
function vscodeUserDir(e: PathEnv): string {
  if (e.platform === "darwin") return join(e.home, "Library", "Application Support", "Code", "User");
  if (e.platform === "win32") return join(e.appData ?? join(e.home, "AppData", "Roaming"), "Code", "User");
  return join(e.home, ".config", "Code", "User");
}

export const CLIENTS: Record<ClientName, ClientSpec> = {
  kiro: {
    render: kiroConfig,
    serversKey: "mcpServers",
    comments: false,
    referencesKey: true,
    path: (scope, e) => join(scope === "user" ? e.home : e.cwd, ".kiro", "settings", "mcp.json"),
  },
  cline: {
    render: clineConfig,
    serversKey: "mcpServers",
    comments: false,
    referencesKey: false,
    path: (scope, e) =>
      scope === "user"
        ? join(vscodeUserDir(e), "globalStorage", "saoudrizwan.claude-dev", "settings", "cline_mcp_settings.json")
        : undefined,
  },
  vscode: {
    render: vscodeConfig,
    serversKey: "servers",
    comments: true,
    referencesKey: true,
    path: (scope, e) => (scope === "user" ? join(vscodeUserDir(e), "mcp.json") : join(e.cwd, ".vscode", "mcp.json")),
  },
  "claude-code": {
    render: claudeCodeConfig,
    serversKey: "mcpServers",
    comments: false,
    referencesKey: true,
    path: (scope, e) => (scope === "user" ? join(e.home, ".claude.json") : join(e.cwd, ".mcp.json")),
  },
  cursor: {
    render: cursorConfig,
    serversKey: "mcpServers",
    comments: false,
    referencesKey: true,
    path: (scope, e) => join(scope === "user" ? e.home : e.cwd, ".cursor", "mcp.json"),
  },
};

/**
 * This process's path environment. `cwd` is the user's project: `INIT_CWD`, the directory `npm run` was started from
 * (npm runs scripts in the package root and keeps the original directory there,
 * https://docs.npmjs.com/cli/v11/commands/npm-run#description), else the process's own directory.
 */
export function currentPathEnv(): PathEnv {
  return {
    platform: process.platform,
    home: homedir(),
    cwd: process.env.INIT_CWD || process.cwd(),
    appData: process.env.APPDATA,
  };
}

/** Every client's config for a URL, with key references only: the `clientConfigs` stack output. */
export function allClientConfigs(url: string, name = "mcp-anywhere") {
  return {
    url,
    headerName: API_KEY_HEADER,
    keyEnvironmentVariable: API_KEY_ENV,
    kiro: kiroConfig({ name, url }),
    cline: clineConfig({ name, url }),
    vscode: vscodeConfig({ name, url }),
    claudeCode: claudeCodeConfig({ name, url }),
    claudeCodeCommand: claudeCodeCommand({ name, url }),
    cursor: cursorConfig({ name, url }),
  };
}
