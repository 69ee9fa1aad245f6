/**
 * The bridge when the upstream misbehaves, with the tests/fixtures/upstream-stdio-server.mjs child: a call that never
 * answers times out with a JSON-RPC error (and is cancelled upstream) while other calls on the same child are served;
 * a killed child shows in /health and the logs and is restarted; a child that never initializes fails the health
 * check and calls fail fast; the child's stderr reaches the logs with the API key redacted; shutdown stops the child.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { expect } from "chai";
import { connectClient, connectModernClient } from "../../helpers/client.js";
import { logLines, newKey } from "../../helpers/secrets.js";
import { INITIALIZE, mcpHeaders, startTestServer, type TestServer } from "../../helpers/server.js";
import { FIXTURE, health, isReady, nodeCommand, waitForHealth } from "../../helpers/upstream.js";

const KEY = newKey();
const HEADERS = { "x-api-key": KEY };
const text = (r: unknown) => (r as { content: { text?: string }[] }).content[0]?.text ?? "";

/** Resolves when a log line after index `from` satisfies `pred`; fails after `ms`. */
async function logLine(from: number, pred: (line: string) => boolean, ms = 5000): Promise<string> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const hit = logLines.slice(from).find(pred);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 25));
  }
  return expect.fail(`no matching log line within ${ms} ms`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("bridge: failures of a stdio child", function () {
  this.timeout(20_000);

  describe("a working child with a hanging tool", () => {
    let srv: TestServer;
    let client: Client;
    let logStart: number;

    before(async () => {
      logStart = logLines.length;
      srv = await startTestServer({
        MCP_API_KEYS: KEY,
        MCP_UPSTREAM: "stdio",
        MCP_UPSTREAM_COMMAND: nodeCommand(FIXTURE, "--stderr", `debug: token=${KEY} header x-api-key: ${KEY}`),
        MCP_UPSTREAM_TIMEOUT_MS: "600",
      });
      await waitForHealth(srv.base, isReady);
      client = await connectClient(srv.url, HEADERS);
    });
    after(async () => {
      await client?.close();
      await srv?.close();
    });

    it("logs the child's stderr as structured lines with the API key redacted", async () => {
      const line = await logLine(logStart, (l) => l.includes('"upstream output"') && l.includes("debug: token="));
      const parsed = JSON.parse(line) as { upstream: { stream: string }; line: string };
      expect(parsed.upstream.stream).to.equal("stderr");
      expect(parsed.line).to.equal("debug: token=[REDACTED] header x-api-key: [REDACTED]");
      expect(line).not.to.include(KEY);
    });

    it("times out a call that never answers with a JSON-RPC error, serves other calls meanwhile, cancels upstream", async () => {
      const from = logLines.length;
      const started = Date.now();
      const hanging = client.callTool({ name: "hang", arguments: {} }).then(
        () => expect.fail("hang answered"),
        (e: unknown) => ({ err: e as Error & { code?: number }, ms: Date.now() - started }),
      );
      const quick = await Promise.all(
        [1, 2, 3, 4, 5].map((i) => client.callTool({ name: "quick", arguments: { text: `q${i}` } })),
      );
      const quickMs = Date.now() - started;
      expect(quick.map(text)).to.deep.equal(["quick:q1", "quick:q2", "quick:q3", "quick:q4", "quick:q5"]);
      const { err, ms } = await hanging;
      expect(quickMs, "the quick calls did not wait for the hanging one").to.be.lessThan(ms);
      expect(err.code).to.equal(-32001);
      expect(err.message).to.include("did not answer tools/call within 600 ms");
      expect(ms).to.be.within(500, 5000);
      await logLine(from, (l) => l.includes("hang cancelled"));
    });

    it("cancels the upstream call when the caller disconnects", async () => {
      const from = logLines.length;
      const abort = new AbortController();
      const call = fetch(srv.url, {
        method: "POST",
        headers: mcpHeaders(KEY, { "mcp-protocol-version": "2025-11-25" }),
        body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "hang", arguments: {} } }),
        signal: abort.signal,
      }).then((res) => res.text());
      call.catch(() => {});
      await new Promise((r) => setTimeout(r, 200));
      abort.abort();
      // Well before the 600 ms call timeout: the disconnect itself cancelled the upstream call.
      await logLine(from, (l) => l.includes("hang cancelled"), 300);
    });

    it("refuses a server-to-client request (sampling) with a clear JSON-RPC error", async () => {
      const out = text(await client.callTool({ name: "ask-sampling", arguments: {} }));
      expect(out).to.match(/^sampling refused: -32601 .*no channel back to the caller/);
    });

    it("restarts a killed child: /health 503 and a log line while it is down, then calls work again", async () => {
      const pid = srv.upstream?.pid ?? 0;
      expect(pid).to.be.greaterThan(0);
      const from = logLines.length;
      process.kill(pid, "SIGKILL");
      const down = await waitForHealth(srv.base, (h) => h.status === 503, 5000);
      expect(down.body.status).to.equal("unavailable");
      expect(down.body.upstream).to.include({ mode: "stdio", state: "restarting" });
      expect(down.body.upstream?.lastExit).to.include({ signal: "SIGKILL", reason: "exited (signal SIGKILL)" });
      const line = JSON.parse(await logLine(from, (l) => l.includes('"upstream unavailable; restarting"'))) as {
        level: string;
        upstream: { lastExit: { signal: string } };
      };
      expect(line.level).to.equal("error");
      expect(line.upstream.lastExit.signal).to.equal("SIGKILL");
      const up = await waitForHealth(srv.base, isReady, 10_000);
      expect(up.body.upstream?.restarts).to.equal(1);
      expect(srv.upstream?.pid).not.to.equal(pid);
      const again = await connectModernClient(srv.url, HEADERS);
      expect(text(await again.callTool({ name: "quick", arguments: { text: "back" } }))).to.equal("quick:back");
      await again.close();
    });

    it("stops the child on shutdown (after the drain)", async () => {
      const pid = srv.upstream?.pid ?? 0;
      expect(alive(pid)).to.equal(true);
      await client.close();
      await srv.close();
      const deadline = Date.now() + 8000;
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(alive(pid), "child gone after close").to.equal(false);
      expect(srv.upstream?.health().state).to.equal("stopped");
    });
  });

  describe("a child that never initializes", () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({
        MCP_API_KEYS: KEY,
        MCP_UPSTREAM: "stdio",
        MCP_UPSTREAM_COMMAND: nodeCommand(FIXTURE, "--never-initialize"),
        MCP_UPSTREAM_READY_TIMEOUT_MS: "300",
      });
    });
    after(() => srv?.close());

    it("answers /health 503 (starting, then unavailable with the reason)", async () => {
      const first = await health(srv.base);
      expect(first.status).to.equal(503);
      expect(first.body.status).to.equal("starting");
      const failed = await waitForHealth(srv.base, (h) => h.body.upstream?.state === "failed", 5000);
      expect(failed.status).to.equal(503);
      expect(failed.body.status).to.equal("unavailable");
      expect(failed.body.upstream?.lastExit?.reason).to.equal("did not initialize within 300 ms");
    });

    it("fails calls fast with 503 and a JSON-RPC error, in both eras", async () => {
      const started = Date.now();
      const res = await fetch(srv.url, { method: "POST", headers: mcpHeaders(KEY), body: JSON.stringify(INITIALIZE) });
      expect(res.status).to.equal(503);
      expect(res.headers.get("retry-after")).to.equal("1");
      const body = (await res.json()) as { error: { code: number; message: string } };
      expect(body.error.code).to.equal(-32603);
      expect(body.error.message).to.match(/^Upstream MCP server unavailable \(state: (failed|restarting|starting)\)/);
      const legacy = await connectClient(srv.url, HEADERS).then(
        () => expect.fail("connected"),
        (e: unknown) => e as Error,
      );
      expect(legacy.message).to.include("Upstream MCP server unavailable");
      // The v2 client reports its failed discover probe in its own words; what matters is that it fails at once.
      await connectModernClient(srv.url, HEADERS).then(
        () => expect.fail("connected"),
        () => undefined,
      );
      expect(Date.now() - started).to.be.lessThan(1000);
    });
  });
});
