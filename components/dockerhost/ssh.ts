/**
 * SSH for the dockerhost target, in the two forms its providers take:
 * - @pulumi/command's `connection` (host, port, user, and the private key as a Pulumi secret; without a key the
 *   provider uses the ssh-agent at `SSH_AUTH_SOCK`, https://www.pulumi.com/registry/packages/command/api-docs/remote/command/#connection);
 * - @pulumi/docker's provider `host: ssh://user@host:port`, which runs the local `ssh` client (Docker's SSH connection
 *   helper, https://docs.docker.com/engine/security/protect-access/#use-ssh-to-protect-the-docker-daemon-socket), so the
 *   key must be a file: {@link writeSshMaterial} writes it (mode 0600, in a 0700 directory under the OS temp dir) and
 *   `sshOpts` points at it, so only a path (never the key) is in the provider's inputs.
 * The known-hosts pin (`knownHosts`, one known_hosts line) is checked by both: @pulumi/command 1.x takes its key part
 * as `connection.hostKey` ({@link hostKeyOf}; the provider parses it with `ssh.ParseAuthorizedKey` and checks it on
 * every dial with `ssh.FixedHostKey`, pulumi/pulumi-command provider/pkg/provider/remote/connection.go), and the
 * local `ssh` gets `StrictHostKeyChecking=yes` against that line only.
 */
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SshTarget {
  /** IP address or DNS name. */
  address: string;
  user: string;
  port: number;
}

/** `ssh://user@address:port`, the docker provider's `host`. IPv6 literals are bracketed. */
export function dockerHostUrl(t: SshTarget): string {
  const host = t.address.includes(":") ? `[${t.address}]` : t.address;
  return `ssh://${t.user}@${host}:${t.port}`;
}

/** Files {@link writeSshMaterial} wrote (paths only). */
export interface SshFiles {
  keyFile?: string;
  knownHostsFile?: string;
}

/**
 * Writes the private key and the known-hosts line for the local `ssh` client, idempotently, under
 * `<tmpdir>/mcp-anywhere-ssh-<hash of user@address:port>/`.
 * @param dir - base directory. @default os.tmpdir()
 */
export function writeSshMaterial(
  t: SshTarget,
  privateKey: string | undefined,
  knownHosts: string | undefined,
  dir: string = tmpdir(),
): SshFiles {
  if (privateKey === undefined && knownHosts === undefined) return {};
  const id = createHash("sha256").update(dockerHostUrl(t)).digest("hex").slice(0, 12);
  const home = join(dir, `mcp-anywhere-ssh-${id}`);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  chmodSync(home, 0o700);
  const files: SshFiles = {};
  if (privateKey !== undefined) {
    files.keyFile = join(home, "id");
    writeFileSync(files.keyFile, privateKey.endsWith("\n") ? privateKey : `${privateKey}\n`, { mode: 0o600 });
    chmodSync(files.keyFile, 0o600);
  }
  if (knownHosts !== undefined) {
    files.knownHostsFile = join(home, "known_hosts");
    // The pin is for the host we connect to, whatever name the line was scanned under; ssh matches a non-default port
    // as "[host]:port" in known_hosts.
    const line = knownHosts.replace(/^\S+/, t.port === 22 ? t.address : `[${t.address}]:${t.port}`);
    writeFileSync(files.knownHostsFile, `${line}\n`, { mode: 0o600 });
  }
  return files;
}

/** `ssh` options for the docker provider's `sshOpts` and the host-key check: batch mode, the key, the pin. */
export function sshOptions(files: SshFiles): string[] {
  return [
    "-o",
    "BatchMode=yes",
    ...(files.keyFile ? ["-i", files.keyFile, "-o", "IdentitiesOnly=yes"] : []),
    ...(files.knownHostsFile
      ? ["-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${files.knownHostsFile}`]
      : []),
  ];
}

/** Key types a pin may name (OpenSSH's host key types, as `ssh-keyscan` prints them). */
const HOST_KEY_TYPES = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521))$/;

/**
 * The key part (`<type> <base64>`) of one known_hosts line (`<host> <type> <base64> [comment]`), the form
 * `connection.hostKey` takes (an authorized_keys key, parsed by `ssh.ParseAuthorizedKey`).
 * @returns undefined when the line is not `<host> <type> <base64>` with a known key type.
 */
export function hostKeyOf(knownHostsLine: string): string | undefined {
  const [host, type, key] = knownHostsLine.trim().split(/\s+/);
  if (!host || !type || !key || !HOST_KEY_TYPES.test(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(key)) return undefined;
  return `${type} ${key}`;
}
