/**
 * Starts the server: config, logger, key store, app, listen, graceful shutdown. `server/main.ts` calls it with
 * `process.env`; tests call it with their own environment and injected clients.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { SpanExporter } from "@opentelemetry/sdk-trace";
import type { DestinationStream, Logger } from "pino";
import { createApp } from "./app.js";
import { ConfigError, loadServerConfig, type ServerConfig, splitList } from "./config.js";
import { SERVER_DEFAULTS } from "./defaults.js";
import { devBanner, generateDevKey } from "./dev-banner.js";
import { ApiKeyStore } from "./keys/key-store.js";
import { fileKeySource, type KeySource, shortKeyProblem, staticKeySource } from "./keys/sources.js";
import { createLogger } from "./logger.js";
import { runtimeInfo } from "./mcp/runtime.js";
import { startTracing, type Tracing } from "./telemetry/tracing.js";
import { createUpstream, type UpstreamSupervisor } from "./upstream/index.js";

export interface StartOptions {
  /**
   * @default `createSsmClient()` (server/keys/ssm-source.ts): the default AWS credential chain and region (AWS_REGION,
   * AWS_ENDPOINT_URL_SSM honoured), with bounded timeouts and retries
   */
  ssmClient?: SSMClient;
  /** Key store tuning (tests): a source's load timeout, ms. @default REFRESH_TIMEOUT_MS (server/keys/key-store.ts) */
  keyRefreshTimeoutMs?: number;
  /** Log destination. @default stdout */
  logDestination?: DestinationStream;
  /** Where the dev banner goes. @default process.stdout.write */
  print?: (text: string) => void;
  /** Install SIGTERM/SIGINT handlers that drain and exit. @default true */
  handleSignals?: boolean;
  /** Tests: export spans here instead of over OTLP (tracing on without an endpoint). @default OTLP when configured */
  spanExporter?: SpanExporter;
}

export interface RunningServer {
  config: ServerConfig;
  /** `http://host:port/mcp`, with the real port when PORT=0. */
  url: string;
  server: Server;
  logger: Logger;
  keyStore: ApiKeyStore;
  /** stdio/http mode: the upstream's supervisor (state, child pid); stopped by `close` after the drain. */
  upstream?: UpstreamSupervisor;
  /** Tracing (server/telemetry/tracing.ts), undefined when off. `close` flushes it. */
  tracing?: Tracing;
  /** Stops accepting, lets in-flight requests finish within the grace period, then resolves. */
  close: () => Promise<void>;
}

/**
 * Builds the key sources from config; in dev mode with none configured, adds a generated key.
 *
 * @throws {ConfigError} when a key variable holds a key shorter than MIN_KEY_LENGTH (20) characters, naming the
 *   variable and the key's position, never the key.
 */
async function keySources(
  config: ServerConfig,
  env: NodeJS.ProcessEnv,
  ssmClient: SSMClient | undefined,
): Promise<{ sources: KeySource[]; generated?: string }> {
  const problems = config.apiKeyVariables
    .map((name) => shortKeyProblem(name, splitList(env[name] ?? "")))
    .filter((p) => p !== undefined);
  if (problems.length > 0) throw new ConfigError(`Invalid server configuration:\n  ${problems.join("\n  ")}`);
  const sources: KeySource[] = [];
  if (config.apiKeys.length > 0) sources.push(staticKeySource(config.apiKeyVariables.join(","), config.apiKeys));
  if (config.apiKeysFile !== undefined) sources.push(fileKeySource(config.apiKeysFile));
  if (config.ssmParameterNames.length > 0) {
    const ssm = await import("./keys/ssm-source.js");
    sources.push(ssm.ssmKeySource(config.ssmParameterNames, ssmClient ?? ssm.createSsmClient()));
  }
  if (sources.length > 0) return { sources };
  const generated = generateDevKey();
  return { sources: [staticKeySource("generated (MCP_DEV)", [generated])], generated };
}

/** Resolves once every response in `open` has emitted `close`, or after `ms`. */
function allClosed(open: ReadonlySet<ServerResponse>, ms: number): Promise<void> {
  if (open.size === 0) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  const closed = Promise.all(
    [...open].map((res) => new Promise<void>((resolve) => res.once("close", () => resolve()))),
  );
  return Promise.race([closed.then(() => undefined), late]).finally(() => clearTimeout(timer));
}

/**
 * @throws {ConfigError} on invalid configuration (before anything listens).
 * @throws the listen error (e.g. EADDRINUSE).
 */
export async function start(env: NodeJS.ProcessEnv, opts: StartOptions = {}): Promise<RunningServer> {
  const config = loadServerConfig(env);
  const logger = createLogger(config, opts.logDestination);
  const { sources, generated } = await keySources(config, env, opts.ssmClient);
  const keyStore = new ApiKeyStore({
    sources,
    ttlMs: config.apiKeysTtlSeconds * 1000,
    retryMs: Math.min(SERVER_DEFAULTS.apiKeysRetrySeconds, config.apiKeysTtlSeconds) * 1000,
    logger,
    refreshTimeoutMs: opts.keyRefreshTimeoutMs,
  });
  void keyStore.refresh();
  const runtime = runtimeInfo(config);
  const tracing = startTracing(env, { exporter: opts.spanExporter, instanceId: runtime.instanceId, logger });
  const upstream = createUpstream(config.upstream, { logger, isKey: (candidate) => keyStore.isKnownKey(candidate) });
  const server = createServer(createApp({ config, keyStore, logger, runtime, tracer: tracing?.tracer, upstream }));

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  }).catch(async (err: unknown) => {
    await tracing?.shutdown();
    throw err;
  });
  runtime.coldStartMs = performance.now();
  upstream?.start();
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}${config.mcpPath}`;

  // Responses not yet closed, so that shutdown can close a connection as soon as its last response ends, and wait for
  // the log lines of responses cut at the deadline.
  const open = new Set<ServerResponse>();
  let closing: Promise<void> | undefined;
  server.on("request", (_req: IncomingMessage, res: ServerResponse) => {
    open.add(res);
    res.once("close", () => {
      open.delete(res);
      // The SDK's SSE responses say `Connection: keep-alive` even when the server is closing, so a connection whose
      // response ended would otherwise stay open until the deadline (the review's L4). Once the response is done the
      // connection is idle: close it now.
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      logger.info(
        { graceMs: config.shutdownGraceMs, inFlight: open.size },
        "shutting down: draining in-flight requests",
      );
      const force = setTimeout(() => {
        logger.warn(
          { graceMs: config.shutdownGraceMs, inFlight: open.size },
          "shutdown grace over: cutting the requests still in flight",
        );
        server.closeAllConnections();
      }, config.shutdownGraceMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        // A response cut at the deadline logs its request line (aborted: true) on its own `close` event, which can
        // come after the server's; wait for those (at most a second) so that process.exit does not drop them.
        // Neither a failing upstream stop nor a failing span flush may keep the process from stopping.
        const warn = (what: string) => (err: unknown) =>
          logger.warn({ err: String(err).slice(0, 200) }, `shutdown: ${what} failed`);
        void allClosed(open, 1000)
          .then(() => upstream?.close())
          .catch(warn("stopping the upstream"))
          .then(() => tracing?.shutdown())
          .catch(warn("flushing spans"))
          .then(() => {
            logger.info("stopped");
            resolve();
          });
      });
      server.closeIdleConnections();
    });
    return closing;
  };
  if (opts.handleSignals ?? true) {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.once(signal, () => {
        void close().then(() => process.exit(0));
      });
    }
  }
  // Announce only once SIGTERM drains: a platform may signal as soon as it sees the server is up.
  logger.info({ port, host: config.host, coldStartMs: Math.round(runtime.coldStartMs) }, "listening");
  if (config.dev) (opts.print ?? ((t) => process.stdout.write(t)))(devBanner(url, generated));
  if (tracing) logger.info({ service: env.OTEL_SERVICE_NAME }, "tracing on: spans exported over OTLP/HTTP");
  return { config, url, server, logger, keyStore, tracing, upstream, close };
}
