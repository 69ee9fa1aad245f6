/**
 * `tracingPlatform`: an OpenTelemetry Collector sidecar next to our container that receives the server's OTLP/HTTP
 * spans on loopback and exports them with the platform's own exporter and identity, so no endpoint or header secret is
 * configured. Pure: no Pulumi at runtime; components/cloudrun-mcp-service.ts and components/fargate/ecs.ts wire it.
 *
 * - cloudrun: the Google-Built OpenTelemetry Collector (from Artifact Registry, so no Docker Hub pull limit) with the
 *   `googlecloud` exporter to Cloud Trace, as in Google's Cloud Run sidecar guides ("Deploy Google-Built
 *   OpenTelemetry Collector on Cloud Run", https://cloud.google.com/stackdriver/docs/instrumentation/opentelemetry-collector-cloud-run;
 *   "Write OTLP traces/metrics with an OpenTelemetry sidecar",
 *   https://cloud.google.com/run/docs/tutorials/custom-metrics-opentelemetry-sidecar), with the processors of Google's
 *   sample config (see {@link cloudTraceCollectorConfig});
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
 * - `us-docker.pkg.dev/cloud-ops-agents-artifacts/google-cloud-opentelemetry-collector/otelcol-google:0.156.0`: the
 *   Google-Built OpenTelemetry Collector 0.156.0 (built on collector and contrib 0.156.0), from Google's Artifact
 *   Registry, which Cloud Run pulls without Docker Hub's anonymous pull limit (review R2-m9). The image path and tag
 *   are the ones Google's repository names at its release tag v0.156.0, 2026-07-16
 *   (GoogleCloudPlatform/opentelemetry-operations-collector,
 *   google-built-opentelemetry-collector/docs/examples/deployment/cos/run.sh); its spec.yaml lists every component
 *   the config below uses (otlp receiver, memorylimiter, resourcedetection and batch processors, googlecloud exporter,
 *   healthcheck extension, env config provider). The image's entrypoint is `/otelcol-google` with its feature gates;
 *   our `args` replace only its `--config` (google-built-opentelemetry-collector/Dockerfile). 0.156.1 (2026-07-22)
 *   changes only the googleservicecontrol exporter, which is not used here.
 * - `public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0`: ADOT Collector v0.49.0
 *   (aws-observability/aws-otel-collector PR #3220 "bump version to v0.49.0", 2026-07-10;
 *   https://gallery.ecr.aws/aws-observability/aws-otel-collector).
 */
export const COLLECTOR_IMAGES = {
  cloudrun: "us-docker.pkg.dev/cloud-ops-agents-artifacts/google-cloud-opentelemetry-collector/otelcol-google:0.156.0",
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

/**
 * The Cloud Run collector's processors, in pipeline order (memory_limiter first, as the collector's memory limiter
 * README asks, batch last):
 * - `memory_limiter`: check every 1 s, soft limit 65% of the container's memory with a 20% spike allowance, so a burst
 *   is refused (the exporter in our server sees a retryable error and drops the batch) instead of the 512 MiB sidecar
 *   being OOM-killed;
 * - `resourcedetection` with detectors `[env, gcp]` (timeout 2 s, `override: false`): adds the Cloud Run resource
 *   (`cloud.platform = gcp_cloud_run`, region, `faas.name` service, `faas.version` revision, `faas.instance`) to the
 *   spans;
 * - `batch` with a {@link CLOUD_RUN_COLLECTOR_BATCH_TIMEOUT} timeout and batches of up to 200 spans.
 * The first two are GoogleCloudPlatform/opentelemetry-cloud-run golang/collector/collector-config.yaml's settings
 * verbatim (that sample also declares the batch sizes, with a 5 s timeout); the batch timeout is shorter here, see
 * {@link CLOUD_RUN_COLLECTOR_BATCH_TIMEOUT}.
 */
export const CLOUD_RUN_COLLECTOR_PROCESSORS = {
  memory_limiter: { check_interval: "1s", limit_percentage: 65, spike_limit_percentage: 20 },
  resourcedetection: { detectors: ["env", "gcp"], timeout: "2s", override: false },
  batch: { send_batch_size: 200, send_batch_max_size: 200, timeout: "200ms" },
} as const;

/**
 * The Cloud Run collector's batch timeout, 200 ms (review R2-m1): the batch processor's own default ("`timeout`
 * (default = 200ms)", opentelemetry-collector processor/batchprocessor/README.md), set explicitly because Google's sample
 * uses 5 s. The service uses request-based billing (`cpuIdle`), where "CPU is only allocated during request
 * processing" (https://cloud.google.com/run/docs/configuring/billing-settings): the server exports each request's
 * span before the response ends (server/telemetry/tracing.ts), so it reaches the collector while the request holds
 * CPU, and a short timer exports it within the same request or the next one under load. A batch whose timer fires in
 * an idle gap waits for the next request, or for the instance's shutdown (which gets CPU; the collector exports what
 * it holds when stopped): late, and lost only when the instance dies without a shutdown (docs/observability.md says
 * what keeping CPU between requests would cost instead). Short, but within Cloud Trace's write quota of
 * 4,800 calls per 60 s per project (https://cloud.google.com/trace/docs/quotas): at most 5 writes/s per instance
 * below 1,000 spans/s (a full batch of 200 goes at once).
 */
export const CLOUD_RUN_COLLECTOR_BATCH_TIMEOUT = CLOUD_RUN_COLLECTOR_PROCESSORS.batch.timeout;

/** The pipeline both configs share: OTLP/HTTP in on loopback, through `processors` in order, out through `exporter`. */
function pipeline(
  exporter: string,
  exporterConfig: Record<string, unknown>,
  extensions: Record<string, unknown>,
  processors: Record<string, unknown> = { batch: {} },
) {
  return {
    receivers: { otlp: { protocols: { http: { endpoint: COLLECTOR_OTLP_HTTP } } } },
    processors,
    exporters: { [exporter]: exporterConfig },
    extensions,
    service: {
      extensions: Object.keys(extensions),
      pipelines: { traces: { receivers: ["otlp"], processors: Object.keys(processors), exporters: [exporter] } },
    },
  };
}

/**
 * The Cloud Run collector's config (YAML): otlp → memory_limiter → resourcedetection → batch → `googlecloud` (project
 * and credentials from the metadata server, i.e. the service account); processors in
 * {@link CLOUD_RUN_COLLECTOR_PROCESSORS}. `health_check` on 0.0.0.0:{@link COLLECTOR_HEALTH_PORT} for the sidecar's
 * startup probe (Cloud Run exposes only the ingress container's port, so it is not reachable from outside).
 */
export function cloudTraceCollectorConfig(): string {
  return stringify(
    pipeline(
      "googlecloud",
      {},
      { health_check: { endpoint: `0.0.0.0:${COLLECTOR_HEALTH_PORT}` } },
      CLOUD_RUN_COLLECTOR_PROCESSORS,
    ),
  );
}

/** The Fargate collector's config (YAML, for `AOT_CONFIG_CONTENT`): otlp → batch → `awsxray` in `region`. */
export function xrayCollectorConfig(region: string): string {
  return stringify(pipeline("awsxray", { region }, {}));
}
