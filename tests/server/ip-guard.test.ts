/**
 * The per-IP guard's address table cannot be used to escape it: IPv6 clients are grouped by /56, and once the table is
 * full every new address shares one bucket (review of the hostile-input fixes: a fresh IPv6 address per request used
 * to fill the table and then pass uncounted).
 */
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import express from "express";
import { pino } from "pino";
import { unauthenticatedIpGuard } from "../../server/http/rate-limit.js";
import { ApiKeyStore } from "../../server/keys/key-store.js";
import { staticKeySource } from "../../server/keys/sources.js";
import { logLines, newKey } from "../helpers/secrets.js";

const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line.trimEnd()) });

describe("per-IP guard: address table", () => {
  let base: string;
  let close: () => void;
  before(async () => {
    const keyStore = new ApiKeyStore({
      sources: [staticKeySource("MCP_API_KEYS", [newKey()])],
      ttlMs: 60_000,
      retryMs: 60_000,
      logger,
    });
    const app = express();
    app.set("trust proxy", 1);
    app.use(
      unauthenticatedIpGuard({
        limits: { requestsPerSecond: 20, burst: 40, ipRequestsPerMinute: 2 },
        keyStore,
        logger,
        tableMax: 2,
      }),
    );
    app.use((_req, res) => {
      res.status(401).json({ refused: "no key" });
    });
    const server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  after(() => close());

  const from = (ip: string) => fetch(`${base}/mcp`, { method: "POST", headers: { "x-forwarded-for": ip } });

  it("groups IPv6 clients by /56: fresh addresses in one prefix meet one limit", async () => {
    const statuses = [];
    for (const suffix of ["1", "2", "3", "4"]) statuses.push((await from(`2001:db8:0:ab00::${suffix}`)).status);
    expect(statuses).to.deep.equal([401, 401, 429, 429]);
  });

  it("once the table is full, new addresses share one bucket instead of passing uncounted", async () => {
    expect((await from("198.51.100.1")).status).to.equal(401); // fills the table (2 entries with the /56 above)
    const statuses = [];
    for (let i = 2; i <= 6; i++) statuses.push((await from(`198.51.100.${i}`)).status);
    expect(statuses).to.deep.equal([401, 401, 429, 429, 429]);
  });
});
