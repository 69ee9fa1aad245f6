/** Key redaction in upstream output (server/upstream/redact.ts), by digest lookup of candidate tokens. */
import { expect } from "chai";
import { digestKey, findDigest } from "../../../server/keys/digest.js";
import { REDACTED, redactKeys, UPSTREAM_LINE_MAX } from "../../../server/upstream/redact.js";

const HEX = "0123456789abcdef0123456789abcdef";
const B64 = "c2VjcmV0LWtleS1ieXRlcy0xMjM0NQ==";
const digests = [digestKey(HEX), digestKey(B64)];
const isKey = (c: string) => findDigest(c, digests) !== undefined;

describe("redactKeys", () => {
  const cases: [string, string][] = [
    [`key ${HEX} end`, `key ${REDACTED} end`],
    [`"x-api-key":"${HEX}"`, `"x-api-key":"${REDACTED}"`],
    [`x-api-key: ${HEX}`, `x-api-key: ${REDACTED}`],
    [`?key=${HEX}&a=1`, `?key=${REDACTED}&a=1`],
    [`token=${B64}`, `token=${REDACTED}`],
    [`Bearer ${B64}.`, `Bearer ${B64}.`], // glued to a character that is not a separator: not recognised (documented)
    [`no key ${HEX.slice(1)} here`, `no key ${HEX.slice(1)} here`],
  ];
  for (const [input, output] of cases) {
    it(`redacts ${JSON.stringify(input.slice(0, 24))}…`, () => expect(redactKeys(input, isKey)).to.equal(output));
  }

  it("caps long lines", () => {
    const out = redactKeys("x".repeat(UPSTREAM_LINE_MAX + 50), isKey);
    expect(out).to.have.length(UPSTREAM_LINE_MAX + 1);
    expect(out.endsWith("…")).to.equal(true);
  });
});
