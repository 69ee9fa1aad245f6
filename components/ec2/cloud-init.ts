/**
 * First boot of the EC2 host (cloud-init `#cloud-config` for Amazon Linux 2023): install docker, python3 and the
 * compose plugin, write every host file (components/ec2/host-files.ts), deploy, and start the key and certificate
 * timers. Later changes arrive through the SSM rollout document (components/ec2/rollout.ts), not through user data.
 */
import { stringify } from "yaml";
import { COMPOSE_PLUGIN_URL, HOST, type HostFile } from "./host-files.js";

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
      [`${HOST.bin}/mcp-anywhere-deploy`],
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", "mcp-anywhere-keys.timer", "mcp-anywhere-cert.timer"],
    ],
  };
  return `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
}
