/**
 * One connection to the upstream: a long-lived SDK `Client` (@modelcontextprotocol/client) on
 * - stdio: `StdioClientTransport`, which spawns the child (argv, cwd, the safe environment of ./child-process.ts
 *   plus MCP_UPSTREAM_ENV) and speaks MCP on its stdin/stdout; its stderr goes to the logs (./output-log.ts);
 * - http: `StreamableHTTPClientTransport` to `url`, after starting `command` as a child (its stdout and stderr go to
 *   the logs) and waiting until `url` answers, or directly (a sidecar) when there is no command.
 * `initialize` must complete within `readyTimeoutMs` of the start. The client refuses every request from the child
 * (sampling, elicitation, roots: see ./bridge.ts) and logs the child's `notifications/message` through pino.
 */
import type { ChildProcess } from "node:child_process";
import type { Readable } from "node:stream";
import { Client, ProtocolError, ProtocolErrorCode, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import type { Logger } from "pino";
import type { UpstreamConfig } from "../config.js";
import { SERVER_NAME, SERVER_VERSION } from "../mcp/runtime.js";
import { type ChildExit, childEnvironment, describeExit, spawnChild, stopChild, waitForUrl } from "./child-process.js";
import { shortReason } from "./errors.js";
import { logOutputLines } from "./output-log.js";
import { routeProgress } from "./progress.js";
import { redactKeys } from "./redact.js";

export type ActiveUpstream = Exclude<UpstreamConfig, { mode: "builtin" }>;

export interface ConnectDeps {
  logger: Logger;
  isKey: (candidate: string) => boolean;
  /** Called once when the connection is gone after `connect` resolved or while it runs (child exit, close). */
  onGone: (exit: ChildExit & { reason: string }) => void;
  /** Set as soon as there is something to stop (a child, a client), so a failed or timed-out start can be cleaned up. */
  handle: { stop?: () => Promise<void> };
}

export interface Connection {
  client: Client;
  /** The child's pid (stdio, or http with a command). */
  pid: number | undefined;
  /** Closes the client and stops the child (SIGTERM, then SIGKILL after a grace). */
  stop: () => Promise<void>;
}

/** MCP logging levels (RFC 5424 names) → pino levels. */
const LOG_LEVEL: Record<string, "debug" | "info" | "warn" | "error"> = {
  debug: "debug",
  info: "info",
  notice: "info",
  warning: "warn",
  error: "error",
  critical: "error",
  alert: "error",
  emergency: "error",
};

/** The shared client: no client capabilities (no sampling, elicitation or roots: there is no caller to ask). */
function newClient(deps: Pick<ConnectDeps, "logger" | "isKey">): Client {
  const client = new Client({ name: SERVER_NAME, version: SERVER_VERSION }, { capabilities: {} });
  client.fallbackRequestHandler = async (request) => {
    deps.logger.warn({ upstream: { method: request.method } }, "upstream sent a request this bridge cannot serve");
    throw new ProtocolError(
      ProtocolErrorCode.MethodNotFound,
      `${request.method} is not available: mcp-anywhere fronts this server statelessly and has no channel back to ` +
        "the caller for server-to-client requests (sampling, elicitation, roots)",
    );
  };
  routeProgress(client);
  client.setNotificationHandler("notifications/message", (n) => {
    const { level, logger: source, data } = n.params;
    const text = typeof data === "string" ? data : JSON.stringify(data);
    deps.logger[LOG_LEVEL[level] ?? "info"](
      {
        upstream: { level, ...(source ? { logger: String(source).slice(0, 100) } : {}) },
        data: redactKeys(text ?? "", deps.isKey),
      },
      "upstream log message",
    );
  });
  return client;
}

/**
 * Rejects with "did not initialize within N ms" when `p` takes longer than `ms`.
 */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), Math.max(0, ms));
    timer.unref();
  });
  p.catch(() => {}); // abandoned at the timeout: not an unhandled rejection
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** stdio: spawn via the SDK transport and initialize. @throws when the spawn fails or initialize is late. */
export async function connectStdio(cfg: ActiveUpstream, deps: ConnectDeps): Promise<Connection> {
  const [command = "", ...args] = cfg.command;
  const transport = new StdioClientTransport({
    command,
    args,
    env: childEnvironment(cfg.env),
    cwd: cfg.cwd,
    stderr: "pipe",
  });
  let exit: ChildExit | undefined;
  let child: ChildProcess | undefined;
  // The SDK does not report the exit status; read it from the process it spawned (a private field, checked).
  const start = transport.start.bind(transport);
  transport.start = async () => {
    await start();
    child = (transport as unknown as { _process?: ChildProcess })._process;
    child?.once("exit", (code, signal) => {
      exit = { code, signal };
    });
    const stderr = transport.stderr;
    // stderr: "pipe" makes it the SDK's PassThrough, a Readable.
    if (stderr) logOutputLines(stderr as Readable, { ...deps, stream: "stderr", pid: transport.pid ?? undefined });
  };
  const client = newClient(deps);
  client.onclose = () => {
    const e = exit ?? { code: null, signal: null };
    deps.onGone({ ...e, reason: exit ? `exited (${describeExit(exit)})` : "connection closed" });
  };
  deps.handle.stop = () => client.close();
  await within(client.connect(transport), cfg.readyTimeoutMs, "did not initialize");
  return { client, pid: transport.pid ?? undefined, stop: () => client.close() };
}

/** http: start the command (if any), wait for the URL, connect and initialize. @throws when not ready in time. */
export async function connectHttp(cfg: ActiveUpstream, deps: ConnectDeps): Promise<Connection> {
  const deadline = Date.now() + cfg.readyTimeoutMs;
  let child: ChildProcess | undefined;
  if (cfg.command.length > 0) {
    const proc = spawnChild(cfg.command, cfg.env, cfg.cwd);
    child = proc;
    proc.once("error", (err) =>
      deps.onGone({ code: null, signal: null, reason: `could not start: ${shortReason(err)}` }),
    );
    proc.once("exit", (code, signal) =>
      deps.onGone({ code, signal, reason: `exited (${describeExit({ code, signal })})` }),
    );
    for (const stream of ["stdout", "stderr"] as const) {
      const s = proc[stream];
      if (s) logOutputLines(s, { ...deps, stream, pid: proc.pid });
    }
    deps.handle.stop = () => stopChild(proc);
    await waitForUrl(cfg.url, deadline, proc);
  }
  const client = newClient(deps);
  const stop = async () => {
    await client.close().catch(() => {});
    if (child) await stopChild(child);
  };
  deps.handle.stop = stop;
  await within(
    client.connect(new StreamableHTTPClientTransport(new URL(cfg.url))),
    deadline - Date.now(),
    "did not initialize",
  );
  return { client, pid: child?.pid, stop };
}
