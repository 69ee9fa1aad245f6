/**
 * Traces, deploy side: the stack's `otelEndpoint`/`otelHeaders` reach the server's environment as the standard
 * OpenTelemetry variables (infra/core/tracing.ts), with the headers only as a Pulumi secret (infra/tracing-env.ts), on
 * the real stack program under mocks. Off by default: no variable at all.
 */
import { expect } from "chai";
import { otlpHeadersValue } from "../../infra/core/tracing.js";
import { tracingHeadersWarning } from "../../stacks/tracing.js";
import { GCP_PROJECT, isSecretInput, type PulumiMocks, unwrapInput } from "../helpers/pulumi-mocks.js";
import { plainTexts, runStack } from "../helpers/run-stack.js";

const ENDPOINT = "https://otlp.example.com:4318";
const TOKEN = "collector-token-6f1c0f2a9b8e4d7c";
const TRACING = {
  "mcp-anywhere:otelEndpoint": ENDPOINT,
  "mcp-anywhere:otelHeaders": JSON.stringify([`Authorization=Bearer ${TOKEN}`, "x-team=a,b"]),
};

/** The function's variables. With a secret among them Pulumi sends the whole `environment` as one secret. */
const lambdaEnv = (m: PulumiMocks) =>
  ((unwrapInput(m.one("aws:lambda/function:Function").inputs.environment) as { variables?: Record<string, unknown> })
    .variables ?? {}) as Record<string, unknown>;

describe("traces: deploy wiring", () => {
  it("encodes headers the way the OTLP exporter parses them (values percent-encoded)", () => {
    expect(otlpHeadersValue({ Authorization: "Bearer a b", "x-team": "a,b" })).to.equal(
      "Authorization=Bearer%20a%20b,x-team=a%2Cb",
    );
    expect(otlpHeadersValue({})).to.equal("");
  });

  it("off by default: no OTEL_ variable reaches the function", async () => {
    const { mocks } = await runStack("dev");
    expect(Object.keys(lambdaEnv(mocks)).filter((k) => k.startsWith("OTEL_"))).to.deep.equal([]);
  });

  it("lambda: endpoint and service name in plain, the headers only as a secret", async () => {
    const run = await runStack("dev", TRACING);
    const env = lambdaEnv(run.mocks);
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).to.equal(ENDPOINT);
    expect(env.OTEL_SERVICE_NAME).to.equal("mcp-anywhere-dev");
    expect(isSecretInput(run.mocks.one("aws:lambda/function:Function").inputs.environment)).to.equal(true);
    expect(env.OTEL_EXPORTER_OTLP_HEADERS).to.equal(`Authorization=Bearer%20${TOKEN},x-team=a%2Cb`);
    for (const text of await plainTexts(run)) expect(text).to.not.include(TOKEN);
  });

  it("cloudrun: endpoint and service name reach the container; headers are not passed, with a warning", async () => {
    const run = await runStack("dev", {
      ...TRACING,
      "mcp-anywhere:target": "cloudrun",
      "gcp:project": GCP_PROJECT,
    });
    const template = run.mocks.one("gcp:cloudrunv2/service:Service").inputs.template as {
      containers: { envs: { name: string; value?: unknown }[] }[];
    };
    const envs = template.containers[0]?.envs ?? [];
    expect(envs.find((e) => e.name === "OTEL_EXPORTER_OTLP_ENDPOINT")?.value).to.equal(ENDPOINT);
    expect(envs.find((e) => e.name === "OTEL_SERVICE_NAME")?.value).to.equal("mcp-anywhere-dev");
    expect(envs.map((e) => e.name)).to.not.include("OTEL_EXPORTER_OTLP_HEADERS");
    for (const text of await plainTexts(run)) expect(text).to.not.include(TOKEN);
    const warning = tracingHeadersWarning({
      target: "cloudrun",
      tracing: { endpoint: ENDPOINT, headers: { Authorization: TOKEN } },
    });
    expect(warning).to.match(/otelHeaders is set but target cloudrun does not pass/);
    expect(warning).to.not.include(TOKEN);
    expect(tracingHeadersWarning({ target: "lambda", tracing: { endpoint: ENDPOINT, headers: { a: "b" } } })).to.equal(
      undefined,
    );
  });
});
