/**
 * Real SDK clients against the server, with the key sent as a header, one per protocol era:
 * - {@link connectClient}: the v1 SDK's Client (`@modelcontextprotocol/sdk`), i.e. what today's 2025-era clients send
 *   (`initialize`, then calls, no session), served by the v2 SDK's stateless legacy path.
 * - {@link connectModernClient}: the v2 SDK's Client (`@modelcontextprotocol/client`) pinned to 2026-07-28
 *   (`server/discover`, per-request `_meta`, `Mcp-Method`/`Mcp-Name` headers), with no fallback to `initialize`.
 */
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

/** The 2026-07-28 revision, which the modern client pins. */
export const MODERN_REVISION = "2026-07-28";

/** A 2025-era client (SDK v1). */
export async function connectClient(url: string, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: "mcp-anywhere-tests", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

/** A 2026-07-28 client (SDK v2), pinned: `connect` fails unless `server/discover` offers the revision. */
export async function connectModernClient(url: string, headers: Record<string, string>): Promise<ModernClient> {
  const client = new ModernClient(
    { name: "mcp-anywhere-tests", version: "1.0.0" },
    { versionNegotiation: { mode: { pin: MODERN_REVISION } } },
  );
  await client.connect(new ModernTransport(new URL(url), { requestInit: { headers } }));
  return client;
}
