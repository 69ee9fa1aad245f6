/**
 * The one tracing variable that is a secret, `OTEL_EXPORTER_OTLP_HEADERS` (a collector's API key or Authorization
 * header), for a component to merge into its container environment. The value is always a Pulumi secret, so it is
 * encrypted in the state and masked in previews and outputs.
 *
 * Where it ends up per target (README "Traces"):
 * - lambda: a function environment variable; Lambda encrypts variables at rest with KMS
 *   (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html), but a principal allowed
 *   `lambda:GetFunctionConfiguration` can read it;
 * - cloudrun: a service environment variable; readable by a principal allowed `run.services.get`;
 * - fargate, ec2: not passed (their environments are plain task-definition JSON and EC2 user data); the program warns.
 *   Use a collector that needs no headers there (an ADOT/OpenTelemetry Collector sidecar or in-VPC agent).
 */
import * as pulumi from "@pulumi/pulumi";
import { TRACING_ENV, type TracingArgs } from "./core/tracing.js";

/** `{OTEL_EXPORTER_OTLP_HEADERS: <secret>}`, or `{}` when tracing is off or has no headers. */
export function tracingSecretEnvironment(t: TracingArgs | undefined): Record<string, pulumi.Output<string>> {
  if (t?.headers === undefined) return {};
  return { [TRACING_ENV.headers]: pulumi.secret(t.headers) };
}
