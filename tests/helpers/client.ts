/** The SDK's real Client over StreamableHTTPClientTransport, with the key sent as a header. */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

export async function connectClient(url: string, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: "mcp-anywhere-tests", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}
