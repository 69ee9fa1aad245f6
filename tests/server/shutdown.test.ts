/** Graceful shutdown: close() stops new connections but lets an in-flight request finish. */
import { request } from "node:http";
import { expect } from "chai";
import { newKey } from "../helpers/secrets.js";
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
});
