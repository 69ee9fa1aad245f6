/**
 * In-app rate limits: per key with burst, per key and tool (MCP_TOOL_RATE_LIMITS, both protocol eras), per IP for
 * keyless requests, and X-Forwarded-For trusted only when told.
 */
import { expect } from "chai";
import { ConfigError, loadServerConfig } from "../../server/config.js";
import { toolLimitShape } from "../../server/http/rate-limit.js";
import { MODERN_REVISION } from "../helpers/client.js";
import { thrownMessage } from "../helpers/errors.js";
import { logLines, newKey } from "../helpers/secrets.js";
import { INITIALIZE, mcpHeaders, startTestServer, type TestServer } from "../helpers/server.js";

const KEY = newKey();
const OTHER_KEY = newKey();
/** Keys of the per-tool tests, one per bucket they spend. */
const TOOL_KEYS = [newKey(), newKey(), newKey(), newKey(), newKey(), newKey(), newKey(), newKey()] as const;
const body = JSON.stringify(INITIALIZE);

describe("rate limiting", () => {
  describe("per API key (RPS 1, burst 3)", () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({
        MCP_API_KEYS: `${KEY},${OTHER_KEY}`,
        MCP_RATE_LIMIT_RPS: "1",
        MCP_RATE_LIMIT_BURST: "3",
      });
    });
    after(() => srv.close());

    it("lets the burst through, then answers 429 with Retry-After, RateLimit headers and a JSON-RPC body", async () => {
      const statuses: number[] = [];
      let limited: Response | undefined;
      for (let i = 0; i < 5; i++) {
        const res = await fetch(srv.url, { method: "POST", headers: mcpHeaders(KEY), body });
        statuses.push(res.status);
        if (res.status === 429) limited ??= res;
        else await res.arrayBuffer();
      }
      expect(statuses).to.deep.equal([200, 200, 200, 429, 429]);
      if (!limited) throw new Error("no 429");
      const retryAfter = Number(limited.headers.get("retry-after"));
      expect(retryAfter).to.be.within(1, 3);
      expect(limited.headers.get("ratelimit-policy")).to.match(/"per-key"; q=3; w=3/);
      expect(limited.headers.get("ratelimit")).to.match(/"per-key"; r=0; t=\d/);
      const json = (await limited.json()) as {
        error: { code: number; message: string; data: { retryAfterSeconds: number } };
      };
      expect(json.error.code).to.equal(-32000);
      expect(json.error.message).to.match(/rate limit exceeded/);
      expect(json.error.data.retryAfterSeconds).to.equal(retryAfter);
    });

    it("keeps each key's bucket separate", async () => {
      const res = await fetch(srv.url, { method: "POST", headers: mcpHeaders(OTHER_KEY), body });
      expect(res.status).to.equal(200);
    });
  });

  describe("per IP for requests without a valid key (3 per minute)", () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({ MCP_API_KEYS: KEY, MCP_RATE_LIMIT_IP_PER_MINUTE: "3" });
    });
    after(() => srv.close());

    it("answers 401 three times, then 429, whatever X-Forwarded-For claims", async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        // A different spoofed client address on every attempt: with no trusted proxy it must not open a new bucket.
        const spoof = { "x-forwarded-for": `203.0.113.${i + 1}` };
        const res = await fetch(srv.url, { method: "POST", headers: mcpHeaders(newKey(), spoof), body });
        statuses.push(res.status);
        await res.arrayBuffer();
      }
      expect(statuses).to.deep.equal([401, 401, 401, 429, 429, 429]);
    });

    it("M3: while the address is blocked, a valid key gets the same 429 as a wrong one (no oracle)", async () => {
      // The address is blocked by the previous test's failures.
      const answer = async (key: string | undefined) => {
        const res = await fetch(srv.url, { method: "POST", headers: mcpHeaders(key), body });
        const { error } = (await res.json()) as { error: { code: number; message: string } };
        return {
          status: res.status,
          code: error.code,
          message: error.message,
          policy: res.headers.get("ratelimit-policy"),
        };
      };
      const [valid, wrong, none] = [await answer(KEY), await answer(newKey()), await answer(undefined)];
      expect(valid.status).to.equal(429);
      expect(valid).to.deep.equal(wrong);
      expect(valid).to.deep.equal(none);
      expect(valid.policy).to.match(/"per-ip-unauthenticated"; q=3; w=60/);
    });
  });

  describe("per IP on every path (2 per minute)", () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({ MCP_API_KEYS: KEY, MCP_RATE_LIMIT_IP_PER_MINUTE: "2" });
    });
    after(() => srv.close());

    it("L1: limits keyless requests to unknown paths and methods too, but never the health check", async () => {
      const statuses: number[] = [];
      for (const [method, path] of [
        ["GET", "/nope"],
        ["PUT", "/mcp"],
        ["GET", "/x"],
        ["GET", "/y"],
      ] as const) {
        const res = await fetch(`${srv.base}${path}`, { method });
        statuses.push(res.status);
        await res.arrayBuffer();
      }
      expect(statuses).to.deep.equal([404, 405, 429, 429]);
      const health = await fetch(`${srv.base}/health`);
      expect(health.status).to.equal(200);
    });

    it("L1: writes one line for a blocked address's refusals, not one per request", async () => {
      const before = logLines.length;
      for (let i = 0; i < 20; i++) await (await fetch(`${srv.base}/flood-${i}`)).arrayBuffer();
      const lines = logLines.slice(before).filter((l) => l.includes('"msg":"request"'));
      expect(lines.length, "the address was already blocked and logged once").to.be.at.most(1);
    });
  });

  describe("with MCP_TRUST_PROXY=1 (one trusted edge)", () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({ MCP_API_KEYS: KEY, MCP_RATE_LIMIT_IP_PER_MINUTE: "2", MCP_TRUST_PROXY: "1" });
    });
    after(() => srv.close());

    it("buckets by the client address the trusted edge appended, not by the socket", async () => {
      const attempt = async (clientIp: string) => {
        const headers = mcpHeaders(undefined, { "x-forwarded-for": `198.51.100.77, ${clientIp}` });
        const res = await fetch(srv.url, { method: "POST", headers, body });
        await res.arrayBuffer();
        return res.status;
      };
      expect([await attempt("192.0.2.1"), await attempt("192.0.2.1"), await attempt("192.0.2.1")]).to.deep.equal([
        401, 401, 429,
      ]);
      // A different client behind the same edge has its own bucket; the spoofable left-most entry is ignored.
      expect(await attempt("192.0.2.2")).to.equal(401);
    });
  });

  describe("per API key and tool (MCP_TOOL_RATE_LIMITS)", () => {
    /** The 2026-07-28 per-request envelope (`params._meta`). */
    const META = {
      "io.modelcontextprotocol/protocolVersion": MODERN_REVISION,
      "io.modelcontextprotocol/clientInfo": { name: "raw-test", version: "1.0.0" },
      "io.modelcontextprotocol/clientCapabilities": {},
    };
    let id = 1000;
    const args = (tool: string) => (tool === "echo" ? { text: "x" } : {});

    /** A 2026-07-28 tools/call: `Mcp-Method`/`Mcp-Name` headers (name overridable) and the envelope. */
    const modernCall = (tool: string, headerName = tool) => ({
      body: {
        jsonrpc: "2.0",
        id: id++,
        method: "tools/call",
        params: { name: tool, arguments: args(tool), _meta: META },
      },
      headers: { "mcp-protocol-version": MODERN_REVISION, "mcp-method": "tools/call", "mcp-name": headerName },
    });
    /** A 2025-era tools/call: the tool only in the body (plus any extra headers). */
    const legacyCall = (tool: string, headers: Record<string, string> = {}) => ({
      body: { jsonrpc: "2.0", id: id++, method: "tools/call", params: { name: tool, arguments: args(tool) } },
      headers: { "mcp-protocol-version": "2025-11-25", ...headers },
    });

    let srv: TestServer;
    const call = async (key: string, req: { body: unknown; headers: Record<string, string> }) => {
      const res = await fetch(srv.url, {
        method: "POST",
        headers: mcpHeaders(key, req.headers),
        body: JSON.stringify(req.body),
      });
      const text = await res.text();
      return { status: res.status, res, text };
    };

    // Key: 30 rps, burst 90 (out of the way). server_info=1: burst ceil(90 × 1/30) = 3 per 3 s window.
    before(async () => {
      srv = await startTestServer({
        MCP_API_KEYS: [...TOOL_KEYS.slice(0, 6), TOOL_KEYS[7]].join(","),
        MCP_RATE_LIMIT_RPS: "30",
        MCP_RATE_LIMIT_BURST: "90",
        MCP_TOOL_RATE_LIMITS: "server_info=1,estimate_cost=5",
      });
    });
    after(() => srv.close());

    it("shapes a tool's limit like the key's (burst scaled by rps / key rps, window burst / rps)", () => {
      const key = { requestsPerSecond: 30, burst: 90, ipRequestsPerMinute: 60 };
      expect(toolLimitShape(key, 1)).to.deep.equal({ burst: 3, windowMs: 3000 });
      expect(toolLimitShape(key, 100)).to.deep.equal({ burst: 90, windowMs: 1000 });
      expect(toolLimitShape({ ...key, burst: 1 }, 1)).to.deep.equal({ burst: 1, windowMs: 1000 });
    });

    for (const era of ["2026-07-28 (tool in Mcp-Name and the body)", "2025 (tool in the body only)"] as const) {
      const modern = era.startsWith("2026");
      const make = modern ? modernCall : (tool: string) => legacyCall(tool);
      const [key, otherKey] = modern ? [TOOL_KEYS[0], TOOL_KEYS[1]] : [TOOL_KEYS[2], TOOL_KEYS[3]];

      describe(era, () => {
        it("answers a burst on a limited tool with 429 (Retry-After, RateLimit headers, JSON-RPC body)", async () => {
          const statuses: number[] = [];
          let limited: { res: Response; text: string } | undefined;
          for (let i = 0; i < 5; i++) {
            const r = await call(key, make("server_info"));
            statuses.push(r.status);
            if (r.status === 429) limited ??= r;
          }
          expect(statuses).to.deep.equal([200, 200, 200, 429, 429]);
          if (!limited) throw new Error("no 429");
          const retryAfter = Number(limited.res.headers.get("retry-after"));
          expect(retryAfter).to.be.within(1, 3);
          expect(limited.res.headers.get("ratelimit-policy")).to.match(/"per-tool-server_info"; q=3; w=3/);
          expect(limited.res.headers.get("ratelimit")).to.match(/"per-tool-server_info"; r=0; t=\d/);
          const json = JSON.parse(limited.text) as {
            jsonrpc: string;
            error: { code: number; message: string; data: { retryAfterSeconds: number; tool: string } };
          };
          expect(json.jsonrpc).to.equal("2.0");
          expect(json.error.code).to.equal(-32000);
          expect(json.error.message).to.match(/per-tool rate limit exceeded for tool server_info/);
          expect(json.error.data).to.deep.equal({ retryAfterSeconds: retryAfter, tool: "server_info" });
        });

        it("still lets the same key call another tool, listed or not, and another key call that tool", async () => {
          expect((await call(key, make("echo"))).status, "echo, not listed").to.equal(200);
          expect((await call(key, make("estimate_cost"))).status, "estimate_cost, its own limit").to.equal(200);
          expect((await call(otherKey, make("server_info"))).status, "another key").to.equal(200);
          expect((await call(key, make("server_info"))).status, "still limited").to.equal(429);
        });
      });
    }

    /** Spends `key`'s server_info bucket (3 calls, all 200). */
    const spend = async (key: string, make: (tool: string) => { body: unknown; headers: Record<string, string> }) => {
      for (let i = 0; i < 3; i++) expect((await call(key, make("server_info"))).status, `call ${i + 1}`).to.equal(200);
    };

    it("2026-07-28: the Mcp-Name header names the tool (a call naming the limited tool there is counted)", async () => {
      const key = TOOL_KEYS[4];
      await spend(key, modernCall);
      // The body names echo, the header server_info: counted under server_info (the SDK would answer HeaderMismatch).
      const r = await call(key, modernCall("echo", "server_info"));
      expect(r.status).to.equal(429);
      expect(r.text).to.include("server_info");
    });

    it("2026-07-28: a Base64-sentinel Mcp-Name (which the SDK accepts) is still counted, by the body's name", async () => {
      const key = TOOL_KEYS[7];
      const sentinel = `=?base64?${Buffer.from("server_info").toString("base64")}?=`;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await call(key, modernCall("server_info", sentinel))).status);
      expect(statuses).to.deep.equal([200, 200, 200, 429]);
    });

    it("2025: a made-up Mcp-Name does not move a call out of its tool's bucket (the body decides what runs)", async () => {
      const key = TOOL_KEYS[5];
      await spend(key, (tool) => legacyCall(tool));
      expect((await call(key, legacyCall("server_info", { "mcp-name": "echo" }))).status).to.equal(429);
      // Methods other than tools/call are not limited per tool, whatever Mcp-Name says.
      const list = {
        body: { jsonrpc: "2.0", id: id++, method: "tools/list" },
        headers: { "mcp-protocol-version": "2025-11-25", "mcp-name": "server_info" },
      };
      expect((await call(key, list)).status, "tools/list").to.equal(200);
    });

    it("writes the tool into the refused request's log line", async () => {
      const before = logLines.length;
      expect((await call(TOOL_KEYS[5], legacyCall("server_info"))).status).to.equal(429);
      const line = logLines.slice(before).find((l) => l.includes('"msg":"request"') && l.includes('"status":429'));
      expect(line, "a request line with status 429").to.be.a("string");
      expect(JSON.parse(line ?? "{}")).to.include({ mcpMethod: "tools/call", tool: "server_info" });
    });
  });

  describe("per key and tool with a tight key limit (key 2 rps, burst 6; server_info=1)", () => {
    let srv: TestServer;
    const key = TOOL_KEYS[6];
    before(async () => {
      srv = await startTestServer({
        MCP_API_KEYS: key,
        MCP_RATE_LIMIT_RPS: "2",
        MCP_RATE_LIMIT_BURST: "6",
        MCP_TOOL_RATE_LIMITS: "server_info=1",
      });
    });
    after(() => srv.close());

    it("counts every request toward the key's limit, including calls the tool limit refused", async () => {
      const legacyCall = (tool: string) =>
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name: tool, arguments: tool === "echo" ? { text: "x" } : {} },
        });
      const messages: string[] = [];
      const statuses: number[] = [];
      for (const tool of ["server_info", "server_info", "server_info", "server_info", "server_info", "echo", "echo"]) {
        const res = await fetch(srv.url, { method: "POST", headers: mcpHeaders(key), body: legacyCall(tool) });
        statuses.push(res.status);
        const text = await res.text();
        if (res.status === 429) messages.push((JSON.parse(text) as { error: { message: string } }).error.message);
      }
      // server_info: 3 pass, 2 refused per tool; echo: the 6th request of the key's burst passes, the 7th does not.
      expect(statuses).to.deep.equal([200, 200, 200, 429, 429, 200, 429]);
      expect(messages[0]).to.match(/per-tool rate limit exceeded for tool server_info/);
      expect(messages[2]).to.match(/per-key rate limit exceeded$/);
    });
  });

  describe("MCP_TOOL_RATE_LIMITS parsing", () => {
    const withKey = { MCP_API_KEYS: "k-one-abcdefghijklmnop" };

    it("is empty when unset or blank, and parses sorted or unsorted tool=rps entries with spaces", () => {
      expect(loadServerConfig(withKey).toolRateLimits).to.deep.equal({});
      expect(loadServerConfig({ ...withKey, MCP_TOOL_RATE_LIMITS: " " }).toolRateLimits).to.deep.equal({});
      expect(
        loadServerConfig({ ...withKey, MCP_TOOL_RATE_LIMITS: " estimate_cost = 2 , echo=50,, my.tool-1=100000" })
          .toolRateLimits,
      ).to.deep.equal({ estimate_cost: 2, echo: 50, "my.tool-1": 100_000 });
    });

    for (const [value, problem] of [
      ["echo", "the tool name is not allowed"],
      ["=3", "the tool name is not allowed"],
      ["bad tool=3", "the tool name is not allowed"],
      [`${"t".repeat(65)}=3`, "the tool name is not allowed"],
      ["echo=0", "the rate is not allowed"],
      ["echo=1.5", "the rate is not allowed"],
      ["echo=", "the rate is not allowed"],
      ["echo=100001", "the rate is not allowed"],
      ["echo=2,echo=3", "the tool is listed twice"],
    ] as const) {
      it(`refuses ${JSON.stringify(value)}, naming the variable, the value, the entry and what is allowed`, () => {
        const msg = thrownMessage(() => loadServerConfig({ ...withKey, MCP_TOOL_RATE_LIMITS: value }), ConfigError);
        expect(msg).to.include(`MCP_TOOL_RATE_LIMITS=${JSON.stringify(value)} is invalid`);
        expect(msg).to.include("comma-separated tool=rps entries").and.include("an integer from 1 to 100000");
        expect(msg).to.include(problem);
      });
    }

    it("keeps a name like __proto__ or constructor a plain entry", () => {
      const limits = loadServerConfig({ ...withKey, MCP_TOOL_RATE_LIMITS: "__proto__=2,constructor=3" }).toolRateLimits;
      expect(Object.entries(limits)).to.deep.equal([
        ["__proto__", 2],
        ["constructor", 3],
      ]);
    });
  });
});
