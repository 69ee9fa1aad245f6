/**
 * How the dockerhost target's scripts run over SSH: as root (directly when the SSH user is root, else through
 * `sudo -n`, so a non-root user needs passwordless sudo), with the script carried base64-encoded inside the command
 * (no quoting problems, no temporary file) and the command's standard input passed through to it (where the key and
 * certificate commands receive their secrets).
 */
import { createHash } from "node:crypto";
import type { HostFile } from "../ec2/host-files.js";

/**
 * @param script - bash text.
 * @returns one shell command line for `remote.Command.create`/`delete`.
 */
export function asRoot(script: string): string {
  const b64 = Buffer.from(script).toString("base64");
  return `s="$(echo '${b64}' | base64 -d)"; if [ "$(id -u)" = 0 ]; then bash -c "$s"; else sudo -n bash -c "$s"; fi`;
}

/**
 * A script that writes `files` atomically (temp file, mode, rename), owned by root, creating their directories; a
 * file whose content (SHA-256) and mode are already right is not touched, so re-running it changes nothing.
 */
export function renderWriteFilesScript(files: HostFile[]): string {
  const lines = ["set -euo pipefail"];
  for (const f of files) {
    const sha = createHash("sha256").update(f.content).digest("hex");
    const mode = Number.parseInt(f.permissions, 8).toString(8);
    // Nothing is written (not even a temporary file) when the content and mode are already right.
    lines.push(
      `if [ "$(sha256sum < ${f.path} 2> /dev/null | cut -c1-64)" != ${sha} ] || [ "$(stat -c %a ${f.path})" != ${mode} ]; then`,
      `  install -d -m 0755 "$(dirname ${f.path})"`,
      `  echo '${Buffer.from(f.content).toString("base64")}' | base64 -d > ${f.path}.new`,
      `  chown root:root ${f.path}.new && chmod ${f.permissions} ${f.path}.new && mv -f ${f.path}.new ${f.path}`,
      "fi",
    );
  }
  lines.push(`echo "mcp-anywhere-files: ${files.length} files"`);
  return lines.join("\n");
}
