/** The key store's refresh rules with hand-made sources: bounded loads and independent sources (review H1, M1). */
import { expect } from "chai";
import { pino } from "pino";
import { ApiKeyStore } from "../../server/keys/key-store.js";
import { type KeySource, staticKeySource } from "../../server/keys/sources.js";
import { logLines, newKey } from "../helpers/secrets.js";

/** Lines go to the suite's log capture, which the root hook checks for keys. */
const silent = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line.trimEnd()) });

/** A dynamic source whose next load never settles while `hang` is true. */
function switchable(keys: string[]): KeySource & { hang: boolean; loads: number } {
  const source = {
    description: "test source",
    dynamic: true,
    hang: false,
    loads: 0,
    load: () => {
      source.loads++;
      return source.hang ? new Promise<string[]>(() => {}) : Promise.resolve([...keys]);
    },
  };
  return source;
}

describe("ApiKeyStore", () => {
  it("gives up on a source whose load never settles after the refresh timeout, and serves the other sources", async () => {
    const [fixed, dynamicKey] = [newKey(), newKey()];
    const hanging = switchable([dynamicKey]);
    hanging.hang = true;
    const store = new ApiKeyStore({
      sources: [staticKeySource("MCP_API_KEYS", [fixed]), hanging],
      ttlMs: 60_000,
      retryMs: 60_000,
      logger: silent,
      refreshTimeoutMs: 200,
    });
    const t0 = performance.now();
    expect(await store.check(fixed)).to.include({ status: "valid" });
    expect(await store.check(dynamicKey), "never read: fail closed").to.deep.equal({ status: "unavailable" });
    expect(performance.now() - t0, "bounded by the refresh timeout").to.be.below(600);
    expect(store.state).to.equal("stale");
  });

  it("answers from the cached keys while a refresh after the TTL hangs, with one load under way", async () => {
    let now = 1_000_000;
    const key = newKey();
    const source = switchable([key]);
    const store = new ApiKeyStore({ sources: [source], ttlMs: 1000, retryMs: 1000, logger: silent, now: () => now });
    expect(await store.check(key)).to.include({ status: "valid" });
    expect(store.state).to.equal("ready");
    source.hang = true;
    now += 1500;
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: 5 }, () => store.check(key)));
    expect(results.every((r) => r.status === "valid")).to.equal(true);
    expect(performance.now() - t0).to.be.below(500);
    expect(source.loads, "single-flight").to.equal(2);
    now += 300;
    expect(store.state, "a refresh older than the wait").to.equal("stale");
  });
});
