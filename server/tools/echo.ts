/** `echo`: returns its text unchanged, for connectivity checks. */
import { z } from "zod";
import { defineTool } from "./types.js";

export default defineTool({
  name: "echo",
  title: "Echo",
  description: "Returns the given text unchanged. Use it to check that the server is reachable and the key works.",
  inputSchema: { text: z.string().max(100_000).describe("Text to send back") },
  outputSchema: { text: z.string() },
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  handler: ({ text }) => ({ content: [{ type: "text", text }], structuredContent: { text } }),
});
