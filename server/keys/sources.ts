import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { splitList } from "../config.js";

/**
 * Where API keys come from (the SSM source is in ./ssm-source.ts, loaded only when configured). Each source returns
 * plain keys to the ApiKeyStore, which keeps only digests. A source's `description` is safe to log: it names
 * variables or parameters, never a key.
 */
export interface KeySource {
  /** Safe to log, e.g. `MCP_API_KEYS` or `SSM /mcp/key-1,/mcp/key-2`. */
  readonly description: string;
  /** True when the keys can change while the process runs, so the store re-reads them after its TTL. */
  readonly dynamic: boolean;
  /** A cheap, synchronous check whether the source changed since its last load; the store polls it at most once a second. */
  changed?(): boolean;
  /** @throws when the keys cannot be read; the store then keeps the last good set or fails closed. */
  load(): Promise<string[]>;
}

/** Keys fixed at start, from an environment variable or generated for local development. */
export function staticKeySource(description: string, keys: readonly string[]): KeySource {
  const copy = [...keys];
  return { description, dynamic: false, load: async () => copy };
}

/** Parses a key file: one key per line (commas also separate), `#` starts a comment, blanks are ignored. */
export function parseKeyFile(text: string): string[] {
  return text.split("\n").flatMap((line) => splitList(line.replace(/#.*$/, "")));
}

/**
 * Keys from a file (`MCP_API_KEYS_FILE`), re-read when its inode, size or mtime changes, so that a rotation written by
 * the host (the EC2 target's key timer) takes effect within a second, without a restart. Mount the file's directory,
 * not the file: a single-file bind mount keeps showing the old file after an atomic rename.
 */
export function fileKeySource(path: string): KeySource {
  const signature = () => {
    try {
      const st = statSync(path);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return "missing";
    }
  };
  let loaded = "";
  return {
    description: `file ${path}`,
    dynamic: false,
    changed: () => signature() !== loaded,
    async load() {
      const before = signature();
      const keys = parseKeyFile(await readFile(path, "utf8"));
      if (keys.length === 0) throw new Error(`${path} holds no key`);
      loaded = before;
      return keys;
    },
  };
}
