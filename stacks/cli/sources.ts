/**
 * Where `npm run connect` and `npm run verify` get the URL and the key: flags, the environment, `pulumi stack output`,
 * or SSM. Needs neither the AWS CLI nor jq: SSM is read with @aws-sdk/client-ssm, in the stack's own region.
 */
import { execFileSync } from "node:child_process";
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { API_KEY_ENV } from "../../infra/core/client-configs.js";

/** Bad flags or an unavailable source; `message` names the flag. */
export class UsageError extends Error {}

export const LOCAL_URL = "http://127.0.0.1:8080/mcp";

export interface StackOutputs {
  url: string;
  apiKeyParameterNames: string[];
  /** dockerhost with dockerhostTls=localca: the host's CA certificate (PEM, public; `details.caCertificate`). */
  caCertificate?: string;
}

/** Runs the Pulumi CLI; the only way these commands reach a stack. */
function pulumi(args: string[], what: string): string {
  try {
    return execFileSync("pulumi", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    throw new UsageError(
      missing
        ? "--stack needs the Pulumi CLI, which is not installed here; pass --url instead"
        : `${what} failed: ${String((err as { stderr?: string }).stderr ?? err).trim()}`,
    );
  }
}

/**
 * `pulumi stack output --json --stack S`.
 * @throws {UsageError} when the Pulumi CLI is missing or the stack has no `url` output.
 */
export function stackOutputs(stack: string): StackOutputs {
  const out = pulumi(
    ["stack", "output", "--json", "--show-secrets=false", "--stack", stack],
    `--stack ${stack}: pulumi stack output`,
  );
  const json = JSON.parse(out) as Partial<StackOutputs> & { details?: { caCertificate?: unknown } };
  if (typeof json.url !== "string")
    throw new UsageError(`--stack ${stack}: the stack has no url output; run pulumi up first`);
  const ca = json.details?.caCertificate;
  return {
    url: json.url,
    apiKeyParameterNames: json.apiKeyParameterNames ?? [],
    ...(typeof ca === "string" && ca.includes("BEGIN CERTIFICATE") ? { caCertificate: ca } : {}),
  };
}

/**
 * The stack's `aws:region` (`pulumi config get aws:region --stack S`): where its key parameters live, whatever the
 * shell's AWS_REGION or profile says. Undefined when the stack does not set it (the SDK's own chain then applies).
 * @throws {UsageError} when the Pulumi CLI is missing.
 */
export function stackRegion(stack: string): string | undefined {
  try {
    const region = pulumi(["config", "get", "aws:region", "--stack", stack], `--stack ${stack}: pulumi config get`);
    return region.trim() || undefined;
  } catch (err) {
    if (/not installed/.test((err as Error).message)) throw err;
    return undefined;
  }
}

/** Makes the SSM client for a region (undefined: the SDK's chain, AWS_REGION then the profile). Injected by tests. */
export type SsmClientFactory = (region: string | undefined) => SSMClient;
export const defaultSsmClient: SsmClientFactory = (region) => new SSMClient(region ? { region } : {});

/**
 * Reads one key from SSM (GetParameters with decryption; the same call the server makes); a comma-separated value
 * yields its first key. The endpoint follows the SDK's rules, so `AWS_ENDPOINT_URL_SSM` redirects it
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
 * @param region - the stack's region; undefined: the SDK's chain.
 * @throws {UsageError} naming the parameter and the region when the read fails or the parameter does not exist.
 */
export async function keyFromSsm(
  name: string,
  region: string | undefined,
  makeClient: SsmClientFactory = defaultSsmClient,
): Promise<string> {
  const client = makeClient(region);
  let where = region ?? "the default region";
  try {
    where = region ?? (await client.config.region()) ?? where;
    const out = await client.send(new GetParametersCommand({ Names: [name], WithDecryption: true }));
    const key = (out.Parameters?.[0]?.Value ?? "").split(",")[0]?.trim();
    if (!key) throw new Error(out.InvalidParameters?.length ? "no such parameter" : "empty value");
    return key;
  } catch (err) {
    const e = err as Error;
    const hint = /Region is missing/.test(e.message) ? "; pass --stack, --region or set AWS_REGION" : "";
    throw new UsageError(
      `--api-key-parameter ${name}: could not read it from SSM in ${where} (${e.name}: ${e.message})${hint}`,
    );
  } finally {
    client.destroy();
  }
}

/** The flags `connect` and `verify` share for where the server is and which key to use. */
export const ENDPOINT_OPTIONS = {
  url: { type: "string" },
  stack: { type: "string" },
  region: { type: "string" },
  "api-key": { type: "string" },
  "api-key-parameter": { type: "string" },
} as const;

export interface EndpointFlags {
  url?: string;
  stack?: string;
  region?: string;
  "api-key"?: string;
  "api-key-parameter"?: string;
}

/** Where the key came from, for a line of output that never holds the key. */
export type KeySourceLabel = "--api-key" | `$${typeof API_KEY_ENV}` | `SSM ${string}`;

export interface EndpointDeps {
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default defaultSsmClient */
  ssmClient?: SsmClientFactory;
  /** @default stackOutputs */
  outputs?: (stack: string) => StackOutputs;
  /** @default stackRegion */
  region?: (stack: string) => string | undefined;
}

/**
 * The URL (`--url`, the stack's `url` output, or the local server) and, when `needKey`, the key, from the first of:
 * `--api-key`; `--api-key-parameter` (read from SSM); `$MCP_ANYWHERE_API_KEY`; the stack's first key parameter (SSM).
 * SSM is read in `--region`, else the stack's `aws:region`, else the SDK's default.
 * @throws {UsageError} naming the flag when a value is invalid or a needed source fails.
 */
export async function resolveEndpoint(
  flags: EndpointFlags,
  needKey: boolean,
  deps: EndpointDeps = {},
): Promise<{ url: string; apiKey?: string; keySource?: KeySourceLabel }> {
  const env = deps.env ?? process.env;
  const fromStack = flags.stack ? (deps.outputs ?? stackOutputs)(flags.stack) : undefined;
  const url = flags.url ?? fromStack?.url ?? LOCAL_URL;
  if (!/^https?:\/\/\S+$/.test(url))
    throw new UsageError(`--url ${JSON.stringify(url)} is invalid; allowed: an http(s) URL such as ${LOCAL_URL}`);
  if (!needKey) return { url };
  if (flags["api-key"]) return { url, apiKey: flags["api-key"], keySource: "--api-key" };
  const fromEnv = env[API_KEY_ENV]?.trim();
  if (!flags["api-key-parameter"] && fromEnv) return { url, apiKey: fromEnv, keySource: `$${API_KEY_ENV}` };
  const parameter = flags["api-key-parameter"] ?? fromStack?.apiKeyParameterNames[0];
  if (!parameter) return { url };
  const region = flags.region ?? (flags.stack ? (deps.region ?? stackRegion)(flags.stack) : undefined);
  const apiKey = await keyFromSsm(parameter, region, deps.ssmClient);
  return { url, apiKey, keySource: `SSM ${parameter}${region ? ` (${region})` : ""}` };
}
