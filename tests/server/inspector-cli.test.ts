/** The MCP Inspector CLI (v2, on Node >= 22) as a real third-party client of the running server. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect } from "chai";
import { node22 } from "../helpers/node22.js";
import { newKey, recordOutput } from "../helpers/secrets.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const run = promisify(execFile);
const INSPECTOR = new URL(
  "../../node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js",
  import.meta.url,
).pathname;

describe("MCP Inspector CLI", function () {
  this.timeout(300_000);
  const key = newKey();
  let srv: TestServer;
  let node: string;

  before(async () => {
    node = node22();
    srv = await startTestServer({ MCP_API_KEYS: key });
  });
  after(() => srv.close());

  async function inspector(...args: string[]): Promise<unknown> {
    const { stdout, stderr } = await run(
      node,
      [INSPECTOR, "--cli", srv.url, "--transport", "http", "--header", `x-api-key: ${key}`, ...args],
      { timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } },
    );
    recordOutput(stderr);
    expect(stderr, "no schema-portability warnings or errors").to.equal("");
    return JSON.parse(stdout);
  }

  it("lists the tools, with portable schemas (--strict)", async () => {
    const out = (await inspector("--method", "tools/list", "--strict")) as { tools: { name: string }[] };
    expect(out.tools.map((t) => t.name)).to.have.members(["echo", "server_info", "estimate_cost"]);
  });

  it("calls echo", async () => {
    const out = await inspector("--method", "tools/call", "--tool-name", "echo", "--tool-arg", "text=from inspector");
    expect(out).to.deep.include({ structuredContent: { text: "from inspector" } });
  });

  it("reads the server-info resource", async () => {
    const out = (await inspector("--method", "resources/read", "--uri", "mcp-anywhere://server-info")) as {
      contents: { text: string }[];
    };
    expect(JSON.parse(out.contents[0]?.text ?? "{}")).to.include({ name: "mcp-anywhere" });
  });
});
