/**
 * The SSM key source end to end: real @aws-sdk/client-ssm against a local SSM JSON endpoint, through the real server.
 * TTL 1 s, so rotation and outages are seen quickly.
 */
import { expect } from "chai";
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
      expect(await health(srv)).to.include({ keys: "ready" });
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
});
