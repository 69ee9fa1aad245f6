/** Starts the real server in-process on an ephemeral loopback port, with logs captured for the log check. */
import type { SSMClient } from "@aws-sdk/client-ssm";
import { type RunningServer, type StartOptions, start } from "../../server/start.js";
import { logLines } from "./secrets.js";

export interface TestServer extends RunningServer {
  /** `http://127.0.0.1:<port>` */
  base: string;
}

const capture = { write: (line: string) => void logLines.push(line.trimEnd()) };

/**
 * @param env - server environment; PORT, HOST and LOG_LEVEL default to 0, 127.0.0.1 and debug.
 * @param opts - further start options (e.g. `spanExporter`).
 */
export async function startTestServer(
  env: Record<string, string>,
  ssmClient?: SSMClient,
  opts: Partial<StartOptions> = {},
): Promise<TestServer> {
  const running = await start(
    { PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "debug", ...env },
    { logDestination: capture, handleSignals: false, print: () => {}, ssmClient, ...opts },
  );
  return { ...running, base: running.url.replace(/\/mcp$/, "") };
}

/** Standard headers for a raw MCP POST. */
export function mcpHeaders(key?: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    ...(key ? { "x-api-key": key } : {}),
    ...extra,
  };
}

export const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw-test", version: "1.0.0" } },
};
