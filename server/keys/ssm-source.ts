/**
 * The SSM Parameter Store key source. Its own module, so that @aws-sdk/client-ssm is loaded (and, in the bundle, read
 * from its own chunk) only when MCP_API_KEYS_SSM_PARAMETERS is set: it is the largest dependency at start-up.
 */
import { GetParametersCommand, SSMClient, type SSMClientConfig } from "@aws-sdk/client-ssm";
import { splitList } from "../config.js";
import type { KeySource } from "./sources.js";

export { SSMClient };

/** SSM allows at most 10 names per GetParameters call. */
const SSM_BATCH = 10;

/**
 * How the server's own SSM client bounds a call, so that a black-holed endpoint cannot hold a key refresh for the
 * SDK's defaults (no request timeout, a 900,000 ms socket timeout and 3 attempts, the review's H1):
 * - `connectionTimeout` 1,000 ms to open the TCP/TLS connection;
 * - `requestTimeout` 1,500 ms for the whole request, with `throwOnRequestTimeout` (without it @smithy/node-http-handler
 *   only logs a warning);
 * - `socketTimeout` 1,500 ms of socket inactivity;
 * - `maxAttempts` 2 (one retry, with the SDK's standard back-off).
 * Worst case about 3.1 s; the key store also gives up on any source after its own refresh timeout (3 s).
 * Sources: the `requestHandler` shorthand (SDK >= 3.521.0),
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/node-configuring-maxsockets.html; the options and
 * `throwOnRequestTimeout` (@smithy/node-http-handler >= 4.4.0), aws-sdk-js-v3 UPGRADING.md and
 * node_modules/@smithy/node-http-handler/dist-cjs/index.js (setRequestTimeout, setSocketTimeout); `maxAttempts`,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html.
 */
export const SSM_CLIENT_LIMITS = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1000, requestTimeout: 1500, socketTimeout: 1500, throwOnRequestTimeout: true },
} satisfies Partial<SSMClientConfig>;

/**
 * The server's SSM client: the default credential chain and region (AWS_REGION, AWS_ENDPOINT_URL_SSM honoured), with
 * {@link SSM_CLIENT_LIMITS}. `overrides` (tests: endpoint, credentials) are applied on top.
 */
export function createSsmClient(overrides: SSMClientConfig = {}): SSMClient {
  return new SSMClient({ ...SSM_CLIENT_LIMITS, ...overrides });
}

/**
 * SecureString parameters read with `GetParameters` and `WithDecryption: true`. Each value holds one key or a
 * comma-separated list; a value of only blanks and commas holds no key, which revokes that parameter's keys.
 *
 * @param names - SSM parameter names (or ARNs); at least one.
 * @param client - an @aws-sdk/client-ssm v3 client; its credentials are the task's or function's own role.
 * @throws from `load()` when SSM fails or a name is unknown (`InvalidParameters`, e.g. a deleted parameter): the store
 *   then keeps the last good keys.
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
        for (const p of out.Parameters ?? []) keys.push(...splitList(p.Value ?? ""));
      }
      return keys;
    },
  };
}
