/**
 * The stack's tracing config (`otelEndpoint`, `otelHeaders`; StackConfig.tracing) as component Args
 * (infra/core/tracing.ts): endpoint, service name `mcp-anywhere-<stack>`, and the headers as one Pulumi secret.
 */
import * as pulumi from "@pulumi/pulumi";
import type { McpTarget } from "../infra/core/contract.js";
import { otlpHeadersValue, type TracingArgs, tracingServiceName } from "../infra/core/tracing.js";
import { COLLECTOR_ENDPOINT } from "../infra/core/tracing-platform.js";
import type { StackConfig } from "./config.js";

/**
 * Targets whose component passes OTEL_EXPORTER_OTLP_HEADERS to the server: lambda as a secret function variable
 * (infra/tracing-env.ts); fargate, cloudrun and ec2 through their secret path for serverEnv (SSM SecureString + ECS
 * `secrets`, Secret Manager, a root-only compose file from SSM; infra/upstream-secrets.ts `serverSecretGroups`).
 */
export const TRACING_HEADER_TARGETS: readonly McpTarget[] = ["lambda", "fargate", "cloudrun", "ec2"];

/** The warning for headers a target does not pass, or undefined. Names keys only, never a header value. */
export function tracingHeadersWarning(config: Pick<StackConfig, "target" | "tracing">): string | undefined {
  if (config.tracing === undefined || Object.keys(config.tracing.headers).length === 0) return undefined;
  if (TRACING_HEADER_TARGETS.includes(config.target)) return undefined;
  return (
    `mcp-anywhere:otelHeaders is set but target ${config.target} does not pass OTLP headers to the server yet ` +
    `(only ${TRACING_HEADER_TARGETS.join(", ")}); spans go to mcp-anywhere:otelEndpoint without them. Point ` +
    "otelEndpoint at a collector that needs no headers (README, Traces)."
  );
}

/**
 * Targets whose component adds the platform's collector sidecar for `tracingPlatform` (infra/core/tracing-platform.ts):
 * cloudrun (Cloud Trace) and fargate (X-Ray). The config refuses lambda and dockerhost; ec2 is not wired yet.
 */
/**
 * Undefined when tracing is off; logs {@link tracingHeadersWarning} when it applies. With `tracingPlatform` on a
 * TRACING_PLATFORM_TARGETS (stacks/config.ts) target: the collector sidecar's loopback endpoint, `platformCollector: true`.
 */
export function stackTracing(
  config: Pick<StackConfig, "stack" | "target" | "tracing"> & Partial<Pick<StackConfig, "tracingPlatform">>,
): TracingArgs | undefined {
  if (config.tracingPlatform === true) {
    // stacks/config.ts refuses tracingPlatform outside TRACING_PLATFORM_TARGETS, so the collector is there.
    return { endpoint: COLLECTOR_ENDPOINT, serviceName: tracingServiceName(config.stack), platformCollector: true };
  }
  if (config.tracing === undefined) return undefined;
  const warning = tracingHeadersWarning(config);
  if (warning !== undefined) pulumi.log.warn(warning);
  const headers = otlpHeadersValue(config.tracing.headers);
  return {
    endpoint: config.tracing.endpoint,
    serviceName: tracingServiceName(config.stack),
    ...(headers !== "" ? { headers: pulumi.secret(headers) } : {}),
  };
}
