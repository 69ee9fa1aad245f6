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
  /** @throws when the keys cannot be read; the store then keeps the last good set or fails closed. */
  load(): Promise<string[]>;
}

/** Splits a comma-separated key list, dropping blanks and surrounding whitespace. */
export function splitKeys(value: string): string[] {
  return value
    .split(",")
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
}

/** Keys fixed at start, from an environment variable or generated for local development. */
export function staticKeySource(description: string, keys: readonly string[]): KeySource {
  const copy = [...keys];
  return { description, dynamic: false, load: async () => copy };
}
