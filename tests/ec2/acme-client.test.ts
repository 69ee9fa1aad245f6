/**
 * The ACME client's identifier type: an IP literal (node:net isIP) gets an RFC 8738 `ip` identifier and the
 * `shortlived` profile; anything else, `999.1.1.1` included, a `dns` identifier.
 */
import { expect } from "chai";
import { isIpAddress } from "../../components/ec2/acme-client.js";
import { hostFiles } from "../../components/ec2/host-files.js";
import { SAMPLE_HOST_OPTIONS } from "../helpers/ec2-sample.js";

/** What the host's certificate client (as production renders it for `host`) puts in its newOrder. */
function order(host: string): { identifierType?: string; profile?: string | null } {
  const script = hostFiles({ ...SAMPLE_HOST_OPTIONS, host }).find((f) => f.path === "/usr/local/bin/mcp-anywhere-cert");
  const json = /^CONFIG = json\.loads\((".*")\)$/m.exec(script?.content ?? "")?.[1];
  return JSON.parse(JSON.parse(json ?? '"{}"')) as { identifierType?: string; profile?: string | null };
}

describe("EC2 ACME client: identifier type", () => {
  it("accepts IPv4 and IPv6 literals", () => {
    for (const ip of [
      "54.250.10.20",
      "127.0.0.1",
      "0.0.0.0",
      "255.255.255.255",
      "2001:db8::1",
      "::1",
      "::ffff:1.2.3.4",
    ])
      expect(isIpAddress(ip), ip).to.equal(true);
  });

  it("rejects what only looks like an address: octets over 255, short quads, hex words, names", () => {
    for (const host of ["999.1.1.1", "256.0.0.1", "1.2.3", "1.2.3.4.5", "1.2.3.04x", "cafe", "dead:beef", "a.example"])
      expect(isIpAddress(host), host).to.equal(false);
  });

  it("orders an `ip` identifier (profile shortlived) for an address and a `dns` one for anything else", () => {
    expect(order("54.250.10.20")).to.include({ identifierType: "ip", profile: "shortlived" });
    expect(order("999.1.1.1")).to.include({ identifierType: "dns", profile: null });
    expect(order("mcp.example.com")).to.include({ identifierType: "dns", profile: null });
  });
});
