/** Keys from MCP_API_KEYS_<N> (one ECS secret each) all work, as one set, through the real server. */
import { expect } from "chai";
import { ConfigError } from "../../server/config.js";
import { newKey } from "../helpers/secrets.js";
import { INITIALIZE, mcpHeaders, startTestServer } from "../helpers/server.js";

describe("numbered key variables", () => {
  it("accepts a key from each of MCP_API_KEYS_1 and MCP_API_KEYS_2, and nothing else", async () => {
    const [a, b] = [newKey(), newKey()];
    const srv = await startTestServer({ MCP_API_KEYS_1: a, MCP_API_KEYS_2: b });
    try {
      const status = async (key: string) => {
        const res = await fetch(srv.url, {
          method: "POST",
          headers: mcpHeaders(key),
          body: JSON.stringify(INITIALIZE),
        });
        await res.arrayBuffer();
        return res.status;
      };
      expect([await status(a), await status(b), await status(newKey())]).to.deep.equal([200, 200, 401]);
      expect(srv.keyStore.size).to.equal(2);
    } finally {
      await srv.close();
    }
  });

  it("M3: refuses to start with a key shorter than 20 characters, naming the variable, never the key", async () => {
    const short = "only-19-characters!";
    expect(short).to.have.length(19);
    const err = await startTestServer({ MCP_API_KEYS_1: newKey(), MCP_API_KEYS_2: `${newKey()},${short}` }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).to.include("MCP_API_KEYS_2 holds a key shorter than 20 characters (key 2 of 2)");
    expect(message).not.to.include(short);
    expect(message).not.to.include("MCP_API_KEYS_1 ");
    const ok = await startTestServer({ MCP_API_KEYS: "a".repeat(20) });
    await ok.close();
  });
});
