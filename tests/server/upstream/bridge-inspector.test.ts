/** The MCP Inspector CLI (v2, Node >= 22) as a real third-party client of the bridge, fronting server-everything. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect } from "chai";
import { node22 } from "../../helpers/node22.js";
import { newKey, recordOutput } from "../../helpers/secrets.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { EVERYTHING, isReady, nodeCommand, waitForHealth } from "../../helpers/upstream.js";

const run = promisify(execFile);
const INSPECTOR = new URL(
  "../../../node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js",
  import.meta.url,
).pathname;

describe("MCP Inspector CLI against the bridge", function () {
  this.timeout(120_000);
  const key = newKey();
  let srv: TestServer;
  let node: string;

  before(async () => {
    node = node22();
    srv = await startTestServer({
      MCP_API_KEYS: key,
      MCP_UPSTREAM: "stdio",
      MCP_UPSTREAM_COMMAND: nodeCommand(EVERYTHING, "stdio"),
    });
    await waitForHealth(srv.base, isReady);
  });
  after(() => srv?.close());

  async function inspector(...args: string[]): Promise<unknown> {
    const { stdout, stderr } = await run(
      node,
      [INSPECTOR, "--cli", srv.url, "--transport", "http", "--header", `x-api-key: ${key}`, ...args],
      { timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } },
    );
    recordOutput(stderr);
    return JSON.parse(stdout);
  }

  it("lists the upstream's tools and calls one", async () => {
    const list = (await inspector("--method", "tools/list")) as { tools: { name: string }[] };
    expect(list.tools.map((t) => t.name)).to.include.members(["echo", "get-sum"]);
    const out = (await inspector(
      "--method",
      "tools/call",
      "--tool-name",
      "echo",
      "--tool-arg",
      "message=from inspector",
    )) as {
      content: { text: string }[];
    };
    expect(out.content[0]?.text).to.equal("Echo: from inspector");
  });

  it("reads an upstream resource", async () => {
    const uri = "demo://resource/static/document/architecture.md";
    const out = (await inspector("--method", "resources/read", "--uri", uri)) as { contents: { uri: string }[] };
    expect(out.contents[0]?.uri).to.equal(uri);
  });
});
