/** Root hooks: after the whole suite, no log line printed by any server may contain a key. */
import { expect } from "chai";
import { logLines, secrets } from "./secrets.js";

export const mochaHooks = {
  afterAll() {
    if (secrets.size > 0)
      expect(logLines.length, "keys were used, so server logs should have been captured").to.be.greaterThan(0);
    for (const line of logLines) {
      for (const secret of secrets) {
        expect(line.includes(secret), `a log line contains a key: ${line.slice(0, 200)}`).to.equal(false);
      }
    }
  },
};
