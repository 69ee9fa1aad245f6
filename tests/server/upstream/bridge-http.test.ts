/**
 * The bridge in http mode against a REAL Streamable HTTP server, server-everything's `streamableHttp` entry (a
 * sessionful v1-SDK server): started by our server from MCP_UPSTREAM_COMMAND (PORT passed in MCP_UPSTREAM_ENV), and as
 * a sidecar we do not start (no command), which we reconnect to after it restarts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { expect } from "chai";
import { connectClient, connectModernClient } from "../../helpers/client.js";
import { logLines, newKey } from "../../helpers/secrets.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { EVERYTHING, isReady, nodeCommand, waitForHealth } from "../../helpers/upstream.js";

const KEY = newKey();
const HEADERS = { "x-api-key": KEY };
const text = (r: unknown) => (r as { content: { text?: string }[] }).content[0]?.text ?? "";

/** A free loopback TCP port. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

function startSidecar(port: number): ChildProcess {
  const child = spawn(process.execPath, [EVERYTHING, "streamableHttp"], {
    env: { PATH: process.env.PATH ?? "", PORT: String(port) },
    stdio: "ignore",
  });
  return child;
}

describe("bridge: http mode (server-everything streamableHttp)", function () {
  this.timeout(30_000);

  describe("started by our server from MCP_UPSTREAM_COMMAND", () => {
    let srv: TestServer;
    let logStart: number;
    before(async () => {
      logStart = logLines.length;
      const port = await freePort();
      srv = await startTestServer({
        MCP_API_KEYS: KEY,
        MCP_UPSTREAM: "http",
        MCP_UPSTREAM_COMMAND: nodeCommand(EVERYTHING, "streamableHttp"),
        MCP_UPSTREAM_ENV: JSON.stringify({ PORT: String(port) }),
        MCP_UPSTREAM_URL: `http://127.0.0.1:${port}/mcp`,
      });
      const h = await waitForHealth(srv.base, isReady, 15_000);
      expect(h.body.upstream).to.deep.equal({ mode: "http", state: "ready", restarts: 0 });
    });
    after(() => srv?.close());

    it("serves the child's tools to both eras and logs the child's stdout", async () => {
      const legacy = await connectClient(srv.url, HEADERS);
      const modern = await connectModernClient(srv.url, HEADERS);
      try {
        expect((await legacy.listTools()).tools.map((t) => t.name)).to.include("echo");
        const answers = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 ? legacy : modern).callTool({ name: "echo", arguments: { message: `h${i}` } }).then(text),
          ),
        );
        expect(answers).to.deep.equal(Array.from({ length: 10 }, (_, i) => `Echo: h${i}`));
        const progress: number[] = [];
        await modern.callTool(
          { name: "trigger-long-running-operation", arguments: { duration: 0.2, steps: 2 } },
          { onprogress: (p) => void progress.push(p.progress) },
        );
        expect(progress).to.deep.equal([1, 2]);
      } finally {
        await legacy.close();
        await modern.close();
      }
      const out = logLines
        .slice(logStart)
        .find((l) => l.includes('"upstream output"') && l.includes("Starting Streamable HTTP server"));
      expect(out, "the child's stdout line").to.be.a("string");
    });

    it("restarts the child when it exits", async () => {
      const pid = srv.upstream?.pid ?? 0;
      process.kill(pid, "SIGTERM");
      const down = await waitForHealth(srv.base, (h) => h.status === 503, 5000);
      expect(down.body.upstream?.lastExit?.signal).to.equal("SIGTERM");
      await waitForHealth(srv.base, isReady, 15_000);
      const modern = await connectModernClient(srv.url, HEADERS);
      expect(text(await modern.callTool({ name: "echo", arguments: { message: "again" } }))).to.equal("Echo: again");
      await modern.close();
    });
  });

  describe("a sidecar (no command)", () => {
    let srv: TestServer;
    let sidecar: ChildProcess;
    let port: number;
    before(async () => {
      port = await freePort();
      sidecar = startSidecar(port);
      srv = await startTestServer({
        MCP_API_KEYS: KEY,
        MCP_UPSTREAM: "http",
        MCP_UPSTREAM_URL: `http://127.0.0.1:${port}/mcp`,
      });
      await waitForHealth(srv.base, isReady, 15_000);
    });
    after(async () => {
      sidecar?.kill("SIGKILL");
      await srv?.close();
    });

    it("connects, notices the sidecar is gone on the next call, and reconnects when it is back", async () => {
      const client = await connectModernClient(srv.url, HEADERS);
      expect(text(await client.callTool({ name: "echo", arguments: { message: "s1" } }))).to.equal("Echo: s1");
      sidecar.kill("SIGKILL");
      await new Promise((r) => sidecar.once("exit", r));
      const err = await client.callTool({ name: "echo", arguments: { message: "s2" } }).then(
        () => expect.fail("answered"),
        (e: unknown) => e as Error & { code?: number },
      );
      expect(err.message).to.include("Upstream MCP server unavailable");
      await waitForHealth(srv.base, (h) => h.status === 503, 5000);
      sidecar = startSidecar(port);
      await waitForHealth(srv.base, isReady, 15_000);
      expect(text(await client.callTool({ name: "echo", arguments: { message: "s3" } }))).to.equal("Echo: s3");
      await client.close();
    });
  });
});
