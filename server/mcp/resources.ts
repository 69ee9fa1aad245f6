/** Resources: `mcp-anywhere://server-info`, the same data as the `server_info` tool, as JSON. */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { type RuntimeInfo, serverInfo } from "./runtime.js";

export const SERVER_INFO_URI = "mcp-anywhere://server-info";

/** Registers the resources on one per-request server. */
export function registerResources(server: McpServer, runtime: RuntimeInfo): void {
  server.registerResource(
    "server-info",
    SERVER_INFO_URI,
    {
      title: "Server info",
      description: "Name, version, target, region, instance id, uptime (s) and cold start (ms) of this server.",
      mimeType: "application/json",
    },
    (uri) => ({
      contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(serverInfo(runtime)) }],
    }),
  );
}
