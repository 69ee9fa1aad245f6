/** In-app rate limits: per key with burst, per IP for keyless requests, and X-Forwarded-For trusted only when told. */
import { expect } from "chai";
import { logLines, newKey } from "../helpers/secrets.js";
import { INITIALIZE, mcpHeaders, startTestServer, type TestServer } from "../helpers/server.js";

const KEY = newKey();
const OTHER_KEY = newKey();
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
});
