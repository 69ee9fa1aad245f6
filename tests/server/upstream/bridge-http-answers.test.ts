/**
 * The bridge in http mode when the upstream ANSWERS a forwarded call with an HTTP error status (here 413 for a body
 * over its own limit, as express.json()'s default 100 kB limit does): the caller gets a JSON-RPC error, and the shared
 * connection stays up (no reconnect, no restart: a stateful upstream keeps its state and the other callers' calls),
 * because an upstream that answers HTTP is alive. The upstream is an in-process v1-SDK stateless Streamable HTTP server.
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { expect } from "chai";
import { z } from "zod";
import { connectModernClient } from "../../helpers/client.js";
import { newKey } from "../../helpers/secrets.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { health, isReady, waitForHealth } from "../../helpers/upstream.js";

const KEY = newKey();
const HEADERS = { "x-api-key": KEY };
/** The upstream's own body limit, bytes (ours is 1 MiB). */
const UPSTREAM_LIMIT = 10_000;
const text = (r: unknown) => (r as { content: { text?: string }[] }).content[0]?.text ?? "";

/** While true, the upstream answers every request 404 (a session it no longer knows, as after its restart). */
let forgetful = false;

/** A stateless MCP server with one tool, `echo`, that answers 413 to a body over UPSTREAM_LIMIT. */
function startUpstream(): Promise<HttpServer> {
  const http = createServer(async (req, res) => {
    if (forgetful) {
      res.writeHead(404, { "content-type": "text/plain" }).end("session not found");
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (body.length > UPSTREAM_LIMIT) {
      res.writeHead(413, { "content-type": "text/plain" }).end("request entity too large");
      return;
    }
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    const server = new McpServer({ name: "answers-upstream", version: "0.0.1" });
    server.registerTool("echo", { inputSchema: { text: z.string() } }, async ({ text: t }) => ({
      content: [{ type: "text", text: `echo:${t.length}` }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    await server.connect(transport);
    await transport.handleRequest(req, res, JSON.parse(body.toString("utf8")));
  });
  return new Promise((resolve) => http.listen(0, "127.0.0.1", () => resolve(http)));
}

describe("bridge: http mode, an upstream that answers an HTTP error status", function () {
  this.timeout(20_000);
  let upstream: HttpServer;
  let srv: TestServer;

  before(async () => {
    upstream = await startUpstream();
    const { port } = upstream.address() as AddressInfo;
    srv = await startTestServer({
      MCP_API_KEYS: KEY,
      MCP_UPSTREAM: "http",
      MCP_UPSTREAM_URL: `http://127.0.0.1:${port}/mcp`,
    });
    await waitForHealth(srv.base, isReady, 10_000);
  });
  after(async () => {
    await srv?.close();
    upstream?.closeAllConnections();
    await new Promise((r) => upstream?.close(r));
  });

  it("answers the caller with a JSON-RPC error and keeps the connection (no restart)", async () => {
    const client = await connectModernClient(srv.url, HEADERS);
    try {
      expect(text(await client.callTool({ name: "echo", arguments: { text: "small" } }))).to.equal("echo:5");
      const err = await client.callTool({ name: "echo", arguments: { text: "x".repeat(50_000) } }).then(
        () => expect.fail("answered"),
        (e: unknown) => e as Error & { code?: number },
      );
      expect(err.code).to.equal(-32603);
      expect(err.message).to.include("answered tools/call with HTTP 413");
      const h = await health(srv.base);
      expect(h.status).to.equal(200);
      expect(h.body.upstream).to.deep.equal({ mode: "http", state: "ready", restarts: 0 });
      expect(text(await client.callTool({ name: "echo", arguments: { text: "after" } }))).to.equal("echo:5");
    } finally {
      await client.close();
    }
  });

  it("reconnects when the session is gone too (the probe is not answered)", async () => {
    const client = await connectModernClient(srv.url, HEADERS);
    try {
      forgetful = true;
      await client.callTool({ name: "echo", arguments: { text: "lost" } }).then(
        () => expect.fail("answered"),
        (e: unknown) => expect((e as Error).message).to.include("HTTP 404"),
      );
      const down = await waitForHealth(srv.base, (h) => h.status === 503, 5000);
      expect(down.body.upstream?.lastExit?.reason).to.include("call failed");
      forgetful = false;
      await waitForHealth(srv.base, isReady, 10_000);
      expect(text(await client.callTool({ name: "echo", arguments: { text: "back" } }))).to.equal("echo:4");
    } finally {
      forgetful = false;
      await client.close();
    }
  });
});
