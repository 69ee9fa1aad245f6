/**
 * Where API keys come from. Each source returns plain keys to the {@link ApiKeyStore}, which keeps only digests.
 * A source's `description` is safe to log: it names variables or parameters, never a key.
 */
import { GetParametersCommand, type SSMClient } from "@aws-sdk/client-ssm";

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

/** SSM allows at most 10 names per GetParameters call. */
const SSM_BATCH = 10;

/**
 * SecureString parameters read with `GetParameters` and `WithDecryption: true`. Each value holds one key or a
 * comma-separated list.
 *
 * @param names - SSM parameter names (or ARNs); at least one.
 * @param client - an @aws-sdk/client-ssm v3 client; its credentials are the task's or function's own role.
 * @throws from `load()` when SSM fails, a name is unknown (`InvalidParameters`), or a value holds no key.
 */
export function ssmKeySource(names: readonly string[], client: SSMClient): KeySource {
  if (names.length === 0) throw new Error("ssmKeySource needs at least one parameter name");
  return {
    description: `SSM ${names.join(",")}`,
    dynamic: true,
    async load() {
      const keys: string[] = [];
      for (let i = 0; i < names.length; i += SSM_BATCH) {
        const batch = names.slice(i, i + SSM_BATCH);
        const out = await client.send(new GetParametersCommand({ Names: batch, WithDecryption: true }));
        if (out.InvalidParameters && out.InvalidParameters.length > 0) {
          throw new Error(`SSM parameters not found: ${out.InvalidParameters.join(", ")}`);
        }
        for (const p of out.Parameters ?? []) {
          const fromParam = splitKeys(p.Value ?? "");
          if (fromParam.length === 0) throw new Error(`SSM parameter ${p.Name} holds no key`);
          keys.push(...fromParam);
        }
      }
      return keys;
    },
  };
}
