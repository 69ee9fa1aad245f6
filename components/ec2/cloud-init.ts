/**
 * First boot of the EC2 host (cloud-init `#cloud-config` for Amazon Linux 2023): install docker, python3 and the
 * compose plugin, write every host file (components/ec2/host-files.ts), deploy (which also requests the first
 * certificate), and start the key and certificate timers. Later changes arrive through the SSM rollout document
 * (components/ec2/rollout.ts), not through user data.
 *
 * Size: EC2 takes at most 16,384 bytes of user data before base64 ("User data is limited to 16 KB, in raw form, before
 * it is base64-encoded", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-add-user-data.html). The
 * cloud-config embeds every host file (about 24 KB as text), so it is sent gzip-compressed, which cloud-init detects and
 * decompresses ("Compressed content: … gzip-compressed … will be decompressed",
 * https://cloudinit.readthedocs.io/en/latest/explanation/format.html), and {@link encodeUserData} refuses anything
 * over {@link USER_DATA_BUDGET_BYTES}, a quarter below the limit.
 */
import { gzipSync } from "node:zlib";
import { stringify } from "yaml";
import { EC2_USER_DATA_MAX_BYTES } from "../../infra/core/aws-limits.js";
import { COMPOSE_PLUGIN_URL, HOST, type HostFile } from "./host-files.js";

/** What {@link encodeUserData} accepts: 75 % of EC2_USER_DATA_MAX_BYTES (infra/core/aws-limits.ts), so that growth shows up as a clear error well before EC2's. */
export const USER_DATA_BUDGET_BYTES = 12_288;

/** @returns the user data, starting with `#cloud-config`. */
export function renderUserData(files: HostFile[]): string {
  const doc = {
    package_update: true,
    packages: ["docker", "python3", "openssl"],
    write_files: files.map((f) => ({
      path: f.path,
      permissions: f.permissions,
      owner: "root:root",
      content: f.content,
    })),
    runcmd: [
      ["systemctl", "enable", "--now", "docker"],
      ["mkdir", "-p", "/usr/local/lib/docker/cli-plugins"],
      ["curl", "-fsSL", "-o", "/usr/local/lib/docker/cli-plugins/docker-compose", COMPOSE_PLUGIN_URL],
      ["chmod", "0755", "/usr/local/lib/docker/cli-plugins/docker-compose"],
      // Deploys, then requests the first certificate as soon as nginx answers on port 80.
      [`${HOST.bin}/mcp-anywhere-deploy`],
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", "mcp-anywhere-keys.timer", "mcp-anywhere-cert.timer"],
    ],
  };
  return `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
}

/** Raised when the compressed user data is over {@link USER_DATA_BUDGET_BYTES}. */
export class UserDataTooLargeError extends Error {}

/**
 * Gzips the user data for `aws.ec2.Instance.userDataBase64`. The gzip header's OS byte is fixed to 3 (Unix, RFC 1952
 * §2.3.1) so the bytes do not depend on the platform zlib was built for.
 * @returns `{ base64, bytes }`: the base64 text and the compressed size in bytes.
 * @throws {UserDataTooLargeError} naming both sizes and the budget when the compressed size is over the budget.
 */
export function encodeUserData(text: string, budget = USER_DATA_BUDGET_BYTES): { base64: string; bytes: number } {
  const gz = gzipSync(Buffer.from(text, "utf8"), { level: 9 });
  gz[9] = 3;
  if (gz.length > budget) {
    throw new UserDataTooLargeError(
      `EC2 user data is ${gz.length} bytes gzip-compressed (${Buffer.byteLength(text)} bytes as text); the budget is ` +
        `${budget} bytes, below EC2's limit of ${EC2_USER_DATA_MAX_BYTES}. Shorten what it embeds (server environment, ` +
        "API key parameter names, domain) or move files to the SSM rollout document (components/ec2/rollout.ts).",
    );
  }
  return { base64: gz.toString("base64"), bytes: gz.length };
}
