/**
 * The bridge: "bring your own MCP server" (MCP_UPSTREAM=stdio|http, infra/core/upstream.ts).
 *
 * Design. This server terminates MCP on both sides.
 * - Front: the same v2 SDK stateless handler as builtin mode (server/mcp/handler.ts: `createMcpHandler`, both
 *   protocol eras), behind the same express guards (server/app.ts: keys, per-key and per-tool limits, Origin/Host,
 *   body limits, request logs, shutdown). Only the per-request server differs: {@link createBridgeServer} builds a
 *   low-level `Server` (@modelcontextprotocol/server) whose handlers forward to the upstream. Per-tool limits key on
 *   the upstream's tool names (they are the names callers send).
 * - Back: ONE long-lived SDK `Client` (@modelcontextprotocol/client; StdioClientTransport or
 *   StreamableHTTPClientTransport), kept by ./supervisor.ts and shared by every request. A stateful upstream (Serena's
 *   language servers, server-memory's graph) therefore stays warm across calls and callers.
 *
 * What is forwarded: tools/list, tools/call, resources/list, resources/templates/list, resources/read, prompts/list,
 * prompts/get and completion/complete, for each capability the upstream declares. Our `initialize` (2025-era) and
 * `server/discover` (2026-07-28) answers carry the upstream's serverInfo and instructions and its capabilities among
 * tools, resources, prompts and completions, without `listChanged` or `subscribe` (a stateless front has no stream to
 * deliver list-changed or resource-updated notifications on) and without `logging` (see below).
 *
 * JSON-RPC ids: the caller's id lives only on the front (each HTTP request has its own server and transport, which
 * answer with the caller's id). The forwarded request gets a fresh id from the shared client, and the SDK's request-id
 * correlation maps the upstream's response back to the one pending promise of that request: many callers, one
 * connection, and responses never cross (tests/server/upstream/bridge-everything.test.ts, "serves 24 concurrent callers").
 *
 * Progress: the forwarded request always carries a progressToken of ours (so that progress resets the timeout;
 * ./progress.ts routes the updates); when the caller sent a `progressToken`, each upstream `notifications/progress` is
 * relayed to that caller, with the caller's token, on its own response stream (`ctx.mcpReq.notify`), before the
 * result. `MCP_JSON_RESPONSE=1` drops them, as in builtin
 * mode. Upstream `notifications/message` (logging) go to our logs (pino, redacted), not to callers.
 *
 * Cancellation and time: when the caller gives up (`ctx.mcpReq.signal`, or its HTTP request closes before the answer:
 * the web Request's signal from @modelcontextprotocol/node), the forwarded request is aborted, so the SDK sends
 * `notifications/cancelled` upstream. (A 2025-era `notifications/cancelled` arrives as a separate stateless POST that
 * names an id only its own HTTP request knew; it cannot be matched, so a 2025 caller cancels by closing its request.) Every call has a timeout
 * (MCP_UPSTREAM_TIMEOUT_MS, reset by each progress notification): past it the caller gets JSON-RPC error -32001 and
 * the upstream gets `notifications/cancelled`. A slow call holds no lock: other calls go out on the same connection
 * at once, and only the upstream's own serialisation can delay them.
 *
 * Server-to-client requests (sampling/createMessage, elicitation/create, roots/list): refused with JSON-RPC -32601
 * and a message saying why. This stateless front has no channel back to the caller for them (the shared client
 * declares no sampling, elicitation or roots capability, so a compliant upstream does not send them).
 *
 * Errors (./errors.ts): the upstream's own JSON-RPC errors pass through unchanged; a dead or missing upstream is
 * -32603 with a clear message (and while the supervisor is not ready, the HTTP layer answers 503 before any of this:
 * ./health.ts).
 */
import type { Client } from "@modelcontextprotocol/client";
import { ProtocolError } from "@modelcontextprotocol/client";
import { Server, type ServerCapabilities, type ServerContext } from "@modelcontextprotocol/server";
import { SERVER_NAME, SERVER_VERSION } from "../mcp/runtime.js";
import { INTERNAL_ERROR, toCallerError, upstreamTimeout } from "./errors.js";
import { openProgressRoute } from "./progress.js";

/** The methods forwarded, by the capability that enables them. */
export const FORWARDED = {
  tools: ["tools/list", "tools/call"],
  resources: ["resources/list", "resources/templates/list", "resources/read"],
  prompts: ["prompts/list", "prompts/get"],
  completions: ["completion/complete"],
} as const;

type Capability = keyof typeof FORWARDED;

/** What the bridge needs from the supervisor. */
export interface UpstreamLink {
  /** The shared client while the upstream is ready, else undefined. */
  readonly client: Client | undefined;
  /** Per-call timeout, ms. */
  readonly timeoutMs: number;
  /** A forwarded call failed (not the upstream's own JSON-RPC error): the supervisor may reconnect. */
  noteCallFailure(err: unknown): void;
}

/** The upstream's capabilities we serve, stripped of what a stateless front cannot honour. */
export function mirroredCapabilities(upstream: ServerCapabilities | undefined): ServerCapabilities {
  const out: ServerCapabilities = {};
  for (const cap of Object.keys(FORWARDED) as Capability[]) if (upstream?.[cap]) out[cap] = {};
  return out;
}

/** `_meta` for the upstream: the caller's minus its progressToken and the 2026 envelope keys (ours, not theirs). */
function forwardedMeta(meta: unknown): Record<string, unknown> {
  if (typeof meta !== "object" || meta === null) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) {
    if (k === "progressToken" || k.startsWith("io.modelcontextprotocol/")) continue;
    out[k] = v;
  }
  return out;
}

/** The SDK's per-request timeout is disabled (this, its maximum): {@link forward} keeps its own, reset on progress. */
const NO_SDK_TIMEOUT = 2_147_483_647;

/**
 * Forwards one request to the upstream: the caller's cancellation, the timeout (reset by each progress update) and
 * the progress relay (./progress.ts).
 */
async function forward(
  link: UpstreamLink,
  method: string,
  params: unknown,
  ctx: ServerContext,
  disconnected: AbortSignal | undefined,
): Promise<unknown> {
  const client = link.client;
  if (!client)
    throw new ProtocolError(INTERNAL_ERROR, "Upstream MCP server unavailable: it is restarting; retry shortly");
  const { _meta, ...rest } = (params ?? {}) as Record<string, unknown>;
  const callerToken = ctx.mcpReq._meta?.progressToken;
  const abort = new AbortController();
  // The caller gave up: it cancelled (2026: notifications/cancelled on the same request) or disconnected.
  const callerSignal = disconnected ? AbortSignal.any([ctx.mcpReq.signal, disconnected]) : ctx.mcpReq.signal;
  const onCallerAbort = () => abort.abort(callerSignal.reason);
  callerSignal.addEventListener("abort", onCallerAbort, { once: true });
  let timedOut = false;
  const onTimeout = () => {
    timedOut = true;
    abort.abort(new Error("upstream call timed out"));
  };
  let timer = setTimeout(onTimeout, link.timeoutMs);
  // Relayed progress still being sent: awaited before the result, so that the last update precedes it on the stream.
  const relayed: Promise<void>[] = [];
  const route = openProgressRoute(client, (update) => {
    clearTimeout(timer);
    timer = setTimeout(onTimeout, link.timeoutMs);
    if (callerToken === undefined) return;
    relayed.push(
      ctx.mcpReq
        .notify({ method: "notifications/progress", params: { ...update, progressToken: callerToken } })
        .catch(() => {}),
    );
  });
  try {
    if (callerSignal.aborted) onCallerAbort();
    const result = await client.request(
      { method, params: { ...rest, _meta: { ...forwardedMeta(_meta), progressToken: route.token } } } as never,
      { signal: abort.signal, timeout: NO_SDK_TIMEOUT },
    );
    await Promise.all(relayed);
    return result;
  } catch (err) {
    if (timedOut) throw upstreamTimeout(method, link.timeoutMs);
    // Nobody is left to read this answer; and the upstream is fine, so the supervisor is not told.
    if (callerSignal.aborted) throw new ProtocolError(INTERNAL_ERROR, "Request cancelled by the caller");
    link.noteCallFailure(err);
    throw toCallerError(err, method, link.timeoutMs);
  } finally {
    clearTimeout(timer);
    route.close();
    callerSignal.removeEventListener("abort", onCallerAbort);
  }
}

/**
 * The per-request server for the SDK's handler factory (a new one per HTTP request, like builtin mode). Identity,
 * instructions and capabilities are the upstream's as of its last `initialize`; with no upstream yet, our own name and
 * no capabilities (the HTTP layer answers 503 before a request gets here in that case).
 */
export function createBridgeServer(link: UpstreamLink, disconnected?: AbortSignal): Server {
  const client = link.client;
  const info = client?.getServerVersion();
  const caps = mirroredCapabilities(client?.getServerCapabilities());
  const instructions = client?.getInstructions();
  const server = new Server(info ? { ...info } : { name: SERVER_NAME, version: SERVER_VERSION }, {
    capabilities: caps,
    ...(instructions ? { instructions } : {}),
  });
  for (const cap of Object.keys(caps) as Capability[]) {
    for (const method of FORWARDED[cap]) {
      server.setRequestHandler(
        method as "tools/call",
        ((request: { params?: unknown }, ctx: ServerContext) =>
          forward(link, method, request.params, ctx, disconnected)) as never,
      );
    }
  }
  return server;
}
