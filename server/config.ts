/**
 * Server configuration: every environment variable the server reads, parsed once at start with zod.
 *
 * The README's "Environment variables" table mirrors {@link ENV_DOCS}; a test keeps the two in step.
 */
import { z } from "zod";
import { TOOL_NAME } from "../infra/core/contract.js";
import { SERVER_MODES, type ServerMode, UPSTREAM_DEFAULTS, UPSTREAM_ENV } from "../infra/core/upstream.js";
import { SERVER_DEFAULTS } from "./defaults.js";

/** Where the image runs. Each Pulumi component sets `MCP_TARGET`; `local` is a developer's machine. */
export const TARGETS = ["local", "lambda", "fargate", "cloudrun", "ec2", "dockerhost"] as const;
export type RuntimeTarget = (typeof TARGETS)[number];

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Thrown by {@link loadServerConfig}. `message` names the variable, the value it got and what is allowed. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

const BOOL = ["true", "false", "1", "0"] as const;
const bool = (fallback: boolean) =>
  z
    .enum(BOOL, { error: `one of ${BOOL.join(", ")}` })
    .optional()
    .transform((v) => (v === undefined ? fallback : v === "true" || v === "1"));

const int = (fallback: number, min: number, max: number, unit: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `an integer from ${min} to ${max} (${unit})` });
        return z.NEVER;
      }
      return n;
    });

/** Splits a comma-separated list, dropping blanks and surrounding whitespace (keys, origins, hosts, names). */
export function splitList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Comma-separated list; blanks and surrounding spaces are dropped. */
const list = z
  .string()
  .optional()
  .transform((v) => splitList(v ?? ""));

const path = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v) => v ?? fallback)
    .pipe(z.string().regex(/^\/[A-Za-z0-9._~\-/]*$/, { error: "a path starting with / (letters, digits, . _ ~ - /)" }));

/** Trust-proxy hop count: unset or empty means "trust no proxy" (the socket address is the client). */
const trustProxy = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === "" || v === "false") return false as const;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 10) {
      ctx.addIssue({ code: "custom", message: "a whole number of trusted proxy hops from 1 to 10, or unset" });
      return z.NEVER;
    }
    return n;
  });

/** Largest per-tool rate, requests/s (the same ceiling as MCP_RATE_LIMIT_RPS). */
export const TOOL_RPS_MAX = 100_000;

const TOOL_LIMITS_EXPECTED =
  `comma-separated tool=rps entries, each tool once (tool: 1 to 64 characters of A-Z a-z 0-9 _ . -; rps: an ` +
  `integer from 1 to ${TOOL_RPS_MAX}, requests/s per API key and tool), or unset`;

/**
 * `MCP_TOOL_RATE_LIMITS`, as infra/server-env.ts writes it: `tool=rps` entries separated by commas (`echo=50,
 * estimate_cost=2`); spaces around entries, names and numbers are ignored, blank entries dropped. Unset or empty: no
 * per-tool limits. The issue names the first bad entry.
 */
const toolRateLimits = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const limits: Record<string, number> = {};
    for (const entry of splitList(v ?? "")) {
      const eq = entry.indexOf("=");
      const tool = eq < 0 ? "" : entry.slice(0, eq).trim();
      const rpsText = eq < 0 ? "" : entry.slice(eq + 1).trim();
      const rps = rpsText === "" ? Number.NaN : Number(rpsText);
      const problem = !TOOL_NAME.test(tool)
        ? "the tool name is not allowed"
        : !Number.isInteger(rps) || rps < 1 || rps > TOOL_RPS_MAX
          ? "the rate is not allowed"
          : Object.hasOwn(limits, tool)
            ? "the tool is listed twice"
            : undefined;
      if (problem) {
        ctx.addIssue({ code: "custom", message: `${TOOL_LIMITS_EXPECTED}; in ${JSON.stringify(entry)} ${problem}` });
        return z.NEVER;
      }
      // A data property even for a name like `__proto__` (Object.defineProperty, not assignment).
      Object.defineProperty(limits, tool, { value: rps, enumerable: true, writable: false });
    }
    return limits;
  });

/** The upstream's argv, `MCP_UPSTREAM_COMMAND`: a JSON array of non-empty strings (unset or empty: no command). */
const argv = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === "") return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((a) => typeof a === "string" && a !== "")) {
      ctx.addIssue({ code: "custom", message: 'a JSON array of non-empty strings, the argv (["npx","-y","pkg"])' });
      return z.NEVER;
    }
    return parsed as string[];
  });

/** Variable names: letters, digits and underscores, not starting with a digit. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `MCP_UPSTREAM_ENV`: a JSON object of strings. It may hold secrets: the error names the rule broken, never a value
 * (and {@link loadServerConfig} does not echo this variable's value).
 */
const childEnv = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === "") return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      parsed = undefined;
    }
    const ok =
      typeof parsed === "object" &&
      parsed !== null &&
      !Array.isArray(parsed) &&
      Object.entries(parsed).every(([k, val]) => ENV_NAME.test(k) && typeof val === "string");
    if (!ok) {
      ctx.addIssue({ code: "custom", message: "a JSON object of NAME: string entries (NAME: letters, digits, _)" });
      return z.NEVER;
    }
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(parsed as Record<string, string>))
      Object.defineProperty(out, k, { value: val, enumerable: true, writable: false });
    return out;
  });

const absolutePath = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v))
  .pipe(z.string().startsWith("/", { error: "an absolute path" }).optional());

const upstreamUrl = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? UPSTREAM_DEFAULTS.url : v.trim()))
  .pipe(z.url({ protocol: /^https?$/, error: "an http:// or https:// URL" }));

/** Variables whose values are never echoed in a ConfigError (they may hold secrets). */
const SECRET_VARIABLES: ReadonlySet<string> = new Set([UPSTREAM_ENV.env]);

const schema = z.object({
  PORT: int(SERVER_DEFAULTS.port, 0, 65535, "TCP port"),
  HOST: z.string().min(1).optional(),
  MCP_PATH: path(SERVER_DEFAULTS.mcpPath),
  MCP_HEALTH_PATH: path(SERVER_DEFAULTS.healthPath),
  MCP_DEV: bool(false),
  MCP_TARGET: z.enum(TARGETS, { error: `one of ${TARGETS.join(", ")}` }).default("local"),
  MCP_REGION: z.string().optional(),
  AWS_REGION: z.string().optional(),
  MCP_API_KEYS: list,
  MCP_API_KEYS_SSM_PARAMETERS: list,
  MCP_API_KEYS_FILE: z.string().min(1).optional(),
  MCP_API_KEYS_TTL_SECONDS: int(SERVER_DEFAULTS.apiKeysTtlSeconds, 0, 86_400, "seconds"),
  MCP_RATE_LIMIT_RPS: int(SERVER_DEFAULTS.rateLimitRps, 1, 100_000, "requests/s per API key"),
  MCP_RATE_LIMIT_BURST: int(SERVER_DEFAULTS.rateLimitBurst, 1, 1_000_000, "requests per API key"),
  MCP_RATE_LIMIT_IP_PER_MINUTE: int(SERVER_DEFAULTS.rateLimitIpPerMinute, 1, 1_000_000, "requests/min per IP"),
  MCP_TOOL_RATE_LIMITS: toolRateLimits,
  MCP_TRUST_PROXY: trustProxy,
  MCP_ALLOWED_ORIGINS: list,
  MCP_ALLOWED_HOSTS: list,
  MCP_MAX_BODY_BYTES: int(SERVER_DEFAULTS.maxBodyBytes, 1024, 100 * 1024 * 1024, "bytes"),
  MCP_JSON_RESPONSE: bool(false),
  MCP_SHUTDOWN_GRACE_MS: int(SERVER_DEFAULTS.shutdownGraceMs, 0, 120_000, "ms"),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  [UPSTREAM_ENV.mode]: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? UPSTREAM_DEFAULTS.mode : v))
    .pipe(z.enum(SERVER_MODES, { error: `one of ${SERVER_MODES.join(", ")}` })),
  [UPSTREAM_ENV.command]: argv,
  [UPSTREAM_ENV.env]: childEnv,
  [UPSTREAM_ENV.cwd]: absolutePath,
  [UPSTREAM_ENV.url]: upstreamUrl,
  [UPSTREAM_ENV.timeoutMs]: int(UPSTREAM_DEFAULTS.timeoutMs, 100, 3_600_000, "ms"),
  [UPSTREAM_ENV.readyTimeoutMs]: int(UPSTREAM_DEFAULTS.readyTimeoutMs, 100, 3_600_000, "ms"),
});

/**
 * The upstream MCP server behind our front (infra/core/upstream.ts). `builtin`: our own tools, nothing else is set.
 * `stdio`: `command` is the child's argv (never empty). `http`: `url`, and `command` (possibly empty: a sidecar).
 * `env` is extra environment for the child only and may hold secrets: never log it.
 */
export type UpstreamConfig =
  | { mode: "builtin" }
  | {
      mode: Exclude<ServerMode, "builtin">;
      command: string[];
      env: Readonly<Record<string, string>>;
      cwd: string | undefined;
      url: string;
      /** Per-call timeout, ms (reset by each progress notification). */
      timeoutMs: number;
      /** How long a starting child may take to initialize (http: to answer on `url` and initialize), ms. */
      readyTimeoutMs: number;
    };

/** The parsed configuration. Units: ports and counts are plain numbers, durations say their unit in the name. */
export interface ServerConfig {
  port: number;
  host: string;
  mcpPath: string;
  healthPath: string;
  dev: boolean;
  target: RuntimeTarget;
  region: string;
  /** Keys from MCP_API_KEYS and MCP_API_KEYS_<N>, in that order. */
  apiKeys: string[];
  /** The variables `apiKeys` came from (names only, for logs). */
  apiKeyVariables: string[];
  ssmParameterNames: string[];
  /** A key file re-read when it changes; undefined when not set. */
  apiKeysFile: string | undefined;
  apiKeysTtlSeconds: number;
  rateLimit: { requestsPerSecond: number; burst: number; ipRequestsPerMinute: number };
  /**
   * Per-tool limits from MCP_TOOL_RATE_LIMITS: tool name → requests/s per API key and tool (integer >= 1). Empty when
   * unset. A tool not listed has the per-key limit only. Enforced by `toolRateLimit` (server/http/rate-limit.ts).
   */
  toolRateLimits: Readonly<Record<string, number>>;
  trustProxy: number | false;
  allowedOrigins: string[];
  allowedHosts: string[];
  maxBodyBytes: number;
  jsonResponse: boolean;
  shutdownGraceMs: number;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Which MCP server answers behind the front; see {@link UpstreamConfig}. */
  upstream: UpstreamConfig;
}

/** Every variable {@link loadServerConfig} reads: name, default and meaning. The README table is checked against it. */
export const ENV_DOCS: Record<keyof z.input<typeof schema>, { default: string; meaning: string }> = {
  PORT: { default: String(SERVER_DEFAULTS.port), meaning: "TCP port to listen on." },
  HOST: { default: "0.0.0.0", meaning: "Address to bind; 127.0.0.1 by default when MCP_DEV is on." },
  MCP_PATH: { default: SERVER_DEFAULTS.mcpPath, meaning: "Path of the Streamable HTTP endpoint." },
  MCP_HEALTH_PATH: { default: SERVER_DEFAULTS.healthPath, meaning: "Path of the unauthenticated health check." },
  MCP_DEV: {
    default: "false",
    meaning:
      "Local development (`npm start` sets 1): bind loopback; with no key source, generate a key and print it once " +
      "with client configs.",
  },
  MCP_TARGET: {
    default: "local",
    meaning: `Where the image runs, reported by server_info: ${TARGETS.join(", ")}. On lambda and cloudrun (CPU only during a request) each request's span is exported before its response ends.`,
  },
  MCP_REGION: { default: "AWS_REGION, else unknown", meaning: "Region reported by server_info." },
  AWS_REGION: {
    default: "(from the platform)",
    meaning: "AWS region for the SSM client; also the fallback for MCP_REGION.",
  },
  MCP_API_KEYS: {
    default: "(none)",
    meaning:
      "Comma-separated API keys. MCP_API_KEYS_1, MCP_API_KEYS_2, … are read too and joined into one set (ECS passes " +
      "one secret per variable). Never logged.",
  },
  MCP_API_KEYS_SSM_PARAMETERS: {
    default: "(none)",
    meaning: "Comma-separated SSM parameter names; each SecureString holds one key or a comma-separated list.",
  },
  MCP_API_KEYS_FILE: {
    default: "(none)",
    meaning: "Path of a key file (one key per line, # comments), re-read within a second when it changes.",
  },
  MCP_API_KEYS_TTL_SECONDS: {
    default: String(SERVER_DEFAULTS.apiKeysTtlSeconds),
    meaning: "How long SSM keys are cached before the next read (seconds); rotation takes effect within it.",
  },
  MCP_RATE_LIMIT_RPS: {
    default: String(SERVER_DEFAULTS.rateLimitRps),
    meaning: "Sustained requests/s allowed per API key.",
  },
  MCP_RATE_LIMIT_BURST: {
    default: String(SERVER_DEFAULTS.rateLimitBurst),
    meaning: "Requests per API key allowed at once.",
  },
  MCP_RATE_LIMIT_IP_PER_MINUTE: {
    default: String(SERVER_DEFAULTS.rateLimitIpPerMinute),
    meaning: "Requests/min per client IP for requests without a valid key (brute-force guard).",
  },
  MCP_TOOL_RATE_LIMITS: {
    default: "(none)",
    meaning:
      "Per-tool limits: comma-separated tool=rps entries (e.g. echo=50,estimate_cost=2), requests/s per API key and " +
      "tool, on top of the key's limit; a tool not listed has the key's limit only. Deployments set it from " +
      "mcp-anywhere:toolRateLimits.",
  },
  MCP_TRUST_PROXY: {
    default: "(unset: trust no proxy)",
    meaning: "Number of proxy hops whose X-Forwarded-For is trusted to find the client IP.",
  },
  MCP_ALLOWED_ORIGINS: {
    default: "(empty)",
    meaning: "Comma-separated Origins allowed; a request with any other Origin gets 403.",
  },
  MCP_ALLOWED_HOSTS: {
    default: "(empty: no check)",
    meaning: "Comma-separated Host values allowed; when set, any other gets 403.",
  },
  MCP_MAX_BODY_BYTES: {
    default: String(SERVER_DEFAULTS.maxBodyBytes),
    meaning: "Largest request body accepted (bytes); larger gets 413.",
  },
  MCP_JSON_RESPONSE: {
    default: "false",
    meaning:
      "Answer with one JSON body instead of an SSE stream, for buffering edges; progress notifications are lost.",
  },
  MCP_SHUTDOWN_GRACE_MS: {
    default: String(SERVER_DEFAULTS.shutdownGraceMs),
    meaning: "After SIGTERM, how long in-flight requests may finish before the process exits (ms).",
  },
  [UPSTREAM_ENV.mode]: {
    default: UPSTREAM_DEFAULTS.mode,
    meaning:
      "Which MCP server answers behind this front: builtin (our tools), stdio (MCP_UPSTREAM_COMMAND as a child " +
      "speaking MCP on stdin/stdout) or http (a Streamable HTTP server at MCP_UPSTREAM_URL). Keys, limits, " +
      "Origin/Host, body limit, logs, health and both protocol eras apply in every mode.",
  },
  [UPSTREAM_ENV.command]: {
    default: "(none)",
    meaning:
      'The child\'s argv as a JSON array (["npx","-y","@modelcontextprotocol/server-memory"]); required for stdio; ' +
      "in http mode, started by this server when set (else the upstream is a sidecar).",
  },
  [UPSTREAM_ENV.env]: {
    default: "{}",
    meaning:
      "Extra environment for the child only, a JSON object of strings, on top of a minimal safe environment " +
      "(HOME, LOGNAME, PATH, SHELL, TERM, USER): the child never sees this server's keys or other variables. " +
      "May hold secrets; never logged.",
  },
  [UPSTREAM_ENV.cwd]: { default: "(the server's working directory)", meaning: "The child's working directory." },
  [UPSTREAM_ENV.url]: {
    default: UPSTREAM_DEFAULTS.url,
    meaning: "http mode: the upstream's Streamable HTTP URL (inside the container, task or pod).",
  },
  [UPSTREAM_ENV.timeoutMs]: {
    default: String(UPSTREAM_DEFAULTS.timeoutMs),
    meaning:
      "Per-call timeout to the upstream (ms), reset by each progress notification; a call past it gets a JSON-RPC " +
      "error and is cancelled upstream.",
  },
  [UPSTREAM_ENV.readyTimeoutMs]: {
    default: String(UPSTREAM_DEFAULTS.readyTimeoutMs),
    meaning:
      "How long a starting upstream may take to answer initialize (ms); /health answers 503 until it does, and a " +
      "child that misses it is restarted with backoff.",
  },
  LOG_LEVEL: { default: "info", meaning: `pino log level: ${LOG_LEVELS.join(", ")}.` },
};

const NUMBERED_KEYS = /^MCP_API_KEYS_(\d+)$/;

/**
 * `MCP_API_KEYS_<N>` variables in numeric order, each a comma-separated list.
 * @throws {ConfigError} when one is set but holds no key.
 */
function numberedKeyVariables(env: NodeJS.ProcessEnv): { name: string; keys: string[] }[] {
  return Object.keys(env)
    .map((name) => ({ name, n: Number(NUMBERED_KEYS.exec(name)?.[1]) }))
    .filter((v) => Number.isInteger(v.n))
    .sort((a, b) => a.n - b.n)
    .map(({ name }) => {
      const keys = list.parse(env[name]);
      if (keys.length === 0)
        throw new ConfigError(`${name}="" is invalid: expected one or more comma-separated API keys`);
      return { name, keys };
    });
}

/**
 * Parses the environment into a {@link ServerConfig}.
 *
 * @param env - usually `process.env`; only the keys of {@link ENV_DOCS} are read.
 * @returns the configuration, with defaults from `server/defaults.ts` applied.
 * @throws {ConfigError} naming each bad variable, the value it got and what is allowed; also when no key source is
 *   set outside dev mode (the message names MCP_API_KEYS and MCP_API_KEYS_SSM_PARAMETERS).
 */
export function loadServerConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0]);
      const shown = SECRET_VARIABLES.has(key) ? "(value hidden)" : JSON.stringify(env[key] ?? null);
      return `${key}=${shown} is invalid: expected ${issue.message}`;
    });
    throw new ConfigError(`Invalid server configuration:\n  ${lines.join("\n  ")}`);
  }
  const e = parsed.data;
  const numbered = numberedKeyVariables(env);
  const apiKeys = [...e.MCP_API_KEYS, ...numbered.flatMap((v) => v.keys)];
  const apiKeyVariables = [...(e.MCP_API_KEYS.length > 0 ? ["MCP_API_KEYS"] : []), ...numbered.map((v) => v.name)];
  if (!e.MCP_DEV && apiKeys.length === 0 && e.MCP_API_KEYS_SSM_PARAMETERS.length === 0 && !e.MCP_API_KEYS_FILE) {
    throw new ConfigError(
      "No API key source: set MCP_API_KEYS (comma-separated keys), MCP_API_KEYS_SSM_PARAMETERS " +
        "(comma-separated SSM parameter names) or MCP_API_KEYS_FILE (a key file). For local development only, set MCP_DEV=1 to generate a key.",
    );
  }
  return {
    port: e.PORT,
    host: e.HOST ?? (e.MCP_DEV ? "127.0.0.1" : "0.0.0.0"),
    mcpPath: e.MCP_PATH,
    healthPath: e.MCP_HEALTH_PATH,
    dev: e.MCP_DEV,
    target: e.MCP_TARGET,
    region: e.MCP_REGION ?? e.AWS_REGION ?? "unknown",
    apiKeys,
    apiKeyVariables,
    ssmParameterNames: e.MCP_API_KEYS_SSM_PARAMETERS,
    apiKeysFile: e.MCP_API_KEYS_FILE,
    apiKeysTtlSeconds: e.MCP_API_KEYS_TTL_SECONDS,
    rateLimit: {
      requestsPerSecond: e.MCP_RATE_LIMIT_RPS,
      burst: e.MCP_RATE_LIMIT_BURST,
      ipRequestsPerMinute: e.MCP_RATE_LIMIT_IP_PER_MINUTE,
    },
    toolRateLimits: e.MCP_TOOL_RATE_LIMITS,
    trustProxy: e.MCP_TRUST_PROXY,
    allowedOrigins: e.MCP_ALLOWED_ORIGINS,
    allowedHosts: e.MCP_ALLOWED_HOSTS,
    maxBodyBytes: e.MCP_MAX_BODY_BYTES,
    jsonResponse: e.MCP_JSON_RESPONSE,
    shutdownGraceMs: e.MCP_SHUTDOWN_GRACE_MS,
    logLevel: e.LOG_LEVEL,
    upstream: upstreamConfig(e),
  };
}

/**
 * Shapes the upstream variables.
 * @throws {ConfigError} when MCP_UPSTREAM=stdio has no MCP_UPSTREAM_COMMAND.
 */
function upstreamConfig(e: z.output<typeof schema>): UpstreamConfig {
  const mode = e[UPSTREAM_ENV.mode];
  if (mode === "builtin") return { mode };
  const command = e[UPSTREAM_ENV.command];
  if (mode === "stdio" && command.length === 0) {
    throw new ConfigError(
      `Invalid server configuration:\n  ${UPSTREAM_ENV.command} is required when ${UPSTREAM_ENV.mode}=stdio: ` +
        'expected a JSON array of non-empty strings, the argv (["npx","-y","pkg"])',
    );
  }
  return {
    mode,
    command,
    env: e[UPSTREAM_ENV.env],
    cwd: e[UPSTREAM_ENV.cwd],
    url: e[UPSTREAM_ENV.url],
    timeoutMs: e[UPSTREAM_ENV.timeoutMs],
    readyTimeoutMs: e[UPSTREAM_ENV.readyTimeoutMs],
  };
}
