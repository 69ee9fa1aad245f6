/**
 * A real OpenSSH server (Debian's openssh-server; .ci/run installs it) on 127.0.0.1 and a free port, with its own host
 * key, one authorized client key, no password or PAM login, for the dockerhost target's host scripts. Logging in as
 * the current user; the scripts need root, so callers run as root (CI does).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "./nginx.js";

export interface Sshd {
  /** The first port of {@link ports}. */
  port: number;
  /** Every port sshd listens on, on every address. */
  ports: number[];
  user: string;
  /** The first client key of {@link privateKeys}. */
  privateKey: string;
  /** Every authorized client key (OpenSSH PEM). */
  privateKeys: string[];
  /** The server's host key as one known_hosts line (`127.0.0.1 ssh-ed25519 AAAA…`). */
  knownHostsLine: string;
  stop(): Promise<void>;
}

const keygen = (file: string) =>
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "mcp-anywhere-test", "-f", file]);

/** What to listen on and whom to let in. */
export interface SshdOptions {
  /** Loopback addresses to listen on. @default ["127.0.0.1"] */
  addresses?: string[];
  /** How many free ports to listen on. @default 1 */
  ports?: number;
  /** How many client keys to authorize. @default 1 */
  clientKeys?: number;
}

/**
 * Starts sshd and waits until it accepts TCP connections. Any local user may log in with any of the client keys
 * (one authorized_keys file for all).
 * @throws when it does not within 10 s.
 */
export async function startSshd(o: SshdOptions = {}): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), "mcp-sshd-"));
  keygen(join(dir, "host"));
  const clients = Array.from({ length: o.clientKeys ?? 1 }, (_, i) => join(dir, `client${i}`));
  for (const c of clients) keygen(c);
  writeFileSync(join(dir, "authorized_keys"), clients.map((c) => readFileSync(`${c}.pub`, "utf8")).join(""));
  // sshd reads authorized_keys as the user logging in: let other users read it (the private keys stay 0600).
  chmodSync(dir, 0o755);
  chmodSync(join(dir, "authorized_keys"), 0o644);
  const ports: number[] = [];
  for (let i = 0; i < (o.ports ?? 1); i++) ports.push(await freePort());
  const port = ports[0] as number;
  writeFileSync(
    join(dir, "sshd_config"),
    [
      ...ports.map((p) => `Port ${p}`),
      ...(o.addresses ?? ["127.0.0.1"]).map((a) => `ListenAddress ${a}`),
      `HostKey ${join(dir, "host")}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "PrintMotd no",
      "LogLevel ERROR",
      "",
    ].join("\n"),
  );
  // Privilege separation directory sshd needs when started as root (the package's unit makes it at boot).
  if (process.getuid?.() === 0) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  // sshd re-executes itself, so it must be started by its absolute path.
  const bin = spawnSync("sh", ["-c", "command -v sshd"], { encoding: "utf8" }).stdout.trim();
  const child: ChildProcess = spawn(bin, ["-D", "-e", "-f", join(dir, "sshd_config")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const t0 = Date.now();
  for (;;) {
    const r = spawnSync("ssh-keyscan", ["-p", String(port), "-t", "ed25519", "127.0.0.1"], {
      encoding: "utf8",
      timeout: 5_000,
    });
    if (r.stdout.includes("ssh-ed25519")) break;
    if (child.exitCode !== null || Date.now() - t0 > 10_000) {
      child.kill();
      throw new Error(`sshd did not start on 127.0.0.1:${port}: ${stderr}`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  const hostPub = readFileSync(join(dir, "host.pub"), "utf8").trim().split(" ");
  const privateKeys = clients.map((c) => readFileSync(c, "utf8"));
  return {
    port,
    ports,
    user: userInfo().username,
    privateKey: privateKeys[0] as string,
    privateKeys,
    knownHostsLine: `127.0.0.1 ${hostPub[0]} ${hostPub[1]}`,
    async stop() {
      child.kill();
      await new Promise((res) => (child.exitCode !== null ? res(null) : child.once("exit", res)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
