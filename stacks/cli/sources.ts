/** Where `npm run connect` and `npm run verify` get the URL and the key: flags, `pulumi stack output`, or SSM. */
import { execFileSync } from "node:child_process";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";

/** Bad flags or an unavailable source; `message` names the flag. */
export class UsageError extends Error {}

export const LOCAL_URL = "http://127.0.0.1:8080/mcp";

export interface StackOutputs {
  url: string;
  apiKeyParameterNames: string[];
}

/**
 * `pulumi stack output --json --stack S`.
 * @throws {UsageError} when the Pulumi CLI is missing or the stack has no `url` output.
 */
export function stackOutputs(stack: string): StackOutputs {
  let out: string;
  try {
    out = execFileSync("pulumi", ["stack", "output", "--json", "--show-secrets=false", "--stack", stack], {
      encoding: "utf8",
    });
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    throw new UsageError(
      missing
        ? "--stack needs the Pulumi CLI, which is not installed here; pass --url instead"
        : `--stack ${stack}: pulumi stack output failed: ${String((err as { stderr?: string }).stderr ?? err).trim()}`,
    );
  }
  const json = JSON.parse(out) as Partial<StackOutputs>;
  if (typeof json.url !== "string")
    throw new UsageError(`--stack ${stack}: the stack has no url output; run pulumi up first`);
  return { url: json.url, apiKeyParameterNames: json.apiKeyParameterNames ?? [] };
}

/** Reads one key from SSM (GetParameter with decryption); a comma-separated value yields its first key. */
export async function keyFromSsm(name: string, client = new SSMClient({})): Promise<string> {
  try {
    const out = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    const key = (out.Parameter?.Value ?? "").split(",")[0]?.trim();
    if (!key) throw new Error("empty");
    return key;
  } catch (err) {
    throw new UsageError(
      `--api-key-parameter ${name}: could not read it from SSM (${(err as Error).name}: ${(err as Error).message})`,
    );
  }
}

/** The flags `connect` and `verify` share for where the server is and which key to use. */
export const ENDPOINT_OPTIONS = {
  url: { type: "string" },
  stack: { type: "string" },
  "api-key": { type: "string" },
  "api-key-parameter": { type: "string" },
} as const;

export interface EndpointFlags {
  url?: string;
  stack?: string;
  "api-key"?: string;
  "api-key-parameter"?: string;
}

/**
 * The URL (`--url`, the stack's `url` output, or the local server) and, when `needKey`, the key (`--api-key`, or SSM
 * through `--api-key-parameter` or the stack's first key parameter).
 * @throws {UsageError} naming the flag when a value is invalid or a needed key has no source.
 */
export async function resolveEndpoint(
  flags: EndpointFlags,
  needKey: boolean,
): Promise<{ url: string; apiKey?: string }> {
  const fromStack = flags.stack ? stackOutputs(flags.stack) : undefined;
  const url = flags.url ?? fromStack?.url ?? LOCAL_URL;
  if (!/^https?:\/\/\S+$/.test(url))
    throw new UsageError(`--url ${JSON.stringify(url)} is invalid; allowed: an http(s) URL such as ${LOCAL_URL}`);
  if (!needKey) return { url };
  const parameter = flags["api-key-parameter"] ?? fromStack?.apiKeyParameterNames[0];
  const apiKey = flags["api-key"] ?? (parameter ? await keyFromSsm(parameter) : undefined);
  return { url, apiKey };
}
