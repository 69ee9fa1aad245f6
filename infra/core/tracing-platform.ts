/**
 * `tracingPlatform`: an OpenTelemetry Collector sidecar next to our container that receives the server's OTLP/HTTP
 * spans on loopback and exports them with the platform's own exporter and identity, so no endpoint or header secret is
 * configured. Pure: no Pulumi at runtime; components/cloudrun-mcp-service.ts and components/fargate/ecs.ts wire it.
 *
 * - cloudrun: the upstream OpenTelemetry Collector Contrib image with the `googlecloud` exporter to Cloud Trace, as in
 *   Google's Cloud Run sidecar tutorials ("Write OTLP traces/metrics with an OpenTelemetry sidecar",
 *   https://cloud.google.com/run/docs/tutorials/custom-metrics-opentelemetry-sidecar; "Deploy Google-Built
 *   OpenTelemetry Collector on Cloud Run", https://cloud.google.com/stackdriver/docs/instrumentation/opentelemetry-collector-cloud-run);
 * - fargate: the AWS Distro for OpenTelemetry collector with the `awsxray` exporter, its config in
 *   `AOT_CONFIG_CONTENT` ("Setting up ADOT Collector in Amazon ECS", https://aws-otel.github.io/docs/setup/ecs;
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/trace-data.html). The exporter converts each OTLP span
 *   to an X-Ray segment document (a W3C trace id `4bf9…` becomes `1-4bf92f35-77b3…`) and sends it with
 *   PutTraceSegments (exporter/awsxrayexporter/README.md, open-telemetry/opentelemetry-collector-contrib).
 *
 * Both collectors take their whole config without a file: the collector's `--config` accepts a config URI, and
 * `env:NAME` reads YAML from a variable (https://opentelemetry.io/docs/collector/configuration/#location; ADOT:
 * https://aws-otel.github.io/docs/components/confmap-providers). ADOT reads `AOT_CONFIG_CONTENT` itself.
 */
import { stringify } from "yaml";

/** The OTLP/HTTP receiver's listen address inside the task or instance (loopback only: nothing outside reaches it). */
export const COLLECTOR_OTLP_HTTP = "127.0.0.1:4318";
/** What our container's OTEL_EXPORTER_OTLP_ENDPOINT is set to (the server appends `/v1/traces`). */
export const COLLECTOR_ENDPOINT = `http://${COLLECTOR_OTLP_HTTP}`;

/**
 * Pinned collector images.
 * - `otel/opentelemetry-collector-contrib:0.149.0`: a 2026 release of the contrib distribution (which carries the
 *   `googlecloud` exporter), the version current projects pin (e.g. the Base14 Scout and other compose examples in the
 *   code index, checked 2026-11); Docker Hub, https://hub.docker.com/r/otel/opentelemetry-collector-contrib.
 * - `public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0`: ADOT Collector v0.49.0
 *   (aws-observability/aws-otel-collector PR #3220 "bump version to v0.49.0", 2026-07-10;
 *   https://gallery.ecr.aws/aws-observability/aws-otel-collector).
 */
export const COLLECTOR_IMAGES = {
  cloudrun: "otel/opentelemetry-collector-contrib:0.149.0",
  fargate: "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0",
} as const;

/** The sidecar's container name on both targets. */
export const COLLECTOR_CONTAINER = "otel-collector";
/** The variable the Cloud Run collector reads its config from (`--config=env:…`). */
export const COLLECTOR_CONFIG_ENV = "OTEL_COLLECTOR_CONFIG";
/** The collector's `health_check` extension port; the Cloud Run sidecar's startup probe reads it. */
export const COLLECTOR_HEALTH_PORT = 13133;

/**
 * The Cloud Run sidecar's limits: 1 vCPU and 512 MiB. Cloud Run allows a fraction of a vCPU only with concurrency 1
 * and the first-generation environment ("Configure CPU limits for services",
 * https://cloud.google.com/run/docs/configuring/services/cpu), which would cap our own container, so 1 vCPU; 512 MiB
 * is the smallest memory that page lists for 1 vCPU. With request-based billing (cpuIdle) Cloud Run bills an
 * instance's CPU and memory, summed over its containers, while it serves requests: the cost model prices this sidecar
 * as that much more instance time (infra/core/cost/tracing.ts).
 */
export const CLOUD_RUN_COLLECTOR_LIMITS = { cpu: 1, memoryMiB: 512 } as const;

/**
 * The Fargate sidecar's soft memory reservation, MiB: it shares the task's CPU and memory (no task size change, no
 * extra cost); 64 MiB is reserved for it and it may use more. Non-essential: a crash does not stop the task.
 */
export const FARGATE_COLLECTOR_MEMORY_RESERVATION_MIB = 64;

/**
 * The X-Ray actions the awsxray exporter calls: PutTraceSegments (the exporter README: "sends them directly to X-Ray
 * using the PutTraceSegments API") and PutTelemetryRecords (its `telemetry` option; both in ADOT's ECS setup policy,
 * https://aws-otel.github.io/docs/setup/ecs/create-iam-policy, and the ECS guide's task role,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/trace-data.html). Neither supports resource-level
 * permissions ("Actions, resources, and condition keys for AWS X-Ray",
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html), hence `Resource: "*"`.
 */
export const XRAY_WRITE_ACTIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"] as const;

/** The Cloud Run service account's project role for the googlecloud exporter (write spans, nothing else). */
export const CLOUD_TRACE_ROLE = "roles/cloudtrace.agent";

/** The pipeline both configs share: OTLP/HTTP in on loopback, batched, out through `exporter`. */
function pipeline(exporter: string, exporterConfig: Record<string, unknown>, extensions: Record<string, unknown>) {
  return {
    receivers: { otlp: { protocols: { http: { endpoint: COLLECTOR_OTLP_HTTP } } } },
    processors: { batch: {} },
    exporters: { [exporter]: exporterConfig },
    extensions,
    service: {
      extensions: Object.keys(extensions),
      pipelines: { traces: { receivers: ["otlp"], processors: ["batch"], exporters: [exporter] } },
    },
  };
}

/**
 * The Cloud Run collector's config (YAML): otlp → batch → `googlecloud` (project and credentials from the metadata
 * server, i.e. the service account). `health_check` on 0.0.0.0:{@link COLLECTOR_HEALTH_PORT} for the sidecar's startup
 * probe (Cloud Run exposes only the ingress container's port, so it is not reachable from outside).
 */
export function cloudTraceCollectorConfig(): string {
  return stringify(pipeline("googlecloud", {}, { health_check: { endpoint: `0.0.0.0:${COLLECTOR_HEALTH_PORT}` } }));
}

/** The Fargate collector's config (YAML, for `AOT_CONFIG_CONTENT`): otlp → batch → `awsxray` in `region`. */
export function xrayCollectorConfig(region: string): string {
  return stringify(pipeline("awsxray", { region }, {}));
}
