import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { splitList } from "../config.js";

/**
 * Where API keys come from (the SSM source is in ./ssm-source.ts, loaded only when configured). Each source returns
 * plain keys to the ApiKeyStore, which keeps only digests. A source's `description` is safe to log: it names
 * variables, a path or parameters, never a key.
 *
 * What a load means to the store (README "Key sources"):
 * - it resolves with keys: they replace the source's keys;
 * - it resolves with `[]` (the source was read and explicitly holds no key: an emptied file, a parameter set to
 *   blanks): the source's keys are revoked;
 * - it rejects (unreadable, missing, timed out, or a key shorter than {@link MIN_KEY_LENGTH}): the source keeps its
 *   last good keys and the store logs a warning.
 */
export interface KeySource {
  /** Safe to log, e.g. `MCP_API_KEYS` or `SSM /mcp/key-1,/mcp/key-2`. */
  readonly description: string;
  /** True when the keys can change while the process runs, so the store re-reads them after its TTL. */
  readonly dynamic: boolean;
  /** A cheap, synchronous check whether the source changed since its last load; the store polls it at most once a second. */
  changed?(): boolean;
  /** @throws when the keys cannot be read; the store then keeps this source's last good keys. */
  load(): Promise<string[]>;
}

/**
 * The shortest key accepted, in characters: API Gateway's own minimum for an API key value ("an alphanumeric string
 * between 20 and 128 characters",
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html), so that a key that
 * works here also works at an API Gateway edge, and so that the 32-bit key id in the logs cannot be reversed by
 * brute force (the review found `MCP_API_KEYS=a` accepted and its id, SHA-256("a"), in the log).
 */
export const MIN_KEY_LENGTH = 20;

/**
 * Why `keys` may not be used, or undefined when all are long enough. Names the source and the key's position (1-based),
 * never the key or its length.
 */
export function shortKeyProblem(description: string, keys: readonly string[]): string | undefined {
  const at = keys.findIndex((k) => k.length < MIN_KEY_LENGTH);
  if (at < 0) return undefined;
  return (
    `${description} holds a key shorter than ${MIN_KEY_LENGTH} characters (key ${at + 1} of ${keys.length}); ` +
    `API keys must be at least ${MIN_KEY_LENGTH} characters (for example \`openssl rand -hex 20\`)`
  );
}

/** Keys fixed at start, from an environment variable or generated for local development. */
export function staticKeySource(description: string, keys: readonly string[]): KeySource {
  const copy = [...keys];
  return { description, dynamic: false, load: async () => copy };
}

/** Parses a key file: one key per line (commas also separate), `#` starts a comment, blanks and CRs are ignored. */
export function parseKeyFile(text: string): string[] {
  return text.split("\n").flatMap((line) => splitList(line.replace(/#.*$/, "")));
}

/** Largest key file whose content is hashed on every change check, bytes; a bigger one is compared by stat only. */
const HASHED_FILE_BYTES = 64 * 1024;

/**
 * Keys from a file (`MCP_API_KEYS_FILE`), re-read when anything about it changes, so that a rotation written by the
 * host (the EC2 target's key timer) takes effect within a second, without a restart.
 *
 * The signature compared once a second is inode, size, mtime and ctime in nanoseconds, plus the SHA-256 of the
 * content: a rewrite in place with the same size and a preserved mtime (`cp -p`, `touch -r`), which the review saw go
 * unnoticed with `ino:size:mtimeMs`, changes the hash (and the ctime). A file that is missing or unreadable is
 * recorded too, so it is re-read as soon as it reappears, not after the store's retry delay.
 *
 * Mount the file's directory, not the file: a single-file bind mount keeps showing the old file after an atomic rename.
 *
 * `load()` resolves `[]` for a file that holds no key (emptied, or comments only): that revokes the file's keys. It
 * rejects when the file is missing or unreadable: the store keeps the last good keys and logs a warning.
 */
export function fileKeySource(path: string): KeySource {
  const signature = (): string => {
    try {
      const st = statSync(path, { bigint: true });
      const stat = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
      if (st.size > BigInt(HASHED_FILE_BYTES)) return stat;
      return `${stat}:${createHash("sha256").update(readFileSync(path)).digest("hex")}`;
    } catch (err) {
      return `error:${(err as NodeJS.ErrnoException).code ?? "unknown"}`;
    }
  };
  let seen: string | undefined;
  return {
    description: `file ${path}`,
    dynamic: false,
    changed: () => seen !== undefined && signature() !== seen,
    async load() {
      // Recorded before reading: a change made during the read is seen by the next check.
      seen = signature();
      return parseKeyFile(await readFile(path, "utf8"));
    },
  };
}
