/**
 * The upstream for server/start.ts and server/app.ts: a supervisor (./supervisor.ts) for stdio and http modes, and
 * the per-request server factory of the bridge (./bridge.ts). Builtin mode has none of this.
 */
import type { McpRequestContext, Server } from "@modelcontextprotocol/server";
import type { Logger } from "pino";
import type { ServerConfig } from "../config.js";
import { createBridgeServer } from "./bridge.js";
import { UpstreamSupervisor } from "./supervisor.js";

export { upstreamReadyGuard, withUpstreamHealth } from "./health.js";
export type { UpstreamHealth, UpstreamState } from "./supervisor.js";
export { UpstreamSupervisor };

/**
 * A supervisor for the configured upstream, not yet started; undefined in builtin mode.
 * @param isKey - true for a currently accepted API key (ApiKeyStore.isKnownKey), for redacting the child's output.
 */
export function createUpstream(
  config: ServerConfig["upstream"],
  deps: { logger: Logger; isKey: (candidate: string) => boolean },
): UpstreamSupervisor | undefined {
  return config.mode === "builtin" ? undefined : new UpstreamSupervisor(config, deps);
}

/** The SDK handler's per-request factory for an upstream. */
export function bridgeFactory(upstream: UpstreamSupervisor): (ctx: McpRequestContext) => Server {
  // The HTTP request's signal aborts when the caller disconnects (@modelcontextprotocol/node's toNodeHandler).
  return (ctx) => createBridgeServer(upstream, ctx.requestInfo?.signal);
}
