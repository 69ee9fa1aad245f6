/**
 * The MCP catalog, compiled once at module load, and the per-request server factory that serves it with the v2 SDK's
 * `McpServer` (`@modelcontextprotocol/server`): the SDK registers the handlers for `tools/list`, `tools/call`,
 * `resources/list` and `resources/read`, validates tool arguments and structured output against the zod schemas, and
 * answers `server/discover` (2026-07-28) and `initialize` (2025-era) itself.
 *
 * Once per process: each tool's zod input/output object, wrapped so that its JSON Schema is converted once (the SDK
 * would otherwise run `z.toJSONSchema` on every `tools/list` and on every registration of a tool with an output
 * schema, i.e. on every request). Per request: a new `McpServer` and three `registerTool` calls, nothing else.
 *
 * Errors (MCP 2025-11-25 and 2026-07-28, server/tools and server/resources, "Error Handling"): an unknown tool is
 * JSON-RPC -32602 and an unknown resource -32002 (both from the SDK); invalid arguments and a failing handler are tool
 * execution errors (`isError: true`), so the model can correct itself. A handler's own error message is logged, never
 * sent. https://modelcontextprotocol.io/specification/2026-07-28/server/tools#error-handling
 */
import {
  type CacheHint,
  type CallToolResult,
  McpServer,
  type StandardSchemaWithJSON,
} from "@modelcontextprotocol/server";
import type { Logger } from "pino";
import { z } from "zod";
import type { ToolDefinition } from "../tools/types.js";
import { type RuntimeInfo, SERVER_NAME, SERVER_VERSION, serverInfo } from "./runtime.js";

export const SERVER_INFO_URI = "mcp-anywhere://server-info";

/**
 * Cache hints for the cacheable 2026-07-28 results (`ttlMs`, `cacheScope`; the revision requires both on every
 * cacheable result, and the SDK emits `ttlMs: 0, cacheScope: "private"` where none is configured):
 * https://modelcontextprotocol.io/specification/2026-07-28/basic/utilities/caching
 * - `tools/list`, `resources/list`, `server/discover`: fixed for a deployed version and identical for every key, so
 *   300 000 ms (5 min, shorter than a rolling deploy takes to settle) and `public`.
 * - `resources/read` (server-info): uptime changes every second and differs per instance, so 0 ms and `private`.
 * 2025-era responses never carry these fields (the SDK's 2025 codec strips them).
 */
export const CACHE_HINTS = {
  "tools/list": { ttlMs: 300_000, cacheScope: "public" },
  "resources/list": { ttlMs: 300_000, cacheScope: "public" },
  "server/discover": { ttlMs: 300_000, cacheScope: "public" },
  "resources/read": { ttlMs: 0, cacheScope: "private" },
} as const satisfies Record<string, CacheHint>;

interface CompiledTool {
  // biome-ignore lint/suspicious/noExplicitAny: see server/tools/index.ts
  def: ToolDefinition<any, any>;
  input: StandardSchemaWithJSON;
  output: StandardSchemaWithJSON | undefined;
}

/** The compiled catalog: tools in registration order (which is `tools/list` order, so it is deterministic). */
export interface Catalog {
  tools: readonly CompiledTool[];
}

/**
 * A zod object whose Standard JSON Schema conversion is memoised per direction and target. Validation is zod's own
 * (`~standard.validate`); only the conversion that the SDK repeats per request is cached. The SDK copies the result
 * (`{ type: "object", ...json }`) before it is sent, so the cached object is never mutated.
 * Standard JSON Schema: https://standardschema.dev/#standard-json-schema
 */
function memoisedJsonSchema(schema: z.ZodObject): StandardSchemaWithJSON {
  const std = (schema as unknown as StandardSchemaWithJSON)["~standard"];
  const cache = new Map<string, Record<string, unknown>>();
  const memo =
    (io: "input" | "output") =>
    (opts: { target: string }): Record<string, unknown> => {
      const key = `${io}:${opts.target}`;
      let hit = cache.get(key);
      if (!hit) {
        hit = std.jsonSchema[io](opts as Parameters<typeof std.jsonSchema.input>[0]);
        cache.set(key, hit);
      }
      return hit;
    };
  return {
    "~standard": { ...std, jsonSchema: { input: memo("input"), output: memo("output") } },
  } as StandardSchemaWithJSON;
}

/**
 * Compiles tool definitions into a catalog.
 * @throws {Error} when two tools share a name.
 */
// biome-ignore lint/suspicious/noExplicitAny: see server/tools/index.ts
export function buildCatalog(defs: readonly ToolDefinition<any, any>[]): Catalog {
  const seen = new Set<string>();
  const tools: CompiledTool[] = [];
  for (const def of defs) {
    if (seen.has(def.name)) throw new Error(`duplicate tool name \`${def.name}\``);
    seen.add(def.name);
    tools.push({
      def,
      input: memoisedJsonSchema(z.object(def.inputSchema)),
      output: def.outputSchema ? memoisedJsonSchema(z.object(def.outputSchema)) : undefined,
    });
  }
  return { tools };
}

function toolError(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

/**
 * A new `McpServer` with the catalog registered. Called by the SDK's handler once per HTTP request, in either era.
 * No state outlives the request (sharing a server across requests leaks responses between clients: CVE-2026-25536).
 */
export function createMcpServer(catalog: Catalog, runtime: RuntimeInfo, logger: Logger): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      capabilities: { tools: { listChanged: false }, resources: { listChanged: false } },
      cacheHints: CACHE_HINTS,
    },
  );
  for (const { def, input, output } of catalog.tools) {
    server.registerTool(
      def.name,
      {
        title: def.title,
        description: def.description,
        inputSchema: input,
        ...(output ? { outputSchema: output } : {}),
        annotations: def.annotations,
      },
      async (args: unknown, ctx) => {
        try {
          // The SDK validated `args` against `input` (the tool's own schema) before calling this.
          return await def.handler(args as Record<string, unknown>, { runtime, signal: ctx.mcpReq.signal });
        } catch (err) {
          logger.error(
            { tool: def.name, err: err instanceof Error ? err.message : String(err) },
            "tool handler failed",
          );
          return toolError(`Tool ${def.name} failed`);
        }
      },
    );
  }
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
  return server;
}
