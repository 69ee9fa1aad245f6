/**
 * Host preparation for the dockerhost target, run over SSH by @pulumi/command before anything else. Idempotent: every
 * step checks first and changes only what is missing, so re-running it on a prepared host changes nothing.
 * 1. Docker: present (else installed from the distribution with apt `docker.io`; elsewhere Docker Engine must be
 *    installed first, https://docs.docker.com/engine/install/, since dnf's `docker` on RHEL-family systems is podman,
 *    which is refused), a warning when the engine predates 28.0 ({@link DOCKER_HARDENED_MAJOR}), Compose present (the v2 plugin, or
 *    the standalone v1 `docker-compose`; else apt `docker-compose-v2`/`docker-compose-plugin`/`docker-compose`),
 *    openssl and python3 (the certificate scripts); the engine running (`systemctl enable --now docker`, or
 *    `service docker start` without systemd), waited for up to 60 s.
 * 2. Directories with owners and modes: /etc/mcp-anywhere (0755), its nginx (0755), keys (0750 root:1000, the image's
 *    `node` group), tls (0755), acme state (0700 root); /var/www/acme (0755); the logging data directories.
 * 3. Optional firewall ({@link renderFirewall}).
 * It prints `mcp-anywhere-prepare: ok` last; any failure exits non-zero with a line naming what is missing.
 */
import { APP_GID, HOST } from "../ec2/host-files.js";
import { relocate } from "./host-files.js";
import { type LoggingOptions, loggingDirectories } from "./logging.js";

export interface PrepareOptions {
  logging: LoggingOptions;
  /** CIDRs that may reach 443 when the firewall is on; undefined: no firewall (and any earlier one is removed). */
  firewallCidrs?: string[];
  /** Host path prefix (tests). @default "" */
  root?: string;
}

/** Docker Engine's first major that drops traffic to unpublished container ports from outside the host. */
export const DOCKER_HARDENED_MAJOR = 28;
const DOCKER_HARDENING_DOC = "https://www.docker.com/blog/docker-engine-28-hardening-container-networking-by-default/";

/** The nftables table the firewall owns (and `destroy` deletes). */
export const FIREWALL_TABLE = "mcp_anywhere";
export const FIREWALL_FILE = "/etc/mcp-anywhere/firewall.nft";

/**
 * An nftables rule set that drops TCP 443 addressed to this host from outside `allowedCidrs`, and nothing else.
 * - Only traffic to the host is filtered: `fib daddr type local` is true when the destination is one of the host's own
 *   addresses (any interface; the native form of iptables' `addrtype --dst-type LOCAL`, which Docker's own DNAT rule
 *   uses). Traffic the host routes for its containers (npx/uvx downloads, an upstream API, OTLP, a remote Loki) has a
 *   foreign destination and passes, although it crosses the same hook with dport 443 and a 172.x source: dropping it
 *   was finding R2-M2 (shared/reviews/deploy-review-round2.md). Bridged traffic that `br_netfilter` sends through the
 *   hook (VMs on a Proxmox bridge) is not addressed to the host either.
 * - The chain hooks `prerouting` at priority -150, before Docker's DNAT (-100, "dstnat"), so it sees the original
 *   destination (the host's address and 443) of a published container port, which an `input` rule would miss (Docker
 *   routes published ports through FORWARD). `fib … type` without `iif`/`oif` is valid in prerouting.
 * - Packets that arrive on `lo` come from the host itself (e.g. `curl https://127.0.0.1/health` on the host) and pass.
 * - A container calling the host's own address on 443 (hairpin) counts as outside: it is dropped unless its network
 *   (e.g. 172.16.0.0/12) is in `allowedCidrs`, as before.
 * - Port 80 (ACME HTTP-01) and SSH are not touched, so the rule set cannot lock the deployer out.
 * - IPv6 443 to the host is dropped unless 0.0.0.0/0 is allowed (the list is IPv4); containers' outbound IPv6 passes.
 * Checked in network namespaces with the real kernel by tests/dockerhost/firewall-netns.test.ts.
 * Sources: nft(8) "FIB EXPRESSIONS"; https://wiki.nftables.org/wiki-nftables/index.php/Matching_routing_information;
 * hooks and priorities: https://wiki.nftables.org/wiki-nftables/index.php/Netfilter_hooks; Docker's rules:
 * https://docs.docker.com/engine/network/packet-filtering-firewalls/; the kernel's fib expression, which allows an
 * address-type lookup in prerouting: net/netfilter/nft_fib.c (nft_fib_validate).
 */
export function renderFirewall(allowedCidrs: string[]): string {
  const open = allowedCidrs.includes("0.0.0.0/0");
  /** TCP 443 to one of the host's own addresses, not from the host itself. */
  const toHost = 'tcp dport 443 iif != "lo" fib daddr type local';
  return [
    `table inet ${FIREWALL_TABLE} {`,
    "  set allowed4 {",
    "    type ipv4_addr",
    "    flags interval",
    `    elements = { ${allowedCidrs.join(", ")} }`,
    "  }",
    "  chain prerouting {",
    "    type filter hook prerouting priority -150; policy accept;",
    `    ${toHost} ip saddr != @allowed4 drop`,
    ...(open ? [] : [`    meta nfproto ipv6 ${toHost} drop`]),
    "  }",
    "}",
    "",
  ].join("\n");
}

/** The systemd unit that loads the rule set at boot. */
const FIREWALL_UNIT = `[Unit]
Description=mcp-anywhere: port 443 allow list
Before=docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'nft delete table inet ${FIREWALL_TABLE} 2>/dev/null; nft -f ${FIREWALL_FILE}'
ExecStop=/usr/sbin/nft delete table inet ${FIREWALL_TABLE}

[Install]
WantedBy=multi-user.target
`;

const b64 = (s: string) => Buffer.from(s).toString("base64");

/** @returns the preparation script (bash, run as root). */
export function renderPrepareScript(o: PrepareOptions): string {
  const root = o.root ?? "";
  const at = (p: string) => relocate(p, root, o.logging.dataDir);
  const fw = o.firewallCidrs;
  const lines = [
    "set -euo pipefail",
    "export DEBIAN_FRONTEND=noninteractive",
    'fail() { echo "mcp-anywhere-prepare: $*" >&2; exit 1; }',
    'have() { command -v "$1" > /dev/null 2>&1; }',
    "apt_updated=no",
    'apt_install() { if [ "$apt_updated" = no ]; then apt-get update -qq; apt_updated=yes; fi; apt-get install -y -qq --no-install-recommends "$@"; }',
    'pkg_install() { if have apt-get; then apt_install "$@"; elif have dnf; then dnf install -y -q "$@"; else return 1; fi; }',
    "# 1. Docker, Compose, openssl, python3",
    "if ! have docker; then",
    "  if have apt-get; then apt_install docker.io; else fail \"no docker: install Docker Engine first, from Docker's repository (https://docs.docker.com/engine/install/; dnf's docker on RHEL-family systems is podman)\"; fi",
    "fi",
    "if docker --version 2> /dev/null | grep -qi podman; then",
    '  fail "docker here is podman (podman-docker), not Docker Engine: install Docker Engine from Docker\'s repository (https://docs.docker.com/engine/install/)"',
    "fi",
    "if ! docker compose version > /dev/null 2>&1 && ! have docker-compose; then",
    '  have apt-get || fail "no Docker Compose: install the compose plugin (https://docs.docker.com/compose/install/linux/)"',
    '  apt_install docker-compose-v2 || apt_install docker-compose-plugin || apt_install docker-compose || fail "could not install Docker Compose"',
    "fi",
    'have openssl || pkg_install openssl || fail "openssl missing"',
    'have python3 || pkg_install python3 || fail "python3 missing (the Let\'s Encrypt client needs it)"',
    "if ! docker info > /dev/null 2>&1; then",
    "  if [ -d /run/systemd/system ]; then systemctl enable --now docker; else service docker start || true; fi",
    "  for _ in $(seq 60); do docker info > /dev/null 2>&1 && break; sleep 1; done",
    '  docker info > /dev/null 2>&1 || fail "Docker is installed but its engine does not answer (systemctl status docker)"',
    "fi",
    `v="$(docker version --format '{{.Server.Version}}' 2> /dev/null || true)"; major="\${v%%.*}"`,
    `if [ -n "$major" ] && [ "$major" -eq "$major" ] 2> /dev/null && [ "$major" -lt ${DOCKER_HARDENED_MAJOR} ]; then`,
    `  echo "mcp-anywhere-prepare: warning: Docker Engine $v predates ${DOCKER_HARDENED_MAJOR}.0; before it, unpublished container ports (Loki's 3100, the app's 8080) can be reached from the host's LAN when IP forwarding is on and the FORWARD chain accepts (${DOCKER_HARDENING_DOC}); install Docker Engine from Docker's repository (https://docs.docker.com/engine/install/)" >&2`,
    "fi",
    "# 2. Directories, owners, modes",
    `install -d -m 0755 -o root -g root ${at("/etc/mcp-anywhere")} ${at(HOST.nginxDir)} ${at(HOST.tlsDir)} ${at(HOST.acmeWebroot)} ${at(HOST.bin)}`,
    `install -d -m 0750 -o root -g ${APP_GID} ${at(HOST.keysDir)}`,
    `install -d -m 0700 -o root -g root ${at(HOST.acmeStateDir)}`,
    ...loggingDirectories(o.logging).map(at),
    "# 3. Firewall",
  ];
  if (fw !== undefined) {
    lines.push(
      'have nft || pkg_install nftables || fail "nft missing (apt-get install nftables)"',
      `echo '${b64(renderFirewall(fw))}' | base64 -d > ${at(FIREWALL_FILE)}`,
      `nft -c -f ${at(FIREWALL_FILE)}`,
      `nft delete table inet ${FIREWALL_TABLE} 2> /dev/null || true`,
      `nft -f ${at(FIREWALL_FILE)}`,
      "if [ -d /run/systemd/system ]; then",
      `  echo '${b64(FIREWALL_UNIT)}' | base64 -d > /etc/systemd/system/mcp-anywhere-firewall.service`,
      "  systemctl daemon-reload && systemctl enable mcp-anywhere-firewall.service",
      "fi",
    );
  } else {
    lines.push(
      `if have nft; then nft delete table inet ${FIREWALL_TABLE} 2> /dev/null || true; fi`,
      `rm -f ${at(FIREWALL_FILE)}`,
      "if [ -f /etc/systemd/system/mcp-anywhere-firewall.service ]; then",
      "  systemctl disable mcp-anywhere-firewall.service || true; rm -f /etc/systemd/system/mcp-anywhere-firewall.service",
      "fi",
    );
  }
  lines.push('echo "mcp-anywhere-prepare: ok"');
  return lines.join("\n");
}

/**
 * What `pulumi destroy` removes after the containers are gone: exactly what the stack wrote (config, keys,
 * certificates and the local CA, scripts, units, firewall table, the logging data directories it made). Docker itself stays: the stack cannot
 * know whether it was there before.
 */
export function renderTeardownScript(o: { dataDir: string; root?: string }): string {
  const root = o.root ?? "";
  const at = (p: string) => relocate(p, root, o.dataDir);
  return [
    "set -euo pipefail",
    "if [ -d /run/systemd/system ]; then",
    "  systemctl disable --now mcp-anywhere-cert.timer mcp-anywhere-firewall.service 2> /dev/null || true",
    "fi",
    `if command -v nft > /dev/null 2>&1; then nft delete table inet ${FIREWALL_TABLE} 2> /dev/null || true; fi`,
    "rm -f /etc/systemd/system/mcp-anywhere-cert.service /etc/systemd/system/mcp-anywhere-cert.timer /etc/systemd/system/mcp-anywhere-firewall.service",
    `rm -f ${at(HOST.bin)}/mcp-anywhere-deploy ${at(HOST.bin)}/mcp-anywhere-reload-nginx ${at(HOST.bin)}/mcp-anywhere-cert`,
    `rm -rf ${at("/etc/mcp-anywhere")} ${at(HOST.acmeWebroot)}`,
    "# Only the data directories the stack made; the data directory itself only if that leaves it empty.",
    `rm -rf ${["loki", "grafana", "grafana-admin", "alloy"].map((d) => `${at(o.dataDir)}/${d}`).join(" ")}`,
    `rmdir ${at(o.dataDir)} 2> /dev/null || true`,
    'echo "mcp-anywhere-teardown: ok"',
  ].join("\n");
}
