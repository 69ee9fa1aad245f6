/**
 * The MCP catalog, built once at module load: tool list entries with their JSON Schemas (converted by the SDK's own
 * `toJsonSchemaCompat`, as McpServer does, but once instead of on every tools/list), compiled zod validators, and the
 * resource list. Per request, {@link bindCatalog} only attaches handlers that close over it.
 *
 * Errors follow MCP 2025-11-25 (server/tools, "Error Handling"): an unknown tool or resource is a JSON-RPC error
 * (-32602 / -32002); invalid arguments and a failing handler are tool execution errors (`isError: true`), so the model
 * can correct itself.
 */
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { toJsonSchemaCompat } from "@modelcontextprotocol/sdk/server/zod-json-schema-compat.js";
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type Resource,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "pino";
import { z } from "zod";
import type { ToolDefinition } from "../tools/types.js";
import { type RuntimeInfo, serverInfo } from "./runtime.js";

/** JSON-RPC code for "resource not found" (MCP 2025-11-25, server/resources, "Error Handling"). */
export const RESOURCE_NOT_FOUND = -32002;
export const SERVER_INFO_URI = "mcp-anywhere://server-info";

interface CompiledTool {
  // biome-ignore lint/suspicious/noExplicitAny: see server/tools/index.ts
  def: ToolDefinition<any, any>;
  input: z.ZodObject;
  output: z.ZodObject | undefined;
}

interface CatalogResource {
  entry: Resource;
  read: (runtime: RuntimeInfo) => string;
}

export interface Catalog {
  tools: Tool[];
  byName: ReadonlyMap<string, CompiledTool>;
  resources: ReadonlyMap<string, CatalogResource>;
  resourceList: Resource[];
}

/**
 * Compiles tool definitions into a catalog.
 * @throws {Error} when two tools share a name.
 */
// biome-ignore lint/suspicious/noExplicitAny: see server/tools/index.ts
export function buildCatalog(defs: readonly ToolDefinition<any, any>[]): Catalog {
  const byName = new Map<string, CompiledTool>();
  const tools: Tool[] = [];
  for (const def of defs) {
    if (byName.has(def.name)) throw new Error(`duplicate tool name \`${def.name}\``);
    const input = z.object(def.inputSchema);
    const output = def.outputSchema ? z.object(def.outputSchema) : undefined;
    byName.set(def.name, { def, input, output });
    tools.push({
      name: def.name,
      title: def.title,
      description: def.description,
      inputSchema: toJsonSchemaCompat(input, { strictUnions: true, pipeStrategy: "input" }) as Tool["inputSchema"],
      ...(output
        ? {
            outputSchema: toJsonSchemaCompat(output, {
              strictUnions: true,
              pipeStrategy: "output",
            }) as Tool["outputSchema"],
          }
        : {}),
      annotations: def.annotations,
    });
  }
  const serverInfoResource: CatalogResource = {
    entry: {
      uri: SERVER_INFO_URI,
      name: "server-info",
      title: "Server info",
      description: "Name, version, target, region, instance id, uptime (s) and cold start (ms) of this server.",
      mimeType: "application/json",
    },
    read: (runtime) => JSON.stringify(serverInfo(runtime)),
  };
  const resources = new Map([[SERVER_INFO_URI, serverInfoResource]]);
  return { tools, byName, resources, resourceList: [...resources.values()].map((r) => r.entry) };
}

function toolError(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

/** Attaches the catalog's handlers to one per-request server. */
export function bindCatalog(server: Server, catalog: Catalog, runtime: RuntimeInfo, logger: Logger): void {
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: catalog.tools }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args } = request.params;
    const tool = catalog.byName.get(name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    const parsed = tool.input.safeParse(args ?? {});
    if (!parsed.success) return toolError(`Invalid arguments for tool ${name}: ${z.prettifyError(parsed.error)}`);
    let result: CallToolResult;
    try {
      result = await tool.def.handler(parsed.data, { runtime, signal: extra.signal });
    } catch (err) {
      logger.error({ tool: name, err: err instanceof Error ? err.message : String(err) }, "tool handler failed");
      return toolError(`Tool ${name} failed`);
    }
    if (tool.output && !result.isError && !tool.output.safeParse(result.structuredContent).success) {
      logger.error({ tool: name }, "tool returned structured content that does not match its output schema");
      return toolError(`Tool ${name} returned invalid output`);
    }
    return result;
  });
  server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: catalog.resourceList }));
  server.setRequestHandler(ReadResourceRequestSchema, (request) => {
    const resource = catalog.resources.get(request.params.uri);
    if (!resource) {
      throw new McpError(RESOURCE_NOT_FOUND, `Resource not found: ${request.params.uri}`, { uri: request.params.uri });
    }
    const { uri, mimeType } = resource.entry;
    return { contents: [{ uri, mimeType, text: resource.read(runtime) }] };
  });
}
