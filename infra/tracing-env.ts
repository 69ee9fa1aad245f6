/**
 * The one tracing variable that is a secret, `OTEL_EXPORTER_OTLP_HEADERS` (a collector's API key or Authorization
 * header), for a component to merge into its container environment. The value is always a Pulumi secret, so it is
 * encrypted in the state and masked in previews and outputs.
 *
 * Where it ends up per target (README "Traces"):
 * - lambda: a function environment variable; Lambda encrypts variables at rest with KMS
 *   (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html), but a principal allowed
 *   `lambda:GetFunctionConfiguration` can read it;
 * - fargate, cloudrun, ec2: never in the plain environment (task-definition JSON, service spec, user data) but through
 *   the target's secret path for serverEnv (infra/upstream-secrets.ts `serverSecretGroups`): an SSM SecureString read
 *   as an ECS `secret` by the execution role; a Secret Manager secret pinned to its version, readable by the service
 *   account only; a root-only compose file written from an SSM SecureString on the host;
 * - other targets (stacks/tracing.ts TRACING_HEADER_TARGETS): not passed; the program warns.
 */
import * as pulumi from "@pulumi/pulumi";
import { TRACING_ENV, type TracingArgs } from "./core/tracing.js";

/** `{OTEL_EXPORTER_OTLP_HEADERS: <secret>}`, or `{}` when tracing is off or has no headers. */
export function tracingSecretEnvironment(t: TracingArgs | undefined): Record<string, pulumi.Output<string>> {
  if (t?.headers === undefined) return {};
  return { [TRACING_ENV.headers]: pulumi.secret(t.headers) };
}
