/**
 * The EC2 edge for real: nginx (Debian's, installed by .ci/run) runs the config that components/ec2/nginx.ts renders,
 * over HTTPS with a certificate generated here by openssl, in front of the real server. Keys reach both through the
 * real key timer script (components/ec2/key-refresh.ts), fed by a fake `aws` CLI standing in for SSM. If nginx,
 * openssl or python3 is missing, the suite skips with a line naming it, or fails under CI=true
 * (tests/helpers/programs.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { expect } from "chai";
import { Agent, fetch as undiciFetch } from "undici";
import { renderKeyRefreshScript } from "../../components/ec2/key-refresh.js";
import { MODERN_REVISION } from "../helpers/client.js";
import { freePort, startTestNginx } from "../helpers/nginx.js";
import type { Spawned } from "../helpers/process.js";
import { requirePrograms } from "../helpers/programs.js";
import { logLines, newKey } from "../helpers/secrets.js";
import { INITIALIZE, mcpHeaders, startTestServer, type TestServer } from "../helpers/server.js";
import { selfSignedCertificate } from "../helpers/tls.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("EC2 nginx edge in a real nginx", function () {
  this.timeout(120_000);
  let dir: string;
  let app: TestServer;
  let nginx: Spawned;
  let base: string;
  let agent: Agent;
  let conf: string;
  // alice and bob: SDK sessions; carol: arrives by rotation; dave: the burst; erin: untouched until the burst test;
  // frank and grace: the per-tool test.
  // Made in `before`, after the skip check: a key the suite never uses would trip the root hook's log check.
  let [alice, bob, carol, dave, erin, frank, grace] = ["", "", "", "", "", "", ""];
  /** server_info: 0.5 requests/s per key and tool (30 r/m), 2 at once (the key's 5 scaled by 0.5 / 2, rounded up). */
  const TOOL_LIMITS = { server_info: 0.5 };

  /** Puts `keys` into the fake SSM parameter and runs the real key timer script. */
  function setKeys(keys: string[]) {
    writeFileSync(
      join(dir, "ssm.json"),
      JSON.stringify({ Parameters: [{ Name: "/mcp/keys", Value: keys.join(",") }], InvalidParameters: [] }),
    );
    const out = spawnSync("python3", [join(dir, "mcp-anywhere-keys")], {
      encoding: "utf8",
      env: { ...process.env, MCP_KEYS_AWS_CLI: join(dir, "aws") },
    });
    expect(out.status, out.stderr).to.equal(0);
    return out.stdout;
  }

  const post = (body: string, headers: Record<string, string>) =>
    undiciFetch(`${base}/mcp`, { method: "POST", headers, body, dispatcher: agent });

  before(async function () {
    requirePrograms(this, "nginx", "openssl", "python3");
    [alice, bob, carol, dave, erin, frank, grace] = [
      newKey(),
      newKey(),
      newKey(),
      newKey(),
      newKey(),
      newKey(),
      newKey(),
    ];
    dir = mkdtempSync(join(tmpdir(), "mcp-nginx-"));
    for (const d of ["keys", "acme", "nginx"]) mkdirSync(join(dir, d));
    selfSignedCertificate({
      keyPath: join(dir, "key.pem"),
      certPath: join(dir, "cert.pem"),
      commonName: "localhost",
      subjectAltName: "DNS:localhost,IP:127.0.0.1",
      days: 1,
    });
    agent = new Agent({ connect: { ca: readFileSync(join(dir, "cert.pem")) } });
    // A stand-in for the AWS CLI: `aws ssm get-parameters … --output json` prints the fake SSM store.
    writeFileSync(join(dir, "aws"), `#!/bin/sh\ncat ${join(dir, "ssm.json")}\n`, { mode: 0o755 });

    const [httpsPort, httpPort] = [await freePort(), await freePort()];
    conf = join(dir, "nginx", "nginx.conf");
    const reload = join(dir, "reload-nginx");
    writeFileSync(reload, `#!/bin/sh\nset -e\nif [ -f ${dir}/nginx.pid ]; then nginx -s reload -c ${conf}; fi\n`, {
      mode: 0o755,
    });
    writeFileSync(
      join(dir, "mcp-anywhere-keys"),
      renderKeyRefreshScript({
        region: "ap-northeast-1",
        parameterNames: ["/mcp/keys"],
        nginxMapPath: join(dir, "nginx", "keys.map"),
        appKeysPath: join(dir, "keys", "keys"),
        appGroupId: 0,
        reloadCommand: [reload],
      }),
    );
    setKeys([alice, bob, dave, erin, frank, grace]);

    app = await startTestServer({ MCP_API_KEYS_FILE: join(dir, "keys", "keys"), MCP_TRUST_PROXY: "1" });
    nginx = startTestNginx({
      dir,
      conf,
      serverName: "localhost",
      httpsPort,
      httpPort,
      upstream: app.base.replace("http://", ""),
      certificate: join(dir, "cert.pem"),
      certificateKey: join(dir, "key.pem"),
      keyMapPath: join(dir, "nginx", "keys.map"),
      acmeWebroot: join(dir, "acme"),
      perToolRequestsPerSecond: TOOL_LIMITS,
    });
    base = `https://127.0.0.1:${httpsPort}`;
    for (let i = 0; i < 100; i++) {
      const ok = await undiciFetch(`${base}/health`, { dispatcher: agent }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await sleep(50);
    }
  });

  after(async () => {
    nginx?.signal("SIGTERM");
    await nginx?.exited;
    await app?.close();
    await agent?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** App request-log lines so far: a request refused at the edge must not add one. */
  const appRequests = () => logLines.filter((l) => l.includes('"msg":"request"') && l.includes('"path":"/mcp"')).length;

  it("serves the SDK client over HTTPS through nginx: list and call tools, key as x-api-key and as Bearer", async () => {
    const ways: Record<string, string>[] = [{ "x-api-key": alice }, { authorization: `Bearer ${bob}` }];
    for (const headers of ways) {
      const client = new Client({ name: "through-nginx", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
          requestInit: { headers },
          fetch: (url, init) =>
            undiciFetch(url, { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>,
        }),
      );
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).to.include("echo");
      const res = await client.callTool({ name: "echo", arguments: { text: "via nginx" } });
      expect(res.structuredContent).to.deep.equal({ text: "via nginx" });
      await client.close();
    }
  });

  it("answers /health without a key", async () => {
    const res = await undiciFetch(`${base}/health`, { dispatcher: agent });
    expect(res.status).to.equal(200);
    expect(await res.json()).to.include({ status: "ok", keys: "ready" });
  });

  it("refuses no key and a wrong key with 401 JSON at the edge; the app never sees them", async () => {
    const before = appRequests();
    for (const headers of [mcpHeaders(), mcpHeaders(newKey()), mcpHeaders(alice.toUpperCase())]) {
      const res = await post(JSON.stringify(INITIALIZE), headers);
      expect(res.status).to.equal(401);
      expect(res.headers.get("www-authenticate")).to.match(/^ApiKey/);
      expect(await res.json()).to.deep.equal({
        jsonrpc: "2.0",
        error: { code: -32000, message: "Unauthorized: API key missing or invalid" },
        id: null,
      });
    }
    await sleep(200);
    expect(appRequests(), "refused requests reached the app").to.equal(before);
  });

  it("limits keyless requests per IP: 429 with Retry-After once the per-minute budget is spent", async () => {
    let last: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await post("{}", mcpHeaders());
      if (last.status === 429) break;
      await last.arrayBuffer();
    }
    if (!last) throw new Error("no response");
    expect(last.status).to.equal(429);
    expect(last.headers.get("retry-after")).to.equal("1");
    expect(((await last.json()) as { error: { message: string } }).error.message).to.match(/rate limit/);
  });

  it("limits a burst on one key with 429 and Retry-After, while another key is unaffected", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await post(JSON.stringify(INITIALIZE), mcpHeaders(dave));
      statuses.push(res.status);
      if (res.status === 429) expect(res.headers.get("retry-after")).to.equal("1");
      await res.arrayBuffer();
    }
    expect(statuses.slice(0, 5), "the burst of 5 passes").to.deep.equal([200, 200, 200, 200, 200]);
    expect(statuses).to.include(429);
    const other = await post(JSON.stringify(INITIALIZE), mcpHeaders(erin));
    expect(other.status).to.equal(200);
    await other.arrayBuffer();
  });

  /** A 2026-07-28 `tools/call` (per-request `_meta` envelope) with its `Mcp-Method`/`Mcp-Name` headers. */
  const toolCall = (key: string, name: string, args: Record<string, unknown> = {}) =>
    post(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: {
          name,
          arguments: args,
          _meta: {
            "io.modelcontextprotocol/protocolVersion": MODERN_REVISION,
            "io.modelcontextprotocol/clientInfo": { name: "nginx-edge-test", version: "1.0.0" },
            "io.modelcontextprotocol/clientCapabilities": {},
          },
        },
      }),
      mcpHeaders(key, { "mcp-protocol-version": MODERN_REVISION, "mcp-method": "tools/call", "mcp-name": name }),
    );

  it("limits one tool per key (Mcp-Name): a burst on it gets 429, another tool for the key and another key pass", async () => {
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 3; i++) {
      const res = await toolCall(frank, "server_info");
      statuses.push(res.status);
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    expect(statuses, "2 at once, then the tool's zone refuses").to.deep.equal([200, 200, 429]);
    expect(limited?.headers.get("retry-after")).to.equal("1");
    expect(await limited?.json()).to.deep.equal({
      jsonrpc: "2.0",
      error: { code: -32000, message: "Too many requests: rate limit exceeded" },
      id: null,
    });
    const otherTool = await toolCall(frank, "echo", { text: "still here" });
    expect(otherTool.status, "same key, a tool not listed: the key's limit only").to.equal(200);
    expect(await otherTool.text()).to.include("still here");
    const otherKey = await toolCall(grace, "server_info");
    expect(otherKey.status, "another key, same tool").to.equal(200);
    await otherKey.arrayBuffer();
    const noName = await post(JSON.stringify(INITIALIZE), mcpHeaders(frank));
    expect(noName.status, "same key without Mcp-Name (2025-era)").to.equal(200);
    await noName.arrayBuffer();
  });

  it("refuses an oversized body with 413 JSON at the edge", async () => {
    const res = await post(JSON.stringify({ ...INITIALIZE, pad: "x".repeat(8192) }), mcpHeaders(bob));
    expect(res.status).to.equal(413);
    expect(await res.json()).to.deep.include({ jsonrpc: "2.0", id: null });
  });

  it("logs JSON access lines with the key id, never the key", async () => {
    const log = readFileSync(join(dir, "access.log"), "utf8").trim().split("\n");
    const lines = log.map((l) => JSON.parse(l) as { keyId: string; path: string });
    expect(lines.some((l) => /^[0-9a-f]{8}$/.test(l.keyId))).to.equal(true);
    for (const k of [alice, bob]) expect(log.join("\n")).not.to.include(k);
  });

  it("takes a rotated key after the key timer runs: the new key passes edge and app, the removed one is refused", async () => {
    const output = setKeys([bob, carol]);
    expect(output).to.include("nginx reloaded");
    await sleep(1200);
    const fresh = await post(JSON.stringify(INITIALIZE), mcpHeaders(carol));
    expect(fresh.status).to.equal(200);
    await fresh.arrayBuffer();
    const before = appRequests();
    const removed = await post(JSON.stringify(INITIALIZE), mcpHeaders(alice));
    // A removed key counts as keyless: 401, or 429 once this IP's keyless budget is spent (limits run before auth).
    expect(removed.status).to.be.oneOf([401, 429]);
    await removed.arrayBuffer();
    await sleep(200);
    expect(appRequests(), "the removed key never reaches the app").to.equal(before);
  });
});
