/**
 * The bridge (server/upstream/) in stdio mode with a REAL third-party server, @modelcontextprotocol/server-everything,
 * driven through our real HTTP endpoint by the v1 SDK client (2025 era) and the v2 SDK client (2026-07-28): tools,
 * resources, prompts, progress to the right caller, many concurrent callers on one child, the per-tool limit on an
 * upstream tool name, the child's environment, its log notifications in our logs, and the health body.
 */
import type { Client as ModernClient } from "@modelcontextprotocol/client";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { expect } from "chai";
import { connectClient, connectModernClient } from "../../helpers/client.js";
import { logLines, newKey, secrets } from "../../helpers/secrets.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { EVERYTHING, health, isReady, nodeCommand, waitForHealth } from "../../helpers/upstream.js";

const KEY = newKey();
const CHILD_SECRET = newKey(); // passed in MCP_UPSTREAM_ENV: the child sees it, our logs never do
const HEADERS = { "x-api-key": KEY };

const text = (r: unknown) => ((r as { content: { type: string; text?: string }[] }).content[0]?.text ?? "") as string;

describe("bridge: stdio server-everything through /mcp, both eras", function () {
  this.timeout(20_000);
  let srv: TestServer;
  let legacy: Client;
  let modern: ModernClient;

  before(async () => {
    srv = await startTestServer({
      MCP_API_KEYS: KEY,
      MCP_RATE_LIMIT_RPS: "1000",
      MCP_RATE_LIMIT_BURST: "1000",
      MCP_TOOL_RATE_LIMITS: "get-sum=1",
      MCP_UPSTREAM: "stdio",
      MCP_UPSTREAM_COMMAND: nodeCommand(EVERYTHING, "stdio"),
      MCP_UPSTREAM_ENV: JSON.stringify({ CHILD_SECRET }),
    });
    await waitForHealth(srv.base, isReady);
    legacy = await connectClient(srv.url, HEADERS);
    modern = await connectModernClient(srv.url, HEADERS);
  });
  after(async () => {
    await legacy?.close();
    await modern?.close();
    await srv?.close();
  });

  it("answers /health 200 with the upstream block, no secrets", async () => {
    const h = await health(srv.base);
    expect(h.status).to.equal(200);
    expect(h.body).to.deep.include({ status: "ok" });
    expect(h.body.upstream).to.deep.equal({ mode: "stdio", state: "ready", restarts: 0 });
    expect(JSON.stringify(h.body)).not.to.include(CHILD_SECRET);
  });

  it("mirrors the child's identity and capabilities (2025 initialize and 2026 discover)", () => {
    for (const c of [legacy, modern]) {
      expect(c.getServerVersion()?.name).to.equal("mcp-servers/everything");
      const caps = c.getServerCapabilities() ?? {};
      expect(caps).to.include.keys("tools", "resources", "prompts");
      expect(caps, "no logging: its notifications go to our logs").not.to.have.key("logging");
    }
    expect(legacy.getInstructions()).to.be.a("string").and.not.equal("");
  });

  it("lists and calls the child's tools in both eras", async () => {
    const names = (await legacy.listTools()).tools.map((t) => t.name);
    expect(names).to.include.members(["echo", "get-sum", "trigger-long-running-operation"]);
    expect((await modern.listTools()).tools.map((t) => t.name)).to.deep.equal(names);
    expect(text(await legacy.callTool({ name: "echo", arguments: { message: "v1" } }))).to.equal("Echo: v1");
    expect(text(await modern.callTool({ name: "echo", arguments: { message: "v2" } }))).to.equal("Echo: v2");
  });

  it("reads a resource and gets a prompt", async () => {
    const { resources } = await modern.listResources();
    const uri = resources[0]?.uri ?? "";
    expect(uri).to.match(/^demo:\/\//);
    const read = await legacy.readResource({ uri });
    expect(read.contents[0]?.uri).to.equal(uri);
    const { prompts } = await legacy.listPrompts();
    expect(prompts.map((p) => p.name)).to.include("simple-prompt");
    const got = await modern.getPrompt({ name: "simple-prompt" });
    expect(got.messages.length).to.be.greaterThan(0);
  });

  it("passes the child's own JSON-RPC errors through", async () => {
    const err = await legacy.callTool({ name: "no-such-tool", arguments: {} }).then(
      (r) => r,
      (e: unknown) => e,
    );
    // The child answers an unknown tool either as a -32602 error or as an isError result; both are the child's answer.
    if (err instanceof Error) expect((err as { code?: number }).code).to.equal(-32602);
    else expect((err as { isError?: boolean }).isError).to.equal(true);
  });

  it("relays progress to the caller that asked, and only to it (two concurrent callers, both eras)", async () => {
    const a: number[] = [];
    const b: number[] = [];
    const args = (steps: number) => ({ name: "trigger-long-running-operation", arguments: { duration: 0.3, steps } });
    const [ra, rb] = await Promise.all([
      legacy.callTool(args(3), undefined, { onprogress: (p) => void a.push(p.progress) }),
      modern.callTool(args(5), { onprogress: (p) => void b.push(p.progress) }),
    ]);
    expect(text(ra)).to.include("Steps: 3");
    expect(text(rb)).to.include("Steps: 5");
    expect(a).to.deep.equal([1, 2, 3]);
    expect(b).to.deep.equal([1, 2, 3, 4, 5]);
  });

  // Every client numbers its requests from the same start, so the callers' JSON-RPC ids collide on purpose: the
  // bridge's shared client gives each forwarded call its own id, and no answer may reach the wrong caller.
  it("serves 24 concurrent callers on the one child, each with its own answer (id remapping)", async () => {
    const clients = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        i % 2 === 0 ? connectClient(srv.url, HEADERS) : connectModernClient(srv.url, HEADERS),
      ),
    );
    try {
      const pid = srv.upstream?.pid;
      const answers = await Promise.all(
        clients.flatMap((c, i) =>
          [0, 1, 2].map(async (j) => {
            const message = `caller-${i}-call-${j}`;
            const r = await (c as Client).callTool({ name: "echo", arguments: { message } });
            return { message, got: text(r) };
          }),
        ),
      );
      for (const { message, got } of answers) expect(got).to.equal(`Echo: ${message}`);
      expect(srv.upstream?.pid, "one long-lived child served them all").to.equal(pid);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it("applies the per-tool limit to an upstream tool name (get-sum=1: the second call within 1 s is 429)", async () => {
    expect(text(await legacy.callTool({ name: "get-sum", arguments: { a: 1, b: 2 } }))).to.include("3");
    const err = await legacy.callTool({ name: "get-sum", arguments: { a: 2, b: 2 } }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).to.match(/429|per-tool rate limit exceeded for tool get-sum/);
  });

  it("gives the child only the safe environment plus MCP_UPSTREAM_ENV (never MCP_API_KEYS)", async () => {
    const env = JSON.parse(text(await modern.callTool({ name: "get-env", arguments: {} }))) as Record<string, string>;
    expect(env.CHILD_SECRET).to.equal(CHILD_SECRET);
    expect(env).not.to.have.any.keys(
      "MCP_API_KEYS",
      "MCP_UPSTREAM_ENV",
      "MCP_UPSTREAM_COMMAND",
      "AWS_SECRET_ACCESS_KEY",
    );
    expect(JSON.stringify(env)).not.to.include(KEY);
    expect(secrets.has(CHILD_SECRET)).to.equal(true); // the root hook checks no log line holds it
  });

  it("sends the child's logging notifications to our logs", async () => {
    const before = logLines.length;
    await legacy.callTool({ name: "toggle-simulated-logging", arguments: {} });
    const deadline = Date.now() + 3000;
    let line: string | undefined;
    while (!line && Date.now() < deadline) {
      line = logLines.slice(before).find((l) => l.includes('"upstream log message"'));
      if (!line) await new Promise((r) => setTimeout(r, 50));
    }
    expect(line, "an upstream log message line").to.be.a("string");
    expect(JSON.parse(line ?? "{}")).to.have.nested.property("upstream.level");
    await legacy.callTool({ name: "toggle-simulated-logging", arguments: {} });
  });
});
