/**
 * The outcome of one MCP request, read from the bytes the server wrote: a JSON body (2026-07-28 in JSON mode, and
 * every HTTP-level error of ours) or an SSE stream (the 2025-era leg, and 2026-07-28 `auto` mode once a handler
 * notifies). The SDK writes with `res.writeHead` + `res.write(chunk)` + `res.end()` (`toNodeHandler`,
 * @modelcontextprotocol/node), so tapping `write`/`end` sees every byte whatever path produced the response.
 *
 * Only the head of a response is kept ({@link CAPTURE_MAX_BYTES}); a longer response is a large result, whose outcome
 * (`isError`) is then unknown and not recorded.
 */
import type { Response } from "express";

/** Most bytes of one response kept for the outcome, bytes. 256 KiB: far above any error or tool-error result. */
export const CAPTURE_MAX_BYTES = 256 * 1024;

/** What a span records about the response. */
export interface McpOutcome {
  /** JSON-RPC error code, when the response is a JSON-RPC error. */
  errorCode?: number;
  /** `result.isError === true` (a tool execution error). */
  toolError?: boolean;
  /** `result.protocolVersion` of an `initialize` result (the negotiated 2025-era revision). */
  protocolVersion?: string;
}

/**
 * Taps `res.write`/`res.end`; `read()` returns the captured head and whether it was cut.
 *
 * @param hold - when given, the first `res.end(...)` records its chunk, then calls `hold(release)` and returns `res`
 *   without ending the response; the response ends when `release()` is called (the span export before the response
 *   end, server/telemetry/mcp-span.ts). Further `end` calls wait for the release. `hold` must call `release` once,
 *   whatever happens.
 */
export function captureBody(
  res: Response,
  max = CAPTURE_MAX_BYTES,
  hold?: (release: () => void) => void,
): { read: () => { text: string; cut: boolean } } {
  const chunks: Buffer[] = [];
  let size = 0;
  let cut = false;
  const keep = (chunk: unknown, encoding: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === "function") return;
    const buf =
      typeof chunk === "string"
        ? Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8")
        : Buffer.from(chunk as Uint8Array);
    if (size + buf.length > max) {
      cut = true;
      return;
    }
    chunks.push(buf);
    size += buf.length;
  };
  const write = res.write.bind(res) as (...a: unknown[]) => boolean;
  const end = res.end.bind(res) as (...a: unknown[]) => Response;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    keep(chunk, rest[0]);
    return write(chunk, ...rest);
  }) as Response["write"];
  let held: Promise<void> | undefined;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (held) {
      void held.then(() => end(chunk, ...rest));
      return res;
    }
    keep(chunk, rest[0]);
    if (!hold) return end(chunk, ...rest);
    held = new Promise<void>((resolve) => {
      let released = false;
      hold(() => {
        if (released) return;
        released = true;
        end(chunk, ...rest);
        resolve();
      });
    });
    return res;
  }) as Response["end"];
  return { read: () => ({ text: Buffer.concat(chunks).toString("utf8"), cut }) };
}

interface RpcMessage {
  id?: unknown;
  result?: { isError?: unknown; protocolVersion?: unknown };
  error?: { code?: unknown };
}

/** The JSON-RPC messages in a body: one JSON value (object or array), or the `data:` fields of SSE events. */
function messages(text: string): RpcMessage[] {
  const trimmed = text.trimStart();
  const parse = (s: string): unknown => {
    try {
      return JSON.parse(s);
    } catch {
      return undefined;
    }
  };
  let values: unknown[];
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    const v = parse(trimmed);
    values = Array.isArray(v) ? v : [v];
  } else {
    // SSE (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation): events end at
    // a blank line; an event's data is its `data:` lines joined with "\n".
    values = text
      .split(/\r?\n\r?\n|\r\r/)
      .map((event) =>
        event
          .split(/\r?\n|\r/)
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(l.startsWith("data: ") ? 6 : 5))
          .join("\n"),
      )
      .filter((d) => d.length > 0)
      .map(parse);
  }
  return values.filter((v): v is RpcMessage => typeof v === "object" && v !== null);
}

/**
 * The outcome of the request with JSON-RPC `id` (undefined for a notification): the response message with that id,
 * else an error with `id: null` (our HTTP-level errors and the SDK's parse errors). Empty when nothing matches.
 */
export function parseOutcome(text: string, id: unknown): McpOutcome {
  const all = messages(text);
  const reply =
    all.find((m) => id !== undefined && m.id === id && ("result" in m || "error" in m)) ??
    all.find((m) => (m.id === null || m.id === undefined) && "error" in m);
  if (!reply) return {};
  if (reply.error && typeof reply.error.code === "number") return { errorCode: reply.error.code };
  const r = reply.result;
  return {
    ...(r?.isError === true ? { toolError: true } : {}),
    ...(typeof r?.protocolVersion === "string" ? { protocolVersion: r.protocolVersion } : {}),
  };
}
