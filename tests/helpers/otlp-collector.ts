/**
 * An in-process OTLP/HTTP trace collector: a node:http server on loopback that accepts `POST /v1/traces` with a
 * protobuf `ExportTraceServiceRequest` body, decodes the spans, and answers 200 with an empty
 * `ExportTraceServiceResponse`. It records every request's headers, so a test can check what the exporter sent.
 *
 * The decoder reads only the fields the tests use, from the OTLP proto definitions
 * (https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/trace/v1/trace.proto,
 * common/v1/common.proto, resource/v1/resource.proto); `@opentelemetry/otlp-transformer` serializes requests but has
 * no request deserializer.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

type Field = number | Uint8Array;

/** Protobuf wire format into field number → values (varints as numbers, length-delimited as bytes). */
function fields(buf: Uint8Array): Map<number, Field[]> {
  const out = new Map<number, Field[]>();
  let pos = 0;
  const varint = () => {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = buf[pos++] as number;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const no = Math.floor(tag / 8);
    const wt = tag & 7;
    let v: Field;
    if (wt === 0) v = varint();
    else if (wt === 2) {
      const len = varint();
      v = buf.subarray(pos, pos + len);
      pos += len;
    } else if (wt === 1) {
      v = buf.subarray(pos, pos + 8);
      pos += 8;
    } else if (wt === 5) {
      v = buf.subarray(pos, pos + 4);
      pos += 4;
    } else throw new Error(`unsupported wire type ${wt}`);
    out.set(no, [...(out.get(no) ?? []), v]);
  }
  return out;
}

const text = (v: Field | undefined) => (v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : "");
const hex = (v: Field | undefined) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : "");
const msgs = (m: Map<number, Field[]>, no: number) =>
  (m.get(no) ?? []).filter((v): v is Uint8Array => v instanceof Uint8Array).map(fields);

/** AnyValue: string, bool, int (as number) or double. */
function anyValue(m: Map<number, Field[]>): string | number | boolean | undefined {
  const s = m.get(1)?.[0];
  if (s !== undefined) return text(s);
  const b = m.get(2)?.[0];
  if (typeof b === "number") return b === 1;
  const i = m.get(3)?.[0];
  if (typeof i === "number") return i;
  const d = m.get(4)?.[0];
  if (d instanceof Uint8Array) return Buffer.from(d).readDoubleLE(0);
  return undefined;
}

function attributes(list: Map<number, Field[]>[]): Record<string, string | number | boolean | undefined> {
  return Object.fromEntries(list.map((kv) => [text(kv.get(1)?.[0]), anyValue(msgs(kv, 2)[0] ?? new Map())]));
}

export interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, string | number | boolean | undefined>;
  links: { traceId: string; spanId: string }[];
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
  resource: Record<string, string | number | boolean | undefined>;
}

/** Decodes an `ExportTraceServiceRequest`. */
export function decodeTraceRequest(body: Uint8Array): CollectedSpan[] {
  const spans: CollectedSpan[] = [];
  for (const rs of msgs(fields(body), 1)) {
    const resource = attributes(msgs(msgs(rs, 1)[0] ?? new Map(), 1));
    for (const ss of msgs(rs, 2)) {
      for (const s of msgs(ss, 2)) {
        const status = msgs(s, 15)[0] ?? new Map<number, Field[]>();
        spans.push({
          traceId: hex(s.get(1)?.[0]),
          spanId: hex(s.get(2)?.[0]),
          parentSpanId: hex(s.get(4)?.[0]),
          name: text(s.get(5)?.[0]),
          kind: (s.get(6)?.[0] as number | undefined) ?? 0,
          attributes: attributes(msgs(s, 9)),
          links: msgs(s, 13).map((l) => ({ traceId: hex(l.get(1)?.[0]), spanId: hex(l.get(2)?.[0]) })),
          statusCode: (status.get(3)?.[0] as number | undefined) ?? 0,
          statusMessage: text(status.get(2)?.[0]),
          resource,
        });
      }
    }
  }
  return spans;
}

export interface OtlpCollector {
  /** `http://127.0.0.1:<port>` (set OTEL_EXPORTER_OTLP_ENDPOINT to it; the exporter appends `/v1/traces`). */
  endpoint: string;
  spans: CollectedSpan[];
  /** Every export request: path, headers and the raw body (for "no secret in the payload" checks). */
  requests: { path: string; headers: IncomingHttpHeaders; body: Buffer }[];
  close: () => Promise<void>;
}

/** Starts the collector on an ephemeral loopback port. */
export async function startOtlpCollector(): Promise<OtlpCollector> {
  const spans: CollectedSpan[] = [];
  const requests: OtlpCollector["requests"] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      requests.push({ path: req.url ?? "", headers: req.headers, body });
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      spans.push(...decodeTraceRequest(body));
      res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
