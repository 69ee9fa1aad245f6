/**
 * The dockerhost target's API keys on the host: the same two files the EC2 key timer writes
 * (components/ec2/key-refresh.ts), with the same rules, but rendered here from key values Pulumi holds as secrets
 * (read from SSM at deploy time, or a Pulumi secret config value):
 * - the nginx key map: `"~^<key>$" "<key id>";` entries (anchored, case-sensitive regexes; nginx matches plain map
 *   strings case-insensitively), key id = the first 8 hex digits of SHA-256 of the key, as the EC2 timer and the app;
 * - the app's key file (`MCP_API_KEYS_FILE`), one key per line, mode 0640, group 1000 (the image's `node` user), which
 *   the server re-reads when it changes, so a key change needs no container restart.
 * Both travel over SSH on the command's standard input (a Pulumi secret), never in its command line or environment.
 */
import { createHash } from "node:crypto";
import { APP_GID, HOST } from "../ec2/host-files.js";
import { DOCKERHOST_BIN } from "./host-files.js";

/** Keys the edge and the app accept: the EC2 timer's rule (16 to 256 of A-Z a-z 0-9 . _ ~ + / = -). */
export const KEY = /^[A-Za-z0-9._~+/=-]{16,256}$/;

/** The key id logged instead of the key. */
export const keyId = (key: string) => createHash("sha256").update(key).digest("hex").slice(0, 8);

/**
 * Splits SSM values or config entries into keys (a value may hold several, comma-separated, as the EC2 timer reads
 * them), drops duplicates.
 * @throws {Error} naming the key's id (never the key) when one does not match {@link KEY}, or when none is left.
 */
export function normalizeKeys(values: string[]): string[] {
  const keys = [
    ...new Set(
      values
        .flatMap((v) => v.split(","))
        .map((k) => k.trim())
        .filter((k) => k !== ""),
    ),
  ];
  const bad = keys.filter((k) => !KEY.test(k));
  if (bad.length > 0)
    throw new Error(
      `API keys with ids ${bad.map(keyId).join(", ")} are invalid; allowed: 16 to 256 of A-Z a-z 0-9 . _ ~ + / = -`,
    );
  if (keys.length === 0) throw new Error("no API key: the edge would refuse every request");
  return keys;
}

/** The nginx map include, as the EC2 timer writes it. */
export function renderKeyMap(keys: string[]): string {
  const lines = ["map $mcp_key $mcp_key_id {", '    default "";'];
  for (const key of keys) lines.push(`    "~^${key.replace(/([.+/=~\\-])/g, "\\$1")}$" "${keyId(key)}";`);
  return `${[...lines, "}"].join("\n")}\n`;
}

/** The app's key file. */
export const renderKeyFile = (keys: string[]) => `${keys.join("\n")}\n`;

/** Standard input of the key command: two base64 lines, the app's key file then the nginx map. */
export function keysStdin(keys: string[]): string {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  return `${b64(renderKeyFile(keys))}\n${b64(renderKeyMap(keys))}\n`;
}

/**
 * The key command's script: reads {@link keysStdin}, writes both files atomically (temp file + rename, so the app
 * never reads half a file), reloads nginx when the map changed. Prints key ids only.
 * @param root - host path prefix (tests); @default "".
 */
export function renderKeyInstallScript(root = ""): string {
  const keysDir = `${root}${HOST.keysDir}`;
  const map = `${root}${HOST.nginxDir}/keys.map`;
  return [
    "set -euo pipefail",
    "read -r app_keys",
    "read -r nginx_map",
    `install -d -m 0750 -o root -g ${APP_GID} ${keysDir}`,
    `tmp=$(mktemp ${keysDir}/.tmp-XXXXXX)`,
    'printf "%s" "$app_keys" | base64 -d > "$tmp"',
    `chown root:${APP_GID} "$tmp" && chmod 0640 "$tmp" && mv -f "$tmp" ${keysDir}/keys`,
    `tmp=$(mktemp ${root}${HOST.nginxDir}/.tmp-XXXXXX)`,
    'printf "%s" "$nginx_map" | base64 -d > "$tmp"',
    `if cmp -s "$tmp" ${map}; then rm -f "$tmp"; changed=no; else chmod 0600 "$tmp" && mv -f "$tmp" ${map}; changed=yes; fi`,
    `if [ "$changed" = yes ] && [ -x ${root}${DOCKERHOST_BIN.reload} ]; then ${root}${DOCKERHOST_BIN.reload}; fi`,
    `echo "mcp-anywhere-keys: $(grep -c . ${keysDir}/keys) keys, nginx map changed: $changed"`,
  ].join("\n");
}
