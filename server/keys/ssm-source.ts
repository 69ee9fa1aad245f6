/**
 * The SSM Parameter Store key source. Its own module, so that @aws-sdk/client-ssm is loaded (and, in the bundle, read
 * from its own chunk) only when MCP_API_KEYS_SSM_PARAMETERS is set: it is the largest dependency at start-up.
 */
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { splitList } from "../config.js";
import type { KeySource } from "./sources.js";

export { SSMClient };

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
          const fromParam = splitList(p.Value ?? "");
          if (fromParam.length === 0) throw new Error(`SSM parameter ${p.Name} holds no key`);
          keys.push(...fromParam);
        }
      }
      return keys;
    },
  };
}
