/**
 * Regressions for the hostile-input review (../shared/reviews/hostile-input.md) that need raw HTTP: a declared
 * oversized body (L2), two Host headers (I1), and the size of log lines fed by attacker-controlled fields (L1).
 */
import { connect } from "node:net";
import { expect } from "chai";
import { logLines, newKey } from "../helpers/secrets.js";
import { INITIALIZE, startTestServer, type TestServer } from "../helpers/server.js";

const KEY = newKey();

interface RawAnswer {
  /** Everything the server sent. */
  text: string;
  /** ms from the first byte sent until the server closed the connection (or the wait ended). */
  ms: number;
  /** The server closed the connection within the wait. */
  closed: boolean;
}

/** Sends `head` (and `body`, if any) on a raw socket and waits up to `waitMs` for the server to close it. */
function raw(srv: TestServer, head: string, body = "", waitMs = 3000): Promise<RawAnswer> {
  const { port } = new URL(srv.base);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let text = "";
    const socket = connect(Number(port), "127.0.0.1", () => socket.write(head + body));
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, ms: performance.now() - t0, closed });
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on("data", (c: Buffer) => {
      text += c.toString("latin1");
    });
    socket.on("end", () => done(true));
    socket.on("close", () => done(true));
    socket.on("error", (err) => (text ? done(true) : reject(err)));
  });
}

function bodyOf(text: string): { error?: { code: number; message: string } } {
  return JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) as { error?: { code: number; message: string } };
}

describe("hostile input over raw HTTP", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ MCP_API_KEYS: KEY, MCP_MAX_BODY_BYTES: "65536", MCP_ALLOWED_HOSTS: "localhost" });
  });
  after(() => srv.close());

  it("L2: answers a declared 10 GB body with 413 at once and closes the connection, reading none of it", async () => {
    const head =
      "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
      "Accept: application/json, text/event-stream\r\n" +
      `x-api-key: ${KEY}\r\nContent-Length: 10000000000\r\n\r\n`;
    const answer = await raw(srv, head, '{"jsonrpc":');
    expect(answer.text).to.match(/^HTTP\/1\.1 413 /);
    expect(answer.text).to.match(/\r\nconnection: close\r\n/i);
    expect(bodyOf(answer.text).error).to.deep.include({ code: -32000 });
    expect(answer.closed, "the server closed the connection").to.equal(true);
    expect(answer.ms).to.be.below(1000);
  });

  it("L2: does the same for a request without a key (no body is read before the key check either)", async () => {
    const head =
      "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n";
    const answer = await raw(srv, head);
    expect(answer.text).to.match(/^HTTP\/1\.1 413 /);
    expect(answer.closed).to.equal(true);
    expect(answer.ms).to.be.below(1000);
  });

  it("I1: rejects two Host headers with 400 and a JSON-RPC body, even when the first is allowed", async () => {
    const body = JSON.stringify(INITIALIZE);
    const head =
      "POST /mcp HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\nContent-Type: application/json\r\n" +
      `Accept: application/json, text/event-stream\r\nx-api-key: ${KEY}\r\nContent-Length: ${body.length}\r\n\r\n`;
    const answer = await raw(srv, head, body);
    expect(answer.text).to.match(/^HTTP\/1\.1 400 /);
    expect(bodyOf(answer.text).error).to.deep.equal({
      code: -32600,
      message: "Bad Request: more than one Host header",
    });
    const health = await raw(srv, "GET /health HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\n\r\n");
    expect(health.text).to.match(/^HTTP\/1\.1 400 /);
  });

  it("L1: caps every attacker-controlled field of a request line, so a 12 KB path writes a short line", async () => {
    const path = `/${"A".repeat(12_000)}`;
    const before = logLines.length;
    const answer = await raw(srv, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    expect(answer.text).to.match(/^HTTP\/1\.1 404 /);
    const line = logLines.slice(before).find((l) => l.includes('"msg":"request"') && l.includes("AAAA"));
    if (!line) throw new Error("no request line");
    expect(Buffer.byteLength(line)).to.be.below(1024);
    expect((JSON.parse(line) as { path: string }).path).to.have.length(256);
  });
});
