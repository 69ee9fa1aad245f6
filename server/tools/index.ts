/**
 * The tool registry. To add a tool: create server/tools/<name>.ts that default-exports `defineTool({...})`, and add
 * it to this list. A test fails when a file in this folder is not listed here.
 */
import echo from "./echo.js";
import estimateCost from "./estimate-cost.js";
import serverInfo from "./server-info.js";
import type { ToolDefinition } from "./types.js";

// biome-ignore lint/suspicious/noExplicitAny: heterogeneous schemas; each entry was type-checked by defineTool.
export const TOOLS: readonly ToolDefinition<any, any>[] = [echo, serverInfo, estimateCost];
