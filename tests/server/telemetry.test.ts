/**
 * Traces: the real server (`start()`), real SDK clients of both eras (v2 pinned to 2026-07-28, v1 2025-era), and the
 * spans they cause, after the OpenTelemetry MCP semantic conventions
 * (https://opentelemetry.io/docs/specs/semconv/gen-ai/mcp/#server): names, kind, attributes, outcomes, the parent
 * from `params._meta.traceparent`, the HTTP `traceparent` as fallback and link, and no key or argument anywhere.
 * One test exports over OTLP/HTTP (protobuf) to an in-process collector, with the headers from
 * OTEL_EXPORTER_OTLP_HEADERS; the others use an in-memory exporter. Off (no endpoint): nothing is registered.
 */
import { trace } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { expect } from "chai";
import { ATTRIBUTE_MAX_CHARS, describeRequest, safeResourceUri } from "../../server/telemetry/mcp-span.js";
import { extractSpanContext } from "../../server/telemetry/trace-context.js";
import { otlpTracesUrl, parseHeaders, startTracing } from "../../server/telemetry/tracing.js";
import { connectClient, connectModernClient, MODERN_REVISION } from "../helpers/client.js";
import { type OtlpCollector, startOtlpCollector } from "../helpers/otlp-collector.js";
import { newKey, secrets } from "../helpers/secrets.js";
import { INITIALIZE, mcpHeaders, startTestServer, type TestServer } from "../helpers/server.js";

const KEY = newKey();
/** A tool argument that must never reach a span (tool arguments may be secrets). */
const SECRET_ARG = `arg-${newKey()}`;
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;
const HTTP_TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const HTTP_PARENT_ID = "b7ad6b7169203331";
const HTTP_TRACEPARENT = `00-${HTTP_TRACE_ID}-${HTTP_PARENT_ID}-01`;

/** Spans the exporter holds once `n` of them have ended (a span ends on the response's `close`, after the client). */
async function spansWhen(srv: TestServer, exporter: InMemorySpanExporter, n: number): Promise<ReadableSpan[]> {
  for (let i = 0; i < 100; i++) {
    await srv.tracing?.forceFlush();
    if (exporter.getFinishedSpans().length >= n) return [...exporter.getFinishedSpans()];
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`expected ${n} spans, got ${exporter.getFinishedSpans().length}`);
}

function byName(spans: readonly ReadableSpan[], name: string): ReadableSpan[] {
  return spans.filter((s) => s.name === name);
}

/** Everything a span carries that a backend would store, as one string. */
function dump(spans: readonly ReadableSpan[]): string {
  return JSON.stringify(
    spans.map((s) => ({
      name: s.name,
      attributes: s.attributes,
      status: s.status,
      events: s.events,
      links: s.links,
      resource: s.resource.attributes,
    })),
  );
}

describe("traces (OpenTelemetry, MCP semantic conventions)", () => {
  describe("off: no endpoint", () => {
    it("creates no provider, no exporter and mounts nothing; the global tracer stays a no-op", async () => {
      const srv = await startTestServer({ MCP_API_KEYS: KEY });
      try {
        expect(srv.tracing).to.equal(undefined);
        expect(startTracing({ OTEL_EXPORTER_OTLP_HEADERS: "a=b" })).to.equal(undefined);
        const client = await connectClient(srv.url, { "x-api-key": KEY });
        await client.callTool({ name: "echo", arguments: { text: "hi" } });
        await client.close();
        // No SDK registered: the API's tracer hands out non-recording spans.
        const probe = trace.getTracer("probe").startSpan("probe");
        expect(probe.isRecording()).to.equal(false);
        probe.end();
      } finally {
        await srv.close();
      }
    });

    it("reads the endpoint like the OTLP exporter: the traces variable as is, the generic one plus /v1/traces", () => {
      expect(otlpTracesUrl({})).to.equal(undefined);
      expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: " " })).to.equal(undefined);
      expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" })).to.equal("http://c:4318/v1/traces");
      expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/" })).to.equal("http://c:4318/v1/traces");
      expect(
        otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://a", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://b/t" }),
      ).to.equal("http://b/t");
      expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://a", OTEL_SDK_DISABLED: "true" })).to.equal(undefined);
      expect(parseHeaders("Authorization=Bearer%20x, x-h = 1,bad,=v")).to.deep.equal({
        Authorization: "Bearer x",
        "x-h": "1",
      });
    });

    it("rejects an endpoint that is not a URL, naming the variable", () => {
      expect(() => startTracing({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "not a url" })).to.throw(
        /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http\(s\) URL, got "not a url"/,
      );
    });
  });

  describe("request attributes and trace context (unit)", () => {
    const req = { headers: {}, httpVersion: "1.1", ip: "127.0.0.1" };
    it("names tools/call after the tool and never records arguments", () => {
      const d = describeRequest(
        { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "echo", arguments: { text: SECRET_ARG } } },
        req,
      );
      expect(d?.name).to.equal("tools/call echo");
      expect(d?.attributes).to.deep.equal({
        "mcp.method.name": "tools/call",
        "jsonrpc.request.id": "7",
        "gen_ai.tool.name": "echo",
        "gen_ai.operation.name": "execute_tool",
        "network.transport": "tcp",
        "network.protocol.name": "http",
        "network.protocol.version": "1.1",
        "client.address": "127.0.0.1",
      });
    });
    it("keeps resource URIs out of the name and strips credentials, query and fragment", () => {
      const d = describeRequest({ id: "r", method: "resources/read", params: { uri: "https://u:p@h/x?t=1#f" } }, req);
      expect(d?.name).to.equal("resources/read");
      expect(d?.attributes["mcp.resource.uri"]).to.equal("https://h/x");
      expect(safeResourceUri("mcp-anywhere://server-info")).to.equal("mcp-anywhere://server-info");
      expect(safeResourceUri(`x:${"a".repeat(1000)}`).length).to.equal(ATTRIBUTE_MAX_CHARS);
    });
    it("skips batches and bodies without a method; notifications have no request id", () => {
      expect(describeRequest([{ method: "ping", id: 1 }], req)).to.equal(undefined);
      expect(describeRequest({ id: 1 }, req)).to.equal(undefined);
      const n = describeRequest({ jsonrpc: "2.0", method: "notifications/initialized" }, req);
      expect(n?.attributes).to.not.have.property("jsonrpc.request.id");
    });
    it("reads W3C traceparent/tracestate and refuses invalid ones", () => {
      const c = extractSpanContext({ traceparent: TRACEPARENT, tracestate: "rojo=00f067aa0ba902b7" });
      expect(c).to.include({ traceId: TRACE_ID, spanId: PARENT_ID, traceFlags: 1, isRemote: true });
      expect(c?.traceState?.get("rojo")).to.equal("00f067aa0ba902b7");
      for (const bad of [
        `00-${"0".repeat(32)}-${PARENT_ID}-01`,
        `00-${TRACE_ID}-${"0".repeat(16)}-01`,
        `ff-${TRACE_ID}-${PARENT_ID}-01`,
        `00-${TRACE_ID}-${PARENT_ID}-01-extra`,
        `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`,
        "garbage",
      ]) {
        expect(extractSpanContext({ traceparent: bad }), bad).to.equal(undefined);
      }
      expect(extractSpanContext({ traceparent: `01-${TRACE_ID}-${PARENT_ID}-00-future` })?.traceId).to.equal(TRACE_ID);
    });
  });

  describe("on, in-memory exporter", () => {
    let srv: TestServer;
    const exporter = new InMemorySpanExporter();

    before(async () => {
      const running = await startTestServer({ MCP_API_KEYS: KEY }, undefined, { spanExporter: exporter });
      srv = running;
    });
    after(async () => {
      await srv.close();
    });
    beforeEach(() => exporter.reset());

    it("2026-07-28 client (SDK v2): discover, tools/call with _meta.traceparent, unknown tool, tool error", async () => {
      const client = await connectModernClient(srv.url, { "x-api-key": KEY });
      await client.listTools();
      const ok = await client.callTool({
        name: "echo",
        arguments: { text: SECRET_ARG },
        _meta: { traceparent: TRACEPARENT },
      });
      expect(ok.isError ?? false).to.equal(false);
      const unknown = await client.callTool({ name: "no_such_tool", arguments: {} }).then(
        (r) => r,
        (e: unknown) => e,
      );
      expect(unknown).to.exist;
      const bad = await client.callTool({ name: "echo", arguments: { text: 42 } });
      expect(bad.isError).to.equal(true);
      await client.close();

      const spans = await spansWhen(srv, exporter, 5);
      for (const s of spans) {
        expect(s.kind, s.name).to.equal(1 /* SpanKind.SERVER */);
        expect(s.attributes["mcp.protocol.version"], s.name).to.equal(MODERN_REVISION);
        expect(s.attributes["network.transport"]).to.equal("tcp");
      }
      expect(byName(spans, "server/discover")).to.have.length(1);
      expect(byName(spans, "tools/list")).to.have.length(1);

      const [echo, badEcho] = byName(spans, "tools/call echo");
      expect(echo?.spanContext().traceId).to.equal(TRACE_ID);
      expect(echo?.parentSpanContext?.spanId).to.equal(PARENT_ID);
      expect(echo?.attributes).to.include({
        "mcp.method.name": "tools/call",
        "gen_ai.tool.name": "echo",
        "gen_ai.operation.name": "execute_tool",
      });
      expect(echo?.attributes["jsonrpc.request.id"]).to.be.a("string");
      expect(echo?.attributes).to.not.have.property("error.type");
      expect(echo?.status.code).to.equal(0 /* UNSET */);

      expect(badEcho?.attributes["error.type"]).to.equal("tool_error");
      expect(badEcho?.status.code).to.equal(2 /* ERROR */);
      expect(badEcho?.parentSpanContext).to.equal(undefined);

      const [noTool] = byName(spans, "tools/call no_such_tool");
      expect(noTool?.attributes).to.include({ "error.type": "-32602", "rpc.response.status_code": "-32602" });
      expect(noTool?.status.code).to.equal(2);

      expect(dump(spans)).to.not.include(SECRET_ARG).and.not.include(KEY);
    });

    it("2025-era client (SDK v1): initialize, notification, tools/call with _meta.traceparent, unknown tool", async () => {
      const client = await connectClient(srv.url, { "x-api-key": KEY });
      await client.callTool({ name: "echo", arguments: { text: SECRET_ARG }, _meta: { traceparent: TRACEPARENT } });
      const unknown = await client.callTool({ name: "no_such_tool", arguments: { token: SECRET_ARG } }).then(
        (r) => r,
        (e: unknown) => e,
      );
      expect(unknown).to.exist;
      await client.close();

      const spans = await spansWhen(srv, exporter, 4);
      const [init] = byName(spans, "initialize");
      expect(init?.attributes["mcp.protocol.version"]).to.match(/^2025-/);
      const [notified] = byName(spans, "notifications/initialized");
      expect(notified?.attributes).to.not.have.property("jsonrpc.request.id");
      expect(notified?.attributes).to.not.have.property("error.type");
      const [echo] = byName(spans, "tools/call echo");
      expect(echo?.spanContext().traceId).to.equal(TRACE_ID);
      expect(echo?.parentSpanContext?.spanId).to.equal(PARENT_ID);
      expect(echo?.attributes["mcp.protocol.version"]).to.match(/^2025-/);
      expect(echo?.attributes).to.not.have.property("error.type");
      const [noTool] = byName(spans, "tools/call no_such_tool");
      expect(noTool?.attributes["error.type"]).to.equal("-32602");
      expect(dump(spans)).to.not.include(SECRET_ARG).and.not.include(KEY);
    });

    it("raw requests: HTTP traceparent as fallback and as a link; invalid params; no header recorded", async () => {
      const post = (body: unknown, headers: Record<string, string> = {}) =>
        fetch(srv.url, {
          method: "POST",
          headers: mcpHeaders(KEY, {
            "mcp-protocol-version": "2025-11-25",
            authorization: `Bearer ${KEY}`,
            ...headers,
          }),
          body: JSON.stringify(body),
        }).then((r) => r.text());
      await post(INITIALIZE);
      await post({ jsonrpc: "2.0", id: 11, method: "tools/list" }, { traceparent: HTTP_TRACEPARENT });
      await post(
        { jsonrpc: "2.0", id: 12, method: "tools/list", params: { _meta: { traceparent: TRACEPARENT } } },
        { traceparent: HTTP_TRACEPARENT },
      );
      // Invalid params at the protocol level: resources/read without a uri.
      await post({ jsonrpc: "2.0", id: 13, method: "resources/read", params: {} });
      await post({ jsonrpc: "2.0", id: 14, method: "resources/read", params: { uri: "mcp-anywhere://server-info" } });

      const spans = await spansWhen(srv, exporter, 5);
      const list = byName(spans, "tools/list");
      const fromHttp = list.find((s) => s.attributes["jsonrpc.request.id"] === "11");
      expect(fromHttp?.spanContext().traceId).to.equal(HTTP_TRACE_ID);
      expect(fromHttp?.parentSpanContext?.spanId).to.equal(HTTP_PARENT_ID);
      expect(fromHttp?.links).to.have.length(0);
      const fromMeta = list.find((s) => s.attributes["jsonrpc.request.id"] === "12");
      expect(fromMeta?.spanContext().traceId).to.equal(TRACE_ID);
      expect(fromMeta?.links.map((l) => l.context.spanId)).to.deep.equal([HTTP_PARENT_ID]);

      const reads = byName(spans, "resources/read");
      const invalid = reads.find((s) => s.attributes["jsonrpc.request.id"] === "13");
      expect(invalid?.attributes).to.include({ "error.type": "-32602", "rpc.response.status_code": "-32602" });
      expect(invalid?.status.code).to.equal(2);
      const read = reads.find((s) => s.attributes["jsonrpc.request.id"] === "14");
      expect(read?.attributes["mcp.resource.uri"]).to.equal("mcp-anywhere://server-info");
      expect(read?.attributes).to.not.have.property("error.type");
      expect(dump(spans))
        .to.not.include(KEY)
        .and.not.match(/x-api-key|authorization/i);
    });
  });

  describe("on, OTLP/HTTP (protobuf) to an in-process collector", () => {
    let collector: OtlpCollector;
    const COLLECTOR_TOKEN = newKey();

    before(async () => {
      collector = await startOtlpCollector();
    });
    after(async () => {
      await collector.close();
    });

    it("exports the spans with the configured headers and service name, flushed by close()", async () => {
      const srv = await startTestServer({
        MCP_API_KEYS: KEY,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
        OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer%20${COLLECTOR_TOKEN}`,
        OTEL_SERVICE_NAME: "mcp-anywhere-test",
      });
      expect(srv.tracing?.url).to.equal(`${collector.endpoint}/v1/traces`);
      const client = await connectClient(srv.url, { "x-api-key": KEY });
      await client.callTool({ name: "echo", arguments: { text: SECRET_ARG }, _meta: { traceparent: TRACEPARENT } });
      await client.callTool({ name: "no_such_tool", arguments: {} }).catch(() => undefined);
      await client.close();
      expect(collector.spans).to.have.length(0); // batched: nothing before the flush
      await srv.close(); // flushes

      expect(collector.requests.length).to.be.greaterThan(0);
      for (const r of collector.requests) {
        expect(r.path).to.equal("/v1/traces");
        expect(r.headers["content-type"]).to.equal("application/x-protobuf");
        expect(r.headers.authorization).to.equal(`Bearer ${COLLECTOR_TOKEN}`);
        const raw = r.body.toString("latin1");
        for (const secret of [KEY, SECRET_ARG, COLLECTOR_TOKEN]) expect(raw).to.not.include(secret);
      }
      const echo = collector.spans.find((s) => s.name === "tools/call echo");
      expect(echo).to.include({ traceId: TRACE_ID, parentSpanId: PARENT_ID, kind: 2 /* SERVER */, statusCode: 0 });
      expect(echo?.attributes).to.include({ "mcp.method.name": "tools/call", "gen_ai.tool.name": "echo" });
      expect(echo?.resource).to.include({ "service.name": "mcp-anywhere-test" });
      const noTool = collector.spans.find((s) => s.name === "tools/call no_such_tool");
      expect(noTool?.attributes["error.type"]).to.equal("-32602");
      expect(noTool?.statusCode).to.equal(2 /* ERROR */);
      // close() unregistered the provider.
      expect(trace.getTracer("probe").startSpan("probe").isRecording()).to.equal(false);
      expect(secrets.has(COLLECTOR_TOKEN)).to.equal(true);
    });
  });
});
