/** `server_info`: name, version, target, region, instance id, uptime and cold-start duration (ms). */
import { z } from "zod";
import { serverInfo } from "../mcp/runtime.js";
import { defineTool } from "./types.js";

export default defineTool({
  name: "server_info",
  title: "Server info",
  description:
    "Reports where this MCP server runs: name, version, deployment target, region, instance id, uptime in seconds " +
    "and cold-start duration in ms.",
  inputSchema: {},
  outputSchema: {
    name: z.string(),
    version: z.string(),
    target: z.string(),
    region: z.string(),
    instanceId: z.string(),
    startedAt: z.string(),
    coldStartMs: z.number(),
    uptimeSeconds: z.number(),
  },
  annotations: { readOnlyHint: true, idempotentHint: false, openWorldHint: false },
  handler: (_args, { runtime }) => {
    const info = serverInfo(runtime);
    return { content: [{ type: "text", text: JSON.stringify(info) }], structuredContent: { ...info } };
  },
});
