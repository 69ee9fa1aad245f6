/**
 * A stateful third-party stdio server, @modelcontextprotocol/server-memory, behind the bridge: callers in both eras
 * write to and read from the ONE long-lived child (its knowledge graph) through our endpoint.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { connectClient, connectModernClient } from "../../helpers/client.js";
import { newKey } from "../../helpers/secrets.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { isReady, MEMORY, nodeCommand, waitForHealth } from "../../helpers/upstream.js";

const KEY = newKey();
const HEADERS = { "x-api-key": KEY };

describe("bridge: stdio server-memory (a stateful child shared by every caller)", function () {
  this.timeout(20_000);
  let srv: TestServer;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcp-memory-"));
    srv = await startTestServer({
      MCP_API_KEYS: KEY,
      MCP_RATE_LIMIT_RPS: "1000",
      MCP_RATE_LIMIT_BURST: "1000",
      MCP_UPSTREAM: "stdio",
      MCP_UPSTREAM_COMMAND: nodeCommand(MEMORY),
      MCP_UPSTREAM_ENV: JSON.stringify({ MEMORY_FILE_PATH: join(dir, "memory.jsonl") }),
      MCP_UPSTREAM_CWD: dir,
    });
    await waitForHealth(srv.base, isReady);
  });
  after(async () => {
    await srv?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps what one caller wrote for every other caller, across eras", async () => {
    const writers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        i % 2 ? connectClient(srv.url, HEADERS) : connectModernClient(srv.url, HEADERS),
      ),
    );
    try {
      // One after another: server-memory reads and rewrites its whole file per call, so its own concurrent writes
      // lose each other (the bridge does not serialise calls; the child's semantics are its own).
      for (const [i, c] of writers.entries()) {
        await c.callTool({
          name: "create_entities",
          arguments: {
            entities: [{ name: `entity-${i}`, entityType: "test", observations: [`written by caller ${i}`] }],
          },
        });
      }
      const reader = await connectClient(srv.url, HEADERS);
      const graph = (await reader.callTool({ name: "read_graph", arguments: {} })) as {
        structuredContent?: { entities: { name: string; observations: string[] }[] };
      };
      await reader.close();
      const names = (graph.structuredContent?.entities ?? []).map((e) => e.name).sort();
      expect(names).to.deep.equal(Array.from({ length: 8 }, (_, i) => `entity-${i}`).sort());
    } finally {
      await Promise.all(writers.map((c) => c.close()));
    }
  });
});
