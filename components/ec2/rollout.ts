/**
 * Rollouts to the running EC2 host without replacing it: an SSM Command document that rewrites every host file and
 * runs the deploy script (`docker compose pull && up -d`, nginx reload). The component names the association after a
 * hash of this content, so any change of image digest or config replaces the association, and Pulumi waits for its
 * run to succeed: a failed rollout fails `pulumi up`. No inbound SSH is involved.
 */
import { createHash } from "node:crypto";
import { HOST, type HostFile } from "./host-files.js";

/** @returns the document content (schemaVersion 2.2, aws:runShellScript) as JSON. */
export function renderRolloutDocument(files: HostFile[]): string {
  const write = files.flatMap((f) => [
    `install -d "$(dirname ${f.path})"`,
    `echo '${Buffer.from(f.content).toString("base64")}' | base64 -d > ${f.path}.new`,
    `chmod ${f.permissions} ${f.path}.new && mv ${f.path}.new ${f.path}`,
  ]);
  return JSON.stringify({
    schemaVersion: "2.2",
    description: "mcp-anywhere: write the host files and redeploy the containers",
    mainSteps: [
      {
        action: "aws:runShellScript",
        name: "deploy",
        inputs: {
          timeoutSeconds: "900",
          runCommand: [
            "set -euo pipefail",
            "# On a new instance, wait until cloud-init has installed docker.",
            "cloud-init status --wait > /dev/null || true",
            ...write,
            "systemctl daemon-reload",
            "# Changed timer schedules apply now, not after the next boot (no-op for timers not started yet).",
            "systemctl try-restart mcp-anywhere-keys.timer mcp-anywhere-cert.timer",
            `${HOST.bin}/mcp-anywhere-deploy`,
          ],
        },
      },
    ],
  });
}

/** A short hash of the document, for the association's name. */
export function rolloutId(document: string): string {
  return createHash("sha256").update(document).digest("hex").slice(0, 12);
}
