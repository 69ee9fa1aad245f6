/**
 * "Bring your own MCP server": which server the image runs behind our front (keys, limits, Origin/Host, body limit,
 * logs, health, shutdown, both protocol eras). The one contract between the stack config (stacks/config-schema.ts), the
 * components (the container's environment, sidecars, volumes) and the server (server/upstream/*). Pure: no Pulumi, no
 * server code.
 *
 * - `builtin`: our own tools (echo, server_info, estimate_cost). The default.
 * - `stdio`: our server starts `command` as one long-lived child process and speaks MCP to it over stdin/stdout.
 * - `http`: our server fronts a Streamable HTTP MCP server at `url`, inside the same container (started from `command`
 *   by our server) or in a sidecar container of the same task, pod or compose project (`image`).
 */

/** Which MCP server answers behind our front. */
export const SERVER_MODES = ["builtin", "stdio", "http"] as const;
export type ServerMode = (typeof SERVER_MODES)[number];

/**
 * Runtimes the image can be built with for a stdio or in-container http server: `node` (the base image: `npx` servers)
 * or `python` (adds Debian's Python 3 and uv, for `uvx` servers such as Serena or the e-Stat server).
 */
export const SERVER_RUNTIMES = ["node", "python"] as const;
export type ServerRuntime = (typeof SERVER_RUNTIMES)[number];

/**
 * Environment variables the server reads for the upstream (server/config.ts), written by infra/server-env.ts. Values:
 * - `MCP_UPSTREAM`: a {@link ServerMode}; unset means `builtin`.
 * - `MCP_UPSTREAM_COMMAND`: JSON array of strings, the argv (`["npx","-y","@modelcontextprotocol/server-memory"]`).
 * - `MCP_UPSTREAM_ENV`: JSON object of strings, extra environment for the child only (may hold secrets; never logged).
 * - `MCP_UPSTREAM_CWD`: the child's working directory, an absolute path.
 * - `MCP_UPSTREAM_URL`: http mode: the upstream's Streamable HTTP URL, `http://127.0.0.1:<port>/<path>` or a sidecar's.
 * - `MCP_UPSTREAM_TIMEOUT_MS`: per-call timeout, ms.
 * - `MCP_UPSTREAM_READY_TIMEOUT_MS`: how long a starting child may take to answer `initialize`, ms.
 */
export const UPSTREAM_ENV = {
  mode: "MCP_UPSTREAM",
  command: "MCP_UPSTREAM_COMMAND",
  env: "MCP_UPSTREAM_ENV",
  cwd: "MCP_UPSTREAM_CWD",
  url: "MCP_UPSTREAM_URL",
  timeoutMs: "MCP_UPSTREAM_TIMEOUT_MS",
  readyTimeoutMs: "MCP_UPSTREAM_READY_TIMEOUT_MS",
} as const;

/** Upstream defaults, one place for the config schema, the components and the server. */
export const UPSTREAM_DEFAULTS = {
  mode: "builtin" as ServerMode,
  runtime: "node" as ServerRuntime,
  /** http mode: where the upstream listens inside the container, task or pod. */
  url: "http://127.0.0.1:8000/mcp",
  /** Per-call timeout, ms (a call still running then gets a JSON-RPC error and is cancelled upstream). */
  timeoutMs: 60_000,
  /** Time a child has to answer `initialize` after it starts, ms; `/health` is 503 until it does. */
  readyTimeoutMs: 60_000,
  /** Restart backoff after a child exits: first delay, ms, doubled per failure up to `restartMaxMs`. */
  restartMinMs: 500,
  /** Longest restart delay, ms. */
  restartMaxMs: 30_000,
  /**
   * Whether the server keeps state between calls (Serena's language servers, server-memory's graph): then several
   * copies of it (Lambda environments, Cloud Run instances, Fargate tasks) do not share that state.
   */
  stateful: true,
} as const;

/**
 * How long the platforms' health checks give a container with an upstream (stdio or http mode) to start before a
 * failed check counts, seconds. Our `/health` answers 503 until the upstream has answered `initialize`, which may take
 * up to {@link UPSTREAM_DEFAULTS}.readyTimeoutMs (60 s; a first `npx -y`/`uvx` download, Serena's start) and, when a
 * start fails, a retry after the backoff; builtin mode is ready in well under a second. 240 s is the longest startup
 * probe Cloud Run accepts (`failureThreshold` × `periodSeconds` ≤ 240 s, "Configure container health checks for
 * services", https://cloud.google.com/run/docs/configuring/healthchecks) and within ECS's container health-check
 * `startPeriod` limit of 300 s (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html).
 */
export const UPSTREAM_START_GRACE_SECONDS = 240;

/**
 * The upstream part of every component's Args (infra/core/contract.ts `McpServiceArgs.upstream`). Unset: builtin.
 * Secrets (`env`) travel as Pulumi secrets into the container's environment and are never exported.
 */
export interface UpstreamArgs {
  mode: ServerMode;
  /** stdio: the argv to run; http: the argv our server starts inside the container (empty: the server is `image`). */
  command: string[];
  /** Extra environment for the upstream only, NAME → value. Passed as a secret. @default {} */
  env?: Record<string, string>;
  /** The child's working directory, absolute. @default the image's WORKDIR */
  cwd?: string;
  /** http: the upstream's URL inside the container/task/pod. @default UPSTREAM_DEFAULTS.url */
  url?: string;
  /** http: the user's own image, run as a sidecar next to ours (not on Lambda). @default none */
  image?: string;
  /** Per-call timeout, ms. @default UPSTREAM_DEFAULTS.timeoutMs (60 000) */
  timeoutMs?: number;
  /** True when the upstream keeps state between calls. @default UPSTREAM_DEFAULTS.stateful (true) */
  stateful?: boolean;
  /**
   * A container path kept across restarts and deploys (the workspace a server like Serena works on): a Docker volume
   * on EC2 and Docker hosts, EFS on Fargate when enabled; ephemeral on Cloud Run and Lambda. @default none
   */
  workspacePath?: string;
}
