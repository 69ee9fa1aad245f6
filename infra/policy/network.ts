/** Policy: no SSH (port 22) from a /0 CIDR, on inline security group rules or separate ingress rule resources. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, asNumber, asRecord, reveal, TYPES } from "./lib.js";

const EC2_13 = "https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-13";

/** True for a CIDR with prefix length 0 (`0.0.0.0/0`, `::/0`, or any other address with `/0`): the whole internet. */
export function isWorldCidr(cidr: unknown): boolean {
  const c = reveal(cidr);
  return typeof c === "string" && /\/0$/.test(c.trim());
}

/**
 * True when a rule with this protocol and port range lets TCP port `port` through. Protocol `-1`/`all` means every
 * protocol and port; `tcp`/`6` uses the range (EC2 treats from/to -1 with protocol -1 as all ports).
 */
export function coversPort(protocol: unknown, fromPort: unknown, toPort: unknown, port: number): boolean {
  const p = String(reveal(protocol) ?? "").toLowerCase();
  if (p === "-1" || p === "all") return true;
  if (p !== "tcp" && p !== "6") return false;
  const from = asNumber(fromPort);
  const to = asNumber(toPort) ?? from;
  if (from === undefined || to === undefined) return true; // no range given: treat as all ports
  return from <= port && port <= to;
}

/**
 * `no-ssh-from-internet`: no ingress on TCP 22 from a /0 CIDR (IPv4 or IPv6), in
 * `aws:ec2/securityGroup:SecurityGroup` inline `ingress`, `aws:ec2/securityGroupRule:SecurityGroupRule` (type ingress)
 * and `aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule`. Source: AWS Security Hub EC2.13, "Security groups
 * should not allow ingress from 0.0.0.0/0 or ::/0 to port 22" (EC2_13 above).
 */
export const noSshFromInternet: ResourceValidationPolicy = {
  name: "no-ssh-from-internet",
  description: `No security group ingress to TCP port 22 from a /0 CIDR such as 0.0.0.0/0 or ::/0 (Security Hub EC2.13, ${EC2_13}).`,
  validateResource: (args, report) => {
    const bad = (where: string, cidr: unknown) =>
      report(`${args.type} ${args.name}: ${where} opens port 22 to ${String(reveal(cidr))} (${EC2_13})`);
    const p = args.props;
    switch (args.type) {
      case TYPES.securityGroup:
        asArray(p.ingress).forEach((r, i) => {
          const rule = asRecord(r) ?? {};
          if (!coversPort(rule.protocol, rule.fromPort, rule.toPort, 22)) return;
          for (const c of [...asArray(rule.cidrBlocks), ...asArray(rule.ipv6CidrBlocks)])
            if (isWorldCidr(c)) bad(`ingress[${i}]`, c);
        });
        return;
      case TYPES.securityGroupRule:
        if (reveal(p.type) !== "ingress" || !coversPort(p.protocol, p.fromPort, p.toPort, 22)) return;
        for (const c of [...asArray(p.cidrBlocks), ...asArray(p.ipv6CidrBlocks)])
          if (isWorldCidr(c)) bad("the rule", c);
        return;
      case TYPES.securityGroupIngressRule:
        if (!coversPort(p.ipProtocol, p.fromPort, p.toPort, 22)) return;
        for (const c of [p.cidrIpv4, p.cidrIpv6]) if (isWorldCidr(c)) bad("the rule", c);
        return;
      default:
        return;
    }
  },
};
