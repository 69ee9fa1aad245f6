/**
 * The dockerhost firewall (components/dockerhost/prepare.ts, renderFirewall) in the real kernel: the exact rule set
 * text is loaded with the real `nft` into a "host" network namespace that routes for a Docker-like bridge network, and
 * real TCP connections show what it drops and what it lets through (finding R2-M2 in
 * shared/reviews/deploy-review-round2.md: the first rule set also dropped the containers' outbound HTTPS).
 *
 * Topology (every namespace and veth is made here, with a random suffix, and removed in `after`; addresses are the
 * benchmark range 198.18.0.0/15 and the documentation/ULA IPv6 ranges, which exist only inside these namespaces):
 * ```
 *  allowed client  198.18.1.2  2001:db8:1::2 --veth--+
 *  other client    198.18.2.2  2001:db8:2::2 --veth--+-- host: forwarding on; the firewall; Docker-like NAT:
 *                                                    |     198.19.0.1 / 2001:db8:ff::1 :443 -> container :8443
 *  "internet"      198.18.3.2 (default gateway) -veth+     (the published port), masquerade out of the bridge;
 *    server on 198.19.100.1 / 2001:db8:100::1 :443   |     listeners on :443 and :80 (nginx with host networking)
 *  container 172.18.0.2 fd00:18::2 --veth-- bridge --+   172.18.0.1 / fd00:18::1 (a Docker bridge network)
 * ```
 * Clients are tiny Node scripts run with `ip netns exec`; each connection waits at most 1.5 s, so a dropped SYN shows
 * as a timeout and a closed port as ECONNREFUSED. Every listener answers with its name, so a reply also says which
 * server (the host's own, or the container behind the published port) was reached.
 *
 * Needs root (namespaces, veths, nftables): as another user it skips with a line, even under CI=true, since that is a
 * privilege, not a program (as tests/dockerhost/ssh-host.test.ts). Needs `nft` and `ip`: skips with a line when
 * missing, fails under CI=true (tests/helpers/programs.ts).
 */
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { FIREWALL_TABLE, renderFirewall } from "../../components/dockerhost/prepare.js";
import { installHint, requireProgram, skipUnless } from "../helpers/programs.js";

/** The rule set as first shipped (before R2-M2): it matched every packet with dport 443, routed ones included. */
function firstFirewall(allowedCidrs: string[]): string {
  return [
    `table inet ${FIREWALL_TABLE} {`,
    "  set allowed4 {",
    "    type ipv4_addr",
    "    flags interval",
    `    elements = { ${allowedCidrs.join(", ")} }`,
    "  }",
    "  chain prerouting {",
    "    type filter hook prerouting priority -150; policy accept;",
    "    tcp dport 443 ip saddr != @allowed4 drop",
    "    meta nfproto ipv6 tcp dport 443 drop",
    "  }",
    "}",
    "",
  ].join("\n");
}

/** What a connection ended with: the listener's name, "timeout" (dropped), or the error code. */
type Outcome = string;

const SERVER = `
const [name, ...binds] = process.argv.slice(1);
const net = require("node:net");
let left = binds.length;
for (const b of binds) {
  const i = b.lastIndexOf(":");
  const host = b.slice(0, i).replace(/^\\[|\\]$/g, "");
  net.createServer((s) => { s.on("error", () => {}); s.end(name); })
    .listen({ port: Number(b.slice(i + 1)), host, ipv6Only: host.includes(":") }, () => { if (--left === 0) console.log("listening"); });
}`;

const CLIENT = `
const [host, port] = process.argv.slice(1);
const s = require("node:net").connect({ host, port: Number(port), timeout: 1500 });
let got = "";
const done = (r) => { console.log(r); process.exit(0); };
s.on("data", (d) => { got += d; });
s.on("end", () => done(got || "empty"));
s.on("timeout", () => done(got || "timeout"));
s.on("error", (e) => done(e.code ?? e.message));`;

describe("the dockerhost firewall in network namespaces: only traffic addressed to the host is filtered", function () {
  this.timeout(120_000);
  const suffix = randomBytes(3).toString("hex");
  const ns = {
    host: `mcpfw-h-${suffix}`,
    allowed: `mcpfw-a-${suffix}`,
    other: `mcpfw-o-${suffix}`,
    internet: `mcpfw-i-${suffix}`,
    container: `mcpfw-c-${suffix}`,
  };
  const made: string[] = [];
  const servers: ChildProcess[] = [];
  let scratch = "";
  const ALLOWED = ["198.18.1.0/24", "192.0.2.0/24"];
  const PUBLIC4 = "198.19.0.1";
  const PUBLIC6 = "2001:db8:ff::1";
  const INTERNET4 = "198.19.100.1";
  const INTERNET6 = "2001:db8:100::1";

  /** Runs a program (no shell), throwing with its output when it fails. */
  const run = (cmd: string, ...args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 20_000 });
    if (r.status !== 0)
      throw new Error(`${cmd} ${args.join(" ")}: exit ${r.status ?? r.signal}\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const ip = (n: string, ...args: string[]) => run("ip", "-n", n, ...args);
  const inNs = (n: string, ...cmd: string[]) => run("ip", "netns", "exec", n, ...cmd);

  /** A veth pair `a` (in namespace `na`) to `b` (in `nb`), both up. */
  const veth = (na: string, a: string, nb: string, b: string) => {
    ip(na, "link", "add", a, "type", "veth", "peer", "name", b, "netns", nb);
    ip(na, "link", "set", a, "up");
    ip(nb, "link", "set", b, "up");
  };
  /** Addresses without duplicate address detection, so IPv6 works at once. */
  const addr = (n: string, dev: string, ...cidrs: string[]) => {
    for (const c of cidrs) ip(n, "addr", "add", c, "dev", dev, ...(c.includes(":") ? ["nodad"] : []));
  };
  const defaults = (n: string, via4: string, via6: string) => {
    ip(n, "route", "add", "default", "via", via4);
    ip(n, "-6", "route", "add", "default", "via", via6);
  };

  /** Starts a listener process in a namespace that answers `name` on each `addr:port`; resolves once it listens. */
  const listen = (n: string, name: string, ...binds: string[]) =>
    new Promise<void>((resolve, reject) => {
      const p = spawn("ip", ["netns", "exec", n, process.execPath, "-e", SERVER, name, ...binds], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      servers.push(p);
      let err = "";
      p.stderr?.on("data", (d) => {
        err += d;
      });
      p.stdout?.on("data", (d) => {
        if (String(d).includes("listening")) resolve();
      });
      p.on("exit", (code) => reject(new Error(`listener ${name} in ${n} exited ${code}: ${err}`)));
    });

  /** One TCP connection from a namespace. */
  const connect = (n: string, host: string, port: number) =>
    new Promise<Outcome>((resolve, reject) => {
      execFile(
        "ip",
        ["netns", "exec", n, process.execPath, "-e", CLIENT, host, String(port)],
        { timeout: 15_000, encoding: "utf8" },
        (e, stdout, stderr) => (e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout.trim())),
      );
    });

  /** Many connections at once: [namespace, address, port] -> outcome, keyed `ns-role address:port`. */
  const probe = async (cases: [keyof typeof ns, string, number][]) => {
    const out = await Promise.all(cases.map(([n, h, p]) => connect(ns[n], h, p)));
    return Object.fromEntries(cases.map(([n, h, p], i) => [`${n} -> ${h.includes(":") ? `[${h}]` : h}:${p}`, out[i]]));
  };

  /** Loads a firewall text into the host namespace as prepare.ts does (check, delete the old table, load). */
  const load = (text: string | undefined) => {
    spawnSync("ip", ["netns", "exec", ns.host, "nft", "delete", "table", "inet", FIREWALL_TABLE]);
    if (text === undefined) return;
    const file = join(scratch, "firewall.nft");
    writeFileSync(file, text);
    inNs(ns.host, "nft", "-c", "-f", file);
    inNs(ns.host, "nft", "-f", file);
  };

  before(async function () {
    if (process.getuid?.() !== 0) {
      console.log("      [skipped] dockerhost firewall in network namespaces: needs root (namespaces, nftables)");
      this.skip();
    }
    requireProgram(this, "nft");
    // `ip` (iproute2) has no entry in PROGRAMS: the same skip rule, by hand.
    const ipr = spawnSync("ip", ["-V"], { encoding: "utf8" });
    skipUnless(this, ipr.status === 0 ? undefined : `ip is not installed (not on PATH); ${installHint("iproute2")}`);
    const probeNs = `mcpfw-p-${suffix}`;
    const can = spawnSync("ip", ["netns", "add", probeNs], { encoding: "utf8" });
    spawnSync("ip", ["netns", "del", probeNs]);
    skipUnless(this, can.status === 0 ? undefined : `cannot make a network namespace: ${can.stderr.trim()}`);

    scratch = mkdtempSync(join(tmpdir(), "mcp-fw-netns-"));
    for (const n of Object.values(ns)) {
      run("ip", "netns", "add", n);
      made.push(n);
      ip(n, "link", "set", "lo", "up");
    }
    const h = ns.host;
    veth(h, "to-allowed", ns.allowed, "eth0");
    addr(h, "to-allowed", "198.18.1.1/24", "2001:db8:1::1/64");
    addr(ns.allowed, "eth0", "198.18.1.2/24", "2001:db8:1::2/64");
    defaults(ns.allowed, "198.18.1.1", "2001:db8:1::1");
    veth(h, "to-other", ns.other, "eth0");
    addr(h, "to-other", "198.18.2.1/24", "2001:db8:2::1/64");
    addr(ns.other, "eth0", "198.18.2.2/24", "2001:db8:2::2/64");
    defaults(ns.other, "198.18.2.1", "2001:db8:2::1");
    // The uplink: the host's public addresses, and its default route to the "internet".
    veth(h, "uplink", ns.internet, "eth0");
    addr(h, "uplink", "198.18.3.1/24", "2001:db8:3::1/64", `${PUBLIC4}/32`, `${PUBLIC6}/128`);
    addr(ns.internet, "eth0", "198.18.3.2/24", "2001:db8:3::2/64");
    addr(ns.internet, "lo", `${INTERNET4}/32`, `${INTERNET6}/128`);
    defaults(ns.internet, "198.18.3.1", "2001:db8:3::1");
    defaults(h, "198.18.3.2", "2001:db8:3::2");
    // A Docker bridge network with one container on it.
    ip(h, "link", "add", "br-mcp", "type", "bridge");
    ip(h, "link", "set", "br-mcp", "up");
    addr(h, "br-mcp", "172.18.0.1/16", "fd00:18::1/64");
    veth(h, "veth-c", ns.container, "eth0");
    ip(h, "link", "set", "veth-c", "master", "br-mcp");
    addr(ns.container, "eth0", "172.18.0.2/16", "fd00:18::2/64");
    defaults(ns.container, "172.18.0.1", "fd00:18::1");
    inNs(h, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
    // What Docker adds for `ports: ["443:8443"]` on the host's public addresses, and its outbound masquerade.
    const docker = join(scratch, "docker.nft");
    writeFileSync(
      docker,
      [
        "table inet dockersim {",
        "  chain prerouting {",
        "    type nat hook prerouting priority dstnat; policy accept;",
        `    ip daddr ${PUBLIC4} tcp dport 443 dnat ip to 172.18.0.2:8443`,
        `    ip6 daddr ${PUBLIC6} tcp dport 443 dnat ip6 to [fd00:18::2]:8443`,
        "  }",
        "  chain postrouting {",
        "    type nat hook postrouting priority srcnat; policy accept;",
        '    ip saddr 172.18.0.0/16 oifname != "br-mcp" masquerade',
        "  }",
        "}",
        "",
      ].join("\n"),
    );
    inNs(h, "nft", "-f", docker);
    await Promise.all([
      listen(h, "host", "0.0.0.0:443", "[::]:443", "0.0.0.0:80"),
      listen(ns.container, "container", "0.0.0.0:8443", "[::]:8443"),
      listen(ns.internet, "internet", `${INTERNET4}:443`, `[${INTERNET6}]:443`, `${INTERNET4}:80`),
    ]);
  });

  after(() => {
    for (const p of servers) p.kill("SIGKILL");
    for (const n of made) spawnSync("ip", ["netns", "del", n]);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    const left = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout ?? "";
    expect(left, "namespaces left behind").not.to.include(`-${suffix}`);
  });

  it("with no firewall, every path in the topology works (so a timeout below is the firewall)", async () => {
    load(undefined);
    expect(
      await probe([
        ["allowed", "198.18.1.1", 443],
        ["other", "198.18.2.1", 443],
        ["other", PUBLIC4, 443],
        ["other", PUBLIC6, 443],
        ["container", INTERNET4, 443],
        ["container", INTERNET6, 443],
        ["host", "127.0.0.1", 443],
      ]),
    ).to.deep.equal({
      "allowed -> 198.18.1.1:443": "host",
      "other -> 198.18.2.1:443": "host",
      "other -> 198.19.0.1:443": "container",
      "other -> [2001:db8:ff::1]:443": "container",
      "container -> 198.19.100.1:443": "internet",
      "container -> [2001:db8:100::1]:443": "internet",
      "host -> 127.0.0.1:443": "host",
    });
  });

  it("renderFirewall: 443 to the host only from the allow list; containers still reach outside HTTPS", async () => {
    load(renderFirewall(ALLOWED));
    expect(
      await probe([
        // (b) an allowed source reaches the host's own listener and the published container port
        ["allowed", "198.18.1.1", 443],
        ["allowed", PUBLIC4, 443],
        // (a) any other source is dropped, on either, and IPv6 to the host is dropped (the list is IPv4)
        ["other", "198.18.2.1", 443],
        ["other", PUBLIC4, 443],
        ["other", PUBLIC6, 443],
        ["allowed", PUBLIC6, 443],
        // only 443: port 80 (ACME HTTP-01) stays open
        ["other", "198.18.2.1", 80],
        // (c) the container's outbound HTTPS, routed by the host, IPv4 (masqueraded) and IPv6
        ["container", INTERNET4, 443],
        ["container", INTERNET6, 443],
        // the host itself, over lo
        ["host", "127.0.0.1", 443],
        ["host", PUBLIC4, 443],
        // a container calling the host's public address (hairpin) is not on the allow list
        ["container", PUBLIC4, 443],
      ]),
    ).to.deep.equal({
      "allowed -> 198.18.1.1:443": "host",
      "allowed -> 198.19.0.1:443": "container",
      "other -> 198.18.2.1:443": "timeout",
      "other -> 198.19.0.1:443": "timeout",
      "other -> [2001:db8:ff::1]:443": "timeout",
      "allowed -> [2001:db8:ff::1]:443": "timeout",
      "other -> 198.18.2.1:80": "host",
      "container -> 198.19.100.1:443": "internet",
      "container -> [2001:db8:100::1]:443": "internet",
      "host -> 127.0.0.1:443": "host",
      "host -> 198.19.0.1:443": "host",
      "container -> 198.19.0.1:443": "timeout",
    });
  });

  it("renderFirewall with 0.0.0.0/0: nothing is dropped, IPv6 included", async () => {
    load(renderFirewall(["0.0.0.0/0"]));
    expect(
      await probe([
        ["other", PUBLIC4, 443],
        ["other", PUBLIC6, 443],
        ["container", INTERNET4, 443],
      ]),
    ).to.deep.equal({
      "other -> 198.19.0.1:443": "container",
      "other -> [2001:db8:ff::1]:443": "container",
      "container -> 198.19.100.1:443": "internet",
    });
  });

  it("(d) the first rule set (no `fib daddr type local`) drops the containers' outbound HTTPS: R2-M2 as found", async () => {
    load(firstFirewall(ALLOWED));
    expect(
      await probe([
        ["allowed", PUBLIC4, 443],
        ["other", PUBLIC4, 443],
        ["container", INTERNET4, 443],
        ["container", INTERNET6, 443],
        ["container", INTERNET4, 80],
      ]),
    ).to.deep.equal({
      "allowed -> 198.19.0.1:443": "container",
      "other -> 198.19.0.1:443": "timeout",
      "container -> 198.19.100.1:443": "timeout",
      "container -> [2001:db8:100::1]:443": "timeout",
      "container -> 198.19.100.1:80": "internet",
    });
  });
});
