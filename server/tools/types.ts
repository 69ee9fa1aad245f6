/**
 * The tool contract. Each tool lives in its own file under server/tools/ and is listed once in server/tools/index.ts.
 * Definitions (name, zod schemas, annotations) are built once at module load; each request only binds them.
 */
import type { CallToolResult, ToolAnnotations } from "@modelcontextprotocol/server";
import type { z } from "zod";
import type { RuntimeInfo } from "../mcp/runtime.js";

/** What a tool handler may use besides its arguments. */
export interface ToolContext {
  runtime: RuntimeInfo;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

export interface ToolDefinition<In extends z.ZodRawShape = z.ZodRawShape, Out extends z.ZodRawShape = z.ZodRawShape> {
  /** Unique, snake_case. */
  name: string;
  title: string;
  description: string;
  inputSchema: In;
  outputSchema?: Out;
  annotations: ToolAnnotations;
  handler: (args: z.infer<z.ZodObject<In>>, ctx: ToolContext) => CallToolResult | Promise<CallToolResult>;
}

/** Identity function that keeps the handler's argument types tied to its input schema. */
export function defineTool<In extends z.ZodRawShape, Out extends z.ZodRawShape = z.ZodRawShape>(
  def: ToolDefinition<In, Out>,
): ToolDefinition<In, Out> {
  return def;
}
