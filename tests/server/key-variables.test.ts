/** Keys from MCP_API_KEYS_<N> (one ECS secret each) all work, as one set, through the real server. */
import { expect } from "chai";
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
});
