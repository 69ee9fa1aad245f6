/**
 * `npm run verify -- --url U (--api-key K | --api-key-parameter P | --stack S) [--rate] [--json]`: prints a line per
 * check and a summary; exits 0 only if no check fails (warnings pass), 2 on bad input. Never prints the key.
 */
import { parseArgs } from "node:util";
import { ENDPOINT_OPTIONS, resolveEndpoint, UsageError } from "./sources.js";
import { type CheckResult, verify } from "./verify.js";

export async function verifyCommand(argv: string[], out: (t: string) => void): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...ENDPOINT_OPTIONS,
      rate: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
    strict: true,
  });
  const { url, apiKey } = await resolveEndpoint(values, true);
  if (!apiKey) throw new UsageError("a key is needed: --api-key, --api-key-parameter or --stack");
  const results: CheckResult[] = await verify({ url, apiKey, rate: values.rate });
  const failed = results.filter((r) => r.status === "fail").length;
  if (values.json) out(`${JSON.stringify({ url, ok: failed === 0, results }, null, 2)}\n`);
  else {
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
