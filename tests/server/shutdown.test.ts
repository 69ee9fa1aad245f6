/** Graceful shutdown: close() stops new connections but lets an in-flight request finish. */
import { request } from "node:http";
import { expect } from "chai";
import { logLines, newKey } from "../helpers/secrets.js";
import { INITIALIZE, mcpHeaders, startTestServer } from "../helpers/server.js";

describe("graceful shutdown", () => {
  it("finishes an in-flight request after close() starts, then refuses new connections", async () => {
    const key = newKey();
    const srv = await startTestServer({ MCP_API_KEYS: key, MCP_SHUTDOWN_GRACE_MS: "5000" });
    const body = JSON.stringify(INITIALIZE);
    const half = Math.floor(body.length / 2);
    const url = new URL(srv.url);

    // Send half the body, start shutting down, then send the rest: the request is in flight throughout.
    const inFlight = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: mcpHeaders(key) },
        (res) => {
          let text = "";
          res.on("data", (c: Buffer) => {
            text += c.toString();
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on("error", reject);
      req.write(body.slice(0, half));
      setTimeout(() => {
        closed = srv.close();
        setTimeout(() => req.end(body.slice(half)), 100);
      }, 100);
    });
    let closed: Promise<void> | undefined;

    const done = await inFlight;
    expect(done.status).to.equal(200);
    expect(done.text).to.include('"serverInfo"');
    await closed;
    const refused = await fetch(`${srv.base}/health`).then(
      () => "answered",
      () => "refused",
    );
    expect(refused).to.equal("refused");
  });

  /** Starts a POST with half its body; `finish()` sends the rest. Resolves with the status, or "cut". */
  function halfSent(url: URL, key: string, extra: Record<string, string> = {}) {
    const body = JSON.stringify(INITIALIZE);
    const half = Math.floor(body.length / 2);
    let finish = () => {};
    const answered = new Promise<number | "cut">((resolve) => {
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: mcpHeaders(key, extra) },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
          res.on("error", () => resolve("cut"));
        },
      );
      req.on("error", () => resolve("cut"));
      req.write(body.slice(0, half));
      finish = () => req.end(body.slice(half));
    });
    return { answered, finish: () => finish() };
  }

  it("L4: in SSE mode, stops as soon as the only in-flight request is done, not at the end of the grace", async () => {
    const key = newKey();
    const srv = await startTestServer({ MCP_API_KEYS: key, MCP_SHUTDOWN_GRACE_MS: "5000", MCP_JSON_RESPONSE: "false" });
    const inFlight = halfSent(new URL(srv.url), key);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    const closed = srv.close();
    setTimeout(inFlight.finish, 200);
    expect(await inFlight.answered).to.equal(200);
    await closed;
    expect(performance.now() - t0, "well before the 5 s grace").to.be.below(1500);
  });

  it("L4: logs the request cut at the deadline (aborted) before close() resolves", async () => {
    const key = newKey();
    const srv = await startTestServer({ MCP_API_KEYS: key, MCP_SHUTDOWN_GRACE_MS: "300" });
    const inFlight = halfSent(new URL(srv.url), key, { "x-request-id": "cut-at-the-deadline" });
    await new Promise((r) => setTimeout(r, 100));
    await srv.close();
    const line = logLines.find((l) => l.includes('"reqId":"cut-at-the-deadline"'));
    expect(line, "the cut request has its line").not.to.equal(undefined);
    expect(JSON.parse(line ?? "{}")).to.include({ aborted: true, path: "/mcp" });
    expect(logLines.some((l) => l.includes("shutdown grace over"))).to.equal(true);
    expect(await inFlight.answered).to.equal("cut");
  });
});
