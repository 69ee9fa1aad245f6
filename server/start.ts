/**
 * Starts the server: config, logger, key store, app, listen, graceful shutdown. `server/main.ts` calls it with
 * `process.env`; tests call it with their own environment and injected clients.
 */

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { DestinationStream, Logger } from "pino";
import { createApp } from "./app.js";
import { loadServerConfig, type ServerConfig } from "./config.js";
import { SERVER_DEFAULTS } from "./defaults.js";
import { devBanner, generateDevKey } from "./dev-banner.js";
import { ApiKeyStore } from "./keys/key-store.js";
import { fileKeySource, type KeySource, staticKeySource } from "./keys/sources.js";
import { createLogger } from "./logger.js";
import { runtimeInfo } from "./mcp/runtime.js";

export interface StartOptions {
  /** @default a client from the default AWS credential chain and region (AWS_REGION, AWS_ENDPOINT_URL_SSM honoured) */
  ssmClient?: SSMClient;
  /** Log destination. @default stdout */
  logDestination?: DestinationStream;
  /** Where the dev banner goes. @default process.stdout.write */
  print?: (text: string) => void;
  /** Install SIGTERM/SIGINT handlers that drain and exit. @default true */
  handleSignals?: boolean;
}

export interface RunningServer {
  config: ServerConfig;
  /** `http://host:port/mcp`, with the real port when PORT=0. */
  url: string;
  server: Server;
  logger: Logger;
  keyStore: ApiKeyStore;
  /** Stops accepting, lets in-flight requests finish within the grace period, then resolves. */
  close: () => Promise<void>;
}

/** Builds the key sources from config; in dev mode with none configured, adds a generated key. */
async function keySources(
  config: ServerConfig,
  ssmClient: SSMClient | undefined,
): Promise<{ sources: KeySource[]; generated?: string }> {
  const sources: KeySource[] = [];
  if (config.apiKeys.length > 0) sources.push(staticKeySource(config.apiKeyVariables.join(","), config.apiKeys));
  if (config.apiKeysFile !== undefined) sources.push(fileKeySource(config.apiKeysFile));
  if (config.ssmParameterNames.length > 0) {
    const ssm = await import("./keys/ssm-source.js");
    sources.push(ssm.ssmKeySource(config.ssmParameterNames, ssmClient ?? new ssm.SSMClient({})));
  }
  if (sources.length > 0) return { sources };
  const generated = generateDevKey();
  return { sources: [staticKeySource("generated (MCP_DEV)", [generated])], generated };
}

/**
 * @throws {ConfigError} on invalid configuration (before anything listens).
 * @throws the listen error (e.g. EADDRINUSE).
 */
export async function start(env: NodeJS.ProcessEnv, opts: StartOptions = {}): Promise<RunningServer> {
  const config = loadServerConfig(env);
  const logger = createLogger(config, opts.logDestination);
  const { sources, generated } = await keySources(config, opts.ssmClient);
  const keyStore = new ApiKeyStore({
    sources,
    ttlMs: config.apiKeysTtlSeconds * 1000,
    retryMs: Math.min(SERVER_DEFAULTS.apiKeysRetrySeconds, config.apiKeysTtlSeconds) * 1000,
    logger,
  });
  void keyStore.refresh();
  const runtime = runtimeInfo(config);
  const server = createServer(createApp({ config, keyStore, logger, runtime }));

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  runtime.coldStartMs = performance.now();
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}${config.mcpPath}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      logger.info({ graceMs: config.shutdownGraceMs }, "shutting down: draining in-flight requests");
      const force = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        logger.info("stopped");
        resolve();
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
  return { config, url, server, logger, keyStore, close };
}
