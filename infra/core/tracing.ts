/**
 * Tracing settings a component hands to the server (server/telemetry/tracing.ts), as the standard OpenTelemetry
 * variables (https://opentelemetry.io/docs/specs/otel/protocol/exporter/#configuration-options,
 * https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#general-sdk-configuration).
 * Pure: no Pulumi at runtime.
 */
import type * as pulumi from "@pulumi/pulumi";

/** The variables the server reads. */
export const TRACING_ENV = {
  endpoint: "OTEL_EXPORTER_OTLP_ENDPOINT",
  serviceName: "OTEL_SERVICE_NAME",
  headers: "OTEL_EXPORTER_OTLP_HEADERS",
} as const;

export interface TracingArgs {
  /** OTLP/HTTP base URL; the server appends `/v1/traces`. E.g. `http://localhost:4318` (a collector sidecar). */
  endpoint: string;
  /** `service.name` of the spans, e.g. `mcp-anywhere-prod`. */
  serviceName: string;
  /**
   * `OTEL_EXPORTER_OTLP_HEADERS` value (`key=value,…`, values URL-encoded; see {@link otlpHeadersValue}), a secret:
   * components pass it only as a Pulumi secret. Undefined: no headers.
   */
  headers?: pulumi.Input<string>;
  /**
   * `tracingPlatform`: `endpoint` is the collector sidecar the component adds (infra/core/tracing-platform.ts), which
   * exports to Cloud Trace (cloudrun) or X-Ray (fargate). @default false
   */
  platformCollector?: boolean;
}

/** The service name a stack's spans carry: `mcp-anywhere-<stack>`. */
export function tracingServiceName(stack: string): string {
  return `mcp-anywhere-${stack}`;
}

/**
 * `{Authorization: "Bearer x y", "x-a": "1"}` → `Authorization=Bearer%20x%20y,x-a=1`: the W3C Baggage-style list the
 * OTLP exporter parses (values percent-encoded). Empty record → "".
 */
export function otlpHeadersValue(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([k, v]) => `${k.trim()}=${encodeURIComponent(v)}`)
    .join(",");
}

/** The plain (non-secret) variables: endpoint and service name; `{}` when tracing is off (undefined). */
export function tracingEnvironment(t: TracingArgs | undefined): Record<string, string> {
  if (t === undefined) return {};
  return { [TRACING_ENV.endpoint]: t.endpoint, [TRACING_ENV.serviceName]: t.serviceName };
}
