/**
 * A loopback HTTP proxy that adds an API key to every request it forwards, so that the official conformance suite
 * (`@modelcontextprotocol/conformance`, which has no option to send headers) can test a server that requires a key.
 *
 * Everything else passes through unchanged, in both directions: method, path, query, every request header including
 * `Host`, `Origin`, `Mcp-*` and `Last-Event-ID` (so the suite's DNS-rebinding and header-validation scenarios reach the
 * server as sent), the body as a stream, and the response status, headers and body as a stream (SSE included, never
 * buffered). The key goes in `x-api-key` and replaces any `x-api-key` the client sent; `Authorization` is left alone.
 * Hop-by-hop headers (RFC 9110 section 7.6.1) are not forwarded.
 *
 * A proxy error (target down) is answered 502 with a JSON-RPC error body, which no scenario should ever see.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

/** RFC 9110 section 7.6.1 connection-specific fields, plus `connection` itself. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

export interface KeyProxy {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Sets the origin requests go to, `http://127.0.0.1:<port>`; until set, every request gets 502. */
  setTarget: (target: string) => void;
  server: Server;
  close: () => Promise<void>;
}

function forwardHeaders(headers: IncomingHttpHeaders, key: string): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name) && name !== "x-api-key") out[name] = value;
  }
  out["x-api-key"] = key;
  return out;
}

/**
 * Starts the proxy on an ephemeral loopback port. The target is set afterwards ({@link KeyProxy.setTarget}), so that
 * the server behind it can be configured with the proxy's own origin (its allowed `Origin` and `Host`).
 * @param key - the API key to add (x-api-key).
 */
export async function startKeyProxy(key: string): Promise<KeyProxy> {
  let to = new URL("http://127.0.0.1:1");
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const upstream = request(
      {
        hostname: to.hostname,
        port: to.port,
        method: req.method,
        path: req.url,
        headers: forwardHeaders(req.headers, key),
      },
      (up) => {
        const headers: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(up.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
        }
        res.writeHead(up.statusCode ?? 502, headers);
        // Flush each chunk as it arrives: SSE events must reach the suite without waiting for the end.
        up.on("data", (chunk: Buffer) => res.write(chunk));
        up.on("end", () => res.end());
        up.on("error", () => res.destroy());
      },
    );
    upstream.on("error", (err) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message: `proxy: ${err.message}` } }));
    });
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    setTarget: (target) => {
      to = new URL(target);
    },
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
