/**
 * The SSM key source end to end: real @aws-sdk/client-ssm against a local SSM JSON endpoint, through the real server.
 * TTL 1 s, so rotation and outages are seen quickly.
 */

import { GetParametersCommand } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import { createSsmClient } from "../../server/keys/ssm-source.js";
import { FakeSsm } from "../helpers/fake-ssm.js";
import { logLines, newKey } from "../helpers/secrets.js";
import { INITIALIZE, mcpHeaders, startTestServer, type TestServer } from "../helpers/server.js";

const body = JSON.stringify(INITIALIZE);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function statusWith(srv: TestServer, key: string): Promise<number> {
  const res = await fetch(srv.url, { method: "POST", headers: mcpHeaders(key), body });
  await res.arrayBuffer();
  return res.status;
}

async function health(srv: TestServer): Promise<{ keys: string }> {
  return (await (await fetch(`${srv.base}/health`)).json()) as { keys: string };
}

describe("API keys from SSM Parameter Store", () => {
  let ssm: FakeSsm;
  beforeEach(async () => {
    ssm = await new FakeSsm().start();
  });
  afterEach(() => ssm.close());

  const env = { MCP_API_KEYS_SSM_PARAMETERS: "/mcp/key-a,/mcp/key-b", MCP_API_KEYS_TTL_SECONDS: "1" };

  it("loads every key from every parameter (one key, or a comma-separated list)", async () => {
    const [a, b1, b2] = [newKey(), newKey(), newKey()];
    ssm.params.set("/mcp/key-a", a).set("/mcp/key-b", `${b1}, ${b2}`);
    const srv = await startTestServer(env, ssm.client());
    try {
      for (const k of [a, b1, b2]) expect(await statusWith(srv, k)).to.equal(200);
      expect(await statusWith(srv, newKey())).to.equal(401);
      expect(await health(srv)).to.include({ keys: "ready" });
    } finally {
      await srv.close();
    }
  });

  it("picks up a rotated key after the TTL, without a restart", async () => {
    const [oldKey, newer] = [newKey(), newKey()];
    ssm.params.set("/mcp/key-a", oldKey).set("/mcp/key-b", newKey());
    const srv = await startTestServer(env, ssm.client());
    try {
      expect(await statusWith(srv, oldKey)).to.equal(200);
      ssm.params.set("/mcp/key-a", newer);
      expect(await statusWith(srv, newer), "before the TTL the cached keys are used").to.equal(401);
      await sleep(1100);
      expect(await statusWith(srv, newer)).to.equal(200);
      expect(await statusWith(srv, oldKey), "the rotated-out key stops working").to.equal(401);
    } finally {
      await srv.close();
    }
  });

  it("keeps serving the last keys when SSM fails after a successful load, and logs a warning", async () => {
    const key = newKey();
    ssm.params.set("/mcp/key-a", key).set("/mcp/key-b", newKey());
    const warnings: string[] = [];
    const srv = await startTestServer(env, ssm.client());
    try {
      expect(await statusWith(srv, key)).to.equal(200);
      ssm.failing = true;
      await sleep(1100);
      const callsBefore = ssm.calls;
      expect(await statusWith(srv, key)).to.equal(200);
      expect(ssm.calls, "a refresh was attempted").to.be.greaterThan(callsBefore);
      expect(await health(srv), "/health reports that the keys are not current").to.include({ keys: "stale" });
      warnings.push(...logLines.filter((l) => l.includes("serving the last")));
      expect(warnings.length).to.be.greaterThan(0);
      expect(JSON.parse(warnings[0] ?? "{}")).to.include({ level: "warn" });
    } finally {
      await srv.close();
    }
  });

  it("fails closed before any successful load: 503 on /mcp, /health 200 with keys unavailable; recovers", async () => {
    const key = newKey();
    ssm.params.set("/mcp/key-a", key).set("/mcp/key-b", newKey());
    ssm.failing = true;
    const srv = await startTestServer(env, ssm.client());
    try {
      const res = await fetch(srv.url, { method: "POST", headers: mcpHeaders(key), body });
      expect(res.status).to.equal(503);
      expect(res.headers.get("retry-after")).to.match(/^\d+$/);
      const json = (await res.json()) as { error: { code: number; message: string } };
      expect(json.error).to.deep.equal({ code: -32000, message: "Service unavailable: API keys could not be loaded" });
      const h = await fetch(`${srv.base}/health`);
      expect(h.status).to.equal(200);
      expect(await h.json()).to.include({ status: "ok", keys: "unavailable" });

      ssm.failing = false;
      await sleep(1100);
      expect(await statusWith(srv, key)).to.equal(200);
      expect(await health(srv)).to.include({ keys: "ready" });
    } finally {
      await srv.close();
    }
  });

  it("treats an unknown parameter name as a failed load (fail closed), naming the parameter in the log", async () => {
    ssm.params.set("/mcp/key-a", newKey());
    const srv = await startTestServer(env, ssm.client());
    try {
      expect(await statusWith(srv, newKey())).to.equal(503);
      expect(logLines.some((l) => l.includes("SSM parameters not found: /mcp/key-b"))).to.equal(true);
    } finally {
      await srv.close();
    }
  });

  describe("hostile-input review: faults", () => {
    it("H1: serves the cached keys without delay while SSM hangs after the TTL, and /health says stale", async () => {
      const key = newKey();
      ssm.params.set("/mcp/key-a", key).set("/mcp/key-b", newKey());
      const srv = await startTestServer(env, ssm.client());
      try {
        expect(await statusWith(srv, key)).to.equal(200);
        ssm.hanging = true;
        await sleep(1100);
        const timed = await Promise.all(
          Array.from({ length: 10 }, async () => {
            const t0 = performance.now();
            const status = await statusWith(srv, key);
            return { status, ms: performance.now() - t0 };
          }),
        );
        expect(timed.map((r) => r.status)).to.deep.equal(Array(10).fill(200));
        expect(Math.max(...timed.map((r) => r.ms)), "no call waits for the hanging SSM").to.be.below(1000);
        expect(ssm.calls, "one refresh under way, not one per request").to.equal(2);
        await sleep(300);
        expect(await health(srv)).to.include({ status: "ok", keys: "stale" });
      } finally {
        await srv.close();
        ssm.release();
      }
    });

    it("H1: the server's own SSM client gives up on a hanging endpoint within a few seconds", async () => {
      ssm.hanging = true;
      const client = createSsmClient(ssm.clientConfig());
      const t0 = performance.now();
      const outcome = await client.send(new GetParametersCommand({ Names: ["/mcp/key-a"], WithDecryption: true })).then(
        () => "answered",
        (err: Error) => err.name,
      );
      const ms = performance.now() - t0;
      client.destroy();
      expect(outcome).to.equal("TimeoutError");
      expect(ms, "bounded: 2 attempts of 1.5 s plus back-off").to.be.below(4500);
      expect(ssm.calls).to.equal(2);
    });

    it("M1: an MCP_API_KEYS key works while the SSM source fails at start; SSM keys come once SSM answers", async () => {
      const [staticKey, ssmKey] = [newKey(), newKey()];
      ssm.params.set("/mcp/key-a", ssmKey).set("/mcp/key-b", newKey());
      ssm.failing = true;
      const srv = await startTestServer({ ...env, MCP_API_KEYS: staticKey }, ssm.client());
      try {
        expect(await statusWith(srv, staticKey)).to.equal(200);
        expect(await statusWith(srv, ssmKey), "the SSM source was never read: fail closed").to.equal(503);
        expect(await health(srv)).to.include({ keys: "stale" });
        ssm.failing = false;
        await sleep(1100);
        expect(await statusWith(srv, ssmKey)).to.equal(200);
        expect(await statusWith(srv, staticKey)).to.equal(200);
        expect(await statusWith(srv, newKey())).to.equal(401);
        expect(await health(srv)).to.include({ keys: "ready" });
      } finally {
        await srv.close();
      }
    });

    it("L3: a parameter set to blanks revokes its keys; a deleted parameter keeps the last keys with a warning", async () => {
      const [a, b] = [newKey(), newKey()];
      ssm.params.set("/mcp/key-a", a).set("/mcp/key-b", b);
      const srv = await startTestServer(env, ssm.client());
      try {
        expect([await statusWith(srv, a), await statusWith(srv, b)]).to.deep.equal([200, 200]);
        ssm.params.set("/mcp/key-b", " , ");
        await sleep(1100);
        expect([await statusWith(srv, a), await statusWith(srv, b)], "b revoked").to.deep.equal([200, 401]);
        ssm.params.delete("/mcp/key-a");
        await sleep(1100);
        expect(await statusWith(srv, a), "a deleted parameter is an outage, not a revocation").to.equal(200);
        await sleep(50); // a matching key is answered at once; the refresh it started finishes just after
        expect(logLines.some((l) => l.includes("SSM parameters not found: /mcp/key-a") && l.includes('"warn"'))).to.be
          .true;
      } finally {
        await srv.close();
      }
    });

    it("M3: a key shorter than 20 characters in SSM is refused, naming the source and not the key", async () => {
      const short = "short-ssm-key-123";
      ssm.params.set("/mcp/key-a", short).set("/mcp/key-b", newKey());
      const srv = await startTestServer(env, ssm.client());
      try {
        expect(await statusWith(srv, short)).to.equal(503);
        const line = logLines.find((l) => l.includes("holds a key shorter than 20 characters"));
        expect(line).to.include("SSM /mcp/key-a,/mcp/key-b");
        expect(
          logLines.some((l) => l.includes(short)),
          "the key is never logged",
        ).to.equal(false);
      } finally {
        await srv.close();
      }
    });
  });
});
