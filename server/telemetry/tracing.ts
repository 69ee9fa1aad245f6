/**
 * Tracing setup: on only when an OTLP endpoint is configured, by the standard OpenTelemetry variables
 * (https://opentelemetry.io/docs/specs/otel/protocol/exporter/#configuration-options):
 * - `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/traces` appended):
 *   where spans go, OTLP/HTTP with protobuf bodies (`@opentelemetry/exporter-trace-otlp-proto`);
 * - `OTEL_EXPORTER_OTLP_TRACES_HEADERS` / `OTEL_EXPORTER_OTLP_HEADERS`: `key=value` pairs, comma-separated,
 *   URL-encoded values (the signal-specific one wins per key); sent with every export, never logged or recorded;
 * - `OTEL_SERVICE_NAME`: the resource's `service.name`; default `mcp-anywhere`;
 * - `OTEL_SDK_DISABLED=true`: off even with an endpoint.
 * Timeout, compression and TLS variables (`OTEL_EXPORTER_OTLP_TIMEOUT`, `..._COMPRESSION`, `..._CERTIFICATE`) are read
 * by the exporter itself from `process.env`.
 *
 * Off (no endpoint): nothing is created or registered (no provider, processor, exporter or context manager), and the
 * app mounts no span middleware, so tracing costs nothing.
 * On: a `TracerProvider` with one `BatchSpanProcessor` (defaults: 2048 queued spans, batches of 512, every 5 s), an
 * `AsyncLocalStorageContextManager`, both registered globally so that code running inside a request (e.g. a bridge to
 * an upstream server) sees the active span. {@link Tracing.shutdown} flushes and unregisters.
 */
import { context, type Tracer, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import { ATTR_SERVICE_INSTANCE_ID } from "@opentelemetry/semantic-conventions/incubating";
import { SERVER_NAME, SERVER_VERSION } from "../mcp/runtime.js";

/** The variables this module reads from the server's environment. */
export const OTEL_ENV = {
  endpoint: "OTEL_EXPORTER_OTLP_ENDPOINT",
  tracesEndpoint: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  headers: "OTEL_EXPORTER_OTLP_HEADERS",
  tracesHeaders: "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
  serviceName: "OTEL_SERVICE_NAME",
  disabled: "OTEL_SDK_DISABLED",
} as const;

/** Longest wait for the final flush on shutdown, ms. */
export const SHUTDOWN_FLUSH_TIMEOUT_MS = 5000;

export interface TracingOptions {
  /** Replaces the OTLP exporter (tests). Tracing is then on even without an endpoint. */
  exporter?: SpanExporter;
  /** `service.instance.id` of the resource (server/mcp/runtime.ts `instanceId`). */
  instanceId?: string;
}

export interface Tracing {
  tracer: Tracer;
  /** The OTLP URL spans go to (undefined with an injected exporter). */
  url?: string;
  /** Exports the spans ended so far now, instead of at the next batch (5 s). Never rejects. */
  forceFlush: () => Promise<void>;
  /**
   * Exports what is queued (flush bounded by {@link SHUTDOWN_FLUSH_TIMEOUT_MS}), shuts the provider down, unregisters.
   * Never rejects. Idempotent.
   */
  shutdown: () => Promise<void>;
}

/** `a=1,b=x%20y` → `{a: "1", b: "x y"}`; entries without `=` or with an empty key are skipped. */
export function parseHeaders(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of (raw ?? "").split(",")) {
    const i = entry.indexOf("=");
    const key = entry.slice(0, i).trim();
    if (i < 0 || key === "") continue;
    const value = entry.slice(i + 1).trim();
    try {
      out[key] = decodeURIComponent(value);
    } catch {
      out[key] = value;
    }
  }
  return out;
}

/** The OTLP traces URL from `env`, or undefined when tracing is off. */
export function otlpTracesUrl(env: NodeJS.ProcessEnv): string | undefined {
  if ((env[OTEL_ENV.disabled] ?? "").trim().toLowerCase() === "true") return undefined;
  const specific = env[OTEL_ENV.tracesEndpoint]?.trim();
  if (specific) return specific;
  const base = env[OTEL_ENV.endpoint]?.trim();
  if (!base) return undefined;
  return `${base.endsWith("/") ? base : `${base}/`}v1/traces`;
}

/**
 * Starts tracing when `env` configures an endpoint (or `opts.exporter` is given); else returns undefined and creates
 * nothing.
 *
 * @throws {Error} when the endpoint is not a URL (`OTEL_EXPORTER_OTLP_ENDPOINT` or `..._TRACES_ENDPOINT`, named, with
 *   its value: an endpoint is not a secret; headers are never echoed).
 */
export function startTracing(env: NodeJS.ProcessEnv, opts: TracingOptions = {}): Tracing | undefined {
  const url = opts.exporter ? undefined : otlpTracesUrl(env);
  if (!opts.exporter && url === undefined) return undefined;
  if (url !== undefined && !URL.canParse(url)) {
    const name = env[OTEL_ENV.tracesEndpoint]?.trim() ? OTEL_ENV.tracesEndpoint : OTEL_ENV.endpoint;
    throw new Error(`${name} must be an http(s) URL, got ${JSON.stringify(env[name])}`);
  }
  const headers = { ...parseHeaders(env[OTEL_ENV.headers]), ...parseHeaders(env[OTEL_ENV.tracesHeaders]) };
  const exporter = opts.exporter ?? new OTLPTraceExporter({ url, headers });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env[OTEL_ENV.serviceName]?.trim() || SERVER_NAME,
      [ATTR_SERVICE_VERSION]: SERVER_VERSION,
      ...(opts.instanceId !== undefined ? { [ATTR_SERVICE_INSTANCE_ID]: opts.instanceId } : {}),
    }),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
  let done: Promise<void> | undefined;
  return {
    tracer: provider.getTracer(SERVER_NAME, SERVER_VERSION),
    url,
    forceFlush: () => provider.forceFlush({ timeoutMillis: SHUTDOWN_FLUSH_TIMEOUT_MS }).catch(() => undefined),
    shutdown: () => {
      done ??= (async () => {
        // An unreachable collector must not stop the server from stopping: export errors are the SDK's to report
        // (through `diag`), and spans that cannot be sent by the deadline are dropped.
        await provider.forceFlush({ timeoutMillis: SHUTDOWN_FLUSH_TIMEOUT_MS }).catch(() => undefined);
        await provider.shutdown().catch(() => undefined);
        trace.disable();
        context.disable();
      })();
      return done;
    },
  };
}
