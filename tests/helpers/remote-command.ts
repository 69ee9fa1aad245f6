/**
 * Runs a `remote.Command`'s command line the way @pulumi/command 1.x does, with the OpenSSH client standing in for the
 * provider's Go SSH client (no Pulumi engine here): connect to `connection.host:port` as `connection.user`, accept only
 * the host key `connection.hostKey` (the provider's `ssh.FixedHostKey`; pulumi/pulumi-command
 * provider/pkg/provider/remote/connection.go), authenticate with `connection.privateKey` or else the agent at
 * `SSH_AUTH_SOCK` (the provider's `agentSocketPath` default), run the line, and feed it `stdin`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The plain `connection` input of a remote.Command (secrets unwrapped). */
export interface Connection {
  host: string;
  port?: number;
  user?: string;
  privateKey?: string;
  hostKey?: string;
}

export interface RemoteResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * @param env - the client's environment (`SSH_AUTH_SOCK` for the agent). @default process.env
 * @returns the exit status and output; a refused host key is a non-zero status with ssh's message on stderr.
 */
export function runRemote(
  connection: Connection,
  line: string,
  stdin = "",
  env: NodeJS.ProcessEnv = process.env,
): RemoteResult {
  const dir = mkdtempSync(join(tmpdir(), "mcp-remote-"));
  try {
    const port = connection.port ?? 22;
    const args = ["-o", "BatchMode=yes", "-p", String(port)];
    if (connection.hostKey) {
      const host = port === 22 ? connection.host : `[${connection.host}]:${port}`;
      writeFileSync(join(dir, "known_hosts"), `${host} ${connection.hostKey}\n`);
      args.push("-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${join(dir, "known_hosts")}`);
    } else {
      // No hostKey: the provider ignores the host key (InsecureIgnoreHostKey).
      args.push("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null");
    }
    if (connection.privateKey) {
      const key = join(dir, "id");
      writeFileSync(key, connection.privateKey.endsWith("\n") ? connection.privateKey : `${connection.privateKey}\n`, {
        mode: 0o600,
      });
      args.push("-i", key, "-o", "IdentitiesOnly=yes");
    }
    const r = spawnSync("ssh", [...args, `${connection.user ?? "root"}@${connection.host}`, line], {
      input: stdin,
      encoding: "utf8",
      env,
      timeout: 600_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
