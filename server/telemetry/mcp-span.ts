/**
 * One OpenTelemetry span per MCP request, after the OpenTelemetry semantic conventions for MCP (status: Development):
 * https://opentelemetry.io/docs/specs/semconv/gen-ai/mcp/#server (source:
 * https://github.com/open-telemetry/semantic-conventions-genai/blob/main/docs/gen-ai/mcp.md).
 *
 * - Name `{mcp.method.name} {target}`, target the tool (`tools/call`) or prompt (`prompts/get`) name, else the method
 *   alone (resource URIs are never in the name: high cardinality). Kind SERVER.
 * - Attributes: `mcp.method.name`; `jsonrpc.request.id` (not for notifications); `gen_ai.tool.name` and
 *   `gen_ai.operation.name = execute_tool` (tools/call); `gen_ai.prompt.name` (prompts/get); `mcp.resource.uri`
 *   (resources/read|subscribe|unsubscribe, without query, fragment or user info, which may carry credentials);
 *   `mcp.protocol.version` (the `MCP-Protocol-Version` header, else the 2026-07-28 `_meta` envelope, else an
 *   `initialize` result's negotiated version); `network.transport = tcp`, `network.protocol.name = http`,
 *   `network.protocol.version`; `client.address` (the client as express sees it, i.e. after `trust proxy`).
 * - Outcome: a JSON-RPC error sets `error.type` and `rpc.response.status_code` to its code (e.g. `-32602`); a tool
 *   result with `isError: true` sets `error.type = tool_error`; an HTTP error without a JSON-RPC body sets `error.type`
 *   to the status (e.g. `500`); a client that disconnects first, `error.type = aborted`. Span status ERROR whenever
 *   `error.type` is set. The status description is left empty, a deliberate deviation from the convention's SHOULD
 *   (the error message): a brought server's messages may echo argument values.
 * - Parent: the W3C context in `params._meta` (`traceparent`/`tracestate`) when the client sent one, with the HTTP
 *   request's own `traceparent` (if any, and different) as a span link, as the convention says; else the HTTP
 *   `traceparent`; else a new trace.
 * - Never recorded: tool arguments or results (`gen_ai.tool.call.arguments`/`.result` are Opt-In; arguments may be
 *   secrets), headers (the API key, Authorization), bodies.
 *
 * Values a client controls are cut to {@link ATTRIBUTE_MAX_CHARS} characters.
 */
import { context, type Link, type SpanContext, SpanKind, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_NETWORK_TRANSPORT,
} from "@opentelemetry/semantic-conventions";
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_RESOURCE_URI,
  ATTR_RPC_RESPONSE_STATUS_CODE,
} from "@opentelemetry/semantic-conventions/incubating";
import type { Request, RequestHandler } from "express";
import { CAPTURE_MAX_BYTES, captureBody, parseOutcome } from "./response-outcome.js";
import { extractSpanContext } from "./trace-context.js";
import { responseFlushFor } from "./tracing.js";

/** Longest client-controlled attribute value (method, names, id, URI, version), characters. */
export const ATTRIBUTE_MAX_CHARS = 256;

/** The `_meta` key of the 2026-07-28 envelope that names the revision. */
const META_PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";

const cap = (v: string) => (v.length <= ATTRIBUTE_MAX_CHARS ? v : `${v.slice(0, ATTRIBUTE_MAX_CHARS - 1)}…`);
const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? cap(v) : undefined);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A resource URI without user info, query and fragment (e.g. `https://u:p@h/x?token=1` → `https://h/x`). */
export function safeResourceUri(uri: string): string {
  const noQuery = uri.replace(/[?#].*$/s, "");
  return cap(noQuery.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/]*@/, "$1"));
}

interface Described {
  name: string;
  attributes: Record<string, string>;
  id: unknown;
  meta: Record<string, unknown> | undefined;
}

/** Span name and request attributes of a JSON-RPC request body; undefined when it is not one request object. */
export function describeRequest(
  body: unknown,
  req: Pick<Request, "headers" | "httpVersion" | "ip">,
): Described | undefined {
  if (!isRecord(body)) return undefined;
  const method = str(body.method);
  if (method === undefined) return undefined;
  const params = isRecord(body.params) ? body.params : {};
  const meta = isRecord(params._meta) ? params._meta : undefined;
  const header = req.headers["mcp-protocol-version"];
  const version = str(typeof header === "string" ? header : undefined) ?? str(meta?.[META_PROTOCOL_VERSION]);
  const a: Record<string, string> = {
    [ATTR_MCP_METHOD_NAME]: method,
    [ATTR_NETWORK_TRANSPORT]: "tcp",
    [ATTR_NETWORK_PROTOCOL_NAME]: "http",
    [ATTR_NETWORK_PROTOCOL_VERSION]: req.httpVersion,
  };
  if (typeof body.id === "string" || typeof body.id === "number") a[ATTR_JSONRPC_REQUEST_ID] = cap(String(body.id));
  if (version !== undefined) a[ATTR_MCP_PROTOCOL_VERSION] = version;
  if (req.ip !== undefined) a[ATTR_CLIENT_ADDRESS] = req.ip;
  const target = method === "tools/call" || method === "prompts/get" ? str(params.name) : undefined;
  if (target !== undefined && method === "tools/call") {
    a[ATTR_GEN_AI_TOOL_NAME] = target;
    a[ATTR_GEN_AI_OPERATION_NAME] = "execute_tool";
  } else if (target !== undefined) a[ATTR_GEN_AI_PROMPT_NAME] = target;
  const uri = str(params.uri);
  if (uri !== undefined && /^resources\/(read|subscribe|unsubscribe)$/.test(method)) {
    a[ATTR_MCP_RESOURCE_URI] = safeResourceUri(uri);
  }
  return { name: target === undefined ? method : `${method} ${target}`, attributes: a, id: body.id, meta };
}

const sameContext = (x: SpanContext, y: SpanContext) => x.traceId === y.traceId && x.spanId === y.spanId;

export interface McpSpanOptions {
  /**
   * Export the span before the response ends: called once the last bytes are handed to `res.end`, with the span
   * ended; the response ends when it settles. Must be bounded and never reject.
   * @default the tracer's per-response flush from server/telemetry/tracing.ts (lambda and cloudrun), else none
   */
  flushBeforeEnd?: () => Promise<void>;
}

/**
 * Express middleware that starts the request's span, makes it the active span for the rest of the chain, and ends
 * it when the response closes. Mount it after the body parser. A body that is not one JSON-RPC request object (a
 * batch, which the handler refuses) gets no span.
 *
 * With a flush (lambda, cloudrun: see `FLUSH_PER_RESPONSE_TARGETS` in server/telemetry/tracing.ts), the span ends when
 * the handler calls `res.end` (all bytes and the status known), the flush runs, and only then are the last bytes
 * written: the platform sees the response end after the span left, while the process still has CPU. A client that
 * disconnects first still ends the span at `close` (`error.type = aborted`).
 */
export function mcpSpan(tracer: Tracer, opts: McpSpanOptions = {}): RequestHandler {
  const flush = opts.flushBeforeEnd ?? responseFlushFor(tracer);
  return (req, res, next) => {
    const d = describeRequest(req.body, req);
    if (!d) {
      next();
      return;
    }
    const fromMeta = extractSpanContext(d.meta);
    const fromHttp = extractSpanContext(req.headers);
    const remote = fromMeta ?? fromHttp;
    const links: Link[] = fromMeta && fromHttp && !sameContext(fromMeta, fromHttp) ? [{ context: fromHttp }] : [];
    const parent = remote ? trace.setSpanContext(context.active(), remote) : context.active();
    const span = tracer.startSpan(d.name, { kind: SpanKind.SERVER, attributes: d.attributes, links }, parent);
    let ended = false;
    /** Ends the span once, from the bytes written so far; `aborted`: the response closed before it finished. */
    const endSpan = (aborted: boolean) => {
      if (ended) return;
      ended = true;
      const { text, cut } = body.read();
      const outcome = cut ? {} : parseOutcome(text, d.id);
      let errorType: string | undefined;
      if (outcome.errorCode !== undefined) {
        errorType = String(outcome.errorCode);
        span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, errorType);
      } else if (outcome.toolError) errorType = "tool_error";
      else if (res.statusCode >= 400) errorType = String(res.statusCode);
      else if (aborted) errorType = "aborted";
      if (outcome.protocolVersion !== undefined && d.attributes[ATTR_MCP_PROTOCOL_VERSION] === undefined) {
        span.setAttribute(ATTR_MCP_PROTOCOL_VERSION, cap(outcome.protocolVersion));
      }
      if (errorType !== undefined) {
        span.setAttribute(ATTR_ERROR_TYPE, errorType);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    };
    const body = captureBody(
      res,
      CAPTURE_MAX_BYTES,
      flush
        ? (release) => {
            endSpan(false);
            void flush()
              .catch(() => undefined)
              .then(release);
          }
        : undefined,
    );
    res.once("close", () => endSpan(!res.writableFinished));
    context.with(trace.setSpan(parent, span), next);
  };
}
