/**
 * Client configuration for a remote MCP server reached with an `x-api-key` header. Pure functions, shared by the
 * server's dev banner and the stack outputs. Where a client can expand an environment variable, the key is referenced
 * (`MCP_ANYWHERE_API_KEY`) rather than embedded, unless `apiKey` is passed.
 */

/** The environment variable that client configs reference for the key. */
export const API_KEY_ENV = "MCP_ANYWHERE_API_KEY";
export const API_KEY_HEADER = "x-api-key";

export interface ClientConfigInput {
  /** Server entry name in the client's config. @default "mcp-anywhere" */
  name?: string;
  /** Full endpoint URL, e.g. `https://…/mcp`. */
  url: string;
  /** Embed this key instead of a variable reference. The result then holds a secret. */
  apiKey?: string;
}

/** Kiro (`.kiro/settings/mcp.json`): Kiro expands `${VAR}` only for environment variables the user approved. */
export function kiroConfig({ name = "mcp-anywhere", url, apiKey }: ClientConfigInput) {
  return { mcpServers: { [name]: { url, headers: { [API_KEY_HEADER]: apiKey ?? `\${${API_KEY_ENV}}` } } } };
}

/** Cline (`cline_mcp_settings.json`): `type: "streamableHttp"` is required, or Cline falls back to legacy SSE. */
export function clineConfig({ name = "mcp-anywhere", url, apiKey }: ClientConfigInput) {
  return {
    mcpServers: {
      [name]: { type: "streamableHttp", url, headers: { [API_KEY_HEADER]: apiKey ?? `\${${API_KEY_ENV}}` } },
    },
  };
}
