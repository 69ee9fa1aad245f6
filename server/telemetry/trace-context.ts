/**
 * W3C Trace Context (`traceparent`, `tracestate`) read from a plain record: an MCP request's `params._meta` or the
 * HTTP request headers.
 *
 * - `traceparent`: `version-traceid-parentid-flags`, 2/32/16/2 lowercase hex digits; version `ff` is invalid, an
 *   all-zero trace id or parent id is invalid, and a version 00 header has exactly four fields
 *   (https://www.w3.org/TR/trace-context/#traceparent-header-field-values). Later versions may append fields.
 * - `tracestate`: parsed by the API's `createTraceState` (invalid entries dropped by the API).
 * - MCP: the OpenTelemetry MCP conventions put both keys, unprefixed, in `params._meta`
 *   (https://opentelemetry.io/docs/specs/semconv/gen-ai/mcp/#context-propagation, SEP-414
 *   https://modelcontextprotocol.io/community/seps/414-request-meta).
 *
 * A dozen lines of our own instead of `W3CTraceContextPropagator`: that class lives in `@opentelemetry/core`, which is
 * not a declared dependency of this project (only a transitive one of `@opentelemetry/sdk-trace`).
 */
import { createTraceState, isSpanContextValid, type SpanContext } from "@opentelemetry/api";

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
/** Longest `tracestate` read, characters (the W3C limit is 32 list members of at most 256 characters each). */
const TRACESTATE_MAX = 8192;

/**
 * The remote span context in `carrier` (its `traceparent` and `tracestate` entries, string or, for HTTP headers,
 * string arrays whose first element is used), or undefined when there is none or it is invalid. Never throws.
 */
export function extractSpanContext(carrier: Record<string, unknown> | undefined): SpanContext | undefined {
  const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);
  const raw = first(carrier?.traceparent);
  if (typeof raw !== "string") return undefined;
  const m = TRACEPARENT.exec(raw.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string?];
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  const state = first(carrier?.tracestate);
  const ctx: SpanContext = {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & 1,
    isRemote: true,
    ...(typeof state === "string" && state.length <= TRACESTATE_MAX ? { traceState: createTraceState(state) } : {}),
  };
  return isSpanContextValid(ctx) ? ctx : undefined;
}
