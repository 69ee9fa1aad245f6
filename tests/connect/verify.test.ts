/** `npm run verify`: passes a good endpoint, fails a bad one with the right check named, never prints the key. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { tlsCheck } from "../../stacks/cli/verify.js";
import { verifyCommand } from "../../stacks/cli/verify-cli.js";
import { newKey } from "../helpers/secrets.js";
import { startTestServer } from "../helpers/server.js";

async function verifyOut(args: string[]) {
  let out = "";
  const code = await verifyCommand(args, (t) => {
    out += t;
  });
  return { code, out };
}

describe("npm run verify", function () {
  this.timeout(60_000);

  it("passes every check against the local server, rate included, without printing the key", async () => {
    const key = newKey();
    const srv = await startTestServer({ MCP_API_KEYS: key });
    try {
      const { code, out } = await verifyOut(["--url", srv.url, "--api-key", key, "--rate"]);
      expect(code, out).to.equal(0);
      for (const name of [
        "tls",
        "health",
        "mcp session",
        "no key -> 401",
        "wrong key -> 401",
        "foreign Origin -> 403",
        "oversized body -> 413",
        "burst -> 429 with Retry-After",
        "latency",
      ]) {
        expect(out).to.match(new RegExp(`^PASS ${name.replace(/[()]/g, "\\$&")}`, "m"));
      }
      expect(out).to.include("summary: every check passes (9)");
      expect(out).not.to.include(key);
    } finally {
      await srv.close();
    }
  });

  it("fails with the mcp session check named when the key is wrong", async () => {
    const srv = await startTestServer({ MCP_API_KEYS: newKey() });
    try {
      const wrong = newKey();
      const { code, out } = await verifyOut(["--url", srv.url, "--api-key", wrong, "--json"]);
      expect(code).to.equal(1);
      const report = JSON.parse(out) as { ok: boolean; results: { name: string; status: string }[] };
      expect(report.ok).to.equal(false);
      expect(report.results.find((r) => r.name.startsWith("mcp session"))?.status).to.equal("fail");
      expect(out).not.to.include(wrong);
    } finally {
      await srv.close();
    }
  });

  it("fails the auth checks against a server whose auth is misconfigured (it lets everything in)", async () => {
    const open = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
    });
    await new Promise<void>((r) => open.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(open.address() as AddressInfo).port}/mcp`;
      const { code, out } = await verifyOut(["--url", url, "--api-key", newKey()]);
      expect(code).to.equal(1);
      expect(out).to.match(/^FAIL no key -> 401: got 200$/m);
      expect(out).to.match(/^FAIL wrong key -> 401: got 200$/m);
    } finally {
      open.close();
    }
  });

  it("warns about plain http except on loopback (decided from the URL, no request sent)", () => {
    expect(tlsCheck("http://192.0.2.1/mcp").status).to.equal("warn");
    expect(tlsCheck("http://127.0.0.1:8080/mcp").status).to.equal("pass");
    expect(tlsCheck("https://d1.cloudfront.net/mcp").status).to.equal("pass");
  });
});
