/**
 * `npm run verify -- [--url U] [--stack S] [--api-key K | --api-key-parameter P [--region R]] [--rate] [--json]`:
 * prints where the key came from, a line per check and a summary; exits 0 only if no check fails (warnings pass), 2 on
 * bad input. Never prints the key. The key: --api-key, --api-key-parameter (SSM), $MCP_ANYWHERE_API_KEY, or the
 * stack's first key parameter (SSM, in the stack's aws:region). A 429 from an earlier run is waited out (Retry-After).
 */
import { parseArgs } from "node:util";
import { API_KEY_ENV } from "../../infra/core/client-configs.js";
import { ENDPOINT_OPTIONS, type EndpointDeps, resolveEndpoint, UsageError } from "./sources.js";
import { type CheckResult, verify } from "./verify.js";

export async function verifyCommand(
  argv: string[],
  out: (t: string) => void,
  deps: EndpointDeps = {},
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...ENDPOINT_OPTIONS,
      rate: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
    strict: true,
  });
  const { url, apiKey, keySource } = await resolveEndpoint(values, true, deps);
  if (!apiKey)
    throw new UsageError(
      `a key is needed: --api-key, --api-key-parameter, $${API_KEY_ENV} or --stack (its SSM parameter)`,
    );
  const results: CheckResult[] = await verify({ url, apiKey, rate: values.rate });
  const failed = results.filter((r) => r.status === "fail").length;
  if (values.json) out(`${JSON.stringify({ url, keySource, ok: failed === 0, results }, null, 2)}\n`);
  else {
    out(`key: from ${keySource}\n`);
    for (const r of results) out(`${r.status.toUpperCase().padEnd(4)} ${r.name}: ${r.detail}\n`);
    out(
      failed === 0
        ? `summary: every check passes (${results.length})\n`
        : `summary: ${failed} of ${results.length} checks fail\n`,
    );
  }
  return failed === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  verifyCommand(process.argv.slice(2), (t) => process.stdout.write(t)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      const known = err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
      process.stderr.write(`npm run verify: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(known ? 2 : 1);
    },
  );
}
