/** Facts about this process that `server_info` and the `mcp-anywhere://server-info` resource report. No secrets. */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import pkg from "../../package.json" with { type: "json" };
import type { RuntimeTarget, ServerConfig } from "../config.js";

export const SERVER_NAME = "mcp-anywhere";
export const SERVER_VERSION: string = pkg.version;

export interface RuntimeInfo {
  name: string;
  version: string;
  target: RuntimeTarget;
  region: string;
  /** Host name plus a random suffix chosen at start, so two processes on one host differ. */
  instanceId: string;
  /** When the process started, ISO 8601. */
  startedAt: string;
  /** ms from process start until the server listened (0 until then; no request can arrive before it). */
  coldStartMs: number;
}

export interface ServerInfo extends RuntimeInfo {
  /** Seconds since the process started. */
  uptimeSeconds: number;
}

/** Builds the runtime facts from config; `coldStartMs` is set by the entry point once listening. */
export function runtimeInfo(config: Pick<ServerConfig, "target" | "region">): RuntimeInfo {
  return {
    name: SERVER_NAME,
    version: SERVER_VERSION,
    target: config.target,
    region: config.region,
    instanceId: `${hostname()}-${randomUUID().slice(0, 8)}`,
    startedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
    coldStartMs: 0,
  };
}

/** A snapshot for tools and resources; `coldStartMs` rounded to 0.1 ms, `uptimeSeconds` to 1 s. */
export function serverInfo(rt: RuntimeInfo): ServerInfo {
  return {
    ...rt,
    coldStartMs: Math.round(rt.coldStartMs * 10) / 10,
    uptimeSeconds: Math.round(process.uptime()),
  };
}
