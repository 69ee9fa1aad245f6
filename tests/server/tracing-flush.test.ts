/**
 * Per-response span flush (review R2-m1): on lambda and cloudrun the platform takes the CPU away once a response is
 * sent (Lambda freezes the environment; Cloud Run with request-based billing allocates CPU only during requests), so
 * the span of each MCP request is exported before the response ends. The real server (`start()`) exports over
 * OTLP/HTTP to an in-process collector: on those targets the span is at the collector by the time the client has the
 * whole response, without waiting for the 5 s batch; on other targets it is still batched. A collector that does not
 * answer delays a response by at most the bound (TRACING_DEFAULTS.responseFlushTimeoutMs), and a failing export never
 * fails the request.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { InMemorySpanExporter, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace";
import { expect } from "chai";
import { TRACING_DEFAULTS } from "../../infra/core/defaults.js";
import {
  FLUSH_PER_RESPONSE_TARGETS,
  flushesPerResponse,
  responseFlushFor,
  startTracing,
} from "../../server/telemetry/tracing.js";
import { type OtlpCollector, startOtlpCollector } from "../helpers/otlp-collector.js";
import { newKey } from "../helpers/secrets.js";
import { mcpHeaders, startTestServer, type TestServer } from "../helpers/server.js";

const KEY = newKey();

/** One raw 2025-era tools/call (stateless; an SSE response), read to its end. */
async function callEcho(srv: TestServer, id: number): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  const res = await fetch(srv.url, {
    method: "POST",
    headers: mcpHeaders(KEY, { "mcp-protocol-version": "2025-11-25" }),
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: { name: "echo", arguments: { text: "hi" } },
    }),
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - started };
}

const echoSpans = (collector: OtlpCollector, id: number) =>
  collector.spans.filter((s) => s.name === "tools/call echo" && s.attributes["jsonrpc.request.id"] === String(id));

/** An exporter whose every export fails, as a collector that answers 500 makes the OTLP exporter's do. */
class RejectingExporter implements SpanExporter {
  exports = 0;
  export(_spans: ReadableSpan[], done: Parameters<SpanExporter["export"]>[1]): void {
    this.exports++;
    done({ code: 1 /* ExportResultCode.FAILED */, error: new Error("collector unreachable") });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

describe("per-response span flush (lambda, cloudrun)", () => {
  let collector: OtlpCollector;
  before(async () => {
    collector = await startOtlpCollector();
  });
  after(async () => {
    await collector.close();
  });

  it("names the targets whose CPU stops after the response: lambda and cloudrun only", () => {
    expect(FLUSH_PER_RESPONSE_TARGETS).to.deep.equal(["lambda", "cloudrun"]);
    for (const t of ["lambda", "cloudrun"]) expect(flushesPerResponse(t), t).to.equal(true);
    for (const t of ["fargate", "ec2", "dockerhost", "local", undefined])
      expect(flushesPerResponse(t), t).to.equal(false);
  });

  for (const [target, base] of [
    ["lambda", 100],
    ["cloudrun", 110],
  ] as const) {
    it(`${target}: the span is at the collector by the time the whole response has arrived`, async () => {
      const srv = await startTestServer({
        MCP_API_KEYS: KEY,
        MCP_TARGET: target,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
      });
      try {
        expect(srv.tracing?.responseFlush, "per-response flush").to.be.a("function");
        const before = collector.requests.length;
        for (const id of [base + 1, base + 2]) {
          const r = await callEcho(srv, id);
          expect(r.status).to.equal(200);
          expect(r.text).to.include('"result"');
          // No polling and no flush call: the export finished before the response's last bytes were written.
          expect(echoSpans(collector, id), `span of request ${id}`).to.have.length(1);
          expect(echoSpans(collector, id)[0]?.statusCode).to.equal(0);
        }
        // One export per response, not one batch later.
        expect(collector.requests.length - before).to.equal(2);
      } finally {
        await srv.close();
      }
    });
  }

  it("fargate (and every other target): spans stay batched, sent at the 5 s schedule or on shutdown", async () => {
    const srv = await startTestServer({
      MCP_API_KEYS: KEY,
      MCP_TARGET: "fargate",
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
    });
    expect(srv.tracing?.responseFlush).to.equal(undefined);
    const r = await callEcho(srv, 201);
    expect(r.status).to.equal(200);
    expect(echoSpans(collector, 201)).to.have.length(0);
    await srv.close(); // flushes
    expect(echoSpans(collector, 201)).to.have.length(1);
  });

  it("a collector that does not answer delays the response by at most the bound; the request still succeeds", async () => {
    const held: ServerResponse[] = [];
    const silent = createServer((req, res) => {
      req.resume();
      held.push(res);
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    const srv = await startTestServer({
      MCP_API_KEYS: KEY,
      MCP_TARGET: "lambda",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    });
    try {
      const r = await callEcho(srv, 301);
      expect(r.status).to.equal(200);
      expect(r.text).to.include('"result"');
      const bound = TRACING_DEFAULTS.responseFlushTimeoutMs;
      expect(r.ms).to.be.greaterThanOrEqual(bound - 50);
      expect(r.ms).to.be.lessThan(bound + 1500);
      expect(held.length, "the export reached the collector").to.be.greaterThanOrEqual(1);
    } finally {
      for (const res of held) res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      await srv.close();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("a failing export never fails the request (lambda, exporter that rejects every batch)", async () => {
    const exporter = new RejectingExporter();
    const srv = await startTestServer({ MCP_API_KEYS: KEY, MCP_TARGET: "lambda" }, undefined, {
      spanExporter: exporter,
    });
    try {
      const r = await callEcho(srv, 401);
      expect(r.status).to.equal(200);
      expect(r.text).to.include('"result"');
      expect(exporter.exports).to.equal(1);
    } finally {
      await srv.close();
    }
  });

  it("reports a failed or late flush to the logger, never rejects, and is bounded (startTracing)", async () => {
    const warnings: { obj: object; msg: string }[] = [];
    const logger = { warn: (obj: object, msg: string) => void warnings.push({ obj, msg }) };
    const failing = startTracing({ MCP_TARGET: "cloudrun" }, { exporter: new RejectingExporter(), logger });
    try {
      expect(failing?.tracer && responseFlushFor(failing.tracer)).to.equal(failing?.responseFlush);
      failing?.tracer.startSpan("probe").end();
      await failing?.responseFlush?.();
      expect(warnings).to.have.length(1);
      expect(warnings[0]?.msg).to.match(/span export before the response end failed or timed out/);
      expect(warnings[0]?.obj).to.include({ timeoutMs: TRACING_DEFAULTS.responseFlushTimeoutMs });
    } finally {
      await failing?.shutdown();
    }

    // An export that never completes: the flush resolves at the bound given.
    const never: SpanExporter = { export: () => undefined, shutdown: () => Promise.resolve() };
    const slow = startTracing({}, { exporter: never, flushPerResponse: true, responseFlushTimeoutMs: 100, logger });
    try {
      slow?.tracer.startSpan("probe").end();
      const started = performance.now();
      await slow?.responseFlush?.();
      expect(performance.now() - started).to.be.within(90, 1000);
      expect(warnings).to.have.length(2);
    } finally {
      await Promise.race([slow?.shutdown(), new Promise((r) => setTimeout(r, 200))]);
    }

    // Off: not set on a batched target; an injected in-memory exporter changes nothing.
    const batched = startTracing({ MCP_TARGET: "ec2" }, { exporter: new InMemorySpanExporter() });
    expect(batched?.responseFlush).to.equal(undefined);
    expect(batched && responseFlushFor(batched.tracer)).to.equal(undefined);
    await batched?.shutdown();
  });
});
