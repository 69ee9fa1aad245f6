/**
 * Local development only (`MCP_DEV=1`, which `npm start` sets): when no key source is configured, a random key is
 * generated and printed once, with ready-to-paste Kiro and Cline configs. A key from the environment or SSM is never
 * printed: the configs then reference MCP_ANYWHERE_API_KEY instead.
 */
import { randomBytes } from "node:crypto";
import { API_KEY_ENV, clineConfig, kiroConfig } from "../infra/core/client-configs.js";

/** 40 hex characters (160 bits): alphanumeric, so it is also a valid API Gateway key value. */
export function generateDevKey(): string {
  return randomBytes(20).toString("hex");
}

/**
 * The banner text.
 * @param url - the local MCP URL, e.g. `http://127.0.0.1:8080/mcp`.
 * @param generatedKey - the key generated for this run, or undefined when keys came from configuration.
 */
export function devBanner(url: string, generatedKey: string | undefined): string {
  const key = generatedKey;
  const lines = [
    "",
    `mcp-anywhere is running (development mode): ${url}`,
    key
      ? `API key for this run (generated, printed once): ${key}`
      : `API key: from your configuration (not printed); the configs below read it from $${API_KEY_ENV}.`,
    "",
    "Kiro (.kiro/settings/mcp.json):",
    JSON.stringify(kiroConfig({ url, apiKey: key }), null, 2),
    "",
    "Cline (cline_mcp_settings.json):",
    JSON.stringify(clineConfig({ url, apiKey: key }), null, 2),
    "",
    `Try it: npx @modelcontextprotocol/inspector --cli ${url} --transport http --method tools/list --header "x-api-key: ${key ?? `$${API_KEY_ENV}`}"`,
    "",
  ];
  return lines.join("\n");
}
