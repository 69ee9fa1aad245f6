/**
 * Both protocol eras on one `/mcp`, on the wire: 2026-07-28 requests (per-request `_meta` envelope, `Mcp-Method` /
 * `Mcp-Name` headers, `server/discover`) and 2025-era requests (`initialize`, then calls, no session). What the
 * revision requires (discover, cache hints, HeaderMismatch, no sessions, 405), what the hostile-input review found
 * (batches, invalid params), and that the HTTP layer (keys, Origin, body limit, Content-Type, logs, shutdown) holds for
 * modern requests as it does for 2025 ones.
 * Spec: https://modelcontextprotocol.io/specification/2026-07-28/basic/transports
 */
import { request } from "node:http";
import { expect } from "chai";
import { INVALID_PARAMS_MESSAGE_MAX } from "../../server/mcp/invalid-params.js";
import { MODERN_REVISION } from "../helpers/client.js";
import { logLines, newKey } from "../helpers/secrets.js";
import { INITIALIZE, mcpHeaders, startTestServer, type TestServer } from "../helpers/server.js";

const KEY = newKey();

/** The 2026-07-28 per-request envelope (`params._meta`). */
const META = {
  "io.modelcontextprotocol/protocolVersion": MODERN_REVISION,
  "io.modelcontextprotocol/clientInfo": { name: "raw-test", version: "1.0.0" },
  "io.modelcontextprotocol/clientCapabilities": {},
};

let nextId = 100;

interface RawRequest {
  body: unknown;
  headers: Record<string, string>;
}

/** A 2026-07-28 request: body with the envelope, and the headers the revision requires (overridable). */
function modern(
  method: string,
  params: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): RawRequest {
  // Mcp-Name carries params.name (tools/call, prompts/get) or params.uri (resources/read).
  const named = params.name ?? params.uri;
  const name: Record<string, string> = typeof named === "string" ? { "mcp-name": named } : {};
  return {
    body: { jsonrpc: "2.0", id: nextId++, method, params: { ...params, _meta: META } },
    headers: { "mcp-protocol-version": MODERN_REVISION, "mcp-method": method, ...name, ...headers },
  };
}

/** A 2025-era call after `initialize` (no envelope, no session). */
function legacy(method: string, params?: Record<string, unknown>, headers: Record<string, string> = {}): RawRequest {
  return {
    body: { jsonrpc: "2.0", id: nextId++, method, ...(params ? { params } : {}) },
    headers: { "mcp-protocol-version": "2025-11-25", ...headers },
  };
}

interface RpcMessage {
  jsonrpc: "2.0";
  id: number | string | null;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

/** The JSON-RPC messages of a response: one JSON body, or the `data:` lines of an SSE stream. */
async function messages(res: Response): Promise<RpcMessage[]> {
  const text = await res.text();
  if ((res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    return text
      .split("\n")
      .filter((l) => l.startsWith("data: "))
      .map((l) => JSON.parse(l.slice(6)) as RpcMessage);
  }
  const body = JSON.parse(text) as RpcMessage | RpcMessage[];
  return Array.isArray(body) ? body : [body];
}

describe("both protocol eras on one /mcp", () => {
  let srv: TestServer;
  const send = (req: { body: unknown; headers: Record<string, string> }, key: string | null = KEY) =>
    fetch(srv.url, {
      method: "POST",
      headers: mcpHeaders(key ?? undefined, req.headers),
      body: JSON.stringify(req.body),
    });
  const one = async (req: { body: unknown; headers: Record<string, string> }) => {
    const res = await send(req);
    const msgs = await messages(res);
    expect(msgs, JSON.stringify(msgs)).to.have.length(1);
    return { status: res.status, res, msg: msgs[0] as RpcMessage };
  };

  before(async () => {
    srv = await startTestServer({
      MCP_API_KEYS: KEY,
      MCP_ALLOWED_ORIGINS: "https://allowed.example",
      MCP_MAX_BODY_BYTES: "4096",
      MCP_SHUTDOWN_GRACE_MS: "5000",
    });
  });
  after(() => srv.close());

  describe("2026-07-28", () => {
    it("answers server/discover with the revision, capabilities, server info and cache hints", async () => {
      const { status, msg } = await one(modern("server/discover"));
      expect(status).to.equal(200);
      expect(msg.result).to.deep.include({
        supportedVersions: [MODERN_REVISION],
        capabilities: { tools: { listChanged: false }, resources: { listChanged: false } },
        ttlMs: 300_000,
        cacheScope: "public",
      });
      const meta = msg.result?._meta as Record<string, { name: string }>;
      expect(meta["io.modelcontextprotocol/serverInfo"]?.name).to.equal("mcp-anywhere");
    });

    it("puts cache hints on list results (5 min, public) and on resources/read (0, private)", async () => {
      for (const method of ["tools/list", "resources/list"]) {
        const { msg } = await one(modern(method));
        expect(msg.result, method).to.include({ ttlMs: 300_000, cacheScope: "public" });
      }
      const read = await one(modern("resources/read", { uri: "mcp-anywhere://server-info" }));
      expect(read.msg.result, JSON.stringify(read.msg)).to.include({ ttlMs: 0, cacheScope: "private" });
    });

    it("lists the tools in the same order on every request", async () => {
      const orders = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const { msg } = await one(modern("tools/list"));
        orders.add(((msg.result?.tools ?? []) as { name: string }[]).map((t) => t.name).join(","));
      }
      expect([...orders]).to.deep.equal(["echo,server_info,estimate_cost"]);
    });

    it("calls echo with Mcp-Method and Mcp-Name matching the body", async () => {
      const { status, msg } = await one(modern("tools/call", { name: "echo", arguments: { text: "modern" } }));
      expect(status).to.equal(200);
      expect(msg.result?.structuredContent).to.deep.equal({ text: "modern" });
    });

    for (const [what, headers] of [
      ["an Mcp-Method that names another method", { "mcp-method": "tools/list" }],
      ["an Mcp-Name that names another tool", { "mcp-name": "server_info" }],
      ["no Mcp-Method at all", { "mcp-method": "" }],
    ] as const satisfies [string, Record<string, string>][]) {
      it(`answers ${what} with HeaderMismatch (-32020, HTTP 400), without running the tool`, async () => {
        const req = modern("tools/call", { name: "echo", arguments: { text: "x" } });
        const h: Record<string, string> = { ...req.headers, ...headers };
        if (h["mcp-method"] === "") delete h["mcp-method"];
        const res = await send({ body: req.body, headers: h });
        expect(res.status).to.equal(400);
        const [msg] = await messages(res);
        expect(msg?.error?.code).to.equal(-32020);
        expect(msg?.error?.message).to.match(/headers and body disagree/);
        expect(msg?.result).to.equal(undefined);
      });
    }

    it("logs the method and tool of a modern request", async () => {
      const before = logLines.length;
      await one(modern("tools/call", { name: "server_info", arguments: {} }));
      await new Promise((r) => setTimeout(r, 20));
      const line = logLines
        .slice(before)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === "request");
      expect(line).to.include({ status: 200, mcpMethod: "tools/call", tool: "server_info" });
    });
  });

  describe("2025-era", () => {
    it("initializes without a session and serves calls after it", async () => {
      const res = await send({ body: INITIALIZE, headers: {} });
      expect(res.status).to.equal(200);
      expect(res.headers.get("mcp-session-id")).to.equal(null);
      const [init] = await messages(res);
      expect(init?.result).to.deep.include({ protocolVersion: "2025-11-25" });
      const { msg } = await one(legacy("tools/call", { name: "echo", arguments: { text: "legacy" } }));
      expect(msg.result?.structuredContent).to.deep.equal({ text: "legacy" });
    });

    it("sends no cache fields and the same tool order", async () => {
      const { msg } = await one(legacy("tools/list"));
      expect(msg.result).not.to.have.any.keys("ttlMs", "cacheScope");
      expect(((msg.result?.tools ?? []) as { name: string }[]).map((t) => t.name)).to.deep.equal([
        "echo",
        "server_info",
        "estimate_cost",
      ]);
    });
  });

  for (const [era, make] of [
    ["2026-07-28", modern],
    ["2025-era", legacy],
  ] as const) {
    describe(`${era}: refused or ignored`, () => {
      it("ignores a stray Mcp-Session-Id and Last-Event-ID (no session is created or required)", async () => {
        const req = make(
          "tools/call",
          { name: "echo", arguments: { text: "stray" } },
          {
            "mcp-session-id": "not-a-session",
            "last-event-id": "42",
          },
        );
        const { status, res, msg } = await one(req);
        expect(status).to.equal(200);
        expect(res.headers.get("mcp-session-id")).to.equal(null);
        expect(msg.result?.structuredContent).to.deep.equal({ text: "stray" });
      });

      it("answers GET and DELETE with 405, Allow: POST and a JSON-RPC body", async () => {
        for (const method of ["GET", "DELETE"]) {
          const res = await fetch(srv.url, { method, headers: mcpHeaders(KEY, make("tools/list").headers) });
          expect(res.status, method).to.equal(405);
          expect(res.headers.get("allow")).to.equal("POST");
          const [msg] = await messages(res);
          expect(msg?.error?.code).to.equal(-32000);
        }
      });

      it("refuses a batch with one -32600 error (HTTP 400) and runs none of it", async () => {
        const before = logLines.length;
        const batch = [1, 2, 3].map(() => make("tools/call", { name: "echo", arguments: { text: "b" } }).body);
        const res = await send({ body: batch, headers: make("tools/call").headers });
        expect(res.status).to.equal(400);
        const msgs = await messages(res);
        expect(msgs).to.have.length(1);
        expect(msgs[0]?.error?.code).to.equal(-32600);
        expect(msgs[0]?.error?.message).to.match(/batch/i);
        expect(msgs[0]?.id).to.equal(null);
        expect(logLines.slice(before).join("\n")).not.to.include("tool handler");
      });

      it("refuses an empty batch [] with 400 and -32600 (not 202)", async () => {
        const res = await send({ body: [], headers: make("tools/list").headers });
        expect(res.status).to.equal(400);
        const [msg] = await messages(res);
        expect(msg?.error?.code).to.equal(-32600);
      });

      for (const [what, method, params, field] of [
        ["resources/read without uri", "resources/read", {}, "uri"],
        ["tools/call with name: 1", "tools/call", { name: 1, arguments: {} }, "name"],
        ["tools/call with arguments as a string", "tools/call", { name: "echo", arguments: "x" }, "arguments"],
        ["tools/call with arguments as an array", "tools/call", { name: "echo", arguments: [] }, "arguments"],
      ] as const) {
        it(`answers ${what} with -32602 and a short message naming \`${field}\``, async () => {
          const req = make(method, params as Record<string, unknown>);
          const { msg } = await one({ body: req.body, headers: req.headers });
          expect(msg.error?.code, JSON.stringify(msg)).to.equal(-32602);
          const text = msg.error?.message ?? "";
          expect(text).to.match(new RegExp(`^Invalid params: ${field}: `));
          expect(text.length).to.be.at.most(INVALID_PARAMS_MESSAGE_MAX);
          expect(text).not.to.match(/[\n{}[\]]|invalid_type/);
        });
      }

      it("keeps wrong tool argument types a tool execution error (isError), naming the field", async () => {
        const { msg } = await one(make("tools/call", { name: "echo", arguments: { text: 42 } }));
        expect(msg.result?.isError).to.equal(true);
        expect(JSON.stringify(msg.result?.content)).to.match(/Invalid arguments for tool echo.*text/);
      });
    });

    describe(`${era}: the HTTP layer holds`, () => {
      const req = () => make("tools/call", { name: "echo", arguments: { text: "guarded" } });
      const expectError = async (res: Response, status: number, message: RegExp) => {
        expect(res.status).to.equal(status);
        expect(res.headers.get("content-type")).to.match(/^application\/json/);
        const [msg] = await messages(res);
        expect(msg?.error?.message).to.match(message);
      };

      it("401 without a key and with a wrong key", async () => {
        await expectError(await send(req(), null), 401, /API key missing/);
        await expectError(await send(req(), newKey()), 401, /API key invalid/);
      });

      it("403 for a foreign Origin, 200 for an allowed one", async () => {
        const r = req();
        await expectError(
          await send({ ...r, headers: { ...r.headers, origin: "https://evil.example" } }),
          403,
          /Origin/,
        );
        const ok = await send({ ...r, headers: { ...r.headers, origin: "https://allowed.example" } });
        expect(ok.status).to.equal(200);
      });

      it("413 over MCP_MAX_BODY_BYTES and 415 for another Content-Type", async () => {
        const big = make("tools/call", { name: "echo", arguments: { text: "x".repeat(8192) } });
        await expectError(await send(big), 413, /Payload Too Large/);
        const r = req();
        const res = await fetch(srv.url, {
          method: "POST",
          headers: { ...mcpHeaders(KEY, r.headers), "content-type": "text/plain" },
          body: JSON.stringify(r.body),
        });
        await expectError(res, 415, /Unsupported Media Type/);
      });
    });
  }
});

describe("graceful shutdown with a 2026-07-28 request in flight", () => {
  it("finishes the request after close() starts", async () => {
    const srv = await startTestServer({ MCP_API_KEYS: KEY, MCP_SHUTDOWN_GRACE_MS: "5000" });
    const { body, headers } = modern("tools/call", { name: "echo", arguments: { text: "in flight" } });
    const text = JSON.stringify(body);
    const half = Math.floor(text.length / 2);
    const url = new URL(srv.url);
    let closed: Promise<void> | undefined;
    const done = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: mcpHeaders(KEY, headers) },
        (res) => {
          let out = "";
          res.on("data", (c: Buffer) => {
            out += c.toString();
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: out }));
        },
      );
      req.on("error", reject);
      req.write(text.slice(0, half));
      setTimeout(() => {
        closed = srv.close();
        setTimeout(() => req.end(text.slice(half)), 100);
      }, 100);
    });
    expect(done.status).to.equal(200);
    expect(done.text).to.include('"in flight"');
    await closed;
  });
});
