/**
 * The SDKs' own Clients against the real server, in both protocol eras (the v2 Client pinned to 2026-07-28, and the
 * v1 Client speaking 2025-11-25 through the stateless legacy path): both ways of sending the key, both response modes.
 */
import { expect } from "chai";
import { estimateAll } from "../../infra/core/cost/model.js";
import { connectClient, connectModernClient, MODERN_REVISION } from "../helpers/client.js";
import { newKey } from "../helpers/secrets.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const KEY_A = newKey();
const KEY_B = newKey();

/** The surface both SDK clients share, which is all these tests use. */
type AnyClient = Awaited<ReturnType<typeof connectClient>> | Awaited<ReturnType<typeof connectModernClient>>;

const ERAS = [
  { era: "2026-07-28 (v2 Client)", connect: connectModernClient, version: MODERN_REVISION },
  { era: "2025-11-25 (v1 Client, stateless legacy path)", connect: connectClient, version: "2025-11-25" },
] as const;

for (const { era, connect, version } of ERAS)
  for (const jsonResponse of [false, true]) {
    describe(`MCP over Streamable HTTP, ${era} (${jsonResponse ? "MCP_JSON_RESPONSE=true" : "MCP_JSON_RESPONSE=false"})`, () => {
      let srv: TestServer;
      before(async () => {
        srv = await startTestServer({
          MCP_API_KEYS: `${KEY_A}, ${KEY_B}`,
          MCP_JSON_RESPONSE: String(jsonResponse),
          MCP_TARGET: "fargate",
          MCP_REGION: "ap-northeast-1",
        });
      });
      after(() => srv.close());

      for (const [how, headers] of [
        ["x-api-key", () => ({ "x-api-key": KEY_A })],
        ["Authorization: Bearer", () => ({ authorization: `Bearer ${KEY_B}` })],
      ] as const) {
        describe(`with the key as ${how}`, () => {
          let client: AnyClient;
          before(async () => {
            client = await connect(srv.url, headers());
          });
          after(() => client.close());

          it("connects in its era and reports the server's identity and capabilities", () => {
            expect(
              (
                client as { getNegotiatedProtocolVersion?: () => string | undefined }
              ).getNegotiatedProtocolVersion?.() ?? version,
            ).to.equal(version);
            expect(client.getServerVersion()).to.include({ name: "mcp-anywhere" });
            expect(client.getServerCapabilities()).to.have.keys("tools", "resources");
          });

          it("lists the tools in registration order, with input schemas and annotations", async () => {
            const { tools } = await client.listTools();
            expect(tools.map((t) => t.name)).to.deep.equal(["echo", "server_info", "estimate_cost"]);
            const echo = tools.find((t) => t.name === "echo");
            expect(echo?.inputSchema.properties).to.have.key("text");
            expect(echo?.inputSchema.required).to.deep.equal(["text"]);
            expect(echo?.annotations?.readOnlyHint).to.equal(true);
          });

          it("calls echo and gets the same text back, as content and structured content", async () => {
            const text = `héllo ${how} ✓`;
            const result = await client.callTool({ name: "echo", arguments: { text } });
            expect(result.content).to.deep.equal([{ type: "text", text }]);
            expect(result.structuredContent).to.deep.equal({ text });
          });

          it("calls server_info and gets target, region, version and timings", async () => {
            const result = await client.callTool({ name: "server_info", arguments: {} });
            const info = result.structuredContent as Record<string, unknown>;
            expect(info).to.include({ name: "mcp-anywhere", target: "fargate", region: "ap-northeast-1" });
            expect(info.version).to.match(/^\d+\.\d+\.\d+/);
            expect(info.coldStartMs).to.be.a("number").greaterThan(0);
            expect(info.uptimeSeconds).to.be.a("number").at.least(0);
            expect(info.instanceId).to.be.a("string").with.length.greaterThan(8);
          });

          it("estimates cost with estimate_cost, equal to the shared model's own answer", async () => {
            const result = await client.callTool({
              name: "estimate_cost",
              arguments: { requestsPerMonth: 5_000_000, region: "us-east-1", targets: ["lambda", "cloudrun"] },
            });
            const out = result.structuredContent as {
              cheapest: string;
              results: { target: string; monthlyUsd: number }[];
            };
            const model = estimateAll({
              region: "us-east-1",
              gcpRegion: "us-central1",
              usage: { requestsPerMonth: 5_000_000 },
            });
            for (const r of out.results) {
              expect(r.monthlyUsd, r.target).to.equal(model.find((m) => m.target === r.target)?.monthlyUsd);
            }
            expect(out.results.map((r) => r.target)).to.deep.equal(["lambda", "cloudrun"]);
            expect((result.content as { text: string }[])[0]?.text).to.match(
              /^5,000,000 requests\/month in us-east-1: lambda: \$\d+\.\d\d\/month \(idle \$\d+\.\d\d\); cloudrun/,
            );
          });

          it("reads the server-info resource with the same data", async () => {
            const { resources } = await client.listResources();
            expect(resources.map((r) => r.uri)).to.deep.equal(["mcp-anywhere://server-info"]);
            const read = await client.readResource({ uri: "mcp-anywhere://server-info" });
            const first = read.contents[0] as { text: string; mimeType: string };
            expect(first.mimeType).to.equal("application/json");
            expect(JSON.parse(first.text)).to.include({ target: "fargate", region: "ap-northeast-1" });
          });

          it("answers an unknown tool with JSON-RPC error -32602, and keeps serving", async () => {
            const err = await client.callTool({ name: "no_such_tool", arguments: {} }).then(
              () => undefined,
              (e: unknown) => e,
            );
            expect((err as { code: number }).code).to.equal(-32602);
            expect((err as Error).message).to.include("Tool no_such_tool not found");
            const after = await client.callTool({ name: "echo", arguments: { text: "still up" } });
            expect(after.content).to.deep.equal([{ type: "text", text: "still up" }]);
          });

          it("answers an unknown resource with -32602 and data {uri} (2026-07-28 resource-not-found, also sent to 2025 clients)", async () => {
            const err = await client.readResource({ uri: "mcp-anywhere://nope" }).then(
              () => undefined,
              (e: unknown) => e,
            );
            expect((err as { code: number }).code).to.equal(-32602);
            expect((err as { data?: unknown }).data).to.deep.equal({ uri: "mcp-anywhere://nope" });
          });

          it("reports invalid tool arguments as a tool execution error naming the field", async () => {
            const result = await client.callTool({ name: "echo", arguments: { text: 42 } });
            expect(result.isError).to.equal(true);
            expect((result.content as { text: string }[])[0]?.text).to.match(/Invalid arguments for tool echo.*text/s);
          });
        });
      }
    });
  }
