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
 *
 * Per-response flush (review R2-m1): where the platform takes the CPU away once a response is sent
 * ({@link FLUSH_PER_RESPONSE_TARGETS}, read from `MCP_TARGET`), a 5 s batch would be sent late or never, so each MCP
 * request's span is exported before its response ends ({@link Tracing.responseFlush}, used by
 * server/telemetry/mcp-span.ts), bounded by TRACING_DEFAULTS.responseFlushTimeoutMs (infra/core/defaults.ts). Elsewhere
 * spans stay batched.
 */
import { context, type Tracer, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import { ATTR_SERVICE_INSTANCE_ID } from "@opentelemetry/semantic-conventions/incubating";
import { TRACING_DEFAULTS } from "../../infra/core/defaults.js";
import { SERVER_NAME, SERVER_VERSION } from "../mcp/runtime.js";

/** The variables this module reads from the server's environment. */
export const OTEL_ENV = {
  endpoint: "OTEL_EXPORTER_OTLP_ENDPOINT",
  tracesEndpoint: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  headers: "OTEL_EXPORTER_OTLP_HEADERS",
  tracesHeaders: "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
  serviceName: "OTEL_SERVICE_NAME",
  disabled: "OTEL_SDK_DISABLED",
  /** Not an OTel variable: where the image runs (server/config.ts `TARGETS`), set by each Pulumi component. */
  target: "MCP_TARGET",
} as const;

/**
 * Targets whose platform stops giving the process CPU once a response is sent, so spans are exported before each
 * response ends:
 * - lambda: "Lambda freezes the execution environment" after the invocation
 *   (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html); with the Lambda Web Adapter the
 *   invocation ends when the app's response does, so work started after it (a `finish` handler, a timer) runs only on a
 *   later invocation ("Lambda freezes the execution environment after the handler function returns",
 *   aws/aws-lambda-web-adapter#404; a tracer finalised after the response was frozen, #466, fixed by finishing
 *   "just before the end of the request is sent" to the adapter);
 * - cloudrun: "With request-based billing, CPU is only allocated during request processing"
 *   (https://cloud.google.com/run/docs/configuring/billing-settings); the component deploys request-based billing
 *   (`cpuIdle`).
 */
export const FLUSH_PER_RESPONSE_TARGETS = ["lambda", "cloudrun"] as const;

/** Whether spans are flushed before each response ends on `target` (the `MCP_TARGET` value). */
export function flushesPerResponse(target: string | undefined): boolean {
  return (FLUSH_PER_RESPONSE_TARGETS as readonly string[]).includes((target ?? "").trim());
}

/** Longest wait for the final flush on shutdown, ms. */
export const SHUTDOWN_FLUSH_TIMEOUT_MS = 5000;

export interface TracingOptions {
  /** Replaces the OTLP exporter (tests). Tracing is then on even without an endpoint. */
  exporter?: SpanExporter;
  /** `service.instance.id` of the resource (server/mcp/runtime.ts `instanceId`). */
  instanceId?: string;
  /** Export each request's span before its response ends. @default {@link flushesPerResponse}(`MCP_TARGET`) */
  flushPerResponse?: boolean;
  /** Bound of one per-response flush, ms. @default TRACING_DEFAULTS.responseFlushTimeoutMs (1000) */
  responseFlushTimeoutMs?: number;
  /** Where a failed or late per-response flush is reported (a `warn` line). @default not reported */
  logger?: { warn: (obj: object, msg: string) => void };
}

export interface Tracing {
  tracer: Tracer;
  /** The OTLP URL spans go to (undefined with an injected exporter). */
  url?: string;
  /** Exports the spans ended so far now, instead of at the next batch (5 s). Never rejects. */
  forceFlush: () => Promise<void>;
  /**
   * Per-response flush ({@link FLUSH_PER_RESPONSE_TARGETS}; undefined elsewhere): exports the spans ended so far,
   * resolving once the collector answered or after `responseFlushTimeoutMs` (the export then goes on in the
   * background). Never rejects; a failure or timeout is reported to `logger`.
   */
  responseFlush?: () => Promise<void>;
  /**
   * Exports what is queued (flush bounded by {@link SHUTDOWN_FLUSH_TIMEOUT_MS}), shuts the provider down, unregisters.
   * Never rejects. Idempotent.
   */
  shutdown: () => Promise<void>;
}

/** Per-response flushes by tracer, for server/telemetry/mcp-span.ts (app.ts hands it the tracer only). */
const responseFlushes = new WeakMap<Tracer, () => Promise<void>>();

/** The per-response flush {@link startTracing} set up for `tracer`, if its target flushes per response. */
export function responseFlushFor(tracer: Tracer): (() => Promise<void>) | undefined {
  return responseFlushes.get(tracer);
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
  const tracer = provider.getTracer(SERVER_NAME, SERVER_VERSION);
  const timeoutMs = opts.responseFlushTimeoutMs ?? TRACING_DEFAULTS.responseFlushTimeoutMs;
  // `forceFlush({timeoutMillis})` resolves once every queued batch is exported and rejects (with the processors'
  // errors) on an export error or at the deadline; the export itself is not cancelled.
  const responseFlush =
    (opts.flushPerResponse ?? flushesPerResponse(env[OTEL_ENV.target]))
      ? () =>
          provider.forceFlush({ timeoutMillis: timeoutMs }).catch((err: unknown) => {
            opts.logger?.warn(
              { err: String(err).slice(0, 200), timeoutMs },
              "tracing: span export before the response end failed or timed out (a late export carries on, a failed one is dropped)",
            );
          })
      : undefined;
  if (responseFlush) responseFlushes.set(tracer, responseFlush);
  let done: Promise<void> | undefined;
  return {
    tracer,
    url,
    forceFlush: () => provider.forceFlush({ timeoutMillis: SHUTDOWN_FLUSH_TIMEOUT_MS }).catch(() => undefined),
    ...(responseFlush ? { responseFlush } : {}),
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
