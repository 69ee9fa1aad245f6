/** `npm run verify`: passes a good endpoint, fails a bad one with the right check named, never prints the key. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { TLS_WARN_HOURS_LEFT, tlsCertificateCheck, tlsCheck } from "../../stacks/cli/verify.js";
import { verifyCommand } from "../../stacks/cli/verify-cli.js";
import { requireProgram } from "../helpers/programs.js";
import { newKey } from "../helpers/secrets.js";
import { startTestServer } from "../helpers/server.js";
import { selfSignedCertificate } from "../helpers/tls.js";

async function verifyOut(args: string[]) {
  let out = "";
  const code = await verifyCommand(args, (t) => {
    out += t;
  });
  return { code, out };
}

describe("npm run verify", function () {
  this.timeout(60_000);

  it("passes every check against the local server in both eras, rate included, without printing the key", async () => {
    const key = newKey();
    const srv = await startTestServer({ MCP_API_KEYS: key });
    try {
      const { code, out } = await verifyOut(["--url", srv.url, "--api-key", key, "--rate"]);
      expect(code, out).to.equal(0);
      for (const name of [
        "tls",
        "health",
        "mcp session 2026-07-28 (server/discover, tools/list, tools/call echo): protocol 2026-07-28",
        "mcp session 2025-era (initialize, tools/list, tools/call echo): protocol 2025-11-25",
        "protocol era: speaks 2026-07-28 and the 2025 era",
        "no key -> 401",
        "wrong key -> 401",
        "foreign Origin -> 403",
        "oversized body -> 413",
        "burst -> 429 with Retry-After",
        "latency",
      ]) {
        expect(out).to.match(new RegExp(`^PASS ${name.replace(/[()]/g, "\\$&")}`, "m"));
      }
      expect(out).to.include("summary: every check passes (11)");
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
      const sessions = report.results.filter((r) => r.name.startsWith("mcp session"));
      expect(sessions.map((r) => r.status)).to.deep.equal(["fail", "fail"]);
      expect(report.results.find((r) => r.name === "protocol era")?.status).to.equal("fail");
      expect(out).not.to.include(wrong);
    } finally {
      await srv.close();
    }
  });

  it("reports a 2025-only endpoint (an SDK v1 stateless server) as speaking the 2025 era only (warn)", async () => {
    const { McpServer } = await import("@modelcontextprotocol/sdk/server/mcp.js");
    const { StreamableHTTPServerTransport } = await import("@modelcontextprotocol/sdk/server/streamableHttp.js");
    const { z } = await import("zod");
    const old = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", async () => {
        const server = new McpServer({ name: "v1", version: "1.0.0" });
        server.registerTool("echo", { inputSchema: { text: z.string() } }, ({ text }) => ({
          content: [{ type: "text", text }],
          structuredContent: { text },
        }));
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
        await server.connect(transport);
        await transport.handleRequest(req, res, body ? JSON.parse(body) : undefined);
      });
    });
    await new Promise<void>((r) => old.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(old.address() as AddressInfo).port}/mcp`;
      const { out } = await verifyOut(["--url", url, "--api-key", newKey()]);
      expect(out).to.match(/^FAIL mcp session 2026-07-28/m);
      expect(out).to.match(/^PASS mcp session 2025-era .*protocol 2025-11-25/m);
      expect(out).to.match(/^WARN protocol era: speaks the 2025 era only/m);
    } finally {
      old.closeAllConnections();
      old.close();
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

  describe("tls check against a real TLS server (what EC2 serves before and after Let's Encrypt)", () => {
    let dir: string;
    /** An https server on 127.0.0.1 with a self-signed certificate (openssl) valid for `days`. */
    async function httpsServer(days: number) {
      const [key, cert] = [join(dir, `key-${days}.pem`), join(dir, `cert-${days}.pem`)];
      selfSignedCertificate({
        keyPath: key,
        certPath: cert,
        commonName: "127.0.0.1",
        subjectAltName: "IP:127.0.0.1",
        days,
      });
      const srv = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
      });
      await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
      return {
        url: `https://127.0.0.1:${(srv.address() as AddressInfo).port}/mcp`,
        pem: readFileSync(cert, "utf8"),
        srv,
      };
    }
    before(function () {
      requireProgram(this, "openssl");
      dir = mkdtempSync(join(tmpdir(), "mcp-verify-tls-"));
    });
    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("fails a self-signed certificate, says what is happening and what to do, and the command exits 1", async () => {
      const { url, srv } = await httpsServer(30);
      try {
        const { code, out } = await verifyOut(["--url", url, "--api-key", newKey()]);
        expect(code).to.equal(1);
        const line = out.split("\n").find((l) => l.includes(" tls")) ?? "";
        expect(line).to.match(
          /^FAIL tls: the server's certificate is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT; IP Address:127\.0\.0\.1\)/,
        );
        expect(line).to.include("MCP clients refuse to connect");
        expect(line).to.include("port 80 reachable from the whole internet");
        expect(line).to.include("/etc/mcp-anywhere/tls/status");
        // A stack output that exists: stacks/index.ts exports `tlsStatus` at the top level (and no `details`).
        expect(line).to.include("`pulumi stack output tlsStatus`");
        const index = readFileSync(new URL("../../stacks/index.ts", import.meta.url), "utf8");
        expect(index).to.match(/^export const tlsStatus = /m);
        expect(index).not.to.match(/^export const details\b/m);
      } finally {
        srv.close();
      }
    });

    it("passes a trusted certificate with its expiry, and warns when fewer than 48 h are left", async () => {
      const long = await httpsServer(30);
      const short = await httpsServer(1);
      try {
        const ok = await tlsCertificateCheck(long.url, long.pem);
        expect(ok.status, ok.detail).to.equal("pass");
        expect(ok.detail).to.match(/^https, trusted certificate \(IP Address:127\.0\.0\.1\), expires 20\d\d-/);
        expect(TLS_WARN_HOURS_LEFT).to.equal(48);
        const soon = await tlsCertificateCheck(short.url, short.pem);
        expect(soon.status, soon.detail).to.equal("warn");
        expect(soon.detail).to.match(/in 2[34] h: renewal is failing$/);
      } finally {
        long.srv.close();
        short.srv.close();
      }
    });

    it("fails when nothing answers TLS", async () => {
      const plain = createServer((_req, res) => res.end("not tls"));
      await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
      try {
        const r = await tlsCertificateCheck(`https://127.0.0.1:${(plain.address() as AddressInfo).port}/mcp`);
        expect(r.status).to.equal("fail");
        expect(r.detail).to.match(/^TLS handshake with 127\.0\.0\.1:\d+ failed/);
      } finally {
        plain.close();
      }
    });
  });
});
