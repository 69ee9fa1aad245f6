/** Every bad request gets the right status and a JSON-RPC error body, and the server keeps serving. */
import { expect } from "chai";
import { SERVER_VERSION } from "../../server/mcp/runtime.js";
import { newKey } from "../helpers/secrets.js";
import { INITIALIZE, mcpHeaders, startTestServer, type TestServer } from "../helpers/server.js";

const KEY = newKey();
const WRONG = newKey();

interface RpcErrorBody {
  jsonrpc: string;
  id: null;
  error: { code: number; message: string; data?: Record<string, unknown> };
}

async function expectRpcError(res: Response, status: number, code: number, message: RegExp): Promise<RpcErrorBody> {
  expect(res.status).to.equal(status);
  expect(res.headers.get("content-type")).to.match(/^application\/json/);
  const body = (await res.json()) as RpcErrorBody;
  expect(body.jsonrpc).to.equal("2.0");
  expect(body.id).to.equal(null);
  expect(body.error.code).to.equal(code);
  expect(body.error.message).to.match(message);
  return body;
}

describe("HTTP errors on /mcp", () => {
  let srv: TestServer;
  const post = (body: string, headers: Record<string, string>) => fetch(srv.url, { method: "POST", headers, body });
  before(async () => {
    srv = await startTestServer({
      MCP_API_KEYS: KEY,
      MCP_ALLOWED_ORIGINS: "https://allowed.example",
      MCP_MAX_BODY_BYTES: "2048",
    });
  });
  after(() => srv.close());

  it("401 with reason api_key_missing when no key is sent", async () => {
    const body = await expectRpcError(
      await post(JSON.stringify(INITIALIZE), mcpHeaders()),
      401,
      -32000,
      /API key missing/,
    );
    expect(body.error.data).to.deep.equal({ reason: "api_key_missing" });
  });

  it("401 with reason api_key_invalid for a wrong key, as x-api-key and as Bearer", async () => {
    for (const headers of [mcpHeaders(WRONG), mcpHeaders(undefined, { authorization: `Bearer ${WRONG}` })]) {
      const res = await post(JSON.stringify(INITIALIZE), headers);
      const body = await expectRpcError(res, 401, -32000, /API key invalid/);
      expect(body.error.data).to.deep.equal({ reason: "api_key_invalid" });
      expect(res.headers.get("www-authenticate")).to.match(/^ApiKey /);
    }
  });

  it("rejects a key that differs only in length (prefix of the real key)", async () => {
    await expectRpcError(await post(JSON.stringify(INITIALIZE), mcpHeaders(KEY.slice(0, -1))), 401, -32000, /invalid/);
  });

  it("advertises no OAuth metadata (no protected-resource or authorization-server documents)", async () => {
    for (const path of ["/.well-known/oauth-protected-resource", "/.well-known/oauth-authorization-server"]) {
      const res = await fetch(`${srv.base}${path}`);
      expect(res.status, path).to.equal(404);
    }
    const res = await post(JSON.stringify(INITIALIZE), mcpHeaders());
    expect(res.headers.get("www-authenticate") ?? "").not.to.match(/Bearer|resource_metadata/i);
  });

  it("403 for a foreign Origin, 200 for an allowed one and for none", async () => {
    const foreign = await post(JSON.stringify(INITIALIZE), mcpHeaders(KEY, { origin: "https://evil.example" }));
    await expectRpcError(foreign, 403, -32000, /Origin not allowed/);
    const allowed = await post(JSON.stringify(INITIALIZE), mcpHeaders(KEY, { origin: "https://allowed.example" }));
    expect(allowed.status).to.equal(200);
    expect((await post(JSON.stringify(INITIALIZE), mcpHeaders(KEY))).status).to.equal(200);
  });

  it("405 with Allow: POST for GET and DELETE", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await fetch(srv.url, { method, headers: { "x-api-key": KEY, accept: "text/event-stream" } });
      await expectRpcError(res, 405, -32000, /Method Not Allowed/);
      expect(res.headers.get("allow")).to.equal("POST");
    }
  });

  it("400 with -32700 for malformed JSON", async () => {
    await expectRpcError(await post('{"jsonrpc":"2.0",', mcpHeaders(KEY)), 400, -32700, /Parse error/);
  });

  it("413 with a JSON body (no HTML, no stack) over MCP_MAX_BODY_BYTES", async () => {
    const big = JSON.stringify({ ...INITIALIZE, pad: "x".repeat(4096) });
    const res = await post(big, mcpHeaders(KEY));
    const body = await expectRpcError(res, 413, -32000, /Payload Too Large/);
    expect(JSON.stringify(body)).not.to.match(/<html|at .*\.js:\d+/i);
  });

  it("415 for a Content-Type other than application/json", async () => {
    const res = await post(JSON.stringify(INITIALIZE), { ...mcpHeaders(KEY), "content-type": "text/plain" });
    await expectRpcError(res, 415, -32000, /Unsupported Media Type/);
  });

  it("400 for an invalid MCP-Protocol-Version", async () => {
    const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };
    const res = await post(JSON.stringify(list), mcpHeaders(KEY, { "mcp-protocol-version": "1999-01-01" }));
    await expectRpcError(res, 400, -32000, /Unsupported protocol version/);
  });

  // JSON-RPC 2.0 §5.1: valid JSON that is not a Request object is -32600 Invalid Request (the v1 SDK sent -32700).
  for (const shape of ["{}", "null", '"text"', "42", '{"jsonrpc":"1.0","id":1}']) {
    it(`400 with -32600 for well-formed JSON that is not a JSON-RPC message: ${shape}`, async () => {
      await expectRpcError(await post(shape, mcpHeaders(KEY)), 400, -32600, /not a valid JSON-RPC message/);
    });
  }

  it("answers an unknown JSON-RPC method with -32601 in the response stream", async () => {
    const res = await post(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "no/such" }), mcpHeaders(KEY));
    expect(res.status).to.equal(200);
    expect(await res.text()).to.include(
      '{"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"Method not found"}}',
    );
  });

  it("404 with a JSON body for unknown paths", async () => {
    const res = await fetch(`${srv.base}/nope`);
    await expectRpcError(res, 404, -32000, /Not Found/);
  });

  it("keeps serving after all of the above, on /health and on the earlier releases' /healthz", async () => {
    for (const path of ["/health", "/healthz"]) {
      const res = await fetch(`${srv.base}${path}`);
      expect(res.status, path).to.equal(200);
      expect(await res.json()).to.deep.equal({ status: "ok", version: SERVER_VERSION, keys: "ready" });
    }
  });
});
